package metrics_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/metrics"
	"github.com/feedd/feedd/poll"
	"github.com/feedd/feedd/server"
	"github.com/feedd/feedd/webmention"
)

// labels selects a series by some of its labels.
type labels map[string]string

// scrape GETs h as Prometheus would and parses the text format.
func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	if w.Code != 200 {
		t.Fatalf("GET /metrics = %d %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type = %q, want the text format", ct)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(w.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// series returns the metrics of family name whose labels include want.
func series(fams map[string]*dto.MetricFamily, name string, want labels) []*dto.Metric {
	f := fams[name]
	if f == nil {
		return nil
	}
	var out []*dto.Metric
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			if have[k] != v {
				match = false
			}
		}
		if match {
			out = append(out, m)
		}
	}
	return out
}

// value returns the value of the one counter or gauge of family name with
// the labels, 0 when there is none.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, want labels) float64 {
	t.Helper()
	ms := series(fams, name, want)
	switch len(ms) {
	case 0:
		return 0
	case 1:
	default:
		t.Fatalf("%s%v: %d series", name, want, len(ms))
	}
	switch fams[name].GetType() {
	case dto.MetricType_COUNTER:
		return ms[0].GetCounter().GetValue()
	case dto.MetricType_GAUGE:
		return ms[0].GetGauge().GetValue()
	}
	t.Fatalf("%s is a %v", name, fams[name].GetType())
	return 0
}

// histogramCount returns the observations of the one histogram of family
// name with the labels, 0 when there is none.
func histogramCount(t *testing.T, fams map[string]*dto.MetricFamily, name string, want labels) uint64 {
	t.Helper()
	ms := series(fams, name, want)
	if len(ms) == 0 {
		return 0
	}
	if len(ms) > 1 {
		t.Fatalf("%s%v: %d series", name, want, len(ms))
	}
	h := ms[0].GetHistogram()
	if h == nil {
		t.Fatalf("%s is a %v", name, fams[name].GetType())
	}
	return h.GetSampleCount()
}

