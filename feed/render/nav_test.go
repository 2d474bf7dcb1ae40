package render

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
	"github.com/feedd/feedd/feed/content/contenttest"
	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
)

// atomNav renders d as Atom and returns its links other than self and
// alternate as "rel href" (the href without the root), its fh elements
// and its self link.
func atomNav(t *testing.T, r *Renderer, d *Doc) (links []string, history []string, self string) {
	t.Helper()
	b, _, err := r.Render(feed.Atom, d)
	if err != nil {
		t.Fatal(err)
	}
	got, err := (&atom.Parser{}).Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range got.Links {
		href := strings.TrimPrefix(l.Href, root)
		switch l.Rel {
		case "self":
			self = href
		case "alternate":
		default:
			links = append(links, l.Rel+" "+href)
		}
	}
	for name := range got.Extensions["fh"] {
		history = append(history, name)
	}
	return links, history, self
}

func TestRender_NavLinks(t *testing.T) {
	r := newTestRenderer(t, false)
	posts := pagedPosts(3)
	for _, tc := range []struct {
		name    string
		view    feed.View
		nav     Nav
		n       int // entries shown
		self    string
		links   []string
		history string
	}{
		{"unknown place", feed.View{}, Nav{}, 3, "/feeds/posts.atom", nil, ""},
		{"complete, under a page", feed.View{}, Nav{Layout: feed.Layout{Total: 2, Size: 3}}, 2, "/feeds/posts.atom", nil, "complete"},
		{"complete, one chunk", feed.View{}, Nav{Layout: feed.Layout{Total: 5, Size: 3}}, 3, "/feeds/posts.atom", nil, "complete"},
		{"empty feed", feed.View{}, Nav{Layout: feed.Layout{Total: 0, Size: 3}}, 0, "/feeds/posts.atom", nil, "complete"},
		{"head of two pages", feed.View{}, Nav{Layout: feed.Layout{Total: 6, Size: 3}}, 3, "/feeds/posts.atom",
			[]string{"first /feeds/posts.atom", "next /feeds/posts.atom?page=2", "last /feeds/posts.atom?page=2", "prev-archive /feeds/posts/archive/1.atom"}, ""},
		{"page 1 is the head", feed.View{Page: 1}, Nav{Layout: feed.Layout{Total: 6, Size: 3}}, 3, "/feeds/posts.atom",
			[]string{"first /feeds/posts.atom", "next /feeds/posts.atom?page=2", "last /feeds/posts.atom?page=2", "prev-archive /feeds/posts/archive/1.atom"}, ""},
		{"last page", feed.View{Page: 2}, Nav{Layout: feed.Layout{Total: 6, Size: 3}}, 3, "/feeds/posts.atom?page=2",
			[]string{"first /feeds/posts.atom", "previous /feeds/posts.atom", "last /feeds/posts.atom?page=2"}, ""},
		{"page 3 of 4", feed.View{Page: 3}, Nav{Layout: feed.Layout{Total: 13, Size: 3}}, 3, "/feeds/posts.atom?page=3",
			[]string{"first /feeds/posts.atom", "previous /feeds/posts.atom?page=2", "next /feeds/posts.atom?page=4", "last /feeds/posts.atom?page=4"}, ""},
		{"oldest archive", feed.View{Archive: 1}, Nav{Layout: feed.Layout{Total: 13, Size: 3}}, 3, "/feeds/posts/archive/1.atom",
			[]string{"current /feeds/posts.atom", "next-archive /feeds/posts/archive/2.atom"}, "archive"},
		{"archive without a layout", feed.View{Archive: 5}, Nav{}, 3, "/feeds/posts/archive/5.atom",
			[]string{"current /feeds/posts.atom", "prev-archive /feeds/posts/archive/4.atom", "next-archive /feeds/posts/archive/6.atom"}, "archive"},
		{"category head: pages, no archives", feed.View{Category: "go"}, Nav{Layout: feed.Layout{Total: 6, Size: 3}}, 3, "/feeds/posts.atom?category=go",
			[]string{"first /feeds/posts.atom?category=go", "next /feeds/posts.atom?category=go&page=2", "last /feeds/posts.atom?category=go&page=2"}, ""},
		{"author page", feed.View{Author: "Ana Lima", Page: 2}, Nav{Layout: feed.Layout{Total: 9, Size: 3}}, 3, "/feeds/posts.atom?author=Ana+Lima&page=2",
			[]string{"first /feeds/posts.atom?author=Ana+Lima", "previous /feeds/posts.atom?author=Ana+Lima", "next /feeds/posts.atom?author=Ana+Lima&page=3", "last /feeds/posts.atom?author=Ana+Lima&page=3"}, ""},
		{"complete summary head", feed.View{Summary: true}, Nav{Layout: feed.Layout{Total: 3, Size: 25}}, 3, "/feeds/posts.atom?summary=true", nil, "complete"},
		{"first query page", feed.View{MaxResults: 2}, Nav{Total: 3}, 2, "/feeds/posts.atom?max-results=2",
			[]string{"next /feeds/posts.atom?max-results=2&start-index=3"}, ""},
		{"last query page", feed.View{MaxResults: 2, StartIndex: 3}, Nav{Total: 3}, 1, "/feeds/posts.atom?max-results=2&start-index=3",
			[]string{"previous /feeds/posts.atom?max-results=2&start-index=1"}, ""},
		{"query of the default page size", feed.View{StartIndex: 26, OrderBy: feed.OrderPublished}, Nav{Total: 60, ItemsPerPage: 25, Layout: feed.Layout{Total: 60, Size: 10}}, 25,
			"/feeds/posts.atom?orderby=published&start-index=26",
			[]string{"previous /feeds/posts.atom?orderby=published&start-index=1", "next /feeds/posts.atom?orderby=published&start-index=51"}, ""},
		{"query near the start", feed.View{MaxResults: 10, StartIndex: 4}, Nav{Total: 5}, 2, "/feeds/posts.atom?max-results=10&start-index=4",
			[]string{"previous /feeds/posts.atom?max-results=10&start-index=1"}, ""},
		{"query without results", feed.View{MaxResults: 10, PublishedMin: date("2030-01-01T00:00:00Z")}, Nav{Total: 0}, 0,
			"/feeds/posts.atom?max-results=10&published-min=2030-01-01T00%3A00%3A00Z", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			links, history, self := atomNav(t, r, &Doc{Ref: feed.PostsFeed, View: tc.view, Posts: posts[:min(tc.n, len(posts))], Nav: tc.nav})
			if self != tc.self {
				t.Errorf("self %s, want %s", self, tc.self)
			}
			if !slices.Equal(links, tc.links) {
				t.Errorf("links\n%q\nwant\n%q", links, tc.links)
			}
			var want []string
			if tc.history != "" {
				want = []string{tc.history}
			}
			if !slices.Equal(history, want) {
				t.Errorf("fh elements %q, want %q", history, want)
			}
		})
	}
}

