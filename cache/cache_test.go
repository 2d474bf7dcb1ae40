package cache_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/sqlite"
)

// hookStore wraps the real SQLite store, counts calls and runs an optional
// hook after each read; it delegates everything and fakes nothing.
type hookStore struct {
	store.Store

	mu    sync.Mutex
	calls int
	after func(method string) // run after the real call returns
}

func (s *hookStore) read(method string) {
	s.mu.Lock()
	s.calls++
	hook := s.after
	s.mu.Unlock()
	if hook != nil {
		hook(method)
	}
}

func (s *hookStore) n() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func (s *hookStore) setHook(f func(string)) {
	s.mu.Lock()
	s.after = f
	s.mu.Unlock()
}

func (s *hookStore) Post(ctx context.Context, id string) (*feed.Post, error) {
	p, err := s.Store.Post(ctx, id)
	s.read("Post")
	return p, err
}

func (s *hookStore) Posts(ctx context.Context, f store.PostFilter) ([]*feed.Post, error) {
	p, err := s.Store.Posts(ctx, f)
	s.read("Posts")
	return p, err
}

func (s *hookStore) Comments(ctx context.Context, f store.CommentFilter) ([]*feed.Comment, error) {
	c, err := s.Store.Comments(ctx, f)
	s.read("Comments")
	return c, err
}

func (s *hookStore) ThreadStats(ctx context.Context, ids []string) (map[string]feed.ThreadStats, error) {
	m, err := s.Store.ThreadStats(ctx, ids)
	s.read("ThreadStats")
	return m, err
}

type testEnv struct {
	db    *sqlite.DB
	path  string
	st    *hookStore
	cache *cache.Cache
}

func newTestEnv(t *testing.T, o cache.Options) *testEnv {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "feedd.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, p := range []feed.Post{
		{ID: "alpha", Title: "Alpha post", Content: "alpha body", Published: date("2026-03-01T10:00:00Z")},
		{ID: "beta", Title: "Beta post", Content: "beta body", Published: date("2026-03-02T10:00:00Z")},
	} {
		if err := db.CreatePost(ctx, &p); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []feed.Comment{
		{ID: "a1", PostID: "alpha", AuthorName: "Bob", Content: "first on alpha", Published: date("2026-03-03T10:00:00Z")},
		{ID: "b1", PostID: "beta", AuthorName: "Dee", Content: "first on beta", Published: date("2026-03-05T10:00:00Z")},
	} {
		if err := db.CreateComment(ctx, &c); err != nil {
			t.Fatal(err)
		}
	}
	r, err := render.New(render.Options{Title: "Test", BaseURL: "https://blog.example.org", CommentCounts: o.CommentCounts})
	if err != nil {
		t.Fatal(err)
	}
	st := &hookStore{Store: db}
	return &testEnv{db: db, path: path, st: st, cache: cache.New(st, r, o, slog.New(slog.DiscardHandler))}
}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func (e *testEnv) get(t *testing.T, ref feed.Ref, f feed.Format) *cache.Entry {
	t.Helper()
	en, err := e.cache.Get(context.Background(), ref, f)
	if err != nil {
		t.Fatalf("Get(%s, %s): %v", ref, f, err)
	}
	return en
}

var allRefs = []feed.Ref{feed.PostsFeed, feed.CommentsFeed, feed.ThreadFeed("alpha"), feed.ThreadFeed("beta")}

func TestCache_Get(t *testing.T) {
	e := newTestEnv(t, cache.Options{})
	for _, ref := range allRefs {
		for _, f := range feed.Formats {
			en := e.get(t, ref, f)
			if len(en.Body) == 0 || en.ContentType != render.ContentType(f) || en.LastModified.IsZero() {
				t.Errorf("%s.%s: entry %d bytes, %q, %v", ref, f, len(en.Body), en.ContentType, en.LastModified)
			}
			if len(en.ETag) != 24 || en.ETag[0] != '"' || en.ETag[23] != '"' {
				t.Errorf("%s.%s: ETag %s, want 22 characters in quotes", ref, f, en.ETag)
			}
			if want := strings.TrimSuffix(en.ETag, `"`) + `-gzip"`; en.GzipETag != want {
				t.Errorf("%s.%s: GzipETag %s, want %s", ref, f, en.GzipETag, want)
			}
			zr, err := gzip.NewReader(bytes.NewReader(en.Gzip))
			if err != nil {
				t.Fatal(err)
			}
			if plain, err := io.ReadAll(zr); err != nil || !bytes.Equal(plain, en.Body) {
				t.Errorf("%s.%s: gzip does not decode to the body (%v)", ref, f, err)
			}
			if again := e.get(t, ref, f); again != en {
				t.Errorf("%s.%s: second Get rendered again", ref, f)
			}
		}
	}
	if s := e.cache.Stats(); s.Entries != 12 || s.Renders != 12 || s.Hits != 12 {
		t.Errorf("stats %+v, want 12 entries, renders and hits", s)
	}
	// The same content renders to the same bytes and validators.
	other := newTestEnv(t, cache.Options{})
	a, b := e.get(t, feed.ThreadFeed("alpha"), feed.Atom), other.get(t, feed.ThreadFeed("alpha"), feed.Atom)
	if a.ETag != b.ETag || !a.LastModified.Equal(b.LastModified) {
		t.Errorf("two stores with the same content: ETags %s and %s", a.ETag, b.ETag)
	}
}

