package render

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/mmcdole/gofeed"
)

func TestNew(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, tc := range []struct{ base, root string }{
			{"https://example.com", "https://example.com"},
			{"https://example.com/", "https://example.com"},
			{"HTTP://Example.COM:80/Blog//", "http://example.com/Blog"},
			{"https://example.com:8443/a/./b/../c/?q=1#f", "https://example.com:8443/a/c"},
			{"https://example.com:/x", "https://example.com/x"},
		} {
			r, err := New(Options{BaseURL: tc.base})
			if err != nil {
				t.Fatalf("New(%q): %v", tc.base, err)
			}
			if got := r.HomeURL(); got != tc.root+"/" {
				t.Errorf("New(%q).HomeURL() = %q, want %q", tc.base, got, tc.root+"/")
			}
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		for _, base := range []string{"", "example.com", "/blog", "ftp://example.com/", "https://", "https://exa mple.com/"} {
			if _, err := New(Options{BaseURL: base}); err == nil {
				t.Errorf("New(%q) succeeded, want an error", base)
			}
		}
	})
	t.Run("SiteTitleFallback", func(t *testing.T) {
		r, err := New(Options{Title: " \x00 ", BaseURL: "https://example.com:8443/"})
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := r.Posts(feed.Atom, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte("<title>example.com</title>")) {
			t.Errorf("a blank site title should fall back to the host:\n%s", b)
		}
	})
}

func TestRenderer_URLs(t *testing.T) {
	r := newTestRenderer(t, false)
	for _, tc := range []struct{ got, want string }{
		{r.HomeURL(), root + "/"},
		{r.PostURL("p1"), root + "/posts/p1"},
		{r.CommentURL("p1", "c1"), root + "/posts/p1#comment-c1"},
		{r.CommentsURL("p1"), root + "/posts/p1#comments"},
		{r.FeedID(feed.PostsFeed), root + "/feeds/posts"},
		{r.FeedID(feed.CommentsFeed), root + "/feeds/comments"},
		{r.FeedID(feed.ThreadFeed("p1")), root + "/feeds/posts/p1/comments"},
		{r.FeedURL(feed.PostsFeed, feed.Atom), root + "/feeds/posts.atom"},
		{r.FeedURL(feed.PostsFeed, feed.RSS), root + "/feeds/posts.rss"},
		{r.FeedURL(feed.PostsFeed, feed.JSON), root + "/feeds/posts.json"},
		{r.FeedURL(feed.CommentsFeed, feed.RSS), root + "/feeds/comments.rss"},
		{r.FeedURL(feed.ThreadFeed("p1"), feed.JSON), root + "/feeds/posts/p1/comments.json"},
		// Ids are URL-safe by validation; anything else is escaped.
		{r.PostURL("a b/c"), root + "/posts/a%20b%2Fc"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestContentType(t *testing.T) {
	for f, want := range map[feed.Format]string{
		feed.Atom: "application/atom+xml; charset=utf-8",
		feed.RSS:  "application/rss+xml; charset=utf-8",
		feed.JSON: "application/feed+json; charset=utf-8",
	} {
		if got := ContentType(f); got != want {
			t.Errorf("ContentType(%q) = %q, want %q", f, got, want)
		}
	}
}

func TestTTL(t *testing.T) {
	for _, tc := range []struct {
		ttl  time.Duration
		want string
	}{
		{0, "<ttl>1</ttl>"},
		{-time.Hour, "<ttl>1</ttl>"},
		{30 * time.Second, "<ttl>1</ttl>"},
		{time.Minute, "<ttl>1</ttl>"},
		{61 * time.Second, "<ttl>2</ttl>"},
		{90 * time.Second, "<ttl>2</ttl>"},
		{time.Hour, "<ttl>60</ttl>"},
	} {
		r, err := New(Options{BaseURL: baseURL, TTL: tc.ttl})
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := r.Posts(feed.RSS, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(tc.want)) {
			t.Errorf("TTL %v: want %s in\n%s", tc.ttl, tc.want, b)
		}
	}
}

// TestDeterminism renders every golden case twice, and concurrently, and
// wants the same bytes each time.
func TestDeterminism(t *testing.T) {
	for _, c := range goldenCases() {
		for _, f := range feed.Formats {
			r := c.renderer(t)
			first, firstMod, err := c.render(r, f)
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					again, mod, err := c.render(r, f)
					if err != nil || !bytes.Equal(again, first) || !mod.Equal(firstMod) {
						t.Errorf("%s/%s: a second rendering differs (err %v)", c.name, f, err)
					}
				})
			}
			wg.Wait()
		}
	}
}

