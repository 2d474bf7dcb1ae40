package cache_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/testutil"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/sqlite"
)

// followInterval is short, so that the tests wait little; they poll with a
// deadline rather than sleep for a fixed time.
const followInterval = 20 * time.Millisecond

// followWait bounds the waits for Follow to apply a write.
const followWait = 10 * time.Second

// startFollow runs e.cache.Follow until the test ends and checks that it
// then returns the context's error.
func startFollow(t *testing.T, e *testEnv) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.cache.Follow(ctx, followInterval) }()
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
}

// openOther opens a second handle on the test's database file, as another
// process (the CLI) would.
func openOther(t *testing.T, e *testEnv) *sqlite.DB {
	t.Helper()
	other, err := sqlite.Open(context.Background(), e.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return other
}

func bodyHas(t *testing.T, e *testEnv, ref feed.Ref, f feed.Format, s string) bool {
	t.Helper()
	return bytes.Contains(e.get(t, ref, f).Body, []byte(s))
}

// waitStarted writes a probe comment through other and waits until Follow
// applied it: from then on Follow has started, and dropped the cache as it
// does then, so that later documents are cached under its watch.
func waitStarted(t *testing.T, e *testEnv, other *sqlite.DB) {
	t.Helper()
	before := e.cache.Stats().Changes
	c := feed.Comment{PostID: "alpha", AuthorName: "Probe", Content: "probe"}
	if err := other.CreateComment(context.Background(), &c); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, followWait, func() bool { return e.cache.Stats().Changes > before }, "Follow applies the probe")
}

// TestCache_Follow writes through a second handle on the store and waits
// for the cache, which holds every document, to show each write: a
// comment, a post edit, a comment deletion and a post deletion.
func TestCache_Follow(t *testing.T) {
	e := newTestEnv(t, cache.Options{})
	ctx := context.Background()
	other := openOther(t, e)
	startFollow(t, e)
	waitStarted(t, e, other)
	// Before each write every document is cached, so that each check
	// waits for Follow rather than for a first render.
	fill := func() {
		for _, ref := range allRefs {
			for _, f := range feed.Formats {
				_, _ = e.cache.Get(ctx, ref, f)
			}
		}
	}
	fill()
	renders := e.cache.Stats().Renders

	c := feed.Comment{PostID: "alpha", AuthorName: "Cli", Content: "comment from another process"}
	if err := other.CreateComment(ctx, &c); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, followWait, func() bool {
		return bodyHas(t, e, feed.ThreadFeed("alpha"), feed.Atom, "comment from another process")
	}, "new comment in the alpha thread")
	if !bodyHas(t, e, feed.CommentsFeed, feed.JSON, "comment from another process") {
		t.Error("comments feed lacks the comment")
	}

	fill()
	title := "Beta retitled elsewhere"
	if _, err := other.UpdatePost(ctx, "beta", store.PostUpdate{Title: &title}); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, followWait, func() bool {
		return bodyHas(t, e, feed.PostsFeed, feed.RSS, title)
	}, "edited title in the posts feed")
	if !bodyHas(t, e, feed.ThreadFeed("beta"), feed.RSS, title) {
		t.Error("beta thread lacks the edited title")
	}

	fill()
	if _, err := other.DeleteComment(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, followWait, func() bool {
		return !bodyHas(t, e, feed.ThreadFeed("alpha"), feed.JSON, "comment from another process")
	}, "deleted comment gone from the alpha thread")

	fill()
	if _, err := other.DeletePost(ctx, "beta"); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, followWait, func() bool {
		return !bodyHas(t, e, feed.PostsFeed, feed.JSON, title)
	}, "deleted post out of the posts feed")
	if _, err := e.cache.Get(ctx, feed.ThreadFeed("beta"), feed.Atom); feed.ErrorCode(err) != feed.EGONE {
		t.Errorf("deleted post's thread: %v, want EGONE", err)
	}
	if s := e.cache.Stats(); s.Changes < 5 || s.Renders == renders {
		t.Errorf("stats %+v: want the probe and 4 writes applied, and renders", s)
	}
}

// TestCache_FollowStartsClean checks that a write made after a document
// was cached but before Follow read the log position is not served stale:
// Follow drops what the cache held when it started.
func TestCache_FollowStartsClean(t *testing.T) {
	e := newTestEnv(t, cache.Options{})
	ctx := context.Background()
	other := openOther(t, e)
	e.get(t, feed.ThreadFeed("beta"), feed.Atom)
	c := feed.Comment{PostID: "beta", AuthorName: "Early", Content: "written before Follow"}
	if err := other.CreateComment(ctx, &c); err != nil {
		t.Fatal(err)
	}
	startFollow(t, e)
	testutil.Eventually(t, followWait, func() bool {
		return bodyHas(t, e, feed.ThreadFeed("beta"), feed.Atom, "written before Follow")
	}, "early comment in the beta thread")
}

// TestCache_FollowKeepsUntouched checks that following drops only what a
// write touched.
func TestCache_FollowKeepsUntouched(t *testing.T) {
	e := newTestEnv(t, cache.Options{})
	other := openOther(t, e)
	startFollow(t, e)
	waitStarted(t, e, other)
	beta := e.get(t, feed.ThreadFeed("beta"), feed.Atom)
	alpha := e.get(t, feed.ThreadFeed("alpha"), feed.Atom)
	waitStarted(t, e, other) // another probe on alpha
	if e.get(t, feed.ThreadFeed("alpha"), feed.Atom) == alpha {
		t.Error("a comment on alpha kept the alpha thread")
	}
	if e.get(t, feed.ThreadFeed("beta"), feed.Atom) != beta {
		t.Error("a comment on alpha dropped the beta thread")
	}
}

func TestCache_FollowBadInterval(t *testing.T) {
	e := newTestEnv(t, cache.Options{})
	for _, d := range []time.Duration{0, -time.Second} {
		if err := e.cache.Follow(context.Background(), d); err == nil {
			t.Errorf("Follow(%v) = nil, want an error", d)
		}
	}
}
