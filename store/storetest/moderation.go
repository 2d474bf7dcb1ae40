package storetest

import (
	"maps"
	"strings"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// updateComment updates a comment and checks that what UpdateComment
// returned is what Comment reads, failing the test on error.
func updateComment(t *testing.T, s store.Store, id string, u store.CommentUpdate) *feed.Comment {
	t.Helper()
	c, err := s.UpdateComment(t.Context(), id, u)
	if err != nil {
		t.Fatalf("UpdateComment(%q): %v", id, err)
	}
	if got, err := s.Comment(t.Context(), id); err == nil {
		checkComment(t, got, c)
	} else if feed.ErrorCode(err) != feed.EGONE {
		t.Fatalf("Comment(%q): %v", id, err)
	}
	return c
}

func testUpdateComment(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Edit", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		createComment(t, s, "c1", "p", "", at(1))
		old := createComment(t, s, "c2", "p", "c1", at(2))
		before := now(t)
		c := updateComment(t, s, "c2", store.CommentUpdate{
			Content:    ptr("edited"),
			AuthorName: ptr(" Bob "),
			AuthorURI:  ptr("https://bob.example/"),
		})
		checkClock(t, "Updated", c.Updated, before, now(t))
		want := *old
		want.Content, want.AuthorName, want.AuthorURI, want.Updated = "edited", "Bob", "https://bob.example/", c.Updated
		checkComment(t, c, &want) // id, post, parent, depth, status, published stay
		if stats := threadStats(t, s, "p"); !stats["p"].Updated.Equal(c.Updated) {
			t.Errorf("ThreadStats Updated = %v, want the edit's %v", stats["p"].Updated, c.Updated)
		}
		// Edits within one second still move Updated.
		again := updateComment(t, s, "c2", store.CommentUpdate{Content: ptr("again")})
		if !again.Updated.After(c.Updated) {
			t.Errorf("Updated = %v after a second edit, want after %v", again.Updated, c.Updated)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		old := createComment(t, s, "c", "p", "", at(1))
		for _, u := range []store.CommentUpdate{
			{Content: ptr(" ")},
			{AuthorName: ptr("")},
			{AuthorURI: ptr("ftp://x.example/")},
			{Status: ptr(feed.Status("ham"))},
			{Status: ptr(feed.StatusPending)}, // an approved comment cannot go back
		} {
			_, err := s.UpdateComment(t.Context(), "c", u)
			wantCode(t, err, feed.EINVALID)
		}
		got, err := s.Comment(t.Context(), "c")
		if err != nil {
			t.Fatalf("Comment: %v", err)
		}
		checkComment(t, got, old)
	})

	t.Run("Approve", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		pending := createPending(t, s, "c", "p", at(1))
		before := now(t)
		c := updateComment(t, s, "c", store.CommentUpdate{Status: ptr(feed.StatusApproved)})
		after := now(t)
		// New to readers, so Updated moves, and Published with it: dated
		// as approved, it joins the newest page of its feeds, not an
		// archive that is full (issue 14 item 7).
		checkClock(t, "Updated", c.Updated, before, after)
		checkClock(t, "Published", c.Published, before, after)
		want := *pending
		want.Status, want.Updated, want.Published = feed.StatusApproved, c.Updated, c.Published
		checkComment(t, c, &want)
		if got := commentIDs(comments(t, s, store.CommentFilter{PostID: "p"})); got != "c" {
			t.Errorf("thread = %s, want c", got)
		}
		if stats := threadStats(t, s, "p"); !maps.Equal(stats, map[string]feed.ThreadStats{"p": {Count: 1, Updated: c.Updated}}) {
			t.Errorf("ThreadStats = %v", stats)
		}
	})

	t.Run("SpamApproved", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		createComment(t, s, "c1", "p", "", at(1))
		reply := createComment(t, s, "c2", "p", "c1", at(2))
		before := now(t)
		c := updateComment(t, s, "c1", store.CommentUpdate{Status: ptr(feed.StatusSpam)})
		after := now(t)
		if c.Status != feed.StatusSpam {
			t.Errorf("Status = %q, want spam", c.Status)
		}
		// Feeds showed it: it is deleted, and leaves a tombstone.
		_, err := s.Comment(t.Context(), "c1")
		wantCode(t, err, feed.EGONE)
		if got := commentIDs(comments(t, s, store.CommentFilter{Statuses: allStatuses})); got != "c2" {
			t.Errorf("comments of any status = %s, want c2", got)
		}
		for _, ref := range []feed.Ref{feed.CommentsFeed, feed.ThreadFeed("p")} {
			stones := tombstones(t, s, ref, 0)
			if got := stoneIDs(stones); got != "p/c1" {
				t.Fatalf("tombstones of %s = %s, want p/c1", ref, got)
			}
			checkClock(t, "Deleted", stones[0].Deleted, before, after)
		}
		// Its reply stays, still naming it.
		got, err := s.Comment(t.Context(), "c2")
		if err != nil {
			t.Fatalf("Comment(c2): %v", err)
		}
		checkComment(t, got, reply)
		_, err = s.UpdateComment(t.Context(), "c1", store.CommentUpdate{Status: ptr(feed.StatusApproved)})
		wantCode(t, err, feed.EGONE)
	})

	t.Run("SpamPending", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		pending := createPending(t, s, "c", "p", at(1))
		c := updateComment(t, s, "c", store.CommentUpdate{Status: ptr(feed.StatusSpam)})
		want := *pending
		want.Status, want.Updated = feed.StatusSpam, c.Updated
		checkComment(t, c, &want) // not deleted: Comment still reads it
		if got := commentIDs(comments(t, s, store.CommentFilter{Statuses: []feed.Status{feed.StatusSpam}})); got != "c" {
			t.Errorf("spam = %s, want c", got)
		}
		checkNoComments(t, s)
		// No feed showed it: no tombstone, now or once deleted.
		if got := stoneIDs(tombstones(t, s, feed.CommentsFeed, 0)); got != "" {
			t.Errorf("tombstones = %s, want none", got)
		}
		deleteComment(t, s, "c")
		if got := stoneIDs(tombstones(t, s, feed.CommentsFeed, 0)); got != "" {
			t.Errorf("tombstones after delete = %s, want none", got)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		_, err := s.UpdateComment(t.Context(), "p", store.CommentUpdate{Content: ptr("x")})
		wantCode(t, err, feed.ENOTFOUND)
	})

	t.Run("Gone", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		createComment(t, s, "c", "p", "", at(1))
		createComment(t, s, "d", "p", "", at(1))
		deleteComment(t, s, "c")
		_, err := s.UpdateComment(t.Context(), "c", store.CommentUpdate{Content: ptr("x")})
		wantCode(t, err, feed.EGONE)
		deletePost(t, s, "p")
		_, err = s.UpdateComment(t.Context(), "d", store.CommentUpdate{Content: ptr("x")})
		wantCode(t, err, feed.EGONE)
	})
}

