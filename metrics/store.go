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
// Callers find the optional interfaces of store/cluster.go by type
// assertion (the cache asserts store.Watcher, the scheduler
// store.JobClaimer, migrate store.Copier), so the returned value implements
// exactly those of them that st implements, each timed too: one of eight
// small combinations of embedded wrappers is returned. A new optional
// interface needs its wrapper and a doubling of the combinations; the
// test that checks every combination says so. Unwrap returns st.
func (m *M) Store(st store.Store) store.Store {
	s := &timedStore{st: st, m: m}
	jc, isClaimer := st.(store.JobClaimer)
	w, isWatcher := st.(store.Watcher)
	cp, isCopier := st.(store.Copier)
	c := &timedClaimer{jc, m}
	wa := &timedWatcher{w, m}
	co := &timedCopier{cp, m}
	switch {
	case isClaimer && isWatcher && isCopier:
		return &struct {
			*timedStore
			*timedClaimer
			*timedWatcher
			*timedCopier
		}{s, c, wa, co}
	case isClaimer && isWatcher:
		return &struct {
			*timedStore
			*timedClaimer
			*timedWatcher
		}{s, c, wa}
	case isClaimer && isCopier:
		return &struct {
			*timedStore
			*timedClaimer
			*timedCopier
		}{s, c, co}
	case isWatcher && isCopier:
		return &struct {
			*timedStore
			*timedWatcher
			*timedCopier
		}{s, wa, co}
	case isClaimer:
		return &struct {
			*timedStore
			*timedClaimer
		}{s, c}
	case isWatcher:
		return &struct {
			*timedStore
			*timedWatcher
		}{s, wa}
	case isCopier:
		return &struct {
			*timedStore
			*timedCopier
		}{s, co}
	}
	return s
}

// timedStore times the methods of store.Store.
type timedStore struct {
	st store.Store
	m  *M
}

// Unwrap returns the store that the metrics wrap.
func (s *timedStore) Unwrap() store.Store { return s.st }

func (s *timedStore) CreatePost(ctx context.Context, p *feed.Post) error {
	start := time.Now()
	err := s.st.CreatePost(ctx, p)
	s.m.observeStore("CreatePost", start, err)
	return err
}

func (s *timedStore) Post(ctx context.Context, id string) (*feed.Post, error) {
	start := time.Now()
	p, err := s.st.Post(ctx, id)
	s.m.observeStore("Post", start, err)
	return p, err
}

func (s *timedStore) Posts(ctx context.Context, f store.PostFilter) ([]*feed.Post, error) {
	start := time.Now()
	ps, err := s.st.Posts(ctx, f)
	s.m.observeStore("Posts", start, err)
	return ps, err
}

func (s *timedStore) UpdatePost(ctx context.Context, id string, u store.PostUpdate) (*feed.Post, error) {
	start := time.Now()
	p, err := s.st.UpdatePost(ctx, id, u)
	s.m.observeStore("UpdatePost", start, err)
	return p, err
}

func (s *timedStore) DeletePost(ctx context.Context, id string) (*feed.Post, error) {
	start := time.Now()
	p, err := s.st.DeletePost(ctx, id)
	s.m.observeStore("DeletePost", start, err)
	return p, err
}

func (s *timedStore) CreateComment(ctx context.Context, c *feed.Comment) error {
	start := time.Now()
	err := s.st.CreateComment(ctx, c)
	s.m.observeStore("CreateComment", start, err)
	return err
}

func (s *timedStore) Comment(ctx context.Context, id string) (*feed.Comment, error) {
	start := time.Now()
	c, err := s.st.Comment(ctx, id)
	s.m.observeStore("Comment", start, err)
	return c, err
}

func (s *timedStore) Comments(ctx context.Context, f store.CommentFilter) ([]*feed.Comment, error) {
	start := time.Now()
	cs, err := s.st.Comments(ctx, f)
	s.m.observeStore("Comments", start, err)
	return cs, err
}

func (s *timedStore) UpdateComment(ctx context.Context, id string, u store.CommentUpdate) (*feed.Comment, error) {
	start := time.Now()
	c, err := s.st.UpdateComment(ctx, id, u)
	s.m.observeStore("UpdateComment", start, err)
	return c, err
}

func (s *timedStore) DeleteComment(ctx context.Context, id string) (*feed.Comment, error) {
	start := time.Now()
	c, err := s.st.DeleteComment(ctx, id)
	s.m.observeStore("DeleteComment", start, err)
	return c, err
}

func (s *timedStore) HasApprovedComment(ctx context.Context, authorName, authorURI string) (bool, error) {
	start := time.Now()
	ok, err := s.st.HasApprovedComment(ctx, authorName, authorURI)
	s.m.observeStore("HasApprovedComment", start, err)
	return ok, err
}

