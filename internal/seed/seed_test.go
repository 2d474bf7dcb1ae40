package seed_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/seed"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/postgres"
	"github.com/feedd/feedd/store/postgres/pgtest"
	"github.com/feedd/feedd/store/sqlite"
)

// threads returns the whole fixture of o.
func threads(t *testing.T, o seed.Options) []seed.Thread {
	t.Helper()
	g, err := seed.NewGenerator(o)
	if err != nil {
		t.Fatal(err)
	}
	ths := make([]seed.Thread, o.Posts)
	for i := range ths {
		ths[i] = g.Thread(i)
	}
	return ths
}

func TestGenerator_Deterministic(t *testing.T) {
	o := seed.Options{Seed: 7, Posts: 20, CommentsPerPost: 15}
	a, b := threads(t, o), threads(t, o)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same options gave two fixtures")
	}
	o.Seed = 8
	if c := threads(t, o); reflect.DeepEqual(a, c) {
		t.Fatal("seeds 7 and 8 gave the same fixture")
	}
}

// TestGenerator_Valid checks that every record is one the store's own
// writes would accept: valid posts and comments, unique ids, parents
// before replies in the same post, depths that follow, dates in order.
func TestGenerator_Valid(t *testing.T) {
	o := seed.Options{Seed: 1, Posts: 300, CommentsPerPost: 30}
	ids := map[string]bool{}
	var (
		last                       = seed.DefaultEnd.AddDate(-100, 0, 0)
		replies, deep, md, html, n int
		categories                 = map[string]bool{}
		authors                    = map[string]bool{}
		lengths                    []int
	)
	for i, th := range threads(t, o) {
		p := *th.Post
		if err := p.Validate(); err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
		if !feed.ValidID(p.ID) || ids[p.ID] {
			t.Fatalf("post %d: id %q invalid or taken", i, p.ID)
		}
		ids[p.ID] = true
		if !p.Published.After(last) || p.Updated.Before(p.Published) || p.Published.After(seed.DefaultEnd) {
			t.Fatalf("post %d: published %v after %v, updated %v", i, p.Published, last, p.Updated)
		}
		last = p.Published
		switch p.Format {
		case feed.FormatMarkdown:
			md++
		case feed.FormatHTML:
			html++
		}
		for _, c := range p.Categories {
			categories[c] = true
		}
		authors[p.AuthorName] = true
		if len(th.Comments) != o.CommentsPerPost {
			t.Fatalf("post %d: %d comments, want %d", i, len(th.Comments), o.CommentsPerPost)
		}
		byID := map[string]*feed.Comment{}
		for j, c := range th.Comments {
			cc := *c
			if err := cc.Validate(); err != nil {
				t.Fatalf("post %d comment %d: %v", i, j, err)
			}
			if !feed.ValidID(c.ID) || ids[c.ID] || c.PostID != p.ID || c.Status != feed.StatusApproved {
				t.Fatalf("post %d comment %d: %+v", i, j, c)
			}
			ids[c.ID] = true
			if c.Published.Before(p.Published) || c.Updated.Before(c.Published) {
				t.Fatalf("post %d comment %d: dated %v, post %v", i, j, c.Published, p.Published)
			}
			if c.ParentID == "" {
				if c.Depth != 0 {
					t.Fatalf("post %d comment %d: depth %d without a parent", i, j, c.Depth)
				}
			} else {
				parent := byID[c.ParentID]
				if parent == nil || c.Depth != parent.Depth+1 || c.Published.Before(parent.Published) {
					t.Fatalf("post %d comment %d: parent %q missing, deeper or newer", i, j, c.ParentID)
				}
				replies++
			}
			if c.Depth > seed.MaxDepth {
				t.Fatalf("post %d comment %d: depth %d", i, j, c.Depth)
			}
			if c.Depth >= 3 {
				deep++
			}
			byID[c.ID] = c
			lengths = append(lengths, utf8.RuneCountInString(c.Content))
			n++
		}
	}
	// The fixture is realistic: both formats, threads with nested
	// replies, several authors and categories, comments short and long.
	if md == 0 || html == 0 || replies < n/3 || deep == 0 || len(categories) < 10 || len(authors) < 3 {
		t.Errorf("markdown %d, html %d, replies %d of %d, depth ≥3 %d, categories %d, authors %d",
			md, html, replies, n, deep, len(categories), len(authors))
	}
	short, long := 0, 0
	for _, l := range lengths {
		if l < 200 {
			short++
		}
		if l > 600 {
			long++
		}
	}
	if short < n/4 || long == 0 {
		t.Errorf("comment lengths: %d under 200 characters, %d over 600, of %d", short, long, n)
	}
}

