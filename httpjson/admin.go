package httpjson

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// Admin recognises the admin's requests: those that carry the admin token
// as a bearer token. The zero value, like an Admin of the empty token,
// recognises none.
type Admin struct {
	set bool
	sum [32]byte // SHA-256 of the token, compared in constant time
}

// NewAdmin returns the Admin of token; an empty token disables the admin:
// every request that needs it gets 401.
func NewAdmin(token string) Admin {
	// Hashing first gives both sides of the comparison the same length,
	// so that the comparison does not even leak the token's length.
	return Admin{set: token != "", sum: sha256.Sum256([]byte(token))}
}

// Authorized reports whether r carries the admin token as a bearer token.
// With no token configured nothing is authorized. The comparison takes the
// same time whatever the token given, and the token is never logged.
func (a Admin) Authorized(r *http.Request) bool {
	if !a.set {
		return false
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	return a.Is(strings.TrimSpace(token))
}

// Is reports whether token is the admin token (never, with none
// configured), in the same time whatever token is given: the one check of
// the token, for the API's bearer header and the inbox's sign-in form.
func (a Admin) Is(token string) bool {
	sum := sha256.Sum256([]byte(token))
	return a.set && subtle.ConstantTimeCompare(sum[:], a.sum[:]) == 1
}

// Require answers 401 unless r carries the admin token, and reports
// whether it does.
func (a Admin) Require(w http.ResponseWriter, r *http.Request) bool {
	if a.Authorized(r) {
		return true
	}
	unauthorized(w)
	return false
}

// Viewer tells apart the readers of a public route: the admin, with the
// token, sees more (raw content, comments under moderation). A request
// that sends credentials that are not the token gets 401 rather than the
// public view, so that a mistyped token is noticed. ok is false when the
// request was answered.
func (a Admin) Viewer(w http.ResponseWriter, r *http.Request) (admin, ok bool) {
	if r.Header.Get("Authorization") == "" {
		return false, true
	}
	if a.Authorized(r) {
		return true, true
	}
	unauthorized(w)
	return false, false
}

func unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="feedd"`)
	WriteError(w, http.StatusUnauthorized, "unauthorized: a valid admin bearer token is required")
}
