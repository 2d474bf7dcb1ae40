package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/feedd/feedd/submit"
)

// TestCommentForm_CrossOrigin: the form refuses posts from other sites'
// pages with 403, and stores nothing; same-origin posts, posts from the
// base URL's origin and posts without any browser header (curl) go through.
func TestCommentForm_CrossOrigin(t *testing.T) {
	s := newSite(t, testBase, submit.Config{})
	// httptest requests are to Host example.com.
	for _, tc := range []struct {
		name   string
		header []string
		status int
	}{
		{"no headers (curl)", nil, http.StatusSeeOther},
		{"same origin", []string{"Origin", "http://example.com"}, http.StatusSeeOther},
		{"base URL origin", []string{"Origin", testBase}, http.StatusSeeOther},
		{"Sec-Fetch-Site same-origin", []string{"Sec-Fetch-Site", "same-origin", "Origin", "https://example.com"}, http.StatusSeeOther},
		{"Sec-Fetch-Site none", []string{"Sec-Fetch-Site", "none"}, http.StatusSeeOther},
		{"same-host Referer", []string{"Referer", "http://example.com/posts/logbooks"}, http.StatusSeeOther},
		{"base URL Referer", []string{"Referer", testBase + "/posts/logbooks"}, http.StatusSeeOther},
		{"evil Origin", []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"null Origin", []string{"Origin", "null"}, http.StatusForbidden},
		{"evil Referer", []string{"Referer", "https://evil.example/page"}, http.StatusForbidden},
		{"Sec-Fetch-Site cross-site", []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"evil Origin, Sec-Fetch-Site cross-site", []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}, http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := lastChange(t, s.st)
			body := fields("author", "Origin Test", "content", "From "+tc.name+".").Encode()
			w := do(t, s.handler, "POST", "/posts/logbooks", body,
				append([]string{"Content-Type", "application/x-www-form-urlencoded"}, tc.header...)...)
			if w.Code != tc.status {
				t.Fatalf("POST = %d, want %d; body:\n%s", w.Code, tc.status, w.Body)
			}
			stored := lastChange(t, s.st) != before
			if tc.status == http.StatusForbidden {
				if stored {
					t.Error("a refused post was stored")
				}
				if !strings.Contains(w.Body.String(), "sent from another site") {
					t.Errorf("403 page does not say why:\n%s", w.Body)
				}
			} else if !stored {
				t.Error("an allowed post was not stored")
			}
		})
	}
}
