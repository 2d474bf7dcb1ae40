package websub

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/testutil"
)

// checkDelivery fails the test unless d carries exactly what the cache
// serves for topic's feed, with the headers of W3C WebSub §7 and §8.
func checkDelivery(t *testing.T, e *env, d delivery, ref feed.Ref, f feed.Format, secret string) {
	t.Helper()
	want := e.entry(ref, f)
	if !bytes.Equal(d.body, want.Body) {
		t.Errorf("delivered body differs from the served document:\n%s\nwant\n%s", d.body, want.Body)
	}
	if got := d.header.Get("Content-Type"); got != want.ContentType {
		t.Errorf("Content-Type = %q, want %q", got, want.ContentType)
	}
	wantLink := fmt.Sprintf(`<%s/websub>; rel="hub", <%s>; rel="self"`, baseURL, e.r.FeedURL(ref, f))
	if got := d.header.Get("Link"); got != wantLink {
		t.Errorf("Link = %q, want %q", got, wantLink)
	}
	sig := d.header.Get("X-Hub-Signature")
	switch {
	case secret == "" && sig != "":
		t.Errorf("X-Hub-Signature = %q without a secret, want none", sig)
	case secret != "" && sig != sign(secret, d.body):
		t.Errorf("X-Hub-Signature = %q, want %q", sig, sign(secret, d.body))
	}
	if got := d.header.Get("User-Agent"); got != DefaultUserAgent {
		t.Errorf("User-Agent = %q, want %q", got, DefaultUserAgent)
	}
}

// TestHub_Deliver is scenario (a): a subscriber of one thread's comment
// feed passes verification, gets each new comment of that thread, signed,
// and nothing for a comment of another thread.
func TestHub_Deliver(t *testing.T) {
	e := newTempEnv(t, testOptions())
	e.post("p1")
	e.post("p2")
	sub := newSubscriber(t)
	const secret = "correct horse battery staple"
	topic := e.topic("p1")

	e.subscribe(topic, sub.URL, secret)
	v := testutil.Receive(t, timeout, sub.verifications, "timed out waiting for the verification")
	for k, want := range map[string]string{"hub.mode": "subscribe", "hub.topic": topic,
		"hub.lease_seconds": strconv.Itoa(int(DefaultLease / time.Second))} {
		if got := v.Get(k); got != want {
			t.Errorf("verification %s = %q, want %q", k, got, want)
		}
	}
	if len(v.Get("hub.challenge")) < 16 {
		t.Errorf("hub.challenge = %q, want a long random string", v.Get("hub.challenge"))
	}
	s := e.subscribed(topic, sub.URL)
	if s.Secret != secret {
		t.Errorf("stored secret = %q, want %q", s.Secret, secret)
	}
	if lease := time.Until(s.Expires); lease < DefaultLease-time.Minute || lease > DefaultLease {
		t.Errorf("stored lease ends in %v, want %v", lease, DefaultLease)
	}

	c := e.comment("p1", "first!")
	d := testutil.Receive(t, time.Second, sub.deliveries, "timed out waiting for the delivery of the first comment")
	checkDelivery(t, e, d, feed.ThreadFeed("p1"), feed.Atom, secret)
	if !bytes.Contains(d.body, []byte("first!")) {
		t.Errorf("delivered feed lacks the new comment %s:\n%s", c.ID, d.body)
	}

	// A comment of another thread changes other topics only.
	e.comment("p2", "elsewhere")
	e.settle()
	sub.noDelivery(t, "comment of another thread")

	// Deliveries go on, one per change of the topic.
	e.comment("p1", "second")
	d = testutil.Receive(t, time.Second, sub.deliveries, "timed out waiting for the delivery of the second comment")
	checkDelivery(t, e, d, feed.ThreadFeed("p1"), feed.Atom, secret)
	e.waitIdle()
	if n := sub.postCount(); n != 2 {
		t.Errorf("subscriber got %d deliveries, want 2", n)
	}
}

