package websub

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/netguard"
	"github.com/feedd/feedd/store"
)

// Options configure a Hub. Zero values take the defaults given.
type Options struct {
	// Hubs are the external hubs (websub.hubs) that every change of a
	// feed is published to.
	Hubs []string
	// Builtin makes feedd its own hub (websub.builtin): ServeHTTP takes
	// subscriptions, and changes are delivered to them.
	Builtin bool
	// HubURL is the built-in hub's URL, which deliveries name in their
	// Link header; default {base}/websub.
	HubURL string
	// Lease is the lease granted to a subscriber that asks for none
	// (websub.lease); default DefaultLease. MinLease and MaxLease bound
	// the leases asked for; defaults DefaultMinLease and DefaultMaxLease.
	Lease, MinLease, MaxLease time.Duration
	// Client makes every outgoing request: verifications, deliveries,
	// publish pings. Default: one with DefaultTimeout, following no
	// redirects, and refusing to connect to loopback, private,
	// link-local and other non-public addresses unless AllowPrivate (the
	// check poll.Options.AllowPrivate describes), as callbacks are URLs
	// anyone may give. It has no effect with a Client of one's own.
	Client       *http.Client
	AllowPrivate bool
	// Debounce is how long changes are gathered before they are
	// published, so that a burst of writes is published once; default
	// DefaultDebounce.
	Debounce time.Duration
	// UserAgent is sent with every request; default DefaultUserAgent.
	UserAgent string
	// Now is the clock leases are measured by; default time.Now.
	Now func() time.Time

	// For tests: the first retry delay (default DefaultRetry, doubling
	// up to DefaultMaxRetry), the attempts per delivery or ping (default
	// DefaultAttempts), how often expired leases are swept (default
	// DefaultSweep), and a hook run after each batch of changes has been
	// published, with the number of Changed calls it covers.
	retry, maxRetry time.Duration
	attempts        int
	sweep           time.Duration
	afterBatch      func(refs []feed.Ref, upTo uint64)
}

// Defaults of Options.
const (
	DefaultLease     = 10 * 24 * time.Hour
	DefaultMinLease  = time.Hour
	DefaultMaxLease  = 30 * 24 * time.Hour
	DefaultDebounce  = 100 * time.Millisecond
	DefaultUserAgent = "feedd/dev (+https://github.com/feedd/feedd)"
	DefaultTimeout   = 30 * time.Second
	DefaultRetry     = time.Second
	DefaultMaxRetry  = time.Minute
	DefaultAttempts  = 5
	DefaultSweep     = time.Hour
)

// Bounds on the work in flight.
const (
	// maxVerifying is the number of subscription requests accepted and
	// not yet verified, past which ServeHTTP answers 503: each costs a
	// request to a URL of the subscriber's choosing.
	maxVerifying = 1024
	// The requests in flight at once, by kind.
	verifyConcurrency  = 8
	deliverConcurrency = 16
	publishConcurrency = 4
)

// withDefaults returns o with every zero field set to its default.
func (o Options) withDefaults(r *render.Renderer) Options {
	if o.HubURL == "" {
		o.HubURL = r.HomeURL() + "websub"
	}
	if o.MinLease <= 0 {
		o.MinLease = DefaultMinLease
	}
	if o.MaxLease <= 0 {
		o.MaxLease = DefaultMaxLease
	}
	o.MaxLease = max(o.MaxLease, o.MinLease)
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	o.Lease = min(max(o.Lease, o.MinLease), o.MaxLease)
	if o.Debounce <= 0 {
		o.Debounce = DefaultDebounce
	}
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Client == nil {
		o.Client = newClient(o.AllowPrivate)
	}
	if o.retry <= 0 {
		o.retry = DefaultRetry
	}
	if o.maxRetry <= 0 {
		o.maxRetry = DefaultMaxRetry
	}
	if o.attempts <= 0 {
		o.attempts = DefaultAttempts
	}
	if o.sweep <= 0 {
		o.sweep = DefaultSweep
	}
	return o
}

// newClient returns the default Client: bounded in time, following no
// redirects (a 3xx is an answer like any other non-2xx), and unless
// allowPrivate refusing non-public addresses, a proxy from the
// environment excepted.
func newClient(allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	proxy, dial := netguard.Transport(d, allowPrivate)
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                  proxy,
			DialContext:            dial,
			TLSHandshakeTimeout:    10 * time.Second,
			ResponseHeaderTimeout:  DefaultTimeout,
			ForceAttemptHTTP2:      true,
			MaxIdleConns:           100,
			IdleConnTimeout:        90 * time.Second,
			MaxResponseHeaderBytes: 64 << 10,
		},
		Timeout: DefaultTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// Hub is feedd's side of WebSub: it publishes changes of feeds to
