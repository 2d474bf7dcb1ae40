// Package server is feedd's HTTP interface: the feeds, served from the cache
// with conditional GET and gzip, and a small JSON API to write posts and
// comments.
package server

import (
	"crypto/sha256"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/store"
)

// Defaults for the zero values of Config.
const (
	DefaultMaxAge       = 5 * time.Minute
	DefaultMaxBodyBytes = 1 << 20
)

// Config holds the server's settings.
type Config struct {
	// AdminToken is the bearer token of the admin API (POST /api/posts).
	// Empty disables the admin API: every request to it gets 401.
	AdminToken string
	// MaxAge is the Cache-Control max-age of feeds (feeds.max_age):
	// DefaultMaxAge when zero, max-age=0 when negative.
	MaxAge time.Duration
	// MaxBodyBytes limits API request bodies; larger ones get 413.
	// DefaultMaxBodyBytes when zero or negative.
	MaxBodyBytes int64
}

// Server answers feedd's HTTP requests. Build it with New.
type Server struct {
	st    store.Store
	cache *cache.Cache
	r     *render.Renderer
	cfg   Config
	log   *slog.Logger

	cacheControl string   // the Cache-Control value of feeds
	tokenSum     [32]byte // SHA-256 of AdminToken, compared in constant time
	handler      http.Handler
}

// New returns a Server that reads feeds through c and writes through st,
// invalidating c after each write. r builds the URLs of created entries.
func New(st store.Store, c *cache.Cache, r *render.Renderer, cfg Config, log *slog.Logger) *Server {
	if cfg.MaxAge == 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		st:    st,
		cache: c,
		r:     r,
		cfg:   cfg,
		log:   log,
		// Hashing first gives both sides of the comparison the same length,
		// so that the comparison does not even leak the token's length.
		tokenSum:     sha256.Sum256([]byte(cfg.AdminToken)),
		cacheControl: "public, max-age=" + strconv.FormatInt(int64(max(cfg.MaxAge, 0)/time.Second), 10),
	}
	s.handler = s.routes()
	return s
}

// Handler returns the server's HTTP handler: the routes below, wrapped in
// request logging and panic recovery.
//
//	GET  /feeds/posts.{atom,rss,json}
//	GET  /feeds/comments.{atom,rss,json}
//	GET  /feeds/posts/{post}/comments.{atom,rss,json}
//	POST /api/posts                      (admin token)
//	POST /api/posts/{post}/comments
//	GET  /healthz
//
// GET routes answer HEAD too.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	// Site feeds get literal paths: a wildcard must fill a whole segment,
	// and "posts.atom" is not one.
	for _, f := range feed.Formats {
		mux.HandleFunc("GET /feeds/posts."+string(f), s.feedHandler(feed.PostsFeed, f))
		mux.HandleFunc("GET /feeds/comments."+string(f), s.feedHandler(feed.CommentsFeed, f))
	}
	mux.HandleFunc("GET /feeds/posts/{post}/{file}", s.handleThreadFeed)
	mux.HandleFunc("POST /api/posts", s.handleCreatePost)
	mux.HandleFunc("POST /api/posts/{post}/comments", s.handleCreateComment)
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	// Recovery sits inside the logger, so that the log shows its 500.
	return s.logRequests(s.recoverPanics(mux))
}

// handleHealthz reports that the process serves requests. It checks nothing
// else, so that it stays cheap enough to poll.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}
