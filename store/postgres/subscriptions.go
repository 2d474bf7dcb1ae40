package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// subscriptionColumns selects a row of subscriptions, in
// scanSubscription's order.
const subscriptionColumns = `topic, callback, secret, expires, created`

// scanSubscription reads a row of subscriptionColumns.
func scanSubscription(row pgx.Row) (*feed.Subscription, error) {
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
	// One statement, which inserts or renews atomically, also against a
	// concurrent save of the same lease; RETURNING hands back the Created
	// a renewal kept.
	const upsert = `INSERT INTO subscriptions (` + subscriptionColumns + `) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (topic, callback) DO UPDATE SET secret = excluded.secret, expires = excluded.expires
		RETURNING created`
	var created int64
	err := db.write(ctx, func(tx pgx.Tx) error {
		// The secret goes in as BYTEA, byte for byte (see the migration).
		return tx.QueryRow(ctx, upsert, s.Topic, s.Callback, []byte(s.Secret),
			s.Expires.Unix(), s.Created.Unix()).Scan(&created)
	})
	if err != nil {
		return fmt.Errorf("save subscription of %q to %q: %w", s.Callback, s.Topic, err)
	}
	s.Created = fromUnix(created)
	return nil
}

// DeleteSubscription removes the subscription of (topic, callback).
func (db *DB) DeleteSubscription(ctx context.Context, topic, callback string) error {
	const del = `DELETE FROM subscriptions WHERE topic = $1 AND callback = $2`
	var n int64
	err := db.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, del, topic, callback)
		n = tag.RowsAffected()
		return err
	})
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
	query, args := `SELECT `+subscriptionColumns+` FROM subscriptions WHERE expires > $1`, []any{now.Unix()}
	if topic != "" {
		query, args = query+` AND topic = $2`, append(args, topic)
	}
	query += ` ORDER BY topic, callback`
	var subs []*feed.Subscription
	err := db.read(ctx, func(q querier) error {
		subs = nil
		rows, err := q.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			s, err := scanSubscription(rows)
			if err != nil {
				return err
			}
			subs = append(subs, s)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("select subscriptions: %w", err)
	}
	return subs, nil
}

// ExpireSubscriptions removes the leases that ended at or before now.
func (db *DB) ExpireSubscriptions(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := db.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM subscriptions WHERE expires <= $1`, now.Unix())
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("expire subscriptions: %w", err)
	}
	return int(n), nil
}
