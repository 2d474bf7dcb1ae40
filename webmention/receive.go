package webmention

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/netguard"
	"github.com/feedd/feedd/poll"
	"github.com/feedd/feedd/store"
)

// Defaults of ReceiverOptions (and DefaultLease, as for Options).
const (
	DefaultQueueSize = 1000
	DefaultWorkers   = 2
	DefaultPoll      = 10 * time.Second
	// MaxURLBytes bounds source and target, as feed.MaxURILen bounds
	// every URL stored.
	MaxURLBytes = 2048
	// maxFormBytes bounds the request body: two URLs and their names.
	maxFormBytes = 3*MaxURLBytes + 1024
)

// Fetcher fetches a mention's source: poll.Poller's FetchPage, with the
// poller's private-address guard, size and time limits.
type Fetcher interface {
	FetchPage(ctx context.Context, rawURL string) (*poll.Page, error)
}

// Saver stores a verified mention through the site's moderation and rate
// limits its senders: submit.Submitter.
type Saver interface {
	Mention(ctx context.Context, c *feed.Comment) (*feed.Comment, bool, error)
	ReserveMention(sourceHost string) int64
}

// ReceiverOptions configure a Receiver. Zero values mean the defaults.
type ReceiverOptions struct {
	// QueueSize bounds the mentions waiting for verification; a request
	// that finds the queue full gets 503 with Retry-After.
	QueueSize int
	// Workers is how many mentions this process verifies at once.
	Workers int
	// Lease is how long a claimed mention is left to the process that
	// claimed it before another takes it over (the claimer died); it
	// must exceed a verification (the fetch's timeout and the writes).
	Lease time.Duration
	// Poll is how often idle workers look at the queue for mentions that
	// other processes sharing the store received, or that a claim past
	// its lease left; mentions this process receives wake them at once.
	Poll time.Duration
	// Observe, when set, is called after each verification with its
	// outcome (see Result). It must be safe for concurrent use.
	Observe func(Result)
	// Now is the clock; time.Now by default.
	Now func() time.Time
	// AllowPrivate takes sources whose host is a loopback, private or
	// otherwise non-public IP address, or localhost (poll.allow_private,
	// which the Fetcher's guard follows too); refused with 400 otherwise.
	// Names that resolve to such addresses are refused by the Fetcher.
	AllowPrivate bool
}

// Result is the outcome of one verification.
type Result struct {
	Source, Target string
	PostID         string
	// Action is "stored" (created or updated), "unchanged", "deleted"
	// (a mention removed: its source no longer links, or answers 410),
	// "none" (nothing to remove) or "failed" (Err says why; nothing
	// stored).
	Action string
	Err    error
	// Comment is the mention as stored, for "stored" and "unchanged".
	Comment *feed.Comment
}

// Receiver is the Webmention endpoint (POST /webmention) and the queue of
// mentions waiting for verification. Requests are validated at once and
// answered 202; Run verifies them in the background.
//
// The queue is the store's (store.MentionQueue): bounded
// (ReceiverOptions.QueueSize), one entry per (source, target), kept
// across restarts, and shared by every feedd on the store, each mention
// verified by one process at a time (a claim past ReceiverOptions.Lease
// is taken over). Verification starts as soon as a worker is free: there
// is no delay. A verification that fails (the source unreachable, too
// large, too slow) is not retried: the mention is dropped from the queue,
// logged, and its sender may send it again. The store's unique key on
// (post, source) keeps one mention per source even when two processes
// verify the same one at once.
type Receiver struct {
	st    store.Store
	save  Saver
	fetch Fetcher
	r     *render.Renderer
	o     ReceiverOptions
	log   *slog.Logger

	// wake tells idle workers that this process queued a mention.
	wake chan struct{}
}

// NewReceiver returns a Receiver that resolves targets to the posts of st
// through r's URLs, fetches sources with fetch and stores mentions with
// save.
func NewReceiver(st store.Store, save Saver, fetch Fetcher, r *render.Renderer, o ReceiverOptions, log *slog.Logger) *Receiver {
	if o.QueueSize <= 0 {
		o.QueueSize = DefaultQueueSize
	}
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Receiver{st: st, save: save, fetch: fetch, r: r, o: o, log: log,
		wake: make(chan struct{}, 1)}
}