func TestCache_GetNotFound(t *testing.T) {
	e := newTestEnv(t, cache.Options{})
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		before := e.st.n()
		_, err := e.cache.Get(ctx, feed.ThreadFeed("nope"), feed.Atom)
		if feed.ErrorCode(err) != feed.ENOTFOUND {
			t.Fatalf("unknown post: %v, want ENOTFOUND", err)
		}
		if e.st.n() == before {
			t.Error("failure was cached")
		}
	}
	for _, tc := range []struct {
		ref feed.Ref
		f   feed.Format
	}{
		{feed.ThreadFeed("no/pe"), feed.Atom},
		{feed.ThreadFeed(""), feed.Atom},
		{feed.PostsFeed, "xml"},
		{feed.Ref{Kind: "bogus"}, feed.Atom},
		{feed.Ref{Kind: feed.KindPosts, PostID: "alpha"}, feed.Atom},
	} {
		before := e.st.n()
		if _, err := e.cache.Get(ctx, tc.ref, tc.f); feed.ErrorCode(err) != feed.ENOTFOUND {
			t.Errorf("Get(%+v, %s) = %v, want ENOTFOUND", tc.ref, tc.f, err)
		}
		if e.st.n() != before {
			t.Errorf("Get(%+v, %s) asked the store", tc.ref, tc.f)
		}
	}
	if s := e.cache.Stats(); s.Entries != 0 {
		t.Errorf("%d entries after failures", s.Entries)
	}
}

func TestCache_Changed(t *testing.T) {
	comment := &feed.Comment{ID: "x", PostID: "alpha"}
	post := &feed.Post{ID: "beta"}
	for _, tc := range []struct {
		name    string
		counts  bool
		change  feed.Change
		dropped []feed.Ref
	}{
		{"comment", false, feed.Change{Comment: comment}, []feed.Ref{feed.CommentsFeed, feed.ThreadFeed("alpha")}},
		{"comment with counts", true, feed.Change{Comment: comment}, []feed.Ref{feed.PostsFeed, feed.CommentsFeed, feed.ThreadFeed("alpha")}},
		{"post", false, feed.Change{Post: post}, []feed.Ref{feed.PostsFeed, feed.CommentsFeed, feed.ThreadFeed("beta")}},
		{"new post", false, feed.Change{Post: &feed.Post{ID: "gamma"}}, []feed.Ref{feed.PostsFeed, feed.CommentsFeed}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, cache.Options{CommentCounts: tc.counts})
			before := map[feed.Ref]map[feed.Format]*cache.Entry{}
			for _, ref := range allRefs {
				before[ref] = map[feed.Format]*cache.Entry{}
				for _, f := range feed.Formats {
					before[ref][f] = e.get(t, ref, f)
				}
			}
			e.cache.Changed(tc.change)
			for _, ref := range allRefs {
				wantDropped := false
				for _, d := range tc.dropped {
					wantDropped = wantDropped || d == ref
				}
				for _, f := range feed.Formats {
					if dropped := e.get(t, ref, f) != before[ref][f]; dropped != wantDropped {
						t.Errorf("%s.%s dropped = %v, want %v", ref, f, dropped, wantDropped)
					}
				}
			}
		})
	}
}

func TestCache_InvalidateAndPurge(t *testing.T) {
	e := newTestEnv(t, cache.Options{})
	a := e.get(t, feed.CommentsFeed, feed.JSON)
	p := e.get(t, feed.PostsFeed, feed.JSON)
	e.cache.Invalidate(feed.CommentsFeed)
	if e.get(t, feed.CommentsFeed, feed.JSON) == a {
		t.Error("Invalidate kept the entry")
	}
	if e.get(t, feed.PostsFeed, feed.JSON) != p {
		t.Error("Invalidate dropped another feed")
	}
	e.cache.Purge()
	if s := e.cache.Stats(); s.Entries != 0 {
		t.Errorf("%d entries after Purge", s.Entries)
	}
	if e.get(t, feed.PostsFeed, feed.JSON) == p {
		t.Error("Purge kept the entry")
	}
}

func TestCache_PageSize(t *testing.T) {
	e := newTestEnv(t, cache.Options{PageSize: 1})
	body := string(e.get(t, feed.PostsFeed, feed.Atom).Body)
	if !strings.Contains(body, "Beta post") || strings.Contains(body, "Alpha post") {
		t.Error("posts feed with page size 1 does not hold just the newest post")
	}
	if got := cache.New(e.st, nil, cache.Options{}, nil).Options().PageSize; got != cache.DefaultPageSize {
		t.Errorf("default page size %d", got)
	}
}
