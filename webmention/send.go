package webmention

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/poll"
	"github.com/feedd/feedd/store"
)

// The outcomes of one attempt at sending a Webmention, as Options.Observe
// gets them (the outcome label of feedd_webmention_sends_total).
const (
	OutcomeSent       = "sent"        // the endpoint accepted it (2xx)
	OutcomeFailed     = "failed"      // refused (4xx but 429), or out of attempts: given up
	OutcomeRetried    = "retried"     // a failure to try again later (5xx, 429, network)
	OutcomeNoEndpoint = "no_endpoint" // the target advertises no endpoint: nothing to send
)

// Defaults of Options.
const (
	DefaultInterval    = 5 * time.Second
	DefaultLease       = 10 * time.Minute
	DefaultMaxAttempts = 6
	DefaultConcurrency = 4
	// DefaultBackoffBase and DefaultMaxBackoff shape the waits between
	// attempts: 30m, 1h, 2h, 4h, 8h (each scaled by a random 0.5 to 1,
	// poll.Backoff), so that DefaultMaxAttempts span about half a day to
	// a day.
	DefaultBackoffBase = 30 * time.Minute
	DefaultMaxBackoff  = 12 * time.Hour
)

// changesPage is the number of change-log records read per query.
const changesPage = 1000

// Options configure a Sender. Zero values take the defaults given.
type Options struct {
	// SourceURL returns the URL of a post's page on this site, the source
	// of its Webmentions (render.Renderer.PostURL); required.
	SourceURL func(postID string) string
	// Self is the site's base URL: links under it (the site's own pages)
	// are not notified.
	Self string
	// Interval is how often the change log is read and due notifications
	// sent when the store signals no write; default DefaultInterval.
	Interval time.Duration
	// Lease is how long a claimed notification is this sender's before
	// another may take it (a sender that died); default DefaultLease.
	Lease time.Duration
	// MaxAttempts bounds the attempts at one notification, the first
	// included; default DefaultMaxAttempts.
	MaxAttempts int
	// Backoff returns the wait after failed attempt n (from 1); default
	// poll.Backoff from DefaultBackoffBase to DefaultMaxBackoff.
	Backoff func(n int) time.Duration
	// Concurrency bounds the notifications under way at once; default
	// DefaultConcurrency.
	Concurrency int
	// Now is the clock of retry times; default time.Now. The store's own
	// clock (its Now field) says when they are due: give both the same.
	Now func() time.Time
	// Observe, when set, is called with the outcome of every attempt
	// (OutcomeSent and the others). It must be quick and safe for
	// concurrent use (metrics).
	Observe func(outcome string)
}

// Sender sends the Webmentions (W3C Webmention §3.1) of this site's own
// posts. It follows the store's change log: each write to a local post
// (created, edited or deleted, by any writer: the API, the CLI, the
// comment pages, another feedd on the same database) has its links
// planned in the store's outbox (store.Webmentions.PlanWebmentions): the
// absolute http(s) links of its HTML that are new, and those an edit
// removed (or all, when it was deleted), which tells their targets to
// drop the mention. Links that stay are not notified again: one
// notification per link and change. Posts mirrored from upstream sources
// or imported (feed.Post.Origin set) send nothing.
//
// Pending notifications are claimed from the outbox, so that each is sent
// by one of the processes sharing the store: the target's endpoint is
// discovered (Discover) and sent source=<the post's page>&target=<link>.
// A 2xx answer is success; a 4xx other than 429, a target on a private
// address or a page too large are given up; anything else is retried
// with exponential backoff, up to MaxAttempts, and then given up. Every
// outcome is kept in the outbox with its error.
//
// The change-log position is kept in the store too: a feedd that was
// stopped plans, when it starts, the writes made meanwhile (as long as
// the purge has not removed their records). A store that never had a
// sender starts at the log's end: the posts written before send nothing.
type Sender struct {
	st  store.Store
	d   Doer
	o   Options
	log *slog.Logger
}