// TestPosts_CommentCountsOff checks that without CommentCounts the posts
// feed does not depend on comments at all.
func TestPosts_CommentCountsOff(t *testing.T) {
	s := newSite()
	r := newTestRenderer(t, false)
	for _, f := range feed.Formats {
		want, _, err := r.Posts(f, s.posts, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, counts := range []map[string]feed.ThreadStats{s.counts, {"hello": {Count: 99, Updated: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}, "fish": {}}, {}} {
			got, _, err := r.Posts(f, s.posts, counts, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s: posts feed changed with comment counts %v", f, counts)
			}
		}
	}

	r = newTestRenderer(t, true)
	a, _, _ := r.Posts(feed.Atom, s.posts, map[string]feed.ThreadStats{"hello": {Count: 1}}, nil)
	b, _, _ := r.Posts(feed.Atom, s.posts, map[string]feed.ThreadStats{"hello": {Count: 2}}, nil)
	if bytes.Equal(a, b) {
		t.Error("with CommentCounts, different counts gave the same bytes")
	}
}

// TestEmptySiteFeeds: site feeds without entries date from the epoch,
// never from the clock.
func TestEmptySiteFeeds(t *testing.T) {
	r := newTestRenderer(t, false)
	epoch := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range feed.Formats {
		for name, render := range map[string]func() ([]byte, time.Time, error){
			"posts":    func() ([]byte, time.Time, error) { return r.Posts(f, nil, nil, nil) },
			"comments": func() ([]byte, time.Time, error) { return r.Comments(f, nil, nil) },
		} {
			b, mod, err := render()
			if err != nil {
				t.Fatal(err)
			}
			if !mod.Equal(epoch) {
				t.Errorf("%s/%s: last change %v, want the epoch", name, f, mod)
			}
			want := map[feed.Format]string{
				feed.Atom: "<updated>2000-01-01T00:00:00Z</updated>",
				feed.RSS:  "<lastBuildDate>Sat, 01 Jan 2000 00:00:00 +0000</lastBuildDate>",
				feed.JSON: `"items": []`,
			}[f]
			if !bytes.Contains(b, []byte(want)) {
				t.Errorf("%s/%s: want %s in\n%s", name, f, want, b)
			}
		}
	}
}

// TestEntryDates covers missing and out-of-range times: every entry gets a
// published and an updated time, in four-digit years, never the clock.
func TestEntryDates(t *testing.T) {
	r := newTestRenderer(t, false)
	for _, tc := range []struct {
		name               string
		published, updated time.Time
		wantPub, wantUpd   string
	}{
		{"no updated", date("2024-01-01T10:00:00Z"), time.Time{}, "2024-01-01T10:00:00Z", "2024-01-01T10:00:00Z"},
		{"no published", time.Time{}, date("2024-01-02T10:00:00Z"), "2024-01-02T10:00:00Z", "2024-01-02T10:00:00Z"},
		{"neither", time.Time{}, time.Time{}, "2000-01-01T00:00:00Z", "2000-01-01T00:00:00Z"},
		{"zone and fraction", date("2024-01-01T10:00:00.999+02:00"), date("2024-01-01T10:00:01.5-01:00"), "2024-01-01T08:00:00Z", "2024-01-01T11:00:01Z"},
		{"year 10000", date("2024-01-01T10:00:00Z"), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "2024-01-01T10:00:00Z", "9999-12-31T23:59:59Z"},
	} {
		p := &feed.Post{ID: "p", Title: "T", Content: "c", Published: tc.published, Updated: tc.updated}
		b, mod, err := r.Posts(feed.Atom, []*feed.Post{p}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := "<updated>" + tc.wantUpd + "</updated>\n    <id>" + root + "/posts/p</id>\n    <published>" + tc.wantPub + "</published>"
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("%s: want\n%s\nin\n%s", tc.name, want, b)
		}
		if got := mod.Format(time.RFC3339); got != tc.wantUpd {
			t.Errorf("%s: last change %s, want %s", tc.name, got, tc.wantUpd)
		}
	}
}

// TestNoDoubleEscape: markup characters in a title are escaped once.
func TestNoDoubleEscape(t *testing.T) {
	r := newTestRenderer(t, false)
	p := &feed.Post{ID: "p", Title: "Fish & Chips <3", Content: "<p>x</p>", Published: date("2024-01-01T00:00:00Z")}
	for f, want := range map[feed.Format]string{
		feed.Atom: "<title>Fish &amp; Chips &lt;3</title>",
		feed.RSS:  "<title>Fish &amp; Chips &lt;3</title>",
		feed.JSON: `"title": "Fish & Chips <3"`,
	} {
		b, _, err := r.Posts(f, []*feed.Post{p}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("%s: want %s in\n%s", f, want, b)
		}
	}
}

func TestRenderer_Errors(t *testing.T) {
	r := newTestRenderer(t, false)
	if _, _, err := r.Posts("xml", nil, nil, nil); feed.ErrorCode(err) != feed.EINVALID {
		t.Errorf("unknown format: err = %v, want code %s", err, feed.EINVALID)
	}
	if _, _, err := r.Thread(feed.Atom, nil, nil, nil); feed.ErrorCode(err) != feed.EINVALID {
		t.Errorf("no post: err = %v, want code %s", err, feed.EINVALID)
	}
}

// TestRender_InputUnchanged: rendering reads its input and never writes it.
func TestRender_InputUnchanged(t *testing.T) {
	s, before := newSite(), newSite()
	n, nBefore := []*feed.Post{nastyPost()}, []*feed.Post{nastyPost()}
	r := newTestRenderer(t, true)
	for _, f := range feed.Formats {
		r.Posts(f, s.posts, s.counts, nil)
		r.Posts(f, n, nil, nil)
		r.Comments(f, s.comments, nil)
		r.Thread(f, s.p1, s.thread, nil)
	}
	if !reflect.DeepEqual(s, before) || !reflect.DeepEqual(n, nBefore) {
		t.Error("rendering changed its input")
	}
}

// TestComments_NoPostTitle: a comment whose post title is unknown still
// gets a title.
func TestComments_NoPostTitle(t *testing.T) {
	r := newTestRenderer(t, false)
	c := &feed.Comment{ID: "c", PostID: "p", AuthorName: "Ann", Content: "hi", Published: date("2024-01-01T00:00:00Z")}
	b, _, err := r.Comments(feed.Atom, []*feed.Comment{c}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "<title>Comment by Ann</title>") {
		t.Errorf("want the title \"Comment by Ann\" in\n%s", b)
	}
}

// TestLastChangeFollowsBytes: every change that alters a feed's bytes moves
// its last change (Last-Modified), including changes that are not an
// entry's own update: a post title repeated in comment entries, and comment
// counts on the posts feed.
func TestLastChangeFollowsBytes(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC) }
	post := &feed.Post{ID: "p", Title: "Old title", Content: "c", Published: day(1), Updated: day(1)}
	comment := &feed.Comment{ID: "c", PostID: "p", AuthorName: "Ann", Content: "hi",
		Published: day(2), Updated: day(2), PostTitle: post.Title, PostUpdated: post.Updated}
	edited := *post
	edited.Title, edited.Updated = "New title", day(5)
	editedComment := *comment
	editedComment.PostTitle, editedComment.PostUpdated = edited.Title, edited.Updated

	r := newTestRenderer(t, true)
	for _, f := range feed.Formats {
		check := func(name string, render func(*feed.Post, *feed.Comment) ([]byte, time.Time, error)) {
			b1, m1, err1 := render(post, comment)
			b2, m2, err2 := render(&edited, &editedComment)
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			if bytes.Equal(b1, b2) {
				t.Fatalf("%s/%s: the title edit did not change the bytes", name, f)
			}
			if !m2.Equal(day(5)) || !m2.After(m1) {
				t.Errorf("%s/%s: last change %v then %v, want it to move to %v", name, f, m1, m2, day(5))
			}
		}
		check("thread", func(p *feed.Post, c *feed.Comment) ([]byte, time.Time, error) {
			return r.Thread(f, p, []*feed.Comment{c}, nil)
		})
		check("comments", func(_ *feed.Post, c *feed.Comment) ([]byte, time.Time, error) {
			return r.Comments(f, []*feed.Comment{c}, nil)
		})

		// A new comment changes the count on the posts feed, and its date.
		_, m1, _ := r.Posts(f, []*feed.Post{post}, map[string]feed.ThreadStats{"p": {Count: 1, Updated: day(2)}}, nil)
		_, m2, _ := r.Posts(f, []*feed.Post{post}, map[string]feed.ThreadStats{"p": {Count: 2, Updated: day(7)}}, nil)
		if !m1.Equal(day(2)) || !m2.Equal(day(7)) {
			t.Errorf("posts/%s with counts: last change %v then %v, want %v then %v", f, m1, m2, day(2), day(7))
		}
	}
}

