package websub

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// maxRequestBytes bounds the body of a subscription request: its URLs
// are at most feed.MaxURILen characters and its secret store.MaxSecretLen
// bytes, a few kilobytes however encoded.
const maxRequestBytes = 64 << 10

// maxEchoBytes bounds what is read of a callback's answer to a
// verification: more than any challenge, so that a longer body fails.
const maxEchoBytes = 1 << 10

// request is a subscription request (W3C WebSub §5.1) as parsed.
type request struct {
	mode     string // "subscribe" or "unsubscribe"
	topic    string
	ref      feed.Ref
	format   feed.Format
	callback string
	secret   string
	lease    time.Duration // granted, for subscribe
}

// key names the lease a request is about, as the lanes of verifications
// and deliveries do: "topic callback", unambiguous as topics, feedd's
// canonical URLs, hold no space.
func (q *request) key() string { return q.topic + " " + q.callback }

// badRequest is a client error of a subscription request: its message
// names the parameter.
type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

func badf(format string, args ...any) error { return &badRequest{fmt.Sprintf(format, args...)} }

// ServeHTTP is the built-in hub's endpoint, which the server mounts at
// POST /websub: it takes subscription and unsubscription requests (W3C
// WebSub §5.1), form-encoded with hub.mode, hub.topic (the URL of one
// of feedd's feeds, as feeds give it in rel="self"), hub.callback, and
// for subscribe the optional hub.lease_seconds and hub.secret (at most
// store.MaxSecretLen bytes). A bad request gets 400 and a plain-text
// message naming the parameter; a good one 202 Accepted, after which the
// hub verifies the subscriber's intent by a GET of the callback (§5.3)
// and only then stores or removes the subscription. The lease asked for
// is kept within Options.MinLease and MaxLease.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.o.Builtin {
		http.Error(w, "this feedd is not a WebSub hub", http.StatusNotFound)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed: subscription requests are POSTed", http.StatusMethodNotAllowed)
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		http.Error(w, "Content-Type: must be application/x-www-form-urlencoded", http.StatusBadRequest)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBytes)
	if err := r.ParseForm(); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			http.Error(w, fmt.Sprintf("request body: larger than %d bytes", maxRequestBytes), http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "request body: not a valid form", http.StatusBadRequest)
		return
	}
	req, err := h.parse(r.PostForm)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if h.verifying.size() >= maxVerifying {
		w.Header().Set("Retry-After", "60")
		http.Error(w, "too many subscription requests waiting for verification; try again later", http.StatusServiceUnavailable)
		return
	}
	if !h.submit(h.verifying, req.key(), &job{attempts: 1, do: func(ctx context.Context) error { return h.verify(ctx, req) }}) {
		w.Header().Set("Retry-After", "60")
		http.Error(w, "the hub is not running", http.StatusServiceUnavailable)
		return
	}
	h.log.Debug("websub request accepted", "mode", req.mode, "topic", req.topic, "callback", req.callback)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, "accepted: the hub will verify the "+req.mode+" request with the callback\n")
}

// parse checks a subscription request's parameters.
func (h *Hub) parse(form url.Values) (*request, error) {
	var bad error
	one := func(name string) string {
		vs := form[name]
		if len(vs) > 1 && bad == nil {
			bad = badf("%s: given more than once", name)
		}
		if len(vs) == 0 {
			return ""
		}
		return vs[0]
	}
	q := &request{mode: one("hub.mode"), topic: one("hub.topic"), callback: one("hub.callback")}
	secret, lease := one("hub.secret"), one("hub.lease_seconds")
	if bad != nil {
		return nil, bad
	}
	switch q.mode {
	case "subscribe", "unsubscribe":
	case "":
		return nil, badf("hub.mode: required")
	default:
		return nil, badf("hub.mode: must be subscribe or unsubscribe, not %q", q.mode)
	}
	if q.topic == "" {
		return nil, badf("hub.topic: required")
	}
	var ok bool
	if q.ref, q.format, ok = h.r.ParseFeedURL(q.topic); !ok {
		return nil, badf("hub.topic: not the URL of a feed of this hub")
	}
	if q.callback == "" {
		return nil, badf("hub.callback: required")
	}
	if q.mode == "subscribe" {
		// The secret and lease of an unsubscription mean nothing.
		q.secret = secret
		d, err := h.lease(lease)
		if err != nil {
			return nil, err
		}
		q.lease = d
	}
	// The store's rules, so that a request accepted here is one that
	// SaveSubscription takes once verified. Their messages name the
	// field as the store does ("callback: ..."), without the "hub.".
	s := feed.Subscription{Topic: q.topic, Callback: q.callback, Secret: q.secret}
	if err := store.ValidateSubscription(h.o.Now(), &s); err != nil {
		return nil, badf("hub.%s", feed.ErrorMessage(err))
	}
	return q, nil
}