// New returns a Sender over st that makes its requests through d (the
// poller: its fetch guard bounds where and how much is fetched).
func New(st store.Store, d Doer, o Options, log *slog.Logger) *Sender {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.Backoff == nil {
		o.Backoff = func(n int) time.Duration { return poll.Backoff(n, DefaultBackoffBase, DefaultMaxBackoff) }
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Observe == nil {
		o.Observe = func(string) {}
	}
	return &Sender{st: st, d: d, o: o, log: log}
}

// Run plans and sends until ctx ends, then returns ctx.Err(): at once
// after each write the store signals (store.Watcher), and every Interval.
// Failures are logged and tried again at the next turn.
func (s *Sender) Run(ctx context.Context) error {
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	events := s.st.Watch(wctx)
	t := time.NewTicker(s.o.Interval)
	defer t.Stop()
	for {
		if err := s.Step(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("send webmentions", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case _, ok := <-events:
			if !ok {
				events = nil // the store stopped signalling: the interval goes on alone
			}
		}
	}
}

// Init records the change log's end as the position to plan from, unless
// a position is stored already: the posts written before the first sender
// started send nothing. Run does it first; a server calls it before it
// takes writes, so that none falls before the position unplanned.
func (s *Sender) Init(ctx context.Context) error {
	if _, ok, err := s.st.WebmentionCursor(ctx); err != nil || ok {
		return err
	}
	last, err := s.st.LastChange(ctx)
	if err != nil {
		return err
	}
	return s.st.SetWebmentionCursor(ctx, last)
}

// Step plans the writes of the change log past the stored position, then
// sends every notification that is due, and returns when they are done.
func (s *Sender) Step(ctx context.Context) error {
	perr := s.plan(ctx)
	serr := s.sendDue(ctx)
	return errors.Join(perr, serr)
}

// plan reads the change log past the stored position and plans the links
// of each post written there.
func (s *Sender) plan(ctx context.Context) error {
	pos, ok, err := s.st.WebmentionCursor(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return s.Init(ctx)
	}
	for {
		recs, err := s.st.Changes(ctx, pos, changesPage)
		if err != nil {
			return err
		}
		planned := map[string]bool{}
		for _, rec := range recs {
			c := rec.Change
			if c.Post != nil && c.Comment == nil && !planned[c.Post.ID] {
				planned[c.Post.ID] = true
				if err := s.planPost(ctx, c.Post.ID); err != nil {
					// The position stays before this record: the next turn
					// plans it again (planning is idempotent).
					return err
				}
			}
			pos = rec.Seq
		}
		if len(recs) > 0 {
			if err := s.st.SetWebmentionCursor(ctx, pos); err != nil {
				return err
			}
		}
		if len(recs) < changesPage {
			return nil
		}
	}
}

// deletedVersion is the version of a post that is gone.
const deletedVersion = "deleted"

// planPost plans the links of post id as it is now: those of a live
// local post, none of a deleted one.
func (s *Sender) planPost(ctx context.Context, id string) error {
	p, err := s.st.Post(ctx, id)
	var targets []string
	version := deletedVersion
	switch feed.ErrorCode(err) {
	case "":
		if p.Origin != nil {
			return nil // mirrored or imported: not this site's to notify
		}
		targets = s.links(p.HTML)
		version = postVersion(p)
	case feed.ENOTFOUND, feed.EGONE:
	default:
		return fmt.Errorf("read post %q: %w", id, err)
	}
	n, err := s.st.PlanWebmentions(ctx, id, version, targets)
	if err != nil {
		return err
	}
	if n > 0 {
		s.log.Debug("webmentions planned", "post_id", id, "pending", n)
	}
	return nil
}

// postVersion identifies what p shows: its title and HTML.
func postVersion(p *feed.Post) string {
	h := sha256.New()
	h.Write([]byte(p.Title))
	h.Write([]byte{0})
	h.Write([]byte(p.HTML))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// links returns the targets of a post's HTML: the absolute http(s) hrefs
// of its <a> elements, without their fragments, once each, in document
// order, but for the site's own pages and URLs too long to store.
func (s *Sender) links(body string) []string {
	var out []string
	seen := map[string]bool{}
	z := html.NewTokenizer(strings.NewReader(body))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		if atom.Lookup(name) != atom.A || !hasAttr {
			continue
		}
		for more := true; more; {
			var k, v []byte
			k, v, more = z.TagAttr()
			if !bytes.Equal(k, []byte("href")) {
				continue
			}
			u, err := url.Parse(strings.TrimSpace(string(v)))
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				break
			}
			u.Fragment, u.RawFragment = "", ""
			t := u.String()
			if seen[t] || s.self(t) || !utf8.ValidString(t) || utf8.RuneCountInString(t) > feed.MaxURILen {
				break
			}
			seen[t] = true
			out = append(out, t)
		}
	}
}

// self reports whether u is a page of this site.
func (s *Sender) self(u string) bool {
	if s.o.Self == "" {
		return false
	}
	base := strings.TrimRight(s.o.Self, "/")
	return u == base || strings.HasPrefix(u, base+"/") || strings.HasPrefix(u, base+"?")
}

// sendDue claims the due notifications and sends them, Concurrency at a
// time, until none is due.
func (s *Sender) sendDue(ctx context.Context) error {
	for ctx.Err() == nil {
		ws, err := s.st.ClaimWebmentions(ctx, s.o.Concurrency, s.o.Lease)
		if err != nil || len(ws) == 0 {
			return err
		}
		var wg sync.WaitGroup
		errs := make([]error, len(ws))
		for i, w := range ws {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.send(ctx, w)
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// send makes one attempt at the claimed notification w and records its
// outcome.
func (s *Sender) send(ctx context.Context, w *store.OutboundWebmention) error {
	log := s.log.With("post_id", w.PostID, "target", w.Target, "attempt", w.Attempts)
	status, endpoint, err := s.notify(ctx, w)
	if ctx.Err() != nil {
		return nil // stopped: the claim's lease runs out and another turn sends it
	}
	w.Endpoint, w.LastStatus, w.LastError = endpoint, status, ""
	var outcome string
	switch {
	case err == nil && endpoint == "":
		w.State, outcome = store.WebmentionNoEndpoint, OutcomeNoEndpoint
		log.Debug("webmention target has no endpoint")
	case err == nil:
		w.State, outcome = store.WebmentionSent, OutcomeSent
		log.Info("webmention sent", "endpoint", endpoint, "status", status, "present", w.Present)
	case permanent(err) || w.Attempts >= s.o.MaxAttempts:
		w.State, w.LastError, outcome = store.WebmentionFailed, err.Error(), OutcomeFailed
		log.Warn("webmention given up", "endpoint", endpoint, "status", status, "err", err)
	default:
		w.State, w.LastError, outcome = store.WebmentionPending, err.Error(), OutcomeRetried
		now := s.o.Now()
		w.NextAttempt = now.Add(s.o.Backoff(w.Attempts))
		// A 429 or 503 may say when to come back: not sooner, and not
		// later than poll.RetryAfter allows.
		var se *StatusError
		if errors.As(err, &se) {
			if at, ok := poll.RetryAfter(se.RetryAfter, now); ok && at.After(w.NextAttempt) {
				w.NextAttempt = at
			}
		}
		log.Info("webmention failed, will retry", "endpoint", endpoint, "status", status, "next_attempt", w.NextAttempt, "err", err)
	}
	s.o.Observe(outcome)
	// Recorded even when ctx ends now: the attempt was made.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if _, err := s.st.FinishWebmention(rctx, w); err != nil {
		return err
	}
	return nil
}

// notify discovers w's endpoint and sends it the notification. It returns
// the last status answered (0 for none), the endpoint ("" when the
// target advertises none, which is no error) and the attempt's error.
func (s *Sender) notify(ctx context.Context, w *store.OutboundWebmention) (int, string, error) {
	endpoint, err := Discover(ctx, s.d, w.Target)
	if err != nil {
		var se *StatusError
		if errors.As(err, &se) {
			return se.Code, "", err
		}
		return 0, "", err
	}
	if endpoint == "" {
		return 0, "", nil
	}
	form := url.Values{"source": {s.o.SourceURL(w.PostID)}, "target": {w.Target}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, endpoint, &permanentError{fmt.Errorf("endpoint %q: %w", endpoint, err)}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	pg, err := s.d.Do(ctx, req)
	switch {
	case err != nil && pg == nil:
		return 0, endpoint, fmt.Errorf("send to endpoint %s: %w", endpoint, err)
	case pg.Status >= 200 && pg.Status <= 299:
		// An endpoint's long answer body does not undo its success.
		return pg.Status, endpoint, nil
	}
	return pg.Status, endpoint, &StatusError{URL: endpoint, Code: pg.Status, RetryAfter: pg.Header.Get("Retry-After")}
}

// permanentError is a failure that retries will not change.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// permanent reports whether a failed attempt is not worth retrying: a
// 4xx answer other than 429 (408 too: a slow client, which retrying may
// fix), a target or endpoint on an address the guard refuses, a page
// over the size limit, an endpoint URL that does not make a request.
func permanent(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code >= 400 && se.Code <= 499 && se.Code != http.StatusTooManyRequests && se.Code != http.StatusRequestTimeout
	}
	var pe *poll.PrivateAddressError
	var tl *poll.TooLargeError
	var pm *permanentError
	return errors.As(err, &pe) || errors.As(err, &tl) || errors.As(err, &pm)
}
