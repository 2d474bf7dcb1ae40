package sqlite

import (
	"context"
	"time"

	"github.com/feedd/feedd/feed"
)

// TODO(issue 6): placeholders until the subscription queries land.

func (db *DB) SaveSubscription(ctx context.Context, s *feed.Subscription) error {
	return feed.Errorf(feed.EINTERNAL, "SaveSubscription: not implemented")
}

func (db *DB) DeleteSubscription(ctx context.Context, topic, callback string) error {
	return feed.Errorf(feed.EINTERNAL, "DeleteSubscription: not implemented")
}

func (db *DB) Subscriptions(ctx context.Context, topic string, now time.Time) ([]*feed.Subscription, error) {
	return nil, feed.Errorf(feed.EINTERNAL, "Subscriptions: not implemented")
}

func (db *DB) ExpireSubscriptions(ctx context.Context, now time.Time) (int, error) {
	return 0, feed.Errorf(feed.EINTERNAL, "ExpireSubscriptions: not implemented")
}