// A feedd wired as cmd/feedd wires it (decorated store, cache collector,
// request and poll hooks, /metrics on the server) shows its traffic in the
// series, with bounded labels: route patterns, not paths.
func TestMetrics_Scrape(t *testing.T) {
	ctx := context.Background()
	m := metrics.New()
	st := m.Store(openSQLite(t, filepath.Join(t.TempDir(), "feedd.db")))
	post := &feed.Post{ID: "lighthouse-logbooks", Title: "Logbooks", Content: "<p>hi</p>"}
	if err := st.CreatePost(ctx, post); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateComment(ctx, &feed.Comment{PostID: post.ID, AuthorName: "Ann", Content: "first"}); err != nil {
		t.Fatal(err)
	}
	r, err := render.New(render.Options{Title: "Metrics", BaseURL: "https://blog.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	c := cache.New(st, r, cache.Options{}, nil)
	if err := m.RegisterCache(c); err != nil {
		t.Fatal(err)
	}
	if err := m.RegisterCache(c); err == nil {
		t.Error("a second cache registered")
	}
	srv := server.New(st, c, r, server.Config{
		Metrics:        m.Handler(),
		ObserveRequest: m.ObserveRequest,
	}, nil)
	h := srv.Handler()

	// Upstreams: one that answers 200 then 304, one that fails.
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/down" {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><id>urn:up</id><title>Up</title>
<updated>2026-01-01T00:00:00Z</updated><entry><id>urn:up:1</id><title>Upstream post</title>
<updated>2026-01-01T00:00:00Z</updated><content type="html">&lt;p&gt;x&lt;/p&gt;</content></entry></feed>`)
	}))
	defer up.Close()
	p := poll.New(st, poll.Options{Observe: m.ObservePollStatus, AllowPrivate: true}, nil)
	for range 2 {
		if err := p.Poll(ctx, poll.Source{Name: "upstream", URL: up.URL + "/feed"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Poll(ctx, poll.Source{Name: "flaky", URL: up.URL + "/down"}); err == nil {
		t.Fatal("the failing upstream did not fail")
	}
	// The cache's render hook, as cmd/feedd wires it.
	m.ObserveRender(feed.PostsFeed, feed.Atom, 3*time.Millisecond, nil)

	for _, path := range []string{
		"/feeds/posts.atom", "/feeds/posts.atom", "/feeds/posts.atom",
		"/feeds/posts/" + post.ID + "/comments.rss",
		"/feeds/posts/" + post.ID + "/comments.json",
		"/feeds/posts/nope/comments.atom",
		"/no/such/page",
		"/healthz",
	} {
		do(h, "GET", path)
	}
	do(h, "DELETE", "/feeds/posts.atom")

	fams := scrape(t, h)

	// HTTP requests, by route pattern and status.
	for _, tc := range []struct {
		route, code string
		want        float64
	}{
		{"GET /feeds/posts.atom", "200", 3},
		{"GET /feeds/{seg1}/{seg2}/{seg3}", "200", 2},
		{"GET /feeds/{seg1}/{seg2}/{seg3}", "404", 1},
		{"GET /healthz", "200", 1},
		{metrics.UnmatchedRoute, "404", 1},
		{metrics.UnmatchedRoute, "405", 1},
	} {
		if got := value(t, fams, "feedd_http_requests_total", labels{"route": tc.route, "code": tc.code}); got != tc.want {
			t.Errorf("feedd_http_requests_total{route=%q,code=%q} = %v, want %v", tc.route, tc.code, got, tc.want)
		}
	}
	if got := histogramCount(t, fams, "feedd_http_request_duration_seconds", labels{"route": "GET /feeds/posts.atom"}); got != 3 {
		t.Errorf("latency observations of the posts feed = %d, want 3", got)
	}
	for _, name := range []string{"feedd_http_requests_total", "feedd_http_request_duration_seconds"} {
		for _, s := range series(fams, name, nil) {
			for _, l := range s.GetLabel() {
				if strings.Contains(l.GetValue(), post.ID) || strings.Contains(l.GetValue(), "nope") {
					t.Errorf("%s has a request path in a label: %s=%q", name, l.GetName(), l.GetValue())
				}
			}
		}
	}

	// The cache, read at scrape time: three requests of one document,
	// one miss and two hits; the thread's RSS and JSON, a miss each.
	if got := value(t, fams, "feedd_cache_hits_total", nil); got != 2 {
		t.Errorf("cache hits = %v, want 2", got)
	}
	if got := value(t, fams, "feedd_cache_misses_total", nil); got != 4 {
		t.Errorf("cache misses = %v, want 4 (posts, thread rss, thread json, unknown thread)", got)
	}
	if got := value(t, fams, "feedd_cache_renders_total", nil); got != 3 {
		t.Errorf("cache renders = %v, want 3", got)
	}
	if got := value(t, fams, "feedd_cache_entries", nil); got != 3 {
		t.Errorf("cache entries = %v, want 3", got)
	}
	if fams["feedd_cache_loads_total"] == nil || fams["feedd_cache_changes_total"] == nil || fams["feedd_cache_resets_total"] == nil {
		t.Error("cache counters missing")
	}
	if got := value(t, fams, "feedd_cache_sweep_fixes_total", nil); got != 0 {
		t.Errorf("cache sweep fixes = %v, want 0", got)
	}
	if got := value(t, fams, "feedd_cache_evictions_total", nil); got != 0 {
		t.Errorf("cache evictions = %v, want 0", got)
	}
	if got := value(t, fams, "feedd_cache_max_bytes", nil); got != cache.DefaultMaxBytes {
		t.Errorf("cache max bytes = %v, want the default %d", got, cache.DefaultMaxBytes)
	}
	if got, want := value(t, fams, "feedd_cache_bytes", nil), float64(c.Stats().Bytes); got <= 0 || got != want {
		t.Errorf("cache bytes = %v, want %v, above 0", got, want)
	}
	if got := histogramCount(t, fams, "feedd_feed_render_duration_seconds", labels{"kind": "posts", "format": "atom"}); got != 1 {
		t.Errorf("render observations = %d, want 1", got)
	}

	// Polls, by source and outcome.
	for _, tc := range []struct {
		source, outcome string
		want            float64
	}{
		{"upstream", metrics.PollOK, 1},
		{"upstream", metrics.PollNotModified, 1},
		{"upstream", metrics.PollError, 0},
		{"flaky", metrics.PollError, 1},
	} {
		if got := value(t, fams, "feedd_polls_total", labels{"source": tc.source, "outcome": tc.outcome}); got != tc.want {
			t.Errorf("feedd_polls_total{source=%q,outcome=%q} = %v, want %v", tc.source, tc.outcome, got, tc.want)
		}
	}

	// Store calls, by method: the writes above, the feeds' reads, the
	// poller's; the unknown thread's ENOTFOUND is no failure.
	for _, op := range []string{"CreatePost", "CreateComment", "Posts", "Post", "Comments", "Tombstones", "UpsertPost", "Fetch", "SaveFetch"} {
		if got := histogramCount(t, fams, "feedd_store_operation_duration_seconds", labels{"operation": op}); got == 0 {
			t.Errorf("store operation %s not timed", op)
		}
	}
	if got := value(t, fams, "feedd_store_operation_errors_total", labels{"operation": "Post"}); got != 0 {
		t.Errorf("store errors of Post = %v, want 0", got)
	}

	// The runtime's own.
	for _, name := range []string{"go_goroutines", "go_memstats_alloc_bytes"} {
		if fams[name] == nil {
			t.Errorf("%s missing", name)
		}
	}
}

// Metrics live on the registry of their M alone: none reach Prometheus's
// global default registry, and any number of M coexist.
func TestMetrics_OwnRegistry(t *testing.T) {
	a, b := metrics.New(), metrics.New()
	a.ObserveRequest("GET /x", 200, time.Millisecond)
	b.ObservePoll("s", nil, true)
	got, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range got {
		if strings.HasPrefix(f.GetName(), "feedd_") {
			t.Errorf("%s is on the default registry", f.GetName())
		}
	}
	if fams := scrape(t, b.Handler()); fams["feedd_http_requests_total"] != nil {
		t.Error("one M's requests show in another's")
	}
}

func do(h http.Handler, method, path string) {
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, path, nil))
}

// Webmention verifications are counted by outcome.
func TestMetrics_Webmentions(t *testing.T) {
	m := metrics.New()
	for _, a := range []string{"stored", "stored", "failed"} {
		m.ObserveWebmentionVerified(a)
	}
	fams := scrape(t, m.Handler())
	for action, want := range map[string]float64{"stored": 2, "failed": 1} {
		if got := value(t, fams, "feedd_webmention_verifications_total", labels{"action": action}); got != want {
			t.Errorf("feedd_webmention_verifications_total{action=%s} = %v, want %v", action, got, want)
		}
	}
}

// The poller's comment feeds left unfetched are counted by source and
// reason: here one on another host than its source's feed.
func TestMetrics_PollSkipped(t *testing.T) {
	ctx := context.Background()
	m := metrics.New()
	st := m.Store(openSQLite(t, filepath.Join(t.TempDir(), "feedd.db")))
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><id>urn:up</id><title>Up</title>
<updated>2026-01-01T00:00:00Z</updated><entry><id>urn:up:1</id><title>Upstream post</title>
<published>2026-01-01T00:00:00Z</published><content type="html">x</content>
<link rel="replies" type="application/atom+xml" href="https://elsewhere.example.org/comments/1"/></entry></feed>`)
	}))
	defer up.Close()
	p := poll.New(st, poll.Options{Observe: m.ObservePollStatus, ObserveSkipped: m.ObservePollSkipped, AllowPrivate: true, OldInterval: time.Minute}, nil)
	if err := p.Poll(ctx, poll.Source{Name: "upstream", URL: up.URL + "/feed", Comments: true}); err != nil {
		t.Fatal(err)
	}
	fams := scrape(t, m.Handler())
	if got := value(t, fams, "feedd_poll_comment_feeds_skipped_total", labels{"source": "upstream", "reason": "cross_host"}); got != 1 {
		t.Errorf("feedd_poll_comment_feeds_skipped_total{source=upstream,reason=cross_host} = %v, want 1", got)
	}
}

