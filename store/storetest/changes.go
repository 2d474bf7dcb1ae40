package storetest

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// changes returns the change-log records after seq after, failing the test
// on error.
func changes(t *testing.T, s store.Store, after int64, limit int) []store.ChangeRecord {
	t.Helper()
	records, err := s.Changes(t.Context(), after, limit)
	if err != nil {
		t.Fatalf("Changes(%d, %d): %v", after, limit, err)
	}
	return records
}

// seqs lists records as "seq:post" or "seq:post/comment".
func seqs(records []store.ChangeRecord) []string {
	out := make([]string, len(records))
	for i, r := range records {
		switch c := r.Change; {
		case c.Post != nil:
			out[i] = fmt.Sprintf("%d:%s", r.Seq, c.Post.ID)
		case c.Comment != nil:
			out[i] = fmt.Sprintf("%d:%s/%s", r.Seq, c.Comment.PostID, c.Comment.ID)
		default:
			out[i] = fmt.Sprintf("%d:?", r.Seq)
		}
	}
	return out
}

func testChanges(t *testing.T, open func(t *testing.T) store.Store) {
	lastChange := func(t *testing.T, s store.Store) int64 {
		t.Helper()
		seq, err := s.LastChange(t.Context())
		if err != nil {
			t.Fatalf("LastChange: %v", err)
		}
		return seq
	}

	t.Run("EveryWriteLogs", func(t *testing.T) {
		s := newStore(t, open)
		if seq := lastChange(t, s); seq != 0 {
			t.Errorf("LastChange of an empty store = %d, want 0", seq)
		}
		if got := changes(t, s, 0, 0); len(got) != 0 {
			t.Errorf("Changes of an empty store = %v", seqs(got))
		}
		post := func(id string) feed.Change { return feed.Change{Post: &feed.Post{ID: id}} }
		comment := func(postID, id string) feed.Change {
			return feed.Change{Comment: &feed.Comment{ID: id, PostID: postID}}
		}
		before := now(t)
		var want []feed.Change
		for _, w := range []struct {
			write  func() error
			change feed.Change
		}{
			{func() error { return s.CreatePost(t.Context(), &feed.Post{ID: "p", Title: "P", Content: "c"}) }, post("p")},
			{func() error { return s.CreatePost(t.Context(), &feed.Post{ID: "q", Title: "Q", Content: "c"}) }, post("q")},
			{func() error { _, err := s.UpdatePost(t.Context(), "p", store.PostUpdate{Title: ptr("P2")}); return err }, post("p")},
			{func() error {
				return s.CreateComment(t.Context(), &feed.Comment{ID: "c", PostID: "p", AuthorName: "A", Content: "c"})
			}, comment("p", "c")},
			{func() error {
				return s.CreateComment(t.Context(), &feed.Comment{ID: "w", PostID: "p", AuthorName: "A", Content: "c",
					Status: feed.StatusPending})
			}, comment("p", "w")},
			{func() error {
				_, err := s.UpdateComment(t.Context(), "w", store.CommentUpdate{Status: ptr(feed.StatusApproved)})
				return err
			}, comment("p", "w")},
			{func() error {
				_, err := s.UpdateComment(t.Context(), "c", store.CommentUpdate{Content: ptr("edited")})
				return err
			}, comment("p", "c")},
			{func() error { _, err := s.DeleteComment(t.Context(), "c"); return err }, comment("p", "c")},
			{func() error { _, err := s.DeletePost(t.Context(), "p"); return err }, post("p")},
			{func() error {
				return s.CreateComment(t.Context(), &feed.Comment{ID: "d", PostID: "q", AuthorName: "A", Content: "c"})
			}, comment("q", "d")},
		} {
			if err := w.write(); err != nil {
				t.Fatalf("write %d: %v", len(want), err)
			}
			want = append(want, w.change)
		}
		// Failed writes log nothing.
		if err := s.CreatePost(t.Context(), &feed.Post{ID: "q", Title: "Q", Content: "c"}); err == nil {
			t.Fatal("duplicate CreatePost succeeded")
		}
		if _, err := s.DeletePost(t.Context(), "p"); err == nil {
			t.Fatal("second DeletePost succeeded")
		}
		if _, err := s.UpdatePost(t.Context(), "q", store.PostUpdate{Title: ptr("")}); err == nil {
			t.Fatal("invalid UpdatePost succeeded")
		}
		after := now(t)

		records := changes(t, s, 0, 0)
		if len(records) != len(want) {
			t.Fatalf("Changes = %v, want %d records", seqs(records), len(want))
		}
		for i, r := range records {
			if !reflect.DeepEqual(r.Change, want[i]) {
				t.Errorf("record %d = %v, want %v", i, seqs(records[i:i+1]), seqs([]store.ChangeRecord{{Seq: r.Seq, Change: want[i]}}))
			}
			if i > 0 && r.Seq <= records[i-1].Seq {
				t.Errorf("record %d: seq %d after %d, want increasing", i, r.Seq, records[i-1].Seq)
			}
			checkClock(t, "At", r.At, before, after)
		}
		if seq := lastChange(t, s); seq != records[len(records)-1].Seq {
			t.Errorf("LastChange = %d, want %d", seq, records[len(records)-1].Seq)
		}
	})

	t.Run("AfterLimit", func(t *testing.T) {
		s := newStore(t, open)
		for i := range 5 {
			createPost(t, s, idf("p%d", i), "P", at(i))
		}
		all := changes(t, s, 0, 0)
		if len(all) != 5 {
			t.Fatalf("Changes = %v, want 5 records", seqs(all))
		}
		for _, tt := range []struct {
			after int64
			limit int
			want  []store.ChangeRecord
		}{
			{0, 2, all[:2]},
			{all[1].Seq, 2, all[2:4]},
			{all[1].Seq, 0, all[2:]},
			{all[3].Seq, 9, all[4:]},
			{all[4].Seq, 0, nil},
		} {
			got := changes(t, s, tt.after, tt.limit)
			if fmt.Sprint(seqs(got)) != fmt.Sprint(seqs(tt.want)) {
				t.Errorf("Changes(%d, %d) = %v, want %v", tt.after, tt.limit, seqs(got), seqs(tt.want))
			}
		}
		if seq := lastChange(t, s); seq != all[4].Seq {
			t.Errorf("LastChange = %d, want %d", seq, all[4].Seq)
		}
		_, err := s.Changes(t.Context(), 0, -1)
		wantCode(t, err, feed.EINVALID)
	})

	t.Run("Reopen", func(t *testing.T) {
		first := open(t)
		closed := false
		t.Cleanup(func() {
			if !closed {
				first.Close()
			}
		})
		createPost(t, first, "p", "P", at(0))
		closed = true
		if err := first.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		s := newStore(t, open)
		createPost(t, s, "q", "Q", at(0))
		records := changes(t, s, 0, 0)
		want := []feed.Change{{Post: &feed.Post{ID: "p"}}, {Post: &feed.Post{ID: "q"}}}
		if len(records) != 2 || !reflect.DeepEqual(records[0].Change, want[0]) ||
			!reflect.DeepEqual(records[1].Change, want[1]) || records[1].Seq <= records[0].Seq {
			t.Errorf("Changes after reopen = %v, want p's then q's", seqs(records))
		}
	})
}
