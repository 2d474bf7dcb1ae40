package storetest

import (
	"maps"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

func testThreadStats(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("OK", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		createPost(t, s, "q", "Q", at(0))
		createPost(t, s, "r", "R", at(0))
		createComment(t, s, "p1", "p", "", at(1))
		createComment(t, s, "p2", "p", "p1", at(2))
		createComment(t, s, "p3", "p", "", at(3))
		createComment(t, s, "q1", "q", "", at(1))
		counts, err := s.ThreadStats(t.Context(), []string{"p", "r", "nope", "p"})
		if err != nil {
			t.Fatalf("ThreadStats: %v", err)
		}
		// q is not asked for; r has no comments; nope does not exist.
		if want := map[string]feed.ThreadStats{"p": {Count: 3, Updated: at(3)}}; !maps.Equal(counts, want) {
			t.Errorf("ThreadStats = %v, want %v", counts, want)
		}
	})

	t.Run("Empty", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		createComment(t, s, "c", "p", "", at(1))
		for _, ids := range [][]string{nil, {}} {
			counts, err := s.ThreadStats(t.Context(), ids)
			if err != nil {
				t.Fatalf("ThreadStats(%q): %v", ids, err)
			}
			if counts == nil || len(counts) != 0 {
				t.Errorf("ThreadStats(%q) = %#v, want an empty map", ids, counts)
			}
		}
	})

	t.Run("Many", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		createComment(t, s, "c", "p", "", at(1))
		ids := make([]string, 40000) // more than a statement's parameter limit
		for i := range ids {
			ids[i] = idf("id%d", i)
		}
		ids[len(ids)-1] = "p"
		counts, err := s.ThreadStats(t.Context(), ids)
		if err != nil {
			t.Fatalf("ThreadStats: %v", err)
		}
		if want := map[string]feed.ThreadStats{"p": {Count: 1, Updated: at(1)}}; !maps.Equal(counts, want) {
			t.Errorf("ThreadStats = %v, want %v", counts, want)
		}
	})
}
