package websub

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/internal/testutil"
	"github.com/feedd/feedd/store/sqlite"
)

// timeout bounds every wait for an event; tests never sleep to assert
// that something is fast.
const timeout = 5 * time.Second

// baseURL is the site's URL, which topics start with.
const baseURL = "https://blog.example"

// env is a feedd in miniature: a SQLite store in a file, the renderer,
// the cache and a running Hub wired as cmd/feedd wires them.
type env struct {
	t       *testing.T
	path    string
	st      *sqlite.DB
	r       *render.Renderer
	c       *cache.Cache
	hub     *Hub
	batches chan uint64 // of each batch the hub's worker published, the Changed calls it covers
	seen    uint64      // the most of them settle has seen
	stop    func()      // ends Run and closes the store; idempotent
}

// testOptions are the options of test hubs: the built-in hub, callbacks
// on loopback allowed, and retries a thousand times quicker.
func testOptions() Options {
	return Options{Builtin: true, AllowPrivate: true, retry: time.Millisecond, maxRetry: 10 * time.Millisecond}
}

// newEnv opens (or reopens) the store at path and runs a Hub over it
// with o until t ends.
func newEnv(t *testing.T, path string, o Options) *env {
	t.Helper()
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	r, err := render.New(render.Options{Title: "Blog", BaseURL: baseURL})
	if err != nil {
		t.Fatalf("render.New: %v", err)
	}
	e := &env{t: t, path: path, st: st, r: r, batches: make(chan uint64, 1000)}
	o.afterBatch = func(_ []feed.Ref, upTo uint64) {
		select {
		case e.batches <- upTo:
		default:
			t.Errorf("batches channel full")
		}
	}
	// The hub reads through the cache, which tells the hub what it drops.
	var c *cache.Cache
	get := func(ctx context.Context, ref feed.Ref, f feed.Format) (*cache.Entry, error) {
		return c.Get(ctx, ref, f)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	e.hub = New(st, r, get, o, log)
	c = cache.New(st, r, cache.Options{OnInvalidate: e.hub.Changed}, nil)
	e.c = c
	// Take the change log's position now, as the daemon's Follow does at
	// its start: every later write, of this env or another on the same
	// file, reaches this cache (and so the hub) through the log.
	e.sync()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.hub.Run(ctx) }()
	// ServeHTTP takes requests once Run runs.
	testutil.Eventually(t, timeout, func() bool {
		e.hub.mu.Lock()
		defer e.hub.mu.Unlock()
		return e.hub.running
	}, "timed out waiting for Run to start")
	var once sync.Once
	e.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != context.Canceled {
					t.Errorf("Run = %v, want context.Canceled", err)
				}
			case <-time.After(timeout):
				t.Errorf("Run did not return after its context ended")
			}
			if err := st.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
	t.Cleanup(e.stop)
	return e
}

// newTempEnv is newEnv over a new database in t's temporary directory.
func newTempEnv(t *testing.T, o Options) *env {
	return newEnv(t, filepath.Join(t.TempDir(), "feedd.db"), o)
}

// sync waits until the cache has applied the store's change log up to
// its end: the writes made so far reach the hub, as they do in the daemon.
func (e *env) sync() {
	e.t.Helper()
	if err := e.c.Sync(e.t.Context(), 0); err != nil {
		e.t.Fatalf("Sync: %v", err)
	}
}

// post creates a post; the cache learns of it through the change log.
func (e *env) post(id string) *feed.Post {
	e.t.Helper()
	p := &feed.Post{ID: id, Title: "Post " + id, Content: "<p>post " + id + "</p>"}
	if err := e.st.CreatePost(e.t.Context(), p); err != nil {
		e.t.Fatalf("CreatePost(%q): %v", id, err)
	}
	e.sync()
	return p
}

// comment creates a comment on post postID and waits for the cache to
// apply it, as the server does after every write.
func (e *env) comment(postID, text string) *feed.Comment {
	e.t.Helper()
	c := &feed.Comment{PostID: postID, AuthorName: "Ann", Content: text}
	if err := e.st.CreateComment(e.t.Context(), c); err != nil {
		e.t.Fatalf("CreateComment(%q): %v", postID, err)
	}
	e.sync()
	return c
}

// topic returns the URL of a thread feed in Atom.
func (e *env) topic(postID string) string { return e.r.FeedURL(feed.ThreadFeed(postID), feed.Atom) }

// entry returns what the cache serves for a feed's head.
func (e *env) entry(ref feed.Ref, f feed.Format) *cache.Entry {
	e.t.Helper()
	got, err := e.c.Get(e.t.Context(), ref, f)
	if err != nil {
		e.t.Fatalf("Get(%v, %s): %v", ref, f, err)
	}
	return got
}

// settle waits until the hub's worker has published every change told
// so far, and until the work it started is done.
func (e *env) settle() {
	e.t.Helper()
	e.hub.pendingMu.Lock()
	target := e.hub.changes
	e.hub.pendingMu.Unlock()
	deadline := time.After(timeout)
	for e.seen < target {
		select {
		case upTo := <-e.batches:
			e.seen = max(e.seen, upTo)
		case <-deadline:
			e.t.Fatalf("timed out waiting for the hub to publish %d changes", target)
		}
	}
	e.waitIdle()
}

