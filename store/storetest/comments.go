package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

func testCreateComment(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Origin", func(t *testing.T) { testCreateCommentOrigin(t, open) })

	t.Run("OK", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "The Post", at(0))
		c := &feed.Comment{ID: "c1", PostID: "p", AuthorName: " Bob ", AuthorURI: "mailto:bob@example.com",
			Content: "<p>Nice.</p>", Published: at(10), Updated: at(11)}
		if err := s.CreateComment(t.Context(), c); err != nil {
			t.Fatalf("CreateComment: %v", err)
		}
		want := &feed.Comment{ID: "c1", PostID: "p", AuthorName: "Bob", AuthorURI: "mailto:bob@example.com",
			Content: "<p>Nice.</p>", Status: feed.StatusApproved, Published: at(10), Updated: at(11), PostTitle: "The Post", PostUpdated: at(0)}
		checkComment(t, c, want)
		got, err := s.Comment(t.Context(), "c1")
		if err != nil {
			t.Fatalf("Comment: %v", err)
		}
		checkComment(t, got, want)
	})

	t.Run("Defaults", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		before := now(t)
		c := &feed.Comment{PostID: "p", AuthorName: "Bob", Content: "hi"}
		if err := s.CreateComment(t.Context(), c); err != nil {
			t.Fatalf("CreateComment: %v", err)
		}
		checkDefaultTimes(t, c.Published, c.Updated, before, now(t))
		checkNewID(t, c.ID)
		got, err := s.Comment(t.Context(), c.ID)
		if err != nil {
			t.Fatalf("Comment: %v", err)
		}
		checkComment(t, got, c)
	})

	t.Run("TimesTruncatedUTC", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		zone := time.FixedZone("UTC-7", -7*3600)
		c := createComment(t, s, "c", "p", "", time.Date(2024, 5, 1, 6, 0, 0, 123, zone))
		checkTime(t, "Published", c.Published, at(60))
		checkTime(t, "Updated", c.Updated, at(60))
	})

	t.Run("Reply", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		createComment(t, s, "c1", "p", "", at(1))
		reply := createComment(t, s, "c2", "p", "c1", at(2))
		createComment(t, s, "c3", "p", "c2", at(3))
		got, err := s.Comment(t.Context(), "c2")
		if err != nil {
			t.Fatalf("Comment: %v", err)
		}
		checkComment(t, got, reply)
		if got.ParentID != "c1" {
			t.Errorf("ParentID = %q, want c1", got.ParentID)
		}
	})

	t.Run("UnknownPost", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		c := &feed.Comment{PostID: "q", AuthorName: "Bob", Content: "hi"}
		wantCode(t, s.CreateComment(t.Context(), c), feed.ENOTFOUND)
		checkNoComments(t, s)
	})

	t.Run("DeletedPost", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		deletePost(t, s, "p")
		c := &feed.Comment{PostID: "p", AuthorName: "Bob", Content: "hi"}
		wantCode(t, s.CreateComment(t.Context(), c), feed.EGONE)
	})

	t.Run("Status", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		if c := createComment(t, s, "a", "p", "", at(1)); c.Status != feed.StatusApproved {
			t.Errorf("Status = %q by default, want approved", c.Status)
		}
		for _, st := range []feed.Status{feed.StatusPending, feed.StatusSpam, feed.StatusApproved} {
			c := &feed.Comment{ID: "c-" + string(st), PostID: "p", AuthorName: "Bob", Content: "hi", Status: st}
			if err := s.CreateComment(t.Context(), c); err != nil {
				t.Fatalf("CreateComment(%s): %v", st, err)
			}
			got, err := s.Comment(t.Context(), c.ID)
			if err != nil {
				t.Fatalf("Comment: %v", err)
			}
			checkComment(t, got, c)
		}
	})

	t.Run("ParentFromOtherPost", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		createPost(t, s, "q", "Q", at(0))
		createComment(t, s, "on-q", "q", "", at(1))
		c := &feed.Comment{ID: "c", PostID: "p", ParentID: "on-q", AuthorName: "Bob", Content: "hi"}
		err := s.CreateComment(t.Context(), c)
		wantCode(t, err, feed.EINVALID)
		if !strings.Contains(feed.ErrorMessage(err), "parent_id") {
			t.Errorf("message %q does not name parent_id", feed.ErrorMessage(err))
		}
		if _, err := s.Comment(t.Context(), "c"); feed.ErrorCode(err) != feed.ENOTFOUND {
			t.Errorf("rejected comment was stored (Comment: %v)", err)
		}
	})

	t.Run("UnknownParent", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		c := &feed.Comment{PostID: "p", ParentID: "nope", AuthorName: "Bob", Content: "hi"}
		err := s.CreateComment(t.Context(), c)
		wantCode(t, err, feed.EINVALID)
		if !strings.Contains(feed.ErrorMessage(err), "parent_id") {
			t.Errorf("message %q does not name parent_id", feed.ErrorMessage(err))
		}
		checkNoComments(t, s)
	})

	t.Run("DuplicateID", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		createPost(t, s, "q", "Q", at(0))
		createComment(t, s, "c", "p", "", at(1))
		c := &feed.Comment{ID: "c", PostID: "q", AuthorName: "Eve", Content: "again"}
		wantCode(t, s.CreateComment(t.Context(), c), feed.ECONFLICT)
		got, err := s.Comment(t.Context(), "c")
		if err != nil {
			t.Fatalf("Comment: %v", err)
		}
		if got.PostID != "p" || got.AuthorName != "Ann" {
			t.Errorf("after a duplicate, comment = %+v, want the first one", got)
		}
		c = &feed.Comment{ID: "c", PostID: "p", AuthorName: "Eve", Content: "same post"}
		wantCode(t, s.CreateComment(t.Context(), c), feed.ECONFLICT)
	})

	t.Run("InvalidID", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		for _, id := range []string{"a b", "a.b", strings.Repeat("a", feed.MaxIDLen+1)} {
			c := &feed.Comment{ID: id, PostID: "p", AuthorName: "Bob", Content: "hi"}
			wantCode(t, s.CreateComment(t.Context(), c), feed.EINVALID)
		}
		checkNoComments(t, s)
	})

	t.Run("Invalid", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		for _, c := range []*feed.Comment{
			{PostID: "p", Content: "no author"},
			{PostID: "p", AuthorName: "Bob", Content: "  "},
			{PostID: "p", AuthorName: "Bob", Content: "hi", AuthorURI: "javascript:alert(1)"},
			{PostID: "p", AuthorName: "Bob", Content: "hi", ParentID: "not valid"},
			{AuthorName: "Bob", Content: "no post"},
		} {
			wantCode(t, s.CreateComment(t.Context(), c), feed.EINVALID)
		}
		checkNoComments(t, s)
	})

	t.Run("Concurrent", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		createComment(t, s, "root", "p", "", at(0))
		const writers, each = 8, 5
		concurrently(t, writers, func(i int) error {
			for j := range each {
				c := &feed.Comment{PostID: "p", ParentID: "root", AuthorName: "Bob", Content: "hi"}
				if err := s.CreateComment(t.Context(), c); err != nil {
					return err
				}
				p := &feed.Post{Title: "T", Content: "c"} // interleave writes to posts
				if j == 0 {
					if err := s.CreatePost(t.Context(), p); err != nil {
						return err
					}
				}
			}
			return nil
		})
		counts, err := s.ThreadStats(t.Context(), []string{"p"})
		if err != nil {
			t.Fatalf("ThreadStats: %v", err)
		}
		if got, want := counts["p"].Count, writers*each+1; got != want {
			t.Errorf("got %d comments, want %d", got, want)
		}
	})
}