func testDeleteComment(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("OK", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		c1 := createComment(t, s, "c1", "p", "", at(1))
		c2 := createComment(t, s, "c2", "p", "c1", at(2))
		createComment(t, s, "c3", "p", "", at(3))
		before := now(t)
		got := deleteComment(t, s, "c1")
		after := now(t)
		checkComment(t, got, c1) // as it was
		_, err := s.Comment(t.Context(), "c1")
		wantCode(t, err, feed.EGONE)
		if msg := feed.ErrorMessage(err); msg != `comment "c1" was deleted` {
			t.Errorf("message = %q", msg)
		}
		// Its reply stays, still naming it.
		if got := commentIDs(comments(t, s, store.CommentFilter{PostID: "p"})); got != "c3 c2" {
			t.Errorf("thread = %s, want c3 c2", got)
		}
		reply, err := s.Comment(t.Context(), "c2")
		if err != nil {
			t.Fatalf("Comment(c2): %v", err)
		}
		checkComment(t, reply, c2)
		if stats := threadStats(t, s, "p"); stats["p"].Count != 2 {
			t.Errorf("ThreadStats count = %d, want 2", stats["p"].Count)
		}
		stones := tombstones(t, s, feed.ThreadFeed("p"), 0)
		if got := stoneIDs(stones); got != "p/c1" {
			t.Fatalf("thread tombstones = %s, want p/c1", got)
		}
		checkClock(t, "Deleted", stones[0].Deleted, before, after)
		// A deleted comment takes no replies, and keeps its id.
		c := &feed.Comment{PostID: "p", ParentID: "c1", AuthorName: "Bob", Content: "hi"}
		err = s.CreateComment(t.Context(), c)
		wantCode(t, err, feed.EINVALID)
		if !strings.Contains(feed.ErrorMessage(err), "parent_id") {
			t.Errorf("message %q does not name parent_id", feed.ErrorMessage(err))
		}
		c = &feed.Comment{ID: "c1", PostID: "p", AuthorName: "Bob", Content: "hi"}
		wantCode(t, s.CreateComment(t.Context(), c), feed.ECONFLICT)
	})

	t.Run("Pending", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		pending := createPending(t, s, "c", "p", at(1))
		checkComment(t, deleteComment(t, s, "c"), pending)
		_, err := s.Comment(t.Context(), "c")
		wantCode(t, err, feed.EGONE)
		if got := commentIDs(comments(t, s, store.CommentFilter{Statuses: allStatuses})); got != "" {
			t.Errorf("comments = %s, want none", got)
		}
		// It never showed in a feed: no tombstone.
		if got := stoneIDs(tombstones(t, s, feed.CommentsFeed, 0)); got != "" {
			t.Errorf("tombstones = %s, want none", got)
		}
	})

	t.Run("Twice", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		createComment(t, s, "c", "p", "", at(1))
		deleteComment(t, s, "c")
		_, err := s.DeleteComment(t.Context(), "c")
		wantCode(t, err, feed.EGONE)
	})

	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		_, err := s.DeleteComment(t.Context(), "c")
		wantCode(t, err, feed.ENOTFOUND)
	})

	t.Run("PostGone", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		createComment(t, s, "c", "p", "", at(1))
		deletePost(t, s, "p")
		_, err := s.DeleteComment(t.Context(), "c")
		wantCode(t, err, feed.EGONE)
	})
}

