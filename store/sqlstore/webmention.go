package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// webmentionColumns are the columns of an outbox row, as scanWebmention
// reads them.
const webmentionColumns = `post_id, target, post_version, present, state, endpoint, attempts, next_attempt,
	last_status, last_error, updated`

func scanWebmention(row scanner) (*store.OutboundWebmention, error) {
	var (
		w                    store.OutboundWebmention
		present              int
		next, updated        int64
		attempts, lastStatus int
	)
	err := row.Scan(&w.PostID, &w.Target, &w.Version, &present, &w.State, &w.Endpoint, &attempts, &next,
		&lastStatus, &w.LastError, &updated)
	w.Present, w.Attempts, w.LastStatus = present == 1, attempts, lastStatus
	w.NextAttempt, w.Updated = fromUnix(next), fromUnix(updated)
	return &w, err
}

// PlanWebmentions makes pending the rows of the targets that postID links
// to anew or links to still in a new version of the post (the receivers
// update their mentions: W3C Webmention §3.1.3), and of those it no longer
// links to, in one transaction. Both statements change only rows whose
// presence or version differs from the plan, so that planning the same
// links of the same version again (another process, or this one after a
// restart) writes nothing.
func (db *DB) PlanWebmentions(ctx context.Context, postID, version string, targets []string) (int, error) {
	if err := store.CheckWebmentionPlan(postID, version, targets); err != nil {
		return 0, err
	}
	// Never nil: SQLite's list of nil is JSON null, one NULL element.
	targets = append([]string{}, slices.Compact(slices.Sorted(slices.Values(targets)))...)
	// A pending row, due now, its past attempts forgotten; a claim under
	// way stays, so that one sender at a time works on a row.
	const add = `INSERT INTO webmention_outbox (post_id, target, post_version, present, state, next_attempt, updated)
		VALUES (?, ?, ?, 1, 'pending', ?, ?)
		ON CONFLICT (post_id, target) DO UPDATE SET post_version = excluded.post_version, present = 1,
			state = 'pending', endpoint = '', attempts = 0, next_attempt = excluded.next_attempt,
			last_status = 0, last_error = '', updated = excluded.updated
		WHERE webmention_outbox.present = 0 OR webmention_outbox.post_version <> excluded.post_version`
	remove := `UPDATE webmention_outbox SET post_version = ?, present = 0, state = 'pending', endpoint = '',
			attempts = 0, next_attempt = ?, last_status = 0, last_error = '', updated = ?
		WHERE post_id = ? AND present = 1 AND NOT (` + fmt.Sprintf(db.d.InList, "target") + `)`
	var n int
	err := db.Write(ctx, func(tx *Tx) error {
		n = 0
		now := db.now().Unix()
		for _, t := range targets {
			res, err := tx.exec(ctx, add, postID, t, version, now, now)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
		res, err := tx.exec(ctx, remove, version, now, now, postID, db.d.List(targets))
		if err != nil {
			return err
		}
		k, _ := res.RowsAffected()
		n += int(k)
		return nil
	})
	if err != nil {
		return 0, errorf(err, "plan webmentions of post %q: %w", postID, err)
	}
	return n, nil
}

// ClaimWebmentions claims due rows one by one in a transaction: each
// claim moves claimed_until only where no other claim holds, so that of
// two senders reading the same due rows each row goes to one. PostgreSQL's
// row locks (FOR UPDATE SKIP LOCKED) let concurrent claimers pass each
// other's rows; SQLite's writers take turns anyway.
func (db *DB) ClaimWebmentions(ctx context.Context, limit int, lease time.Duration) ([]*store.OutboundWebmention, error) {
	if limit <= 0 || lease <= 0 {
		return nil, feed.Errorf(feed.EINVALID, "claim webmentions: limit and lease must be positive")
	}
	due := `SELECT post_id, target FROM webmention_outbox
		WHERE state = 'pending' AND next_attempt <= ? AND claimed_until <= ?
		ORDER BY next_attempt, post_id, target LIMIT ?` + db.lock("FOR UPDATE SKIP LOCKED")
	const claim = `UPDATE webmention_outbox SET claimed_until = ?, attempts = attempts + 1
		WHERE post_id = ? AND target = ? AND state = 'pending' AND claimed_until <= ?
		RETURNING ` + webmentionColumns
	var out []*store.OutboundWebmention
	err := db.Write(ctx, func(tx *Tx) error {
		out = nil
		now := db.now()
		type key struct{ post, target string }
		var keys []key
		rows, err := tx.QueryContext(ctx, db.q(due), now.Unix(), now.Unix(), limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			var k key
			if err := rows.Scan(&k.post, &k.target); err != nil {
				rows.Close()
				return err
			}
			keys = append(keys, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		until := now.Add(lease).Unix()
		for _, k := range keys {
			w, err := scanWebmention(tx.row(ctx, claim, until, k.post, k.target, now.Unix()))
			if err != nil {
				return err
			}
			out = append(out, w)
		}
		return nil
	})
	if err != nil {
		return nil, errorf(err, "claim webmentions: %w", err)
	}
	return out, nil
}

// FinishWebmention records a claimed row's outcome, where the row is
// still as it was claimed.
func (db *DB) FinishWebmention(ctx context.Context, w *store.OutboundWebmention) (bool, error) {
	switch w.State {
	case store.WebmentionPending, store.WebmentionSent, store.WebmentionFailed, store.WebmentionNoEndpoint:
	default:
		return false, feed.Errorf(feed.EINVALID, "webmention state %q: want pending, sent, failed or no_endpoint", w.State)
	}
	const finish = `UPDATE webmention_outbox SET state = ?, endpoint = ?, next_attempt = ?, claimed_until = 0,
			last_status = ?, last_error = ?, updated = ?
		WHERE post_id = ? AND target = ? AND post_version = ? AND attempts = ? AND state = 'pending'`
	var ok bool
	err := db.Write(ctx, func(tx *Tx) error {
		now := db.now()
		next := w.NextAttempt
		if next.IsZero() {
			next = now
		}
		res, err := tx.exec(ctx, finish, w.State, w.Endpoint, next.Unix(), w.LastStatus, w.LastError, now.Unix(),
			w.PostID, w.Target, w.Version, w.Attempts)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		ok = n == 1
		return err
	})
	if err != nil {
		return false, errorf(err, "finish webmention of post %q to %q: %w", w.PostID, w.Target, err)
	}
	return ok, nil
}

// OutboundWebmentions lists outbox rows.
func (db *DB) OutboundWebmentions(ctx context.Context, postID string) ([]*store.OutboundWebmention, error) {
	query := `SELECT ` + webmentionColumns + ` FROM webmention_outbox`
	var args []any
	if postID != "" {
		query += ` WHERE post_id = ?`
		args = append(args, postID)
	}
	query += ` ORDER BY post_id, target`
	ws, err := list(ctx, db, query, args, scanWebmention)
	if err != nil {
		return nil, fmt.Errorf("read webmention outbox: %w", err)
	}
	return ws, nil
}

// WebmentionCursor reads the planning position.
func (db *DB) WebmentionCursor(ctx context.Context) (int64, bool, error) {
	var seqs []int64
	seqs, err := list(ctx, db, `SELECT seq FROM webmention_cursor WHERE id = 1`, nil, func(row scanner) (int64, error) {
		var s int64
		err := row.Scan(&s)
		return s, err
	})
	if err != nil {
		return 0, false, fmt.Errorf("read webmention cursor: %w", err)
	}
	if len(seqs) == 0 {
		return 0, false, nil
	}
	return seqs[0], true, nil
}

// SetWebmentionCursor moves the planning position forward.
func (db *DB) SetWebmentionCursor(ctx context.Context, seq int64) error {
	const set = `INSERT INTO webmention_cursor (id, seq) VALUES (1, ?)
		ON CONFLICT (id) DO UPDATE SET seq = excluded.seq WHERE webmention_cursor.seq < excluded.seq`
	err := db.Write(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, set, seq)
		return err
	})
	if err != nil {
		return fmt.Errorf("set webmention cursor: %w", err)
	}
	return nil
}
