// Package server is feedd's HTTP front: it delivers the feeds, served from
// the cache with conditional GET, gzip and deltas, and its top-level
// handler mounts the rest behind one request log and panic recovery: the
// JSON API (package api, Config.API), the site's HTML pages (package web,
// SetPages), the WebSub hub, metrics and the health checks.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync/atomic"
	"time"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/store"
)

// Config holds the server's settings. The zero value of each field means
// its default.
type Config struct {
	// API, when set, registers the JSON API's routes (api.API); the
	// /api/ routes answer 404 when it is nil.
	API interface{ Register(mux *http.ServeMux) }
	// Delta answers delta requests for a feed's head (RFC 3229 with
	// A-IM: feed; see Cache.Delta) with 226 IM Used and only the entries
	// added or changed since the client's copy (feeds.delta). Off, every
	// client gets the whole feed (200) or 304, whatever it asks: feedparser
	// sends A-IM: feed with every ETag it holds, and programs built on it
	// that accept no 226 (rss2email) would fail on every update.
	Delta bool
	// DeltaExcludedAgents are case-insensitive substrings of User-Agent
	// whose clients never get 226 even with Delta on
	// (feeds.delta_excluded_agents): programs built on feedparser send its
	// agent unchanged, so they cannot be told from the readers that merge
	// deltas. nil means DefaultDeltaExcludedAgents(); an empty, non-nil
	// list excludes none. An empty string, which Validate rejects, would
	// exclude every client.
	DeltaExcludedAgents []string

	// AccessLog logs one line per request (log.access). Off, only
	// answers with a 5xx status and handler panics are logged (not the
	// routine 503s of /readyz, whose changes are logged on their own).
	AccessLog bool
	// ObserveRequest, when set, is called once per request after its
	// answer: the pattern of the route it matched (http.Request.Pattern,
	// such as "GET /feeds/{seg1}/{seg2}/{seg3}"; "" when none matched),
	// the status and the time taken. It must be safe for concurrent use
	// and quick: metrics.M.ObserveRequest.
	ObserveRequest func(route string, status int, d time.Duration)
	// Hub, when set, is the built-in WebSub hub (websub.Hub), served at
	// POST /websub; that route answers 404 (405) when it is nil.
	Hub http.Handler
	// Webmention, when set, is the Webmention endpoint
	// (webmention.Receiver), served at POST /webmention; that route
	// answers 404 (405) when it is nil (webmention.receive: false).
	Webmention http.Handler
	// Metrics, when set, is served at GET /metrics: metrics.M.Handler.
	// That route answers 404 when it is nil.
	Metrics http.Handler
	// Ready reports whether this process can serve (GET /readyz): the
	// store is reachable, its migrations applied. nil checks the store
	// with LastChange, a query that a lost database fails (a store that
	// opened has its migrations applied). The message of a *feed.Error
	// in its chain is shown to the client as the reason, any other error
	// as "internal error", as its text may name hosts and users; the
	// whole error is logged when readiness changes.
	Ready func(ctx context.Context) error
}

// DefaultDeltaExcludedAgents returns the User-Agent substrings that
// Config.DeltaExcludedAgents means when nil: feedparser's agents, version 6
// ("feedparser/6.0.10 +https://github.com/kurtmckee/feedparser/") and
// before ("UniversalFeedParser/5.2.1 +https://code.google.com/p/feedparser/").
func DefaultDeltaExcludedAgents() []string {
	return []string{"feedparser/", "UniversalFeedParser/"}
}

// CheckDeltaAgent reports whether a, an entry of
// Config.DeltaExcludedAgents, is usable: a blank one is a substring of
// every User-Agent and would exclude every client, which is what Delta
// off says.
func CheckDeltaAgent(a string) error {
	if strings.TrimSpace(a) == "" {
		return errors.New("must not be empty: it would exclude every client (to turn deltas off, leave Delta off)")
	}
	return nil
}

// Validate reports settings that New would have to replace: a blank
// excluded agent.
func (c Config) Validate() error {
	for i, a := range c.DeltaExcludedAgents {
		if err := CheckDeltaAgent(a); err != nil {
			return fmt.Errorf("delta excluded agent %d: %w", i+1, err)
		}
	}
	return nil
}

// withDefaults returns c with the zero values replaced by defaults, and
// settings Validate rejects replaced by safe ones, logged to log.
func (c Config) withDefaults(log *slog.Logger) Config {
	if err := c.Validate(); err != nil {
		log.Error("invalid server config; using safe values", "err", err)
	}
	if c.DeltaExcludedAgents == nil {
		c.DeltaExcludedAgents = DefaultDeltaExcludedAgents()
	}
	// A blank excluded agent is kept: it excludes every client from
	// deltas, the safe side.
	return c
}

// Server answers feedd's HTTP requests. Build it with New.
type Server struct {
	st    store.Store
	cache *cache.Cache
	r     *render.Renderer
	cfg   Config
	log   *slog.Logger

	handler  http.Handler
	pages    atomic.Pointer[pagesHandler] // see SetPages
	notReady atomic.Bool                  // the last readiness check failed; see handleReadyz
	// deltaExcluded is Config.DeltaExcludedAgents in lower case, for
	// case-insensitive matching.
	deltaExcluded []string
	// cacheControl holds the Cache-Control values of feed answers
	// (feedCacheControl).
	cacheControl struct{ head, archive []string }
}

