// Package poll mirrors upstream blogs: it fetches their feeds (Atom, RSS,
// JSON Feed) with conditional GETs, maps each entry to a feed.Post, follows
// each post's comment feed into threaded feed.Comments, and upserts both into
// the store, keyed by their upstream ids so that a re-poll updates in place.
// Import loads a feed document, or a Blogger, WordPress or Disqus export,
// the same way.
//
// Each upstream URL has a feed.Fetch row in the store: its validators, when
// it was polled, its last status and error, and when it may be polled again
// (exponential back-off after failures, Retry-After after 429 and 503).
//
// Sources are independent. Polls share a pool of Options.MaxConcurrent
// slots, and a source's run holds at most one of them at a time: its feed,
// then its comment feeds one after another. A run, fetching, parsing and
// storing included, ends at Options.RunTimeout, and its outcome is recorded
// then. Documents are stored in batches of writeBatch entries, polls taking
// turns between batches, so a huge feed holds up another poll's writes by
// one batch at most; a failure is recorded as soon as it happens. What
// upstream documents make the poller fetch is bounded too: at most
// Options.MaxCommentFeedsPerRun comment feeds per source and run, at most
// Options.MaxHostRequestsPerMinute comment-feed requests to any one host,
// and none on another host than the source's feed unless the source allows
// it (Source.CrossHostComments).
package poll

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// Source is an upstream blog to mirror, as configured.
type Source struct {
	Name string // the source's name, stored as Origin.Source
	URL  string // its posts feed
	// Comments says whether to follow each post's comment feed.
	Comments bool
	// MaxEntries keeps only the newest that many entries of each poll of
	// the posts feed; 0 takes every entry the upstream feed holds.
	MaxEntries int
	// CrossHostComments lets the comment feeds of the source's posts, and
	// their redirects, be on other hosts than the source's feed. Off, a
	// comment feed elsewhere is not fetched (it is counted as skipped,
	// reason cross_host): upstream documents name those URLs, and a
	// hostile one could otherwise aim the poller at any third party.
	CrossHostComments bool
}

