package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

func TestMigrate_0002Backfill(t *testing.T) {
	// A database as feedd left it before 0002, with a thread three deep.
	path := filepath.Join(t.TempDir(), "feedd.db")
	sqlDB, err := sql.Open("sqlite", path+"?"+dsnParams)
	if err != nil {
		t.Fatal(err)
	}
	old := newDB(sqlDB, path)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if err := old.migrateTo(t.Context(), ms[:1]); err != nil {
		old.Close()
		t.Fatalf("migrate to 0001: %v", err)
	}
	for _, q := range []string{
		`INSERT INTO posts (id, title, content, published, updated) VALUES ('p', 'P', 'c', 0, 0)`,
		`INSERT INTO posts (id, title, content, published, updated) VALUES ('q', 'Q', 'c', 0, 0)`,
		`INSERT INTO comments (id, post_id, parent_id, author_name, author_uri, content, published, updated)
			VALUES ('c0', 'p', NULL, 'Ann', 'https://ann.example/', 'c', 1, 1),
			       ('c1', 'p', 'c0', 'BOB', '', 'c', 2, 2),
			       ('c2', 'p', 'c1', 'Ann', 'https://ann.example/', 'c', 3, 3),
			       ('d0', 'p', NULL, 'Cy', '', 'c', 4, 4),
			       ('d1', 'p', 'd0', 'Cy', '', 'c', 5, 5),
			       ('e0', 'q', NULL, 'Cy', '', 'c', 6, 6)`,
	} {
		if _, err := old.db.ExecContext(t.Context(), q); err != nil {
			old.Close()
			t.Fatal(err)
		}
	}
	old.Close()

	db := mustOpen(t, path)
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
	for _, author := range [][2]string{{"ann", "https://ann.example/"}, {"Bob", ""}, {"CY", ""}} {
		if ok, err := db.HasApprovedComment(t.Context(), author[0], author[1]); !ok || err != nil {
			t.Errorf("HasApprovedComment(%q, %q) = %v, %v; want true", author[0], author[1], ok, err)
		}
	}
	// The backfilled database takes replies at the right depth.
	c := &feed.Comment{PostID: "p", ParentID: "c2", AuthorName: "Dee", Content: "c"}
	if err := db.CreateComment(t.Context(), c); err != nil || c.Depth != 3 {
		t.Errorf("reply to c2: Depth %d, err %v; want 3", c.Depth, err)
	}
}

func TestDB_NowAuthoring(t *testing.T) {
	db, _ := openTemp(t)
	now := time.Date(2025, 2, 3, 4, 5, 6, 700_000_000, time.FixedZone("X", 3600))
	db.Now = func() time.Time { return now }
	clock := func() time.Time { return now.UTC().Truncate(time.Second) }

	p := &feed.Post{ID: "p", Title: "P", Content: "c", Published: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := db.CreatePost(t.Context(), p); err != nil {
		t.Fatalf("CreatePost: %v", err)
	}
	p, err := db.UpdatePost(t.Context(), "p", store.PostUpdate{Title: ptr("P2")})
	if err != nil {
		t.Fatalf("UpdatePost: %v", err)
	}
	if !p.Updated.Equal(clock()) {
		t.Errorf("Updated = %v, want the clock's %v", p.Updated, clock())
	}
	// A clock set back still moves Updated, by a second.
	now = now.Add(-time.Hour)
	prev := p.Updated
	if p, err = db.UpdatePost(t.Context(), "p", store.PostUpdate{Title: ptr("P3")}); err != nil {
		t.Fatalf("UpdatePost: %v", err)
	}
	if want := prev.Add(time.Second); !p.Updated.Equal(want) {
		t.Errorf("Updated = %v with the clock behind, want %v", p.Updated, want)
	}

	now = now.Add(2 * time.Hour)
	c := &feed.Comment{ID: "c", PostID: "p", AuthorName: "A", Content: "c", Status: feed.StatusPending,
		Published: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)}
	if err := db.CreateComment(t.Context(), c); err != nil {
		t.Fatalf("CreateComment: %v", err)
	}
	now = now.Add(time.Minute)
	if c, err = db.UpdateComment(t.Context(), "c", store.CommentUpdate{Status: ptr(feed.StatusApproved)}); err != nil {
		t.Fatalf("UpdateComment: %v", err)
	}
	if !c.Updated.Equal(clock()) {
		t.Errorf("approved comment Updated = %v, want the clock's %v", c.Updated, clock())
	}

	now = now.Add(time.Minute)
	deleted := clock()
	if _, err := db.DeleteComment(t.Context(), "c"); err != nil {
		t.Fatalf("DeleteComment: %v", err)
	}
	stones, err := db.Tombstones(t.Context(), feed.CommentsFeed, 0)
	if err != nil || len(stones) != 1 || !stones[0].Deleted.Equal(deleted) {
		t.Fatalf("Tombstones = %v, %v; want c deleted at %v", stones, err, deleted)
	}
	records, err := db.Changes(t.Context(), 0, 0)
	if err != nil || len(records) != 6 {
		t.Fatalf("Changes = %v, %v; want 6 records", records, err)
	}
	if !records[5].At.Equal(deleted) || records[5].At.Location() != time.UTC {
		t.Errorf("last change At = %v, want %v", records[5].At, deleted)
	}

	// Deleted before the cutoff: strictly, and to the nanosecond.
	if res, err := db.Purge(t.Context(), deleted); err != nil || res.Comments != 0 {
		t.Errorf("Purge(deletion time) = %+v, %v; want nothing", res, err)
	}
	if res, err := db.Purge(t.Context(), deleted.Add(time.Nanosecond)); err != nil || res.Comments != 1 {
		t.Errorf("Purge(just after) = %+v, %v; want the comment", res, err)
	}
}

