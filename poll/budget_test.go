package poll_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedd/feedd/poll"
)

// skips records the calls of Options.ObserveSkipped, summed by source and
// reason.
type skips struct {
	mu sync.Mutex
	n  map[string]int
}

func (s *skips) observe(source, reason string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n == nil {
		s.n = make(map[string]int)
	}
	s.n[source+"/"+reason] += n
}

// take returns the counts so far and starts again.
func (s *skips) take() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.n
	s.n = nil
	if n == nil {
		n = map[string]int{}
	}
	return n
}

// blogWithComments serves at path an Atom feed of n posts, post i
// published i minutes after start (the last the newest), each announcing
// its comment feed at commentBase/prefix/i, with an ETag (re-polls get
// 304); the comment feeds are the caller's to serve.
func blogWithComments(u *upstream, path, prefix, commentBase string, n int, start time.Time) {
	es := make([]atomEntry, n)
	for i := range n {
		at := rfc3339(start.Add(time.Duration(i) * time.Minute))
		es[n-1-i] = atomEntry{
			ID: fmt.Sprintf("urn:%s:%d", prefix, i), Title: fmt.Sprint("Post ", i), Content: "x", Published: at, Updated: at,
			Extra: `<link rel="replies" type="application/atom+xml" href="` + commentBase + "/" + prefix + "/" + strconv.Itoa(i) + `"/>`,
		}
	}
	body, etag := atomFeed("Blog", es...), `"`+prefix+`"`
	u.handle(path, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprint(w, body)
	})
}

// commentHits counts the requests an upstream got for comment feeds under
// /prefix/, by post number.
type commentHits struct {
	mu   sync.Mutex
	hits map[string]map[int]int // prefix -> post -> requests
}

func (c *commentHits) handler(prefix string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		i, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"+prefix+"/"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		c.mu.Lock()
		if c.hits == nil {
			c.hits = make(map[string]map[int]int)
		}
		if c.hits[prefix] == nil {
			c.hits[prefix] = make(map[int]int)
		}
		c.hits[prefix][i]++
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprint(w, atomFeed("Comments", atomEntry{ID: fmt.Sprintf("urn:c:%s:%d", prefix, i), Title: "c", Author: "A", Content: "hi",
			Published: "2026-01-01T00:00:00Z"}))
	}
}

// total returns the requests for prefix's comment feeds, and how many
// feeds got more than one.
func (c *commentHits) total(prefix string) (requests, repeated int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.hits[prefix] {
		requests += n
		if n > 1 {
			repeated++
		}
	}
	return requests, repeated
}

func (c *commentHits) got(prefix string, i int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits[prefix][i]
}

// serveComments routes every comment feed under /prefix/ of u to hits.
func serveComments(u *upstream, hits *commentHits, prefix string, n int) {
	for i := range n {
		u.handle(fmt.Sprintf("/%s/%d", prefix, i), hits.handler(prefix))
	}
}