// Options configure a Poller. Zero values take the defaults given.
type Options struct {
	// UserAgent is sent with every request; default DefaultUserAgent.
	UserAgent string
	// ConnectTimeout bounds dialing and the TLS handshake; default 10s.
	ConnectTimeout time.Duration
	// Timeout bounds one request from dialing to the last byte of the
	// body; default 30s.
	Timeout time.Duration
	// MaxBodyBytes is the largest body read; a larger one fails the poll
	// with "body larger than N bytes". Default 10 MiB.
	MaxBodyBytes int64
	// MaxConcurrent is the number of polls (requests with their parsing
	// and storing) in flight across all sources; default 8. A source's run
	// takes one of them at a time.
	MaxConcurrent int
	// RunTimeout bounds one run of a source (Poll): its feed and its
	// comment feeds, fetched, parsed and stored; default 10m. A run cut
	// short records the poll it was in as failed ("run deadline (10m0s)
	// passed", with how many entries were stored); what it stored stays,
	// and comment feeds it did not reach wait for the next run.
	RunTimeout time.Duration
	// MaxCommentFeedsPerRun is the most comment feeds one run of a source
	// fetches; default 50. The due ones polled longest ago go first
	// (never-polled ones first), the newest posts first among equals; the
	// rest wait for later runs.
	MaxCommentFeedsPerRun int
	// MaxHostRequestsPerMinute bounds the comment-feed requests to any one
	// host (name and port), over all sources: a token bucket of that many,
	// refilled at that rate; default 60. A comment feed whose host has no
	// token left waits for a later run. A source's own feed, fetched once
	// per scheduled run, does not count.
	MaxHostRequestsPerMinute int
	// MaxBackoff caps the exponential back-off after failures; default 6h.
	MaxBackoff time.Duration
	// RecentWindow: the comment feeds of posts published within it are
	// polled on every run; default 72h, and a negative value makes no
	// post recent.
	RecentWindow time.Duration
	// OldInterval: the comment feeds of older posts are polled at most
	// this often; default 24h.
	OldInterval time.Duration
	// MaxRedirects is the longest chain of redirects followed; default 5.
	MaxRedirects int
	// Now is the clock; default time.Now.
	Now func() time.Time
	// AllowPrivate lets the default Transport connect to loopback,
	// private (RFC 1918, fc00::/7), link-local (169.254.0.0/16 with cloud
	// metadata services, fe80::/10), CGNAT, multicast and other non-public
	// addresses. Off by default: the URLs of comment feeds and redirects
	// come from upstream documents, and a hostile one could otherwise make
	// the poller fetch internal services (SSRF). The check is made on the
	// address actually dialed, after DNS, so it covers names resolving to
	// such addresses and redirects; a refused connection fails the poll
	// with a *PrivateAddressError ("refusing to connect to private address
	// 10.0.0.5"). A proxy from the environment (HTTPS_PROXY) is dialed
	// whatever its address. Turn it on to mirror a blog on your own
	// network. It has no effect with a Transport of one's own.
	AllowPrivate bool
	// Transport makes the requests; default an http.Transport with the
	// timeouts above and gzip, refusing non-public addresses unless
	// AllowPrivate.
	Transport http.RoundTripper
	// Observe, when set, is called once per polled URL (a source's feed
	// or one of its posts' comment feeds) with the outcome that was
	// recorded: the source's name, the HTTP status (0 when no answer
	// came) and the poll's error (nil for a 200 stored or a 304). A poll
	// stopped by its context is not reported: it did not fail. It must be
	// safe for concurrent use and quick (metrics).
	Observe func(source string, status int, err error)
	// ObserveSkipped, when set, is called after each run of a source that
	// left due comment feeds unfetched, with how many and why: SkipRunLimit,
	// SkipHostLimit, SkipCrossHost or SkipDeadline. Same rules as Observe.
	ObserveSkipped func(source, reason string, n int)
	// PostURL, when set, returns the permalink of a post of this site
	// (render.Renderer.PostURL), by which Import matches a Disqus
	// export's threads to local posts as well as mirrored ones.
	PostURL func(id string) string
}

// Why a due comment feed was not fetched in a run (ObserveSkipped).
const (
	SkipRunLimit  = "run_limit"  // over MaxCommentFeedsPerRun: a later run
	SkipHostLimit = "host_limit" // its host is over MaxHostRequestsPerMinute: a later run
	SkipCrossHost = "cross_host" // on another host, and the source does not allow it
	SkipDeadline  = "deadline"   // the run's deadline passed first: a later run
)

// Defaults of Options.
const (
	DefaultUserAgent      = "feedd/dev (+https://github.com/feedd/feedd)"
	DefaultConnectTimeout = 10 * time.Second
	DefaultTimeout        = 30 * time.Second
	DefaultMaxBodyBytes   = 10 << 20
	DefaultMaxConcurrent  = 8
	DefaultRunTimeout     = 10 * time.Minute

	DefaultMaxCommentFeedsPerRun    = 50
	DefaultMaxHostRequestsPerMinute = 60
	DefaultMaxBackoff               = 6 * time.Hour
	DefaultRecentWindow             = 72 * time.Hour
	DefaultOldInterval              = 24 * time.Hour
	DefaultMaxRedirects             = 5
)

