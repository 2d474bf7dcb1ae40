package render

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
)

var update = flag.Bool("update", false, "rewrite testdata/<case>.{atom,rss,json} from the current output")

// The site of every test: BaseURL is given in a non-canonical spelling
// (upper-case host, default port, trailing slash) on purpose.
const (
	siteTitle = "Field Notes"
	baseURL   = "https://Example.com:443/blog/"
	root      = "https://example.com/blog" // what every URL must start with
)

func newTestRenderer(t testing.TB, commentCounts bool) *Renderer {
	t.Helper()
	r, err := New(Options{Title: siteTitle, BaseURL: baseURL, TTL: 15 * time.Minute, CommentCounts: commentCounts})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// site is the data of the golden cases: three posts and a thread on the
// first with a reply to a reply. Every call returns fresh values.
type site struct {
	posts    []*feed.Post    // newest first
	p1, p2   *feed.Post      // p1 has a thread, p2 none
	comments []*feed.Comment // site-wide, newest first
	thread   []*feed.Comment // p1's, newest first
	counts   map[string]feed.ThreadStats
}

func newSite() site {
	p1 := &feed.Post{
		ID:         "hello",
		Title:      "Hello, world",
		Content:    "<p>First post of <a href=\"https://example.org/\">Field Notes</a>.</p>\n<p>More to come.</p>",
		AuthorName: "Ben Okafor",
		Categories: []string{"meta"},
		Published:  date("2024-01-10T08:00:00Z"),
		Updated:    date("2024-01-10T08:00:00Z"),
	}
	p2 := &feed.Post{
		ID:        "second",
		Title:     "Second post",
		Content:   "<p>A post without an author,\nso the site signs it.</p>",
		Summary:   "A short summary.",
		Published: date("2024-02-01T12:00:00+01:00"), // not UTC on purpose
		Updated:   date("2024-02-02T12:00:00.75+01:00"),
	}
	p3 := &feed.Post{
		ID:         "fish",
		Title:      "Fish & Chips <3",
		Content:    "<p>Cod &amp; chips, with <em>lots</em> of vinegar.</p>",
		AuthorName: "Ana Lima",
		AuthorURI:  "https://ana.example.net/",
		Categories: []string{"food", "uk"},
		Published:  date("2024-03-03T09:00:00Z"),
		Updated:    date("2024-03-05T12:30:00Z"), // edited: the newest update of the feed
	}
	c1 := &feed.Comment{
		ID: "c1", PostID: "hello", PostTitle: p1.Title,
		AuthorName: "Carla", AuthorURI: "mailto:carla@example.org",
		Content:   "<p>Welcome!</p>",
		Published: date("2024-01-11T10:00:00Z"), Updated: date("2024-01-11T10:00:00Z"),
	}
	c2 := &feed.Comment{
		ID: "c2", PostID: "hello", ParentID: "c1", PostTitle: p1.Title,
		AuthorName: "Ben Okafor",
		Content:    "<p>Thanks, Carla.</p>",
		Published:  date("2024-01-11T11:00:00Z"), Updated: date("2024-01-11T11:00:00Z"),
	}
	c3 := &feed.Comment{
		ID: "c3", PostID: "hello", ParentID: "c2", PostTitle: p1.Title,
		AuthorName: "Carla",
		Content:    "<p>Any time.</p>\n<p>Really.</p>",
		Published:  date("2024-01-12T09:15:00Z"), Updated: date("2024-01-12T09:20:00Z"),
	}
	c4 := &feed.Comment{
		ID: "c4", PostID: "fish", PostTitle: p3.Title,
		AuthorName: "Dev",
		Content:    "<p>Mushy peas or nothing.</p>",
		Published:  date("2024-03-04T07:00:00Z"), Updated: date("2024-03-04T07:00:00Z"),
	}
	return site{
		posts:    []*feed.Post{p3, p2, p1},
		p1:       p1,
		p2:       p2,
		comments: []*feed.Comment{c4, c3, c2, c1},
		thread:   []*feed.Comment{c3, c2, c1},
		counts:   map[string]feed.ThreadStats{"hello": {Count: 3, Updated: time.Date(2026, 4, 2, 8, 0, 0, 0, time.UTC)}, "fish": {Count: 1}},
	}
}

// Text for the nasty cases: characters XML forbids, CDATA's end, markup
// characters, an emoji, invalid UTF-8, and relative URLs in content.
const (
	nastyTitle   = "Fish & Chips <3 \x00\x01\ufffe ]]> \U0001F41F \xff\xfeend"
	nastyContent = "<p>Tricky ]]> &amp; <b>bold</b> \U0001F41F\x00\x01\ufffe\xc3\x28.</p>\n" +
		"<p><a href=\"/about\">About</a> <a href=\"#top\">top</a> <a href=\"mailto:x@example.org\">mail</a>\n" +
		"<img src=\"img/fish.png\" srcset=\"img/fish.png 1x, /img/fish@2x.png 2x, https://cdn.example.net/f.png 3x\" alt=\"A &lt;fish&gt;\"></p>"
	nastySummary        = "Summary with <tags> & a bell\x07."
	nastyCommentContent = "<p>Nice ]]> one &lt;3\uffff <a href=\"../posts/other\">other</a></p>"
)

// Cleaned, sanitized and absolutized, as a reader must get them back. The
// sanitizer writes every ">" in text as "&gt;", so no "]]>" survives in
// content, and void elements as "<img/>"; comment links get rel="nofollow
// ugc".
const (
	nastyTitleWant   = "Fish & Chips <3  ]]> \U0001F41F end"
	nastyContentWant = "<p>Tricky ]]&gt; &amp; <b>bold</b> \U0001F41F(.</p>\n" +
		"<p><a href=\"https://example.com/about\">About</a> <a href=\"" + root + "/posts/nasty#user-content-top\">top</a> <a href=\"mailto:x@example.org\">mail</a>\n" +
		"<img src=\"" + root + "/posts/img/fish.png\" srcset=\"" + root + "/posts/img/fish.png 1x, https://example.com/img/fish@2x.png 2x, https://cdn.example.net/f.png 3x\" alt=\"A &lt;fish&gt;\"/></p>"
	nastySummaryWant        = "Summary with <tags> & a bell."
	nastyCommentContentWant = "<p>Nice ]]&gt; one &lt;3 <a href=\"" + root + "/posts/other\" rel=\"nofollow ugc\">other</a></p>"
)

func nastyPost() *feed.Post {
	return &feed.Post{
		ID:         "nasty",
		Title:      nastyTitle,
		Content:    nastyContent,
		Summary:    nastySummary,
		AuthorName: "Zo\u00eb \x01\U0001F41F",
		Categories: []string{"fish & chips", "\x00", "<tag>"},
		Published:  date("2024-04-01T00:00:00Z"),
		Updated:    date("2024-04-01T00:00:00Z"),
	}
}

// cdataPost has no relative URL and a title that looks like markup. Its
// content had "]]>" reach readers byte for byte before content was
// sanitized; now it comes out as "]]&gt;", which RSS's CDATA must carry
// all the same.
func cdataPost() *feed.Post {
	return &feed.Post{
		ID:         "cdata",
		Title:      cdataTitle,
		Content:    cdataContent,
		AuthorName: "Ana Lima",
		Published:  date("2024-03-31T00:00:00Z"),
		Updated:    date("2024-03-31T00:00:00Z"),
	}
}

const (
	cdataTitle       = "Use <b> & &amp; sparingly"
	cdataContent     = "<pre>if a[b[0]]>1 { return }</pre>\n<p>]]> twice: ]]></p>"
	cdataContentWant = "<pre>if a[b[0]]&gt;1 { return }</pre>\n<p>]]&gt; twice: ]]&gt;</p>"
)

func nastyComment() *feed.Comment {
	return &feed.Comment{
		ID: "n1", PostID: "nasty", PostTitle: nastyTitle,
		AuthorName: "Eve\x1b ]]>",
		Content:    nastyCommentContent,
		Published:  date("2024-04-02T00:00:00Z"), Updated: date("2024-04-02T00:00:00Z"),
	}
}

// Deletions for the golden cases: posts deleted after and before the
// feed's newest update, and a comment of p1's thread deleted after its
// newest comment, so that the deletions move the feeds' last change.
func gonePosts() []feed.Tombstone {
	return []feed.Tombstone{
		{PostID: "draft", Deleted: date("2024-03-06T10:00:00.5+01:00")}, // 09:00:00Z, after fish's update
		{PostID: "old", Deleted: date("2024-01-02T00:00:00Z")},
	}
}

func goneThread() []feed.Tombstone {
	return []feed.Tombstone{{PostID: "hello", CommentID: "c0", Deleted: date("2024-01-13T00:00:00Z")}}
}

// markdownPost is a Markdown post with a table, code, a relative link, raw
// HTML that authors may use (a figure) and raw HTML they may not.
func markdownPost() *feed.Post {
	return &feed.Post{
		ID:     "md",
		Title:  "Markdown *post*",
		Format: feed.FormatMarkdown,
		Content: "## Notes\n\nSome *emphasis*, ~~old~~ and a [relative link](../about \"About\").\n\n" +
			"| a | b |\n|:--|--:|\n| 1 | 2 |\n\n" +
			"```go\nif a < b && c {}\n```\n\n" +
			"<figure><img src=\"img/x.png\" alt=\"X\"><figcaption>A figure</figcaption></figure>\n\n" +
			"<script>alert(1)</script><p onclick=\"alert(1)\">Raw [not markdown](javascript:alert(1))</p>\n\n" +
			"[click](javascript:alert(1)) https://example.org/auto",
		AuthorName: "Ana Lima",
		Published:  date("2024-05-01T08:00:00Z"),
		Updated:    date("2024-05-01T08:00:00Z"),
	}
}

const markdownContentWant = "<h2>Notes</h2>\n<p>Some <em>emphasis</em>, <del>old</del> and a <a href=\"" + root + "/about\" title=\"About\">relative link</a>.</p>\n" +
	"<table>\n<thead>\n<tr>\n<th align=\"left\">a</th>\n<th align=\"right\">b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td align=\"left\">1</td>\n<td align=\"right\">2</td>\n</tr>\n</tbody>\n</table>\n" +
	"<pre><code class=\"language-go\">if a &lt; b &amp;&amp; c {}\n</code></pre>\n" +
	"<figure><img src=\"" + root + "/posts/img/x.png\" alt=\"X\"/><figcaption>A figure</figcaption></figure>\n" +
	"<p>Raw [not markdown](javascript:alert(1))</p>\n" +
	"<p>click <a href=\"https://example.org/auto\">https://example.org/auto</a></p>"

// ugcComments are strangers' comments on p3: one in plain text with a URL
// and an ampersand, one with markup that must not survive, by an author
// whose name holds a right-to-left override and whose URI is javascript:.
// mentionThread is p1's thread with Webmentions of every kind, newest
// first, and an ordinary comment among them.
func mentionThread() []*feed.Comment {
	var cs []*feed.Comment
	for i, k := range []string{feed.MentionReply, feed.MentionLike, feed.MentionRepost, feed.MentionBookmark, feed.MentionLink, ""} {
		c := &feed.Comment{
			ID: "m" + string(rune('1'+i)), PostID: "hello", Kind: k, AuthorName: "Ann Other", AuthorURI: "https://other.example/",
			Content: "<p>About <a href=\"https://example.com/blog/posts/hello\">Hello</a></p>", Status: feed.StatusApproved,
			Published: date("2024-03-0" + string(rune('6'-i)) + "T09:00:00Z"), PostTitle: "Hello, world",
		}
		c.Updated = c.Published
		if k != "" {
			c.SourceURL = "https://other.example/notes/" + k + "?x=1&y=2"
		}
		cs = append(cs, c)
	}
	return cs
}

func ugcComments() []*feed.Comment {
	return []*feed.Comment{{
		ID: "x1", PostID: "fish", PostTitle: "Fish & Chips <3",
		AuthorName: "Mallory\u202egnp.exe", AuthorURI: "javascript:alert(1)",
		Content: `<p onclick="alert(1)">Hi <a href="javascript:alert(1)">there</a><script>alert(1)</script>` +
			`<img src=x onerror=alert(1)> <a href="https://x.example/" target="_blank" rel="opener">link</a> <b>bold`,
		Published: date("2024-03-06T10:00:00Z"), Updated: date("2024-03-06T10:00:00Z"),
	}, {
		ID: "p1", PostID: "fish", PostTitle: "Fish & Chips <3",
		AuthorName: "Ivan",
		Content:    "Great post!\nSee https://example.com/fish?a=1&b=2.\n\nCheers & thanks <3",
		Published:  date("2024-03-06T09:00:00Z"), Updated: date("2024-03-06T09:00:00Z"),
	}}
}

const (
	// The <img> becomes a link to its image (comments.images: links).
	ugcXSSContentWant   = `<p>Hi there<a href="` + root + `/posts/x" rel="nofollow ugc">image</a> <a href="https://x.example/" rel="nofollow ugc">link</a> <b>bold</b></p>`
	ugcPlainContentWant = "<p>Great post!<br/>\nSee <a href=\"https://example.com/fish?a=1&amp;b=2\" rel=\"nofollow ugc\">https://example.com/fish?a=1&amp;b=2</a>.</p>\n<p>Cheers &amp; thanks &lt;3</p>"
)

// goldenCase is one feed rendered in every format and kept in testdata.
type goldenCase struct {
	name          string
	commentCounts bool
	opts          func(*Options) // changes to the test renderer's options, or nil
	render        func(r *Renderer, f feed.Format) ([]byte, time.Time, error)
	want          wantFeed
}

// renderer returns the test renderer with c's options.
func (c goldenCase) renderer(t testing.TB) *Renderer {
	t.Helper()
	o := Options{Title: siteTitle, BaseURL: baseURL, TTL: 15 * time.Minute, CommentCounts: c.commentCounts}
	if c.opts != nil {
		c.opts(&o)
	}
	r, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// goldenCases returns the cases of the head shorthands (Posts, Comments,
// Thread), then those of documents (docCases) and digests (digestCases).
func goldenCases() []goldenCase {
	return slices.Concat(headCases(), docCases(), digestCases())
}

func headCases() []goldenCase {
	s := newSite()
	return []goldenCase{
		{
			name: "posts",
			render: func(r *Renderer, f feed.Format) ([]byte, time.Time, error) {
				return r.Posts(f, s.posts, s.counts, nil)
			},
			want: wantPosts(s.posts, nil),
		},
		{
			name:          "posts_counts",
			commentCounts: true,
			render: func(r *Renderer, f feed.Format) ([]byte, time.Time, error) {
				return r.Posts(f, s.posts, s.counts, nil)
			},
			want: wantPosts(s.posts, s.counts),
		},
		{
			name: "comments",
			render: func(r *Renderer, f feed.Format) ([]byte, time.Time, error) {
				return r.Comments(f, s.comments, nil)
			},
			want: wantComments(feed.CommentsFeed, "Comments on "+siteTitle, s.comments, ""),
		},
		{
			name: "thread",
			render: func(r *Renderer, f feed.Format) ([]byte, time.Time, error) {
				return r.Thread(f, s.p1, s.thread, nil)
			},
			want: wantComments(feed.ThreadFeed("hello"), "Comments on \u2018Hello, world\u2019", s.thread, s.p1.Title),
		},
		{
			name: "thread_empty",
			render: func(r *Renderer, f feed.Format) ([]byte, time.Time, error) {
				return r.Thread(f, s.p2, nil, nil)
			},
			want: wantFeed{
				ref:     feed.ThreadFeed("second"),
				title:   "Comments on \u2018Second post\u2019",
				updated: date("2024-02-02T11:00:00Z"), // the post's Updated, in UTC, truncated
			},
		},
		{
			name: "nasty",
			render: func(r *Renderer, f feed.Format) ([]byte, time.Time, error) {
				return r.Posts(f, []*feed.Post{nastyPost(), cdataPost()}, nil, nil)
			},
			want: wantFeed{
				ref:     feed.PostsFeed,
				title:   siteTitle,
				updated: date("2024-04-01T00:00:00Z"),
				entries: []wantEntry{{
					id:         root + "/posts/nasty",
					title:      nastyTitleWant,
					author:     "Zo\u00eb \U0001F41F",
					published:  date("2024-04-01T00:00:00Z"),
					updated:    date("2024-04-01T00:00:00Z"),
					content:    nastyContentWant,
					summary:    nastySummaryWant,
					categories: []string{"fish & chips", "<tag>"},
					thread:     feed.ThreadFeed("nasty"),
				}, {
					id:        root + "/posts/cdata",
					title:     cdataTitle,
					author:    "Ana Lima",
					published: date("2024-03-31T00:00:00Z"),
					updated:   date("2024-03-31T00:00:00Z"),
					content:   cdataContentWant,
					thread:    feed.ThreadFeed("cdata"),
				}},
			},
		},
		{
			name: "nasty_thread",
			render: func(r *Renderer, f feed.Format) ([]byte, time.Time, error) {
				return r.Thread(f, nastyPost(), []*feed.Comment{nastyComment()}, nil)
			},
			want: wantFeed{
				ref:     feed.ThreadFeed("nasty"),
				title:   "Comments on \u2018" + nastyTitleWant + "\u2019",
				updated: date("2024-04-02T00:00:00Z"),
				entries: []wantEntry{{
					id:        root + "/posts/nasty#comment-n1",
					title:     "Comment on \u2018" + nastyTitleWant + "\u2019 by Eve ]]>",
					author:    "Eve ]]>",
					published: date("2024-04-02T00:00:00Z"),
					updated:   date("2024-04-02T00:00:00Z"),
					content:   nastyCommentContentWant,
					inReplyTo: root + "/posts/nasty",
					post:      root + "/posts/nasty",
				}},
			},
		},
		{
			name: "posts_gone",
			render: func(r *Renderer, f feed.Format) ([]byte, time.Time, error) {
				return r.Posts(f, s.posts, nil, gonePosts())
			},
			want: func() wantFeed {
				w := wantPosts(s.posts, nil)
				w.updated = date("2024-03-06T09:00:00Z") // the newest deletion
				w.gone = []wantGone{
					{root + "/posts/draft", date("2024-03-06T09:00:00Z")},
					{root + "/posts/old", date("2024-01-02T00:00:00Z")},
				}
				return w
			}(),
		},
		{
			name: "thread_gone",
			render: func(r *Renderer, f feed.Format) ([]byte, time.Time, error) {
				return r.Thread(f, s.p1, s.thread, goneThread())
			},
			want: func() wantFeed {
				w := wantComments(feed.ThreadFeed("hello"), "Comments on \u2018Hello, world\u2019", s.thread, s.p1.Title)
				w.updated = date("2024-01-13T00:00:00Z")
				w.gone = []wantGone{{root + "/posts/hello#comment-c0", date("2024-01-13T00:00:00Z")}}
				return w
			}(),
		},
		{
			name: "markdown",
			render: func(r *Renderer, f feed.Format) ([]byte, time.Time, error) {
				return r.Posts(f, []*feed.Post{markdownPost()}, nil, nil)
			},
			want: func() wantFeed {
				w := wantPosts([]*feed.Post{markdownPost()}, nil)
				w.entries[0].content = markdownContentWant
				return w
			}(),
		},
		{
			name: "thread_mentions",
			render: func(r *Renderer, f feed.Format) ([]byte, time.Time, error) {
				return r.Thread(f, s.p1, mentionThread(), nil)
			},
			want: func() wantFeed {
				w := wantComments(feed.ThreadFeed("hello"), "Comments on \u2018Hello, world\u2019", mentionThread(), s.p1.Title)
				for i := range w.entries {
					w.entries[i].content = `<p>About <a href="https://example.com/blog/posts/hello" rel="nofollow ugc">Hello</a></p>`
				}
				for i, verb := range []string{"replied to", "liked", "reposted", "bookmarked", "mentioned"} {
					c := mentionThread()[i]
					e := &w.entries[i]
					e.title = "Ann Other " + verb + " \u2018Hello, world\u2019"
					e.link, e.mention, e.categories = c.SourceURL, c.Kind, []string{c.Kind}
				}
				return w
			}(),
		},
		{
			name: "comments_ugc",
			render: func(r *Renderer, f feed.Format) ([]byte, time.Time, error) {
				return r.Comments(f, ugcComments(), nil)
			},
			want: func() wantFeed {
				w := wantComments(feed.CommentsFeed, "Comments on "+siteTitle, ugcComments(), "")
				w.entries[0].title = "Comment on \u2018Fish & Chips <3\u2019 by Mallorygnp.exe"
				w.entries[0].author, w.entries[0].authorURI = "Mallorygnp.exe", ""
				w.entries[0].content = ugcXSSContentWant
				w.entries[1].content = ugcPlainContentWant
				return w
			}(),
		},
	}
}

// TestGolden renders every case in every format, compares the bytes with
// testdata/<case>.<format> (rewritten with -update), and reads each
// document back as a feed reader would.
func TestGolden(t *testing.T) {
	for _, c := range goldenCases() {
		for _, f := range feed.Formats {
			t.Run(c.name+"/"+string(f), func(t *testing.T) {
				r := c.renderer(t)
				got, lastMod, err := c.render(r, f)
				if err != nil {
					t.Fatal(err)
				}
				if !lastMod.Equal(c.want.updated) || lastMod.Location() != time.UTC {
					t.Errorf("last change = %v, want %v in UTC", lastMod, c.want.updated)
				}
				checkGolden(t, filepath.Join("testdata", c.name+"."+string(f)), got)
				checkFeed(t, f, got, c.want)
			})
		}
	}
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./feed/render -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gotLines, wantLines := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(gotLines), len(wantLines)) {
		var g, w string
		if i < len(gotLines) {
			g = gotLines[i]
		}
		if i < len(wantLines) {
			w = wantLines[i]
		}
		if g != w {
			t.Fatalf("%s differs at line %d:\ngot:  %q\nwant: %q\n(run go test ./feed/render -update if the change is intended)", path, i+1, g, w)
		}
	}
}