// checkNoComments fails the test if s holds any comment.
func checkNoComments(t *testing.T, s store.Store) {
	t.Helper()
	comments, err := s.Comments(t.Context(), store.CommentFilter{})
	if err != nil {
		t.Fatalf("Comments: %v", err)
	}
	if len(comments) != 0 {
		t.Errorf("failed writes stored comments %s", commentIDs(comments))
	}
}

func testComment(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("OK", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		createPost(t, s, "q", "Title Q", at(0))
		want := createComment(t, s, "c", "q", "", at(1))
		createComment(t, s, "d", "p", "", at(2))
		got, err := s.Comment(t.Context(), "c")
		if err != nil {
			t.Fatalf("Comment: %v", err)
		}
		checkComment(t, got, want)
		if got.PostTitle != "Title Q" {
			t.Errorf("PostTitle = %q, want %q", got.PostTitle, "Title Q")
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		_, err := s.Comment(t.Context(), "p") // a post id is no comment id
		wantCode(t, err, feed.ENOTFOUND)
	})

	t.Run("Gone", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		createPost(t, s, "q", "Q", at(0))
		createComment(t, s, "c", "p", "", at(1))
		createComment(t, s, "d", "q", "", at(1))
		createPending(t, s, "w", "q", at(2))
		deleteComment(t, s, "c")
		deletePost(t, s, "q") // and with it d and w
		for _, id := range []string{"c", "d", "w"} {
			_, err := s.Comment(t.Context(), id)
			wantCode(t, err, feed.EGONE)
		}
	})
}

