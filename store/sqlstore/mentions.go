package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// mentionKey is the key of a (source, target) in mention_queue.
func mentionKey(source, target string) string {
	sum := sha256.Sum256([]byte(source + "\n" + target))
	return hex.EncodeToString(sum[:])
}

// QueueMention queues a Webmention unless max are waiting; one waiting
// already keeps its place and loses its claim.
func (db *DB) QueueMention(ctx context.Context, source, target string, max int) (bool, error) {
	if source == "" || target == "" {
		return false, feed.Errorf(feed.EINVALID, "queue mention: source and target required")
	}
	key := mentionKey(source, target)
	var queued bool
	err := db.Write(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE mention_queue SET claimed = 0 WHERE key = ?`, key)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			queued = n > 0
			return err
		}
		if max > 0 {
			// The count is of a small table, bounded by max. Processes
			// sharing PostgreSQL may each pass it at once: the bound is
			// soft there by the number of processes.
			var n int
			if err := tx.row(ctx, `SELECT COUNT(*) FROM mention_queue`).Scan(&n); err != nil {
				return err
			}
			if n >= max {
				queued = false
				return nil
			}
		}
		// DO NOTHING: another process queued it meanwhile, as good.
		_, err = tx.exec(ctx, `INSERT INTO mention_queue (key, source, target, received, claimed)
			VALUES (?, ?, ?, ?, 0) ON CONFLICT (key) DO NOTHING`, key, source, target, db.now().Unix())
		queued = err == nil
		return err
	})
	if err != nil {
		return false, errorf(err, "queue mention: %w", err)
	}
	return queued, nil
}

// ClaimMention claims the oldest waiting mention not claimed within
// lease.
func (db *DB) ClaimMention(ctx context.Context, lease time.Duration) (*store.PendingMention, error) {
	if lease <= 0 {
		return nil, feed.Errorf(feed.EINVALID, "claim mention: the lease must be positive")
	}
	// SKIP LOCKED where the dialect locks rows: a concurrent claimer takes
	// the next one rather than waiting for this one and finding it taken;
	// the outer condition repeats the inner, which PostgreSQL checks again
	// on a row a concurrent claim changed.
	query := `UPDATE mention_queue SET claimed = ?
		WHERE key = (SELECT key FROM mention_queue WHERE claimed < ?
			ORDER BY received, key LIMIT 1` + db.lock("FOR UPDATE SKIP LOCKED") + `)
		AND claimed < ?
		RETURNING source, target, received, claimed`
	var m *store.PendingMention
	err := db.Write(ctx, func(tx *Tx) error {
		// Read the clock afresh on each attempt: a retry runs later.
		now := db.Now().UnixMilli()
		stale := now - lease.Milliseconds()
		var (
			p        store.PendingMention
			received int64
		)
		err := tx.row(ctx, query, now, stale, stale).Scan(&p.Source, &p.Target, &received, &p.Claim)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			m = nil
			return nil
		case err != nil:
			return err
		}
		p.Received = fromUnix(received)
		m = &p
		return nil
	})
	if err != nil {
		return nil, errorf(err, "claim mention: %w", err)
	}
	return m, nil
}

// DoneMention removes a claimed mention unless it was received again.
func (db *DB) DoneMention(ctx context.Context, m *store.PendingMention) error {
	err := db.Write(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `DELETE FROM mention_queue WHERE key = ? AND claimed = ?`, mentionKey(m.Source, m.Target), m.Claim)
		return err
	})
	if err != nil {
		return errorf(err, "mention done: %w", err)
	}
	return nil
}
