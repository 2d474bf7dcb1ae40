package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/sqlstore"
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
func mustOpen(t testing.TB, path string) *DB {
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

func TestOpen_Migrations(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatalf("migrations: %v", err)
	}
	var want []string
	for _, m := range ms {
		want = append(want, m.Name)
	}
	path := filepath.Join(t.TempDir(), "feedd.db")
	storetest.RunOpen(t, want, func(t *testing.T) (store.Store, *sql.DB, error) {
		db, err := Open(t.Context(), path)
		if err != nil {
			return nil, nil, err
		}
		return db, db.db, nil
	}, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from_the_future.sql', 0)`)
}

func TestMigrations_Numbered(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatalf("migrations: %v", err)
	}
	storetest.CheckMigrationFiles(t, "migrations", len(ms))
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

func TestStore_HTMLVersions(t *testing.T) {
	storetest.RunHTMLVersions(t, func(t *testing.T) store.Store {
		return mustOpen(t, filepath.Join(t.TempDir(), "feedd.db"))
	}, func(s store.Store) (*sql.DB, func(string) string) {
		return s.(*DB).db, func(q string) string { return q }
	})
}

func TestStore_Seek(t *testing.T) {
	defer func(n int) { sqlstore.SeekAfter = n }(sqlstore.SeekAfter)
	sqlstore.SeekAfter = 2
	storetest.RunSeek(t, func(t *testing.T) store.Store {
		return mustOpen(t, filepath.Join(t.TempDir(), "feedd.db"))
	})
}

func TestStore_CommentImages(t *testing.T) {
	storetest.RunCommentImages(t, func(t *testing.T) store.Store {
		return mustOpen(t, filepath.Join(t.TempDir(), "feedd.db"))
	}, func(s store.Store) (*sql.DB, func(string) string) {
		return s.(*DB).db, func(q string) string { return q }
	})
}
