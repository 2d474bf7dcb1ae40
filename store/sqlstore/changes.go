package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// ChangesQuery selects the records of Changes: after ?1, at most ?2.
const ChangesQuery = `SELECT seq, at, post_id, comment_id FROM changes WHERE seq > ? ORDER BY seq LIMIT ?`

// Changes returns the change-log records after the given seq, oldest first.
func (db *DB) Changes(ctx context.Context, after int64, lim int) ([]store.ChangeRecord, error) {
	n, err := db.limit(lim)
	if err != nil {
		return nil, err
	}
	records, err := list(ctx, db, ChangesQuery, []any{after, n}, func(row scanner) (store.ChangeRecord, error) {
		var (
			r                 store.ChangeRecord
			at                int64
			postID, commentID string
		)
		err := row.Scan(&r.Seq, &at, &postID, &commentID)
		r.At = fromUnix(at)
		if commentID == "" {
			r.Change.Post = &feed.Post{ID: postID}
		} else {
			r.Change.Comment = &feed.Comment{ID: commentID, PostID: postID}
		}
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("select changes: %w", err)
	}
	return records, nil
}

// LastChange returns the newest seq of the change log, 0 when it is empty.
// After Purge has emptied the log it is the last seq handed out, which the
// next record will exceed (the engines never hand out a seq twice).
func (db *DB) LastChange(ctx context.Context) (int64, error) {
	var seq int64
	var err error
	if db.d.LastChangeLock == "" {
		err = db.one(ctx, db.d.LastChange, nil, &seq)
	} else {
		err = db.Write(ctx, func(tx *Tx) error {
			if _, err := tx.ExecContext(ctx, db.d.LastChangeLock); err != nil {
				return err
			}
			return tx.row(ctx, db.d.LastChange).Scan(&seq)
		})
	}
	if err != nil {
		return 0, fmt.Errorf("select last change: %w", err)
	}
	return seq, nil
}

// ClaimJob records a claim of job name at the store's clock (DB.Now, not
// the server's), unless the last claim of name is 0.9×period old or less.
// One upsert decides and writes: its DO UPDATE moves the claim only where
// its WHERE holds, and RETURNING yields a row only then. Concurrent
// claimers take turns on the row (SQLite: the write lock; PostgreSQL: the
// upsert's row lock, after which the WHERE sees the winner's claim).
func (db *DB) ClaimJob(ctx context.Context, name string, period time.Duration) (bool, error) {
	if name == "" {
		return false, feed.Errorf(feed.EINVALID, "job name: required")
	}
	if period <= 0 {
		return false, feed.Errorf(feed.EINVALID, "job %q: period must be positive", name)
	}
	slack := (period * 9 / 10).Milliseconds()
	const claim = `INSERT INTO jobs (name, claimed_at) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET claimed_at = excluded.claimed_at
			WHERE jobs.claimed_at < excluded.claimed_at - ?
		RETURNING 1`
	var claimed bool
	err := db.Write(ctx, func(tx *Tx) error {
		// Read the clock afresh on each attempt: a retry runs later.
		var one int
		err := tx.row(ctx, claim, name, db.Now().UnixMilli(), slack).Scan(&one)
		claimed = err == nil
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return false, errorf(err, "claim job %q: %w", name, err)
	}
	return claimed, nil
}