func (s *timedStore) ThreadStats(ctx context.Context, postIDs []string) (map[string]feed.ThreadStats, error) {
	start := time.Now()
	st, err := s.st.ThreadStats(ctx, postIDs)
	s.m.observeStore("ThreadStats", start, err)
	return st, err
}

func (s *timedStore) Tombstones(ctx context.Context, ref feed.Ref, limit int) ([]feed.Tombstone, error) {
	start := time.Now()
	ts, err := s.st.Tombstones(ctx, ref, limit)
	s.m.observeStore("Tombstones", start, err)
	return ts, err
}

func (s *timedStore) Purge(ctx context.Context, cutoff time.Time) (store.PurgeResult, error) {
	start := time.Now()
	r, err := s.st.Purge(ctx, cutoff)
	s.m.observeStore("Purge", start, err)
	return r, err
}

func (s *timedStore) UpsertPost(ctx context.Context, p *feed.Post) (bool, error) {
	start := time.Now()
	changed, err := s.st.UpsertPost(ctx, p)
	s.m.observeStore("UpsertPost", start, err)
	return changed, err
}

func (s *timedStore) UpsertComment(ctx context.Context, c *feed.Comment, parentUpstreamID string) (bool, error) {
	start := time.Now()
	changed, err := s.st.UpsertComment(ctx, c, parentUpstreamID)
	s.m.observeStore("UpsertComment", start, err)
	return changed, err
}

func (s *timedStore) Fetch(ctx context.Context, source, postID string) (*feed.Fetch, error) {
	start := time.Now()
	f, err := s.st.Fetch(ctx, source, postID)
	s.m.observeStore("Fetch", start, err)
	return f, err
}

func (s *timedStore) SaveFetch(ctx context.Context, f *feed.Fetch) error {
	start := time.Now()
	err := s.st.SaveFetch(ctx, f)
	s.m.observeStore("SaveFetch", start, err)
	return err
}

func (s *timedStore) Fetches(ctx context.Context, source string) ([]*feed.Fetch, error) {
	start := time.Now()
	fs, err := s.st.Fetches(ctx, source)
	s.m.observeStore("Fetches", start, err)
	return fs, err
}

func (s *timedStore) SourceCounts(ctx context.Context) (map[string]feed.SourceCounts, error) {
	start := time.Now()
	c, err := s.st.SourceCounts(ctx)
	s.m.observeStore("SourceCounts", start, err)
	return c, err
}

func (s *timedStore) Changes(ctx context.Context, after int64, limit int) ([]store.ChangeRecord, error) {
	start := time.Now()
	cs, err := s.st.Changes(ctx, after, limit)
	s.m.observeStore("Changes", start, err)
	return cs, err
}

func (s *timedStore) LastChange(ctx context.Context) (int64, error) {
	start := time.Now()
	n, err := s.st.LastChange(ctx)
	s.m.observeStore("LastChange", start, err)
	return n, err
}

func (s *timedStore) Close() error {
	start := time.Now()
	err := s.st.Close()
	s.m.observeStore("Close", start, err)
	return err
}

// timedClaimer times store.JobClaimer.
type timedClaimer struct {
	jc store.JobClaimer
	m  *M
}

func (c *timedClaimer) ClaimJob(ctx context.Context, name string, period time.Duration) (bool, error) {
	start := time.Now()
	ok, err := c.jc.ClaimJob(ctx, name, period)
	c.m.observeStore("ClaimJob", start, err)
	return ok, err
}

// timedWatcher times store.Watcher's Watch, which returns once listening
// (or trying to); the events that follow are not store calls.
type timedWatcher struct {
	w store.Watcher
	m *M
}

func (w *timedWatcher) Watch(ctx context.Context) <-chan store.WatchEvent {
	start := time.Now()
	ch := w.w.Watch(ctx)
	w.m.observeStore("Watch", start, nil)
	return ch
}

// timedCopier times store.Copier. Dump's time includes its callback's.
type timedCopier struct {
	c store.Copier
	m *M
}

func (c *timedCopier) CountRecords(ctx context.Context) (int, error) {
	start := time.Now()
	n, err := c.c.CountRecords(ctx)
	c.m.observeStore("CountRecords", start, err)
	return n, err
}

func (c *timedCopier) Dump(ctx context.Context, yield func(store.Record) error) error {
	start := time.Now()
	err := c.c.Dump(ctx, yield)
	c.m.observeStore("Dump", start, err)
	return err
}

func (c *timedCopier) Load(ctx context.Context, recs []store.Record) error {
	start := time.Now()
	err := c.c.Load(ctx, recs)
	c.m.observeStore("Load", start, err)
	return err
}
