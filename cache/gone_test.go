package cache_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
)

// TestCache_GoneThread checks that the thread feed of a deleted post fails
// with EGONE, is not cached, and that a sweep drops its old documents.
func TestCache_GoneThread(t *testing.T) {
	e := newTestEnv(t, cache.Options{})
	ctx := context.Background()
	e.get(t, feed.ThreadFeed("alpha"), feed.Atom)
	if _, err := e.db.DeletePost(ctx, "alpha"); err != nil {
		t.Fatal(err)
	}
	// Before any invalidation the old document is still served; a sweep
	// (the fallback for writes the change log does not bring) drops it.
	if err := e.cache.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		before := e.st.n()
		_, err := e.cache.Get(ctx, feed.ThreadFeed("alpha"), feed.Atom)
		if feed.ErrorCode(err) != feed.EGONE {
			t.Fatalf("thread of a deleted post: %v, want EGONE", err)
		}
		if e.st.n() == before {
			t.Error("EGONE was cached")
		}
	}
	if s := e.cache.Stats(); s.Entries != 0 {
		t.Errorf("%d entries, want none", s.Entries)
	}
}

// TestCache_Tombstones checks that deletions reach the documents as RFC
// 6721 tombstones in Atom, in every feed that showed the entry.
func TestCache_Tombstones(t *testing.T) {
	e := newTestEnv(t, cache.Options{})
	ctx := context.Background()
	c, err := e.db.DeleteComment(ctx, "a1")
	if err != nil {
		t.Fatal(err)
	}
	e.cache.Changed(feed.Change{Comment: c})
	p, err := e.db.DeletePost(ctx, "beta")
	if err != nil {
		t.Fatal(err)
	}
	e.cache.Changed(feed.Change{Post: p})

	for _, tc := range []struct {
		ref      feed.Ref
		has, not []string
	}{
		{feed.ThreadFeed("alpha"), []string{"deleted-entry", "#comment-a1"}, []string{"first on alpha"}},
		{feed.CommentsFeed, []string{"deleted-entry", "#comment-a1", "#comment-b1"}, []string{"first on alpha", "first on beta"}},
		{feed.PostsFeed, []string{"deleted-entry", "/posts/beta"}, []string{"Beta post"}},
	} {
		body := e.get(t, tc.ref, feed.Atom).Body
		for _, s := range tc.has {
			if !bytes.Contains(body, []byte(s)) {
				t.Errorf("%s.atom lacks %q", tc.ref, s)
			}
		}
		for _, s := range tc.not {
			if bytes.Contains(body, []byte(s)) {
				t.Errorf("%s.atom still has %q", tc.ref, s)
			}
		}
	}
}
