package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// subscriptionColumns selects a row of subscriptions, in
// scanSubscription's order.
const subscriptionColumns = `topic, callback, secret, expires, created`

// scanSubscription reads a row of subscriptionColumns.
func scanSubscription(row scanner) (*feed.Subscription, error) {
	var (
		s                feed.Subscription
		secret           []byte
		expires, created int64
	)
	if err := row.Scan(&s.Topic, &s.Callback, &secret, &expires, &created); err != nil {
		return nil, err
	}
	s.Secret, s.Expires, s.Created = string(secret), fromUnix(expires), fromUnix(created)
	return &s, nil
}

// SaveSubscription stores s, replacing the lease of (s.Topic, s.Callback)
// but keeping its Created. A zero Created is the store's clock. On success
// s holds the stored values. It logs no change.
func (db *DB) SaveSubscription(ctx context.Context, s *feed.Subscription) error {
	if err := store.ValidateSubscription(db.now(), s); err != nil {
		return err
	}
	// One statement, so no transaction: it inserts or renews atomically,
	// and RETURNING hands back the Created a renewal kept.
	const upsert = `INSERT INTO subscriptions (` + subscriptionColumns + `) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (topic, callback) DO UPDATE SET secret = excluded.secret, expires = excluded.expires
		RETURNING created`
	var created int64
	// The secret goes in as a BLOB, byte for byte (see the migration).
	err := db.db.QueryRowContext(ctx, upsert, s.Topic, s.Callback, []byte(s.Secret),
		s.Expires.Unix(), s.Created.Unix()).Scan(&created)
	if err != nil {
		return fmt.Errorf("save subscription of %q to %q: %w", s.Callback, s.Topic, err)
	}
	s.Created = fromUnix(created)
	return nil
}

// DeleteSubscription removes the subscription of (topic, callback).
func (db *DB) DeleteSubscription(ctx context.Context, topic, callback string) error {
	const del = `DELETE FROM subscriptions WHERE topic = ? AND callback = ?`
	res, err := db.db.ExecContext(ctx, del, topic, callback)
	if err != nil {
		return fmt.Errorf("delete subscription of %q to %q: %w", callback, topic, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("delete subscription of %q to %q: %w", callback, topic, err)
	}
	if n == 0 {
		return feed.Errorf(feed.ENOTFOUND, "no subscription of %q to %q", callback, topic)
	}
	return nil
}

// Subscriptions returns the leases of topic (of every topic when empty)
// that end after now, by topic and callback.
func (db *DB) Subscriptions(ctx context.Context, topic string, now time.Time) ([]*feed.Subscription, error) {
	// Leases end on whole seconds, so comparing with now rounded down to
	// one is exact: expires > now.Unix() just when expires is after now.
	query, args := `SELECT `+subscriptionColumns+` FROM subscriptions WHERE expires > ?`, []any{now.Unix()}
	if topic != "" {
		query, args = query+` AND topic = ?`, append(args, topic)
	}
	rows, err := db.db.QueryContext(ctx, query+` ORDER BY topic, callback`, args...)
	if err != nil {
		return nil, fmt.Errorf("select subscriptions: %w", err)
	}
	defer rows.Close()
	var subs []*feed.Subscription
	for rows.Next() {
		s, err := scanSubscription(rows)
		if err != nil {
			return nil, fmt.Errorf("select subscriptions: %w", err)
		}
		subs = append(subs, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("select subscriptions: %w", err)
	}
	return subs, nil
}

// ExpireSubscriptions removes the leases that ended at or before now.
func (db *DB) ExpireSubscriptions(ctx context.Context, now time.Time) (int, error) {
	res, err := db.db.ExecContext(ctx, `DELETE FROM subscriptions WHERE expires <= ?`, now.Unix())
	if err != nil {
		return 0, fmt.Errorf("expire subscriptions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("expire subscriptions: %w", err)
	}
	return int(n), nil
}
