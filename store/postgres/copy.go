package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

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
	err := db.read(ctx, func(q querier) error {
		return q.QueryRow(ctx, query).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("count records: %w", err)
	}
	return n, nil
}

// The orders of Dump, the same as the SQLite store's (ids are COLLATE
// "C"). Posts go by publication, comments by depth first: a reply is one
// deeper than its parent (stores keep Depth so), so every parent comes
// before its replies, and all posts before any comment.
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
//
// It is not retried on a lost connection, as reads are: the records
// yielded before the failure are gone to the caller.
func (db *DB) Dump(ctx context.Context, yield func(store.Record) error) error {
	// REPEATABLE READ: every statement of the transaction reads the
	// snapshot of its first, so the records are consistent while writers
	// go on.
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("dump: begin: %w", err)
	}
	defer tx.Rollback(ctx)

	err = each(ctx, tx, dumpPostsQuery, func(rows pgx.Rows) error {
		var deleted *int64
		p, _, err := scanPost(extra{rows, []any{&deleted}})
		if err != nil {
			return err
		}
		return yield(store.Record{Post: &store.PostRecord{Post: *p, Deleted: fromNullUnix(deleted)}})
	})
	if err != nil {
		return fmt.Errorf("dump posts: %w", err)
	}
	err = each(ctx, tx, dumpCommentsQuery, func(rows pgx.Rows) error {
		var (
			deleted   *int64
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
	err = each(ctx, tx, dumpFetchesQuery, func(rows pgx.Rows) error {
		f, err := scanFetch(rows)
		if err != nil {
			return err
		}
		return yield(store.Record{Fetch: f})
	})
	if err != nil {
		return fmt.Errorf("dump fetches: %w", err)
	}
	err = each(ctx, tx, dumpSubscriptionsQuery, func(rows pgx.Rows) error {
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

// each runs query in tx and calls f on each row, as the server sends them.
func each(ctx context.Context, tx pgx.Tx, query string, f func(rows pgx.Rows) error) error {
	rows, err := tx.Query(ctx, query)
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
	row  pgx.Row
	dest []any
}

func (e extra) Scan(dest ...any) error { return e.row.Scan(append(dest, e.dest...)...) }

// fromNullUnix reads a deletion time: NULL, while live, is the zero time.
func fromNullUnix(sec *int64) time.Time {
	if sec == nil {
		return time.Time{}
	}
	return fromUnix(*sec)
}

// nullUnix stores a deletion time: the zero time, live, is NULL.
func nullUnix(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	sec := t.Unix()
	return &sec
}

// Load stores records as Dump yields them, in one transaction: all or
// none. It writes them as they are, ids, times, statuses and deletions
// included, without the defaults and checks of CreatePost and
// CreateComment (the schema's constraints still hold), and logs no change;
// it does notify watchers, as other processes may serve the store. A post
// or comment whose id is taken is ECONFLICT, a comment whose post or
// parent is not stored yet EINVALID.
func (db *DB) Load(ctx context.Context, recs []store.Record) error {
	if len(recs) == 0 {
		return nil
	}
	// The statements go in one batch, one round trip, for all the
	// records. Each names its record, to report which failed.
	type statement struct {
		what, sql string
		args      []any
	}
	var stmts []statement
	queue := func(what, sql string, args ...any) {
		stmts = append(stmts, statement{what, sql, args})
	}
	for i, r := range recs {
		switch {
		case !r.Single():
			return feed.Errorf(feed.EINVALID, "record %d: exactly one of post, comment, fetch and subscription must be set", i)
		case r.Post != nil:
			p := &r.Post.Post
			if p.ID == "" {
				return feed.Errorf(feed.EINVALID, "load post: id required")
			}
			name := fmt.Sprintf("post %q", p.ID)
			const insert = `INSERT INTO posts (id, title, content, format, summary, author_name, author_uri,
				published, updated, deleted_at, origin_source, origin_id, origin_url, origin_comments_url)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`
			var o feed.Origin // all '' for a native post
			if p.Origin != nil {
				o = *p.Origin
			}
			queue(name, insert, p.ID, p.Title, p.Content, p.Format, p.Summary, p.AuthorName, p.AuthorURI,
				p.Published.Unix(), p.Updated.Unix(), nullUnix(r.Post.Deleted), o.Source, o.ID, o.URL, o.CommentsURL)
			if len(p.Categories) > 0 {
				const categories = `INSERT INTO post_categories (post_id, position, name)
					SELECT $1, c.n - 1, c.name FROM unnest($2::text[]) WITH ORDINALITY AS c (name, n)`
				queue(name, categories, p.ID, p.Categories)
			}
		case r.Comment != nil:
			c := &r.Comment.Comment
			if c.ID == "" {
				return feed.Errorf(feed.EINVALID, "load comment: id required")
			}
			tombstone, key := 0, authorKey(c.AuthorName, c.AuthorURI)
			switch deleted := r.Comment.Deleted; {
			case r.Comment.Tombstone && deleted.IsZero():
				return feed.Errorf(feed.EINVALID, "load comment %q: a tombstone needs a deletion time", c.ID)
			case r.Comment.Tombstone:
				tombstone = 1
			case !deleted.IsZero() && c.AuthorName == "":
				tombstone, key = 2, "" // a husk, erased
			}
			const insert = `INSERT INTO comments (id, post_id, parent_id, author_name, author_uri, author_key,
				content, status, depth, published, updated, deleted_at, tombstone, origin_source, origin_id, origin_url)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`
			var o feed.Origin // all '' for a native comment
			if c.Origin != nil {
				o = *c.Origin
			}
			queue(fmt.Sprintf("comment %q", c.ID), insert, c.ID, c.PostID, nullable(c.ParentID), c.AuthorName,
				c.AuthorURI, key, c.Content, string(c.Status), c.Depth, c.Published.Unix(), c.Updated.Unix(),
				nullUnix(r.Comment.Deleted), tombstone, o.Source, o.ID, o.URL)
		case r.Fetch != nil:
			f := r.Fetch
			if f.Source == "" {
				return feed.Errorf(feed.EINVALID, "load fetch state: source required")
			}
			const insert = `INSERT INTO fetches (` + fetchColumns + `)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`
			queue(fmt.Sprintf("fetch state of source %q post %q", f.Source, f.PostID), insert,
				f.Source, f.PostID, f.URL, f.ETag, f.LastModified,
				unixOrZero(f.LastPoll), unixOrZero(f.LastSuccess), unixOrZero(f.NextPoll),
				f.LastStatus, f.LastError, f.Failures, f.Disabled)
		default:
			sub := r.Subscription
			const insert = `INSERT INTO subscriptions (` + subscriptionColumns + `) VALUES ($1, $2, $3, $4, $5)`
			queue(fmt.Sprintf("subscription of %q to %q", sub.Callback, sub.Topic), insert,
				sub.Topic, sub.Callback, []byte(sub.Secret), sub.Expires.Unix(), sub.Created.Unix())
		}
	}

	err := db.write(ctx, func(tx pgx.Tx) error {
		b := &pgx.Batch{} // afresh on each attempt, as write requires
		for _, st := range stmts {
			b.Queue(st.sql, st.args...)
		}
		queueNotify(b)
		res := tx.SendBatch(ctx, b)
		for _, st := range stmts {
			if _, err := res.Exec(); err != nil {
				res.Close()
				return loadError(err, st.what)
			}
		}
		return res.Close()
	})
	if err != nil {
		return errorf(err, "load: %w", err)
	}
	return nil
}

// loadError reports a failed insert of the record what names: a taken key
// as ECONFLICT, a broken rule of the schema (a missing post or parent, a
// status or format it does not know) as EINVALID. Other errors pass on
// unchanged, so that write can tell a lost connection.
func loadError(err error, what string) error {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return err
	}
	switch e.Code {
	case "23505": // unique_violation
		return feed.Errorf(feed.ECONFLICT, "load %s: already exists", what)
	case "23503": // foreign_key_violation
		return feed.Errorf(feed.EINVALID, "load %s: its post or parent is not stored", what)
	case "23514", "23502": // check_violation, not_null_violation
		return feed.Errorf(feed.EINVALID, "load %s: breaks a rule of the schema: %s", what, e.Message)
	}
	return fmt.Errorf("load %s: %w", what, err)
}
