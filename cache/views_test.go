package cache_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
)

// TestViews_InvalidatedWithTheirFeed checks that a feed's pages, archives
// and queries are cached as documents of their own and dropped with the
// feed's head by one invalidation, and that the sweep drops query
// documents rather than re-rendering them.
func TestViews_InvalidatedWithTheirFeed(t *testing.T) {
	e := newTestEnv(t, cache.Options{PageSize: 1})
	ctx := context.Background()
	views := []feed.View{{}, {Page: 2}, {Archive: 1}, {MaxResults: 1}, {Category: "none"}}
	bodies := map[feed.View][]byte{}
	for _, v := range views {
		en, err := e.cache.GetView(ctx, feed.PostsFeed, v, feed.Atom)
		if err != nil {
			t.Fatalf("%+v: %v", v, err)
		}
		bodies[v] = en.Body
	}
	if n := e.cache.Stats().Entries; n < len(views) {
		t.Fatalf("%d entries, want at least %d", n, len(views))
	}
	if len(bodies) != len(views) || bytes.Equal(bodies[feed.View{}], bodies[feed.View{Page: 2}]) {
		t.Errorf("views share documents")
	}
	before := e.cache.Stats().Entries
	e.cache.Invalidate(feed.PostsFeed)
	if n := e.cache.Stats().Entries; n != before-len(views) {
		t.Errorf("%d entries after invalidating the posts feed, want %d", n, before-len(views))
	}

	for _, v := range views {
		if _, err := e.cache.GetView(ctx, feed.PostsFeed, v, feed.Atom); err != nil {
			t.Fatal(err)
		}
	}
	before = e.cache.Stats().Entries
	if err := e.cache.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.cache.Stats().Entries; n != before-1 {
		t.Errorf("%d entries after a sweep, want %d (the query document dropped)", n, before-1)
	}
}
