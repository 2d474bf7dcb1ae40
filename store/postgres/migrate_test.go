package postgres

import (
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/postgres/pgtest"
	"github.com/feedd/feedd/store/storetest"
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

func TestMigrations(t *testing.T) {
	pgtest.BaseDSN(t)
	dsns := map[*testing.T]string{}
	storetest.RunMigrations(t, func(t *testing.T, n int) storetest.OldSchema {
		dsn, _ := pgtest.Schema(t)
		dsns[t] = dsn
		db := openAt(t, dsn, n)
		return storetest.OldSchema{Store: db, DB: db.sql}
	}, func(t *testing.T) store.Store {
		return mustOpen(t, dsns[t])
	})
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
		INSERT INTO comments (id, post_id, author_name, content, status, published, updated)
			SELECT 'c' || i, 'p' || (i % 500 + 1), 'A', 'c',
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
		plan := queryPlan(t, tx, tt.query, tt.args...)
		tx.Rollback()
		if !strings.Contains(plan, tt.index) {
			t.Errorf("%s: plan uses no %s:\n%s", tt.name, tt.index, plan)
		}
	}
}