// Webmentions sent are counted by outcome, and the outbox's store calls
// are timed like every other: a post linking to a page whose endpoint
// accepts and to one without endpoint.
func TestMetrics_Webmention(t *testing.T) {
	ctx := context.Background()
	m := metrics.New()
	st := m.Store(openSQLite(t, filepath.Join(t.TempDir(), "feedd.db")))
	remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost:
			w.WriteHeader(http.StatusAccepted)
		case r.URL.Path == "/with":
			w.Header().Set("Link", `</wm>; rel="webmention"`)
		}
	}))
	defer remote.Close()
	p := poll.New(st, poll.Options{AllowPrivate: true}, nil)
	s := webmention.New(st, p, webmention.Options{
		SourceURL: func(id string) string { return "https://blog.example/posts/" + id },
		Observe:   m.ObserveWebmentionSend,
	}, nil)
	if err := s.Step(ctx); err != nil {
		t.Fatal(err)
	}
	post := &feed.Post{Title: "Links", Content: fmt.Sprintf(`<a href="%[1]s/with">1</a> <a href="%[1]s/without">2</a>`, remote.URL)}
	if err := st.CreatePost(ctx, post); err != nil {
		t.Fatal(err)
	}
	if err := s.Step(ctx); err != nil {
		t.Fatal(err)
	}
	fams := scrape(t, m.Handler())
	for outcome, want := range map[string]float64{webmention.OutcomeSent: 1, webmention.OutcomeNoEndpoint: 1, webmention.OutcomeRetried: 0, webmention.OutcomeFailed: 0} {
		if got := value(t, fams, "feedd_webmention_sends_total", labels{"outcome": outcome}); got != want {
			t.Errorf("feedd_webmention_sends_total{outcome=%s} = %v, want %v", outcome, got, want)
		}
	}
	for _, op := range []string{"PlanWebmentions", "ClaimWebmentions", "FinishWebmention", "WebmentionCursor", "SetWebmentionCursor"} {
		if histogramCount(t, fams, "feedd_store_operation_duration_seconds", labels{"operation": op}) == 0 {
			t.Errorf("store operation %s not timed", op)
		}
	}
}
