package cache_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/internal/testutil"
	"github.com/feedd/feedd/store"
)

// watchStore is a real store that is also a store.Watcher whose events the
// test sends by hand, as PostgreSQL's notices would come.
type watchStore struct {
	store.Store
	send chan store.WatchEvent // the events of Watch

	mu      sync.Mutex
	watches int
}

var _ store.Watcher = (*watchStore)(nil)

// Watch returns the test's channel itself, unbuffered, so that a send
// returns only once Follow has taken the event; the test closes it to end
// the watch.
func (w *watchStore) Watch(ctx context.Context) <-chan store.WatchEvent {
	w.mu.Lock()
	w.watches++
	w.mu.Unlock()
	return w.send
}

// newWatchCache returns a cache over e's database wrapped in a watchStore,
// and starts Follow on it with interval; Follow must have returned
// context.Canceled when the test ends.
func newWatchCache(t *testing.T, e *testEnv, interval time.Duration) (*cache.Cache, *watchStore) {
	t.Helper()
	ws := &watchStore{Store: e.db, send: make(chan store.WatchEvent)}
	r, err := render.New(render.Options{Title: "Test", BaseURL: "https://blog.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	c := cache.New(ws, r, cache.Options{}, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Follow(ctx, interval) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Follow returned %v, want context.Canceled", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Follow did not return after its context ended")
		}
	})
	return c, ws
}

// signal sends ev to the running Follow, failing the test if it does not
// take it.
func (w *watchStore) signal(t *testing.T, ev store.WatchEvent) {
	t.Helper()
	select {
	case w.send <- ev:
	case <-time.After(5 * time.Second):
		t.Fatal("Follow does not take watch events")
	}
}

func getEntry(t *testing.T, c *cache.Cache, ref feed.Ref, f feed.Format) *cache.Entry {
	t.Helper()
	en, err := c.Get(context.Background(), ref, f)
	if err != nil {
		t.Fatalf("Get(%s, %s): %v", ref, f, err)
	}
	return en
}

// TestCache_FollowWatch: with an interval far too long to matter, a
// write's notice makes Follow apply the change log at once.
func TestCache_FollowWatch(t *testing.T) {
	e := newTestEnv(t, cache.Options{})
	ctx := context.Background()
	other := openOther(t, e)
	c, ws := newWatchCache(t, e, time.Hour)

	// The first notice shows that Follow has started (read the position
	// and dropped the cache): it is taken only in Follow's wait.
	ws.signal(t, store.WatchEvent{})
	thread := feed.ThreadFeed("alpha")
	before := getEntry(t, c, thread, feed.Atom)
	cm := feed.Comment{PostID: "alpha", AuthorName: "Replica", Content: "written by another replica"}
	if err := other.CreateComment(ctx, &cm); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if getEntry(t, c, thread, feed.Atom) != before {
		t.Fatal("the thread changed without a notice or a tick")
	}
	ws.signal(t, store.WatchEvent{})
	testutil.Eventually(t, time.Second, func() bool { return getEntry(t, c, thread, feed.Atom) != before },
		"a notice did not bring the write")
	if !bodyHasEntry(getEntry(t, c, thread, feed.Atom), "written by another replica") {
		t.Error("the thread lacks the comment")
	}
	if s := c.Stats(); s.Changes != 1 || s.Resets != 0 {
		t.Errorf("stats %+v, want 1 change applied and no reset", s)
	}
	ws.mu.Lock()
	watches := ws.watches
	ws.mu.Unlock()
	if watches != 1 {
		t.Errorf("Watch called %d times, want once", watches)
	}
}

// TestCache_FollowWatchReset: a Reset event drops every cached document,
// and Follow goes on from the log's end, applying later writes.
func TestCache_FollowWatchReset(t *testing.T) {
	e := newTestEnv(t, cache.Options{})
	ctx := context.Background()
	other := openOther(t, e)
	c, ws := newWatchCache(t, e, time.Hour)
	ws.signal(t, store.WatchEvent{})

	posts := getEntry(t, c, feed.PostsFeed, feed.JSON)
	beta := getEntry(t, c, feed.ThreadFeed("beta"), feed.RSS)
	// A write whose notice was lost: only the Reset tells of it.
	title := "Beta retitled while no one listened"
	if _, err := other.UpdatePost(ctx, "beta", store.PostUpdate{Title: &title}); err != nil {
		t.Fatal(err)
	}
	ws.signal(t, store.WatchEvent{Reset: true})
	testutil.Eventually(t, time.Second, func() bool { return c.Stats().Resets == 1 }, "the Reset was not counted")
	testutil.Eventually(t, time.Second, func() bool {
		return bodyHasEntry(getEntry(t, c, feed.PostsFeed, feed.JSON), title)
	}, "the posts feed was not dropped on Reset")
	if getEntry(t, c, feed.ThreadFeed("beta"), feed.RSS) == beta {
		t.Error("the beta thread was kept on Reset")
	}
	if getEntry(t, c, feed.PostsFeed, feed.JSON) == posts {
		t.Error("the posts feed was kept on Reset")
	}

	// Following goes on after the Reset.
	alpha := getEntry(t, c, feed.ThreadFeed("alpha"), feed.Atom)
	cm := feed.Comment{PostID: "alpha", AuthorName: "Later", Content: "after the reset"}
	if err := other.CreateComment(ctx, &cm); err != nil {
		t.Fatal(err)
	}
	ws.signal(t, store.WatchEvent{})
	testutil.Eventually(t, time.Second, func() bool { return getEntry(t, c, feed.ThreadFeed("alpha"), feed.Atom) != alpha },
		"a write after the Reset did not reach the cache")
}

// TestCache_FollowWatchClosed: when the store stops watching (its channel
// closes), Follow keeps reading the log every interval.
func TestCache_FollowWatchClosed(t *testing.T) {
	e := newTestEnv(t, cache.Options{})
	ctx := context.Background()
	other := openOther(t, e)
	c, ws := newWatchCache(t, e, followInterval)
	ws.signal(t, store.WatchEvent{})
	close(ws.send)

	thread := feed.ThreadFeed("beta")
	before := getEntry(t, c, thread, feed.Atom)
	cm := feed.Comment{PostID: "beta", AuthorName: "Cli", Content: "seen by the interval"}
	if err := other.CreateComment(ctx, &cm); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, followWait, func() bool {
		return getEntry(t, c, thread, feed.Atom) != before
	}, "the interval applies the write")
}

func bodyHasEntry(en *cache.Entry, s string) bool { return bytes.Contains(en.Body, []byte(s)) }