// TestPoll_CommentFeedBudget: an upstream feed of 2,000 posts with
// comments on makes at most MaxCommentFeedsPerRun comment-feed requests per
// run, the newest posts first and the next ones on the next run, and at
// most MaxHostRequestsPerMinute to its host per minute, over sources.
func TestPoll_CommentFeedBudget(t *testing.T) {
	const (
		posts   = 2000
		perRun  = 50
		perHost = 120
	)
	now := time.Now().UTC().Truncate(time.Second)
	var (
		mu    sync.Mutex
		clock = now
	)
	u := newUpstream(t)
	hits := &commentHits{}
	start := now.Add(-posts * time.Minute) // all within the recent window
	blogWithComments(u, "/a", "a", u.url(""), posts, start)
	serveComments(u, hits, "a", posts)
	blogWithComments(u, "/b", "b", u.url(""), 100, start)
	serveComments(u, hits, "b", 100)
	var sk skips
	e := newEnv(t, poll.Options{
		MaxCommentFeedsPerRun:    perRun,
		MaxHostRequestsPerMinute: perHost,
		ObserveSkipped:           sk.observe,
		Now:                      func() time.Time { mu.Lock(); defer mu.Unlock(); return clock },
	})
	a := poll.Source{Name: "a", URL: u.url("/a"), Comments: true}
	b := poll.Source{Name: "b", URL: u.url("/b"), Comments: true}
	run := func(src poll.Source) {
		t.Helper()
		if err := e.p.Poll(context.Background(), src); err != nil {
			t.Fatalf("Poll %s: %v", src.Name, err)
		}
	}
	check := func(what, prefix string, wantRequests int, wantSkips map[string]int) {
		t.Helper()
		if got, repeated := hits.total(prefix); got != wantRequests || repeated != 0 {
			t.Errorf("%s: %d comment-feed requests (%d feeds more than once), want %d, each feed once", what, got, repeated, wantRequests)
		}
		if got := sk.take(); fmt.Sprint(got) != fmt.Sprint(wantSkips) {
			t.Errorf("%s: skipped %v, want %v", what, got, wantSkips)
		}
	}

	run(a) // the 50 newest posts' comment feeds
	check("first run", "a", perRun, map[string]int{"a/run_limit": posts - perRun})
	for i := posts - perRun; i < posts; i++ {
		if hits.got("a", i) != 1 {
			t.Fatalf("first run: comment feed of post %d (of the %d newest) not fetched", i, perRun)
		}
	}
	run(a) // the next 50, as the first ones were polled last run
	check("second run", "a", 2*perRun, map[string]int{"a/run_limit": posts - perRun})
	for i := posts - 2*perRun; i < posts-perRun; i++ {
		if hits.got("a", i) != 1 {
			t.Fatalf("second run: comment feed of post %d not fetched", i)
		}
	}
	// Another source on the same host, within the same minute: the host has
	// 120 - 100 requests left.
	run(b)
	check("other source on the host", "b", perHost-2*perRun, map[string]int{"b/host_limit": 100 - (perHost - 2*perRun)})
	run(a)
	check("host spent", "a", 2*perRun, map[string]int{"a/host_limit": posts}) // every post is recent: all due
	if got := u.hitCount("/a"); got != 3 {
		t.Errorf("source feed requested %d times, want 3 (once a run, outside the host's budget)", got)
	}

	// A minute later the host's budget is whole again.
	mu.Lock()
	clock = clock.Add(time.Minute)
	mu.Unlock()
	run(a)
	check("a minute later", "a", 3*perRun, map[string]int{"a/run_limit": posts - perRun})
	for i := posts - 3*perRun; i < posts-2*perRun; i++ {
		if hits.got("a", i) != 1 {
			t.Fatalf("a minute later: comment feed of post %d not fetched", i)
		}
	}
}

