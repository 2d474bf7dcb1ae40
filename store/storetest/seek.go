package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// RunSeek checks that windows deep into the posts feed and the site
// comments feed (archives, far start-index values), which a store may read
// by seeking to the day the window starts on (sqlstore's seek, over
// per-day sizes), hold exactly the entries of the order at that place,
// from either end, through writes that add, remove and re-date entries,
// from the first second feedd takes (1970) on, many in one second. The caller
// makes the store seek even for short skips (sqlstore.SeekAfter).
func RunSeek(t *testing.T, open func(t *testing.T) store.Store) {
	s := newStore(t, open)
	ctx := t.Context()
	// Several entries a day from the first second on, some in one
	// second.
	base := time.Unix(0, 0).UTC()
	date := func(i int) time.Time {
		if i%7 == 3 {
			i-- // the same second as the one before
		}
		return base.Add(time.Duration(i) * 5 * time.Hour)
	}
	const posts, comments = 150, 200
	for i := range posts {
		p := &feed.Post{ID: fmt.Sprintf("p%03d", i), Title: "t", Content: "c", Published: date(i)}
		if err := s.CreatePost(ctx, p); err != nil {
			t.Fatalf("CreatePost: %v", err)
		}
	}
	for i := range comments {
		status := feed.StatusApproved
		if i%9 == 4 {
			status = feed.StatusPending
		}
		c := &feed.Comment{ID: fmt.Sprintf("c%03d", i), PostID: fmt.Sprintf("p%03d", i%posts), AuthorName: "A",
			Content: "c", Status: status, Published: date(i * 2 / 3)}
		if err := s.CreateComment(ctx, c); err != nil {
			t.Fatalf("CreateComment: %v", err)
		}
	}

	// window reads the window of a selection, placed from its size.
	type placer func(place func(int) (store.Window, error)) ([]string, error)
	postsOf := func(place func(int) (store.Window, error)) ([]string, error) {
		list, err := s.Posts(ctx, store.PostFilter{Place: place})
		ids := make([]string, len(list))
		for i, p := range list {
			ids[i] = p.ID
		}
		return ids, err
	}
	commentsOf := func(place func(int) (store.Window, error)) ([]string, error) {
		list, err := s.Comments(ctx, store.CommentFilter{Place: place})
		ids := make([]string, len(list))
		for i, c := range list {
			ids[i] = c.ID
		}
		return ids, err
	}
	check := func(step string) {
		t.Helper()
		for name, read := range map[string]placer{"posts": postsOf, "comments": commentsOf} {
			all, err := read(func(total int) (store.Window, error) { return store.Window{Limit: total}, nil })
			if err != nil || len(all) == 0 {
				t.Fatalf("%s: all %s: %d, %v", step, name, len(all), err)
			}
			const size = 7
			for off := 0; off < len(all)+2; off++ {
				for _, asc := range []bool{false, true} {
					got, err := read(func(int) (store.Window, error) {
						return store.Window{Offset: off, Limit: size, Ascending: asc}, nil
					})
					if err != nil {
						t.Fatalf("%s: %s window %d (ascending %v): %v", step, name, off, asc, err)
					}
					// The window, newest first, of the order newest first
					// or (ascending) oldest first.
					order := all
					if asc {
						order = slices.Clone(all)
						slices.Reverse(order)
					}
					want := order[min(off, len(order)):min(off+size, len(order))]
					if asc {
						want = slices.Clone(want)
						slices.Reverse(want)
					}
					if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
						t.Errorf("%s: %s window at %d (ascending %v) = %v, want %v", step, name, off, asc, got, want)
					}
				}
			}
		}
	}
	check("created")

	// Removed, re-dated and moderated entries move the days' sizes.
	for _, id := range []string{"p003", "p017", "p030", "p120"} {
		if _, err := s.DeletePost(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	approved, spam := feed.StatusApproved, feed.StatusSpam
	if _, err := s.UpdateComment(ctx, "c004", store.CommentUpdate{Status: &approved}); err != nil { // approval re-dates it
		t.Fatal(err)
	}
	if _, err := s.UpdateComment(ctx, "c010", store.CommentUpdate{Status: &spam}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteComment(ctx, "c020"); err != nil {
		t.Fatal(err)
	}
	check("removed and moderated")

	// A mirrored post dated into the past, then re-dated by its upstream.
	m := &feed.Post{Title: "m", Content: "m", Published: date(5).Add(time.Minute), Origin: &feed.Origin{Source: "s", ID: "1"}}
	if _, err := s.UpsertPost(ctx, m); err != nil {
		t.Fatal(err)
	}
	check("mirrored")
	m.Published = date(33).Add(time.Minute)
	if _, err := s.UpsertPost(ctx, m); err != nil {
		t.Fatal(err)
	}
	check("mirrored, re-dated")
}
