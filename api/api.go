// Package api is feedd's JSON API: read, write and moderate posts and
// comments, and report the mirrored sources. Public comments are taken
// through package submit, which the HTML comment form shares. Every write
// reaches the cached feeds through the store's change log; a handler waits
// for the cache to have applied its write (cache.Cache.Sync) before it
// answers, so that the next read shows it.
//
// The routes, registered on the server's mux by Register:
//
//	GET    /api/posts                       ?limit=&cursor=
//	POST   /api/posts                       (admin token)
//	GET    /api/posts/{post}
//	PATCH  /api/posts/{post}                (admin token)
//	DELETE /api/posts/{post}                (admin token)
//	GET    /api/posts/{post}/comments       (admin token: all statuses)
//	POST   /api/posts/{post}/comments       (rate limited, moderated)
//	PATCH  /api/comments/{comment}          (admin token)
//	DELETE /api/comments/{comment}          (admin token)
//	POST   /api/comments/{comment}/approve  (admin token)
//	POST   /api/comments/{comment}/spam     (admin token)
//	GET    /api/sources                     (admin token)
//
// Any other path under /api/ answers 404, and a method a path does not
// take 405 with an Allow header, with the same JSON error body as the
// rest (noRoute).
//
// Answers are JSON; see apiPost and apiComment for the representation of
// entries.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/httpjson"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/submit"
)

// Config holds the API's settings. The zero value of each field means its
// default.
type Config struct {
	// MaxBodyBytes limits request bodies; larger ones get 413.
	// httpjson.DefaultMaxBodyBytes when zero or negative.
	MaxBodyBytes int64
	// SourceStatus reports the mirrored sources for GET /api/sources;
	// nil answers an empty list.
	SourceStatus func(ctx context.Context) ([]SourceStatus, error)
}

// API answers the /api/ routes. Build it with New.
type API struct {
	st       store.Store
	cache    *cache.Cache
	r        *render.Renderer
	admin    httpjson.Admin
	comments *submit.Submitter
	cfg      Config
	log      *slog.Logger
}

// New returns the API over st, whose writes it waits for c to apply. r
// builds the URLs of entries; admin recognises the admin's requests;
// public comments go through comments.
func New(st store.Store, c *cache.Cache, r *render.Renderer, admin httpjson.Admin, comments *submit.Submitter, cfg Config, log *slog.Logger) *API {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = httpjson.DefaultMaxBodyBytes
	}
	return &API{st: st, cache: c, r: r, admin: admin, comments: comments, cfg: cfg, log: log}
}

// Register adds the API's routes to mux.
func (s *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/posts", s.handleListPosts)
	mux.HandleFunc("POST /api/posts", s.handleCreatePost)
	mux.HandleFunc("GET /api/posts/{post}", s.handleGetPost)
	mux.HandleFunc("PATCH /api/posts/{post}", s.handleUpdatePost)
	mux.HandleFunc("DELETE /api/posts/{post}", s.handleDeletePost)
	mux.HandleFunc("GET /api/posts/{post}/comments", s.handleThread)
	mux.HandleFunc("POST /api/posts/{post}/comments", s.handleCreateComment)
	mux.HandleFunc("PATCH /api/comments/{comment}", s.handleUpdateComment)
	mux.HandleFunc("DELETE /api/comments/{comment}", s.handleDeleteComment)
	mux.HandleFunc("POST /api/comments/{comment}/approve", s.handleModerateComment(feed.StatusApproved))
	mux.HandleFunc("POST /api/comments/{comment}/spam", s.handleModerateComment(feed.StatusSpam))
	mux.HandleFunc("GET /api/sources", s.handleSources)
	// Anything else under /api/ (any method) lands here rather than on
	// net/http's text/plain 404 and 405, so that every answer of the API
	// is its JSON error body.
	mux.HandleFunc("/api/", noRoute(mux))
}

// routeMethods are the methods noRoute tries on a path to list in Allow.
var routeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// noRoute answers a request under /api/ that no route of mux takes: 405
// with an Allow header listing the methods that some route other than
// this catch-all takes on the path, or 404 when there are none; both with
// the API's JSON error body.
func noRoute(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		self := r.Pattern
		var allow []string
		for _, m := range routeMethods {
			probe := r.WithContext(r.Context()) // a shallow copy
			probe.Method = m
			if _, p := mux.Handler(probe); p != "" && p != self {
				allow = append(allow, m)
			}
		}
		if len(allow) == 0 {
			httpjson.WriteError(w, http.StatusNotFound, "not found: no such API route")
			return
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		httpjson.WriteError(w, http.StatusMethodNotAllowed, "method not allowed: this route takes "+strings.Join(allow, ", "))
	}
}

// write runs a write with a context that completes even if the client
// goes away meanwhile (the write is short, and a half-known outcome is
// worse than an unread answer), and that tracks the write's change-log
// position. When the write succeeds, it waits for the cache to have
// applied it, so that a GET that follows the answer sees it.
func (s *API) write(r *http.Request, write func(ctx context.Context) error) error {
	ctx, wrote := store.Track(context.WithoutCancel(r.Context()))
	if err := write(ctx); err != nil {
		return err
	}
	if err := s.cache.Sync(r.Context(), wrote.Seq()); err != nil && r.Context().Err() == nil {
		s.log.Warn("write committed, but the cache did not catch up", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	return nil
}

// writeError answers with the status of err's code and its client-safe
// message (httpjson.Refusal); internal errors are logged and answered with
// a generic message.
func (s *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	httpjson.WriteRequestError(w, httpjson.Refusal(s.log, r, err))
}