// withDefaults returns o with every zero field set to its default.
func (o Options) withDefaults() Options {
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = DefaultMaxConcurrent
	}
	if o.RunTimeout <= 0 {
		o.RunTimeout = DefaultRunTimeout
	}
	if o.MaxCommentFeedsPerRun <= 0 {
		o.MaxCommentFeedsPerRun = DefaultMaxCommentFeedsPerRun
	}
	if o.MaxHostRequestsPerMinute <= 0 {
		o.MaxHostRequestsPerMinute = DefaultMaxHostRequestsPerMinute
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	if o.RecentWindow == 0 {
		o.RecentWindow = DefaultRecentWindow
	}
	if o.OldInterval <= 0 {
		o.OldInterval = DefaultOldInterval
	}
	if o.MaxRedirects <= 0 {
		o.MaxRedirects = DefaultMaxRedirects
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Transport == nil {
		o.Transport = newTransport(o)
	}
	return o
}

// Poller polls sources into a store. It is safe for concurrent use: Poll
// may run for many sources at once.
type Poller struct {
	st     store.Store
	o      Options
	log    *slog.Logger
	client *http.Client

	sem   chan struct{} // a slot per poll in flight
	locks keyedMutex    // one poll of one URL at a time
	// writing is the turn to write: one poll stores a batch at a time
	// (see storeEach). A channel, so that waiting for it gives up with
	// the poll's context, and waiters are served in order.
	writing chan struct{}
	hosts   hostLimits // comment-feed requests per host

	mu      sync.Mutex
	polling map[string]bool // sources with a Poll running
	// configured remembers each source's configured URL as Poll last saw
	// it, to tell a configuration change from a permanent redirect (see
	// sourceFetch).
	configured map[string]string
}

// New returns a Poller that writes to st. Its writes reach the cached feeds
// through the store's change log, as every write does. A nil log discards.
func New(st store.Store, o Options, log *slog.Logger) *Poller {
	o = o.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Poller{
		st:         st,
		o:          o,
		log:        log,
		sem:        make(chan struct{}, o.MaxConcurrent),
		writing:    make(chan struct{}, 1),
		hosts:      newHostLimits(o.MaxHostRequestsPerMinute),
		polling:    make(map[string]bool),
		configured: make(map[string]string),
	}
	p.client = p.newClient()
	return p
}

// Poll runs one poll of src: its feed, if due (Fetch.NextPoll has passed)
// and not disabled, and then, with src.Comments, the due comment feeds of
// its posts, within the budgets of Options. Failures are recorded in the
// store's feed.Fetch rows (LastError, LastStatus, Failures, NextPoll) as
// they happen and returned, joined; a failing comment feed does not stop
// the others. The run ends at Options.RunTimeout. A Poll of a source that
// is already being polled returns nil at once.
func (p *Poller) Poll(ctx context.Context, src Source) error {
	if err := checkSource(src); err != nil {
		return err
	}
	if !p.begin(src.Name) {
		p.log.Debug("poll already running", "source", src.Name)
		return nil
	}
	defer p.end(src.Name)

	ctx, cancel := context.WithTimeoutCause(ctx, p.o.RunTimeout, &RunDeadlineError{Limit: p.o.RunTimeout})
	defer cancel()
	err := p.pollSource(ctx, src)
	if src.Comments && ctx.Err() == nil {
		err = errors.Join(err, p.pollComments(ctx, src))
	}
	if stopped(ctx) {
		// The caller gave up (shutdown): that is not the upstream's failure.
		return ctx.Err()
	}
	return err
}

// RunDeadlineError is the cause of a run that Options.RunTimeout ended.
type RunDeadlineError struct{ Limit time.Duration }

func (e *RunDeadlineError) Error() string { return fmt.Sprintf("run deadline (%s) passed", e.Limit) }

// runDeadline returns the *RunDeadlineError that ended ctx, or nil.
func runDeadline(ctx context.Context) *RunDeadlineError {
	var rd *RunDeadlineError
	if ctx.Err() != nil && errors.As(context.Cause(ctx), &rd) {
		return rd
	}
	return nil
}

// stopped reports whether ctx ended other than by the run's deadline: the
// caller stopped the poll, which did not fail, and nothing is recorded.
func stopped(ctx context.Context) bool { return ctx.Err() != nil && runDeadline(ctx) == nil }

// checkSource rejects a source that cannot be polled.
func checkSource(src Source) error {
	if !feed.ValidID(src.Name) {
		return feed.Errorf(feed.EINVALID, "source name %q: must be 1 to %d characters of A-Z, a-z, 0-9, - and _", src.Name, feed.MaxIDLen)
	}
	if u, err := url.Parse(src.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return feed.Errorf(feed.EINVALID, "source %q: url %q is not an absolute http(s) URL", src.Name, src.URL)
	}
	if src.MaxEntries < 0 {
		return feed.Errorf(feed.EINVALID, "source %q: max entries must not be negative", src.Name)
	}
	return nil
}

// begin marks the source as being polled; false if it already was.
func (p *Poller) begin(source string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.polling[source] {
		return false
	}
	p.polling[source] = true
	return true
}

func (p *Poller) end(source string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.polling, source)
}

