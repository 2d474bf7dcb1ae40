// Package metrics collects feedd's Prometheus metrics on a registry of its
// own and serves them in the text exposition format (GET /metrics):
//
//	feedd_http_requests_total{route,code}              requests answered, by mux pattern and status
//	feedd_http_request_duration_seconds{route}         their latency (histogram)
//	feedd_feed_render_duration_seconds{kind,format}    feed documents rendered, and how long each took
//	                                                   (when the cache's render hook calls ObserveRender)
//	feedd_cache_hits_total, feedd_cache_misses_total   feed requests answered from memory, or rendered
//	feedd_cache_loads_total, feedd_cache_renders_total reads of feeds' entries, documents rendered
//	feedd_cache_changes_total, feedd_cache_resets_total change-log records applied, lost-notice resets
//	feedd_cache_entries                                documents held now
//	feedd_cache_evictions_total                        documents evicted to keep within the budget
//	feedd_cache_bytes, feedd_cache_max_bytes           memory the cache counts as held, and its budget
//	feedd_polls_total{source,outcome}                  polled URLs by source: ok, not_modified, error
//	feedd_poll_comment_feeds_skipped_total{source,reason} due comment feeds a run left unfetched:
//	                                                   run_limit, host_limit, cross_host, deadline
//	feedd_webmention_sends_total{outcome}              attempts at sending Webmentions: sent, retried,
//	                                                   failed (given up), no_endpoint
//	feedd_webmention_verifications_total{action}       received Webmentions verified: stored, unchanged,
//	                                                   deleted, none, failed
//	feedd_store_operation_duration_seconds{operation}  store calls by method name (histogram)
//	feedd_store_operation_errors_total{operation}      store calls that failed (see Store)
//
// plus the Go runtime's and the process's standard metrics (go_*,
// process_*). Every label has a bounded set of values: routes are the
// patterns of the server's mux, not request paths; sources are the
// configured ones; operations are the store's method names.
//
// The package depends on the components it measures, never the other way
// round: the server, the poller and the cache take plain function hooks
// (server.Config.ObserveRequest, poll.Options.Observe) that cmd/feedd fills
// with M's methods; the cache's counters are read at scrape time; the
// store is measured by a decorator (Store).
package metrics

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/feedd/feedd/feed"
)

const namespace = "feedd"

// Poll outcomes, the values of the outcome label of feedd_polls_total.
const (
	PollOK          = "ok"           // a 200 whose document was stored
	PollNotModified = "not_modified" // a 304: the upstream's copy is unchanged
	PollError       = "error"        // no answer, an error status, or a document that failed
)

// UnmatchedRoute is the route label of requests that matched no pattern of
// the mux (they got its 404 or 405).
const UnmatchedRoute = "unmatched"

// Histogram buckets, in seconds. Requests answered from the cache take
// microseconds, renders and store calls milliseconds; both reach into
// seconds when something is wrong.
var (
	httpBuckets   = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	renderBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}
	storeBuckets  = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}
)

// M holds feedd's metrics. Build it with New; its methods are safe for
// concurrent use.
type M struct {
	reg *prometheus.Registry

	httpRequests            *prometheus.CounterVec
	httpDuration            *prometheus.HistogramVec
	renders                 *prometheus.HistogramVec
	polls                   *prometheus.CounterVec
	pollSkipped             *prometheus.CounterVec
	storeDuration           *prometheus.HistogramVec
	storeErrors             *prometheus.CounterVec
	webmentionSends         *prometheus.CounterVec
	webmentionVerifications *prometheus.CounterVec
}

