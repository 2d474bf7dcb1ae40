package storetest

import (
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

func testReopen(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("KeepsData", func(t *testing.T) {
		first := open(t)
		closed := false
		t.Cleanup(func() {
			if !closed {
				first.Close()
			}
		})
		post := &feed.Post{ID: "p", Title: "P", Content: "c", Categories: []string{"b", "a"}, Published: at(0)}
		if err := first.CreatePost(t.Context(), post); err != nil {
			t.Fatalf("CreatePost: %v", err)
		}
		parent := createComment(t, first, "c1", "p", "", at(1))
		reply := createComment(t, first, "c2", "p", "c1", at(2))
		closed = true
		if err := first.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}

		s := newStore(t, open)
		gotPost, err := s.Post(t.Context(), "p")
		if err != nil {
			t.Fatalf("Post after reopen: %v", err)
		}
		checkPost(t, gotPost, post)
		comments, err := s.Comments(t.Context(), store.CommentFilter{PostID: "p"})
		if err != nil {
			t.Fatalf("Comments after reopen: %v", err)
		}
		if len(comments) != 2 {
			t.Fatalf("after reopen, thread = %s, want c2 c1", commentIDs(comments))
		}
		checkComment(t, comments[0], reply)
		checkComment(t, comments[1], parent)
		// The reopened store still writes, and checks, as before.
		createComment(t, s, "c3", "p", "c2", at(3))
		wantCode(t, s.CreatePost(t.Context(), &feed.Post{ID: "p", Title: "P", Content: "c"}), feed.ECONFLICT)
	})
}
