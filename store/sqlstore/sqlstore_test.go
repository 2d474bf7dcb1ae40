package sqlstore_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/testutil"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/postgres"
	"github.com/feedd/feedd/store/postgres/pgtest"
	"github.com/feedd/feedd/store/sqlite"
	"github.com/feedd/feedd/store/sqlstore"
)

// engines opens an empty store of each engine for t.
var engines = map[string]func(t *testing.T) store.Store{
	"sqlite": func(t *testing.T) store.Store {
		db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "feedd.db"))
		if err != nil {
			t.Fatal(err)
		}
		return db
	},
	"postgres": func(t *testing.T) store.Store {
		dsn, _ := pgtest.Schema(t)
		db, err := postgres.Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		return db
	},
}

// Every write that appends to the change log tells the context's tracker
// its seq once committed (store.Wrote), and the store's watchers that it
// committed; a write that logs nothing tells neither.
func TestWroteAndWatch(t *testing.T) {
	for name, open := range engines {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			events := st.Watch(t.Context())
			ctx, w := store.Track(t.Context())
			if err := st.CreatePost(ctx, &feed.Post{ID: "p", Title: "P", Content: "c"}); err != nil {
				t.Fatal(err)
			}
			first := w.Seq()
			if err := st.CreateComment(ctx, &feed.Comment{PostID: "p", AuthorName: "A", Content: "c"}); err != nil {
				t.Fatal(err)
			}
			last, err := st.LastChange(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if first == 0 || w.Seq() <= first || w.Seq() != last {
				t.Errorf("tracked seqs %d then %d, want 0 < first < second = LastChange %d", first, w.Seq(), last)
			}
			select {
			case ev, ok := <-events:
				if !ok || ev.Reset {
					t.Errorf("event %+v (open %v), want a plain one", ev, ok)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no event after two writes")
			}
			if err := st.SaveFetch(ctx, &feed.Fetch{Source: "s"}); err != nil {
				t.Fatal(err)
			}
			if w.Seq() != last {
				t.Errorf("SaveFetch, which logs nothing, moved the tracked seq to %d", w.Seq())
			}
			st.Close()
			for range events { // closed with the store; a pending event may come first
			}
		})
	}
}

func TestRebind(t *testing.T) {
	for in, want := range map[string]string{
		`a = ? AND b = ?`:        `a = $1 AND b = $2`,
		`a = ?2 OR b = ?1 OR ?2`: `a = $2 OR b = $1 OR $2`,
		`no placeholders`:        `no placeholders`,
		`x IN (?, ?, ?) LIMIT ?`: `x IN ($1, $2, $3) LIMIT $4`,
	} {
		if got := sqlstore.Rebind(in); got != want {
			t.Errorf("Rebind(%q) = %q, want %q", in, got, want)
		}
	}
}

// A taken upstream key is told from a taken id, by the constraint each
// engine names.
func TestConflictNamesKey(t *testing.T) {
	for name, open := range engines {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			defer st.Close()
			o := &feed.Origin{Source: "s", ID: "1", URL: "https://example.com/1"}
			if err := st.CreatePost(t.Context(), &feed.Post{ID: "p", Title: "P", Content: "c", Origin: o}); err != nil {
				t.Fatal(err)
			}
			err := st.CreatePost(t.Context(), &feed.Post{ID: "q", Title: "P", Content: "c", Origin: o})
			if feed.ErrorCode(err) != feed.ECONFLICT || !strings.Contains(err.Error(), `of source "s"`) {
				t.Errorf("CreatePost of a taken upstream key: %v, want ECONFLICT naming the source", err)
			}
			err = st.CreatePost(t.Context(), &feed.Post{ID: "p", Title: "P", Content: "c"})
			if feed.ErrorCode(err) != feed.ECONFLICT || strings.Contains(err.Error(), "source") {
				t.Errorf("CreatePost of a taken id: %v, want ECONFLICT naming the id", err)
			}
		})
	}
}

// core is the SQL core under an engine's store, and spell writes a query
// with ? placeholders as that engine takes them.
func core(st store.Store) (db *sqlstore.DB, spell func(string) string) {
	switch st := st.(type) {
	case *sqlite.DB:
		return st.DB, func(q string) string { return q }
	case *postgres.DB:
		return st.DB, sqlstore.Rebind
	}
	panic(fmt.Sprintf("no SQL core under %T", st))
}

// The store takes default times from its Now, in UTC and whole seconds,
// for posts, comments and the change log's records, and refuses a given
// Updated before the Published it took.
func TestNow(t *testing.T) {
	for name, open := range engines {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			defer st.Close()
			db, _ := core(st)
			now := time.Date(2025, 2, 3, 4, 5, 6, 700_000_000, time.FixedZone("X", 3600))
			db.Now = func() time.Time { return now }
			want := time.Date(2025, 2, 3, 3, 5, 6, 0, time.UTC)

			p := &feed.Post{Title: "P", Content: "c"}
			if err := st.CreatePost(t.Context(), p); err != nil {
				t.Fatalf("CreatePost: %v", err)
			}
			if !p.Published.Equal(want) || !p.Updated.Equal(want) {
				t.Errorf("post times = %v, %v, want %v", p.Published, p.Updated, want)
			}
			c := &feed.Comment{PostID: p.ID, AuthorName: "A", Content: "c"}
			if err := st.CreateComment(t.Context(), c); err != nil {
				t.Fatalf("CreateComment: %v", err)
			}
			if !c.Published.Equal(want) || !c.Updated.Equal(want) {
				t.Errorf("comment times = %v, %v, want %v", c.Published, c.Updated, want)
			}
			records, err := st.Changes(t.Context(), 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range records {
				if !r.At.Equal(want) {
					t.Errorf("change %d At = %v, want %v", r.Seq, r.At, want)
				}
			}
			// A given Updated with the clock's Published: it must not precede it.
			c = &feed.Comment{PostID: p.ID, AuthorName: "A", Content: "c", Updated: want.Add(-time.Hour)}
			if got := feed.ErrorCode(st.CreateComment(t.Context(), c)); got != feed.EINVALID {
				t.Errorf("Updated before the clock's Published: code %q, want %q", got, feed.EINVALID)
			}
		})
	}
}

