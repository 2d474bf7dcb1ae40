package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/feedd/feedd/feed"
)

// postRequest is the body of POST /api/posts. Only title and content are
// required; the store picks an ID and the publication time when absent.
type postRequest struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Content    string   `json:"content"`
	Summary    string   `json:"summary"`
	Author     string   `json:"author"`
	AuthorURI  string   `json:"author_uri"`
	Categories []string `json:"categories"`
	Published  string   `json:"published"` // RFC 3339
}

// commentRequest is the body of POST /api/posts/{post}/comments. The time
// of a comment is always the server's.
type commentRequest struct {
	Author    string `json:"author"`
	AuthorURI string `json:"author_uri"`
	Content   string `json:"content"`
	ParentID  string `json:"parent_id"`
}

// handleCreatePost creates a post: admin token, JSON body, 201 with the
// stored post and its URL in Location.
func (s *Server) handleCreatePost(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="feedd"`)
		writeJSONError(w, http.StatusUnauthorized, "unauthorized: a valid admin bearer token is required")
		return
	}
	var req postRequest
	if !s.decodeBody(w, r, &req) {
		return
	}
	p := &feed.Post{
		ID:         req.ID,
		Title:      req.Title,
		Content:    req.Content,
		Summary:    req.Summary,
		AuthorName: req.Author,
		AuthorURI:  req.AuthorURI,
		Categories: req.Categories,
	}
	if p.ID != "" && !feed.ValidID(p.ID) {
		writeJSONError(w, http.StatusBadRequest, fmt.Sprintf("id: must be 1 to %d characters of A-Z, a-z, 0-9, - and _", feed.MaxIDLen))
		return
	}
	if req.Published != "" {
		t, err := time.Parse(time.RFC3339, req.Published)
		if err != nil {
			writeJSONError(w, http.StatusBadRequest, "published: must be an RFC 3339 date-time such as 2026-03-02T09:00:00Z")
			return
		}
		p.Published = t
	}
	if err := p.Validate(); err != nil {
		s.writeError(w, r, err)
		return
	}
	// The write completes even if the client goes away meanwhile: it is
	// short, and a half-known outcome is worse than an unread answer.
	ctx := context.WithoutCancel(r.Context())
	if err := s.st.CreatePost(ctx, p); err != nil {
		if feed.ErrorCode(err) == feed.EINTERNAL {
			// The write may have committed all the same.
			s.cache.Changed(feed.Change{Post: p})
		}
		s.writeError(w, r, err)
		return
	}
	// Before the answer: a GET that follows it must see the post.
	s.cache.Changed(feed.Change{Post: p})
	w.Header().Set("Location", s.r.PostURL(p.ID))
	writeJSON(w, http.StatusCreated, p)
}

// handleCreateComment creates a comment on a post, or a reply when the body
// names a parent_id of the same post: public, JSON body, 201 with the stored
// comment and its URL in Location.
func (s *Server) handleCreateComment(w http.ResponseWriter, r *http.Request) {
	postID := r.PathValue("post")
	if !feed.ValidID(postID) {
		writeJSONError(w, http.StatusNotFound, "post not found")
		return
	}
	var req commentRequest
	if !s.decodeBody(w, r, &req) {
		return
	}
	c := &feed.Comment{
		PostID:     postID,
		ParentID:   req.ParentID,
		AuthorName: req.Author,
		AuthorURI:  req.AuthorURI,
		Content:    req.Content,
	}
	if err := c.Validate(); err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := context.WithoutCancel(r.Context())
	if err := s.st.CreateComment(ctx, c); err != nil {
		if feed.ErrorCode(err) == feed.EINTERNAL {
			s.cache.Changed(feed.Change{Comment: c})
		}
		s.writeError(w, r, err)
		return
	}
	s.cache.Changed(feed.Change{Comment: c})
	w.Header().Set("Location", s.r.CommentURL(c.PostID, c.ID))
	writeJSON(w, http.StatusCreated, c)
}

// authorized reports whether r carries the admin token as a bearer token.
// With no token configured nothing is authorized.
func (s *Server) authorized(r *http.Request) bool {
	if s.cfg.AdminToken == "" {
		return false
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return subtle.ConstantTimeCompare(sum[:], s.tokenSum[:]) == 1
}

// decodeBody reads a JSON object from the request body into dst, which must
// be a pointer to a struct, and answers the request itself when it cannot:
// 415 for a non-JSON Content-Type (an absent one is taken for JSON), 413
// for a body over Config.MaxBodyBytes, 400 for invalid UTF-8, malformed
// JSON, a value of the wrong type, an unknown field, or data after the
// object. It reports whether dst was filled.
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, dst any) bool {
	if msg := checkJSONContentType(r.Header.Get("Content-Type")); msg != "" {
		writeJSONError(w, http.StatusUnsupportedMediaType, msg)
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSONError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body: larger than %d bytes", tooBig.Limit))
			return false
		}
		writeJSONError(w, http.StatusBadRequest, "body: could not be read")
		return false
	}
	// encoding/json replaces invalid UTF-8 with U+FFFD silently, so check
	// the raw bytes first.
	if !utf8.Valid(body) {
		writeJSONError(w, http.StatusBadRequest, "body: not valid UTF-8")
		return false
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		writeJSONError(w, http.StatusBadRequest, "body: required: a JSON object")
		return false
	}
	if trimmed[0] != '{' {
		writeJSONError(w, http.StatusBadRequest, "body: must be a JSON object")
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		writeJSONError(w, http.StatusBadRequest, jsonErrorMessage(err))
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		writeJSONError(w, http.StatusBadRequest, "body: unexpected data after the JSON object")
		return false
	}
	return true
}

// checkJSONContentType returns why a request Content-Type is not JSON, or
// "" when it is: application/json, application/*+json, or none at all,
// with no charset but UTF-8.
func checkJSONContentType(v string) string {
	if v == "" {
		return ""
	}
	mt, params, err := mime.ParseMediaType(v)
	if err != nil || !(mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) {
		return "Content-Type: must be application/json"
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return "Content-Type: charset must be utf-8"
	}
	return ""
}

// jsonErrorMessage turns an encoding/json error into a message naming the
// offending field where there is one.
func jsonErrorMessage(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("body: malformed JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "body: malformed JSON: unexpected end"
	case errors.As(err, &typ):
		if typ.Field == "" {
			return "body: must be a JSON object"
		}
		return fmt.Sprintf("%s: must be %s, not %s", typ.Field, jsonTypeName(typ.Type), typ.Value)
	}
	// DisallowUnknownFields reports `json: unknown field "name"` with no
	// error type of its own.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return "body: unknown field " + name
	}
	return "body: malformed JSON"
}

// jsonTypeName names a Go type of a request field the way a client sees it.
func jsonTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return "a list of strings"
		}
		return "a list"
	}
	return t.String()
}

// writeError answers with the status of err's code and its client-safe
// message; internal errors are logged and answered with a generic message.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var status int
	switch feed.ErrorCode(err) {
	case feed.EINVALID:
		status = http.StatusBadRequest
	case feed.ENOTFOUND:
		status = http.StatusNotFound
	case feed.ECONFLICT:
		status = http.StatusConflict
	default:
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeJSONError(w, http.StatusInternalServerError, "internal error")
		return
	}
	writeJSONError(w, status, feed.ErrorMessage(err))
}

// writeJSONError answers with {"error": msg}.
func writeJSONError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, struct {
		Error string `json:"error"`
	}{msg})
}

// writeJSON answers with v as JSON. API answers are never cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Contents are HTML; escaping <, > and & would only obscure them, and
	// the Content-Type keeps browsers from reading the answer as HTML.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only unencodable types fail, which the handlers never pass.
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
