package poll_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
	"github.com/feedd/feedd/poll"
)

// The keys of testdata/wordpress.xml's posts: the site's shortlinks.
const (
	wpGarlic = "https://garden.example.org/?p=101"
	wpTomato = "https://garden.example.org/?p=102"
	wpSeeds  = "https://garden.example.org/?p=108"
)

// wpComment is the key of comment id of the garlic post.
func wpComment(post, id string) string { return post + "#comment-" + id }

// noPrivate fails when any text of the stored entries holds what must
// never be stored: e-mail and IP addresses from the exports, characters
// the store refuses or drops.
func noPrivate(t *testing.T, what string, texts ...string) {
	t.Helper()
	for _, s := range texts {
		for _, bad := range []string{"@reader.example.net", "@example.com", "@mail.example.com", "@garden.example.org", "203.0.113.7", "192.0.2.", "\ufffd", "\x0c", "\u202e"} {
			if strings.Contains(s, bad) {
				t.Errorf("%s holds %q: %q", what, bad, s)
			}
		}
	}
}

func TestImport_WordPress(t *testing.T) {
	e := newEnv(t, poll.Options{})
	res := importFile(t, e, "wordpress.xml", "wp")
	if want := (poll.ImportResult{Posts: 3, Comments: 9}); res != want {
		t.Errorf("first import = %+v, want %+v (menu item, page, attachment, draft and private post left out, with the page's comment; pending, spam and trashed comments left out)", res, want)
	}
	posts := e.posts(t, "wp")
	garlic, tomato, seeds := posts[wpGarlic], posts[wpTomato], posts[wpSeeds]
	if len(posts) != 3 || garlic == nil || tomato == nil || seeds == nil {
		t.Fatalf("posts by upstream id: %v", posts)
	}

	// The garlic post: display name, categories and tags, GMT dates,
	// paragraphs made, relative URLs resolved, CDATA's ]]> and entities.
	if garlic.Title != "Planting garlic in autumn" || garlic.AuthorName != "Jane Doe" {
		t.Errorf("garlic = %q by %q", garlic.Title, garlic.AuthorName)
	}
	if got := strings.Join(garlic.Categories, ","); got != "Vegetables,garlic,autumn" {
		t.Errorf("garlic categories = %q", got)
	}
	if want := time.Date(2019, 10, 5, 9, 30, 0, 0, time.UTC); !garlic.Published.Equal(want) {
		t.Errorf("garlic published %v, want %v", garlic.Published, want)
	}
	if want := time.Date(2019, 10, 7, 11, 0, 0, 0, time.UTC); !garlic.Updated.Equal(want) {
		t.Errorf("garlic updated %v, want %v", garlic.Updated, want)
	}
	if garlic.Origin.URL != "https://garden.example.org/2019/10/planting-garlic/" {
		t.Errorf("garlic origin = %+v", garlic.Origin)
	}
	for _, want := range []string{
		"<p>Garlic goes in when the soil is still warm &amp; the nights are cold. 🧄</p>",
		"<p>Break the bulbs into cloves the day before.<br>\nPlant them <em>pointy end up</em>, 15&nbsp;cm apart",
		`href="https://garden.example.org/2018/10/garlic-varieties/"`,
		`src="https://garden.example.org/wp-content/uploads/2019/10/cloves.jpg"`,
		"<code>a[b[0]]>1</code>",
	} {
		if !strings.Contains(garlic.Content, want) {
			t.Errorf("garlic content lacks %q:\n%s", want, garlic.Content)
		}
	}
	if garlic.Summary != "When & how to plant garlic." {
		t.Errorf("garlic summary = %q", garlic.Summary)
	}

	// The tomato post: RTL author by display name, bidi controls out of
	// the title, the date from pubDate as post_date_gmt is zero, the block
	// editor's paragraphs as they are.
	if tomato.Title != "Tomato blight, again ﬁx me" || tomato.AuthorName != "مالك الحديقة" {
		t.Errorf("tomato = %q by %q", tomato.Title, tomato.AuthorName)
	}
	if want := time.Date(2020, 7, 14, 18, 45, 0, 0, time.UTC); !tomato.Published.Equal(want) {
		t.Errorf("tomato published %v, want %v (pubDate)", tomato.Published, want)
	}
	if !strings.Contains(tomato.Content, "<p>The leaves went brown overnight. اللفحة المتأخرة مرة أخرى.</p>") || strings.Contains(tomato.Content, "<p><!--") {
		t.Errorf("tomato content = %q", tomato.Content)
	}
	// A login without a wp:author stays the login.
	if seeds.AuthorName != "someone-gone" || seeds.Title != "Seed catalogue & wish list" {
		t.Errorf("seeds = %q by %q", seeds.Title, seeds.AuthorName)
	}

	garlicThread := e.comments(t, garlic.ID)
	checkThread(t, garlicThread, map[string]want{
		wpComment(wpGarlic, "201"): {"Ann Reader", ""},
		wpComment(wpGarlic, "202"): {"Jane Doe", wpComment(wpGarlic, "201")},
		wpComment(wpGarlic, "203"): {"Ann Reader", wpComment(wpGarlic, "202")},
		// 207 answers 206, trashed: it goes under 206's parent, 201.
		wpComment(wpGarlic, "207"): {"Bob Gardener", wpComment(wpGarlic, "201")},
		// 210 answers 204, never approved, on the post: on the post.
		wpComment(wpGarlic, "210"): {"Carol", ""},
		wpComment(wpGarlic, "208"): {"Seed Swap Weekly » Garlic roundup", ""},
		wpComment(wpGarlic, "209"): {"Allotment Diaries", ""},
	})
	c203 := garlicThread[wpComment(wpGarlic, "203")]
	if want := time.Date(2019, 10, 6, 12, 40, 0, 0, time.UTC); !c203.Published.Equal(want) {
		t.Errorf("203 published %v, want %v", c203.Published, want)
	}
	if !strings.Contains(c203.Content, "شكرا جزيلا 🌱 & good luck") || c203.AuthorURI != "https://ann.example.net/" {
		t.Errorf("203 = %q by %q", c203.Content, c203.AuthorURI)
	}
	if c := garlicThread[wpComment(wpGarlic, "201")]; c.Origin.URL != "https://garden.example.org/2019/10/planting-garlic/#comment-201" {
		t.Errorf("201 origin = %+v", c.Origin)
	}
	// Pingbacks and trackbacks are comments by the page that linked.
	ping := garlicThread[wpComment(wpGarlic, "208")]
	if ping.AuthorURI != "https://seeds.example.com/2019/10/garlic-roundup/" || !strings.Contains(ping.Content, "Jane has the best guide") {
		t.Errorf("pingback = %q by %q", ping.Content, ping.AuthorURI)
	}
	// Kept as mentions by the linking page.
	if ping.Kind != feed.MentionLink || ping.SourceURL != ping.AuthorURI {
		t.Errorf("pingback kind %q, source %q; want a mention by its page", ping.Kind, ping.SourceURL)
	}
	if tb := garlicThread[wpComment(wpGarlic, "209")]; tb.AuthorURI != "http://allotment.example.net/2019/10/09/garlic/" ||
		tb.Kind != feed.MentionLink || tb.SourceURL != tb.AuthorURI {
		t.Errorf("trackback author URI = %q, kind %q, source %q", tb.AuthorURI, tb.Kind, tb.SourceURL)
	}

	tomatoThread := e.comments(t, tomato.ID)
	checkThread(t, tomatoThread, map[string]want{
		wpComment(wpTomato, "301"): {"Dee 🍅", ""},
		wpComment(wpTomato, "302"): {"مالك الحديقة", wpComment(wpTomato, "301")},
	})
	if c := tomatoThread[wpComment(wpTomato, "301")]; c.AuthorURI != "" {
		t.Errorf("a javascript: author URL was kept: %q", c.AuthorURI)
	}
	for _, th := range []map[string]*feed.Comment{garlicThread, tomatoThread} {
		for id, c := range th {
			noPrivate(t, id, c.AuthorName, c.AuthorURI, c.Content, c.HTML)
			if err := c.Validate(); err != nil {
				t.Errorf("%s: %v", id, err)
			}
		}
	}
	for _, p := range posts {
		noPrivate(t, p.Origin.ID, p.Title, p.AuthorName, p.Content, p.Summary)
	}

	t.Run("Again", func(t *testing.T) {
		before := e.lastChange(t)
		res := importFile(t, e, "wordpress.xml", "wp")
		if want := (poll.ImportResult{Unchanged: 12}); res != want {
			t.Errorf("second import = %+v, want %+v", res, want)
		}
		if got := e.lastChange(t); got != before {
			t.Errorf("second import wrote: LastChange %d, was %d", got, before)
		}
	})
}