// TestRender_QueryCounts: the OpenSearch counts of a query document, and
// their page size when nobody gave one.
func TestRender_QueryCounts(t *testing.T) {
	r := newTestRenderer(t, false)
	posts := pagedPosts(4)
	for _, tc := range []struct {
		view feed.View
		nav  Nav
		want string
	}{
		{feed.View{MaxResults: 2}, Nav{Total: 9}, "9 1 2"},
		{feed.View{OrderBy: feed.OrderUpdated}, Nav{Total: 9, ItemsPerPage: 25}, "9 1 25"},
		{feed.View{OrderBy: feed.OrderUpdated}, Nav{Total: 9, Layout: feed.Layout{Size: 5}}, "9 1 5"},
		{feed.View{StartIndex: 7}, Nav{Total: 9}, "9 7 4"}, // the entries shown
		{feed.View{MaxResults: 500, StartIndex: 2}, Nav{Total: -1, ItemsPerPage: 100}, "0 2 100"},
	} {
		for _, f := range []feed.Format{feed.Atom, feed.RSS} {
			b, _, err := r.Render(f, &Doc{Ref: feed.PostsFeed, View: tc.view, Posts: posts, Nav: tc.nav})
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := gofeed.NewParser().Parse(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			x := parsed.Extensions
			got := extValue(x, "openSearch", "totalResults") + " " + extValue(x, "openSearch", "startIndex") + " " + extValue(x, "openSearch", "itemsPerPage")
			if got != tc.want {
				t.Errorf("%s %+v, %+v: openSearch %q, want %q", f, tc.view, tc.nav, got, tc.want)
			}
		}
	}
	// A document other than a query has none.
	b, _, _ := r.Render(feed.Atom, &Doc{Ref: feed.PostsFeed, Posts: posts, Nav: Nav{Total: 4}})
	if bytes.Contains(b, []byte("openSearch")) {
		t.Error("OpenSearch in a head")
	}
}

// TestRender_ArchiveStable: an archive's bytes depend on its entries
// alone, not on the feed's layout or total, comment counts or deletions.
func TestRender_ArchiveStable(t *testing.T) {
	all := pagedPosts(12)
	entries := chunk(all, 3, 3)
	for _, f := range feed.Formats {
		var first []byte
		var firstMod time.Time
		for i, d := range []Doc{
			{Nav: Nav{Layout: feed.Layout{Total: 6, Size: 3}}},
			{Nav: Nav{Layout: feed.Layout{Total: 12, Size: 3}, Total: 12, ItemsPerPage: 3}},
			{},
			{Stats: map[string]feed.ThreadStats{"p05": {Count: 9, Updated: date("2030-01-01T00:00:00Z")}}, Gone: gonePosts()},
		} {
			for _, counts := range []bool{false, true} {
				r := newTestRenderer(t, counts)
				d.Ref, d.View, d.Posts = feed.PostsFeed, feed.View{Archive: 2}, entries
				b, mod, err := r.Render(f, &d)
				if err != nil {
					t.Fatal(err)
				}
				if first == nil {
					first, firstMod = b, mod
					continue
				}
				if !bytes.Equal(b, first) || !mod.Equal(firstMod) {
					t.Errorf("%s: archive %d (counts %v) differs from the first:\n%s", f, i, counts, b)
				}
			}
		}
		if !firstMod.Equal(date("2025-01-06T09:00:00Z")) {
			t.Errorf("%s: archive last change %v, want its newest entry's", f, firstMod)
		}
		for _, s := range []string{"count", "deleted", "total", "page="} {
			if bytes.Contains(first, []byte(s)) {
				t.Errorf("%s: %q in an archive:\n%s", f, s, first)
			}
		}
	}
}

func TestRenderer_MaxAge(t *testing.T) {
	r := newTestRenderer(t, false)
	for _, tc := range []struct {
		view feed.View
		want time.Duration
	}{
		{feed.View{}, 15 * time.Minute},
		{feed.View{Page: 3}, 15 * time.Minute},
		{feed.View{Category: "go", Summary: true}, 15 * time.Minute},
		{feed.View{MaxResults: 5}, 15 * time.Minute},
		{feed.View{Archive: 1}, ArchiveMaxAge},
	} {
		if got := r.MaxAge(tc.view); got != tc.want {
			t.Errorf("MaxAge(%+v) = %v, want %v", tc.view, got, tc.want)
		}
	}
	if ArchiveMaxAge != 365*24*time.Hour {
		t.Errorf("ArchiveMaxAge = %v", ArchiveMaxAge)
	}
}

func TestUpdateSchedule(t *testing.T) {
	for _, tc := range []struct {
		minutes int
		period  string
		freq    int
	}{
		{0, "hourly", 60},
		{1, "hourly", 60},
		{5, "hourly", 12},
		{7, "hourly", 8},
		{15, "hourly", 4},
		{16, "daily", 90},
		{45, "daily", 32},
		{50, "hourly", 1},
		{60, "hourly", 1},
		{90, "daily", 16},
		{100, "daily", 14},
		{720, "daily", 2},
		{1440, "daily", 1},
		{3 * 1440, "weekly", 2},
		{7 * 1440, "weekly", 1},
		{30 * 1440, "yearly", 12},
		{365 * 1440, "yearly", 1},
		{400 * 1440, "yearly", 1},
	} {
		p, f := updateSchedule(tc.minutes)
		if p != tc.period || f != tc.freq {
			t.Errorf("updateSchedule(%d) = %s %d, want %s %d", tc.minutes, p, f, tc.period, tc.freq)
		}
	}
}

// TestRender_CacheHints: RSS <ttl> and the sy hints of Atom and RSS
// follow MaxAge, the archives' included.
func TestRender_CacheHints(t *testing.T) {
	for _, tc := range []struct {
		ttl          time.Duration
		view         feed.View
		rssTTL, sy   string
		period, freq string
	}{
		{5 * time.Minute, feed.View{}, "5", "", "hourly", "12"},
		{2 * time.Hour, feed.View{Page: 2}, "120", "", "daily", "12"},
		{24 * time.Hour, feed.View{MaxResults: 3}, "1440", "", "daily", "1"},
		{5 * time.Minute, feed.View{Archive: 3}, "525600", "", "yearly", "1"},
	} {
		r, err := New(Options{BaseURL: baseURL, TTL: tc.ttl})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []feed.Format{feed.Atom, feed.RSS} {
			b, _, err := r.Render(f, &Doc{Ref: feed.CommentsFeed, View: tc.view})
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := gofeed.NewParser().Parse(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			x := parsed.Extensions
			if p, fr := extValue(x, "sy", "updatePeriod"), extValue(x, "sy", "updateFrequency"); p != tc.period || fr != tc.freq {
				t.Errorf("%s TTL %v %+v: sy %s %s, want %s %s", f, tc.ttl, tc.view, p, fr, tc.period, tc.freq)
			}
			if f == feed.RSS && !bytes.Contains(b, []byte("<ttl>"+tc.rssTTL+"</ttl>")) {
				t.Errorf("TTL %v %+v: want <ttl>%s</ttl> in\n%s", tc.ttl, tc.view, tc.rssTTL, b)
			}
		}
	}
}

func TestRenderer_Hubs(t *testing.T) {
	t.Run("Invalid", func(t *testing.T) {
		for _, h := range []string{"", "/hub", "hub.example.net", "ftp://hub.example.net/", "https://", "https://hub.example.net/ x", "https://hub.example.net/#f", "https://hub.example.net/\x00"} {
			if _, err := New(Options{BaseURL: baseURL, Hubs: []string{"https://ok.example.net/", h}}); err == nil {
				t.Errorf("hub %q accepted", h)
			}
		}
	})
	t.Run("Copy", func(t *testing.T) {
		hubs := slices.Clone(testHubs)
		r, err := New(Options{BaseURL: baseURL, Hubs: hubs})
		if err != nil {
			t.Fatal(err)
		}
		hubs[0] = "https://changed.example/"
		got := r.Hubs()
		if !slices.Equal(got, testHubs) {
			t.Errorf("Hubs() = %q, want %q", got, testHubs)
		}
		got[1] = "https://changed.example/"
		if !slices.Equal(r.Hubs(), testHubs) {
			t.Error("Hubs() returned the renderer's own slice")
		}
		if r, _ := New(Options{BaseURL: baseURL}); r.Hubs() != nil {
			t.Errorf("no hubs: Hubs() = %q", r.Hubs())
		}
	})
	// Every document carries one hub link per hub, in every format.
	t.Run("EveryDocument", func(t *testing.T) {
		r, err := New(Options{Title: siteTitle, BaseURL: baseURL, Hubs: testHubs})
		if err != nil {
			t.Fatal(err)
		}
		s := newSite()
		docs := []*Doc{
			{Ref: feed.PostsFeed, Posts: s.posts},
			{Ref: feed.PostsFeed, View: feed.View{Archive: 1}, Posts: s.posts},
			{Ref: feed.PostsFeed, View: feed.View{Page: 2}, Posts: s.posts, Nav: Nav{Layout: feed.Layout{Total: 9, Size: 3}}},
			{Ref: feed.PostsFeed, View: feed.View{MaxResults: 1}, Posts: s.posts[:1], Nav: Nav{Total: 3}},
			{Ref: feed.CommentsFeed, Comments: s.comments, Nav: Nav{Layout: feed.Layout{Total: 4, Size: 25}}},
			{Ref: feed.ThreadFeed("hello"), Post: s.p1, Comments: s.thread},
			{Ref: feed.DigestFeed(feed.PeriodWeekly)},
		}
		for _, d := range docs {
			for _, f := range feed.Formats {
				b, _, err := r.Render(f, d)
				if err != nil {
					t.Fatal(err)
				}
				var n int
				switch f {
				case feed.Atom:
					n = bytes.Count(b, []byte(`rel="hub"`))
				case feed.RSS:
					n = bytes.Count(b, []byte(`<atom:link href="https://hub.example.net/" rel="hub"></atom:link>`)) +
						bytes.Count(b, []byte(`<atom:link href="https://example.com/blog/hub?x=1&amp;y=2" rel="hub"></atom:link>`))
				case feed.JSON:
					n = bytes.Count(b, []byte(`"type": "WebSub"`))
				}
				if n != len(testHubs) {
					t.Errorf("%s %s %+v: %d hub links, want %d:\n%s", d.Ref, f, d.View, n, len(testHubs), b)
				}
			}
		}
	})
}

// TestRenderer_ParseFeedURL: every feed's URL in every format parses back
// to it; anything else, however close, does not.
func TestRenderer_ParseFeedURL(t *testing.T) {
	r := newTestRenderer(t, false)
	refs := []feed.Ref{feed.PostsFeed, feed.CommentsFeed, feed.ThreadFeed("hello"), feed.ThreadFeed("a-B_c9"), feed.ThreadFeed("comments")}
	refs = append(refs, feed.DigestFeeds...)
	for _, ref := range refs {
		for _, f := range feed.Formats {
			u := r.FeedURL(ref, f)
			got, gotF, ok := r.ParseFeedURL(u)
			if !ok || got != ref || gotF != f {
				t.Errorf("ParseFeedURL(%q) = %v, %q, %v; want %v, %q", u, got, gotF, ok, ref, f)
			}
		}
	}
	for _, u := range []string{
		"",
		root,
		root + "/",
		root + "/feeds/posts",
		root + "/feeds/posts.",
		root + "/feeds/posts.xml",
		root + "/feeds/posts.ATOM",
		root + "/feeds/posts.atom?page=2",
		root + "/feeds/posts.atom?",
		root + "/feeds/posts.atom#x",
		root + "/feeds/posts.atom/",
		root + "/feeds//posts.atom",
		root + "/feeds/./posts.atom",
		root + "/feeds/posts/archive/1.atom",
		root + "/feeds/comments/archive/1.rss",
		root + "/feeds/posts/hello/comments/archive/2.json",
		root + "/feeds/posts/hello/comments",
		root + "/feeds/posts/hello.atom",
		root + "/feeds/posts//comments.atom",
		root + "/feeds/posts/a%20b/comments.atom",
		root + "/feeds/posts/a.b/comments.atom",     // not a valid id
		root + "/feeds/posts/%68ello/comments.atom", // "hello", escaped needlessly
		root + "/feeds/posts/a/b/comments.atom",
		root + "/feeds/digest/monthly.atom",
		root + "/feeds/digest/Daily.atom",
		root + "/feeds/digest/daily/2026-12-02.atom",
		root + "/feeds/digest.atom",
		"https://Example.com/blog/feeds/posts.atom",
		"https://example.com:443/blog/feeds/posts.atom",
		"http://example.com/blog/feeds/posts.atom",
		"https://example.com/feeds/posts.atom",
		"https://example.com/blog/blog/feeds/posts.atom",
		"https://example.com.evil.example/blog/feeds/posts.atom",
		" " + root + "/feeds/posts.atom",
		root + "/feeds/posts.atom ",
	} {
		if ref, f, ok := r.ParseFeedURL(u); ok {
			t.Errorf("ParseFeedURL(%q) = %v, %q; want false", u, ref, f)
		}
	}
}

// TestRender_SummaryComments: a summary view of a comment feed carries
// excerpts of the comments, and no content, in every format.
func TestRender_SummaryComments(t *testing.T) {
	r := newTestRenderer(t, false)
	s := newSite()
	for _, f := range feed.Formats {
		b, _, err := r.Render(f, &Doc{Ref: feed.ThreadFeed("hello"), View: feed.View{Summary: true}, Post: s.p1, Comments: s.thread})
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := gofeed.NewParser().Parse(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if got := parsed.Items[0].Description; got != "Any time. Really." {
			t.Errorf("%s: first summary %q", f, got)
		}
		if bytes.Contains(b, []byte("<p>")) || bytes.Contains(b, []byte("&lt;p&gt;")) {
			t.Errorf("%s: content in a summary view:\n%s", f, b)
		}
	}
}

// TestRender_Shorthands: Posts, Comments and Thread are Render of a head.
func TestRender_Shorthands(t *testing.T) {
	s := newSite()
	r := newTestRenderer(t, true)
	for _, f := range feed.Formats {
		pairs := []struct {
			name string
			a, b func() ([]byte, time.Time, error)
		}{
			{"posts", func() ([]byte, time.Time, error) { return r.Posts(f, s.posts, s.counts, gonePosts()) },
				func() ([]byte, time.Time, error) {
					return r.Render(f, &Doc{Ref: feed.PostsFeed, Posts: s.posts, Stats: s.counts, Gone: gonePosts()})
				}},
			{"comments", func() ([]byte, time.Time, error) { return r.Comments(f, s.comments, nil) },
				func() ([]byte, time.Time, error) {
					return r.Render(f, &Doc{Ref: feed.CommentsFeed, Comments: s.comments})
				}},
			{"thread", func() ([]byte, time.Time, error) { return r.Thread(f, s.p1, s.thread, goneThread()) },
				func() ([]byte, time.Time, error) {
					return r.Render(f, &Doc{Ref: feed.ThreadFeed("hello"), Post: s.p1, Comments: s.thread, Gone: goneThread()})
				}},
		}
		for _, p := range pairs {
			a, am, aerr := p.a()
			b, bm, berr := p.b()
			if aerr != nil || berr != nil || !bytes.Equal(a, b) || !am.Equal(bm) {
				t.Errorf("%s/%s: shorthand and Render differ (%v, %v)", p.name, f, aerr, berr)
			}
		}
	}
}

func TestRender_Errors(t *testing.T) {
	r := newTestRenderer(t, false)
	s := newSite()
	for name, d := range map[string]*Doc{
		"no document":       nil,
		"unknown kind":      {Ref: feed.Ref{Kind: "tags"}},
		"zero ref":          {},
		"thread, no post":   {Ref: feed.ThreadFeed("hello")},
		"thread, bad post":  {Ref: feed.ThreadFeed("other"), Post: s.p1},
		"digest, no period": {Ref: feed.Ref{Kind: feed.KindDigest}},
		"digest, monthly":   {Ref: feed.DigestFeed("monthly")},
	} {
		if _, _, err := r.Render(feed.Atom, d); feed.ErrorCode(err) != feed.EINVALID {
			t.Errorf("%s: err = %v, want code %s", name, err, feed.EINVALID)
		}
	}
	if _, _, err := r.Render("xml", &Doc{Ref: feed.PostsFeed}); feed.ErrorCode(err) != feed.EINVALID {
		t.Errorf("unknown format: err = %v", err)
	}
}

// TestRender_Digest covers what the goldens do not: ids and titles depend
// on the period's start date in the site zone alone, an empty digest dates
// from the epoch, and every format parses.
func TestRender_Digest(t *testing.T) {
	s := newDigestSite()
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	// 2 December in Berlin starts at 1 December 23:00 UTC.
	span := feed.ClosedPeriods(feed.PeriodDaily, date("2026-12-03T12:00:00+01:00"), berlin, 1)[0]
	utcSpan := feed.Span{Start: span.Start.UTC(), End: span.End.UTC()}
	ids := func(loc *time.Location, p DigestPeriod) (string, string) {
		r, err := New(Options{Title: siteTitle, BaseURL: baseURL, Location: loc})
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := r.Render(feed.JSON, &Doc{Ref: feed.DigestFeed(feed.PeriodDaily), Digest: []DigestPeriod{p}})
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := gofeed.NewParser().Parse(bytes.NewReader(b))
		if err != nil || len(parsed.Items) != 1 {
			t.Fatalf("%v, %s", err, b)
		}
		return parsed.Items[0].GUID, parsed.Items[0].Title
	}
	wantID, wantTitle := root+"/feeds/digest/daily/2026-12-02", "Daily digest: Wednesday, 2 December 2026"
	for name, p := range map[string]DigestPeriod{
		"one comment":     {Span: span, Comments: []*feed.Comment{s.c1}},
		"everything":      {Span: span, Posts: []*feed.Post{s.winter}, Comments: []*feed.Comment{s.c2, s.c1}},
		"span in UTC":     {Span: utcSpan, Posts: []*feed.Post{s.winter}},
		"an edited post":  {Span: span, Posts: []*feed.Post{{ID: "winter", Title: "New title", Updated: date("2027-01-01T00:00:00Z")}}},
		"nil among posts": {Span: span, Posts: []*feed.Post{nil, s.winter, nil}},
	} {
		if id, title := ids(berlin, p); id != wantID || title != wantTitle {
			t.Errorf("%s: id %q, title %q; want %q, %q", name, id, title, wantID, wantTitle)
		}
	}
	// In New York the same instant falls on 1 December.
	if id, title := ids(newYork, DigestPeriod{Span: span, Comments: []*feed.Comment{s.c1}}); id != root+"/feeds/digest/daily/2026-12-01" ||
		title != "Daily digest: Tuesday, 1 December 2026" {
		t.Errorf("New York: %q, %q", id, title)
	}

	r, err := New(Options{Title: siteTitle, BaseURL: baseURL, Location: berlin})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range feed.Formats {
		for _, d := range []*Doc{
			{Ref: feed.DigestFeed(feed.PeriodDaily)},
			{Ref: feed.DigestFeed(feed.PeriodWeekly), Digest: []DigestPeriod{{Span: span}, {Span: span, Posts: []*feed.Post{nil}, Comments: []*feed.Comment{nil}}}},
		} {
			b, mod, err := r.Render(f, d)
			if err != nil {
				t.Fatal(err)
			}
			if !mod.Equal(epoch) {
				t.Errorf("%s: empty digest dated %v, want the epoch", f, mod)
			}
			parsed, err := gofeed.NewParser().Parse(bytes.NewReader(b))
			if err != nil || len(parsed.Items) != 0 {
				t.Errorf("%s: empty digest: %v, %d items", f, err, len(parsed.Items))
			}
			if f == feed.JSON && !bytes.Contains(b, []byte(`"items": []`)) {
				t.Errorf("empty digest without an items array:\n%s", b)
			}
		}
	}

	// A post title edit shows in the digest of its comments, and moves the
	// feed's last change.
	edited := *s.c1
	edited.PostTitle, edited.PostUpdated = "Winter notes, revised", date("2027-02-01T00:00:00Z")
	_, m1, _ := r.Render(feed.Atom, &Doc{Ref: feed.DigestFeed(feed.PeriodDaily), Digest: []DigestPeriod{{Span: span, Comments: []*feed.Comment{s.c1}}}})
	b2, m2, _ := r.Render(feed.Atom, &Doc{Ref: feed.DigestFeed(feed.PeriodDaily), Digest: []DigestPeriod{{Span: span, Comments: []*feed.Comment{&edited}}}})
	if !bytes.Contains(b2, []byte("Winter notes, revised")) || !m2.Equal(edited.PostUpdated) || !m2.After(m1) {
		t.Errorf("post title edit: last change %v then %v", m1, m2)
	}
}

// TestRender_DigestContentSafe: whatever the comments hold, a digest's
// content is the markup digestHTML writes, with the text escaped once.
func TestRender_DigestContentSafe(t *testing.T) {
	r, err := New(Options{Title: siteTitle, BaseURL: baseURL})
	if err != nil {
		t.Fatal(err)
	}
	span := feed.Span{Start: date("2026-01-01T00:00:00Z"), End: date("2026-01-02T00:00:00Z")}
	c := nastyComment()
	c.PostID, c.PostTitle = "nasty", nastyTitle
	corpus := contenttest.XSSCorpus(t)
	for _, cs := range corpus.Cases {
		x := cs.Input
		c.Content, c.AuthorName = x, corpus.Authors[len(x)%len(corpus.Authors)]
		b, _, err := r.Render(feed.JSON, &Doc{Ref: feed.DigestFeed(feed.PeriodDaily), Digest: []DigestPeriod{
			{Span: span, Posts: []*feed.Post{{ID: "p", Title: x}}, Comments: []*feed.Comment{c}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		entries, ok := decodeEntries(t, feed.JSON, b)
		if !ok || len(entries) != 1 {
			t.Fatalf("payload %q: not valid", x)
		}
		h := entries[0].html[0]
		if err := checkDigestMarkup(h); err != nil {
			t.Errorf("%s: %v in\n%s", cs.Name, err, h)
		}
		if err := content.CheckHarmless(h); err != nil {
			t.Errorf("%s: %v", cs.Name, err)
		}
	}
}

// checkDigestMarkup reports an error when HTML h holds an element or
// attribute digestHTML does not write.
func checkDigestMarkup(h string) error {
	allowed := map[string]bool{"h2": true, "h3": true, "ul": true, "li": true, "a": true}
	for i := 0; i < len(h); i++ {
		if h[i] != '<' {
			continue
		}
		end := strings.IndexByte(h[i:], '>')
		if end < 0 {
			return fmt.Errorf("unclosed tag at %d", i)
		}
		tag := strings.TrimPrefix(h[i+1:i+end], "/")
		name, attrs, _ := strings.Cut(tag, " ")
		if !allowed[name] {
			return fmt.Errorf("element %q", name)
		}
		if attrs != "" && (name != "a" || !strings.HasPrefix(attrs, `href="`+root+"/posts/") || strings.Count(attrs, `"`) != 2) {
			return fmt.Errorf("attributes %q", attrs)
		}
		i += end
	}
	return nil
}

// TestRender_DocInputUnchanged: Render reads a Doc and never writes it,
// summaries and digests included.
func TestRender_DocInputUnchanged(t *testing.T) {
	mk := func() []*Doc {
		s, ds := newSite(), newDigestSite()
		span := feed.Span{Start: date("2026-12-02T00:00:00Z"), End: date("2026-12-03T00:00:00Z")}
		return []*Doc{
			{Ref: feed.PostsFeed, View: feed.View{Summary: true}, Posts: s.posts, Stats: s.counts, Nav: Nav{Layout: feed.Layout{Total: 9, Size: 3}}},
			{Ref: feed.PostsFeed, View: feed.View{Archive: 1}, Posts: s.posts, Stats: s.counts, Gone: gonePosts()},
			{Ref: feed.ThreadFeed("hello"), View: feed.View{Summary: true, MaxResults: 1}, Post: s.p1, Comments: s.thread, Nav: Nav{Total: 3}},
			{Ref: feed.DigestFeed(feed.PeriodDaily), Digest: []DigestPeriod{{Span: span, Posts: []*feed.Post{ds.winter}, Comments: []*feed.Comment{ds.c1, ds.c3}}}},
		}
	}
	docs, before := mk(), mk()
	r := newTestRenderer(t, true)
	for _, d := range docs {
		for _, f := range feed.Formats {
			if _, _, err := r.Render(f, d); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !reflect.DeepEqual(docs, before) {
		t.Error("rendering changed its input")
	}
}
