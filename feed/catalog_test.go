package feed

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// testRefs are feeds of every kind, with post ids that look like the
// literals of other routes.
var testRefs = []Ref{PostsFeed, CommentsFeed, ThreadFeed("hello"), ThreadFeed("a-B_c9"),
	ThreadFeed("archive"), ThreadFeed("comments"), ThreadFeed("default"), ThreadFeed("summary"),
	ThreadFeed("posts"), ThreadFeed("digest"), DigestFeed(PeriodDaily), DigestFeed(PeriodWeekly)}

// TestPath pins the paths of the feeds' documents.
func TestPath(t *testing.T) {
	for _, tc := range []struct {
		ref  Ref
		v    View
		f    Format
		want string
	}{
		{PostsFeed, View{}, Atom, "/feeds/posts.atom"},
		{CommentsFeed, View{}, RSS, "/feeds/comments.rss"},
		{ThreadFeed("abc"), View{}, JSON, "/feeds/posts/abc/comments.json"},
		{DigestFeed(PeriodWeekly), View{}, Atom, "/feeds/digest/weekly.atom"},
		{PostsFeed, View{Archive: 3}, RSS, "/feeds/posts/archive/3.rss"},
		{CommentsFeed, View{Archive: 1}, JSON, "/feeds/comments/archive/1.json"},
		{ThreadFeed("abc"), View{Archive: 12}, Atom, "/feeds/posts/abc/comments/archive/12.atom"},
		{PostsFeed, View{Page: 2}, Atom, "/feeds/posts.atom?page=2"},
		{PostsFeed, View{Category: "a b", Summary: true}, RSS, "/feeds/posts.rss?category=a+b&summary=true"},
	} {
		if got := Path(tc.ref, tc.v, tc.f); got != tc.want {
			t.Errorf("Path(%v, %+v, %s) = %q, want %q", tc.ref, tc.v, tc.f, got, tc.want)
		}
	}
	for ref, want := range map[Ref]string{
		PostsFeed: "/feeds/posts", CommentsFeed: "/feeds/comments",
		ThreadFeed("abc"): "/feeds/posts/abc/comments", DigestFeed(PeriodDaily): "/feeds/digest/daily",
	} {
		if got := ID("https://example.org/blog", ref); got != "https://example.org/blog"+want {
			t.Errorf("ID(%v) = %q, want %q", ref, got, want)
		}
	}
}

// TestParsePath_RoundTrip: every path the catalogue builds, of every
// route, parses back to what built it, and under no other route.
func TestParsePath_RoundTrip(t *testing.T) {
	n := 0
	check := func(r *Route, want Target) {
		t.Helper()
		p := r.Build(want)
		got, ok := ParsePath(p)
		if !ok || got != want {
			t.Errorf("%s: ParsePath(%q) = %+v, %v; want %+v", r.Pattern, p, got, ok, want)
		}
		for i := range Routes {
			if o := &Routes[i]; o != r {
				if got, ok := o.match(splitUnescaped(t, p)); ok {
					t.Errorf("%q of %s matches %s too: %+v", p, r.Pattern, o.Pattern, got)
				}
			}
		}
		n++
	}
	for i := range Routes {
		r := &Routes[i]
		for _, ref := range testRefs {
			if ref.Kind != r.Kind {
				continue
			}
			formats := Formats
			if r.Query == BloggerQuery {
				formats = []Format{""}
			}
			for _, f := range formats {
				want := Target{Ref: ref, View: r.View, Format: f, Query: r.Query}
				if r.Query == PeriodQuery {
					want.Ref.Period = ""
				}
				switch {
				case r.Archive:
					for _, k := range []int{1, 2, 10, 123} {
						want.View.Archive = k
						check(r, want)
					}
				case strings.Contains(r.Pattern, "{label}"):
					for _, label := range []string{"go", "a b", "a/b", "100%", "x.atom", "é", "-"} {
						want.View.Category = label
						check(r, want)
					}
				default:
					check(r, want)
				}
			}
		}
	}
	if n < 100 {
		t.Errorf("only %d paths checked", n)
	}

	// Path builds what the canonical routes parse, with the document.
	for _, ref := range testRefs {
		for _, f := range Formats {
			for _, v := range []View{{}, {Archive: 1}, {Archive: 7}} {
				spec, _ := SpecOf(ref.Kind)
				if v.Archive > 0 && !spec.Paged {
					continue
				}
				p := Path(ref, v, f)
				got, ok := ParsePath(p)
				if !ok || got.Ref != ref || got.View != v || got.Format != f ||
					(got.Query == ViewQuery) != (v.Archive == 0 && spec.Paged) {
					t.Errorf("ParsePath(Path(%v, %+v, %s) = %q) = %+v, %v", ref, v, f, p, got, ok)
				}
			}
		}
	}
}

