package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// CommentInput is a new comment as a reader submitted it: the fields of the
// API's JSON body or of the comment form, as given (an HTML form refills
// its fields from them after an error).
type CommentInput struct {
	Author    string
	AuthorURI string
	Content   string
	ParentID  string
}

// RequestError is a refused request: the HTTP status to answer with and a
// message safe to show to the client that caused it.
type RequestError struct {
	Status  int
	Message string
	// RetryAfter is the whole seconds the client should wait before it
	// tries again (Retry-After); set with 429 only.
	RetryAfter int64
}

func (e *RequestError) Error() string { return e.Message }

// CommentRules are the settings of public comment posting that a comment
// form shows or needs: the honeypot field it must carry (hidden) and the
// limits it can tell readers about. The server enforces them whatever the
// form says.
type CommentRules struct {
	HoneypotField    string
	MaxCommentLength int // characters of content
	MaxAuthorLength  int // characters of the author's name
	// MaxDepth bounds nesting: a comment whose Depth+1 reaches it takes no
	// replies.
	MaxDepth int
}

// CommentRules returns the server's comment settings, defaults filled in.
func (s *Server) CommentRules() CommentRules {
	return CommentRules{
		HoneypotField:    s.cfg.HoneypotField,
		MaxCommentLength: s.cfg.MaxCommentLength,
		MaxAuthorLength:  s.cfg.MaxAuthorLength,
		MaxDepth:         s.cfg.MaxDepth,
	}
}

// SubmitComment takes a new comment on the post postID from the body of r,
// a form (application/x-www-form-urlencoded) or JSON, exactly as POST
// /api/posts/{post}/comments does: the same rate limit, limits,
// validation, honeypot and moderation, and the same invalidation of the
// cached feeds. The HTML comment form (package web) posts through it, so
// that the two paths cannot drift apart. Requests with the admin token are
// the admin's, as in the API.
//
// It does not answer the request; w serves only to close the connection
// after an oversized body. It returns the fields as submitted (also when
// the comment is refused, so that a form can be refilled; empty when the
// body could not be read) and either the comment as stored, approved or
// held for review (Status pending), or a *RequestError. A comment that
// filled in the honeypot field comes back as held, with a fresh ID, but
// was not stored.
func (s *Server) SubmitComment(w http.ResponseWriter, r *http.Request, postID string) (CommentInput, *feed.Comment, error) {
	if !feed.ValidID(postID) {
		return CommentInput{}, nil, &RequestError{Status: http.StatusNotFound, Message: "post not found"}
	}
	in, c, rerr := s.submitComment(w, r, postID, s.authorized(r), true)
	if rerr != nil {
		return in, nil, rerr
	}
	return in, c, nil
}

// submitComment is the one implementation of comment posting behind the
// API handler and SubmitComment. The rate limit is checked before the body
// is read, which is the cheapest way to refuse; with inputOnRefusal a
// refused body is still read, within the size limit, for the fields to
// come back. The error is nil or a *RequestError.
func (s *Server) submitComment(w http.ResponseWriter, r *http.Request, postID string, admin, inputOnRefusal bool) (CommentInput, *feed.Comment, *RequestError) {
	if !admin {
		if wait := s.reserveComment(r); wait > 0 {
			var in CommentInput
			if inputOnRefusal {
				if req, rerr := s.decodeComment(w, r); rerr == nil {
					in = req.input()
				}
			}
			return in, nil, &RequestError{
				Status:     http.StatusTooManyRequests,
				Message:    fmt.Sprintf("too many comments: try again in %d seconds", wait),
				RetryAfter: wait,
			}
		}
	}
	req, rerr := s.decodeComment(w, r)
	if rerr != nil {
		return CommentInput{}, nil, rerr
	}
	in := req.input()
	c := &feed.Comment{
		PostID:     postID,
		ParentID:   req.ParentID,
		AuthorName: req.Author,
		AuthorURI:  req.AuthorURI,
		Content:    req.Content,
	}
	if err := s.checkCommentLimits(c); err != nil {
		return in, nil, s.requestError(r, err)
	}
	if err := c.Validate(); err != nil {
		return in, nil, s.requestError(r, err)
	}
	ctx := context.WithoutCancel(r.Context())
	if err := s.checkParent(ctx, c); err != nil {
		return in, nil, s.requestError(r, err)
	}
	// Only now, so that a bot gets the same errors as anyone.
	if req.honeypot {
		if err := s.fakeHeldComment(r, c); err != nil {
			return in, nil, s.requestError(r, err)
		}
		return in, c, nil
	}
	status, err := s.initialStatus(ctx, c, admin)
	if err != nil {
		return in, nil, s.requestError(r, err)
	}
	c.Status = status
	if err := s.st.CreateComment(ctx, c); err != nil {
		if feed.ErrorCode(err) == feed.EINTERNAL {
			// The write may have committed all the same.
			s.cache.Changed(feed.Change{Comment: c})
		}
		return in, nil, s.requestError(r, err)
	}
	if c.Status == feed.StatusApproved {
		// A held comment is in no feed: nothing to invalidate.
		s.cache.Changed(feed.Change{Comment: c})
	}
	return in, c, nil
}

// input returns the submitted fields of req.
func (req commentRequest) input() CommentInput {
	return CommentInput{Author: req.Author, AuthorURI: req.AuthorURI, Content: req.Content, ParentID: req.ParentID}
}

// requestError turns an error of the store or of validation into the
// refusal the client sees, by its code (see writeError); internal errors
// are logged here and shown as "internal error".
func (s *Server) requestError(r *http.Request, err error) *RequestError {
	var re *RequestError
	if errors.As(err, &re) {
		return re
	}
	var status int
	switch feed.ErrorCode(err) {
	case feed.EINVALID:
		status = http.StatusBadRequest
	case feed.ENOTFOUND:
		status = http.StatusNotFound
	case feed.ECONFLICT:
		status = http.StatusConflict
	case feed.EGONE:
		status = http.StatusGone
	default:
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		return &RequestError{Status: http.StatusInternalServerError, Message: "internal error"}
	}
	return &RequestError{Status: status, Message: feed.ErrorMessage(err)}
}

// writeRequestError answers with a refusal as JSON, and its Retry-After.
func writeRequestError(w http.ResponseWriter, e *RequestError) {
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(e.RetryAfter))
	}
	writeJSONError(w, e.Status, e.Message)
}

// fakeHeldComment makes c look like a comment held for review, without
// storing it, for a comment that filled in the honeypot field: the bot
// gets the answer of a held comment and learns nothing. It still checks
// that the post exists, as a real comment would.
func (s *Server) fakeHeldComment(r *http.Request, c *feed.Comment) error {
	if _, err := s.st.Post(r.Context(), c.PostID); err != nil {
		return err
	}
	s.log.Info("comment dropped: honeypot field filled in",
		"post_id", c.PostID, "honeypot_field", s.cfg.HoneypotField, "client", s.clientAddr(r).String())
	now := time.Now().UTC().Truncate(time.Second)
	c.ID = store.NewID()
	c.Status = feed.StatusPending
	c.Published, c.Updated = now, now
	return nil
}