func TestImport_Disqus(t *testing.T) {
	e := newEnv(t, poll.Options{})
	importFile(t, e, "wordpress.xml", "wp")
	res := importFile(t, e, "disqus.xml", "disqus")
	if want := (poll.ImportResult{Comments: 6, Skipped: 2}); res != want {
		t.Errorf("import = %+v, want %+v (deleted and spam left out, the lost post's 2 skipped, the deleted thread's left out)", res, want)
	}
	posts := e.posts(t, "wp")
	garlic, tomato, seeds := posts[wpGarlic], posts[wpTomato], posts[wpSeeds]
	if len(e.posts(t, "disqus")) != 0 {
		t.Errorf("the Disqus import made posts: %v", e.posts(t, "disqus"))
	}
	thread := e.comments(t, garlic.ID)
	checkThread(t, thread, map[string]want{
		wpComment(wpGarlic, "201"): {"Ann Reader", ""},
		wpComment(wpGarlic, "202"): {"Jane Doe", wpComment(wpGarlic, "201")},
		wpComment(wpGarlic, "203"): {"Ann Reader", wpComment(wpGarlic, "202")},
		wpComment(wpGarlic, "207"): {"Bob Gardener", wpComment(wpGarlic, "201")},
		wpComment(wpGarlic, "210"): {"Carol", ""},
		wpComment(wpGarlic, "208"): {"Seed Swap Weekly » Garlic roundup", ""},
		wpComment(wpGarlic, "209"): {"Allotment Diaries", ""},

		"disqus:9900001": {"Bob Allotment", ""},
		// 9900003 answers 9900002, deleted: under 9900001.
		"disqus:9900003": {"Fay", "disqus:9900001"},
		"disqus:9900004": {"Guest Gardener", "disqus:9900003"},
		"disqus:9900005": {"boballot", "disqus:9900004"}, // no name: the username
		// 9900007 answers spam: on the post.
		"disqus:9900007": {"Hal", ""},
	})
	if c := thread["disqus:9900005"]; c.Depth != 3 {
		t.Errorf("9900005 depth %d, want 3", c.Depth)
	}
	c := thread["disqus:9900001"]
	if want := time.Date(2019, 10, 10, 8, 0, 0, 0, time.UTC); !c.Published.Equal(want) || c.Content != "<p>Mine sprouted in <b>three</b> weeks!</p>" {
		t.Errorf("9900001 = %q at %v", c.Content, c.Published)
	}
	if c.Origin.Source != "disqus" || c.Origin.URL != "https://Garden.Example.org/2019/10/planting-garlic#comment-9900001" {
		t.Errorf("9900001 origin = %+v", c.Origin)
	}
	odd := e.comments(t, tomato.ID)["disqus:9900008"]
	if odd != nil && odd.Origin.URL != "https://garden.example.org/2020/07/tomato-blight/#comment-9900008" {
		t.Errorf("9900008 origin URL = %q (the thread link's #disqus_thread replaced)", odd.Origin.URL)
	}
	if odd == nil || odd.AuthorName != "Ibrahim & co" || !strings.Contains(odd.Content, "نفس المشكلة هنا 🍅 &amp; the CDATA end ]]> in text") {
		t.Fatalf("odd comment = %+v", odd)
	}
	if cs := e.comments(t, seeds.ID); len(cs) != 0 {
		t.Errorf("the deleted thread's comment was imported: %v", cs)
	}
	for _, th := range []map[string]*feed.Comment{thread, e.comments(t, tomato.ID)} {
		for id, c := range th {
			noPrivate(t, id, c.AuthorName, c.AuthorURI, c.Content, c.HTML)
		}
	}

	t.Run("Again", func(t *testing.T) {
		before := e.lastChange(t)
		res := importFile(t, e, "disqus.xml", "disqus")
		if want := (poll.ImportResult{Unchanged: 6, Skipped: 2}); res != want {
			t.Errorf("second import = %+v, want %+v", res, want)
		}
		if got := e.lastChange(t); got != before {
			t.Errorf("second import wrote: LastChange %d, was %d", got, before)
		}
	})
}