// ServeHTTP is POST /webmention: a form (application/x-www-form-urlencoded)
// with source and target. It answers 400 with a plain-text reason for a
// bad request (a missing, malformed, too long or non-http(s) URL, source
// equal to target, a target that is not a post of this site, a source on
// this site), 429 with Retry-After when the source's host sent too many,
// 503 when the queue is full, and otherwise 202: the mention is queued.
func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		plain(w, http.StatusMethodNotAllowed, "method not allowed: send a POST with source and target")
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
		plain(w, http.StatusUnsupportedMediaType, "content type: send application/x-www-form-urlencoded with source and target")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			plain(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body: larger than %d bytes", maxFormBytes))
			return
		}
		plain(w, http.StatusBadRequest, "body: not a form: "+err.Error())
		return
	}
	source, target := r.PostForm.Get("source"), r.PostForm.Get("target")
	su, tu, postID, err := rc.check(r.Context(), source, target)
	if err != nil {
		if feed.ErrorCode(err) != feed.EINVALID {
			rc.log.Error("webmention: checking the target", "target", target, "err", err)
			plain(w, http.StatusInternalServerError, "internal error")
			return
		}
		plain(w, http.StatusBadRequest, feed.ErrorMessage(err))
		return
	}
	if wait := rc.save.ReserveMention(su.Hostname()); wait > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(wait, 10))
		plain(w, http.StatusTooManyRequests, fmt.Sprintf("too many webmentions from %s: try again in %d seconds", su.Hostname(), wait))
		return
	}
	queued, err := rc.st.QueueMention(context.WithoutCancel(r.Context()), su.String(), tu.String(), rc.o.QueueSize)
	if err != nil {
		rc.log.Error("webmention: queueing", "source", source, "target", target, "err", err)
		plain(w, http.StatusInternalServerError, "internal error")
		return
	}
	if !queued {
		w.Header().Set("Retry-After", "60")
		plain(w, http.StatusServiceUnavailable, "the verification queue is full: try again later")
		return
	}
	select {
	case rc.wake <- struct{}{}:
	default: // a wake-up is pending already
	}
	rc.log.Info("webmention queued", "source", source, "target", target, "post_id", postID)
	plain(w, http.StatusAccepted, "accepted: the webmention is queued for verification\n")
}

// plain writes a plain-text answer.
func plain(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if !strings.HasSuffix(msg, "\n") {
		msg += "\n"
	}
	w.Write([]byte(msg))
}

// check validates a request's source and target and resolves the target
// to a live post: EINVALID naming the problem, or another error when the
// store failed.
func (rc *Receiver) check(ctx context.Context, source, target string) (su, tu *url.URL, postID string, err error) {
	if su, err = checkURL("source", source); err != nil {
		return nil, nil, "", err
	}
	if tu, err = checkURL("target", target); err != nil {
		return nil, nil, "", err
	}
	if sameURL(source, target) {
		return nil, nil, "", feed.Errorf(feed.EINVALID, "source: the same URL as target")
	}
	if !rc.o.AllowPrivate && privateHost(su.Hostname()) {
		return nil, nil, "", feed.Errorf(feed.EINVALID, "source: %s is a private address", su.Hostname())
	}
	if rc.r.OnSite(su) {
		return nil, nil, "", feed.Errorf(feed.EINVALID, "source: a page of this site; webmentions come from other sites")
	}
	postID, err = rc.resolve(ctx, tu)
	return su, tu, postID, err
}

// privateHost reports whether host is a non-public IP address (see
// netguard.Public) or localhost.
func privateHost(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && !netguard.Public(a)
}

// checkURL checks that s is an absolute http(s) URL of at most MaxURLBytes
// bytes of UTF-8 without spaces or control characters.
func checkURL(field, s string) (*url.URL, error) {
	switch {
	case s == "":
		return nil, feed.Errorf(feed.EINVALID, "%s: required", field)
	case len(s) > MaxURLBytes:
		return nil, feed.Errorf(feed.EINVALID, "%s: longer than %d bytes", field, MaxURLBytes)
	case !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r <= 0x20 || r >= 0x7f && r <= 0x9f }):
		return nil, feed.Errorf(feed.EINVALID, "%s: contains a space or a control character", field)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, feed.Errorf(feed.EINVALID, "%s: must be an absolute http or https URL", field)
	}
	return u, nil
}