func TestPurge_Husk(t *testing.T) {
	db, _ := openTemp(t)
	if err := db.CreatePost(t.Context(), &feed.Post{ID: "p", Title: "P", Content: "c"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*feed.Comment{
		{ID: "c1", PostID: "p", AuthorName: "Ann", AuthorURI: "https://ann.example/", Content: "secret"},
		{ID: "c2", PostID: "p", ParentID: "c1", AuthorName: "Bob", Content: "reply"},
	} {
		if err := db.CreateComment(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.DeleteComment(t.Context(), "c1"); err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(time.Hour)
	if _, err := db.Purge(t.Context(), future); err != nil {
		t.Fatalf("Purge: %v", err)
	}
	// c1 stays for c2's sake, but keeps nothing of what it said, nor who
	// said it.
	var content, name, uri, key string
	var tombstone int
	const query = `SELECT content, author_name, author_uri, author_key, tombstone FROM comments WHERE id = 'c1'`
	if err := db.db.QueryRowContext(t.Context(), query).Scan(&content, &name, &uri, &key, &tombstone); err != nil {
		t.Fatalf("select husk: %v", err)
	}
	if content != "" || name != "" || uri != "" || key != "" || tombstone != 2 {
		t.Errorf("husk = %q %q %q %q %d, want everything erased, tombstone 2", content, name, uri, key, tombstone)
	}
	checkForeignKeys(t, db)

	if _, err := db.DeleteComment(t.Context(), "c2"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeletePost(t.Context(), "p"); err != nil {
		t.Fatal(err)
	}
	res, err := db.Purge(t.Context(), future)
	if err != nil {
		t.Fatalf("Purge: %v", err)
	}
	if res.Posts != 1 || res.Comments != 1 {
		t.Errorf("Purge = %+v, want the post and c2 (c1 was counted before)", res)
	}
	var n int
	if err := db.db.QueryRowContext(t.Context(), `SELECT (SELECT COUNT(*) FROM comments) + (SELECT COUNT(*) FROM posts)`).Scan(&n); err != nil || n != 0 {
		t.Errorf("after the last purge %d rows remain (%v), want none", n, err)
	}
	checkForeignKeys(t, db)
}

// checkForeignKeys fails the test if any row breaks a foreign key.
func checkForeignKeys(t *testing.T, db *DB) {
	t.Helper()
	rows, err := db.db.QueryContext(t.Context(), `PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatalf("foreign_key_check: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			table, parent string
			rowid         sql.NullInt64
			fk            int
		)
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			t.Fatal(err)
		}
		t.Errorf("foreign key %d of %s row %v to %s is broken", fk, table, rowid, parent)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// ptr returns a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }
