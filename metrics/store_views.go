package metrics

import (
	"context"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// The store methods of paging (counts) and of the WebSub hub
// (subscriptions), timed like the others.

func (s *timedStore) CountPosts(ctx context.Context, f store.PostFilter) (int, error) {
	start := time.Now()
	n, err := s.st.CountPosts(ctx, f)
	s.m.observeStore("CountPosts", start, err)
	return n, err
}

func (s *timedStore) CountComments(ctx context.Context, f store.CommentFilter) (int, error) {
	start := time.Now()
	n, err := s.st.CountComments(ctx, f)
	s.m.observeStore("CountComments", start, err)
	return n, err
}

func (s *timedStore) SaveSubscription(ctx context.Context, sub *feed.Subscription) error {
	start := time.Now()
	err := s.st.SaveSubscription(ctx, sub)
	s.m.observeStore("SaveSubscription", start, err)
	return err
}

func (s *timedStore) DeleteSubscription(ctx context.Context, topic, callback string) error {
	start := time.Now()
	err := s.st.DeleteSubscription(ctx, topic, callback)
	s.m.observeStore("DeleteSubscription", start, err)
	return err
}

func (s *timedStore) Subscriptions(ctx context.Context, topic string, now time.Time) ([]*feed.Subscription, error) {
	start := time.Now()
	subs, err := s.st.Subscriptions(ctx, topic, now)
	s.m.observeStore("Subscriptions", start, err)
	return subs, err
}

func (s *timedStore) ExpireSubscriptions(ctx context.Context, now time.Time) (int, error) {
	start := time.Now()
	n, err := s.st.ExpireSubscriptions(ctx, now)
	s.m.observeStore("ExpireSubscriptions", start, err)
	return n, err
}
