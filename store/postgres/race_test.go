package postgres

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// Under READ COMMITTED, a check and the write that follows it in one
// transaction do not see the same snapshot; SQLite's single writer never
// interleaves them. These tests race the writes whose checks the row locks
// of posts.go and comments.go protect.

func TestRace_CommentOnDeletedPost(t *testing.T) {
	// A comment racing DeletePost either lands first, and is deleted with
	// the post, or fails with EGONE: no live comment outlives its post.
	db, _ := openTemp(t)
	for round := range 20 {
		id := fmt.Sprint("p", round)
		if err := db.CreatePost(t.Context(), &feed.Post{ID: id, Title: "P", Content: "c"}); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateComment(t.Context(), &feed.Comment{ID: id + "-root", PostID: id, AuthorName: "A", Content: "c"}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := range 5 {
					c := &feed.Comment{PostID: id, ParentID: id + "-root", AuthorName: "A", Content: fmt.Sprint(w, i)}
					if err := db.CreateComment(t.Context(), c); err != nil && feed.ErrorCode(err) != feed.EGONE {
						t.Errorf("CreateComment: %v", err)
					}
				}
			})
		}
		wg.Go(func() {
			time.Sleep(time.Duration(round%5) * time.Millisecond)
			if _, err := db.DeletePost(t.Context(), id); err != nil {
				t.Errorf("DeletePost: %v", err)
			}
		})
		wg.Wait()
	}
	var n int
	const orphans = `SELECT COUNT(*) FROM comments c JOIN posts p ON p.id = c.post_id
		WHERE p.deleted_at IS NOT NULL AND c.deleted_at IS NULL`
	if err := db.sql.QueryRowContext(t.Context(), orphans).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d live comments on deleted posts", n)
	}
}

func TestRace_ReplyToSpam(t *testing.T) {
	// A reply racing the moderator marking its parent spam either lands
	// first or fails with EINVALID: no live reply names a parent that was
	// live and approved only before the reply's commit.
	db, _ := openTemp(t)
	if err := db.CreatePost(t.Context(), &feed.Post{ID: "p", Title: "P", Content: "c"}); err != nil {
		t.Fatal(err)
	}
	for round := range 20 {
		parent := fmt.Sprint("c", round)
		if err := db.CreateComment(t.Context(), &feed.Comment{ID: parent, PostID: "p", AuthorName: "A", Content: "c"}); err != nil {
			t.Fatal(err)
		}
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			replies []*feed.Comment
			spamAt  time.Time
		)
		for range 4 {
			wg.Go(func() {
				c := &feed.Comment{PostID: "p", ParentID: parent, AuthorName: "B", Content: "r"}
				err := db.CreateComment(t.Context(), c)
				switch {
				case err == nil:
					mu.Lock()
					replies = append(replies, c)
					mu.Unlock()
				case feed.ErrorCode(err) != feed.EINVALID:
					t.Errorf("CreateComment: %v", err)
				}
			})
		}
		wg.Go(func() {
			c, err := db.UpdateComment(t.Context(), parent, store.CommentUpdate{Status: ptr(feed.StatusSpam)})
			if err != nil {
				t.Errorf("UpdateComment: %v", err)
				return
			}
			spamAt = c.Updated
		})
		wg.Wait()
		// Every reply that succeeded committed before the parent was
		// marked: its change record comes first.
		records, err := db.Changes(t.Context(), 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		pos := make(map[string]int)
		for i, r := range records {
			if r.Change.Comment != nil {
				pos[r.Change.Comment.ID] = i // the last record of each
			}
		}
		for _, c := range replies {
			if pos[c.ID] > pos[parent] {
				t.Errorf("round %d: reply %s committed after its parent was marked spam at %v", round, c.ID, spamAt)
			}
		}
	}
}

func TestRace_ConcurrentEdits(t *testing.T) {
	// Edits of one post take turns: each starts from the one before, so
	// every edit moves Updated, and none is lost.
	db, _ := openTemp(t)
	if err := db.CreatePost(t.Context(), &feed.Post{ID: "p", Title: "P", Content: "c", Categories: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	const editors = 8
	updated := make([]time.Time, editors)
	var wg sync.WaitGroup
	for i := range editors {
		wg.Go(func() {
			p, err := db.UpdatePost(t.Context(), "p", store.PostUpdate{Categories: ptr([]string{fmt.Sprint("e", i)})})
			if err != nil {
				t.Errorf("UpdatePost: %v", err)
				return
			}
			updated[i] = p.Updated
		})
	}
	wg.Wait()
	seen := make(map[time.Time]bool)
	for _, u := range updated {
		if seen[u] {
			t.Errorf("two edits set Updated to %v: one started from a stale post", u)
		}
		seen[u] = true
	}
	p, err := db.Post(t.Context(), "p")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Categories) != 1 {
		t.Errorf("categories = %q after racing edits, want one editor's", p.Categories)
	}
}
