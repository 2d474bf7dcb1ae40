package postgres

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/postgres/pgtest"
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

// appliedMigrations lists the names recorded in schema_migrations, failing
// the test if a version is recorded out of order or twice.
func appliedMigrations(t *testing.T, db *DB) []string {
	t.Helper()
	rows, err := db.sql.QueryContext(t.Context(), `SELECT version, name FROM schema_migrations ORDER BY version`)
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
	want := migrationNames(t)
	dsn, _ := pgtest.Schema(t)
	db := mustOpen(t, dsn)
	if got := appliedMigrations(t, db); !slices.Equal(got, want) {
		t.Errorf("applied %q, want %q", got, want)
	}
	if err := db.CreatePost(t.Context(), &feed.Post{ID: "p", Title: "P", Content: "c"}); err != nil {
		t.Fatalf("CreatePost: %v", err)
	}
	db.Close()

	t.Run("ReopenIsIdempotent", func(t *testing.T) {
		for range 2 {
			db := mustOpen(t, dsn)
			if got := appliedMigrations(t, db); !slices.Equal(got, want) {
				t.Errorf("after reopen, applied %q, want %q", got, want)
			}
			if _, err := db.Post(t.Context(), "p"); err != nil {
				t.Errorf("Post after reopen: %v", err)
			}
			db.Close()
		}
	})

	t.Run("NewerSchema", func(t *testing.T) {
		db := mustOpen(t, dsn)
		_, err := db.sql.ExecContext(t.Context(),
			`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'from_the_future.sql', 0)`, len(want)+1)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		if db, err := Open(t.Context(), dsn); err == nil {
			db.Close()
			t.Fatal("Open of a schema from a newer feedd succeeded")
		}
	})
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
		if got := appliedMigrations(t, dbs[0]); !slices.Equal(got, want) {
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
	if got := migrationNames(t); len(got) != len(entries) {
		t.Errorf("embedded %d migrations, directory holds %d", len(got), len(entries))
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
	records, err := db.Changes(t.Context(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range records {
		if !r.At.Equal(want) {
			t.Errorf("change %d At = %v, want %v", r.Seq, r.At, want)
		}
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
		VALUES ('r', $1, $2, 'A', 'c', 0, 0)`
	for _, tt := range []struct{ post, parent string }{{"p", "c"}, {"p", "nope"}, {"nope", ""}} {
		if _, err := db.sql.ExecContext(t.Context(), insert, tt.post, nullable(tt.parent)); err == nil {
			t.Errorf("schema accepted a comment on post %q with parent %q", tt.post, tt.parent)
		}
	}
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