func splitUnescaped(t *testing.T, p string) []string {
	t.Helper()
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, s := range parts {
		u, err := url.PathUnescape(s)
		if err != nil {
			t.Fatal(err)
		}
		parts[i] = u
	}
	return parts
}

// TestParsePath pins what the server's former routes answered.
func TestParsePath(t *testing.T) {
	for p, want := range map[string]Target{
		"/feeds/posts.atom":                            {Ref: PostsFeed, Format: Atom},
		"/feeds/comments.json":                         {Ref: CommentsFeed, Format: JSON},
		"/feeds/posts/hello/comments.rss":              {Ref: ThreadFeed("hello"), Format: RSS},
		"/feeds/posts/%68ello/comments.rss":            {Ref: ThreadFeed("hello"), Format: RSS}, // as the mux unescaped it
		"/feeds/posts/archive/comments.atom":           {Ref: ThreadFeed("archive"), Format: Atom},
		"/feeds/posts/archive/2.atom":                  {Ref: PostsFeed, View: View{Archive: 2}, Format: Atom, Query: NoQuery},
		"/feeds/posts/archive/comments/archive/1.atom": {Ref: ThreadFeed("archive"), View: View{Archive: 1}, Format: Atom, Query: NoQuery},
		"/feeds/digest/weekly.json":                    {Ref: DigestFeed(PeriodWeekly), Format: JSON, Query: NoQuery},
		"/feeds/digest.rss":                            {Ref: Ref{Kind: KindDigest}, Format: RSS, Query: PeriodQuery},
		"/feeds/posts/default":                         {Ref: PostsFeed, Query: BloggerQuery},
		"/feeds/posts/summary":                         {Ref: PostsFeed, View: View{Summary: true}, Query: BloggerQuery},
		"/feeds/comments/default":                      {Ref: CommentsFeed, Query: BloggerQuery},
		"/feeds/posts/default/-/a%2Fb%20c":             {Ref: PostsFeed, View: View{Category: "a/b c"}, Query: BloggerQuery},
		"/feeds/hello/comments/default":                {Ref: ThreadFeed("hello"), Query: BloggerQuery},
		"/feeds/posts/comments/default":                {Ref: ThreadFeed("posts"), Query: BloggerQuery},
		"/feeds/posts/default/comments.atom":           {Ref: ThreadFeed("default"), Format: Atom},
	} {
		if got, ok := ParsePath(p); !ok || got != want {
			t.Errorf("ParsePath(%q) = %+v, %v; want %+v", p, got, ok, want)
		}
	}
}

