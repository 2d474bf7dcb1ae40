package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/feedd/feedd/internal/sitetest"
)

// TestNoRoute sends paths under /api/ that no route takes, and methods a
// route does not take: each answers 404 or 405 (with an Allow header)
// with the API's JSON error body, not net/http's text/plain one.
func TestNoRoute(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	for _, tc := range []struct {
		name, method, path string
		want               int
		allow              string // the Allow header of a 405
	}{
		{"unknown collection", "GET", "/api/nope", 404, ""},
		{"api root", "GET", "/api/", 404, ""},
		{"too deep", "GET", "/api/posts/alpha/comments/a1/extra", 404, ""},
		{"comments collection", "GET", "/api/comments", 404, ""},
		{"unknown with POST", "POST", "/api/nope", 404, ""},
		{"sources by POST", "POST", "/api/sources", 405, "GET, HEAD"},
		{"posts by PUT", "PUT", "/api/posts", 405, "GET, HEAD, POST"},
		{"post by POST", "POST", "/api/posts/alpha", 405, "GET, HEAD, PATCH, DELETE"},
		{"comment by GET", "GET", "/api/comments/a1", 405, "PATCH, DELETE"},
		{"approve by GET", "GET", "/api/comments/a1/approve", 405, "POST"},
		{"thread by DELETE", "DELETE", "/api/posts/alpha/comments", 405, "GET, HEAD, POST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := sitetest.Do(t, e.Handler, tc.method, tc.path, "", sitetest.AdminAuth...)
			if w.Code != tc.want {
				t.Fatalf("%s %s = %d, want %d; body %q", tc.method, tc.path, w.Code, tc.want, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("%s %s: Content-Type %q", tc.method, tc.path, ct)
			}
			if msg := sitetest.JSONError(t, w); msg == "" {
				t.Errorf("%s %s: empty error message", tc.method, tc.path)
			}
			if got := w.Header().Get("Allow"); got != tc.allow {
				t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, got, tc.allow)
			}
			if tc.want == http.StatusMethodNotAllowed && e.St.Writes() != 0 {
				t.Errorf("%s %s wrote", tc.method, tc.path)
			}
		})
	}
}
