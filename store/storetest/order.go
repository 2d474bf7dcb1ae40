package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// testLocalOrder: a local entry (neither id nor published given) sorts
// after every entry of its feeds, even in the same second as the newest
// and with the clock stepped back, so that RFC 5005 archives never change
// (issue 14 item 7).
func testLocalOrder(t *testing.T, open func(t *testing.T) store.Store) {
	postIDs := func(t *testing.T, s store.Store) []string {
		t.Helper()
		ps, err := s.Posts(t.Context(), store.PostFilter{Ascending: true})
		if err != nil {
			t.Fatalf("Posts: %v", err)
		}
		var ids []string
		for _, p := range ps {
			ids = append(ids, p.ID)
		}
		return ids
	}
	commentIDs := func(t *testing.T, s store.Store, postID string) []string {
		t.Helper()
		cs, err := s.Comments(t.Context(), store.CommentFilter{PostID: postID, Ascending: true})
		if err != nil {
			t.Fatalf("Comments: %v", err)
		}
		var ids []string
		for _, c := range cs {
			ids = append(ids, c.ID)
		}
		return ids
	}
	same := func(t *testing.T, what string, got, want []string) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s in feed order:\n got %v\nwant %v (creation order)", what, got, want)
		}
	}

	t.Run("SameSecond", func(t *testing.T) {
		s := newStore(t, open)
		var posts []string
		for i := 0; i < 40; i++ {
			p := &feed.Post{Title: "t", Content: "c"}
			if err := s.CreatePost(t.Context(), p); err != nil {
				t.Fatalf("CreatePost: %v", err)
			}
			posts = append(posts, p.ID)
		}
		same(t, "posts", postIDs(t, s), posts)
		// Comments on two threads interleaved: each thread and the site
		// comments feed keep creation order.
		threads := map[string][]string{}
		var all []string
		for i := 0; i < 40; i++ {
			c := &feed.Comment{PostID: posts[i%2], AuthorName: "a", Content: "c"}
			if err := s.CreateComment(t.Context(), c); err != nil {
				t.Fatalf("CreateComment: %v", err)
			}
			if !c.Published.Equal(now(t).Truncate(time.Second)) {
				t.Fatalf("published %v, want the clock's %v", c.Published, now(t))
			}
			threads[c.PostID] = append(threads[c.PostID], c.ID)
			all = append(all, c.ID)
		}
		same(t, "thread 0", commentIDs(t, s, posts[0]), threads[posts[0]])
		same(t, "thread 1", commentIDs(t, s, posts[1]), threads[posts[1]])
		same(t, "site comments", commentIDs(t, s, ""), all)
	})

	t.Run("ClockBack", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		c1 := &feed.Comment{PostID: "p", AuthorName: "a", Content: "c"}
		if err := s.CreateComment(t.Context(), c1); err != nil {
			t.Fatalf("CreateComment: %v", err)
		}
		clockOf(t).Advance(-10 * time.Minute)
		c2 := &feed.Comment{PostID: "p", AuthorName: "a", Content: "c"}
		if err := s.CreateComment(t.Context(), c2); err != nil {
			t.Fatalf("CreateComment: %v", err)
		}
		if !c2.Published.Equal(c1.Published) || !c2.Updated.Equal(c2.Published) {
			t.Fatalf("after the clock stepped back: published %v updated %v, want %v", c2.Published, c2.Updated, c1.Published)
		}
		same(t, "thread", commentIDs(t, s, "p"), []string{c1.ID, c2.ID})
		// A post dated by its caller far ahead does not hold new ones.
		createPost(t, s, "future", "F", now(t).Add(48*time.Hour))
		p := &feed.Post{Title: "t", Content: "c"}
		if err := s.CreatePost(t.Context(), p); err != nil {
			t.Fatalf("CreatePost: %v", err)
		}
		if !p.Published.Equal(now(t).Truncate(time.Second)) {
			t.Fatalf("post published %v, want the clock's %v", p.Published, now(t))
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		last, err := s.LastChange(t.Context())
		if err != nil {
			t.Fatalf("LastChange: %v", err)
		}
		const writers, each = 6, 5
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					c := &feed.Comment{PostID: "p", AuthorName: "a", Content: "c"}
					if err := s.CreateComment(t.Context(), c); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("CreateComment: %v", err)
		}
		// Creation order is commit order: the change log's.
		recs, err := s.Changes(t.Context(), last, 1000)
		if err != nil {
			t.Fatalf("Changes: %v", err)
		}
		var created []string
		for _, r := range recs {
			if r.Change.Comment != nil {
				created = append(created, r.Change.Comment.ID)
			}
		}
		if len(created) != writers*each {
			t.Fatalf("%d comments in the change log, want %d", len(created), writers*each)
		}
		same(t, "thread", commentIDs(t, s, "p"), created)
	})
}
