package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/feedd/feedd/feed"
)

// fetchColumns selects a row of fetches, in scanFetch's order.
const fetchColumns = `source, post_id, url, etag, last_modified, last_poll, last_success, next_poll,
	last_status, last_error, failures, disabled`

// scanFetch reads a row of fetchColumns.
func scanFetch(row scanner) (*feed.Fetch, error) {
	var (
		f                               feed.Fetch
		lastPoll, lastSuccess, nextPoll int64
	)
	err := row.Scan(&f.Source, &f.PostID, &f.URL, &f.ETag, &f.LastModified, &lastPoll, &lastSuccess, &nextPoll,
		&f.LastStatus, &f.LastError, &f.Failures, &f.Disabled)
	if err != nil {
		return nil, err
	}
	f.LastPoll, f.LastSuccess, f.NextPoll = fromUnixOrZero(lastPoll), fromUnixOrZero(lastSuccess), fromUnixOrZero(nextPoll)
	return &f, nil
}

// unixOrZero stores a time as unix seconds, the zero time (never) as 0.
func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// fromUnixOrZero reads what unixOrZero stored: 0 is the zero time.
func fromUnixOrZero(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return fromUnix(sec)
}

// Fetch returns the polling state of a source's feed (postID empty) or of
// a mirrored post's comment feed.
func (db *DB) Fetch(ctx context.Context, source, postID string) (*feed.Fetch, error) {
	const query = `SELECT ` + fetchColumns + ` FROM fetches WHERE source = ? AND post_id = ?`
	f, err := scanFetch(db.db.QueryRowContext(ctx, query, source, postID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if postID != "" {
			return nil, feed.Errorf(feed.ENOTFOUND, "no fetch state of source %q post %q", source, postID)
		}
		return nil, feed.Errorf(feed.ENOTFOUND, "no fetch state of source %q", source)
	case err != nil:
		return nil, fmt.Errorf("select fetch of source %q post %q: %w", source, postID, err)
	}
	return f, nil
}

// SaveFetch stores f, replacing the state of (f.Source, f.PostID). Times
// are kept in whole seconds, the zero time as never. It logs no change.
func (db *DB) SaveFetch(ctx context.Context, f *feed.Fetch) error {
	if f == nil || f.Source == "" {
		return feed.Errorf(feed.EINVALID, "source: required")
	}
	// One statement, so no transaction: it inserts or replaces atomically.
	const upsert = `INSERT INTO fetches (` + fetchColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (source, post_id) DO UPDATE SET url = excluded.url, etag = excluded.etag,
			last_modified = excluded.last_modified, last_poll = excluded.last_poll,
			last_success = excluded.last_success, next_poll = excluded.next_poll,
			last_status = excluded.last_status, last_error = excluded.last_error,
			failures = excluded.failures, disabled = excluded.disabled`
	_, err := db.db.ExecContext(ctx, upsert, f.Source, f.PostID, f.URL, f.ETag, f.LastModified,
		unixOrZero(f.LastPoll), unixOrZero(f.LastSuccess), unixOrZero(f.NextPoll),
		f.LastStatus, f.LastError, f.Failures, f.Disabled)
	if err != nil {
		return fmt.Errorf("save fetch of source %q post %q: %w", f.Source, f.PostID, err)
	}
	return nil
}

// Fetches returns the polling states of one source, or of all when source
// is empty, by source and then post ("" first: the source's own feed).
func (db *DB) Fetches(ctx context.Context, source string) ([]*feed.Fetch, error) {
	query, args := `SELECT `+fetchColumns+` FROM fetches`, []any{}
	if source != "" {
		query, args = query+` WHERE source = ?`, append(args, source)
	}
	rows, err := db.db.QueryContext(ctx, query+` ORDER BY source, post_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("select fetches: %w", err)
	}
	defer rows.Close()
	var fetches []*feed.Fetch
	for rows.Next() {
		f, err := scanFetch(rows)
		if err != nil {
			return nil, fmt.Errorf("select fetches: %w", err)
		}
		fetches = append(fetches, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("select fetches: %w", err)
	}
	return fetches, nil
}
