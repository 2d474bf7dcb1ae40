package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

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
// and RETURNING yields a row only then. It runs under the database's write
// lock, so of concurrent claimers (connections or processes) the first
// moves the claim and the others, seeing it moved, return no row.
func (db *DB) ClaimJob(ctx context.Context, name string, period time.Duration) (bool, error) {
	slack, err := claimSlack(name, period)
	if err != nil {
		return false, err
	}
	const claim = `INSERT INTO jobs (name, claimed_at) VALUES (?1, ?2)
		ON CONFLICT (name) DO UPDATE SET claimed_at = excluded.claimed_at
			WHERE jobs.claimed_at < excluded.claimed_at - ?3
		RETURNING 1`
	var one int
	err = db.db.QueryRowContext(ctx, claim, name, db.Now().UnixMilli(), slack).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("claim job %q: %w", name, err)
	}
	return true, nil
}
