package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// logChange appends a record of a write to the change log, in the write's
// transaction: commentID is empty for a write to a post. Writes take the
// database's write lock first (BEGIN IMMEDIATE), so records are numbered in
// commit order and a poller never sees a later seq before an earlier one.
func logChange(ctx context.Context, tx *sql.Tx, at time.Time, postID, commentID string) error {
	const insert = `INSERT INTO changes (at, post_id, comment_id) VALUES (?, ?, ?)`
	if _, err := tx.ExecContext(ctx, insert, at.Unix(), postID, commentID); err != nil {
		return fmt.Errorf("log change: %w", err)
	}
	return nil
}

// Changes returns the change-log records after the given seq, oldest first.
func (db *DB) Changes(ctx context.Context, after int64, lim int) ([]store.ChangeRecord, error) {
	n, err := limit(lim)
	if err != nil {
		return nil, err
	}
	const query = `SELECT seq, at, post_id, comment_id FROM changes WHERE seq > ? ORDER BY seq LIMIT ?`
	rows, err := db.db.QueryContext(ctx, query, after, n)
	if err != nil {
		return nil, fmt.Errorf("select changes: %w", err)
	}
	defer rows.Close()
	var records []store.ChangeRecord
	for rows.Next() {
		var (
			r                 store.ChangeRecord
			at                int64
			postID, commentID string
		)
		if err := rows.Scan(&r.Seq, &at, &postID, &commentID); err != nil {
			return nil, fmt.Errorf("select changes: %w", err)
		}
		r.At = fromUnix(at)
		if commentID == "" {
			r.Change.Post = &feed.Post{ID: postID}
		} else {
			r.Change.Comment = &feed.Comment{ID: commentID, PostID: postID}
		}
		records = append(records, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("select changes: %w", err)
	}
	return records, nil
}

// LastChange returns the newest seq of the change log, 0 when it is empty.
// After Purge has emptied the log it is the last seq handed out, which the
// next record will exceed (AUTOINCREMENT never reuses one).
func (db *DB) LastChange(ctx context.Context) (int64, error) {
	const query = `SELECT COALESCE(
		(SELECT MAX(seq) FROM changes),
		(SELECT seq FROM sqlite_sequence WHERE name = 'changes'),
		0)`
	var seq int64
	if err := db.db.QueryRowContext(ctx, query).Scan(&seq); err != nil {
		return 0, fmt.Errorf("select last change: %w", err)
	}
	return seq, nil
}
