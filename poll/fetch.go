package poll

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/netguard"
)

// acceptFeeds is the Accept header of every request: the feed formats
// first, then generic XML and JSON, which many servers label feeds with.
const acceptFeeds = "application/atom+xml, application/rss+xml, application/feed+json, " +
	"application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"

// newTransport returns the default transport: connect and TLS handshake
// bounded by ConnectTimeout, the wait for the response headers by Timeout,
// and, as Accept-Encoding is left to it, gzip asked for and decoded. Unless
// AllowPrivate, it refuses to connect to a non-public address (see
// package netguard), a proxy from the environment excepted.
func newTransport(o Options) *http.Transport {
	d := &net.Dialer{Timeout: o.ConnectTimeout, KeepAlive: 30 * time.Second}
	proxy, dial := netguard.Transport(d, o.AllowPrivate)
	return &http.Transport{
		Proxy:                  proxy,
		DialContext:            dial,
		TLSHandshakeTimeout:    o.ConnectTimeout,
		ResponseHeaderTimeout:  o.Timeout,
		ExpectContinueTimeout:  time.Second,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           100,
		MaxIdleConnsPerHost:    o.MaxConcurrent, // comment feeds share their blog's host
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 1 << 20,
	}
}

// newClient returns the client every request goes through. It has no
// Timeout of its own: each request runs under a context with Options.Timeout,
// which bounds the body too, as it is read while parsing.
func (p *Poller) newClient() *http.Client {
	return &http.Client{Transport: p.o.Transport, CheckRedirect: p.checkRedirect}
}

// redirects records the redirects one request followed.
type redirects struct {
	permanent bool   // every redirect so far was permanent (301, 308)
	moved     string // the target of the last of them, when permanent
}

type redirectsKey struct{}

// hostPolicy bounds where the redirects of a comment feed may lead: to the
// source's hosts only, unless cross-host comment feeds are allowed, and
// within the budget of every other host they reach.
type hostPolicy struct {
	source  string
	allowed map[string]bool // hosts of the source's feed; nil: any host
	from    string          // the host of the comment feed's URL
}

type hostPolicyKey struct{}

// check refuses a redirect to u that leaves the source's hosts when those
// are the only allowed ones, or goes to another host without a token of
// its budget.
func (hp *hostPolicy) check(u *url.URL, p *Poller) error {
	host := urlHostKey(u)
	if hp.allowed != nil && !hp.allowed[host] {
		return fmt.Errorf("redirect to another host (%s): source %q does not allow cross-host comment feeds", host, hp.source)
	}
	if host != hp.from && !p.hosts.allow(host, p.o.Now()) {
		return fmt.Errorf("redirect to %s: over its budget of %d requests a minute", host, p.o.MaxHostRequestsPerMinute)
	}
	return nil
}

// checkRedirect follows at most MaxRedirects redirects, never in a loop and
// only to http(s), and notes in the request's redirects whether the whole
// chain so far was permanent: only then does the feed's URL move.
func (p *Poller) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > p.o.MaxRedirects {
		return fmt.Errorf("too many redirects (more than %d)", p.o.MaxRedirects)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("redirect to a non-http URL %q", req.URL.Redacted())
	}
	target := req.URL.String()
	for _, v := range via {
		if v.URL.String() == target {
			return fmt.Errorf("redirect loop at %s", req.URL.Redacted())
		}
	}
	if hp, ok := req.Context().Value(hostPolicyKey{}).(*hostPolicy); ok {
		if err := hp.check(req.URL, p); err != nil {
			return err
		}
	}
	if r, ok := req.Context().Value(redirectsKey{}).(*redirects); ok {
		switch code := req.Response.StatusCode; {
		case r.permanent && (code == http.StatusMovedPermanently || code == http.StatusPermanentRedirect):
			r.moved = target
		default:
			r.permanent = false
		}
	}
	return nil
}

// response is the outcome of one request that got an answer.
type response struct {
	status       int
	url          *url.URL  // where the answer came from, after redirects
	moved        string    // new permanent URL, when 301/308 redirects led there
	etag, lastMo string    // validators of a 200 or 304
	retryAfter   time.Time // from Retry-After, when given
	doc          *document // the parsed feed of a 200
}

// TooLargeError reports a body longer than Options.MaxBodyBytes.
type TooLargeError struct{ Limit int64 }

func (e *TooLargeError) Error() string { return fmt.Sprintf("body larger than %d bytes", e.Limit) }

// limitedReader reads at most limit bytes and fails with *TooLargeError
// when there are more. It reads through io.LimitReader(r, limit+1), so that
// a longer body is told from one of exactly limit bytes without reading it
// all: memory stays bounded whatever the upstream sends.
type limitedReader struct {
	r     io.Reader
	n     int64 // bytes read so far
	limit int64
}

