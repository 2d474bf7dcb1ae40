package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// OldSchema is a backend's database as an older feedd left it: a store
// whose schema holds only its first migrations, and the database under it
// for the rows that schema held (written with the older columns alone).
type OldSchema struct {
	Store store.Store
	DB    *sql.DB
}

// RunMigrations checks, on one backend, that each migration that changed
// existing rows carries them over: it fills a schema left at the migration
// before with rows as feedd then wrote them, and reads them back through a
// store opened at the newest schema, which migrates on open.
//
// old opens a new database at its first n migrations; reopen opens that
// same database (of the same t) at the newest schema. RunMigrations closes
// every store they return.
func RunMigrations(t *testing.T, old func(t *testing.T, n int) OldSchema, reopen func(t *testing.T) store.Store) {
	t.Run("0002Backfill", func(t *testing.T) { testMigrate0002(t, old, reopen) })
	t.Run("0003Sources", func(t *testing.T) { testMigrate0003(t, old, reopen) })
	t.Run("0008HTML", func(t *testing.T) { testMigrate0008(t, old, reopen) })
}

// fill runs the statements on the old schema and closes it.
func fill(t *testing.T, o OldSchema, stmts ...string) {
	t.Helper()
	defer o.Store.Close()
	for _, q := range stmts {
		if _, err := o.DB.ExecContext(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
}

func testMigrate0002(t *testing.T, old func(t *testing.T, n int) OldSchema, reopen func(t *testing.T) store.Store) {
	// A database as feedd left it before 0002, with a thread three deep.
	fill(t, old(t, 1),
		`INSERT INTO posts (id, title, content, published, updated) VALUES ('p', 'P', 'c', 0, 0)`,
		`INSERT INTO posts (id, title, content, published, updated) VALUES ('q', 'Q', 'c', 0, 0)`,
		`INSERT INTO comments (id, post_id, parent_id, author_name, author_uri, content, published, updated)
			VALUES ('c0', 'p', NULL, 'Ann', 'https://ann.example/', 'c', 1, 1),
			       ('c1', 'p', 'c0', 'BOB', '', 'c', 2, 2),
			       ('c2', 'p', 'c1', 'Ann', 'https://ann.example/', 'c', 3, 3),
			       ('d0', 'p', NULL, 'Cy', '', 'c', 4, 4),
			       ('d1', 'p', 'd0', 'Cy', '', 'c', 5, 5),
			       ('e0', 'q', NULL, 'Cy', '', 'c', 6, 6)`)

	db := reopen(t)
	defer db.Close()
	post, err := db.Post(t.Context(), "p")
	if err != nil {
		t.Fatalf("Post: %v", err)
	}
	if post.Format != feed.FormatHTML {
		t.Errorf("Format = %q, want html", post.Format)
	}
	comments, err := db.Comments(t.Context(), store.CommentFilter{})
	if err != nil {
		t.Fatalf("Comments: %v", err)
	}
	want := map[string]int{"c0": 0, "c1": 1, "c2": 2, "d0": 0, "d1": 1, "e0": 0}
	if len(comments) != len(want) {
		t.Errorf("got %d comments, want %d", len(comments), len(want))
	}
	for _, c := range comments {
		if c.Depth != want[c.ID] || c.Status != feed.StatusApproved {
			t.Errorf("comment %s: Depth %d, Status %q; want %d, approved", c.ID, c.Depth, c.Status, want[c.ID])
		}
	}
	// Comments from before author_hash have none: their authors are not
	// recognized by first-time moderation.
	if ok, err := db.HasApprovedAuthor(t.Context(), ""); ok || err != nil {
		t.Errorf("HasApprovedAuthor(\"\") = %v, %v; want false", ok, err)
	}
	// The backfilled database takes replies at the right depth.
	c := &feed.Comment{PostID: "p", ParentID: "c2", AuthorName: "Dee", Content: "c"}
	if err := db.CreateComment(t.Context(), c); err != nil || c.Depth != 3 {
		t.Errorf("reply to c2: Depth %d, err %v; want 3", c.Depth, err)
	}
}

func testMigrate0003(t *testing.T, old func(t *testing.T, n int) OldSchema, reopen func(t *testing.T) store.Store) {
	// A database as feedd left it before 0003, with a post and a comment.
	o := old(t, 2)
	if err := o.Store.CreatePost(t.Context(), &feed.Post{ID: "p", Title: "P", Content: "c"}); err == nil {
		// CreatePost writes the origin columns, which 0002 lacks.
		o.Store.Close()
		t.Fatal("CreatePost on a 0002 schema succeeded; the test no longer starts before 0003")
	}
	fill(t, o,
		`INSERT INTO posts (id, title, content, published, updated) VALUES ('p', 'P', 'c', 0, 0)`,
		`INSERT INTO comments (id, post_id, author_name, content, published, updated) VALUES ('c', 'p', 'A', 'c', 1, 1)`)

	db := reopen(t)
	defer db.Close()
	p, err := db.Post(t.Context(), "p")
	if err != nil || p.Origin != nil {
		t.Fatalf("Post = %+v, %v; want a native post", p, err)
	}
	c, err := db.Comment(t.Context(), "c")
	if err != nil || c.Origin != nil {
		t.Fatalf("Comment = %+v, %v; want a native comment", c, err)
	}
	counts, err := db.SourceCounts(t.Context())
	if err != nil || len(counts) != 0 {
		t.Errorf("SourceCounts = %v, %v; want none", counts, err)
	}
	up := &feed.Post{Title: "U", Content: "u", Origin: &feed.Origin{Source: "s", ID: "1"}}
	if changed, err := db.UpsertPost(t.Context(), up); err != nil || !changed {
		t.Errorf("UpsertPost after migration = %v, %v", changed, err)
	}
}

// AppliedMigrations lists the names recorded in a database's
// schema_migrations, failing the test if a version is recorded out of
// order or twice.
func AppliedMigrations(t testing.TB, db *sql.DB) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT version, name FROM schema_migrations ORDER BY version`)
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

// CheckMigrationFiles checks a backend's migrations directory dir: every
// file is named NNNN_name.sql, numbered from 0001 without gaps or repeats,
// and embedded is how many of them the backend embeds. It reads the
// directory itself, not only what go:embed picked up: a file misnamed
// 0002_x.sq would never run.
func CheckMigrationFiles(t *testing.T, dir string, embedded int) {
	t.Helper()
	entries, err := os.ReadDir(dir)
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
			t.Errorf("%s/%s: want a name like 0001_init.sql", dir, e.Name())
			continue
		}
		if want := fmt.Sprintf("%04d", i+1); m[1] != want {
			t.Errorf("%s/%s: want number %s; numbers run from 0001 without gaps or repeats", dir, e.Name(), want)
		}
	}
	if embedded != len(entries) {
		t.Errorf("embedded %d migrations, directory holds %d", embedded, len(entries))
	}
}

// RunOpen checks that opening a backend's database migrates it to want
// (the names of its migrations in order) once, that reopening it applies
// nothing again and keeps the data, and that a database a newer feedd
// migrated further is refused. open opens the same database on every call
// (empty on the first) and returns the store with the database under it;
// future is the statement that records one more migration, with the
// version as its one parameter, in the backend's placeholders.
func RunOpen(t *testing.T, want []string, open func(t *testing.T) (store.Store, *sql.DB, error), future string) {
	mustOpen := func(t *testing.T) (store.Store, *sql.DB) {
		t.Helper()
		st, db, err := open(t)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return st, db
	}
	st, db := mustOpen(t)
	if got := AppliedMigrations(t, db); !slices.Equal(got, want) {
		t.Errorf("applied %q, want %q", got, want)
	}
	if err := st.CreatePost(t.Context(), &feed.Post{ID: "p", Title: "P", Content: "c"}); err != nil {
		t.Fatalf("CreatePost: %v", err)
	}
	st.Close()

	t.Run("ReopenIsIdempotent", func(t *testing.T) {
		for range 2 {
			st, db := mustOpen(t)
			if got := AppliedMigrations(t, db); !slices.Equal(got, want) {
				t.Errorf("after reopen, applied %q, want %q", got, want)
			}
			if _, err := st.Post(t.Context(), "p"); err != nil {
				t.Errorf("Post after reopen: %v", err)
			}
			st.Close()
		}
	})

	t.Run("NewerSchema", func(t *testing.T) {
		st, db := mustOpen(t)
		_, err := db.ExecContext(t.Context(), future, len(want)+1)
		st.Close()
		if err != nil {
			t.Fatal(err)
		}
		if st, _, err := open(t); err == nil {
			st.Close()
			t.Fatal("Open of a database from a newer feedd succeeded")
		}
	})
}

func testMigrate0008(t *testing.T, old func(t *testing.T, n int) OldSchema, reopen func(t *testing.T) store.Store) {
	// A database as feedd left it before 0008: no derived HTML. Reads
	// derive it, and the pass at start-up derives and stores it (which
	// RunHTMLVersions checks in the database, on rows of version 0 alike).
	fill(t, old(t, 7),
		`INSERT INTO posts (id, title, content, format, published, updated)
			VALUES ('p', 'P', '<p>p<script>x</script></p>', 'html', 0, 0), ('m', 'M', '*m*', 'markdown', 1, 1)`,
		`INSERT INTO comments (id, post_id, parent_id, author_name, content, published, updated)
			VALUES ('c', 'p', NULL, 'Ann', 'a https://x.example/ link', 2, 2)`)

	db := reopen(t)
	defer db.Close()
	posts := map[string]string{"p": "<p>p</p>", "m": "<p><em>m</em></p>"}
	const comment = `<p>a <a href="https://x.example/" rel="nofollow ugc">https://x.example/</a> link</p>`
	check := func(when string) {
		t.Helper()
		for id, want := range posts {
			p, err := db.Post(t.Context(), id)
			if err != nil {
				t.Fatalf("Post(%s): %v", id, err)
			}
			checkHTML(t, "Post "+id+" "+when, p.HTML, p.HTMLVersion, want)
		}
		c, err := db.Comment(t.Context(), "c")
		if err != nil {
			t.Fatalf("Comment: %v", err)
		}
		checkHTML(t, "Comment "+when, c.HTML, c.HTMLVersion, comment)
	}
	check("before the pass")
	if n, err := db.DeriveHTML(t.Context()); n != 3 || err != nil {
		t.Errorf("DeriveHTML = %d, %v; want 3, nil", n, err)
	}
	check("after the pass")
	if n, err := db.DeriveHTML(t.Context()); n != 0 || err != nil {
		t.Errorf("DeriveHTML again = %d, %v; want 0, nil", n, err)
	}
}