// TestParsePath_Rejects: paths close to the feeds' name none.
func TestParsePath_Rejects(t *testing.T) {
	for _, p := range []string{
		"", "/", "feeds/posts.atom", "/feeds", "/feeds/", "/feeds/posts", "/feeds/posts.", "/feeds/posts.xml",
		"/feeds/posts.ATOM", "/feeds/posts.html", "/feeds/posts.atom/", "/feeds//posts.atom", "/feeds/./posts.atom",
		"/feeds/posts.atom.rss", "/feeds/posts/atom", "/Feeds/posts.atom", "/x/feeds/posts.atom",
		"/feeds/posts/archive/0.atom", "/feeds/posts/archive/01.atom", "/feeds/posts/archive/-1.atom",
		"/feeds/posts/archive/+1.atom", "/feeds/posts/archive/x.atom", "/feeds/posts/archive/1.html",
		"/feeds/posts/archive/1", "/feeds/posts/archive/1.atom.rss", "/feeds/posts/archive/",
		"/feeds/comments/archive/comments.atom",
		"/feeds/posts/hello/comments", "/feeds/posts/hello.atom", "/feeds/posts//comments.atom",
		"/feeds/posts/a%20b/comments.atom", "/feeds/posts/a.b/comments.atom", "/feeds/posts/a%2Fb/comments.atom",
		"/feeds/posts/a/b/comments.atom", "/feeds/posts/%zz/comments.atom", "/feeds/other/alpha/comments.atom",
		"/feeds/posts/hello/comments/archive/0.json", "/feeds/posts/hello/replies.atom",
		"/feeds/digest/monthly.atom", "/feeds/digest/Daily.atom", "/feeds/digest/daily.html", "/feeds/digest/daily",
		"/feeds/digest/daily/2026-12-02.atom", "/feeds/digest/archive/1.atom", "/feeds/digest.html",
		"/feeds/posts/default/", "/feeds/posts/default/-/", "/feeds/posts/default/-/%20",
		"/feeds/posts/default/-/" + strings.Repeat("x", MaxNameLen+1), "/feeds/posts/default/-/a/b",
		"/feeds/posts/default.atom", "/feeds/comments/summary", "/feeds/posts/summary/-/x",
		"/feeds/a.b/comments/default", "/feeds/alpha/replies/default", "/feeds/alpha/comments/summary",
		"/feeds/posts/hello/comments/default",
	} {
		if got, ok := ParsePath(p); ok {
			t.Errorf("ParsePath(%q) = %+v; want false", p, got)
		}
	}
}

func TestFiles(t *testing.T) {
	collect := func(ref Ref, archives int) []string {
		var got []string
		for v, f := range Files(ref, archives) {
			got = append(got, Path(ref, v, f))
		}
		return got
	}
	if got, want := collect(ThreadFeed("x"), 2), []string{
		"/feeds/posts/x/comments.atom", "/feeds/posts/x/comments.rss", "/feeds/posts/x/comments.json",
		"/feeds/posts/x/comments/archive/1.atom", "/feeds/posts/x/comments/archive/1.rss", "/feeds/posts/x/comments/archive/1.json",
		"/feeds/posts/x/comments/archive/2.atom", "/feeds/posts/x/comments/archive/2.rss", "/feeds/posts/x/comments/archive/2.json",
	}; !slices.Equal(got, want) {
		t.Errorf("Files(thread, 2) = %q, want %q", got, want)
	}
	// Digests have no archives, whatever the count.
	if got, want := collect(DigestFeed(PeriodDaily), 3), []string{
		"/feeds/digest/daily.atom", "/feeds/digest/daily.rss", "/feeds/digest/daily.json",
	}; !slices.Equal(got, want) {
		t.Errorf("Files(digest, 3) = %q, want %q", got, want)
	}
	if got := collect(Ref{Kind: "nope"}, 1); got != nil {
		t.Errorf("Files(unknown kind) = %q", got)
	}
	// Every file is a document the cache takes.
	for _, ref := range testRefs {
		for v, f := range Files(ref, 2) {
			if err := CheckDoc(ref, v, f); err != nil {
				t.Errorf("CheckDoc(%v, %+v, %s): %v", ref, v, f, err)
			}
		}
	}
}