// New returns the metrics on a new registry, which also holds the Go
// runtime and process collectors. Nothing is registered with
// prometheus.DefaultRegisterer, so that any number of M may coexist (tests).
func New() *M {
	m := &M{
		reg: prometheus.NewRegistry(),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests answered, by the route pattern they matched and status code.",
		}, []string{"route", "code"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time from a request's arrival to the end of its answer, by route pattern.",
			Buckets: httpBuckets,
		}, []string{"route"}),
		renders: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "feed", Name: "render_duration_seconds",
			Help:    "Feed documents rendered and the time each took, by feed kind (posts, comments, thread) and format.",
			Buckets: renderBuckets,
		}, []string{"kind", "format"}),
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "polls_total",
			Help: "Upstream feed URLs polled (a source's feed and its comment feeds), by source and outcome: ok, not_modified, error.",
		}, []string{"source", "outcome"}),
		pollSkipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "poll", Name: "comment_feeds_skipped_total",
			Help: "Due comment feeds that a run of their source did not fetch, by source and reason: run_limit (poll.max_comment_feeds_per_run), host_limit (poll.max_requests_per_host_per_minute), deadline (poll.run_timeout): left for a later run; cross_host: on another host than the source's feed, which the source does not allow.",
		}, []string{"source", "reason"}),
		storeDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "store", Name: "operation_duration_seconds",
			Help:    "Store calls and their latency, by method name.",
			Buckets: storeBuckets,
		}, []string{"operation"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "store", Name: "operation_errors_total",
			Help: "Store calls that failed, by method name; answers such as not found, gone, invalid or conflict are not failures.",
		}, []string{"operation"}),
		webmentionSends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "webmention", Name: "sends_total",
			Help: "Attempts at sending a Webmention about a local post, by outcome: sent (the endpoint accepted it), retried (a failure to try again), failed (refused, or out of attempts: given up), no_endpoint (the target advertises none).",
		}, []string{"outcome"}),
		webmentionVerifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "webmention", Name: "verifications_total",
			Help: "Received Webmentions verified, by outcome: stored (created or updated), unchanged, deleted (the source no longer links, or is gone), none (no link, nothing to remove), failed (the source could not be read; nothing changed).",
		}, []string{"action"}),
	}
	m.reg.MustRegister(
		m.httpRequests, m.httpDuration, m.renders, m.polls, m.pollSkipped, m.storeDuration, m.storeErrors,
		m.webmentionSends, m.webmentionVerifications,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Registry returns the registry the metrics are on, for collectors of
// one's own.
func (m *M) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus exposition format (gzipped
// when asked). Mount it as server.Config.Metrics.
func (m *M) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		// A collector that fails should not hide the others.
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      m.reg, // promhttp_metric_handler_errors_total
	})
}

// ObserveRequest records an answered HTTP request: the pattern of the
// ServeMux route it matched (http.Request.Pattern, "" for none), its
// status and how long it took. It fits server.Config.ObserveRequest.
func (m *M) ObserveRequest(route string, status int, d time.Duration) {
	if route == "" {
		route = UnmatchedRoute
	}
	code := ""
	if status >= 0 && status < len(statusCodes) {
		code = statusCodes[status]
	} else {
		code = strconv.Itoa(status)
	}
	m.httpRequests.WithLabelValues(route, code).Inc()
	m.httpDuration.WithLabelValues(route).Observe(d.Seconds())
}

// statusCodes holds the code labels of the statuses below 600, made
// once: strconv.Itoa would allocate one for every request.
var statusCodes = func() (codes [600]string) {
	for i := range codes {
		codes[i] = strconv.Itoa(i)
	}
	return codes
}()

// ObserveRender records a rendered feed document (or a render that
// failed, which is as rare as a bug) and how long the render took, in the
// shape of the cache's render hook.
func (m *M) ObserveRender(ref feed.Ref, f feed.Format, d time.Duration, _ error) {
	m.renders.WithLabelValues(string(ref.Kind), string(f)).Observe(d.Seconds())
}

// ObservePoll records the outcome of one polled URL of source: an error
// when err is set, else not_modified or ok.
func (m *M) ObservePoll(source string, err error, notModified bool) {
	outcome := PollOK
	switch {
	case err != nil:
		outcome = PollError
	case notModified:
		outcome = PollNotModified
	}
	m.polls.WithLabelValues(source, outcome).Inc()
}

// ObservePollStatus is ObservePoll in the shape of poll.Options.Observe:
// a 304 without error is not_modified.
func (m *M) ObservePollStatus(source string, status int, err error) {
	m.ObservePoll(source, err, status == http.StatusNotModified)
}

// ObservePollSkipped records n due comment feeds of source that a run did
// not fetch, and why (poll.SkipRunLimit and the others), in the shape of
// poll.Options.ObserveSkipped.
func (m *M) ObservePollSkipped(source, reason string, n int) {
	m.pollSkipped.WithLabelValues(source, reason).Add(float64(n))
}

// ObserveWebmentionSend records the outcome of one attempt at sending a
// Webmention (webmention.OutcomeSent and the others), in the shape of
// webmention.Options.Observe.
func (m *M) ObserveWebmentionSend(outcome string) {
	m.webmentionSends.WithLabelValues(outcome).Inc()
}

// ObserveWebmentionVerified records the outcome of one received
// Webmention's verification (webmention.Result.Action).
func (m *M) ObserveWebmentionVerified(action string) {
	m.webmentionVerifications.WithLabelValues(action).Inc()
}

// observeStore records one store call.
func (m *M) observeStore(op string, start time.Time, err error) {
	m.storeDuration.WithLabelValues(op).Observe(time.Since(start).Seconds())
	if storeFailed(err) {
		m.storeErrors.WithLabelValues(op).Inc()
	}
}

// storeFailed tells a store failure from the answers the store's contract
// gives as errors (feed.Error codes other than EINTERNAL) and from a
// caller that gave up (context.Canceled).
func storeFailed(err error) bool {
	return err != nil && feed.ErrorCode(err) == feed.EINTERNAL && !errors.Is(err, context.Canceled)
}