// pollSource polls the source's own feed if it is due.
func (p *Poller) pollSource(ctx context.Context, src Source) error {
	f, err := p.sourceFetch(ctx, src)
	if err != nil {
		return err
	}
	now := p.now()
	if f.Disabled {
		p.log.Debug("source disabled", "source", src.Name, "url", f.URL, "status", f.LastStatus)
		return nil
	}
	if now.Before(f.NextPoll) {
		p.log.Debug("source not due", "source", src.Name, "next_poll", f.NextPoll)
		return nil
	}
	return p.pollURL(ctx, f, func(ctx context.Context, d *document) error {
		return p.storePosts(ctx, src, d)
	})
}

// sourceFetch returns the stored polling state of the source's feed, or a
// fresh one. When the configured URL changed since the state was made, the
// state starts over: the configured URL, no validators, no back-off, not
// disabled.
//
// The state holds the URL polled, which a permanent redirect moves away
// from the configured one, so a stored URL that differs from src.URL may
// mean either. Within this process the configured URL that the previous
// Poll saw tells them apart. At the first Poll of a source in a process
// nothing does, and the state starts over: a configuration change must
// take effect (it is how a 410 is undone), and a moved feed only costs a
// redirect and an unconditional GET more, after which its URL moves again.
// (A configured URL kept in feed.Fetch would spare that.)
func (p *Poller) sourceFetch(ctx context.Context, src Source) (*feed.Fetch, error) {
	p.mu.Lock()
	prev, seen := p.configured[src.Name]
	p.configured[src.Name] = src.URL
	p.mu.Unlock()

	f, err := p.st.Fetch(ctx, src.Name, "")
	switch {
	case feed.ErrorCode(err) == feed.ENOTFOUND:
		return &feed.Fetch{Source: src.Name, URL: src.URL}, nil
	case err != nil:
		return nil, fmt.Errorf("source %q: read fetch state: %w", src.Name, err)
	}
	if f.URL != src.URL && (!seen || prev != src.URL) {
		p.log.Info("source url differs from the configured one: starting over", "source", src.Name, "old_url", f.URL, "url", src.URL)
		f = &feed.Fetch{Source: src.Name, URL: src.URL, LastPoll: f.LastPoll, LastSuccess: f.LastSuccess}
	}
	return f, nil
}

// now reads the clock in UTC, truncated to whole seconds as the store
// keeps times.
func (p *Poller) now() time.Time { return p.o.Now().UTC().Truncate(time.Second) }

// A poll stores a document in batches: a turn of writing holds at most
// writeBatch entries and lasts at most writeSlice. After a batch that
// wrote, the poll leaves the store alone for writeGap, or as long as the
// batch took if longer. Another poll waits for the turn at most one batch.
// Another writer of this process (a comment posted, a job's claim) waits
// for one of the batch's transactions at most, as the store queues the
// process's writes (sqlstore.DB.Write); one of another process (the CLI)
// gets SQLite's write lock within the gap: SQLite's busy handler retries
// at most 100 ms apart, so a gap that long lets every waiting writer in,
// where a huge feed stored one transaction after another would otherwise
// take the lock from under them for minutes. A batch of entries found
// unchanged (reads only) needs no gap.
const (
	writeBatch = 200
	writeSlice = 100 * time.Millisecond
	writeGap   = 100 * time.Millisecond
)

