package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// testTotals checks that the sizes of the selections that have heads
// (CountPosts, CountComments, and the size a placed read is given), which
// the store keeps as writes change them, stay the sizes of the lists
// through every kind of write: categories and authors edited, moderation,
// spam, deletes, purge, mirrored upserts.
func testTotals(t *testing.T, open func(t *testing.T) store.Store) {
	s := newStore(t, open)
	ctx := t.Context()
	postSels := []store.PostFilter{{}, {Category: "go"}, {Category: "feeds"}, {Author: "ann"}, {Author: "BOB"}, {Category: "m"}}
	commentSels := []store.CommentFilter{{}, {PostID: "p"}, {PostID: "q"}, {PostID: "m"}}
	check := func(step string) {
		t.Helper()
		for _, f := range postSels {
			n, err := s.CountPosts(ctx, f)
			list, err2 := s.Posts(ctx, f)
			if err != nil || err2 != nil || n != len(list) {
				t.Errorf("%s: CountPosts(%+v) = %d, %v; Posts: %d, %v", step, f, n, err, len(list), err2)
			}
			var placed int
			f.Place = func(total int) (store.Window, error) {
				placed = total
				return store.Window{Limit: total}, nil
			}
			got, err := s.Posts(ctx, f)
			if err != nil || placed != len(list) || len(got) != len(list) {
				t.Errorf("%s: placed Posts(%+v): size %d, %d posts, %v; want %d", step, f, placed, len(got), err, len(list))
			}
		}
		for _, f := range commentSels {
			n, err := s.CountComments(ctx, f)
			list, err2 := s.Comments(ctx, f)
			if (err == nil) != (err2 == nil) || err == nil && n != len(list) {
				t.Errorf("%s: CountComments(%+v) = %d, %v; Comments: %d, %v", step, f, n, err, len(list), err2)
			}
		}
		stats, err := s.ThreadStats(ctx, []string{"p", "q", "m"})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"p", "q", "m"} {
			list, _ := s.Comments(ctx, store.CommentFilter{PostID: id})
			if stats[id].Count != len(list) {
				t.Errorf("%s: ThreadStats[%s] = %d, want %d", step, id, stats[id].Count, len(list))
			}
		}
	}
	post := func(id, author string, cats ...string) {
		t.Helper()
		p := &feed.Post{ID: id, Title: id, Content: "c", AuthorName: author, Categories: cats, Published: at(len(id))}
		if err := s.CreatePost(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	comment := func(id, postID string, status feed.Status) {
		t.Helper()
		c := &feed.Comment{ID: id, PostID: postID, AuthorName: "A", Content: "c", Status: status}
		if err := s.CreateComment(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	post("p", "Ann", "go", "feeds")
	post("q", "ANN", "go")
	post("r", "Bob")
	for i := range 3 {
		comment(fmt.Sprint("p", i), "p", feed.StatusApproved)
	}
	comment("q0", "q", feed.StatusApproved)
	comment("pending", "p", feed.StatusPending)
	check("created")

	cats := []string{"feeds"}
	author := "bob"
	if _, err := s.UpdatePost(ctx, "q", store.PostUpdate{Categories: &cats, AuthorName: &author}); err != nil {
		t.Fatal(err)
	}
	check("post edited")

	approved, spam := feed.StatusApproved, feed.StatusSpam
	if _, err := s.UpdateComment(ctx, "pending", store.CommentUpdate{Status: &approved}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateComment(ctx, "p1", store.CommentUpdate{Status: &spam}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteComment(ctx, "p2"); err != nil {
		t.Fatal(err)
	}
	check("moderated")

	if _, err := s.DeletePost(ctx, "q"); err != nil {
		t.Fatal(err)
	}
	check("post deleted")

	if _, err := s.Purge(ctx, clockOf(t).Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	check("purged")

	m := &feed.Post{Title: "M", Content: "m", Categories: []string{"m"}, Origin: &feed.Origin{Source: "s", ID: "1"}}
	if _, err := s.UpsertPost(ctx, m); err != nil {
		t.Fatal(err)
	}
	postSels = append(postSels, store.PostFilter{Category: "m"})
	commentSels = append(commentSels, store.CommentFilter{PostID: m.ID})
	for i := range 2 {
		c := &feed.Comment{PostID: m.ID, AuthorName: "U", Content: fmt.Sprint("u", i), Origin: &feed.Origin{Source: "s", ID: fmt.Sprint("c", i)}}
		if _, err := s.UpsertComment(ctx, c, ""); err != nil {
			t.Fatal(err)
		}
	}
	m.Categories = []string{"go"}
	m.Content = "m2"
	if _, err := s.UpsertPost(ctx, m); err != nil {
		t.Fatal(err)
	}
	check("mirrored")
}
