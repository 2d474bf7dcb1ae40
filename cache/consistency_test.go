package cache_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
)

// TestCache_RenderBeforeInvalidation holds a render after its store read,
// writes and invalidates meanwhile, and checks that the stale render is
// neither kept nor handed to a request that began after the invalidation.
func TestCache_RenderBeforeInvalidation(t *testing.T) {
	e := newTestEnv(t, cache.Options{})
	ctx := context.Background()
	entered, release := make(chan struct{}), make(chan struct{})
	var held atomic.Bool
	e.st.setHook(func(method string) {
		// Only the first call is held; later ones must not wait for it.
		if method == "Posts" && held.CompareAndSwap(false, true) {
			close(entered)
			<-release
		}
	})

	stale := make(chan *cache.Entry)
	go func() {
		en, err := e.cache.Get(ctx, feed.PostsFeed, feed.Atom)
		if err != nil {
			t.Error(err)
		}
		stale <- en
	}()
	<-entered // the first render has read the store: no gamma

	gamma := feed.Post{ID: "gamma", Title: "Gamma post", Content: "g", Published: date("2026-03-09T10:00:00Z")}
	if err := e.db.CreatePost(ctx, &gamma); err != nil {
		t.Fatal(err)
	}
	e.cache.Changed(feed.Change{Post: &gamma})

	// A request after the invalidation does not join the held render.
	fresh := make(chan *cache.Entry)
	go func() {
		en, err := e.cache.Get(ctx, feed.PostsFeed, feed.Atom)
		if err != nil {
			t.Error(err)
		}
		fresh <- en
	}()
	select {
	case en := <-fresh:
		if !bytes.Contains(en.Body, []byte("Gamma post")) {
			t.Error("request after the invalidation got the stale render")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("request after the invalidation waited for the held render")
	}

	close(release)
	if en := <-stale; bytes.Contains(en.Body, []byte("Gamma post")) {
		t.Error("held render saw the later write; the test did not hold it")
	}
	if en := e.get(t, feed.PostsFeed, feed.Atom); !bytes.Contains(en.Body, []byte("Gamma post")) {
		t.Error("the stale render was kept")
	}
}

// TestCache_StaleRenderNotKept is the same race without a second request in
// between: the stale render finishes after the invalidation and must not be
// stored.
func TestCache_StaleRenderNotKept(t *testing.T) {
	e := newTestEnv(t, cache.Options{})
	ctx := context.Background()
	entered, release := make(chan struct{}), make(chan struct{})
	var held atomic.Bool
	e.st.setHook(func(method string) {
		// Only the first call is held; later ones must not wait for it.
		if method == "Comments" && held.CompareAndSwap(false, true) {
			close(entered)
			<-release
		}
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := e.cache.Get(ctx, feed.ThreadFeed("alpha"), feed.RSS); err != nil {
			t.Error(err)
		}
	}()
	<-entered
	c := feed.Comment{PostID: "alpha", AuthorName: "Late", Content: "late remark"}
	if err := e.db.CreateComment(ctx, &c); err != nil {
		t.Fatal(err)
	}
	e.cache.Changed(feed.Change{Comment: &c})
	close(release)
	<-done
	if en := e.get(t, feed.ThreadFeed("alpha"), feed.RSS); !bytes.Contains(en.Body, []byte("late remark")) {
		t.Error("the stale render was kept")
	}
}

// TestCache_WaiterGivesUp checks that a request whose context ends stops
// waiting, while the render goes on for the others.
func TestCache_WaiterGivesUp(t *testing.T) {
	e := newTestEnv(t, cache.Options{})
	entered, release := make(chan struct{}), make(chan struct{})
	var held atomic.Bool
	e.st.setHook(func(method string) {
		if held.CompareAndSwap(false, true) {
			close(entered)
			<-release
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() {
		_, err := e.cache.Get(ctx, feed.CommentsFeed, feed.Atom)
		errc <- err
	}()
	<-entered
	other := make(chan *cache.Entry)
	go func() {
		en, err := e.cache.Get(context.Background(), feed.CommentsFeed, feed.Atom)
		if err != nil {
			t.Error(err)
		}
		other <- en
	}()
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Get: %v", err)
	}
	close(release)
	if en := <-other; en == nil || len(en.Body) == 0 {
		t.Fatal("the other request got nothing")
	}
	if s := e.cache.Stats(); s.Loads != 1 || s.Entries != 1 {
		t.Errorf("stats %+v, want one load and one entry", s)
	}
}

// TestCache_Sweep checks that an idle sweep keeps every entry and that a
// sweep after writes by another process replaces changed entries and drops
// those of a vanished post.
func TestCache_Sweep(t *testing.T) {
	e := newTestEnv(t, cache.Options{})
	ctx := context.Background()
	before := map[feed.Ref]map[feed.Format]*cache.Entry{}
	for _, ref := range allRefs {
		before[ref] = map[feed.Format]*cache.Entry{}
		for _, f := range feed.Formats {
			before[ref][f] = e.get(t, ref, f)
		}
	}

	// Nothing changed: every entry stays as it is.
	if err := e.cache.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	for _, ref := range allRefs {
		for _, f := range feed.Formats {
			if e.get(t, ref, f) != before[ref][f] {
				t.Errorf("idle sweep replaced %s.%s", ref, f)
			}
		}
	}

	// Another process adds a comment to beta and deletes alpha.
	c := feed.Comment{PostID: "beta", AuthorName: "Cli", Content: "from the CLI", Published: date("2026-03-06T10:00:00Z")}
	if err := e.db.CreateComment(ctx, &c); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", e.path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []string{
		`DELETE FROM comments WHERE post_id = 'alpha'`,
		`DELETE FROM post_categories WHERE post_id = 'alpha'`,
		`DELETE FROM posts WHERE id = 'alpha'`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}

	if err := e.cache.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	for _, f := range feed.Formats {
		if _, err := e.cache.Get(ctx, feed.ThreadFeed("alpha"), f); feed.ErrorCode(err) != feed.ENOTFOUND {
			t.Errorf("vanished post's thread %s: %v, want ENOTFOUND", f, err)
		}
		for _, ref := range []feed.Ref{feed.PostsFeed, feed.CommentsFeed, feed.ThreadFeed("beta")} {
			en := e.get(t, ref, f)
			if en == before[ref][f] || en.ETag == before[ref][f].ETag {
				t.Errorf("%s.%s not replaced by the sweep", ref, f)
			}
		}
		if en := e.get(t, feed.ThreadFeed("beta"), f); !bytes.Contains(en.Body, []byte("from the CLI")) {
			t.Errorf("beta thread %s lacks the CLI's comment", f)
		}
	}
}
