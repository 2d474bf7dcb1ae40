package websub

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// goneState stands in last for a topic whose feed is gone (the thread
// feed of a deleted post): its subscribers were told, and external hubs
// pinged, once.
const goneState = "gone"

// maxAnswerBytes bounds what is read of an answer to a delivery or ping
// before the connection is reused.
const maxAnswerBytes = 64 << 10

// publish publishes the changes of refs: for every topic (each feed in
// each format) whose document is no longer the one last published, a
// ping to every external hub, and the new document to every subscriber
// of the built-in hub. Topics without anyone to tell are not even read.
func (h *Hub) publish(ctx context.Context, refs []feed.Ref) {
	slices.SortFunc(refs, func(a, b feed.Ref) int { return strings.Compare(a.String(), b.String()) })
	for _, ref := range refs {
		for _, f := range feed.Formats {
			if ctx.Err() != nil {
				return
			}
			h.publishTopic(ctx, ref, f)
		}
	}
}

// publishTopic publishes one topic.
func (h *Hub) publishTopic(ctx context.Context, ref feed.Ref, f feed.Format) {
	topic := h.r.FeedURL(ref, f)
	var subs []*feed.Subscription
	if h.o.Builtin {
		var err error
		if subs, err = h.st.Subscriptions(ctx, topic, h.o.Now()); err != nil {
			if ctx.Err() == nil {
				h.log.Error("read websub subscriptions", "topic", topic, "error", err)
			}
			return
		}
	}
	if len(subs) == 0 && len(h.o.Hubs) == 0 {
		return
	}
	e, err := h.get(ctx, ref, f)
	state := goneState
	switch feed.ErrorCode(err) {
	case "":
		state = e.ETag
	case feed.ENOTFOUND, feed.EGONE:
	default:
		if ctx.Err() == nil {
			h.log.Error("render websub topic", "topic", topic, "error", err)
		}
		return
	}
	// A change that left the document as it was (the digests of closed
	// periods, for a new entry) has nothing to tell. The first time after
	// a start, it is told, as what was told before is not known.
	if h.last[topic] == state {
		return
	}
	h.last[topic] = state
	if !h.claim(ctx, topic, state) {
		return
	}
	for _, hub := range h.o.Hubs {
		h.submit(h.publishing, topic+" "+hub, &job{attempts: h.o.attempts, do: func(ctx context.Context) error {
			return h.ping(ctx, hub, topic)
		}})
	}
	for _, s := range subs {
		// A subscriber's deliveries share one lane: a newer one replaces a
		// delivery still waiting to be retried, and so does a denial.
		key := topic + " " + s.Callback
		if state == goneState {
			h.submit(h.delivering, key, &job{attempts: 1, do: func(ctx context.Context) error {
				h.deny(ctx, s.Callback, topic, "the topic was deleted")
				err := h.st.DeleteSubscription(ctx, topic, s.Callback)
				if err != nil && feed.ErrorCode(err) != feed.ENOTFOUND {
					return fmt.Errorf("delete subscription: %w", err)
				}
				return nil
			}})
			continue
		}
		h.submit(h.delivering, key, &job{attempts: h.o.attempts, do: func(ctx context.Context) error {
			return h.deliver(ctx, s, e)
		}})
	}
}

// claimPeriod is how long a claim of one version of a topic (see claim)
// keeps other processes from publishing it again: long past the time the
// processes sharing a store take to see the same write.
const claimPeriod = 24 * time.Hour

// claim reports whether this process is to publish version state of
// topic. Where several feedd processes share the store (replicas on one
// PostgreSQL database), each learns of every write and would publish it;
// the first to claim the version in the store (store.JobClaimer) does, the
// others skip it. A store that cannot be asked costs the publication
// rather than risking it twice; a store without claims has this process
// alone with it.
func (h *Hub) claim(ctx context.Context, topic, state string) bool {
	jc, ok := h.st.(store.JobClaimer)
	if !ok {
		return true
	}
	won, err := jc.ClaimJob(ctx, "websub:"+topic+"@"+state, claimPeriod)
	if err != nil {
		if ctx.Err() == nil {
			h.log.Error("claim websub publication", "topic", topic, "error", err)
		}
		return false
	}
	return won
}

