package metrics

import (
	"context"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// Store returns st with every call timed into
// feedd_store_operation_duration_seconds{operation="<method>"}, and its
// failures counted in feedd_store_operation_errors_total: errors whose
// feed.ErrorCode is EINTERNAL, other than context.Canceled (ENOTFOUND,
// EGONE, EINVALID and ECONFLICT are answers, not failures). Wrap the store
// once, right after opening it, and hand the result to everything.
//
// Every store implements the whole store.Store (the once optional
// JobClaimer, Watcher and Copier included), and so does the wrapper, which
// times each method under its name. Unwrap returns st.
func (m *M) Store(st store.Store) store.Store { return &timedStore{st: st, m: m} }

// timedStore times the methods of store.Store.
type timedStore struct {
	st store.Store
	m  *M
}

// Unwrap returns the store that the metrics wrap.
func (s *timedStore) Unwrap() store.Store { return s.st }

// timed runs f, the call of operation op, and observes its time and error.
func timed[T any](s *timedStore, op string, f func() (T, error)) (T, error) {
	start := time.Now()
	v, err := f()
	s.m.observeStore(op, start, err)
	return v, err
}

// timed0 is timed for a method that returns only an error.
func timed0(s *timedStore, op string, f func() error) error {
	_, err := timed(s, op, func() (struct{}, error) { return struct{}{}, f() })
	return err
}

func (s *timedStore) CreatePost(ctx context.Context, p *feed.Post) error {
	return timed0(s, "CreatePost", func() error { return s.st.CreatePost(ctx, p) })
}

func (s *timedStore) Post(ctx context.Context, id string) (*feed.Post, error) {
	return timed(s, "Post", func() (*feed.Post, error) { return s.st.Post(ctx, id) })
}

func (s *timedStore) Posts(ctx context.Context, f store.PostFilter) ([]*feed.Post, error) {
	return timed(s, "Posts", func() ([]*feed.Post, error) { return s.st.Posts(ctx, f) })
}

func (s *timedStore) UpdatePost(ctx context.Context, id string, u store.PostUpdate) (*feed.Post, error) {
	return timed(s, "UpdatePost", func() (*feed.Post, error) { return s.st.UpdatePost(ctx, id, u) })
}

func (s *timedStore) DeletePost(ctx context.Context, id string) (*feed.Post, error) {
	return timed(s, "DeletePost", func() (*feed.Post, error) { return s.st.DeletePost(ctx, id) })
}

func (s *timedStore) CountPosts(ctx context.Context, f store.PostFilter) (int, error) {
	return timed(s, "CountPosts", func() (int, error) { return s.st.CountPosts(ctx, f) })
}

func (s *timedStore) CreateComment(ctx context.Context, c *feed.Comment) error {
	return timed0(s, "CreateComment", func() error { return s.st.CreateComment(ctx, c) })
}

func (s *timedStore) Comment(ctx context.Context, id string) (*feed.Comment, error) {
	return timed(s, "Comment", func() (*feed.Comment, error) { return s.st.Comment(ctx, id) })
}

func (s *timedStore) Comments(ctx context.Context, f store.CommentFilter) ([]*feed.Comment, error) {
	return timed(s, "Comments", func() ([]*feed.Comment, error) { return s.st.Comments(ctx, f) })
}

func (s *timedStore) UpdateComment(ctx context.Context, id string, u store.CommentUpdate) (*feed.Comment, error) {
	return timed(s, "UpdateComment", func() (*feed.Comment, error) { return s.st.UpdateComment(ctx, id, u) })
}

func (s *timedStore) DeleteComment(ctx context.Context, id string) (*feed.Comment, error) {
	return timed(s, "DeleteComment", func() (*feed.Comment, error) { return s.st.DeleteComment(ctx, id) })
}

func (s *timedStore) HasApprovedAuthor(ctx context.Context, authorHash string) (bool, error) {
	return timed(s, "HasApprovedAuthor", func() (bool, error) { return s.st.HasApprovedAuthor(ctx, authorHash) })
}

func (s *timedStore) Mention(ctx context.Context, postID, source string) (*feed.Comment, error) {
	return timed(s, "Mention", func() (*feed.Comment, error) { return s.st.Mention(ctx, postID, source) })
}

func (s *timedStore) QueueMention(ctx context.Context, source, target string, max int) (bool, error) {
	return timed(s, "QueueMention", func() (bool, error) { return s.st.QueueMention(ctx, source, target, max) })
}

func (s *timedStore) ClaimMention(ctx context.Context, lease time.Duration) (*store.PendingMention, error) {
	return timed(s, "ClaimMention", func() (*store.PendingMention, error) { return s.st.ClaimMention(ctx, lease) })
}

func (s *timedStore) DoneMention(ctx context.Context, m *store.PendingMention) error {
	return timed0(s, "DoneMention", func() error { return s.st.DoneMention(ctx, m) })
}

func (s *timedStore) Secret(ctx context.Context, name string, rotate bool) (string, error) {
	return timed(s, "Secret", func() (string, error) { return s.st.Secret(ctx, name, rotate) })
}

func (s *timedStore) ThreadStats(ctx context.Context, postIDs []string) (map[string]feed.ThreadStats, error) {
	return timed(s, "ThreadStats", func() (map[string]feed.ThreadStats, error) { return s.st.ThreadStats(ctx, postIDs) })
}

func (s *timedStore) CountComments(ctx context.Context, f store.CommentFilter) (int, error) {
	return timed(s, "CountComments", func() (int, error) { return s.st.CountComments(ctx, f) })
}

func (s *timedStore) Tombstones(ctx context.Context, ref feed.Ref, limit int) ([]feed.Tombstone, error) {
	return timed(s, "Tombstones", func() ([]feed.Tombstone, error) { return s.st.Tombstones(ctx, ref, limit) })
}

func (s *timedStore) Purge(ctx context.Context, cutoff time.Time) (store.PurgeResult, error) {
	return timed(s, "Purge", func() (store.PurgeResult, error) { return s.st.Purge(ctx, cutoff) })
}

func (s *timedStore) UpsertPost(ctx context.Context, p *feed.Post) (bool, error) {
	return timed(s, "UpsertPost", func() (bool, error) { return s.st.UpsertPost(ctx, p) })
}

func (s *timedStore) UpsertComment(ctx context.Context, c *feed.Comment, parentUpstreamID string) (bool, error) {
	return timed(s, "UpsertComment", func() (bool, error) { return s.st.UpsertComment(ctx, c, parentUpstreamID) })
}

func (s *timedStore) Fetch(ctx context.Context, source, postID string) (*feed.Fetch, error) {
	return timed(s, "Fetch", func() (*feed.Fetch, error) { return s.st.Fetch(ctx, source, postID) })
}

func (s *timedStore) SaveFetch(ctx context.Context, f *feed.Fetch) error {
	return timed0(s, "SaveFetch", func() error { return s.st.SaveFetch(ctx, f) })
}

func (s *timedStore) Fetches(ctx context.Context, source string) ([]*feed.Fetch, error) {
	return timed(s, "Fetches", func() ([]*feed.Fetch, error) { return s.st.Fetches(ctx, source) })
}

func (s *timedStore) SourceCounts(ctx context.Context) (map[string]feed.SourceCounts, error) {
	return timed(s, "SourceCounts", func() (map[string]feed.SourceCounts, error) { return s.st.SourceCounts(ctx) })
}

func (s *timedStore) SaveSubscription(ctx context.Context, sub *feed.Subscription) error {
	return timed0(s, "SaveSubscription", func() error { return s.st.SaveSubscription(ctx, sub) })
}

func (s *timedStore) DeleteSubscription(ctx context.Context, topic, callback string) error {
	return timed0(s, "DeleteSubscription", func() error { return s.st.DeleteSubscription(ctx, topic, callback) })
}

func (s *timedStore) Subscriptions(ctx context.Context, topic string, now time.Time) ([]*feed.Subscription, error) {
	return timed(s, "Subscriptions", func() ([]*feed.Subscription, error) { return s.st.Subscriptions(ctx, topic, now) })
}

func (s *timedStore) ExpireSubscriptions(ctx context.Context, now time.Time) (int, error) {
	return timed(s, "ExpireSubscriptions", func() (int, error) { return s.st.ExpireSubscriptions(ctx, now) })
}

func (s *timedStore) Changes(ctx context.Context, after int64, limit int) ([]store.ChangeRecord, error) {
	return timed(s, "Changes", func() ([]store.ChangeRecord, error) { return s.st.Changes(ctx, after, limit) })
}

func (s *timedStore) LastChange(ctx context.Context) (int64, error) {
	return timed(s, "LastChange", func() (int64, error) { return s.st.LastChange(ctx) })
}

// Watch is timed until it returns, once listening (or trying to); the
// events that follow are not store calls.
func (s *timedStore) Watch(ctx context.Context) <-chan store.WatchEvent {
	ch, _ := timed(s, "Watch", func() (<-chan store.WatchEvent, error) { return s.st.Watch(ctx), nil })
	return ch
}

func (s *timedStore) ClaimJob(ctx context.Context, name string, period time.Duration) (bool, error) {
	return timed(s, "ClaimJob", func() (bool, error) { return s.st.ClaimJob(ctx, name, period) })
}

func (s *timedStore) CountRecords(ctx context.Context) (int, error) {
	return timed(s, "CountRecords", func() (int, error) { return s.st.CountRecords(ctx) })
}

// Dump's time includes its callback's.
func (s *timedStore) Dump(ctx context.Context, yield func(store.Record) error) error {
	return timed0(s, "Dump", func() error { return s.st.Dump(ctx, yield) })
}

func (s *timedStore) Load(ctx context.Context, recs []store.Record) error {
	return timed0(s, "Load", func() error { return s.st.Load(ctx, recs) })
}

func (s *timedStore) DeriveHTML(ctx context.Context) (int, error) {
	return timed(s, "DeriveHTML", func() (int, error) { return s.st.DeriveHTML(ctx) })
}

func (s *timedStore) PlanWebmentions(ctx context.Context, postID, version string, targets []string) (int, error) {
	return timed(s, "PlanWebmentions", func() (int, error) { return s.st.PlanWebmentions(ctx, postID, version, targets) })
}

func (s *timedStore) ClaimWebmentions(ctx context.Context, limit int, lease time.Duration) ([]*store.OutboundWebmention, error) {
	return timed(s, "ClaimWebmentions", func() ([]*store.OutboundWebmention, error) { return s.st.ClaimWebmentions(ctx, limit, lease) })
}

func (s *timedStore) FinishWebmention(ctx context.Context, w *store.OutboundWebmention) (bool, error) {
	return timed(s, "FinishWebmention", func() (bool, error) { return s.st.FinishWebmention(ctx, w) })
}

func (s *timedStore) OutboundWebmentions(ctx context.Context, postID string) ([]*store.OutboundWebmention, error) {
	return timed(s, "OutboundWebmentions", func() ([]*store.OutboundWebmention, error) { return s.st.OutboundWebmentions(ctx, postID) })
}

func (s *timedStore) WebmentionCursor(ctx context.Context) (int64, bool, error) {
	type cursor struct {
		seq int64
		ok  bool
	}
	c, err := timed(s, "WebmentionCursor", func() (cursor, error) {
		seq, ok, err := s.st.WebmentionCursor(ctx)
		return cursor{seq, ok}, err
	})
	return c.seq, c.ok, err
}

func (s *timedStore) SetWebmentionCursor(ctx context.Context, seq int64) error {
	return timed0(s, "SetWebmentionCursor", func() error { return s.st.SetWebmentionCursor(ctx, seq) })
}

func (s *timedStore) Close() error {
	return timed0(s, "Close", s.st.Close)
}