// storeEach calls store for i from 0 to n-1 in turns of writing (see
// writeBatch); store reports whether it wrote. When ctx ends it stops, and
// says how far it got.
func (p *Poller) storeEach(ctx context.Context, n int, store func(ctx context.Context, i int) (wrote bool, err error)) error {
	stoppedAt := func(i int) error { return fmt.Errorf("stored %d of %d entries: %w", i, n, context.Cause(ctx)) }
	for i := 0; i < n; {
		if err := p.takeTurn(ctx); err != nil {
			return stoppedAt(i)
		}
		start := time.Now()
		wrote := false
		for end := min(i+writeBatch, n); i < end && time.Since(start) < writeSlice; i++ {
			err := ctx.Err()
			if err == nil {
				var w bool
				w, err = store(ctx, i)
				wrote = wrote || w
			}
			if err != nil {
				p.endTurn()
				if ctx.Err() != nil {
					return stoppedAt(i)
				}
				return err
			}
		}
		p.endTurn()
		if i < n && wrote {
			pause := time.NewTimer(max(writeGap, time.Since(start)))
			select {
			case <-pause.C:
			case <-ctx.Done():
				pause.Stop()
				return stoppedAt(i)
			}
		}
	}
	return nil
}

// takeTurn waits for the turn to write, or for ctx to end.
func (p *Poller) takeTurn(ctx context.Context) error {
	select {
	case p.writing <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *Poller) endTurn() { <-p.writing }

// acquire takes a slot of the MaxConcurrent polls in flight.
func (p *Poller) acquire(ctx context.Context) error {
	select {
	case p.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *Poller) release() { <-p.sem }

// keyedMutex holds one mutex per key, made on demand and dropped when
// unused, so that the same URL is never fetched twice at once.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*refMutex
}

type refMutex struct {
	sync.Mutex
	refs int
}

// Lock locks key and returns the function that unlocks it.
func (k *keyedMutex) Lock(key string) (unlock func()) {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = make(map[string]*refMutex)
	}
	m := k.locks[key]
	if m == nil {
		m = &refMutex{}
		k.locks[key] = m
	}
	m.refs++
	k.mu.Unlock()

	m.Lock()
	return func() {
		m.Unlock()
		k.mu.Lock()
		if m.refs--; m.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}

// storePosts upserts the posts of the source's feed, the newest
// src.MaxEntries of them when that is set, oldest first. With src.Comments
// each post's comment feed gets a polling state, which pollComments reads.
// A post the store refuses as invalid is logged and skipped; any other error
// stops.
func (p *Poller) storePosts(ctx context.Context, src Source, d *document) error {
	now := p.now()
	es := newestFirst(d.entries, now, src.MaxEntries, true)
	return p.storeEach(ctx, len(es), func(ctx context.Context, i int) (bool, error) {
		post := d.post(es[i], src.Name, now)
		changed, err := p.st.UpsertPost(ctx, post)
		if feed.ErrorCode(err) == feed.EINVALID {
			p.log.Warn("entry skipped", "source", src.Name, "upstream_id", post.Origin.ID, "err", err)
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("upsert post %q: %w", post.Origin.ID, err)
		}
		if src.Comments {
			saved, err := p.ensureCommentFetch(ctx, post, time.Time{})
			return changed || saved, err
		}
		return changed, nil
	})
}

// newestFirst returns the newest n entries (all when n is 0), by their
// published dates, newest first, or oldest first when reversed. Undated
// entries count as the newest, as they are new to the store; ties keep the
// document's order, which feeds give newest first.
func newestFirst(es []*entry, now time.Time, n int, reversed bool) []*entry {
	type dated struct {
		e *entry
		t time.Time
	}
	ds := make([]dated, len(es))
	for i, e := range es {
		t, _ := e.dates(now)
		if t.IsZero() {
			t = time.Unix(1<<40, 0)
		}
		ds[i] = dated{e, t}
	}
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].t.After(ds[j].t) })
	if n > 0 && len(ds) > n {
		ds = ds[:n]
	}
	out := make([]*entry, len(ds))
	for i, d := range ds {
		if reversed {
			out[len(ds)-1-i] = d.e
		} else {
			out[i] = d.e
		}
	}
	return out
}