// deliver sends e, the new document of s.Topic, to its subscriber (W3C
// WebSub §7), signed with the subscription's secret (§8). A 2xx answer
// is delivery; 410 Gone ends the subscription; anything else fails the
// attempt.
func (h *Hub) deliver(ctx context.Context, s *feed.Subscription, e *cache.Entry) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.Callback, bytes.NewReader(e.Body))
	if err != nil {
		return permanent(fmt.Errorf("deliver to %q: %w", s.Callback, err))
	}
	req.Header.Set("Content-Type", e.ContentType)
	req.Header.Set("Link", fmt.Sprintf(`<%s>; rel="hub", <%s>; rel="self"`, h.o.HubURL, s.Topic))
	if s.Secret != "" {
		req.Header.Set("X-Hub-Signature", "sha256="+signature(s.Secret, e.Body))
	}
	_, status, err := h.do(req, 0)
	switch {
	case err != nil:
		return fmt.Errorf("deliver %q to %q: %w", s.Topic, s.Callback, err)
	case status == http.StatusGone:
		err := h.st.DeleteSubscription(ctx, s.Topic, s.Callback)
		if err != nil && feed.ErrorCode(err) != feed.ENOTFOUND {
			return fmt.Errorf("delete subscription of %q to %q after 410: %w", s.Callback, s.Topic, err)
		}
		h.log.Info("websub subscription ended by the subscriber (410 Gone)", "topic", s.Topic, "callback", s.Callback)
		return nil
	case status < 200 || status > 299:
		return fmt.Errorf("deliver %q to %q: callback answered %d", s.Topic, s.Callback, status)
	}
	h.log.Debug("websub delivered", "topic", s.Topic, "callback", s.Callback, "etag", e.ETag)
	return nil
}

// signature returns the hex HMAC-SHA256 of body keyed by secret: the
// value of X-Hub-Signature after "sha256=" (W3C WebSub §8).
func signature(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// ping tells an external hub that topic changed: the publish request
// hubs take (hub.mode=publish, hub.url), form-encoded. A 2xx answer is
// success; a 4xx other than 408 and 429 will not change with retries.
func (h *Hub) ping(ctx context.Context, hub, topic string) error {
	form := url.Values{"hub.mode": {"publish"}, "hub.url": {topic}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hub, strings.NewReader(form.Encode()))
	if err != nil {
		return permanent(fmt.Errorf("publish %q to hub %q: %w", topic, hub, err))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	_, status, err := h.do(req, 0)
	switch {
	case err != nil:
		return fmt.Errorf("publish %q to hub %q: %w", topic, hub, err)
	case status >= 200 && status <= 299:
		h.log.Debug("websub published", "hub", hub, "topic", topic)
		return nil
	case status >= 400 && status <= 499 && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests:
		return permanent(fmt.Errorf("publish %q to hub %q: hub answered %d", topic, hub, status))
	}
	return fmt.Errorf("publish %q to hub %q: hub answered %d", topic, hub, status)
}

// call makes a bodiless request to u and returns up to keep bytes of the
// answer's body and its status.
func (h *Hub) call(ctx context.Context, method, u string, keep int64) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, 0, err
	}
	return h.do(req, keep)
}

// do sends req with the hub's User-Agent and returns up to keep bytes of
// the answer's body and its status. The rest of the body, to a bound, is
// read and dropped, so that the connection can be reused.
func (h *Hub) do(req *http.Request, keep int64) ([]byte, int, error) {
	req.Header.Set("User-Agent", h.o.UserAgent)
	resp, err := h.o.Client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, keep))
	if err != nil {
		return nil, 0, fmt.Errorf("read answer: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswerBytes))
	return body, resp.StatusCode, nil
}
