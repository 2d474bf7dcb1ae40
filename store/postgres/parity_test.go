package postgres

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/sqlite"
)

// TestSameAsSQLite runs one history of writes on both stores, on one clock,
// and checks that every read gives the same answer, down to the order of
// entries that share a time and the change log's records: the feeds
// rendered from either store must be the same bytes.
func TestSameAsSQLite(t *testing.T) {
	pg, _ := openTemp(t)
	lite, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "feedd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	clock := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	pg.Now, lite.Now = now, now
	stores := []struct {
		name string
		s    store.Store
	}{{"postgres", pg}, {"sqlite", lite}}

	// do runs a write on both stores and checks they agree on its result.
	do := func(name string, write func(s store.Store) (any, error)) {
		t.Helper()
		var results []any
		var errs []string
		for _, st := range stores {
			res, err := write(st.s)
			results = append(results, res)
			errs = append(errs, feed.ErrorCode(err)+" "+feed.ErrorMessage(err))
		}
		if errs[0] != errs[1] {
			t.Errorf("%s: postgres error %q, sqlite error %q", name, errs[0], errs[1])
		}
		if !reflect.DeepEqual(results[0], results[1]) {
			t.Errorf("%s: postgres returned %s\nsqlite returned %s", name, dump(results[0]), dump(results[1]))
		}
	}
	tick := func() { clock = clock.Add(time.Second) }
	published := time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)

	// Posts whose ids differ in case and punctuation, several at one time.
	for i, id := range []string{"b", "B", "a", "_x", "-y", "Zz", "a1"} {
		do("CreatePost "+id, func(s store.Store) (any, error) {
			p := &feed.Post{ID: id, Title: "Post " + id, Content: "<p>" + id + "</p>", Format: []string{"", "markdown"}[i%2],
				Categories: []string{"z", "A", "a"}[:i%4], Published: published.Add(time.Duration(i/3) * time.Hour)}
			err := s.CreatePost(context.Background(), p)
			return p, err
		})
	}
	do("CreatePost duplicate", func(s store.Store) (any, error) {
		return nil, s.CreatePost(context.Background(), &feed.Post{ID: "B", Title: "T", Content: "c"})
	})
	tick()
	// Comments, replies, moderation states.
	for i, id := range []string{"c", "C", "c-2", "_c", "Cz"} {
		parent := ""
		if i >= 2 {
			parent = "c"
		}
		status := []feed.Status{"", feed.StatusApproved, feed.StatusPending, feed.StatusSpam, ""}[i]
		do("CreateComment "+id, func(s store.Store) (any, error) {
			c := &feed.Comment{ID: id, PostID: "a", ParentID: parent, AuthorName: "Ümit " + id, Content: "c " + id,
				Status: status, Published: published.Add(time.Minute)}
			err := s.CreateComment(context.Background(), c)
			return c, err
		})
	}
	do("CreateComment to pending", func(s store.Store) (any, error) {
		return nil, s.CreateComment(context.Background(), &feed.Comment{PostID: "a", ParentID: "c-2", AuthorName: "A", Content: "c"})
	})
	tick()
	do("UpdatePost", func(s store.Store) (any, error) {
		return s.UpdatePost(context.Background(), "B", store.PostUpdate{Title: ptr("New B"), Categories: ptr([]string{"q"})})
	})
	do("UpdateComment approve", func(s store.Store) (any, error) {
		return s.UpdateComment(context.Background(), "c-2", store.CommentUpdate{Status: ptr(feed.StatusApproved)})
	})
	do("UpdateComment spam", func(s store.Store) (any, error) {
		return s.UpdateComment(context.Background(), "C", store.CommentUpdate{Status: ptr(feed.StatusSpam)})
	})
	tick()
	do("DeleteComment", func(s store.Store) (any, error) { return s.DeleteComment(context.Background(), "c") })
	do("DeletePost", func(s store.Store) (any, error) { return s.DeletePost(context.Background(), "Zz") })
	do("DeletePost again", func(s store.Store) (any, error) { return s.DeletePost(context.Background(), "Zz") })
	tick()
	// Mirrored entries.
	do("UpsertPost", func(s store.Store) (any, error) {
		p := &feed.Post{ID: "m", Title: "M", Content: "m", Published: published,
			Origin: &feed.Origin{Source: "up", ID: "tag:1", URL: "https://up.example/1"}}
		changed, err := s.UpsertPost(context.Background(), p)
		return []any{p, changed}, err
	})
	for i, id := range []string{"u2", "u1", "u3"} {
		do("UpsertComment "+id, func(s store.Store) (any, error) {
			c := &feed.Comment{ID: "m" + id, PostID: "m", AuthorName: "U", Content: id,
				Origin: &feed.Origin{Source: "up", ID: id}}
			changed, err := s.UpsertComment(context.Background(), c, []string{"u1", "", "u2"}[i])
			return []any{c, changed}, err
		})
	}
	do("UpsertComment moves u2", func(s store.Store) (any, error) {
		c := &feed.Comment{PostID: "m", AuthorName: "U", Content: "u2", Origin: &feed.Origin{Source: "up", ID: "u2"}}
		changed, err := s.UpsertComment(context.Background(), c, "u1")
		return []any{c, changed}, err
	})
	do("SaveFetch", func(s store.Store) (any, error) {
		return nil, s.SaveFetch(context.Background(), &feed.Fetch{Source: "up", URL: "https://up.example/feed",
			ETag: `"x"`, LastPoll: clock, NextPoll: clock.Add(time.Hour), LastStatus: 200, Failures: 1})
	})

	// Every read agrees.
	reads := map[string]func(s store.Store) (any, error){
		"Posts": func(s store.Store) (any, error) { return s.Posts(context.Background(), store.PostFilter{}) },
		"Posts page 2": func(s store.Store) (any, error) {
			return s.Posts(context.Background(), store.PostFilter{Limit: 2, Before: &store.Cursor{Published: published, ID: "a1"}})
		},
		"Comments": func(s store.Store) (any, error) { return s.Comments(context.Background(), store.CommentFilter{}) },
		"Comments all": func(s store.Store) (any, error) {
			return s.Comments(context.Background(), store.CommentFilter{Statuses: []feed.Status{feed.StatusSpam, feed.StatusPending, feed.StatusApproved}})
		},
		"Thread a": func(s store.Store) (any, error) {
			return s.Comments(context.Background(), store.CommentFilter{PostID: "a", Limit: 3})
		},
		"Thread m": func(s store.Store) (any, error) {
			return s.Comments(context.Background(), store.CommentFilter{PostID: "m"})
		},
		"Thread Zz": func(s store.Store) (any, error) {
			return s.Comments(context.Background(), store.CommentFilter{PostID: "Zz"})
		},
		"Comment C": func(s store.Store) (any, error) { return s.Comment(context.Background(), "C") },
		"ThreadStats": func(s store.Store) (any, error) {
			return s.ThreadStats(context.Background(), []string{"a", "m", "B", "nope"})
		},
		"Tombstones posts":  func(s store.Store) (any, error) { return s.Tombstones(context.Background(), feed.PostsFeed, 0) },
		"Tombstones all":    func(s store.Store) (any, error) { return s.Tombstones(context.Background(), feed.CommentsFeed, 0) },
		"Tombstones thread": func(s store.Store) (any, error) { return s.Tombstones(context.Background(), feed.ThreadFeed("a"), 0) },
		"HasApprovedAuthor": func(s store.Store) (any, error) { return s.HasApprovedAuthor(context.Background(), "hash-2") },
		"SourceCounts":      func(s store.Store) (any, error) { return s.SourceCounts(context.Background()) },
		"Fetches":           func(s store.Store) (any, error) { return s.Fetches(context.Background(), "") },
		"Changes":           func(s store.Store) (any, error) { return s.Changes(context.Background(), 0, 0) },
		"LastChange":        func(s store.Store) (any, error) { return s.LastChange(context.Background()) },
	}
	for name, read := range reads {
		do(name, read)
	}

	tick()
	do("Purge", func(s store.Store) (any, error) { return s.Purge(context.Background(), clock) })
	for name, read := range reads {
		do(name+" after Purge", read)
	}
}

// dump spells out v, following pointers, for a failure message.
func dump(v any) string {
	switch v := v.(type) {
	case []*feed.Post:
		s := "["
		for _, p := range v {
			s += fmt.Sprintf("%+v ", *p)
		}
		return s + "]"
	case []*feed.Comment:
		s := "["
		for _, c := range v {
			s += fmt.Sprintf("%+v ", *c)
		}
		return s + "]"
	}
	return fmt.Sprintf("%+v", v)
}
