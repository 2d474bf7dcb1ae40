package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/storetest"
)

func TestStore(t *testing.T) {
	// Each test gets a database file of its own; a second open in the same
	// test reopens that file, as the suite requires.
	var (
		mu    sync.Mutex
		paths = make(map[*testing.T]string)
	)
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		mu.Lock()
		path, ok := paths[t]
		if !ok {
			path = filepath.Join(t.TempDir(), "feedd.db")
			paths[t] = path
		}
		mu.Unlock()
		db := mustOpen(t, path)
		db.Now = now
		return db
	})
}

// mustOpen opens the database at path, failing the test on error.
func mustOpen(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return db
}

// openTemp opens a new database in t's temporary directory and closes it
// when t ends.
func openTemp(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "feedd.db")
	db := mustOpen(t, path)
	t.Cleanup(func() { db.Close() })
	return db, path
}

// appliedMigrations lists the names recorded in schema_migrations.
func appliedMigrations(t *testing.T, db *DB) []string {
	t.Helper()
	rows, err := db.db.QueryContext(t.Context(), `SELECT version, name FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatalf("select schema_migrations: %v", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var (
			v    int
			name string
		)
		if err := rows.Scan(&v, &name); err != nil {
			t.Fatal(err)
		}
		if v != len(names)+1 {
			t.Errorf("recorded version %d after %d others", v, len(names))
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

func TestOpen_Migrations(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatalf("migrations: %v", err)
	}
	var want []string
	for _, m := range ms {
		want = append(want, m.Name)
	}

	db, path := openTemp(t)
	if got := appliedMigrations(t, db); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("applied %q, want %q", got, want)
	}
	if err := db.CreatePost(t.Context(), &feed.Post{ID: "p", Title: "P", Content: "c"}); err != nil {
		t.Fatalf("CreatePost: %v", err)
	}
	db.Close()

	t.Run("ReopenIsIdempotent", func(t *testing.T) {
		for range 2 {
			db := mustOpen(t, path)
			got := appliedMigrations(t, db)
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("after reopen, applied %q, want %q", got, want)
			}
			if _, err := db.Post(t.Context(), "p"); err != nil {
				t.Errorf("Post after reopen: %v", err)
			}
			db.Close()
		}
	})

	t.Run("NewerSchema", func(t *testing.T) {
		db := mustOpen(t, path)
		_, err := db.db.ExecContext(t.Context(),
			`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from_the_future.sql', 0)`, len(ms)+1)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		if db, err := Open(t.Context(), path); err == nil {
			db.Close()
			t.Fatal("Open of a database from a newer feedd succeeded")
		}
	})
}

func TestMigrations_Numbered(t *testing.T) {
	// Read the directory itself, not only what go:embed picked up: a file
	// misnamed 0002_x.sq would never run.
	entries, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Fatal("no migrations")
	}
	valid := regexp.MustCompile(`^(\d{4})_[a-z0-9_]+\.sql$`)
	for i, e := range entries { // sorted by name
		m := valid.FindStringSubmatch(e.Name())
		if m == nil {
			t.Errorf("migrations/%s: want a name like 0001_init.sql", e.Name())
			continue
		}
		if want := fmt.Sprintf("%04d", i+1); m[1] != want {
			t.Errorf("migrations/%s: want number %s; numbers run from 0001 without gaps or repeats", e.Name(), want)
		}
	}
	ms, err := migrations()
	if err != nil {
		t.Fatalf("migrations: %v", err)
	}
	if len(ms) != len(entries) {
		t.Errorf("embedded %d migrations, directory holds %d", len(ms), len(entries))
	}
}