func newLimitedReader(r io.Reader, limit int64) *limitedReader {
	return &limitedReader{r: io.LimitReader(r, limit+1), limit: limit}
}

func (l *limitedReader) Read(b []byte) (int, error) {
	if l.n > l.limit {
		return 0, &TooLargeError{Limit: l.limit}
	}
	n, err := l.r.Read(b)
	l.n += int64(n)
	if l.n > l.limit {
		// Hand back only what fits; the rest is never used.
		n -= int(l.n - l.limit)
		return n, &TooLargeError{Limit: l.limit}
	}
	return n, err
}

// exceeded reports whether the body was found to be too large.
func (l *limitedReader) exceeded() bool { return l.n > l.limit }

// newRequest builds a GET of rawURL with the poller's headers.
func (p *Poller) newRequest(ctx context.Context, rawURL string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("bad url %q: %w", rawURL, err)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return nil, fmt.Errorf("bad url %q: not http(s)", rawURL)
	}
	req.Header.Set("User-Agent", p.o.UserAgent)
	req.Header.Set("Accept", acceptFeeds)
	return req, nil
}

// get requests f.URL, conditionally on f's validators, and parses a 200's
// body. A non-nil error with a nil response means no answer came (a
// network error, a timeout, a bad redirect); with a response, that the
// answer was a failure (its status) or could not be read or parsed.
func (p *Poller) get(ctx context.Context, f *feed.Fetch) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, p.o.Timeout)
	defer cancel()
	rd := &redirects{permanent: true}
	req, err := p.newRequest(context.WithValue(ctx, redirectsKey{}, rd), f.URL)
	if err != nil {
		return nil, err
	}
	if f.ETag != "" {
		req.Header.Set("If-None-Match", f.ETag)
	}
	if f.LastModified != "" {
		req.Header.Set("If-Modified-Since", f.LastModified)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, p.requestError(ctx, err)
	}
	defer resp.Body.Close()

	r := &response{
		status: resp.StatusCode,
		url:    resp.Request.URL,
		moved:  rd.moved,
		etag:   resp.Header.Get("ETag"),
		lastMo: resp.Header.Get("Last-Modified"),
	}
	if t, ok := retryAfter(resp.Header.Get("Retry-After"), p.now()); ok {
		r.retryAfter = t
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotModified:
		return r, nil
	default:
		// Read a little of an error body so that the connection can be
		// reused, no more.
		io.CopyN(io.Discard, resp.Body, 4<<10)
		return r, fmt.Errorf("http status %s", statusText(resp.StatusCode))
	}

	body := newLimitedReader(resp.Body, p.o.MaxBodyBytes)
	doc, err := parse(body, resp.Header.Get("Content-Type"), r.url)
	switch {
	case body.exceeded():
		return r, &TooLargeError{Limit: p.o.MaxBodyBytes}
	case err != nil && ctx.Err() != nil:
		return r, p.requestError(ctx, ctx.Err())
	case err != nil:
		return r, fmt.Errorf("parse: %w", err)
	}
	r.doc = doc
	return r, nil
}

// requestError turns a client error into a short message: the timeout it
// was, or the cause without the "Get URL:" that *url.Error adds, as the
// URL is beside it in the fetch state.
func (p *Poller) requestError(ctx context.Context, err error) error {
	if rd := runDeadline(ctx); rd != nil {
		return rd
	}
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		return fmt.Errorf("timeout after %s", p.o.Timeout)
	}
	// Without the "dial tcp 10.0.0.5:80: " before it: the address is in it.
	var pe *PrivateAddressError
	if errors.As(err, &pe) {
		return pe
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Errorf("timeout after %s: %w", p.o.Timeout, ue.Err)
		}
		return ue.Err
	}
	return err
}

// statusText spells a status as "503 Service Unavailable".
func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("%d %s", code, t)
	}
	return fmt.Sprint(code)
}