// TestImport_DisqusLocalPost: a thread matches a post of the site itself
// by its permalink, when the poller knows how to spell it.
func TestImport_DisqusLocalPost(t *testing.T) {
	e := newEnv(t, poll.Options{PostURL: func(id string) string { return "https://blog.example.org/posts/" + id }})
	ctx := context.Background()
	post := &feed.Post{ID: "hello", Title: "Hello", Content: "<p>hi</p>"}
	if err := e.st.CreatePost(ctx, post); err != nil {
		t.Fatal(err)
	}
	doc := `<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
  <thread dsq:id="1"><link>HTTPS://BLOG.example.org:443/posts/hello/#comments</link><isDeleted>false</isDeleted></thread>
  <post dsq:id="10"><message>&lt;p&gt;First!&lt;/p&gt;</message><createdAt>2024-02-01T10:00:00Z</createdAt>
    <isDeleted>false</isDeleted><isSpam>false</isSpam><author><name>Reader</name></author><thread dsq:id="1"/></post>
  <post dsq:id="11"><message>Second</message><createdAt>2024-02-01T11:00:00Z</createdAt>
    <isDeleted/><isSpam/><author><name>Other</name></author><thread dsq:id="1"/><parent dsq:id="10"/></post>
</disqus>`
	res, err := e.p.Import(ctx, strings.NewReader(doc), "", "disqus", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res != (poll.ImportResult{Comments: 2}) {
		t.Errorf("import = %+v", res)
	}
	checkThread(t, e.comments(t, "hello"), map[string]want{
		"disqus:10": {"Reader", ""},
		"disqus:11": {"Other", "disqus:10"},
	})

	// Without PostURL the thread matches nothing.
	e2 := newEnv(t, poll.Options{})
	if err := e2.st.CreatePost(ctx, &feed.Post{ID: "hello", Title: "Hello", Content: "<p>hi</p>"}); err != nil {
		t.Fatal(err)
	}
	res, err = e2.p.Import(ctx, strings.NewReader(doc), "", "disqus", nil)
	if err != nil || res != (poll.ImportResult{Skipped: 2}) {
		t.Errorf("import without PostURL = %+v, %v", res, err)
	}
}

// TestImport_BadExports: broken and unknown documents fail with an error
// naming the format expected and the line, and write nothing, however far
// they got.
func TestImport_BadExports(t *testing.T) {
	wxr, err := os.ReadFile("testdata/wordpress.xml")
	if err != nil {
		t.Fatal(err)
	}
	dsq, err := os.ReadFile("testdata/disqus.xml")
	if err != nil {
		t.Fatal(err)
	}
	// Cut after the garlic post's last comment: one whole post read.
	cut := strings.Index(string(wxr), "<title><![CDATA[About]]></title>")
	truncatedWXR := string(wxr[:cut])
	truncatedLine := strings.Count(truncatedWXR, "\n") + 1
	const wxrHead = `<?xml version="1.0"?>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.1/">`
	const dsqHead = `<?xml version="1.0"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">`
	for _, tt := range []struct {
		name, doc string
		want      []string
	}{
		{"truncated WXR", truncatedWXR, []string{"WordPress export (WXR)", "line " + strconv.Itoa(truncatedLine), "unexpected end of file"}},
		{"WXR with a broken tag", strings.Replace(string(wxr), "<wp:comment_id>202</wp:comment_id>", "<wp:comment_id>202</wp:comment_idd>", 1),
			[]string{"WordPress export (WXR): line 125:", "comment_idd"}},
		{"WXR with no channel", wxrHead + "\n<item><wp:post_id>1</wp:post_id></item></rss>", []string{"WordPress export (WXR)", "no <channel>"}},
		{"WXR item before the link", wxrHead + "\n<channel>\n<item><wp:post_id>1</wp:post_id><wp:post_type>post</wp:post_type></item></channel></rss>",
			[]string{"WordPress export (WXR): line 4:", "<link>"}},
		{"WXR post without id", wxrHead + "\n<channel><link>https://x.example</link>\n<item><wp:post_type>post</wp:post_type><wp:status>publish</wp:status></item></channel></rss>",
			[]string{"WordPress export (WXR): line 4:", "wp:post_id"}},
		{"WXR with an unknown entity", wxrHead + "\n<channel><title>&bogus;</title></channel></rss>", []string{"WordPress export (WXR): line 3:", "&bogus;"}},
		{"truncated Disqus", string(dsq[:len(dsq)/2]), []string{"Disqus export: line", "unexpected end of file"}},
		{"cut in the prolog", string(wxr[:300]), []string{"no root element", "truncated?", "WordPress export (WXR)"}},
		{"a prolog and no root", "<?xml version=\"1.0\"?>\n<!-- only a comment -->\n", []string{"line 3:", "ends before its root element", "Disqus export"}},
		{"Disqus post of an unknown thread", dsqHead + "\n<thread dsq:id=\"1\"><link>https://x.example/a</link></thread>\n<post dsq:id=\"2\"><message>hi</message><thread dsq:id=\"3\"/></post></disqus>",
			[]string{"Disqus export: line 4:", `thread dsq:id="3"`, "does not define"}},
		{"Disqus post without thread", dsqHead + "\n\n<post dsq:id=\"2\"><message>hi</message></post></disqus>", []string{"Disqus export: line 4:", "names no <thread"}},
		{"unknown root", "<?xml version=\"1.0\"?>\n<html><body>not an export</body></html>", []string{"root element <html>", "WordPress export (WXR)", "Disqus export"}},
		{"Disqus root in another namespace", "<disqus xmlns=\"http://example.com\"/>", []string{"root element <disqus>", `<disqus xmlns="http://disqus.com">`}},
		{"empty file", "", []string{"empty document", "WordPress export (WXR)"}},
		{"blank file", " \n\t\n", []string{"empty document"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, poll.Options{})
			before := e.lastChange(t)
			_, err := e.p.Import(context.Background(), strings.NewReader(tt.doc), "", "bad", nil)
			if err == nil {
				t.Fatal("no error")
			}
			if feed.ErrorCode(err) != feed.EINVALID {
				t.Errorf("code %q, want %q (%v)", feed.ErrorCode(err), feed.EINVALID, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if got := e.lastChange(t); got != before {
				t.Errorf("a failed import wrote: LastChange %d → %d", before, got)
			}
		})
	}
}

// FuzzImportExport imports the fuzzed document, seeded with the WordPress
// and Disqus exports of testdata, twice under a source of its own, into a
// store holding the WordPress export's posts (for Disqus threads to
// match). Import must not panic, what it stores must be harmless and one
// clean line where it should, a failed import must write nothing, and the
// second import must change nothing.
func FuzzImportExport(f *testing.F) {
	for _, name := range []string{"testdata/wordpress.xml", "testdata/disqus.xml"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals"><thread dsq:id="1"><link>https://garden.example.org/?p=101</link></thread><post dsq:id="2"><message>&lt;img src=x onerror=alert(1)&gt;</message><author><name>&#x202e;x</name></author><thread dsq:id="1"/><parent dsq:id="2"/></post></disqus>`))
	f.Add([]byte(`<rss xmlns:wp="http://wordpress.org/export/1.0/"><channel><link>https://x.example</link><item><wp:post_id>1</wp:post_id><wp:post_type>post</wp:post_type><wp:status>publish</wp:status><title>&lt;script&gt;</title><wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_parent>1</wp:comment_parent><wp:comment_approved>1</wp:comment_approved><wp:comment_content>loop</wp:comment_content></wp:comment></item></channel></rss>`))

	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	e := newEnvAsIs(f, poll.Options{Now: func() time.Time { return now }})
	wxr, _ := os.ReadFile("testdata/wordpress.xml")
	if _, err := e.p.Import(context.Background(), bytes.NewReader(wxr), "", "wp", nil); err != nil {
		f.Fatal(err)
	}
	var sources atomic.Int64
	f.Fuzz(func(t *testing.T, doc []byte) {
		ctx := context.Background()
		src := fmt.Sprintf("f%d", sources.Add(1))
		start := e.lastChange(t)
		res, err := e.p.Import(ctx, bytes.NewReader(doc), "", src, nil)
		if err != nil {
			if got := e.lastChange(t); got != start {
				t.Errorf("a failed import (%v) wrote: LastChange %d → %d", err, start, got)
			}
			return
		}
		first := snapshot(t, e, start)
		for id, p := range first.Posts {
			checkStoredText(t, "post "+id, p.Title, p.AuthorName, p.AuthorURI)
			if h := content.PostHTML(p); content.CheckHarmless(h) != nil {
				t.Errorf("post %s: content %q sanitized as %q: %v", id, p.Content, h, content.CheckHarmless(h))
			}
			for _, c := range first.Comments[id] {
				checkStoredText(t, "comment "+c.ID, c.AuthorName, c.AuthorURI)
				if h := content.CommentHTML(c); content.CheckHarmless(h) != nil {
					t.Errorf("comment %s: content %q sanitized as %q: %v", c.ID, c.Content, h, content.CheckHarmless(h))
				}
			}
		}
		seq := e.lastChange(t)
		again, err := e.p.Import(ctx, bytes.NewReader(doc), "", src, nil)
		if err != nil {
			t.Fatalf("second import: %v", err)
		}
		if again.Posts != 0 || again.Comments != 0 || again.Skipped != res.Skipped {
			t.Errorf("second import = %+v after %+v", again, res)
		}
		if after := e.lastChange(t); after != seq {
			t.Errorf("importing the same document again logged %d changes", after-seq)
		}
	})
}

// TestImport_CutAnywhere imports the exports cut short at many places:
// each cut fails naming the format and a line, and writes nothing, as
// the document is read in full before anything is stored.
func TestImport_CutAnywhere(t *testing.T) {
	e := newEnv(t, poll.Options{})
	for _, f := range []struct{ name, format string }{{"wordpress.xml", "WordPress export (WXR)"}, {"disqus.xml", "Disqus export"}} {
		doc, err := os.ReadFile("testdata/" + f.name)
		if err != nil {
			t.Fatal(err)
		}
		end := bytes.LastIndexByte(doc, '>') // the root's end tag is whole
		for cut := 600; cut < end; cut += 211 {
			before := e.lastChange(t)
			_, err := e.p.Import(context.Background(), bytes.NewReader(doc[:cut]), "", "cut", nil)
			if err == nil || !strings.HasPrefix(err.Error(), f.format+": ") || feed.ErrorCode(err) != feed.EINVALID {
				t.Errorf("%s cut at %d: %v", f.name, cut, err)
			}
			if got := e.lastChange(t); got != before {
				t.Fatalf("%s cut at %d: the failed import wrote", f.name, cut)
			}
		}
	}
}