// TestTombstones: Atom feeds carry RFC 6721 tombstones, RSS and JSON Feed
// none; in every format the last change is the newest of the entries'
// updates and the deletions.
func TestTombstones(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 2, d, 0, 0, 0, 0, time.UTC) }
	post := &feed.Post{ID: "p", Title: "T", Content: "c", Published: day(2), Updated: day(3)}
	comment := &feed.Comment{ID: "c", PostID: "p", AuthorName: "Ann", Content: "hi", Published: day(4), Updated: day(4),
		PostTitle: post.Title, PostUpdated: post.Updated}
	r := newTestRenderer(t, false)
	type render func(f feed.Format, gone []feed.Tombstone) ([]byte, time.Time, error)
	for _, tc := range []struct {
		name     string
		render   render
		gone     []feed.Tombstone
		wantMod  time.Time
		wantRefs []string
	}{
		{"posts, older deletion",
			func(f feed.Format, g []feed.Tombstone) ([]byte, time.Time, error) {
				return r.Posts(f, []*feed.Post{post}, nil, g)
			},
			[]feed.Tombstone{{PostID: "gone", Deleted: day(1)}}, day(3), []string{root + "/posts/gone"}},
		{"posts, newer deletion",
			func(f feed.Format, g []feed.Tombstone) ([]byte, time.Time, error) {
				return r.Posts(f, []*feed.Post{post}, nil, g)
			},
			[]feed.Tombstone{{PostID: "new", Deleted: day(9).Add(1500 * time.Millisecond)}, {PostID: "old", Deleted: day(1)}},
			day(9).Add(time.Second), []string{root + "/posts/new", root + "/posts/old"}},
		{"posts, deletions only",
			func(f feed.Format, g []feed.Tombstone) ([]byte, time.Time, error) { return r.Posts(f, nil, nil, g) },
			[]feed.Tombstone{{PostID: "gone", Deleted: day(5)}}, day(5), []string{root + "/posts/gone"}},
		{"posts, deletion without time or post",
			func(f feed.Format, g []feed.Tombstone) ([]byte, time.Time, error) { return r.Posts(f, nil, nil, g) },
			[]feed.Tombstone{{PostID: "gone"}, {Deleted: day(9)}}, epoch, []string{root + "/posts/gone"}},
		{"comments",
			func(f feed.Format, g []feed.Tombstone) ([]byte, time.Time, error) {
				return r.Comments(f, []*feed.Comment{comment}, g)
			},
			[]feed.Tombstone{{PostID: "p", CommentID: "x", Deleted: day(6)}, {PostID: "q", CommentID: "y", Deleted: day(5)}},
			day(6), []string{root + "/posts/p#comment-x", root + "/posts/q#comment-y"}},
		{"thread",
			func(f feed.Format, g []feed.Tombstone) ([]byte, time.Time, error) {
				return r.Thread(f, post, []*feed.Comment{comment}, g)
			},
			[]feed.Tombstone{{PostID: "p", CommentID: "x", Deleted: day(7)}, {CommentID: "y", Deleted: day(1)}},
			day(7), []string{root + "/posts/p#comment-x", root + "/posts/p#comment-y"}},
	} {
		for _, f := range feed.Formats {
			b, mod, err := tc.render(f, tc.gone)
			if err != nil {
				t.Fatal(err)
			}
			if !mod.Equal(tc.wantMod) {
				t.Errorf("%s/%s: last change %v, want %v", tc.name, f, mod, tc.wantMod)
			}
			if _, err := gofeed.NewParser().Parse(bytes.NewReader(b)); err != nil {
				t.Errorf("%s/%s: gofeed: %v", tc.name, f, err)
			}
			if f != feed.Atom {
				if bytes.Contains(b, []byte("deleted-entry")) || bytes.Contains(b, []byte("tombstones")) {
					t.Errorf("%s/%s: tombstones outside Atom:\n%s", tc.name, f, b)
				}
				continue
			}
			var doc struct {
				Updated string `xml:"updated"`
				Deleted []struct {
					Ref  string `xml:"ref,attr"`
					When string `xml:"when,attr"`
				} `xml:"http://purl.org/atompub/tombstones/1.0 deleted-entry"`
			}
			if err := xml.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			var refs []string
			for _, d := range doc.Deleted {
				refs = append(refs, d.Ref)
				if w, err := time.Parse(time.RFC3339, d.When); err != nil || w.After(mod) || w.Location() != time.UTC {
					t.Errorf("%s: tombstone when = %q, want an RFC 3339 time in UTC, not after %v", tc.name, d.When, mod)
				}
			}
			if !slices.Equal(refs, tc.wantRefs) {
				t.Errorf("%s: tombstone refs = %q, want %q", tc.name, refs, tc.wantRefs)
			}
			if doc.Updated != mod.Format(time.RFC3339) {
				t.Errorf("%s: feed updated = %q, want the last change %v", tc.name, doc.Updated, mod)
			}
		}
	}
}

