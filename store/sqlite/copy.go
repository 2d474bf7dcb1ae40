package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

var _ store.Copier = (*DB)(nil)

// CountRecords returns how many records Dump yields: every post and
// comment, deleted ones and husks included, every fetch state and every
// WebSub subscription.
func (db *DB) CountRecords(ctx context.Context) (int, error) {
	const query = `SELECT (SELECT COUNT(*) FROM posts) + (SELECT COUNT(*) FROM comments) +
		(SELECT COUNT(*) FROM fetches) + (SELECT COUNT(*) FROM subscriptions)`
	var n int
	if err := db.db.QueryRowContext(ctx, query).Scan(&n); err != nil {
		return 0, fmt.Errorf("count records: %w", err)
	}
	return n, nil
}

// The orders of Dump. Posts go by publication, comments by depth first:
// a reply is one deeper than its parent (stores keep Depth so), so every
// parent comes before its replies, and all posts before any comment.
// Ids are compared bytewise, as PostgreSQL's COLLATE "C" columns are, so
// that both stores dump in one order.
const (
	dumpPostsQuery = `SELECT ` + postColumns + `, p.deleted_at FROM posts p ORDER BY p.published, p.id`
	// c.deleted_at is set for the comments of a deleted post as well:
	// DeletePost deletes them with it.
	dumpCommentsQuery = `SELECT ` + commentColumns + `, c.deleted_at, c.tombstone
		FROM comments c JOIN posts p ON p.id = c.post_id ORDER BY c.depth, c.published, c.id`
	dumpFetchesQuery       = `SELECT ` + fetchColumns + ` FROM fetches ORDER BY source, post_id`
	dumpSubscriptionsQuery = `SELECT ` + subscriptionColumns + ` FROM subscriptions ORDER BY topic, callback`
)

// Dump yields every post, comment, fetch state and subscription, in the order Load
// needs, from one snapshot of the database.
func (db *DB) Dump(ctx context.Context, yield func(store.Record) error) error {
	// One read transaction: every record comes from one snapshot, while
	// writers go on (WAL). ReadOnly makes the driver BEGIN DEFERRED rather
	// than IMMEDIATE (see dsnParams), so the dump takes no write lock.
	tx, err := db.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("dump: begin: %w", err)
	}
	defer tx.Rollback()

	err = each(ctx, tx, dumpPostsQuery, func(rows *sql.Rows) error {
		var deleted sql.NullInt64
		p, _, err := scanPost(extra{rows, []any{&deleted}})
		if err != nil {
			return err
		}
		return yield(store.Record{Post: &store.PostRecord{Post: *p, Deleted: fromNullUnix(deleted)}})
	})
	if err != nil {
		return fmt.Errorf("dump posts: %w", err)
	}
	err = each(ctx, tx, dumpCommentsQuery, func(rows *sql.Rows) error {
		var (
			deleted   sql.NullInt64
			tombstone int
		)
		c, _, err := scanComment(extra{rows, []any{&deleted, &tombstone}})
		if err != nil {
			return err
		}
		// A husk (tombstone 2) goes as a deleted comment without a
		// tombstone, its author and text erased: see store.CommentRecord.
		return yield(store.Record{Comment: &store.CommentRecord{Comment: *c,
			Deleted: fromNullUnix(deleted), Tombstone: tombstone == 1}})
	})
	if err != nil {
		return fmt.Errorf("dump comments: %w", err)
	}
	err = each(ctx, tx, dumpFetchesQuery, func(rows *sql.Rows) error {
		f, err := scanFetch(rows)
		if err != nil {
			return err
		}
		return yield(store.Record{Fetch: f})
	})
	if err != nil {
		return fmt.Errorf("dump fetches: %w", err)
	}
	err = each(ctx, tx, dumpSubscriptionsQuery, func(rows *sql.Rows) error {
		sub, err := scanSubscription(rows)
		if err != nil {
			return err
		}
		return yield(store.Record{Subscription: sub})
	})
	if err != nil {
		return fmt.Errorf("dump subscriptions: %w", err)
	}
	return nil
}

