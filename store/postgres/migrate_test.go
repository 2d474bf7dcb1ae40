package postgres

import (
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/postgres/pgtest"
)

// openAt returns a store over dsn whose schema holds only the first n
// migrations, as an older feedd left it.
func openAt(t *testing.T, dsn string, n int) *DB {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db := newDB(cfg)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if err := db.migrateTo(t.Context(), ms[:n]); err != nil {
		db.Close()
		t.Fatalf("migrate to %s: %v", ms[n-1].Name, err)
	}
	return db
}

func TestMigrate_0002Backfill(t *testing.T) {
	// A schema as feedd left it before 0002, with a thread three deep.
	dsn, _ := pgtest.Schema(t)
	old := openAt(t, dsn, 1)
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
		if _, err := old.sql.ExecContext(t.Context(), q); err != nil {
			old.Close()
			t.Fatal(err)
		}
	}
	old.Close()

	db := mustOpen(t, dsn)
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
	// The backfilled schema takes replies at the right depth.
	c := &feed.Comment{PostID: "p", ParentID: "c2", AuthorName: "Dee", Content: "c"}
	if err := db.CreateComment(t.Context(), c); err != nil || c.Depth != 3 {
		t.Errorf("reply to c2: Depth %d, err %v; want 3", c.Depth, err)
	}
}

func TestMigrate_0003Sources(t *testing.T) {
	// A schema as feedd left it before 0003, with a post and a comment.
	dsn, _ := pgtest.Schema(t)
	old := openAt(t, dsn, 2)
	if err := old.CreatePost(t.Context(), &feed.Post{ID: "p", Title: "P", Content: "c"}); err == nil {
		// CreatePost writes the origin columns, which 0002 lacks.
		old.Close()
		t.Fatal("CreatePost on a 0002 schema succeeded; the test no longer starts before 0003")
	}
	for _, q := range []string{
		`INSERT INTO posts (id, title, content, published, updated) VALUES ('p', 'P', 'c', 0, 0)`,
		`INSERT INTO comments (id, post_id, author_name, content, published, updated) VALUES ('c', 'p', 'A', 'c', 1, 1)`,
	} {
		if _, err := old.sql.ExecContext(t.Context(), q); err != nil {
			old.Close()
			t.Fatal(err)
		}
	}
	old.Close()

	db := mustOpen(t, dsn)
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

func TestQueryPlans(t *testing.T) {
	// The lookups that run on every entry of every poll, and the reads of
	// every feed, must be able to use their (partial) indexes: the planner
	// uses a partial index only for a query that implies its condition.
	// The tables hold a blog's worth of rows, analyzed, so that the
	// planner weighs the indexes as in production.
	db, _ := openTemp(t)
	const seed = `
		INSERT INTO posts (id, title, content, published, updated, deleted_at)
			SELECT 'p' || i, 'T', 'c', i * 3600, i * 3600, CASE WHEN i % 50 = 0 THEN i * 3600 END
			FROM generate_series(1, 500) i;
		INSERT INTO comments (id, post_id, author_name, author_key, content, status, published, updated)
			SELECT 'c' || i, 'p' || (i % 500 + 1), 'A', 'a|', 'c',
				CASE WHEN i % 10 = 0 THEN 'pending' ELSE 'approved' END, i * 60, i * 60
			FROM generate_series(1, 20000) i;
		INSERT INTO changes (at, post_id, comment_id) SELECT i, 'p1', 'c' || i FROM generate_series(1, 20000) i;
		ANALYZE;`
	if _, err := db.sql.ExecContext(t.Context(), seed); err != nil {
		t.Fatal(err)
	}
	query := func(q string, args []any, err error) (string, []any) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return q, args
	}
	postsFeed, postsArgs := query(postsQuery(store.PostFilter{Limit: 25}))
	postsPage, pageArgs := query(postsQuery(store.PostFilter{Limit: 25, Before: &store.Cursor{Published: time.Now(), ID: "x"}}))
	threadFeed, threadArgs := query(commentsQuery(store.CommentFilter{PostID: "p7", Limit: 25}))
	commentsFeed, commentsArgs := query(commentsQuery(store.CommentFilter{Limit: 25}))
	// The views of feeds (feed.View): archives oldest first, orderby=updated,
	// author feeds.
	postsArchive, archiveArgs := query(postsQuery(store.PostFilter{Limit: 25, Offset: 50, Ascending: true}))
	postsUpdated, updatedArgs := query(postsQuery(store.PostFilter{Limit: 25, OrderBy: feed.OrderUpdated}))
	authorFeed, authorArgs := query(postsQuery(store.PostFilter{Limit: 25, Author: "Ann"}))
	threadArchive, threadArchiveArgs := query(commentsQuery(store.CommentFilter{PostID: "p7", Limit: 25, Ascending: true}))
	threadUpdated, threadUpdatedArgs := query(commentsQuery(store.CommentFilter{PostID: "p7", Limit: 25, OrderBy: feed.OrderUpdated}))
	commentsUpdated, commentsUpdatedArgs := query(commentsQuery(store.CommentFilter{Limit: 25, OrderBy: feed.OrderUpdated}))
	for _, tt := range []struct {
		name, query, index string
		args               []any
	}{
		{"postByOriginLock", postByOriginLock, "posts_origin_idx", []any{"s", "x"}},
		{"commentByOriginLock", commentByOriginLock, "comments_origin_idx", []any{"p", "s", "x"}},
		{"parentByOriginQuery", parentByOriginQuery, "comments_origin_idx", []any{"p", "s", "x"}},
		{"postByOriginQuery", postByOriginQuery, "posts_origin_idx", []any{"s", "x"}},
		{"commentAndParentByOriginQuery", commentAndParentByOriginQuery, "comments_origin_idx", []any{"p", "s", "x", "y"}},
		{"posts feed", postsFeed, "posts_live_idx", postsArgs},
		{"posts page", postsPage, "posts_live_idx", pageArgs},
		{"thread feed", threadFeed, "comments_thread_idx", threadArgs},
		{"comments feed", commentsFeed, "comments_status_idx", commentsArgs},
		{"posts archive", postsArchive, "posts_live_idx", archiveArgs},
		{"posts by updated", postsUpdated, "posts_updated_idx", updatedArgs},
		{"author feed", authorFeed, "posts_author_idx", authorArgs},
		{"thread archive", threadArchive, "comments_thread_idx", threadArchiveArgs},
		{"thread by updated", threadUpdated, "comments_thread_updated_idx", threadUpdatedArgs},
		{"comments by updated", commentsUpdated, "comments_status_updated_idx", commentsUpdatedArgs},
		{"changes", changesQuery, "changes_pkey", []any{19900, 100}},
	} {
		tx, err := db.sql.BeginTx(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := tx.QueryContext(t.Context(), `EXPLAIN `+tt.query, tt.args...)
		if err != nil {
			t.Fatalf("%s: EXPLAIN: %v", tt.name, err)
		}
		var plan strings.Builder
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan.WriteString(line + "\n")
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		tx.Rollback()
		if !strings.Contains(plan.String(), tt.index) {
			t.Errorf("%s: plan uses no %s:\n%s", tt.name, tt.index, plan.String())
		}
	}
}