// TestHub_NoSecret checks that a subscription without a secret gets
// unsigned deliveries, of the format subscribed to.
func TestHub_NoSecret(t *testing.T) {
	e := newTempEnv(t, testOptions())
	e.post("p")
	sub := newSubscriber(t)
	topic := e.r.FeedURL(feed.PostsFeed, feed.JSON)
	e.subscribe(topic, sub.URL, "")
	e.subscribed(topic, sub.URL)
	e.post("q")
	d := testutil.Receive(t, timeout, sub.deliveries, "timed out waiting for the delivery")
	checkDelivery(t, e, d, feed.PostsFeed, feed.JSON, "")
}

// TestHub_Restart is scenario (b): a subscription survives closing and
// reopening the store under a new Hub, and deliveries continue.
func TestHub_Restart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "feedd.db")
	sub := newSubscriber(t)
	first := newEnv(t, path, testOptions())
	first.post("p1")
	topic := first.topic("p1")
	first.subscribe(topic, sub.URL, "key")
	first.subscribed(topic, sub.URL)
	first.stop()

	second := newEnv(t, path, testOptions())
	second.comment("p1", "after the restart")
	d := testutil.Receive(t, timeout, sub.deliveries, "timed out waiting for the delivery after the restart")
	checkDelivery(t, second, d, feed.ThreadFeed("p1"), feed.Atom, "key")
}

// TestHub_VerificationFails is scenario (c): a subscriber that does not
// confirm its intent exactly is not stored.
func TestHub_VerificationFails(t *testing.T) {
	for _, tt := range []struct {
		name   string
		answer func(w http.ResponseWriter, challenge string)
	}{
		{"WrongBody", func(w http.ResponseWriter, challenge string) { io.WriteString(w, "yes please") }},
		{"EmptyBody", func(w http.ResponseWriter, challenge string) {}},
		{"TrailingNewline", func(w http.ResponseWriter, challenge string) { io.WriteString(w, challenge+"\n") }},
		{"Repeated", func(w http.ResponseWriter, challenge string) { io.WriteString(w, challenge+challenge) }},
		{"NotFound", func(w http.ResponseWriter, challenge string) {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, challenge)
		}},
		{"ServerError", func(w http.ResponseWriter, challenge string) {
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, challenge)
		}},
		{"Redirect", func(w http.ResponseWriter, challenge string) {
			w.Header().Set("Location", "/callback?user=7&again=1")
			w.WriteHeader(http.StatusFound)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newTempEnv(t, testOptions())
			e.post("p")
			sub := newSubscriber(t)
			sub.setVerify(tt.answer)
			e.subscribe(e.topic("p"), sub.URL, "")
			testutil.Receive(t, timeout, sub.verifications, "timed out waiting for the verification")
			e.waitIdle()
			if subs := e.subscriptions(); len(subs) != 0 {
				t.Errorf("unverified subscription stored: %+v", subs[0])
			}
			if n := sub.hits.Load(); n != 1 {
				t.Errorf("callback got %d requests, want the verification only", n)
			}
		})
	}
}

// TestHub_Unsubscribe is scenario (d): unsubscribing, once verified,
// removes the lease; unverified, it leaves it.
func TestHub_Unsubscribe(t *testing.T) {
	e := newTempEnv(t, testOptions())
	e.post("p")
	sub := newSubscriber(t)
	topic := e.topic("p")
	e.subscribe(topic, sub.URL, "")
	testutil.Receive(t, timeout, sub.verifications, "timed out waiting for the subscribe verification")
	e.subscribed(topic, sub.URL)

	unsubscribe := url.Values{"hub.mode": {"unsubscribe"}, "hub.topic": {topic}, "hub.callback": {sub.URL},
		"hub.lease_seconds": {"abc-ignored"}}
	// Not confirmed: the lease stays.
	sub.setVerify(func(w http.ResponseWriter, challenge string) { w.WriteHeader(http.StatusNotFound) })
	if w := e.request(unsubscribe); w.Code != http.StatusAccepted {
		t.Fatalf("unsubscribe: status %d (%s), want 202", w.Code, w.Body)
	}
	testutil.Receive(t, timeout, sub.verifications, "timed out waiting for the unconfirmed unsubscribe verification")
	e.waitIdle()
	if subs := e.subscriptions(); len(subs) != 1 {
		t.Fatalf("after an unconfirmed unsubscribe, %d subscriptions, want 1", len(subs))
	}

	// Confirmed: it goes, and deliveries stop.
	sub.setVerify(nil)
	if w := e.request(unsubscribe); w.Code != http.StatusAccepted {
		t.Fatalf("unsubscribe: status %d (%s), want 202", w.Code, w.Body)
	}
	v := testutil.Receive(t, timeout, sub.verifications, "timed out waiting for the unsubscribe verification")
	if v.Get("hub.mode") != "unsubscribe" || v.Get("hub.topic") != topic || v.Get("hub.challenge") == "" {
		t.Errorf("unsubscribe verification = %v", v)
	}
	if v.Has("hub.lease_seconds") {
		t.Errorf("unsubscribe verification carries hub.lease_seconds %q", v.Get("hub.lease_seconds"))
	}
	e.waitIdle()
	if subs := e.subscriptions(); len(subs) != 0 {
		t.Fatalf("after unsubscribe, %d subscriptions, want none", len(subs))
	}
	e.comment("p", "nobody listens")
	e.settle()
	sub.noDelivery(t, "after unsubscribe")
}