// each runs query in tx and calls f on each row.
func each(ctx context.Context, tx *sql.Tx, query string, f func(rows *sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := f(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// extra scans a row that holds, after the columns its reader knows, the
// columns that dest receives: how Dump reads with scanPost and
// scanComment what they do not return.
type extra struct {
	row  scanner
	dest []any
}

func (e extra) Scan(dest ...any) error { return e.row.Scan(append(dest, e.dest...)...) }

// fromNullUnix reads a deletion time: NULL, while live, is the zero time.
func fromNullUnix(sec sql.NullInt64) time.Time {
	if !sec.Valid {
		return time.Time{}
	}
	return fromUnix(sec.Int64)
}

// nullUnix stores a deletion time: the zero time, live, is NULL.
func nullUnix(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

// Load stores records as Dump yields them, in one transaction: all or
// none. It writes them as they are, ids, times, statuses and deletions
// included, without the defaults and checks of CreatePost and
// CreateComment (the schema's constraints still hold), and logs no change.
// A post or comment whose id is taken is ECONFLICT, a comment whose post
// or parent is not stored yet EINVALID.
func (db *DB) Load(ctx context.Context, recs []store.Record) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("load: begin: %w", err)
	}
	defer tx.Rollback()

	for i, r := range recs {
		var err error
		switch {
		case !r.Single():
			err = feed.Errorf(feed.EINVALID, "record %d: exactly one of post, comment, fetch and subscription must be set", i)
		case r.Post != nil:
			err = loadPost(ctx, tx, r.Post)
		case r.Comment != nil:
			err = loadComment(ctx, tx, r.Comment)
		case r.Fetch != nil:
			err = loadFetch(ctx, tx, r.Fetch)
		default:
			err = loadSubscription(ctx, tx, r.Subscription)
		}
		if err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("load: commit: %w", err)
	}
	return nil
}

// loadPost inserts a post record as it is, with its categories.
func loadPost(ctx context.Context, tx *sql.Tx, r *store.PostRecord) error {
	p := &r.Post
	if p.ID == "" {
		return feed.Errorf(feed.EINVALID, "load post: id required")
	}
	const insert = `INSERT INTO posts (id, title, content, format, summary, author_name, author_uri,
		published, updated, deleted_at, origin_source, origin_id, origin_url, origin_comments_url)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	var o feed.Origin // all '' for a native post
	if p.Origin != nil {
		o = *p.Origin
	}
	_, err := tx.ExecContext(ctx, insert, p.ID, p.Title, p.Content, p.Format, p.Summary, p.AuthorName,
		p.AuthorURI, p.Published.Unix(), p.Updated.Unix(), nullUnix(r.Deleted),
		o.Source, o.ID, o.URL, o.CommentsURL)
	if err != nil {
		return loadError(err, fmt.Sprintf("post %q", p.ID))
	}
	if err := insertCategories(ctx, tx, p.ID, p.Categories); err != nil {
		return loadError(err, fmt.Sprintf("post %q", p.ID))
	}
	return nil
}

// loadComment inserts a comment record as it is. Its author_key is
// derived as the writers derive it, but for a husk, erased.
func loadComment(ctx context.Context, tx *sql.Tx, r *store.CommentRecord) error {
	c := &r.Comment
	if c.ID == "" {
		return feed.Errorf(feed.EINVALID, "load comment: id required")
	}
	tombstone, key := 0, authorKey(c.AuthorName, c.AuthorURI)
	switch {
	case r.Tombstone && r.Deleted.IsZero():
		return feed.Errorf(feed.EINVALID, "load comment %q: a tombstone needs a deletion time", c.ID)
	case r.Tombstone:
		tombstone = 1
	case !r.Deleted.IsZero() && c.AuthorName == "":
		tombstone, key = 2, ""
	}
	const insert = `INSERT INTO comments (id, post_id, parent_id, author_name, author_uri, author_key, content,
		status, depth, published, updated, deleted_at, tombstone, origin_source, origin_id, origin_url)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	var o feed.Origin // all '' for a native comment
	if c.Origin != nil {
		o = *c.Origin
	}
	_, err := tx.ExecContext(ctx, insert, c.ID, c.PostID, nullable(c.ParentID), c.AuthorName, c.AuthorURI, key,
		c.Content, string(c.Status), c.Depth, c.Published.Unix(), c.Updated.Unix(), nullUnix(r.Deleted), tombstone,
		o.Source, o.ID, o.URL)
	if err != nil {
		return loadError(err, fmt.Sprintf("comment %q", c.ID))
	}
	return nil
}

// loadFetch inserts a fetch state as SaveFetch stores it.
func loadFetch(ctx context.Context, tx *sql.Tx, f *feed.Fetch) error {
	if f.Source == "" {
		return feed.Errorf(feed.EINVALID, "load fetch state: source required")
	}
	const insert = `INSERT INTO fetches (` + fetchColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	_, err := tx.ExecContext(ctx, insert, f.Source, f.PostID, f.URL, f.ETag, f.LastModified,
		unixOrZero(f.LastPoll), unixOrZero(f.LastSuccess), unixOrZero(f.NextPoll),
		f.LastStatus, f.LastError, f.Failures, f.Disabled)
	if err != nil {
		return loadError(err, fmt.Sprintf("fetch state of source %q post %q", f.Source, f.PostID))
	}
	return nil
}

// loadSubscription inserts a WebSub subscription as it is, secret bytes,
// lease and Created kept.
func loadSubscription(ctx context.Context, tx *sql.Tx, sub *feed.Subscription) error {
	const insert = `INSERT INTO subscriptions (` + subscriptionColumns + `) VALUES (?, ?, ?, ?, ?)`
	_, err := tx.ExecContext(ctx, insert, sub.Topic, sub.Callback, []byte(sub.Secret), sub.Expires.Unix(), sub.Created.Unix())
	if err != nil {
		return loadError(err, fmt.Sprintf("subscription of %q to %q", sub.Callback, sub.Topic))
	}
	return nil
}

// loadError reports a failed insert of the record what names: a taken key
// as ECONFLICT, a broken rule of the schema (a missing post or parent, a
// status or format it does not know) as EINVALID.
func loadError(err error, what string) error {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return fmt.Errorf("load %s: %w", what, err)
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return feed.Errorf(feed.ECONFLICT, "load %s: already exists", what)
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return feed.Errorf(feed.EINVALID, "load %s: its post or parent is not stored", what)
	case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		return feed.Errorf(feed.EINVALID, "load %s: breaks a rule of the schema: %v", what, err)
	}
	return fmt.Errorf("load %s: %w", what, err)
}
