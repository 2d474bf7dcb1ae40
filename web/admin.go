package web

import (
	"context"
	"crypto/subtle"
	"html/template"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
	"github.com/feedd/feedd/httpjson"
	"github.com/feedd/feedd/store"
)

// The moderation inbox at /admin/: an admin signs in with the admin token
// (Options.AdminToken, the token of the JSON admin API) and approves,
// marks as spam or deletes comments through the store methods the CLI and
// the API use, so that the change log invalidates the feeds. Without a
// token the inbox is off and its routes answer 404.
//
//	GET  /admin/                          the sign-in form, or the inbox with a session
//	POST /admin/signin                    token → session cookie, 303 to /admin/; 403 when wrong
//	POST /admin/signout                   ends the session, 303 to /admin/
//	POST /admin/comments/{id}/{action}    approve, spam or delete; 303 to /admin/
//
// A session is a random id kept in memory (adminSessionTTL, at most
// adminMaxSessions), sent as the cookie adminCookie; each carries a
// random CSRF token that every form posts back.

const (
	adminCookie       = "feedd_admin"
	adminSessionTTL   = 12 * time.Hour
	adminMaxSessions  = 64
	adminRecent       = 20
	adminPendingLimit = 200
)

// adminSession is a signed-in browser.
type adminSession struct {
	csrf    string
	expires time.Time
}

// adminSessions are the live sessions, by id.
type adminSessions struct {
	mu  sync.Mutex
	m   map[string]adminSession
	now func() time.Time
}

func newAdminSessions() *adminSessions {
	return &adminSessions{m: make(map[string]adminSession), now: time.Now}
}

// create starts a session and returns its id. When the sessions are at
// their bound, expired ones go first, then the one nearest its expiry.
func (s *adminSessions) create() (string, adminSession) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if len(s.m) >= adminMaxSessions {
		oldest := ""
		for id, v := range s.m {
			if !now.Before(v.expires) {
				delete(s.m, id)
			} else if oldest == "" || v.expires.Before(s.m[oldest].expires) {
				oldest = id
			}
		}
		if len(s.m) >= adminMaxSessions && oldest != "" {
			delete(s.m, oldest)
		}
	}
	id := store.NewSecret()
	v := adminSession{csrf: store.NewSecret(), expires: now.Add(adminSessionTTL)}
	s.m[id] = v
	return id, v
}