// lease returns the lease granted for hub.lease_seconds s: Options.Lease
// when empty, else s within MinLease and MaxLease.
func (h *Hub) lease(s string) (time.Duration, error) {
	if s == "" {
		return h.o.Lease, nil
	}
	if strings.Trim(s, "0123456789") != "" {
		return 0, badf("hub.lease_seconds: must be a whole number of seconds, not %q", s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n > int64(h.o.MaxLease/time.Second) { // too large for int64 or for the bound
		return h.o.MaxLease, nil
	}
	return min(max(time.Duration(n)*time.Second, h.o.MinLease), h.o.MaxLease), nil
}

// verify checks a subscriber's intent (W3C WebSub §5.3) and then stores
// or removes the subscription. A subscription to a thread feed whose post
// does not exist (any more) is denied instead (§5.2).
func (h *Hub) verify(ctx context.Context, q *request) error {
	if q.mode == "subscribe" {
		_, err := h.get(ctx, q.ref, q.format)
		switch feed.ErrorCode(err) {
		case "":
		case feed.ENOTFOUND, feed.EGONE:
			h.deny(ctx, q.callback, q.topic, "the topic does not exist")
			return nil
		default:
			return fmt.Errorf("read topic %q: %w", q.topic, err)
		}
	}
	challenge := rand.Text()
	params := url.Values{"hub.mode": {q.mode}, "hub.topic": {q.topic}, "hub.challenge": {challenge}}
	if q.mode == "subscribe" {
		params.Set("hub.lease_seconds", strconv.FormatInt(int64(q.lease/time.Second), 10))
	}
	body, status, err := h.call(ctx, http.MethodGet, withQuery(q.callback, params), maxEchoBytes+1)
	switch {
	case err != nil:
		return permanent(fmt.Errorf("verify %s of %q to %q: %w", q.mode, q.callback, q.topic, err))
	case status < 200 || status > 299:
		return permanent(fmt.Errorf("verify %s of %q to %q: callback answered %d", q.mode, q.callback, q.topic, status))
	case string(body) != challenge:
		return permanent(fmt.Errorf("verify %s of %q to %q: callback did not echo the challenge", q.mode, q.callback, q.topic))
	}
	if q.mode == "unsubscribe" {
		err := h.st.DeleteSubscription(ctx, q.topic, q.callback)
		if err != nil && feed.ErrorCode(err) != feed.ENOTFOUND {
			return fmt.Errorf("unsubscribe %q from %q: %w", q.callback, q.topic, err)
		}
		h.log.Info("websub unsubscribed", "topic", q.topic, "callback", q.callback)
		return nil
	}
	h.markCurrent(ctx, q.topic)
	s := &feed.Subscription{Topic: q.topic, Callback: q.callback, Secret: q.secret, Expires: h.o.Now().Add(q.lease)}
	if err := h.st.SaveSubscription(ctx, s); err != nil {
		return fmt.Errorf("subscribe %q to %q: %w", q.callback, q.topic, err)
	}
	h.log.Info("websub subscribed", "topic", q.topic, "callback", q.callback, "expires", s.Expires)
	return nil
}

// markCurrent records the topic's current document as published (see
// claim), before a new subscription is saved: the subscriber asked for
// changes from now on, and a write that leaves the document as it is (a
// comment held for moderation) is not one, even the first after a start.
func (h *Hub) markCurrent(ctx context.Context, topic string) {
	ref, f, ok := h.r.ParseFeedURL(topic)
	if !ok {
		return
	}
	if e, err := h.get(ctx, ref, f); err == nil {
		h.claim(ctx, topic, e.ETag)
	}
}

// deny tells callback that the hub refuses or ends its subscription to
// topic (W3C WebSub §5.2). The answer does not matter.
func (h *Hub) deny(ctx context.Context, callback, topic, reason string) {
	params := url.Values{"hub.mode": {"denied"}, "hub.topic": {topic}, "hub.reason": {reason}}
	if _, _, err := h.call(ctx, http.MethodGet, withQuery(callback, params), 0); err != nil && ctx.Err() == nil {
		h.log.Info("websub denial not sent", "topic", topic, "callback", callback, "error", err)
	}
	h.log.Info("websub subscription denied", "topic", topic, "callback", callback, "reason", reason)
}

// withQuery returns callback with params added to its query, which the
// subscriber's own parameters stay in as they were (§5.3).
func withQuery(callback string, params url.Values) string {
	u, err := url.Parse(callback)
	if err != nil { // validated before; it parses
		return callback
	}
	u.Fragment, u.RawFragment = "", ""
	if u.RawQuery != "" {
		u.RawQuery += "&"
	}
	u.RawQuery += params.Encode()
	return u.String()
}