// TestPoll_CrossHostComments: comment feeds on another host than the
// source's feed, directly or by a redirect, are fetched only when the
// source allows it.
func TestPoll_CrossHostComments(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	blog, other := newUpstream(t), newUpstream(t)
	hits := &commentHits{}
	// Three posts whose comment feeds are on the other host, and one whose
	// comment feed is on the blog's host but redirects there.
	blogWithComments(blog, "/feed", "x", other.url(""), 3, now.Add(-time.Hour))
	serveComments(other, hits, "x", 3)
	serveComments(other, hits, "moved", 1)
	blog.serveFeed("/redirecting", "application/atom+xml", atomFeed("Blog", atomEntry{
		ID: "urn:r", Title: "R", Content: "r", Published: rfc3339(now.Add(-time.Hour)),
		Extra: `<link rel="replies" type="application/atom+xml" href="` + blog.url("/r/0") + `"/>`,
	}))
	blog.handle("/r/0", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.url("/moved/0"), http.StatusFound)
	})

	var sk skips
	e := newEnv(t, poll.Options{ObserveSkipped: sk.observe, Now: func() time.Time { return now }})
	poll1 := func(src poll.Source) error { return e.p.Poll(context.Background(), src) }

	if err := poll1(poll.Source{Name: "blog", URL: blog.url("/feed"), Comments: true}); err != nil {
		t.Fatalf("Poll: %v", err)
	}
	if n, _ := hits.total("x"); n != 0 {
		t.Errorf("%d requests to comment feeds on another host, want none", n)
	}
	if got := sk.take(); got["blog/cross_host"] != 3 {
		t.Errorf("skipped %v, want blog/cross_host: 3", got)
	}
	if len(e.posts(t, "blog")) != 3 {
		t.Errorf("posts not mirrored: %d", len(e.posts(t, "blog")))
	}

	err := poll1(poll.Source{Name: "redir", URL: blog.url("/redirecting"), Comments: true})
	if err == nil || !strings.Contains(err.Error(), "redirect to another host") {
		t.Errorf("Poll of a comment feed redirecting to another host: %v, want refused", err)
	}
	if n, _ := hits.total("moved"); n != 0 {
		t.Errorf("%d requests to the redirect's target on another host, want none", n)
	}
	if got := blog.hitCount("/r/0"); got != 1 {
		t.Errorf("redirecting comment feed requested %d times, want 1", got)
	}

	// Allowed: the same source fetches them.
	if err := poll1(poll.Source{Name: "blog", URL: blog.url("/feed"), Comments: true, CrossHostComments: true}); err != nil {
		t.Fatalf("Poll with cross-host comments: %v", err)
	}
	if n, _ := hits.total("x"); n != 3 {
		t.Errorf("%d requests to comment feeds on another host allowed, want 3", n)
	}
	if got := sk.take(); len(got) != 0 {
		t.Errorf("skipped %v, want none", got)
	}
}

// TestPoll_RunDeadline: a run longer than RunTimeout stops, records the
// poll as failed, and keeps what it stored; no validators are kept, so the
// next run fetches the document again.
func TestPoll_RunDeadline(t *testing.T) {
	// Storing 5,000 new entries takes at least 24 pauses of 100 ms between
	// batches of 200, whatever the machine: well over the 2s deadline. (On a
	// slow machine the deadline may pass while the document is parsed.)
	const entries = 5000
	now := time.Now().UTC().Truncate(time.Second)
	es := make([]atomEntry, entries)
	for i := range es {
		es[i] = atomEntry{ID: fmt.Sprint("urn:big:", i), Title: "t", Content: "x", Published: rfc3339(now.Add(-time.Duration(i) * time.Minute))}
	}
	body := atomFeed("Big", es...)
	u := newUpstream(t)
	u.handle("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprint(w, body)
	})
	e := newEnv(t, poll.Options{RunTimeout: 2 * time.Second})
	err := e.p.Poll(context.Background(), poll.Source{Name: "big", URL: u.url("/big")})
	if err == nil || !strings.Contains(err.Error(), "run deadline (2s) passed") {
		t.Fatalf("Poll = %v, want the run deadline", err)
	}
	f := e.fetch(t, "big", "")
	if !strings.Contains(f.LastError, "run deadline (2s) passed") || f.Failures != 1 || f.ETag != "" {
		t.Errorf("fetch state: error %q, failures %d, etag %q; want the deadline, 1, no validators", f.LastError, f.Failures, f.ETag)
	}
	n := len(e.posts(t, "big"))
	if n >= entries {
		t.Errorf("%d posts stored, want fewer than %d", n, entries)
	}
	if strings.Contains(f.LastError, "of 5000 entries") && (n == 0 || !strings.Contains(f.LastError, fmt.Sprintf("stored %d of", n))) {
		t.Errorf("fetch state: error %q with %d posts stored", f.LastError, n)
	}
}