// get returns the live session with the id.
func (s *adminSessions) get(id string) (adminSession, bool) {
	if id == "" {
		return adminSession{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[id]
	if !ok {
		return adminSession{}, false
	}
	if !s.now().Before(v.expires) {
		delete(s.m, id)
		return adminSession{}, false
	}
	return v, true
}

func (s *adminSessions) remove(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

// equalSecret compares secrets in constant time.
func equalSecret(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// adminPath is the inbox's path below the base URL.
func (h *Handler) adminPath() string { return h.prefix + "/admin/" }

// adminHeaders sets the headers of every inbox answer.
func adminHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Cache-Control", cacheNone)
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("X-Frame-Options", "DENY")
}

// adminOn wraps an inbox route: 404 when no token is configured, the
// inbox's headers otherwise.
func (h *Handler) adminOn(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h.opts.AdminToken == "" {
			h.notFound(w, r)
			return
		}
		adminHeaders(w)
		// Cross-origin posts are refused before anything else, as the
		// comment form's are (the CSRF token and SameSite cookie are the
		// main defence; this also stops a foreign page signing a browser in).
		if r.Method == http.MethodPost && !h.origin.check(r) {
			h.adminForbidden(w, r)
			return
		}
		next(w, r)
	}
}

// session returns the request's session and its id.
func (h *Handler) session(r *http.Request) (string, adminSession, bool) {
	c, err := r.Cookie(adminCookie)
	if err != nil {
		return "", adminSession{}, false
	}
	v, ok := h.sessions.get(c.Value)
	return c.Value, v, ok
}

func (h *Handler) adminError(w http.ResponseWriter, r *http.Request, status int, heading, text string) {
	h.render(w, r, pageError, status, cacheNone, &page{
		Title: heading + " – " + h.site,
		Main:  errorView{Heading: heading, Text: text, Home: h.adminPath(), Back: "Go to the moderation inbox"},
	})
}

func (h *Handler) adminForbidden(w http.ResponseWriter, r *http.Request) {
	h.adminError(w, r, http.StatusForbidden, "Forbidden",
		"The request was refused: sign in again and retry from the inbox.")
}

// adminView is the data of the admin template.
type adminView struct {
	SignedIn            bool
	Path                string // the inbox's path
	CSRF                string
	Pending             []adminComment
	Approved            []adminComment
	NPending, NApproved int
}

// adminComment is a comment as the inbox lists it.
type adminComment struct {
	ID, Author, PostTitle, PostPath, Action string
	HTML                                    template.HTML
	Published                               time.Time
	// Mention is set for a Webmention: its kind and source.
	Mention *mentionView
}

func (h *Handler) handleAdmin(w http.ResponseWriter, r *http.Request) {
	_, sess, ok := h.session(r)
	v := adminView{Path: h.adminPath()}
	if !ok {
		h.render(w, r, pageAdmin, http.StatusOK, cacheNone, &page{Title: "Sign in – " + h.site, Main: v})
		return
	}
	v.SignedIn = true
	v.CSRF = sess.csrf
	ctx := r.Context()
	pending, err := h.st.Comments(ctx, store.CommentFilter{Statuses: []feed.Status{feed.StatusPending}, Limit: adminPendingLimit})
	if err == nil {
		v.NPending, err = h.st.CountComments(ctx, store.CommentFilter{Statuses: []feed.Status{feed.StatusPending}})
	}
	var approved []*feed.Comment
	if err == nil {
		approved, err = h.st.Comments(ctx, store.CommentFilter{Limit: adminRecent})
	}
	if err == nil {
		v.NApproved, err = h.st.CountComments(ctx, store.CommentFilter{})
	}
	if err != nil {
		h.failed(w, r, err)
		return
	}
	v.Pending = h.adminComments(pending)
	v.Approved = h.adminComments(approved)
	h.render(w, r, pageAdmin, http.StatusOK, cacheNone, &page{Title: "Moderation inbox – " + h.site, Main: v})
}

func (h *Handler) adminComments(cs []*feed.Comment) []adminComment {
	out := make([]adminComment, 0, len(cs))
	for _, c := range cs {
		title := content.Line(c.PostTitle)
		if title == "" {
			title = "(untitled post)"
		}
		author := content.Line(c.AuthorName)
		if author == "" {
			author = "Anonymous"
		}
		out = append(out, adminComment{
			ID:        c.ID,
			Author:    author,
			PostTitle: title,
			PostPath:  h.postPath(c.PostID),
			HTML:      template.HTML(content.CommentHTML(c)), // sanitized when derived
			Published: c.Published,
			Action:    h.prefix + "/admin/comments/" + url.PathEscape(c.ID) + "/",
		})
		if c.Kind != "" {
			out[len(out)-1].Mention = newMentionView(c)
		}
	}
	return out
}

func (h *Handler) handleSignin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if err := r.ParseForm(); err != nil || !httpjson.NewAdmin(h.opts.AdminToken).Is(r.PostForm.Get("token")) {
		h.adminForbidden(w, r)
		return
	}
	id, _ := h.sessions.create()
	http.SetCookie(w, &http.Cookie{
		Name: adminCookie, Value: id, Path: h.adminPath(),
		MaxAge: int(adminSessionTTL / time.Second), HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: h.secure,
	})
	http.Redirect(w, r, h.adminPath(), http.StatusSeeOther)
}

// checkPost reports whether a POST carries a live session and its CSRF
// token; it answers 403 when not.
func (h *Handler) checkPost(w http.ResponseWriter, r *http.Request) (string, bool) {
	id, sess, ok := h.session(r)
	if ok {
		r.Body = http.MaxBytesReader(w, r.Body, 4096)
		ok = r.ParseForm() == nil && equalSecret(r.PostForm.Get("csrf"), sess.csrf)
	}
	if !ok {
		h.adminForbidden(w, r)
	}
	return id, ok
}

func (h *Handler) handleSignout(w http.ResponseWriter, r *http.Request) {
	id, ok := h.checkPost(w, r)
	if !ok {
		return
	}
	h.sessions.remove(id)
	http.SetCookie(w, &http.Cookie{
		Name: adminCookie, Value: "", Path: h.adminPath(), MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: h.secure,
	})
	http.Redirect(w, r, h.adminPath(), http.StatusSeeOther)
}

func (h *Handler) handleAdminAction(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.adminError(w, r, http.StatusMethodNotAllowed, "Method not allowed",
			"Moderation actions are buttons of the inbox.")
		return
	}
	if _, ok := h.checkPost(w, r); !ok {
		return
	}
	id, action := r.PathValue("id"), r.PathValue("action")
	// The write completes even if the browser goes away meanwhile, and
	// tracks its change-log position for Options.Sync.
	ctx, wrote := store.Track(context.WithoutCancel(r.Context()))
	var err error
	switch action {
	case "approve", "spam":
		st := feed.StatusApproved
		if action == "spam" {
			st = feed.StatusSpam
		}
		_, err = h.st.UpdateComment(ctx, id, store.CommentUpdate{Status: &st})
	case "delete":
		_, err = h.st.DeleteComment(ctx, id)
	default:
		h.notFound(w, r)
		return
	}
	if err != nil {
		switch feed.ErrorCode(err) {
		case feed.ENOTFOUND, feed.EGONE:
			h.notFound(w, r)
		case feed.EINVALID:
			h.adminError(w, r, http.StatusConflict, "Not possible",
				"This action does not apply to the comment as it is now.")
		default:
			h.failed(w, r, err)
		}
		return
	}
	h.log.Info("admin inbox", "action", action, "comment", id)
	if h.opts.Sync != nil {
		if err := h.opts.Sync(r.Context(), wrote.Seq()); err != nil && r.Context().Err() == nil {
			h.log.Warn("moderation committed, but the cache did not catch up", "comment", id, "err", err)
		}
	}
	http.Redirect(w, r, h.adminPath(), http.StatusSeeOther)
}