// resolve returns the id of the live post that target names: EINVALID
// when it is not a post of this site, or no such post.
func (rc *Receiver) resolve(ctx context.Context, tu *url.URL) (string, error) {
	if !rc.r.OnSite(tu) {
		return "", feed.Errorf(feed.EINVALID, "target: not a URL of this site (%s)", rc.r.HomeURL())
	}
	id, ok := rc.r.ParsePostURL(tu)
	if !ok {
		return "", feed.Errorf(feed.EINVALID, "target: not a post of this site; webmentions are taken for %s", rc.r.PostURL("{post}"))
	}
	switch _, err := rc.st.Post(ctx, id); feed.ErrorCode(err) {
	case "":
		return id, nil
	case feed.ENOTFOUND, feed.EGONE:
		return "", feed.Errorf(feed.EINVALID, "target: no post %q on this site", id)
	default:
		return "", err
	}
}

// Run verifies queued mentions with ReceiverOptions.Workers workers until
// ctx ends, and returns ctx's error then. A worker claims the oldest
// waiting mention, verifies it and removes it from the queue; with none
// waiting it sleeps until this process queues one, or ReceiverOptions.Poll
// passes.
func (rc *Receiver) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for range rc.o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rc.work(ctx)
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// work is one of Run's workers.
func (rc *Receiver) work(ctx context.Context) {
	t := time.NewTimer(rc.o.Poll)
	defer t.Stop()
	for ctx.Err() == nil {
		m, err := rc.st.ClaimMention(ctx, rc.o.Lease)
		if err != nil && ctx.Err() == nil {
			rc.log.Error("webmention: claiming from the queue", "err", err)
		}
		if m == nil {
			t.Reset(rc.o.Poll)
			select {
			case <-ctx.Done():
			case <-rc.wake:
			case <-t.C:
			}
			continue
		}
		// Another wake-up for the other workers: there may be more.
		select {
		case rc.wake <- struct{}{}:
		default:
		}
		rc.Verify(ctx, m.Source, m.Target)
		if ctx.Err() != nil {
			return // unfinished: claimed again once the lease is over
		}
		if err := rc.st.DoneMention(context.WithoutCancel(ctx), m); err != nil {
			rc.log.Error("webmention: removing from the queue", "source", m.Source, "target", m.Target, "err", err)
		}
	}
}

// Verify verifies one mention and stores, updates or removes it (see
// Result), logging the outcome; Run calls it for each queued mention.
func (rc *Receiver) Verify(ctx context.Context, source, target string) Result {
	res := rc.verify(ctx, source, target)
	res.Source, res.Target = source, target
	switch {
	case res.Err != nil && ctx.Err() != nil:
		// Stopped, not failed.
	case res.Err != nil:
		rc.log.Warn("webmention verification failed; nothing stored", "source", source, "target", target, "err", res.Err)
	default:
		attrs := []any{"source", source, "target", target, "post_id", res.PostID, "action", res.Action}
		if res.Comment != nil {
			attrs = append(attrs, "comment_id", res.Comment.ID, "kind", res.Comment.Kind, "status", res.Comment.Status)
		}
		rc.log.Info("webmention verified", attrs...)
	}
	if rc.o.Observe != nil {
		rc.o.Observe(res)
	}
	return res
}

