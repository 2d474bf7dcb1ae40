package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/postgres/pgtest"
	"github.com/feedd/feedd/store/sqlstore"
	"github.com/feedd/feedd/store/storetest"
)

// adminConn opens a connection of its own to the test database, outside
// any test schema, failing the test on error.
func adminConn(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatalf("connect to %s: %v", pgtest.Env, err)
	}
	return conn
}

// mustOpen opens the store at dsn, failing the test on error.
func mustOpen(t testing.TB, dsn string) *DB {
	t.Helper()
	db, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return db
}

// openTemp opens a store in a new schema and closes it when t ends.
func openTemp(t testing.TB) (*DB, string) {
	t.Helper()
	dsn, _ := pgtest.Schema(t)
	db := mustOpen(t, dsn)
	t.Cleanup(func() { db.Close() })
	return db, dsn
}

func TestStore(t *testing.T) {
	pgtest.BaseDSN(t)
	// Each test gets a schema of its own; a second open in the same test
	// reopens that schema, as the suite requires.
	var (
		mu   sync.Mutex
		dsns = make(map[*testing.T]string)
	)
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		mu.Lock()
		dsn, ok := dsns[t]
		if !ok {
			dsn, _ = pgtest.Schema(t)
			dsns[t] = dsn
		}
		mu.Unlock()
		db := mustOpen(t, dsn)
		db.Now = now
		return db
	})
}

// migrationNames lists the embedded migrations' names.
func migrationNames(t *testing.T) []string {
	t.Helper()
	ms, err := migrations()
	if err != nil {
		t.Fatalf("migrations: %v", err)
	}
	var names []string
	for _, m := range ms {
		names = append(names, m.Name)
	}
	return names
}

func TestOpen_Migrations(t *testing.T) {
	dsn, _ := pgtest.Schema(t)
	storetest.RunOpen(t, migrationNames(t), func(t *testing.T) (store.Store, *sql.DB, error) {
		db, err := Open(t.Context(), dsn)
		if err != nil {
			return nil, nil, err
		}
		return db, db.sql, nil
	}, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'from_the_future.sql', 0)`)
}

func TestOpen_ConcurrentMigrate(t *testing.T) {
	// Replicas starting at once on a new schema: each Open migrates, and
	// the advisory lock lets one apply each migration while the others
	// wait and then find it recorded. Without it, the losers would fail on
	// tables that exist already, or record a version twice.
	want := migrationNames(t)
	for round := range 3 {
		dsn, _ := pgtest.Schema(t)
		const replicas = 8
		dbs := make([]*DB, replicas)
		errs := make([]error, replicas)
		var wg sync.WaitGroup
		for i := range replicas {
			wg.Go(func() { dbs[i], errs[i] = Open(t.Context(), dsn) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: Open %d of %d: %v", round, i, replicas, err)
			}
			defer dbs[i].Close()
		}
		if got := storetest.AppliedMigrations(t, dbs[0].sql); !slices.Equal(got, want) {
			t.Errorf("round %d: applied %q, want %q once each", round, got, want)
		}
		// Every replica works on the one schema.
		for i, db := range dbs {
			if err := db.CreatePost(t.Context(), &feed.Post{ID: fmt.Sprint("p", i), Title: "P", Content: "c"}); err != nil {
				t.Errorf("round %d: replica %d: CreatePost: %v", round, i, err)
			}
		}
	}
}

func TestOpen_NoSchema(t *testing.T) {
	dsn := pgtest.WithParams(t, pgtest.BaseDSN(t), map[string]string{"search_path": "feedd_test_does_not_exist"})
	db, err := Open(t.Context(), dsn)
	if err == nil {
		db.Close()
		t.Fatal("Open with a search_path naming no schema succeeded")
	}
	if !strings.Contains(err.Error(), "schema") {
		t.Errorf("error %q does not say the schema is missing", err)
	}
}

func TestOpen_BadDSN(t *testing.T) {
	for _, dsn := range []string{"postgres://[::1", "port=notanumber"} {
		if db, err := Open(t.Context(), dsn); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", dsn)
		}
	}
}

func TestMigrations_SameAsSQLite(t *testing.T) {
	// The two stores number their migrations in step: the same files,
	// one per schema change, so that a change made to one is made to the
	// other.
	names := func(dir string) []string {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}
	got, want := names("migrations"), names("../sqlite/migrations")
	if len(want) == 0 {
		t.Fatal("no sqlite migrations")
	}
	if !slices.Equal(got, want) {
		t.Errorf("postgres migrations %q, sqlite migrations %q: want the same names", got, want)
	}
}

func TestMigrations_Numbered(t *testing.T) {
	storetest.CheckMigrationFiles(t, "migrations", len(migrationNames(t)))
}

func TestPosts_ByteOrder(t *testing.T) {
	// Ids order as bytes, as in SQLite, whatever the database's locale:
	// with en_US.UTF-8, "B" would sort between "a" and "c".
	db, _ := openTemp(t)
	published := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, id := range []string{"a", "B", "c", "_", "-", "Z9"} {
		if err := db.CreatePost(t.Context(), &feed.Post{ID: id, Title: "T", Content: "c", Published: published}); err != nil {
			t.Fatal(err)
		}
	}
	posts, err := db.Posts(t.Context(), store.PostFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range posts {
		ids = append(ids, p.ID)
	}
	if got, want := strings.Join(ids, " "), "c a _ Z9 B -"; got != want {
		t.Errorf("Posts = %s, want %s (bytes, descending)", got, want)
	}
	posts, err = db.Posts(t.Context(), store.PostFilter{Before: &store.Cursor{Published: published, ID: "_"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 3 || posts[0].ID != "Z9" {
		t.Errorf("Posts before _ = %d posts from %v, want Z9 B -", len(posts), posts)
	}
}

func TestStore_HTMLVersions(t *testing.T) {
	storetest.RunHTMLVersions(t, func(t *testing.T) store.Store {
		dsn, _ := pgtest.Schema(t)
		return mustOpen(t, dsn)
	}, func(s store.Store) (*sql.DB, func(string) string) {
		return s.(*DB).sql, sqlstore.Rebind
	})
}

func TestStore_Seek(t *testing.T) {
	defer func(n int) { sqlstore.SeekAfter = n }(sqlstore.SeekAfter)
	sqlstore.SeekAfter = 2
	storetest.RunSeek(t, func(t *testing.T) store.Store {
		dsn, _ := pgtest.Schema(t)
		return mustOpen(t, dsn)
	})
}

func TestStore_CommentImages(t *testing.T) {
	storetest.RunCommentImages(t, func(t *testing.T) store.Store {
		dsn, _ := pgtest.Schema(t)
		return mustOpen(t, dsn)
	}, func(s store.Store) (*sql.DB, func(string) string) {
		return s.(*DB).sql, sqlstore.Rebind
	})
}
