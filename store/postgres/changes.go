package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// Change-log order. A seq comes from the identity's sequence when the
// record is inserted, but becomes visible only when its transaction
// commits, and transactions commit in any order: without care, a poller
// could read seq 8, committed first, move its position to 8, and never see
// seq 7, committed a moment later.
//
// So every writer locks the changes table IN EXCLUSIVE MODE just before it
// appends its record, and holds the lock until it commits (PostgreSQL
// releases locks only at the end of a transaction, after the commit is
// visible). EXCLUSIVE conflicts with itself and with the ROW EXCLUSIVE lock
// an INSERT takes, but not with the ACCESS SHARE of a SELECT: writers take
// turns from their append to their commit, readers never wait. A writer
// draws its seq only once the writer before it has committed (or rolled
// back), so seqs become visible in increasing order, and every snapshot
// that shows seq n shows all the records below n that will ever exist.
// Rolled-back writes leave gaps, which Changes' "seq > after" passes over.
//
// The lock serializes only the tail of each write: the append and the
// COMMIT (its WAL flush). At a blog's write rates that is no cost; the
// alternative, pg_advisory_xact_lock on a constant, would do the same but
// collide with every other store or application that picked the same key
// in the database, where a table lock is scoped to this schema's table.
// Writers take no row locks after it, so it cannot take part in a deadlock.

// queueChange adds to b, the last batch of a write's transaction, the
// appending of a record of the write to the change log: commentID is
// empty for a write to a post.
//
// It also queues the notice that tells watchers of the store (see
// watch.go) of the write once it commits.
func queueChange(b *pgx.Batch, at time.Time, postID, commentID string) {
	b.Queue(`LOCK TABLE changes IN EXCLUSIVE MODE`)
	b.Queue(`INSERT INTO changes (at, post_id, comment_id) VALUES ($1, $2, $3)`, at.Unix(), postID, commentID)
	queueNotify(b)
}

// changesQuery selects the records of Changes: after $1, at most $2.
const changesQuery = `SELECT seq, at, post_id, comment_id FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2`

// Changes returns the change-log records after the given seq, oldest first.
func (db *DB) Changes(ctx context.Context, after int64, lim int) ([]store.ChangeRecord, error) {
	n, err := limit(lim)
	if err != nil {
		return nil, err
	}
	var records []store.ChangeRecord
	err = db.read(ctx, func(q querier) error {
		records = nil
		rows, err := q.Query(ctx, changesQuery, after, n)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				r                 store.ChangeRecord
				at                int64
				postID, commentID string
			)
			if err := rows.Scan(&r.Seq, &at, &postID, &commentID); err != nil {
				return err
			}
			r.At = fromUnix(at)
			if commentID == "" {
				r.Change.Post = &feed.Post{ID: postID}
			} else {
				r.Change.Comment = &feed.Comment{ID: commentID, PostID: postID}
			}
			records = append(records, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("select changes: %w", err)
	}
	return records, nil
}

// LastChange returns the newest seq of the change log, 0 when it is empty.
// After Purge has emptied the log it is the last seq handed out, which the
// next record will exceed (an identity never hands out a seq twice).
//
// It takes the table in SHARE mode, which waits for the writer that holds
// the EXCLUSIVE lock to commit: that writer has drawn a seq already, and a
// poller starting at it must not miss its record. (MAX(seq) alone would be
// safe, but not the sequence's value, read when Purge emptied the table.)
func (db *DB) LastChange(ctx context.Context) (int64, error) {
	var seq int64
	err := db.write(ctx, func(tx pgx.Tx) error {
		const query = `SELECT COALESCE(
			(SELECT MAX(seq) FROM changes),
			(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM changes_seq_seq))`
		b := &pgx.Batch{}
		b.Queue(`LOCK TABLE changes IN SHARE MODE`)
		b.Queue(query).QueryRow(func(row pgx.Row) error { return row.Scan(&seq) })
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return 0, fmt.Errorf("select last change: %w", err)
	}
	return seq, nil
}