// pagesHandler holds the handler given to SetPages, and its feed pages
// when it writes them.
type pagesHandler struct {
	http.Handler
	feeds FeedPages // nil when h writes none
}

// FeedPages writes the HTML pages of feed documents that a browser gets
// at a feed's URL (package web's Handler does).
type FeedPages interface {
	cache.PageRenderer
	// PageHeaders sets the header fields the site's pages carry (a
	// Content-Security-Policy among them) on the answer of a page.
	PageHeaders(h http.Header)
}

// New returns a Server that serves the feeds from c, which reads st; r
// builds the feeds' URLs. Settings that Config.Validate rejects are logged
// and replaced.
func New(st store.Store, c *cache.Cache, r *render.Renderer, cfg Config, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults(log)
	s := &Server{
		st:    st,
		cache: c,
		r:     r,
		cfg:   cfg,
		log:   log,
	}
	for _, a := range cfg.DeltaExcludedAgents {
		s.deltaExcluded = append(s.deltaExcluded, strings.ToLower(a))
	}
	s.cacheControl.head, s.cacheControl.archive = cacheControls(r)
	s.handler = s.routes()
	return s
}

// Handler returns the server's HTTP handler: the routes below, wrapped in
// request logging and panic recovery.
//
//	GET    /feeds/...                       every feed URL of the catalogue (feed.Routes)
//	POST   /websub                          (the built-in WebSub hub, see Config.Hub)
//	POST   /webmention                      (the Webmention endpoint, see Config.Webmention)
//	       /api/...                         (the JSON API, see Config.API and package api)
//	GET    /admin/feed/{key}.atom           (the private moderation feed, see handleModeration)
//	GET    /healthz                         (the process serves)
//	GET    /readyz                          (and its store answers; see Config.Ready)
//	GET    /metrics                         (when Config.Metrics is set)
//	GET    /                                (HTML pages, see SetPages)
//	GET    /posts/{post}
//	POST   /posts/{post}                    (the comment form)
//	GET    /static/
//	GET    /admin/                          (the moderation inbox, with POST /admin/signin,
//	POST   /admin/...                        /admin/signout, /admin/comments/{id}/{action})
//
// GET routes answer HEAD too. A browser opening a
// feed's URL gets the feed's HTML page (see serveFeed and SetPages).
//
// Each request is counted through Config.ObserveRequest and, with
// Config.AccessLog, logged.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	// Every feed URL, as the catalogue lists them (feed.Routes).
	mux.HandleFunc("GET /feeds/", s.handleFeeds)
	mux.HandleFunc("GET /feeds", func(w http.ResponseWriter, r *http.Request) { s.feedNotFound(w) })
	if s.cfg.Hub != nil {
		mux.Handle("POST /websub", s.cfg.Hub)
	}
	if s.cfg.Webmention != nil {
		mux.Handle("POST "+render.WebmentionPath, s.cfg.Webmention)
	}
	if s.cfg.API != nil {
		s.cfg.API.Register(mux)
	}
	// The private moderation feed; its secret key is its protection.
	mux.HandleFunc("GET /admin/feed/{file}", s.handleModeration)
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /readyz", s.handleReadyz)
	if s.cfg.Metrics != nil {
		mux.Handle("GET /metrics", s.cfg.Metrics)
	}
	mux.HandleFunc("GET /{$}", s.servePages)
	mux.HandleFunc("GET /posts/{post}", s.servePages)
	mux.HandleFunc("POST /posts/{post}", s.servePages)
	mux.HandleFunc("GET /static/", s.servePages)
	// The moderation inbox of the pages (package web); the moderation
	// feed's route above is more specific and keeps its own.
	mux.HandleFunc("/admin/", s.servePages)
	// Recovery sits inside the logger, so that the log shows its 500.
	// A feed request with a clean path goes to handleFeeds without the
	// mux: matching "/feeds/" costs the mux three allocations a request,
	// which the most frequent answers (cached feeds, 304s) would pay. The
	// rest (other methods, paths the mux cleans and redirects) take the
	// mux, which routes them the same way.
	feeds := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
			strings.HasPrefix(r.URL.Path, "/feeds/") && path.Clean(r.URL.Path) == r.URL.Path {
			s.handleFeeds(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
	return s.logRequests(s.recoverPanics(feeds))
}

// SetPages mounts h, the site's HTML pages (package web), on the routes
// GET /, GET and POST /posts/{post} and GET /static/, behind the server's
// request log and panic recovery; those routes answer 404 until then, and
// after SetPages(nil). It is safe to call while the server serves.
// The pages post comments through package submit. When h is also
// FeedPages, a feed's URL opened in a browser answers its page (see
// serveFeed).
func (s *Server) SetPages(h http.Handler) {
	if h == nil {
		s.pages.Store(nil)
		return
	}
	fp, _ := h.(FeedPages)
	s.pages.Store(&pagesHandler{Handler: h, feeds: fp})
}

// feedPages returns the writer of feed pages, or nil.
func (s *Server) feedPages() FeedPages {
	if p := s.pages.Load(); p != nil {
		return p.feeds
	}
	return nil
}

// servePages hands a page route to the handler given to SetPages.
func (s *Server) servePages(w http.ResponseWriter, r *http.Request) {
	p := s.pages.Load()
	if p == nil {
		http.NotFound(w, r)
		return
	}
	p.ServeHTTP(w, r)
}
