package storetest

import (
	"maps"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

func testUpdatePost(t *testing.T, open func(t *testing.T) store.Store) {
	// seed stores post p, published at(0) and updated at(5), and q.
	seed := func(t *testing.T, s store.Store) *feed.Post {
		t.Helper()
		p := &feed.Post{ID: "p", Title: "Old", Content: "<p>old</p>", Summary: "sum", AuthorName: "Ann",
			AuthorURI: "https://ann.example/", Categories: []string{"a", "b"}, Published: at(0), Updated: at(5)}
		if err := s.CreatePost(t.Context(), p); err != nil {
			t.Fatalf("CreatePost: %v", err)
		}
		createPost(t, s, "q", "Q", at(1))
		return p
	}
	update := func(t *testing.T, s store.Store, id string, u store.PostUpdate) *feed.Post {
		t.Helper()
		p, err := s.UpdatePost(t.Context(), id, u)
		if err != nil {
			t.Fatalf("UpdatePost(%q): %v", id, err)
		}
		got, err := s.Post(t.Context(), id)
		if err != nil {
			t.Fatalf("Post(%q): %v", id, err)
		}
		checkPost(t, got, p) // what it returned is what it stored
		return p
	}

	t.Run("OK", func(t *testing.T) {
		s := newStore(t, open)
		seed(t, s)
		p := update(t, s, "p", store.PostUpdate{
			Title:      ptr(" New "),
			Content:    ptr("# New"),
			Format:     ptr(feed.FormatMarkdown),
			Summary:    ptr(""),
			AuthorName: ptr("Bea"),
			AuthorURI:  ptr("mailto:bea@example.com"),
			Categories: ptr([]string{"c", " a ", "c"}),
		})
		want := &feed.Post{ID: "p", Title: "New", Content: "# New", Format: feed.FormatMarkdown,
			AuthorName: "Bea", AuthorURI: "mailto:bea@example.com", Categories: []string{"c", "a"},
			Published: at(0), Updated: p.Updated}
		checkPost(t, p, want)
		// The other post is untouched.
		q, err := s.Post(t.Context(), "q")
		if err != nil {
			t.Fatalf("Post(q): %v", err)
		}
		checkPost(t, q, &feed.Post{ID: "q", Title: "Q", Content: "<p>Q</p>", Format: feed.FormatHTML,
			Published: at(1), Updated: at(1)})
		// Clearing the categories.
		p = update(t, s, "p", store.PostUpdate{Categories: ptr([]string{})})
		if len(p.Categories) != 0 {
			t.Errorf("categories = %q after clearing them", p.Categories)
		}
	})

	t.Run("KeepsIDAndPublished", func(t *testing.T) {
		s := newStore(t, open)
		old := seed(t, s)
		p := update(t, s, "p", store.PostUpdate{Title: ptr("New")})
		want := *old
		want.Title, want.Updated = "New", p.Updated
		checkPost(t, p, &want) // and every field not given stays
		p = update(t, s, "p", store.PostUpdate{})
		want.Updated = p.Updated
		checkPost(t, p, &want)
	})

	t.Run("MovesUpdated", func(t *testing.T) {
		s := newStore(t, open)
		seed(t, s)
		before := now(t)
		p := update(t, s, "p", store.PostUpdate{Title: ptr("New")})
		checkClock(t, "Updated", p.Updated, before, now(t))
		// Edits within one second still move Updated, a second at a time.
		prev := p.Updated
		for range 3 {
			p = update(t, s, "p", store.PostUpdate{Content: ptr("again")})
			if !p.Updated.After(prev) {
				t.Fatalf("Updated = %v after an edit, want after %v", p.Updated, prev)
			}
			prev = p.Updated
		}
		// A post dated ahead of the clock moves by one second.
		future := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
		f := &feed.Post{ID: "f", Title: "F", Content: "f", Published: at(0), Updated: future}
		if err := s.CreatePost(t.Context(), f); err != nil {
			t.Fatalf("CreatePost: %v", err)
		}
		f = update(t, s, "f", store.PostUpdate{Title: ptr("G")})
		checkTime(t, "Updated", f.Updated, future.Add(time.Second))
		checkTime(t, "Published", f.Published, at(0))
	})

	t.Run("Invalid", func(t *testing.T) {
		s := newStore(t, open)
		old := seed(t, s)
		for _, u := range []store.PostUpdate{
			{Title: ptr(" ")},
			{Content: ptr("")},
			{Format: ptr("rtf")},
			{AuthorURI: ptr("javascript:alert(1)")},
			{Title: ptr("two\nlines")},
			{Categories: ptr([]string{"ok", ""})},
		} {
			_, err := s.UpdatePost(t.Context(), "p", u)
			wantCode(t, err, feed.EINVALID)
		}
		got, err := s.Post(t.Context(), "p")
		if err != nil {
			t.Fatalf("Post: %v", err)
		}
		checkPost(t, got, old) // unchanged, Updated included
	})

	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t, open)
		seed(t, s)
		_, err := s.UpdatePost(t.Context(), "nope", store.PostUpdate{Title: ptr("T")})
		wantCode(t, err, feed.ENOTFOUND)
	})

	t.Run("Gone", func(t *testing.T) {
		s := newStore(t, open)
		seed(t, s)
		deletePost(t, s, "p")
		_, err := s.UpdatePost(t.Context(), "p", store.PostUpdate{Title: ptr("T")})
		wantCode(t, err, feed.EGONE)
	})
}