func (rc *Receiver) verify(ctx context.Context, source, target string) Result {
	fail := func(err error) Result { return Result{Action: "failed", Err: err} }
	tu, err := url.Parse(target)
	if err != nil {
		return fail(err)
	}
	postID, err := rc.resolve(ctx, tu)
	if err != nil {
		return fail(err) // the post went meanwhile
	}
	page, err := rc.fetch.FetchPage(ctx, source)
	if err != nil {
		return Result{PostID: postID, Action: "failed", Err: err}
	}
	switch {
	case page.Status == http.StatusGone:
		return rc.remove(ctx, postID, source, "the source answers 410 Gone")
	case page.Status != http.StatusOK:
		// Not a verdict on the mention: keep what is there, store nothing.
		return Result{PostID: postID, Action: "failed", Err: fmt.Errorf("source answered %d %s", page.Status, http.StatusText(page.Status))}
	}
	var doc *html.Node
	links := bytes.Contains(page.Body, []byte(target))
	if isHTMLType(page.Header.Get("Content-Type"), page.Body) {
		if doc, err = parseHTML(page); err != nil {
			// Not a verdict either: a page nested too deep, say.
			return Result{PostID: postID, Action: "failed", Err: fmt.Errorf("source: unreadable HTML: %w", err)}
		}
		links = linksTo(doc, page.URL, target)
	}
	if !links {
		return rc.remove(ctx, postID, source, "the source does not link to the target")
	}
	c := &feed.Comment{PostID: postID, SourceURL: source, Kind: feed.MentionLink}
	if doc != nil {
		rc.fromHTML(c, doc, page.URL, source, target)
	}
	rc.fillIn(c, source)
	stored, changed, err := rc.save.Mention(ctx, c)
	if feed.ErrorCode(err) == feed.ECONFLICT {
		// Another worker or process stored it first: update that one.
		stored, changed, err = rc.save.Mention(ctx, c)
	}
	if err != nil {
		return Result{PostID: postID, Action: "failed", Err: fmt.Errorf("store the mention: %w", err)}
	}
	action := "stored"
	if !changed {
		action = "unchanged"
	}
	return Result{PostID: postID, Action: action, Comment: stored}
}

// remove deletes the post's mention from source, if any, leaving a
// tombstone where feeds showed it.
func (rc *Receiver) remove(ctx context.Context, postID, source, why string) Result {
	m, err := rc.st.Mention(ctx, postID, source)
	switch feed.ErrorCode(err) {
	case "":
	case feed.ENOTFOUND:
		return Result{PostID: postID, Action: "none", Err: errors.New(why)}
	default:
		return Result{PostID: postID, Action: "failed", Err: err}
	}
	if _, err := rc.st.DeleteComment(ctx, m.ID); err != nil && feed.ErrorCode(err) != feed.EGONE {
		return Result{PostID: postID, Action: "failed", Err: err}
	}
	rc.log.Info("webmention removed", "source", source, "post_id", postID, "comment_id", m.ID, "reason", why)
	return Result{PostID: postID, Action: "deleted"}
}

// fromHTML fills in c from the source's h-entry, or its title.
func (rc *Receiver) fromHTML(c *feed.Comment, doc *html.Node, pageURL *url.URL, source, target string) {
	e := FindEntry(ParseNode(doc, pageURL), source)
	if e == nil {
		c.Content = pageTitle(doc)
		return
	}
	c.Kind = e.Kind(target)
	c.AuthorName, c.AuthorURI = e.Author.Name, e.Author.URL
	switch {
	case e.ContentHTML != "":
		c.Content = e.ContentHTML
	case e.ContentText != "":
		c.Content = e.ContentText
	case e.Summary != "":
		c.Content = e.Summary
	case e.Name != "":
		c.Content = e.Name
	default:
		c.Content = pageTitle(doc)
	}
	now := rc.o.Now().UTC().Truncate(time.Second)
	if p := e.Published; !p.IsZero() && !p.After(now) && p.Year() >= 1970 {
		c.Published = p.Truncate(time.Second)
		if u := e.Updated.Truncate(time.Second); !u.Before(c.Published) && !u.After(now) {
			c.Updated = u
		}
	}
}

// fillIn gives c what its source did not: the source's host as the
// author (its home page as the author's URI), and the source URL as the
// content.
func (rc *Receiver) fillIn(c *feed.Comment, source string) {
	u, _ := url.Parse(source)
	if strings.TrimSpace(c.AuthorName) == "" {
		c.AuthorName = u.Hostname()
	}
	if c.AuthorURI != "" {
		if au, err := url.Parse(c.AuthorURI); err != nil || (au.Scheme != "http" && au.Scheme != "https") || au.Host == "" || len(c.AuthorURI) > MaxURLBytes {
			c.AuthorURI = ""
		}
	}
	if c.AuthorURI == "" {
		c.AuthorURI = (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/"}).String()
	}
	if strings.TrimSpace(c.Content) == "" {
		c.Content = source
	}
}

// isHTMLType reports whether a body is HTML: by its Content-Type, or by
// sniffing when there is none.
func isHTMLType(ct string, body []byte) bool {
	if ct == "" {
		ct = http.DetectContentType(body)
	}
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "text/html" || mt == "application/xhtml+xml"
}