func TestOpen_Pragmas(t *testing.T) {
	db, _ := openTemp(t)
	// Hold several connections at once, so the pool must open more than one:
	// every connection needs the settings, not only the first.
	var conns []*sql.Conn
	for range 3 {
		conn, err := db.db.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conns = append(conns, conn)
	}
	for i, conn := range conns {
		for _, tt := range []struct{ pragma, want string }{
			{"journal_mode", "wal"},
			{"synchronous", "2"}, // FULL
			{"foreign_keys", "1"},
			{"busy_timeout", "5000"},
		} {
			var got string
			if err := conn.QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatalf("conn %d: PRAGMA %s: %v", i, tt.pragma, err)
			}
			if !strings.EqualFold(got, tt.want) {
				t.Errorf("conn %d: %s = %q, want %q", i, tt.pragma, got, tt.want)
			}
		}
	}
}

func TestOpen_BadPath(t *testing.T) {
	for _, path := range []string{"", ":memory:", "file:x.db", "x.db?mode=ro"} {
		if db, err := Open(t.Context(), path); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", path)
		}
	}
}

func TestDB_Now(t *testing.T) {
	db, _ := openTemp(t)
	now := time.Date(2025, 2, 3, 4, 5, 6, 700_000_000, time.FixedZone("X", 3600))
	db.Now = func() time.Time { return now }
	want := time.Date(2025, 2, 3, 3, 5, 6, 0, time.UTC)

	p := &feed.Post{Title: "P", Content: "c"}
	if err := db.CreatePost(t.Context(), p); err != nil {
		t.Fatalf("CreatePost: %v", err)
	}
	if !p.Published.Equal(want) || !p.Updated.Equal(want) {
		t.Errorf("post times = %v, %v, want %v", p.Published, p.Updated, want)
	}
	c := &feed.Comment{PostID: p.ID, AuthorName: "A", Content: "c"}
	if err := db.CreateComment(t.Context(), c); err != nil {
		t.Fatalf("CreateComment: %v", err)
	}
	if !c.Published.Equal(want) || !c.Updated.Equal(want) {
		t.Errorf("comment times = %v, %v, want %v", c.Published, c.Updated, want)
	}
	// A given Updated with the clock's Published: it must not precede it.
	c = &feed.Comment{PostID: p.ID, AuthorName: "A", Content: "c", Updated: want.Add(-time.Hour)}
	if got := feed.ErrorCode(db.CreateComment(t.Context(), c)); got != feed.EINVALID {
		t.Errorf("Updated before the clock's Published: code %q, want %q", got, feed.EINVALID)
	}
}

func TestSchema_ParentOfSamePost(t *testing.T) {
	// The store checks a reply's parent itself; the schema must hold the
	// rule too, for any writer that bypasses those checks.
	db, _ := openTemp(t)
	for _, id := range []string{"p", "q"} {
		if err := db.CreatePost(t.Context(), &feed.Post{ID: id, Title: id, Content: "c"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.CreateComment(t.Context(), &feed.Comment{ID: "c", PostID: "q", AuthorName: "A", Content: "c"}); err != nil {
		t.Fatal(err)
	}
	const insert = `INSERT INTO comments (id, post_id, parent_id, author_name, content, published, updated)
		VALUES ('r', ?, ?, 'A', 'c', 0, 0)`
	for _, tt := range []struct{ post, parent string }{{"p", "c"}, {"p", "nope"}, {"nope", ""}} {
		var parent any
		if tt.parent != "" {
			parent = tt.parent
		}
		if _, err := db.db.ExecContext(t.Context(), insert, tt.post, parent); err == nil {
			t.Errorf("schema accepted a comment on post %q with parent %q", tt.post, tt.parent)
		}
	}
}

func TestNewID(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z2-7]{16}$`)
	seen := make(map[string]bool)
	for range 1000 {
		id := store.NewID()
		if !valid.MatchString(id) || !feed.ValidID(id) {
			t.Fatalf("NewID() = %q, want 16 lowercase base32 characters", id)
		}
		if seen[id] {
			t.Fatalf("NewID() repeated %q", id)
		}
		seen[id] = true
	}
}
