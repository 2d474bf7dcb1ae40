package cache_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// TestCache_Sync writes a comment through the store, as a handler does,
// and checks that the thread and site comment feeds show it on the very
// next read once Sync returned: with the seq the write reported and with
// 0 (the log's end), with and without Follow running.
func TestCache_Sync(t *testing.T) {
	for _, tc := range []struct {
		name      string
		follow    bool
		knownSeq  bool
		wantError bool
	}{
		{name: "seq", knownSeq: true},
		{name: "log end"},
		{name: "seq while following", follow: true, knownSeq: true},
		{name: "log end while following", follow: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, cache.Options{})
			if tc.follow {
				startFollow(t, e)
			}
			for i := range 3 {
				for _, ref := range allRefs {
					e.get(t, ref, feed.Atom)
				}
				text := "own write " + strings.Repeat("x", i+1)
				ctx, w := store.Track(t.Context())
				c := feed.Comment{PostID: "alpha", AuthorName: "Eve", Content: text}
				if err := e.db.CreateComment(ctx, &c); err != nil {
					t.Fatal(err)
				}
				seq := int64(0)
				if tc.knownSeq {
					seq = w.Seq()
				}
				if err := e.cache.Sync(ctx, seq); err != nil {
					t.Fatalf("Sync(%d): %v", seq, err)
				}
				for _, ref := range []feed.Ref{feed.ThreadFeed("alpha"), feed.CommentsFeed} {
					if !bodyHas(t, e, ref, feed.Atom, text) {
						t.Errorf("write %d: %s lacks the comment right after Sync(%d)", i, ref, seq)
					}
				}
			}
		})
	}
}

// TestCache_SyncConcurrent has many writers each wait for its own write
// while Follow runs: every one must read its write.
func TestCache_SyncConcurrent(t *testing.T) {
	e := newTestEnv(t, cache.Options{})
	startFollow(t, e)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			text := "writer " + strings.Repeat("y", i+1) + "."
			ctx, w := store.Track(t.Context())
			c := feed.Comment{PostID: "beta", AuthorName: "W", Content: text}
			if err := e.db.CreateComment(ctx, &c); err != nil {
				t.Error(err)
				return
			}
			if err := e.cache.Sync(ctx, w.Seq()); err != nil {
				t.Error(err)
				return
			}
			if !bodyHas(t, e, feed.ThreadFeed("beta"), feed.JSON, text) {
				t.Errorf("writer %d does not read its comment after Sync", i)
			}
		})
	}
	wg.Wait()
}

// TestCache_SyncContextDone checks that Sync gives up when its context
// has ended instead of waiting.
func TestCache_SyncContextDone(t *testing.T) {
	e := newTestEnv(t, cache.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := e.cache.Sync(ctx, 1<<40); err == nil {
		t.Error("Sync with an ended context: no error")
	}
}

// TestCache_DigestPeriodCloses checks that a digest document stops being
// served once its period closes at local midnight, with no write and
// nothing following the log: the post of the day that closed appears.
func TestCache_DigestPeriodCloses(t *testing.T) {
	var mu sync.Mutex
	now := date("2026-03-02T12:00:00Z")
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newTestEnv(t, cache.Options{Now: clock})
	daily := feed.DigestFeed(feed.PeriodDaily)
	if bodyHas(t, e, daily, feed.Atom, "Beta post") {
		t.Fatal("the daily digest shows a post of the open day")
	}
	mu.Lock()
	now = date("2026-03-02T23:59:59Z")
	mu.Unlock()
	if bodyHas(t, e, daily, feed.Atom, "Beta post") {
		t.Fatal("the daily digest shows a post of the open day a second before midnight")
	}
	mu.Lock()
	now = date("2026-03-03T00:00:00Z")
	mu.Unlock()
	if !bodyHas(t, e, daily, feed.Atom, "Beta post") {
		t.Error("the daily digest lacks the post of the day that closed at midnight")
	}
	if f := e.cache.Stats().SweepFixes; f != 0 {
		t.Errorf("SweepFixes = %d before any sweep", f)
	}
}

// TestCache_SweepCountsFixes writes behind the cache's back (no Sync, no
// Follow) and checks that a sweep finds and counts the stale document,
// and that a second sweep finds nothing more.
func TestCache_SweepCountsFixes(t *testing.T) {
	e := newTestEnv(t, cache.Options{})
	e.get(t, feed.ThreadFeed("alpha"), feed.Atom)
	e.get(t, feed.ThreadFeed("beta"), feed.Atom)
	if err := e.cache.Sweep(t.Context()); err != nil {
		t.Fatal(err)
	}
	if f := e.cache.Stats().SweepFixes; f != 0 {
		t.Fatalf("SweepFixes = %d after a sweep of a current cache, want 0", f)
	}
	c := feed.Comment{PostID: "alpha", AuthorName: "Ghost", Content: "unannounced"}
	if err := e.db.CreateComment(t.Context(), &c); err != nil {
		t.Fatal(err)
	}
	for want := range []int64{1, 1} {
		if err := e.cache.Sweep(t.Context()); err != nil {
			t.Fatal(err)
		}
		if f := e.cache.Stats().SweepFixes; f != 1 {
			t.Errorf("sweep %d: SweepFixes = %d, want 1", want+1, f)
		}
	}
	if !bodyHas(t, e, feed.ThreadFeed("alpha"), feed.Atom, "unannounced") {
		t.Error("the sweep did not fix the thread")
	}
}

// TestCache_OnlyTheLogInvalidates pins the cache's exported methods: no
// caller can drop a document on its own word, so every write reaches the
// cache through the store's change log (Follow, Sync). A method that
// invalidates must stay unexported; one that only reads may be added here.
func TestCache_OnlyTheLogInvalidates(t *testing.T) {
	allowed := []string{"Delta", "Follow", "Get", "GetView", "Options", "Page", "Stats", "Sweep", "Sync"}
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || !fd.Name.IsExported() {
				continue
			}
			if star, ok := fd.Recv.List[0].Type.(*ast.StarExpr); ok {
				if id, ok := star.X.(*ast.Ident); ok && id.Name == "Cache" {
					got = append(got, fd.Name.Name)
				}
			}
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, allowed) {
		t.Errorf("exported methods of *Cache: %v, want %v: writes reach the cache only through the change log", got, allowed)
	}
}