// external hubs and, as a hub itself, takes subscriptions (ServeHTTP) and
// delivers changed feeds to their subscribers. Run does the work.
type Hub struct {
	st store.Store
	r  *render.Renderer
	// get returns the document served for a feed's head in a format:
	// the cache's Get, so that what is pushed is byte for byte what is
	// served.
	get func(ctx context.Context, ref feed.Ref, f feed.Format) (*cache.Entry, error)
	o   Options
	log *slog.Logger

	verifying, delivering, publishing *lanes

	// wake has a token when pending has refs for the worker.
	wake      chan struct{}
	pendingMu sync.Mutex
	pending   map[feed.Ref]bool
	changes   uint64 // calls of Changed so far, which tests wait for

	// last holds, per topic, the ETag last distributed (or goneState);
	// only Run's worker reads and writes it.
	last map[string]string

	mu      sync.Mutex
	ctx     context.Context // Run's, while it runs: outgoing work is bound to it
	running bool
}

// New returns a Hub over st, whose feed URLs (topics) r builds and whose
// documents get returns (cache.Cache.Get). A nil log discards.
func New(st store.Store, r *render.Renderer, get func(ctx context.Context, ref feed.Ref, f feed.Format) (*cache.Entry, error), o Options, log *slog.Logger) *Hub {
	o = o.withDefaults(r)
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Hub{
		st:  st,
		r:   r,
		get: get,
		o:   o,
		log: log,
		// A failed verification is the subscriber's business; a failed
		// delivery or ping is worth an operator's look.
		verifying:  newLanes("verification", slog.LevelInfo, verifyConcurrency, o.retry, o.maxRetry, log),
		delivering: newLanes("delivery", slog.LevelWarn, deliverConcurrency, o.retry, o.maxRetry, log),
		publishing: newLanes("publish", slog.LevelWarn, publishConcurrency, o.retry, o.maxRetry, log),
		wake:       make(chan struct{}, 1),
		pending:    make(map[feed.Ref]bool),
		last:       make(map[string]string),
	}
}

// Changed notes that the feeds refs changed (cache.Options.OnInvalidate).
// It never blocks: the feeds join a set that Run's worker takes after
// Options.Debounce, so that a burst of writes is published once.
func (h *Hub) Changed(refs []feed.Ref) {
	if len(refs) == 0 || (len(h.o.Hubs) == 0 && !h.o.Builtin) {
		return
	}
	h.pendingMu.Lock()
	for _, ref := range refs {
		h.pending[ref] = true
	}
	h.changes++
	h.pendingMu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default: // the worker is woken already
	}
}

// take empties the set of changed feeds and returns them, with the
// number of Changed calls they cover.
func (h *Hub) take() ([]feed.Ref, uint64) {
	h.pendingMu.Lock()
	defer h.pendingMu.Unlock()
	refs := make([]feed.Ref, 0, len(h.pending))
	for ref := range h.pending {
		refs = append(refs, ref)
	}
	clear(h.pending)
	return refs, h.changes
}

// Run publishes changes and, for the built-in hub, verifies subscription
// requests, delivers content and sweeps expired leases, until ctx ends.
// Outgoing requests stop with ctx; Run returns once they have, with
// ctx.Err().
func (h *Hub) Run(ctx context.Context) error {
	h.mu.Lock()
	if h.running {
		h.mu.Unlock()
		return errors.New("websub: hub is running already")
	}
	h.running, h.ctx = true, ctx
	h.mu.Unlock()
	defer func() {
		// No work may be submitted once the lanes are waited for.
		h.mu.Lock()
		h.running, h.ctx = false, nil
		h.mu.Unlock()
		h.verifying.wait()
		h.delivering.wait()
		h.publishing.wait()
	}()

	sweep := time.NewTicker(h.o.sweep)
	defer sweep.Stop()
	if h.o.Builtin {
		h.expire(ctx)
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-sweep.C:
			if h.o.Builtin {
				h.expire(ctx)
			}
		case <-h.wake:
			// Gather what else changes within Debounce, then publish all.
			t := time.NewTimer(h.o.Debounce)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
			refs, upTo := h.take()
			h.publish(ctx, refs)
			if h.o.afterBatch != nil {
				h.o.afterBatch(refs, upTo)
			}
		}
	}
}

// submit queues j in q under key, bound to Run's context; it reports false
// when Run is not running.
func (h *Hub) submit(q *lanes, key string, j *job) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.running || h.ctx.Err() != nil {
		return false
	}
	q.submit(h.ctx, key, j)
	return true
}

// expire sweeps the leases that have ended.
func (h *Hub) expire(ctx context.Context) {
	n, err := h.st.ExpireSubscriptions(ctx, h.o.Now())
	switch {
	case err != nil && ctx.Err() == nil:
		h.log.Error("expire websub subscriptions", "error", err)
	case n > 0:
		h.log.Info("expired websub subscriptions", "count", n)
	}
}