// extHub is an external hub: it records the publish pings it gets.
type extHub struct {
	srv *httptest.Server

	mu    sync.Mutex
	fail  int // pings to answer 503 before the others
	pings []url.Values
	got   chan string // each hub.url pinged successfully
}

func newExtHub(t *testing.T) *extHub {
	h := &extHub{got: make(chan string, 1000)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			http.Error(w, "want a form POST", http.StatusBadRequest)
			return
		}
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.pings = append(h.pings, r.PostForm)
		fail := h.fail > 0
		if fail {
			h.fail--
		}
		h.mu.Unlock()
		if fail {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if r.PostForm.Get("hub.mode") == "publish" {
			h.got <- r.PostForm.Get("hub.url")
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// TestHub_PublishExternal is scenario (e): a change is published to every
// external hub with hub.mode=publish and the topic's URL, in every
// format; a document that did not change is not published again.
func TestHub_PublishExternal(t *testing.T) {
	h1, h2 := newExtHub(t), newExtHub(t)
	o := testOptions()
	o.Builtin = false
	o.Hubs = []string{h1.srv.URL + "/publish", h2.srv.URL + "/"}
	e := newTempEnv(t, o)
	e.post("p")
	e.settle()
	for _, h := range []*extHub{h1, h2} {
		h.mu.Lock()
		for len(h.got) > 0 {
			<-h.got
		}
		h.pings = nil
		h.mu.Unlock()
	}
	h2.mu.Lock()
	h2.fail = 2 // and then retried
	h2.mu.Unlock()

	e.comment("p", "news")
	e.settle()
	for _, h := range []*extHub{h1, h2} {
		got := map[string]bool{}
		for len(h.got) > 0 {
			got[<-h.got] = true
		}
		for _, ref := range []feed.Ref{feed.ThreadFeed("p"), feed.CommentsFeed} {
			for _, f := range feed.Formats {
				if topic := e.r.FeedURL(ref, f); !got[topic] {
					t.Errorf("hub %s: no publish of %s (got %v)", h.srv.URL, topic, got)
				}
			}
		}
		if got[e.r.FeedURL(feed.PostsFeed, feed.Atom)] {
			t.Errorf("hub %s: the posts feed, which a comment leaves alone, was published", h.srv.URL)
		}
		h.mu.Lock()
		for _, p := range h.pings {
			if len(p) != 2 || p.Get("hub.mode") != "publish" || !strings.HasPrefix(p.Get("hub.url"), baseURL+"/feeds/") {
				t.Errorf("hub %s: ping %v, want hub.mode=publish and hub.url", h.srv.URL, p)
			}
		}
		if h == h2 && len(h.pings) != len(got)+2 {
			t.Errorf("hub %s: %d pings for %d topics, want 2 more: the failures retried", h.srv.URL, len(h.pings), len(got))
		}
		h.mu.Unlock()
	}

	// The feed is told as changed, but its document is the same.
	e.hub.Changed([]feed.Ref{feed.ThreadFeed("p")})
	e.settle()
	for _, h := range []*extHub{h1, h2} {
		if len(h.got) != 0 {
			t.Errorf("hub %s: published %q again, unchanged", h.srv.URL, <-h.got)
		}
	}
}

// TestHub_Retry is scenario (f): a delivery that fails twice is retried
// and arrives the third time; one that keeps failing is given up after
// the attempts; a subscriber answering 410 Gone is unsubscribed.
func TestHub_Retry(t *testing.T) {
	t.Run("ThirdTime", func(t *testing.T) {
		e := newTempEnv(t, testOptions())
		e.post("p")
		sub := newSubscriber(t)
		sub.setStatus(func(n int) int {
			if n <= 2 {
				return http.StatusInternalServerError
			}
			return http.StatusOK
		})
		e.subscribe(e.topic("p"), sub.URL, "k")
		e.subscribed(e.topic("p"), sub.URL)
		e.comment("p", "persist")
		d := testutil.Receive(t, timeout, sub.deliveries, "timed out waiting for the delivery")
		checkDelivery(t, e, d, feed.ThreadFeed("p"), feed.Atom, "k")
		e.waitIdle()
		if n := sub.postCount(); n != 3 {
			t.Errorf("%d delivery attempts, want 3", n)
		}
	})

	t.Run("GivesUp", func(t *testing.T) {
		o := testOptions()
		o.attempts = 4
		e := newTempEnv(t, o)
		e.post("p")
		sub := newSubscriber(t)
		sub.setStatus(func(int) int { return http.StatusServiceUnavailable })
		e.subscribe(e.topic("p"), sub.URL, "")
		e.subscribed(e.topic("p"), sub.URL)
		e.comment("p", "lost")
		e.settle()
		if n := sub.postCount(); n != 4 {
			t.Errorf("%d delivery attempts, want 4", n)
		}
		// Failing is no reason to unsubscribe.
		if subs := e.subscriptions(); len(subs) != 1 {
			t.Errorf("%d subscriptions after failed deliveries, want 1", len(subs))
		}
	})

	t.Run("Gone", func(t *testing.T) {
		e := newTempEnv(t, testOptions())
		e.post("p")
		sub := newSubscriber(t)
		sub.setStatus(func(int) int { return http.StatusGone })
		e.subscribe(e.topic("p"), sub.URL, "")
		e.subscribed(e.topic("p"), sub.URL)
		e.comment("p", "anyone?")
		e.settle()
		if n := sub.postCount(); n != 1 {
			t.Errorf("%d delivery attempts, want 1: 410 is not retried", n)
		}
		if subs := e.subscriptions(); len(subs) != 0 {
			t.Errorf("after 410 Gone, %d subscriptions, want none", len(subs))
		}
	})
}

// TestHub_NewestWins checks that a delivery waiting to be retried gives
// way to newer content of its topic: the subscriber ends with the newest.
func TestHub_NewestWins(t *testing.T) {
	o := testOptions()
	o.retry, o.maxRetry = time.Hour, time.Hour // only a newer job ends the wait
	e := newTempEnv(t, o)
	e.post("p")
	sub := newSubscriber(t)
	sub.setStatus(func(n int) int {
		if n == 1 {
			return http.StatusInternalServerError
		}
		return http.StatusNoContent
	})
	e.subscribe(e.topic("p"), sub.URL, "")
	e.subscribed(e.topic("p"), sub.URL)
	e.comment("p", "old")
	testutil.Eventually(t, timeout, func() bool { return sub.postCount() == 1 }, "timed out waiting for the first, failing, delivery")
	e.comment("p", "new")
	d := testutil.Receive(t, timeout, sub.deliveries, "timed out waiting for the delivery of the newer document")
	checkDelivery(t, e, d, feed.ThreadFeed("p"), feed.Atom, "")
	e.waitIdle()
	if n := sub.postCount(); n != 2 {
		t.Errorf("%d delivery attempts, want 2", n)
	}
}

// TestHub_Denied checks §5.2: a subscription to the thread of a post that
// does not exist is denied after being accepted, and the subscribers of
// a thread whose post is deleted are told and unsubscribed.
func TestHub_Denied(t *testing.T) {
	e := newTempEnv(t, testOptions())
	sub := newSubscriber(t)
	e.subscribe(e.topic("nope"), sub.URL, "")
	d := testutil.Receive(t, timeout, sub.denials, "timed out waiting for the denial")
	if d.Get("hub.topic") != e.topic("nope") || d.Get("hub.reason") == "" {
		t.Errorf("denial = %v, want hub.topic and hub.reason", d)
	}
	e.waitIdle()
	if len(sub.verifications) != 0 || len(e.subscriptions()) != 0 {
		t.Errorf("a denied subscription was verified or stored")
	}

	p := e.post("p")
	e.subscribe(e.topic("p"), sub.URL, "")
	e.subscribed(e.topic("p"), sub.URL)
	if _, err := e.st.DeletePost(t.Context(), p.ID); err != nil {
		t.Fatalf("DeletePost: %v", err)
	}
	e.sync()
	d = testutil.Receive(t, timeout, sub.denials, "timed out waiting for the denial of a deleted thread")
	if d.Get("hub.topic") != e.topic("p") {
		t.Errorf("denial of topic %q, want %q", d.Get("hub.topic"), e.topic("p"))
	}
	e.waitIdle()
	if subs := e.subscriptions(); len(subs) != 0 {
		t.Errorf("the subscription of a deleted thread stays")
	}
	sub.noDelivery(t, "deleted thread")
}

// TestHub_Lease checks that leases asked for are kept within bounds and
// that an expired lease is neither delivered to nor kept.
func TestHub_Lease(t *testing.T) {
	var (
		mu  sync.Mutex
		now = time.Now()
	)
	o := testOptions()
	o.Now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	o.MinLease, o.MaxLease = 2*time.Hour, 48*time.Hour
	e := newTempEnv(t, o)
	e.post("p")
	sub := newSubscriber(t)
	topic := e.topic("p")
	for _, tt := range []struct{ ask, want string }{
		{"60", "7200"},
		{"0", "7200"},
		{"10800", "10800"},
		{"172800", "172800"},
		{"172801", "172800"},
		{"99999999999999999999999", "172800"},
	} {
		form := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.callback": {sub.URL}, "hub.lease_seconds": {tt.ask}}
		if w := e.request(form); w.Code != http.StatusAccepted {
			t.Fatalf("lease %s: status %d (%s)", tt.ask, w.Code, w.Body)
		}
		v := testutil.Receive(t, timeout, sub.verifications, "timed out waiting for the verification")
		if got := v.Get("hub.lease_seconds"); got != tt.want {
			t.Errorf("asked for %s s, granted %s, want %s", tt.ask, got, tt.want)
		}
		e.waitIdle()
	}
	s := e.subscribed(topic, sub.URL)
	if want := now.Add(48 * time.Hour).Truncate(time.Second); !s.Expires.Equal(want) {
		t.Errorf("Expires = %v, want %v", s.Expires, want)
	}

	// Past the lease: no delivery, and the sweep (at each start) removes it.
	mu.Lock()
	now = now.Add(49 * time.Hour)
	mu.Unlock()
	e.comment("p", "too late")
	e.settle()
	sub.noDelivery(t, "expired lease")
	e.hub.expire(t.Context())
	all, err := e.st.Subscriptions(t.Context(), "", time.Time{})
	if err != nil || len(all) != 0 {
		t.Errorf("after the sweep, Subscriptions = %v, %v; want none", all, err)
	}
}

// TestHub_RefusesPrivate checks that the default client does not call
// back a subscriber on a loopback address unless AllowPrivate.
func TestHub_RefusesPrivate(t *testing.T) {
	o := testOptions()
	o.AllowPrivate = false
	e := newTempEnv(t, o)
	e.post("p")
	sub := newSubscriber(t)
	e.subscribe(e.topic("p"), sub.URL, "")
	e.waitIdle()
	if n := sub.hits.Load(); n != 0 {
		t.Errorf("callback on loopback got %d requests", n)
	}
	if subs := e.subscriptions(); len(subs) != 0 {
		t.Errorf("subscription stored without verification")
	}
}

// TestHub_Stop checks that Run returns when its context ends, also with a
// delivery hanging, and that the hub then refuses subscriptions.
func TestHub_Stop(t *testing.T) {
	e := newTempEnv(t, testOptions())
	e.post("p")
	hang := make(chan struct{})
	blocked := make(chan struct{}, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			io.WriteString(w, r.URL.Query().Get("hub.challenge"))
			return
		}
		// Read to the end, so that the server notices the hub hanging up.
		io.Copy(io.Discard, r.Body)
		blocked <- struct{}{}
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(hang) // before srv.Close, which waits for the handler
	e.subscribe(e.topic("p"), srv.URL+"/cb", "")
	e.subscribed(e.topic("p"), srv.URL+"/cb")
	e.comment("p", "hang")
	testutil.Receive(t, timeout, blocked, "timed out waiting for the hanging delivery")
	e.stop() // fails the test unless Run returns context.Canceled in time

	form := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {e.topic("p")}, "hub.callback": {srv.URL + "/cb"}}
	if w := e.request(form); w.Code != http.StatusServiceUnavailable {
		t.Errorf("subscribe after stop: status %d, want 503", w.Code)
	}
}

// TestHub_ChangedNeverBlocks checks that Changed returns at once however
// often it is called, with no worker running.
func TestHub_ChangedNeverBlocks(t *testing.T) {
	e := newTempEnv(t, testOptions())
	e.stop()
	done := make(chan struct{})
	go func() {
		for i := range 10000 {
			e.hub.Changed([]feed.Ref{feed.ThreadFeed(strconv.Itoa(i % 10)), feed.PostsFeed})
		}
		close(done)
	}()
	testutil.Receive(t, timeout, done, "timed out waiting for Changed calls to return")
	if refs, _ := e.hub.take(); len(refs) != 11 {
		t.Errorf("%d feeds pending, want 11 (coalesced)", len(refs))
	}
}

// TestLanes_Backoff checks the retry delays.
func TestLanes_Backoff(t *testing.T) {
	q := newLanes("test", 0, 1, time.Second, 5*time.Second, nil)
	var got []string
	for n := 1; n <= 5; n++ {
		got = append(got, q.backoff(n).String())
	}
	if s := strings.Join(got, " "); s != "1s 2s 4s 5s 5s" {
		t.Errorf("backoffs = %s, want 1s 2s 4s 5s 5s", s)
	}
}

// TestRun_Twice checks that a second Run of a running hub fails at once.
func TestRun_Twice(t *testing.T) {
	e := newTempEnv(t, testOptions())
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	if err := e.hub.Run(ctx); err == nil || ctx.Err() != nil {
		t.Errorf("second Run = %v, want an error at once", err)
	}
}

// TestHub_SharedStoreDeliversOnce runs two hubs over one store, as two
// feedd processes sharing a database do, both told of the same write (one
// by its own request, the other through the change log): the subscriber
// gets the new document once.
func TestHub_SharedStoreDeliversOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "feedd.db")
	a := newEnv(t, path, testOptions())
	b := newEnv(t, path, testOptions())
	a.post("p1")
	sub := newSubscriber(t)
	topic := a.topic("p1")
	a.subscribe(topic, sub.URL, "key")
	a.subscribed(topic, sub.URL)

	a.comment("p1", "once")
	b.sync()
	testutil.Receive(t, timeout, sub.deliveries, "timed out waiting for the delivery")
	a.settle()
	b.settle()
	if n := sub.postCount(); n != 1 {
		t.Errorf("subscriber got %d deliveries from two processes, want 1", n)
	}
}

// TestHub_UnchangedTopicNotPushed checks that a write that leaves a
// subscribed document as it was (a comment held for moderation) pushes
// nothing, even as the first change after the hub started.
func TestHub_UnchangedTopicNotPushed(t *testing.T) {
	e := newTempEnv(t, testOptions())
	e.post("p1")
	sub := newSubscriber(t)
	topic := e.topic("p1")
	e.subscribe(topic, sub.URL, "")
	e.subscribed(topic, sub.URL)

	held := &feed.Comment{PostID: "p1", AuthorName: "Held", Content: "not yet", Status: feed.StatusPending}
	if err := e.st.CreateComment(t.Context(), held); err != nil {
		t.Fatal(err)
	}
	e.sync()
	e.settle()
	sub.noDelivery(t, "a held comment")

	e.comment("p1", "published")
	testutil.Receive(t, timeout, sub.deliveries, "timed out waiting for the delivery of a published comment")
}