// The store checks a reply's parent itself; the schema must hold the rule
// too, for any writer that bypasses those checks.
func TestSchema_ParentOfSamePost(t *testing.T) {
	for name, open := range engines {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			defer st.Close()
			db, spell := core(st)
			for _, id := range []string{"p", "q"} {
				if err := st.CreatePost(t.Context(), &feed.Post{ID: id, Title: id, Content: "c"}); err != nil {
					t.Fatal(err)
				}
			}
			if err := st.CreateComment(t.Context(), &feed.Comment{ID: "c", PostID: "q", AuthorName: "A", Content: "c"}); err != nil {
				t.Fatal(err)
			}
			insert := spell(`INSERT INTO comments (id, post_id, parent_id, author_name, content, published, updated)
				VALUES ('r', ?, ?, 'A', 'c', 0, 0)`)
			for _, tt := range []struct{ post, parent string }{{"p", "c"}, {"p", "nope"}, {"nope", ""}} {
				var parent any
				if tt.parent != "" {
					parent = tt.parent
				}
				err := db.Read(t.Context(), func(q sqlstore.Querier) error {
					_, err := q.ExecContext(t.Context(), insert, tt.post, parent)
					return err
				})
				if err == nil {
					t.Errorf("schema accepted a comment on post %q with parent %q", tt.post, tt.parent)
				}
			}
		})
	}
}

// On SQLite, whose one write lock serializes writers, a process's writes
// take turns for it in the order they come: a short write waits for the
// writes queued before it, not for a stream of writes that keeps taking
// the lock again (as in SQLite's busy handler, which polls for it).
func TestWrite_TakesTurns(t *testing.T) {
	st := engines["sqlite"](t)
	defer st.Close()
	ctx := t.Context()
	if err := st.CreatePost(ctx, &feed.Post{ID: "p", Title: "P", Content: "c"}); err != nil {
		t.Fatal(err)
	}
	var (
		streamed atomic.Int64
		stop     = make(chan struct{})
		done     = make(chan struct{})
	)
	go func() { // a writer that takes the lock again as soon as it is free
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := st.CreateComment(ctx, &feed.Comment{PostID: "p", AuthorName: "A", Content: "c"}); err != nil {
				t.Error(err)
				return
			}
			streamed.Add(1)
		}
	}()
	defer func() { close(stop); <-done }()
	testutil.Eventually(t, 10*time.Second, func() bool { return streamed.Load() >= 20 }, "the stream of writes did not start")
	for i := range 20 {
		before := streamed.Load()
		if _, err := st.ClaimJob(ctx, fmt.Sprintf("job%d", i), time.Hour); err != nil {
			t.Fatal(err)
		}
		if n := streamed.Load() - before; n > 2 {
			t.Fatalf("claim %d waited for %d of the stream's writes; want at most the one under way and one queued before it", i, n)
		}
	}
}

// Loads at once (feedd-seed runs four on PostgreSQL) all succeed, and the
// sizes the store keeps count every record: each Load's statements move
// shared rows of totals (the posts feed, an author's, a category's) in an
// order of their own, which two Loads at once would deadlock on.
func TestLoad_Concurrent(t *testing.T) {
	for name, open := range engines {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			defer st.Close()
			const loaders, threads = 4, 40
			t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			errs := make(chan error, loaders)
			for l := range loaders {
				go func() {
					var recs []store.Record
					for i := range threads {
						id := fmt.Sprintf("p%d-%d", l, i)
						at := t0.Add(time.Duration(i*loaders+l) * time.Minute)
						recs = append(recs, store.Record{Post: &store.PostRecord{Post: feed.Post{ID: id, Title: "T", Content: "c", Format: feed.FormatHTML,
							AuthorName: []string{"Ann", "Bob", "Cy"}[(i+l)%3], Categories: []string{[]string{"a", "b"}[(i+l)%2], "c"},
							Published: at, Updated: at}}})
						recs = append(recs, store.Record{Comment: &store.CommentRecord{Comment: feed.Comment{ID: "c" + id, PostID: id,
							AuthorName: "A", Content: "c", Status: feed.StatusApproved, Published: at, Updated: at}}})
					}
					errs <- st.Load(t.Context(), recs)
				}()
			}
			for range loaders {
				if err := <-errs; err != nil {
					t.Error(err)
				}
			}
			if n, err := st.CountPosts(t.Context(), store.PostFilter{}); err != nil || n != loaders*threads {
				t.Errorf("CountPosts = %d, %v; want %d", n, err, loaders*threads)
			}
			if n, err := st.CountComments(t.Context(), store.CommentFilter{}); err != nil || n != loaders*threads {
				t.Errorf("CountComments = %d, %v; want %d", n, err, loaders*threads)
			}
		})
	}
}