func TestCheckDoc(t *testing.T) {
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		ref Ref
		v   View
		f   Format
		ok  bool
	}{
		{PostsFeed, View{}, Atom, true},
		{PostsFeed, View{Page: 1}, Atom, true},
		{PostsFeed, View{Page: 3, Category: "c", Author: "a", Summary: true}, RSS, true},
		{PostsFeed, View{MaxResults: 5, StartIndex: 2, PublishedMin: at, OrderBy: OrderUpdated}, JSON, true},
		{PostsFeed, View{Archive: 2}, JSON, true},
		{CommentsFeed, View{Page: 2}, JSON, true},
		{CommentsFeed, View{UpdatedMax: at}, JSON, true},
		{ThreadFeed("abc"), View{Archive: 1}, Atom, true},
		{DigestFeed(PeriodWeekly), View{}, JSON, true},

		{PostsFeed, View{}, "xml", false},
		{PostsFeed, View{}, "", false},
		{PostsFeed, View{Page: -1}, Atom, false},
		{PostsFeed, View{Archive: -1}, Atom, false},
		{PostsFeed, View{Archive: 1, Page: 2}, Atom, false},
		{PostsFeed, View{Archive: 1, Category: "c"}, Atom, false},
		{PostsFeed, View{Page: 2, MaxResults: 3}, Atom, false},
		{CommentsFeed, View{Category: "c"}, Atom, false},
		{ThreadFeed("abc"), View{Summary: true}, Atom, false},
		{DigestFeed(PeriodDaily), View{Author: "a"}, Atom, false},
		{DigestFeed(PeriodDaily), View{Page: 1}, Atom, false},
		{DigestFeed(PeriodDaily), View{Page: 2}, Atom, false},
		{DigestFeed(PeriodDaily), View{Archive: 1}, Atom, false},
		{DigestFeed(PeriodDaily), View{MaxResults: 1}, Atom, false},
		{DigestFeed("monthly"), View{}, Atom, false},
		{Ref{Kind: KindDigest, Period: PeriodDaily, PostID: "x"}, View{}, Atom, false},
		{ThreadFeed(""), View{}, Atom, false},
		{ThreadFeed("a.b"), View{}, Atom, false},
		{Ref{Kind: KindThread, PostID: "x", Period: PeriodDaily}, View{}, Atom, false},
		{Ref{Kind: KindPosts, PostID: "x"}, View{}, Atom, false},
		{Ref{Kind: KindComments, Period: PeriodDaily}, View{}, Atom, false},
		{Ref{Kind: "nope"}, View{}, Atom, false},
		{Ref{}, View{}, Atom, false},
	} {
		err := CheckDoc(tc.ref, tc.v, tc.f)
		if (err == nil) != tc.ok || (err != nil && ErrorCode(err) != ENOTFOUND) {
			t.Errorf("CheckDoc(%v, %+v, %q) = %v, want ok %v", tc.ref, tc.v, tc.f, err, tc.ok)
		}
	}
}

// TestCatalogue_Consistent: every kind has its head route in each format
// and, when paged, its archive route; every format has a media type.
func TestCatalogue_Consistent(t *testing.T) {
	for _, spec := range Kinds {
		for _, archive := range []bool{false, true} {
			if archive && !spec.Paged {
				continue
			}
			if r := route(spec.Kind, archive); r.Kind != spec.Kind || r.Alias {
				t.Errorf("%s: no canonical route (archive %v)", spec.Kind, archive)
			}
		}
		if len(spec.Formats) == 0 {
			t.Errorf("%s: no formats", spec.Kind)
		}
	}
	for _, f := range Formats {
		if g, ok := ParseFormat(f.Ext()); !ok || g != f || f.MediaType() == "" {
			t.Errorf("format %q: ParseFormat(%q) = %q, %v; media type %q", f, f.Ext(), g, ok, f.MediaType())
		}
	}
	for _, r := range Routes {
		if _, ok := SpecOf(r.Kind); !ok {
			t.Errorf("%s: unknown kind %q", r.Pattern, r.Kind)
		}
		if !strings.HasPrefix(r.Pattern, "/feeds/") || len(r.segs) > maxSegments {
			t.Errorf("%s: not below /feeds/, or more than %d segments", r.Pattern, maxSegments)
		}
	}
}

// ParsePath runs on every feed request: it allocates nothing for a path
// without escapes.
func TestParsePath_Allocs(t *testing.T) {
	for _, p := range []string{"/feeds/posts.atom", "/feeds/posts/hello/comments/archive/3.json", "/feeds/nope/x/y/z/w/v/u/t/s"} {
		if n := testing.AllocsPerRun(100, func() { ParsePath(p) }); n != 0 {
			t.Errorf("ParsePath(%q): %v allocations", p, n)
		}
	}
}