// TestAuthorURI: only http(s) and mailto author URIs reach the feeds, which
// readers turn into links.
func TestAuthorURI(t *testing.T) {
	r := newTestRenderer(t, false)
	for uri, want := range map[string]string{
		"https://ana.example.net/": "https://ana.example.net/",
		"HTTP://ana.example.net/":  "HTTP://ana.example.net/",
		"mailto:ana@example.net":   "mailto:ana@example.net",
		"javascript:alert(1)":      "",
		" JavaScript:alert(1)":     "",
		"data:text/html,x":         "",
		"vbscript:msgbox(1)":       "",
		"//ana.example.net/":       "",
		"/about":                   "",
		"https:///x":               "",
		"mailto:":                  "",
	} {
		c := &feed.Comment{ID: "c", PostID: "p", AuthorName: "Ann", AuthorURI: uri, Content: "hi", Published: date("2024-01-01T00:00:00Z")}
		b, _, err := r.Comments(feed.JSON, []*feed.Comment{c}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var doc jsonDoc
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		if got := (*doc.Items)[0].Authors[0].URL; got != want {
			t.Errorf("author URI %q rendered as %q, want %q", uri, got, want)
		}
	}
}

// TestMirroredPostLinksUpstream: a mirrored post keeps our id but its
// alternate link is the upstream permalink, in every format.
func TestMirroredPostLinksUpstream(t *testing.T) {
	r := newTestRenderer(t, false)
	p := &feed.Post{ID: "m1", Title: "Mirrored", Content: "<p>x</p>",
		Published: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC),
		Origin:    &feed.Origin{Source: "up", ID: "tag:up,2026:1", URL: "https://upstream.example/2026/01/mirrored.html"}}
	bad := *p
	bad.Origin = &feed.Origin{Source: "up", ID: "x", URL: "javascript:alert(1)"}
	for _, f := range feed.Formats {
		b, _, err := r.Posts(f, []*feed.Post{p}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := gofeed.NewParser().ParseString(string(b))
		if err != nil {
			t.Fatal(err)
		}
		it := parsed.Items[0]
		if it.Link != p.Origin.URL {
			t.Errorf("%s: link %q, want the upstream permalink", f, it.Link)
		}
		if want := root + "/posts/m1"; it.GUID != want {
			t.Errorf("%s: id %q, want ours %q", f, it.GUID, want)
		}
		b, _, _ = r.Posts(f, []*feed.Post{&bad}, nil, nil)
		if bytes.Contains(b, []byte("javascript:")) {
			t.Errorf("%s: unusable upstream URL was linked", f)
		}
	}
}