func testModeration(t *testing.T, open func(t *testing.T) store.Store) {
	// seed stores post p with approved a1 and a2, pending w3, and post q
	// with pending w4 and spam s5 (created as spam, as a filter would).
	seed := func(t *testing.T, s store.Store) {
		createPost(t, s, "p", "P", at(0))
		createPost(t, s, "q", "Q", at(0))
		createComment(t, s, "a1", "p", "", at(1))
		createComment(t, s, "a2", "p", "a1", at(2))
		createPending(t, s, "w3", "p", at(3))
		createPending(t, s, "w4", "q", at(4))
		c := &feed.Comment{ID: "s5", PostID: "q", AuthorName: "Sam", Content: "buy", Status: feed.StatusSpam, Published: at(5)}
		if err := s.CreateComment(t.Context(), c); err != nil {
			t.Fatalf("CreateComment(spam): %v", err)
		}
	}

	t.Run("PendingHidden", func(t *testing.T) {
		s := newStore(t, open)
		seed(t, s)
		for _, tt := range []struct {
			f    store.CommentFilter
			want string
		}{
			{store.CommentFilter{}, "a2 a1"},
			{store.CommentFilter{PostID: "p"}, "a2 a1"},
			{store.CommentFilter{PostID: "q"}, ""},
			{store.CommentFilter{Statuses: []feed.Status{feed.StatusPending}}, "w4 w3"},
			{store.CommentFilter{Statuses: []feed.Status{feed.StatusSpam}}, "s5"},
			{store.CommentFilter{Statuses: []feed.Status{feed.StatusApproved}}, "a2 a1"},
			{store.CommentFilter{Statuses: []feed.Status{feed.StatusPending, feed.StatusApproved}}, "w4 w3 a2 a1"},
			{store.CommentFilter{Statuses: allStatuses, PostID: "q"}, "s5 w4"},
			{store.CommentFilter{Statuses: allStatuses, Limit: 2}, "s5 w4"},
		} {
			if got := commentIDs(comments(t, s, tt.f)); got != tt.want {
				t.Errorf("Comments(%+v) = %s, want %s", tt.f, got, tt.want)
			}
		}
		if stats := threadStats(t, s, "p", "q"); !maps.Equal(stats, map[string]feed.ThreadStats{"p": {Count: 2, Updated: at(2)}}) {
			t.Errorf("ThreadStats = %v, want p's two approved comments", stats)
		}
		c, err := s.Comment(t.Context(), "w3")
		if err != nil {
			t.Fatalf("Comment(pending): %v", err)
		}
		if c.Status != feed.StatusPending || c.PostTitle != "P" {
			t.Errorf("Comment(w3) = %+v, want pending, of P", c)
		}
	})

	t.Run("ReplyToUnapproved", func(t *testing.T) {
		s := newStore(t, open)
		seed(t, s)
		for _, parent := range []string{"w3", "w4", "s5"} {
			c := &feed.Comment{PostID: "p", ParentID: parent, AuthorName: "Bob", Content: "hi"}
			if parent != "w3" {
				c.PostID = "q"
			}
			err := s.CreateComment(t.Context(), c)
			wantCode(t, err, feed.EINVALID)
			if !strings.Contains(feed.ErrorMessage(err), "parent_id") {
				t.Errorf("message %q does not name parent_id", feed.ErrorMessage(err))
			}
		}
		// A pending reply to an approved comment is fine.
		c := &feed.Comment{PostID: "p", ParentID: "a2", AuthorName: "Bob", Content: "hi", Status: feed.StatusPending}
		if err := s.CreateComment(t.Context(), c); err != nil {
			t.Fatalf("CreateComment(pending reply): %v", err)
		}
		if c.Status != feed.StatusPending || c.Depth != 2 {
			t.Errorf("pending reply: Status %q Depth %d, want pending 2", c.Status, c.Depth)
		}
	})

	t.Run("InvalidStatus", func(t *testing.T) {
		s := newStore(t, open)
		seed(t, s)
		c := &feed.Comment{PostID: "p", AuthorName: "Bob", Content: "hi", Status: "ham"}
		wantCode(t, s.CreateComment(t.Context(), c), feed.EINVALID)
		_, err := s.Comments(t.Context(), store.CommentFilter{Statuses: []feed.Status{"ham"}})
		wantCode(t, err, feed.EINVALID)
		_, err = s.Comments(t.Context(), store.CommentFilter{Statuses: []feed.Status{"approved' OR 1=1 --"}})
		wantCode(t, err, feed.EINVALID)
	})
}

