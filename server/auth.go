package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// authorized reports whether r carries the admin token as a bearer token.
// With no token configured nothing is authorized. The comparison takes the
// same time whatever the token given, and the token is never logged.
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

// requireAdmin answers 401 unless r carries the admin token, and reports
// whether it does.
func (s *Server) requireAdmin(w http.ResponseWriter, r *http.Request) bool {
	if s.authorized(r) {
		return true
	}
	unauthorized(w)
	return false
}

// viewer tells apart the readers of a public route: the admin, with the
// token, sees more (raw content, comments under moderation). A request
// that sends credentials that are not the token gets 401 rather than the
// public view, so that a mistyped token is noticed. ok is false when the
// request was answered.
func (s *Server) viewer(w http.ResponseWriter, r *http.Request) (admin, ok bool) {
	if r.Header.Get("Authorization") == "" {
		return false, true
	}
	if s.authorized(r) {
		return true, true
	}
	unauthorized(w)
	return false, false
}

func unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="feedd"`)
	writeJSONError(w, http.StatusUnauthorized, "unauthorized: a valid admin bearer token is required")
}
