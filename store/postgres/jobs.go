package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

var _ store.JobClaimer = (*DB)(nil)

// claimSlack checks the arguments of ClaimJob and returns the age, in
// milliseconds, that the last claim of a job must exceed for a new one to
// succeed: 0.9×period, the slack absorbing the jitter between processes.
func claimSlack(name string, period time.Duration) (int64, error) {
	if name == "" {
		return 0, feed.Errorf(feed.EINVALID, "job name: required")
	}
	if period <= 0 {
		return 0, feed.Errorf(feed.EINVALID, "job %q: period must be positive", name)
	}
	return (period * 9 / 10).Milliseconds(), nil
}

// ClaimJob records a claim of job name at the store's clock, unless the
// last claim of name is 0.9×period old or less, and reports whether it did.
//
// One statement decides and writes: the upsert inserts the job's first
// claim, or moves its claim only where the WHERE of its DO UPDATE holds,
// and RETURNING yields a row only then. Concurrent claimers of one job
// take turns on its row: ON CONFLICT DO UPDATE locks it, and a claimer
// that waited evaluates the WHERE on the row as the winner committed it,
// so it sees the claim moved and returns no row. Two first claims that
// race to insert settle the same way, on the primary key.
//
// The times compared are those of the claimers' clocks (DB.Now), not the
// server's: the processes' clocks must agree to well within the slack.
func (db *DB) ClaimJob(ctx context.Context, name string, period time.Duration) (bool, error) {
	slack, err := claimSlack(name, period)
	if err != nil {
		return false, err
	}
	const claim = `INSERT INTO jobs (name, claimed_at) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET claimed_at = excluded.claimed_at
			WHERE jobs.claimed_at < excluded.claimed_at - $3
		RETURNING true`
	var claimed bool
	err = db.write(ctx, func(tx pgx.Tx) error {
		// Read the clock afresh on each attempt: a retry runs later.
		err := tx.QueryRow(ctx, claim, name, db.Now().UnixMilli(), slack).Scan(&claimed)
		if errors.Is(err, pgx.ErrNoRows) {
			claimed = false
			return nil
		}
		return err
	})
	if err != nil {
		return false, errorf(err, "claim job %q: %w", name, err)
	}
	return claimed, nil
}