func testHasApprovedAuthor(t *testing.T, open func(t *testing.T) store.Store) {
	has := func(t *testing.T, s store.Store, hash string) bool {
		t.Helper()
		ok, err := s.HasApprovedAuthor(t.Context(), hash)
		if err != nil {
			t.Fatalf("HasApprovedAuthor(%q): %v", hash, err)
		}
		return ok
	}
	create := func(t *testing.T, s store.Store, id, hash string, status feed.Status) {
		t.Helper()
		c := &feed.Comment{ID: id, PostID: "p", AuthorName: "Ann", AuthorHash: hash, Content: "hi " + id, Status: status}
		if err := s.CreateComment(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("OK", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		if has(t, s, "h1") {
			t.Error("an empty store has an approved author")
		}
		create(t, s, "c", "h1", "")
		create(t, s, "d", "", "") // no address: no hash
		if !has(t, s, "h1") {
			t.Error("the approved comment's hash is not known")
		}
		if has(t, s, "H1") || has(t, s, "h2") {
			t.Error("another hash is known")
		}
		if has(t, s, "") {
			t.Error("the empty hash is known")
		}
		// The hash is private: reads do not carry it.
		if c := comments(t, s, store.CommentFilter{PostID: "p"}); len(c) != 2 || c[0].AuthorHash != "" || c[1].AuthorHash != "" {
			t.Errorf("Comments carry the author hash: %+v", c)
		}
	})

	t.Run("PendingAndSpam", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		create(t, s, "w", "hp", feed.StatusPending)
		if has(t, s, "hp") {
			t.Error("a pending comment counts as approved")
		}
		updateComment(t, s, "w", store.CommentUpdate{Status: ptr(feed.StatusSpam)})
		if has(t, s, "hp") {
			t.Error("a spam comment counts as approved")
		}
		create(t, s, "v", "hp", feed.StatusPending)
		updateComment(t, s, "v", store.CommentUpdate{Status: ptr(feed.StatusApproved)})
		if !has(t, s, "hp") {
			t.Error("an approved comment does not count")
		}
	})

	t.Run("Deleted", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		createPost(t, s, "q", "Q", at(0))
		create(t, s, "c", "hd", "")
		deleteComment(t, s, "c")
		if has(t, s, "hd") {
			t.Error("a deleted comment counts")
		}
		c := &feed.Comment{ID: "d", PostID: "q", AuthorName: "Ann", AuthorHash: "hd", Content: "x"}
		if err := s.CreateComment(t.Context(), c); err != nil {
			t.Fatal(err)
		}
		deletePost(t, s, "q")
		if has(t, s, "hd") {
			t.Error("a comment of a deleted post counts")
		}
	})
}

func testDepth(t *testing.T, open func(t *testing.T) store.Store) {
	s := newStore(t, open)
	createPost(t, s, "p", "P", at(0))
	want := map[string]int{"c0": 0, "c1": 1, "c2": 2, "c3": 3, "d0": 0, "d1": 1, "e2": 2}
	for _, c := range []struct{ id, parent string }{
		{"c0", ""}, {"c1", "c0"}, {"c2", "c1"}, {"c3", "c2"}, {"d0", ""}, {"d1", "d0"}, {"e2", "c1"},
	} {
		got := createComment(t, s, c.id, "p", c.parent, at(len(c.id)))
		if got.Depth != want[c.id] {
			t.Errorf("CreateComment(%s).Depth = %d, want %d", c.id, got.Depth, want[c.id])
		}
	}
	thread := comments(t, s, store.CommentFilter{PostID: "p"})
	if len(thread) != len(want) {
		t.Errorf("Comments = %s, want %d comments", commentIDs(thread), len(want))
	}
	for _, c := range thread {
		if c.Depth != want[c.ID] {
			t.Errorf("Comments: %s.Depth = %d, want %d", c.ID, c.Depth, want[c.ID])
		}
	}
	// Depth is the comment's own: deleting an ancestor does not move it.
	deleteComment(t, s, "c1")
	c, err := s.Comment(t.Context(), "c3")
	if err != nil {
		t.Fatalf("Comment: %v", err)
	}
	if c.Depth != 3 {
		t.Errorf("after deleting an ancestor, Depth = %d, want 3", c.Depth)
	}
}