func TestGenerator_BadOptions(t *testing.T) {
	for _, tt := range []struct {
		name string
		o    seed.Options
		want string
	}{
		{"no posts", seed.Options{Posts: 0, CommentsPerPost: 1}, "posts: want at least 1"},
		{"negative posts", seed.Options{Posts: -3}, "posts: want at least 1"},
		{"negative comments", seed.Options{Posts: 1, CommentsPerPost: -1}, "comments per post: want at least 0"},
		{"too many", seed.Options{Posts: 1, CommentsPerPost: 2_000_000}, "more than a fixture needs"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := seed.NewGenerator(tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func openSQLite(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "feedd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// dump returns every record of st as Dump yields them.
func dump(t *testing.T, st store.Store) []store.Record {
	t.Helper()
	var recs []store.Record
	if err := st.Dump(context.Background(), func(r store.Record) error {
		recs = append(recs, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return recs
}

// checkFilled checks that st holds o's fixture, readable through the
// store's own reads.
func checkFilled(t *testing.T, st store.Store, o seed.Options, n int) {
	t.Helper()
	ctx := context.Background()
	if n != o.Records() {
		t.Errorf("Fill stored %d records, want %d", n, o.Records())
	}
	if got, err := st.CountRecords(ctx); err != nil || got != o.Records() {
		t.Errorf("CountRecords = %d, %v; want %d", got, err, o.Records())
	}
	if got, err := st.CountComments(ctx, store.CommentFilter{}); err != nil || got != o.Posts*o.CommentsPerPost {
		t.Errorf("CountComments = %d, %v; want %d", got, err, o.Posts*o.CommentsPerPost)
	}
	want := threads(t, o)
	newest := want[len(want)-1]
	posts, err := st.Posts(ctx, store.PostFilter{Limit: 1})
	if err != nil || len(posts) != 1 || posts[0].ID != newest.Post.ID || !posts[0].Published.Equal(newest.Post.Published) {
		t.Fatalf("newest post: %v, %v; want %q", posts, err, newest.Post.ID)
	}
	thread, err := st.Comments(ctx, store.CommentFilter{PostID: newest.Post.ID})
	if err != nil || len(thread) != o.CommentsPerPost {
		t.Fatalf("thread of the newest post: %d comments, %v", len(thread), err)
	}
	for _, c := range thread {
		if c.PostTitle != newest.Post.Title {
			t.Errorf("comment %s: post title %q", c.ID, c.PostTitle)
		}
	}
}

func TestFill_SQLite(t *testing.T) {
	ctx := context.Background()
	o := seed.Options{Seed: 3, Posts: 40, CommentsPerPost: 12}
	a := openSQLite(t)
	var calls, lastDone int
	n, err := seed.Fill(ctx, a, o, 100, 1, func(done, total int) {
		calls++
		if done <= lastDone || total != o.Records() {
			t.Errorf("progress %d of %d after %d", done, total, lastDone)
		}
		lastDone = done
	})
	if err != nil {
		t.Fatal(err)
	}
	checkFilled(t, a, o, n)
	if calls < 2 || lastDone != o.Records() {
		t.Errorf("progress called %d times, last at %d", calls, lastDone)
	}

	// Another batch size and more workers store the same records.
	b := openSQLite(t)
	if _, err := seed.Fill(ctx, b, o, 1, 3, nil); err != nil {
		t.Fatal(err)
	}
	if da, db := dump(t, a), dump(t, b); !reflect.DeepEqual(da, db) {
		t.Error("batch sizes 100 and 1 stored different fixtures")
	}

	// A store that holds anything is refused, and left as it was.
	_, err = seed.Fill(ctx, a, seed.Options{Seed: 4, Posts: 1}, 100, 1, nil)
	if !errors.Is(err, seed.ErrNotEmpty) || !strings.Contains(err.Error(), "holds 520") {
		t.Errorf("Fill of a filled store: %v, want ErrNotEmpty naming 520 records", err)
	}
	if got, _ := a.CountRecords(ctx); got != o.Records() {
		t.Errorf("the refused store holds %d records, want %d", got, o.Records())
	}
}

func TestFill_BadArguments(t *testing.T) {
	st := openSQLite(t)
	for _, tt := range []struct {
		name           string
		o              seed.Options
		batch, workers int
		want           string
	}{
		{"no posts", seed.Options{}, 10, 1, "posts: want at least 1"},
		{"batch", seed.Options{Posts: 1}, 0, 1, "batch: want at least 1"},
		{"workers", seed.Options{Posts: 1}, 10, 0, "workers: want at least 1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := seed.Fill(context.Background(), st, tt.o, tt.batch, tt.workers, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
	if n, _ := st.CountRecords(context.Background()); n != 0 {
		t.Errorf("the store holds %d records after refusals", n)
	}
}

func TestFill_Postgres(t *testing.T) {
	dsn, _ := pgtest.Schema(t)
	ctx := context.Background()
	st, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	o := seed.Options{Seed: 3, Posts: 40, CommentsPerPost: 12}
	n, err := seed.Fill(ctx, st, o, 100, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkFilled(t, st, o, n)
	// The same fixture as on SQLite, record for record.
	lite := openSQLite(t)
	if _, err := seed.Fill(ctx, lite, o, 100, 1, nil); err != nil {
		t.Fatal(err)
	}
	if dp, dl := dump(t, st), dump(t, lite); !reflect.DeepEqual(dp, dl) {
		t.Error("PostgreSQL and SQLite hold different fixtures")
	}
}
