package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/storetest"
)

func TestMigrations(t *testing.T) {
	paths := map[*testing.T]string{}
	storetest.RunMigrations(t, func(t *testing.T, n int) storetest.OldSchema {
		path := filepath.Join(t.TempDir(), "feedd.db")
		paths[t] = path
		sqlDB, err := sql.Open("sqlite", path+"?"+dsnParams)
		if err != nil {
			t.Fatal(err)
		}
		old := newDB(sqlDB, path)
		ms, err := migrations()
		if err != nil {
			t.Fatal(err)
		}
		if err := old.migrateTo(t.Context(), ms[:n]); err != nil {
			old.Close()
			t.Fatalf("migrate to %s: %v", ms[n-1].Name, err)
		}
		return storetest.OldSchema{Store: old, DB: old.db}
	}, func(t *testing.T) store.Store {
		return mustOpen(t, paths[t])
	})
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
	const query = `SELECT content, author_name, author_uri, author_hash, tombstone FROM comments WHERE id = 'c1'`
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