func testComments(t *testing.T, open func(t *testing.T) store.Store) {
	// seed stores two posts with comments. Newest first, p's thread is
	// "p4 p3b p3a p2 p1" (p3a and p3b share a time) and the site's comments
	// are "q5 p4 p3b p3a q2 p2 p1".
	seed := func(t *testing.T, s store.Store) {
		createPost(t, s, "p", "Post P", at(0))
		createPost(t, s, "q", "Post Q", at(0))
		createComment(t, s, "p2", "p", "", at(2))
		createComment(t, s, "q5", "q", "", at(5))
		createComment(t, s, "p3b", "p", "p2", at(3))
		createComment(t, s, "p1", "p", "", at(1))
		createComment(t, s, "q2", "q", "q5", at(2))
		createComment(t, s, "p3a", "p", "", at(3))
		createComment(t, s, "p4", "p", "p3a", at(4))
		createPost(t, s, "r", "Post R", at(9)) // no comments
	}
	list := func(t *testing.T, s store.Store, f store.CommentFilter) []*feed.Comment {
		t.Helper()
		comments, err := s.Comments(t.Context(), f)
		if err != nil {
			t.Fatalf("Comments(%+v): %v", f, err)
		}
		return comments
	}

	t.Run("ThreadOrder", func(t *testing.T) {
		s := newStore(t, open)
		seed(t, s)
		comments := list(t, s, store.CommentFilter{PostID: "p"})
		if got, want := commentIDs(comments), "p4 p3b p3a p2 p1"; got != want {
			t.Errorf("thread = %s, want %s", got, want)
		}
	})

	t.Run("AllOrder", func(t *testing.T) {
		s := newStore(t, open)
		seed(t, s)
		comments := list(t, s, store.CommentFilter{})
		if got, want := commentIDs(comments), "q5 p4 p3b p3a q2 p2 p1"; got != want {
			t.Errorf("comments = %s, want %s", got, want)
		}
	})

	t.Run("PostTitle", func(t *testing.T) {
		s := newStore(t, open)
		seed(t, s)
		for _, c := range list(t, s, store.CommentFilter{}) {
			if want := "Post " + strings.ToUpper(c.PostID); c.PostTitle != want {
				t.Errorf("comment %s PostTitle = %q, want %q", c.ID, c.PostTitle, want)
			}
		}
		comments := list(t, s, store.CommentFilter{PostID: "q"})
		if len(comments) == 0 {
			t.Fatal("thread q is empty")
		}
		want := &feed.Comment{ID: "q5", PostID: "q", AuthorName: "Ann", Content: "comment q5", Status: feed.StatusApproved,
			Published: at(5), Updated: at(5), PostTitle: "Post Q", PostUpdated: at(0)}
		checkComment(t, comments[0], want)
	})

	t.Run("Limit", func(t *testing.T) {
		s := newStore(t, open)
		seed(t, s)
		for _, tt := range []struct {
			f    store.CommentFilter
			want string
		}{
			{store.CommentFilter{Limit: 2}, "q5 p4"},
			{store.CommentFilter{Limit: 100}, "q5 p4 p3b p3a q2 p2 p1"},
			{store.CommentFilter{PostID: "p", Limit: 3}, "p4 p3b p3a"},
			{store.CommentFilter{PostID: "q", Limit: 1}, "q5"},
			{store.CommentFilter{PostID: "q"}, "q5 q2"},
		} {
			if got := commentIDs(list(t, s, tt.f)); got != tt.want {
				t.Errorf("Comments(%+v) = %s, want %s", tt.f, got, tt.want)
			}
		}
	})

	t.Run("EmptyThread", func(t *testing.T) {
		s := newStore(t, open)
		seed(t, s)
		if comments := list(t, s, store.CommentFilter{PostID: "r"}); len(comments) != 0 {
			t.Errorf("thread of a post without comments = %s, want none", commentIDs(comments))
		}
	})

	t.Run("UnknownPost", func(t *testing.T) {
		s := newStore(t, open)
		seed(t, s)
		_, err := s.Comments(t.Context(), store.CommentFilter{PostID: "nope"})
		wantCode(t, err, feed.ENOTFOUND)
	})

	t.Run("DeletedPost", func(t *testing.T) {
		s := newStore(t, open)
		seed(t, s)
		deletePost(t, s, "q")
		_, err := s.Comments(t.Context(), store.CommentFilter{PostID: "q"})
		wantCode(t, err, feed.EGONE)
		_, err = s.Comments(t.Context(), store.CommentFilter{PostID: "q", Statuses: allStatuses})
		wantCode(t, err, feed.EGONE)
		if got, want := commentIDs(list(t, s, store.CommentFilter{})), "p4 p3b p3a p2 p1"; got != want {
			t.Errorf("comments = %s, want %s", got, want)
		}
		deletePost(t, s, "r") // no comments
		_, err = s.Comments(t.Context(), store.CommentFilter{PostID: "r"})
		wantCode(t, err, feed.EGONE)
	})

	t.Run("DeletedComment", func(t *testing.T) {
		s := newStore(t, open)
		seed(t, s)
		deleteComment(t, s, "p3a") // p4 replies to it, and stays
		if got, want := commentIDs(list(t, s, store.CommentFilter{PostID: "p"})), "p4 p3b p2 p1"; got != want {
			t.Errorf("thread = %s, want %s", got, want)
		}
		if got, want := commentIDs(list(t, s, store.CommentFilter{Limit: 3})), "q5 p4 p3b"; got != want {
			t.Errorf("comments = %s, want %s", got, want)
		}
	})

	t.Run("Empty", func(t *testing.T) {
		s := newStore(t, open)
		checkNoComments(t, s)
	})
}