// pollURL polls the feed whose state is f and records the outcome in the
// store: a 200's document goes to handle, which stores its entries (in
// turns of writing, see storeEach); a 304 only moves the poll times. It
// waits for its URL to be free and for a slot of MaxConcurrent, and holds
// the slot until the document is stored, so that at most that many parsed
// documents are in memory at once.
//
// The outcome is recorded as soon as it is known, a failure included,
// whatever other polls are storing. When the run's deadline passes the
// poll fails like any other ("run deadline (10m0s) passed"); when ctx
// ends otherwise, pollURL returns its error without recording anything:
// the poll was stopped, it did not fail.
func (p *Poller) pollURL(ctx context.Context, f *feed.Fetch, handle func(context.Context, *document) error) error {
	unlock := p.locks.Lock(f.URL)
	defer unlock()
	if err := p.acquire(ctx); err != nil {
		if stopped(ctx) {
			return err
		}
		return pollError(f, fmt.Errorf("waiting for a poll slot: %w", context.Cause(ctx)))
	}
	defer p.release()

	log := p.log.With("source", f.Source, "url", f.URL)
	if f.PostID != "" {
		log = log.With("post_id", f.PostID)
	}
	r, err := p.get(ctx, f)
	if err == nil && r.doc != nil {
		err = handle(ctx, r.doc)
		if err != nil {
			err = fmt.Errorf("store: %w", err)
		}
	}
	if stopped(ctx) {
		return ctx.Err()
	}
	now := p.now()
	f.LastPoll = now
	f.LastStatus = 0
	if r != nil {
		f.LastStatus = r.status
		if r.moved != "" && r.moved != f.URL {
			log.Info("feed moved permanently", "new_url", r.moved)
			f.URL = r.moved
		}
	}
	if err != nil {
		p.failed(f, r, err, now)
		log.Warn("poll failed", "status", f.LastStatus, "failures", f.Failures, "next_poll", f.NextPoll, "err", err)
	} else {
		// A 304 may repeat the validators, a 200 gives new ones (or none).
		if r.status == http.StatusOK || r.etag != "" {
			f.ETag = r.etag
		}
		if r.status == http.StatusOK || r.lastMo != "" {
			f.LastModified = r.lastMo
		}
		f.LastSuccess = now
		f.LastError = ""
		f.Failures = 0
		f.NextPoll = now
		log.Debug("polled", "status", r.status)
	}
	// Recorded even when the run's deadline ended ctx.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if serr := p.saveFetch(rctx, f); serr != nil {
		err = errors.Join(err, fmt.Errorf("save fetch state: %w", serr))
	}
	if p.o.Observe != nil {
		p.o.Observe(f.Source, f.LastStatus, err)
	}
	if err != nil {
		return pollError(f, err)
	}
	return nil
}

// recordTimeout bounds the recording of a poll's outcome.
const recordTimeout = 30 * time.Second

// saveFetch stores f in a turn of writing.
func (p *Poller) saveFetch(ctx context.Context, f *feed.Fetch) error {
	if err := p.takeTurn(ctx); err != nil {
		return err
	}
	defer p.endTurn()
	return p.st.SaveFetch(ctx, f)
}

// failed records a failure in f: 410 disables the feed; 429 and 503 wait
// for their Retry-After when given; everything else backs off.
func (p *Poller) failed(f *feed.Fetch, r *response, err error, now time.Time) {
	f.LastError = err.Error()
	f.Failures++
	switch {
	case r != nil && r.status == http.StatusGone:
		f.Disabled = true
		f.LastError = "gone (410): polling disabled"
		f.NextPoll = now
	case r != nil && (r.status == http.StatusTooManyRequests || r.status == http.StatusServiceUnavailable) && !r.retryAfter.IsZero():
		f.NextPoll = r.retryAfter
	default:
		f.NextPoll = now.Add(p.backoff(f.Failures))
	}
}

// pollError wraps err with what was polled.
func pollError(f *feed.Fetch, err error) error {
	if f.PostID != "" {
		return fmt.Errorf("source %q: comments of post %q: %s: %w", f.Source, f.PostID, f.URL, err)
	}
	return fmt.Errorf("source %q: %s: %w", f.Source, f.URL, err)
}

// FetchURL fetches a feed document for Import (feedd import URL), with the
// poller's client, timeouts, User-Agent and body limit; reading past
// MaxBodyBytes fails with *TooLargeError. A status other than 200 is an
// error. The caller closes the body. It refuses non-public addresses as
// polls do unless Options.AllowPrivate: a URL the operator gives may still
// redirect anywhere.
func (p *Poller) FetchURL(ctx context.Context, rawURL string) (io.ReadCloser, error) {
	ctx, cancel := context.WithTimeout(ctx, p.o.Timeout)
	req, err := p.newRequest(ctx, rawURL)
	if err != nil {
		cancel()
		return nil, err
	}
	resp, err := p.client.Do(req)
	if err != nil {
		err = p.requestError(ctx, err)
		cancel()
		return nil, fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("fetch %s: http status %s", rawURL, statusText(resp.StatusCode))
	}
	p.log.Debug("fetched for import", slog.String("url", rawURL), slog.String("final_url", resp.Request.URL.String()))
	return &fetchedBody{limitedReader: newLimitedReader(resp.Body, p.o.MaxBodyBytes), body: resp.Body, cancel: cancel}, nil
}

// fetchedBody is FetchURL's body: limited, and ending the request's
// context when closed.
type fetchedBody struct {
	*limitedReader
	body   io.Closer
	cancel context.CancelFunc
}

func (b *fetchedBody) Close() error {
	err := b.body.Close()
	b.cancel()
	return err
}