// deletePost deletes a post, failing the test on error.
func deletePost(t *testing.T, s store.Store, id string) *feed.Post {
	t.Helper()
	p, err := s.DeletePost(t.Context(), id)
	if err != nil {
		t.Fatalf("DeletePost(%q): %v", id, err)
	}
	return p
}

// deleteComment deletes a comment, failing the test on error.
func deleteComment(t *testing.T, s store.Store, id string) *feed.Comment {
	t.Helper()
	c, err := s.DeleteComment(t.Context(), id)
	if err != nil {
		t.Fatalf("DeleteComment(%q): %v", id, err)
	}
	return c
}

func testDeletePost(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("OK", func(t *testing.T) {
		s := newStore(t, open)
		p := createPost(t, s, "p", "P", at(0))
		createPost(t, s, "q", "Q", at(1))
		before := now(t)
		got := deletePost(t, s, "p")
		after := now(t)
		checkPost(t, got, p) // as it was
		_, err := s.Post(t.Context(), "p")
		wantCode(t, err, feed.EGONE)
		if msg := feed.ErrorMessage(err); msg != `post "p" was deleted` {
			t.Errorf("message = %q", msg)
		}
		posts, err := s.Posts(t.Context(), store.PostFilter{})
		if err != nil {
			t.Fatalf("Posts: %v", err)
		}
		if got := postIDs(posts); got != "q" {
			t.Errorf("Posts = %s, want q", got)
		}
		_, err = s.Comments(t.Context(), store.CommentFilter{PostID: "p"})
		wantCode(t, err, feed.EGONE)
		stones := tombstones(t, s, feed.PostsFeed, 0)
		if got := stoneIDs(stones); got != "p" {
			t.Fatalf("posts tombstones = %s, want p", got)
		}
		checkClock(t, "Deleted", stones[0].Deleted, before, after)
		// The id stays taken until purged: the tombstone names it.
		wantCode(t, s.CreatePost(t.Context(), &feed.Post{ID: "p", Title: "P", Content: "c"}), feed.ECONFLICT)
	})

	t.Run("CommentsGoToo", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		createPost(t, s, "q", "Q", at(0))
		createComment(t, s, "p1", "p", "", at(1))
		createComment(t, s, "p2", "p", "p1", at(2))
		createPending(t, s, "p3", "p", at(3))
		createComment(t, s, "q1", "q", "", at(1))
		deletePost(t, s, "p")
		for _, id := range []string{"p1", "p2", "p3"} {
			_, err := s.Comment(t.Context(), id)
			wantCode(t, err, feed.EGONE)
		}
		if got := commentIDs(comments(t, s, store.CommentFilter{Statuses: allStatuses})); got != "q1" {
			t.Errorf("comments = %s, want q1", got)
		}
		if stats := threadStats(t, s, "p", "q"); !maps.Equal(stats, map[string]feed.ThreadStats{"q": {Count: 1, Updated: at(1)}}) {
			t.Errorf("ThreadStats = %v, want only q's", stats)
		}
		// The public comments leave tombstones, at the post's time; the
		// pending one never showed.
		post := tombstones(t, s, feed.PostsFeed, 0)
		stones := tombstones(t, s, feed.CommentsFeed, 0)
		if got := stoneIDs(stones); got != "p/p2 p/p1" {
			t.Errorf("comments tombstones = %s, want p/p2 p/p1", got)
		}
		for _, st := range stones {
			checkTime(t, "Deleted", st.Deleted, post[0].Deleted)
		}
		c := &feed.Comment{PostID: "p", AuthorName: "Bob", Content: "late"}
		wantCode(t, s.CreateComment(t.Context(), c), feed.EGONE)
	})

	t.Run("Twice", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		deletePost(t, s, "p")
		_, err := s.DeletePost(t.Context(), "p")
		wantCode(t, err, feed.EGONE)
	})

	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		_, err := s.DeletePost(t.Context(), "q")
		wantCode(t, err, feed.ENOTFOUND)
		checkPostIDs(t, s, store.PostFilter{}, "p")
	})
}

// checkPostIDs fails the test unless Posts(f) lists the posts want.
func checkPostIDs(t *testing.T, s store.Store, f store.PostFilter, want string) {
	t.Helper()
	posts, err := s.Posts(t.Context(), f)
	if err != nil {
		t.Fatalf("Posts(%+v): %v", f, err)
	}
	if got := postIDs(posts); got != want {
		t.Errorf("Posts(%+v) = %s, want %s", f, got, want)
	}
}