// waitIdle waits until no verification, delivery or ping is under way.
func (e *env) waitIdle() {
	e.t.Helper()
	testutil.Eventually(e.t, timeout, func() bool {
		return e.hub.verifying.size() == 0 && e.hub.delivering.size() == 0 && e.hub.publishing.size() == 0
	}, "timed out waiting for the hub's requests to end")
}

// request POSTs a subscription request to the hub's endpoint.
func (e *env) request(form url.Values) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, baseURL+"/websub", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	e.hub.ServeHTTP(w, req)
	return w
}

// subscribe asks the hub to subscribe callback to topic, expecting 202.
func (e *env) subscribe(topic, callback, secret string) {
	e.t.Helper()
	form := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.callback": {callback}}
	if secret != "" {
		form.Set("hub.secret", secret)
	}
	if w := e.request(form); w.Code != http.StatusAccepted {
		e.t.Fatalf("subscribe: status %d (%s), want 202", w.Code, w.Body)
	}
}

// subscribed waits until the store holds the lease of callback on topic.
func (e *env) subscribed(topic, callback string) *feed.Subscription {
	e.t.Helper()
	var found *feed.Subscription
	testutil.Eventually(e.t, timeout, func() bool {
		subs, err := e.st.Subscriptions(e.t.Context(), topic, time.Now())
		if err != nil {
			e.t.Fatalf("Subscriptions: %v", err)
		}
		for _, s := range subs {
			if s.Callback == callback {
				found = s
				return true
			}
		}
		return false
	}, "timed out waiting for the subscription to be stored")
	return found
}

// subscriptions returns every running lease.
func (e *env) subscriptions() []*feed.Subscription {
	e.t.Helper()
	subs, err := e.st.Subscriptions(e.t.Context(), "", time.Now())
	if err != nil {
		e.t.Fatalf("Subscriptions: %v", err)
	}
	return subs
}

// delivery is a content distribution request a subscriber received.
type delivery struct {
	body   []byte
	header http.Header
}

// subscriber is a WebSub subscriber's callback: it confirms
// verifications by echoing the challenge (unless told otherwise) and
// records what it is sent.
type subscriber struct {
	srv *httptest.Server
	// URL is the callback, with a query of the subscriber's own, which
	// every request to it must keep.
	URL string

	mu sync.Mutex
	// verify answers a verification (hub.mode subscribe or unsubscribe)
	// given its challenge; default: 200 and the challenge.
	verify func(w http.ResponseWriter, challenge string)
	// status answers the nth delivery (from 1); default 204.
	status func(n int) int
	posts  int

	verifications chan url.Values // subscribe and unsubscribe checks
	denials       chan url.Values
	deliveries    chan delivery
	hits          atomic.Int32 // every request
}

func newSubscriber(t *testing.T) *subscriber {
	s := &subscriber{
		verifications: make(chan url.Values, 100),
		denials:       make(chan url.Values, 100),
		deliveries:    make(chan delivery, 100),
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	s.URL = s.srv.URL + "/callback?user=7"
	return s
}

func (s *subscriber) serve(w http.ResponseWriter, r *http.Request) {
	s.hits.Add(1)
	if r.URL.Path != "/callback" || r.URL.Query().Get("user") != "7" {
		http.Error(w, "callback lost its own query", http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodGet && q.Get("hub.mode") == "denied":
		s.denials <- q
	case r.Method == http.MethodGet:
		s.mu.Lock()
		verify := s.verify
		s.mu.Unlock()
		s.verifications <- q
		if verify != nil {
			verify(w, q.Get("hub.challenge"))
			return
		}
		io.WriteString(w, q.Get("hub.challenge"))
	case r.Method == http.MethodPost:
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.posts++
		n, status := s.posts, s.status
		s.mu.Unlock()
		code := http.StatusNoContent
		if status != nil {
			code = status(n)
		}
		if code >= 200 && code <= 299 {
			s.deliveries <- delivery{body: body, header: r.Header.Clone()}
		}
		w.WriteHeader(code)
	}
}

// setVerify sets how verifications are answered.
func (s *subscriber) setVerify(f func(w http.ResponseWriter, challenge string)) {
	s.mu.Lock()
	s.verify = f
	s.mu.Unlock()
}

// setStatus sets how deliveries are answered.
func (s *subscriber) setStatus(f func(n int) int) {
	s.mu.Lock()
	s.status = f
	s.mu.Unlock()
}

// postCount returns the number of deliveries attempted so far.
func (s *subscriber) postCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.posts
}

// noDelivery fails the test if a delivery was received.
func (s *subscriber) noDelivery(t *testing.T, why string) {
	t.Helper()
	select {
	case d := <-s.deliveries:
		t.Errorf("%s: unexpected delivery of %d bytes (%s)", why, len(d.body), d.header.Get("Link"))
	default:
	}
}

// sign returns the X-Hub-Signature of body under secret, computed here
// apart from the hub's code.
func sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}
