package export_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/export"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/sqlite"
)

func openStore(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "feedd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newRenderer(t *testing.T, base string) *render.Renderer {
	t.Helper()
	r, err := render.New(render.Options{Title: "Harbour Notes", BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// seed stores three live posts with 5, 2 and 0 approved comments (and a
// held one, not counted) and a deleted post with its comment.
func seed(t *testing.T, st store.Store) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for i, id := range []string{"first", "second", "third", "deleted"} {
		p := &feed.Post{ID: id, Title: id, Content: "<p>" + id + "</p>", Published: at.Add(time.Duration(i) * time.Hour)}
		if err := st.CreatePost(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	comment := func(post string, status feed.Status) {
		n++
		c := &feed.Comment{ID: fmt.Sprintf("c%d", n), PostID: post, AuthorName: "Ann", Content: "Hi.",
			Status: status, Published: at.Add(time.Duration(n) * time.Minute)}
		if err := st.CreateComment(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for range 5 {
		comment("first", feed.StatusApproved)
	}
	comment("second", feed.StatusApproved)
	comment("second", feed.StatusApproved)
	comment("second", feed.StatusPending)
	comment("deleted", feed.StatusApproved)
	if _, err := st.DeletePost(ctx, "deleted"); err != nil {
		t.Fatal(err)
	}
}

// listCounts counts by listing, for as long as the store's own counts
// are not implemented.
type listCounts struct{ store.Store }

func (s listCounts) CountPosts(ctx context.Context, f store.PostFilter) (int, error) {
	f.Limit, f.Offset, f.Before = 0, 0, nil
	ps, err := s.Posts(ctx, f)
	return len(ps), err
}

func (s listCounts) CountComments(ctx context.Context, f store.CommentFilter) (int, error) {
	f.Limit, f.Offset = 0, 0
	cs, err := s.Comments(ctx, f)
	return len(cs), err
}

// seedPaths are the paths of the seed with a page size of 2: 3 posts
// (1 archive), 7 comments (3), threads of 5 (2), 2 (1) and 0 comments.
var seedPaths = []string{
	"/",
	"/feeds/comments.atom", "/feeds/comments.json", "/feeds/comments.rss",
	"/feeds/comments/archive/1.atom", "/feeds/comments/archive/1.json", "/feeds/comments/archive/1.rss",
	"/feeds/comments/archive/2.atom", "/feeds/comments/archive/2.json", "/feeds/comments/archive/2.rss",
	"/feeds/comments/archive/3.atom", "/feeds/comments/archive/3.json", "/feeds/comments/archive/3.rss",
	"/feeds/digest/daily.atom", "/feeds/digest/daily.json", "/feeds/digest/daily.rss",
	"/feeds/digest/weekly.atom", "/feeds/digest/weekly.json", "/feeds/digest/weekly.rss",
	"/feeds/posts.atom", "/feeds/posts.json", "/feeds/posts.rss",
	"/feeds/posts/archive/1.atom", "/feeds/posts/archive/1.json", "/feeds/posts/archive/1.rss",
	"/feeds/posts/first/comments.atom", "/feeds/posts/first/comments.json", "/feeds/posts/first/comments.rss",
	"/feeds/posts/first/comments/archive/1.atom", "/feeds/posts/first/comments/archive/1.json", "/feeds/posts/first/comments/archive/1.rss",
	"/feeds/posts/first/comments/archive/2.atom", "/feeds/posts/first/comments/archive/2.json", "/feeds/posts/first/comments/archive/2.rss",
	"/feeds/posts/second/comments.atom", "/feeds/posts/second/comments.json", "/feeds/posts/second/comments.rss",
	"/feeds/posts/second/comments/archive/1.atom", "/feeds/posts/second/comments/archive/1.json", "/feeds/posts/second/comments/archive/1.rss",
	"/feeds/posts/third/comments.atom", "/feeds/posts/third/comments.json", "/feeds/posts/third/comments.rss",
	"/posts/first", "/posts/second", "/posts/third",
	"/static/feed.xsl", "/static/feedd.css",
}

func checkPaths(t *testing.T, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("paths:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestPaths(t *testing.T) {
	st := openStore(t)
	seed(t, st)
	ctx := context.Background()
	// Under a base URL with a path, the paths are below it: the proxy
	// strips it.
	for _, base := range []string{"https://blog.example.org", "https://Example.org:443/blog/"} {
		t.Run(base, func(t *testing.T) {
			got, err := export.Paths(ctx, listCounts{st}, newRenderer(t, base), 2)
			if err != nil {
				t.Fatal(err)
			}
			checkPaths(t, got, seedPaths)
		})
	}

	t.Run("default page size", func(t *testing.T) {
		// 25: no feed has an archive.
		got, err := export.Paths(ctx, listCounts{st}, newRenderer(t, "https://blog.example.org"), 0)
		if err != nil {
			t.Fatal(err)
		}
		checkPaths(t, got, slices.DeleteFunc(slices.Clone(seedPaths), func(p string) bool { return strings.Contains(p, "/archive/") }))
	})

	t.Run("full pages", func(t *testing.T) {
		// A page size of 1: a full chunk per entry.
		got, err := export.Paths(ctx, listCounts{st}, newRenderer(t, "https://blog.example.org"), 1)
		if err != nil {
			t.Fatal(err)
		}
		count := func(prefix string) int {
			n := 0
			for _, p := range got {
				if strings.HasPrefix(p, prefix) && strings.HasSuffix(p, ".atom") {
					n++
				}
			}
			return n
		}
		for prefix, want := range map[string]int{
			"/feeds/posts/archive/": 3, "/feeds/comments/archive/": 7,
			"/feeds/posts/first/comments/archive/": 5, "/feeds/posts/second/comments/archive/": 2,
			"/feeds/posts/third/comments/archive/": 0, "/feeds/posts/deleted/": 0,
		} {
			if n := count(prefix); n != want {
				t.Errorf("%s: %d archives, want %d", prefix, n, want)
			}
		}
	})

	t.Run("empty store", func(t *testing.T) {
		got, err := export.Paths(ctx, listCounts{openStore(t)}, newRenderer(t, "https://blog.example.org"), 2)
		if err != nil {
			t.Fatal(err)
		}
		checkPaths(t, got, []string{
			"/",
			"/feeds/comments.atom", "/feeds/comments.json", "/feeds/comments.rss",
			"/feeds/digest/daily.atom", "/feeds/digest/daily.json", "/feeds/digest/daily.rss",
			"/feeds/digest/weekly.atom", "/feeds/digest/weekly.json", "/feeds/digest/weekly.rss",
			"/feeds/posts.atom", "/feeds/posts.json", "/feeds/posts.rss",
			"/static/feed.xsl", "/static/feedd.css",
		})
	})
}

// The same over the store's own counts, once they are implemented.
func TestPaths_StoreCounts(t *testing.T) {
	st := openStore(t)
	seed(t, st)
	ctx := context.Background()
	if _, err := st.CountPosts(ctx, store.PostFilter{}); err != nil && strings.Contains(err.Error(), "not implemented") {
		t.Skip("the store does not count yet:", err)
	}
	got, err := export.Paths(ctx, st, newRenderer(t, "https://blog.example.org"), 2)
	if err != nil {
		t.Fatal(err)
	}
	checkPaths(t, got, seedPaths)
}

// A store failure is Paths' error.
func TestPaths_StoreError(t *testing.T) {
	st := openStore(t)
	seed(t, st)
	st.Close()
	if _, err := export.Paths(context.Background(), listCounts{st}, newRenderer(t, "https://blog.example.org"), 2); err == nil {
		t.Fatal("no error from a closed store")
	}
}

func TestRequestPath(t *testing.T) {
	root := newRenderer(t, "https://blog.example.org")
	blog := newRenderer(t, "https://example.org/blog/")
	for _, tc := range []struct {
		r        *render.Renderer
		url      string
		want     string
		wantFail bool
	}{
		{root, root.HomeURL(), "/", false},
		{root, "https://blog.example.org", "/", false},
		{root, root.PostURL("abc"), "/posts/abc", false},
		{root, root.CommentURL("abc", "c1"), "/posts/abc", false},
		{root, root.FeedURL(feed.ThreadFeed("abc"), feed.Atom), "/feeds/posts/abc/comments.atom", false},
		{root, root.ArchiveURL(feed.PostsFeed, 3, feed.RSS), "/feeds/posts/archive/3.rss", false},
		{root, root.ViewURL(feed.PostsFeed, feed.View{Category: "a b"}, feed.Atom), "/feeds/posts.atom?category=a+b", false},
		{root, root.StylesheetURL(), "/static/feed.xsl", false},
		{blog, blog.HomeURL(), "/", false},
		{blog, "https://example.org/blog", "/", false},
		{blog, "https://example.org/blog?x=1", "/?x=1", false},
		{blog, blog.PostURL("abc"), "/posts/abc", false},
		{blog, blog.CommentsURL("abc"), "/posts/abc", false},
		{blog, blog.FeedURL(feed.DigestFeed(feed.PeriodDaily), feed.Atom), "/feeds/digest/daily.atom", false},
		{blog, "https://example.org/blogger/posts/abc", "", true},
		{blog, "https://example.org/posts/abc", "", true},
		{blog, "https://other.example.org/blog/posts/abc", "", true},
		{blog, "http://example.org/blog/posts/abc", "", true},
		{root, "https://blog.example.org.evil/x", "", true},
		{root, "/posts/abc", "", true},
		{root, "", "", true},
	} {
		got, err := export.RequestPath(tc.r, tc.url)
		if (err != nil) != tc.wantFail || got != tc.want {
			t.Errorf("RequestPath(%s) = %q, %v; want %q, error %v", tc.url, got, err, tc.want, tc.wantFail)
		}
	}
}
