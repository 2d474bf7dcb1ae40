package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/submit"
)

// formView is the comment form on a post's page.
type formView struct {
	Action     string // where it posts: the post's page
	CancelPath string // the page without ?reply
	Values     submit.Input
	ReplyTo    *commentNode // the comment replied to, or nil
	Held       bool         // thank the reader for a comment held for review
	Error      string       // why the comment was refused
	// ErrorField names the field the error is about, which is marked
	// aria-invalid and described by the error.
	ErrorField string
	Honeypot   string // the name of the honeypot field
	MaxAuthor  int
	MaxContent int
}

// Invalid reports whether the error is about the named field.
func (f formView) Invalid(field string) bool { return f.ErrorField == field }

// handleComment takes the comment form: Submit runs it through the
// same checks as the API. An approved comment is answered with 303 See
// Other to its anchor on the page, a held one (or one the honeypot
// dropped, which must look the same) to the page saying it awaits
// moderation, so that reloading the page does not post it again. A
// refused comment gets the page again, with the refusal's status (400,
// 413, 415 or 429), the message next to the form and the fields as they
// were sent; an unknown or deleted post gets the 404 or 410 page. A
// cross-origin post (another site's page posting the form) gets the 403
// page and is not stored.
func (h *Handler) handleComment(w http.ResponseWriter, r *http.Request) {
	if !h.origin.check(r) {
		h.errorPage(w, r, http.StatusForbidden, "Comment refused",
			"This comment was sent from another site. Please post it from the comment form on this site's page.")
		return
	}
	id := r.PathValue("post")
	in, c, re := h.comments.Submit(w, r, id)
	if re == nil {
		target := h.commentPath(id, c.ID)
		if c.Status != feed.StatusApproved {
			target = h.postPath(id) + "?held=" + c.ID + "#comment-form"
		}
		w.Header().Set("Location", target)
		w.Header().Set("Cache-Control", cacheNone)
		w.WriteHeader(http.StatusSeeOther)
		return
	}
	switch re.Status {
	case http.StatusNotFound:
		h.notFound(w, r)
		return
	case http.StatusGone:
		h.gone(w, r)
		return
	}
	if re.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(re.RetryAfter, 10))
	}
	h.showPost(w, r, re.Status, formView{
		Values:     in,
		Error:      re.Message,
		ErrorField: errorField(re.Message),
	})
}

// errorField returns the form field an error message is about: the
// server's messages start with the field's name ("content: required").
func errorField(msg string) string {
	name, _, ok := strings.Cut(msg, ":")
	if !ok {
		return ""
	}
	switch name {
	case "author", "author_uri", "content", "parent_id":
		return name
	case "author_email":
		return "email" // the form's name for it
	}
	return ""
}

// errorView is the data of the error page.
type errorView struct {
	Heading string
	Text    string
	Home    string
	// Back is the text of the link to Home; "Go to the home page" when
	// empty (the inbox's errors lead back to the inbox).
	Back string
}

// notFound answers with the 404 page.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.errorPage(w, r, http.StatusNotFound, "Page not found",
		"There is no page at this address. It may have moved, or the address may be mistyped.")
}

// gone answers with the 410 page of a deleted post.
func (h *Handler) gone(w http.ResponseWriter, r *http.Request) {
	h.errorPage(w, r, http.StatusGone, "This post was deleted",
		"The post that was here has been removed by its author, with its comments.")
}

// failed answers a failed read: the 404 or 410 page for an unknown or
// deleted post, else a logged 500.
func (h *Handler) failed(w http.ResponseWriter, r *http.Request, err error) {
	switch feed.ErrorCode(err) {
	case feed.ENOTFOUND:
		h.notFound(w, r)
		return
	case feed.EGONE:
		h.gone(w, r)
		return
	}
	if r.Context().Err() == nil {
		h.log.Error("page failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	h.errorPage(w, r, http.StatusInternalServerError, "Something went wrong",
		"The page could not be shown. Please try again in a moment.")
}

func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, status int, heading, text string) {
	cache := "no-cache"
	if status >= 500 {
		cache = cacheNone
	}
	h.render(w, r, pageError, status, cache, &page{
		Title: heading + " – " + h.site,
		Feeds: h.siteFeeds(),
		Main:  errorView{Heading: heading, Text: text, Home: h.homePath()},
	})
}
