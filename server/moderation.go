package server

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// ModerationSecret names the store secret (store.Secrets) whose value is
// the key in the moderation feed's URL, /admin/feed/{key}.atom.
const ModerationSecret = "moderation-feed"

// moderationPrefix starts the path of the moderation feed.
const moderationPrefix = "/admin/feed/"

// moderationLimit is how many pending comments the moderation feed lists.
const moderationLimit = 100

// handleModeration serves the private moderation feed: the pending
// comments of every post, newest first (at most moderationLimit), as Atom
// at /admin/feed/{key}.atom, where key is the store's ModerationSecret. A
// wrong key answers 404 like any unknown path. The feed is rendered for
// each request, never cached, exported or announced to a WebSub hub, and
// answered with Cache-Control: private, no-store and X-Robots-Tag: noindex.
func (s *Server) handleModeration(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Robots-Tag", "noindex")
	name := r.PathValue("file")
	key, ok := strings.CutSuffix(name, ".atom")
	if !ok || key == "" {
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	}
	ctx := r.Context()
	secret, err := s.st.Secret(ctx, ModerationSecret, false)
	if err != nil {
		s.log.ErrorContext(ctx, "moderation feed: read secret", "err", err)
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
		return
	}
	if subtle.ConstantTimeCompare([]byte(key), []byte(secret)) != 1 {
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	}
	comments, err := s.st.Comments(ctx, store.CommentFilter{
		Statuses: []feed.Status{feed.StatusPending},
		Limit:    moderationLimit,
	})
	if err != nil {
		s.log.ErrorContext(ctx, "moderation feed: read comments", "err", err)
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
		return
	}
	self := s.r.ModerationSelf(key)
	b, updated, err := s.r.Moderation(comments, self)
	if err != nil {
		s.log.ErrorContext(ctx, "moderation feed: render", "err", err)
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
		return
	}
	h.Set("Content-Type", "application/atom+xml; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Last-Modified", updated.UTC().Format(http.TimeFormat))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(b)
}
