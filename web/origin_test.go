package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
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

// TestCommentForm_Email: the form's email field recognizes a returning
// commenter under first-time moderation; the name alone does not, and the
// address is never shown, not even back in the form after an error.
func TestCommentForm_Email(t *testing.T) {
	s := newSite(t, testBase, submit.Config{Moderation: submit.ModerationFirstTime})
	if f := formOf(t, parseHTML(t, do(t, s.handler, "GET", "/posts/logbooks", "").Body)); !f.fields.Has("email") {
		t.Fatalf("the form has no email field: %v", f.fields)
	}
	status := func(w *httptest.ResponseRecorder) string {
		t.Helper()
		if w.Code != http.StatusSeeOther {
			t.Fatalf("POST = %d %s", w.Code, w.Body)
		}
		if strings.Contains(w.Header().Get("Location"), "?held=") {
			return "held"
		}
		return "published"
	}
	post := func(kv ...string) *httptest.ResponseRecorder {
		return postForm(t, s.handler, "/posts/logbooks", fields(kv...))
	}
	loc := post("author", "Mairi", "email", "mairi@mail.example", "content", "First.").Header().Get("Location")
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/posts/logbooks?held="), "#comment-form")
	if _, err := s.st.UpdateComment(context.Background(), id, store.CommentUpdate{Status: ptrStatus(feed.StatusApproved)}); err != nil {
		t.Fatal(err)
	}
	if got := status(post("author", "Mairi", "content", "Known name, no address.")); got != "held" {
		t.Errorf("known name without the address: %s, want held", got)
	}
	if got := status(post("author", "Mairi", "email", "other@mail.example", "content", "Known name, other address.")); got != "held" {
		t.Errorf("known name with another address: %s, want held", got)
	}
	if got := status(post("author", "Mairi", "email", "Mairi@Mail.example", "content", "Right address.")); got != "published" {
		t.Errorf("known name with the address: %s, want published", got)
	}
	page := do(t, s.handler, "GET", "/posts/logbooks", "").Body.String()
	if strings.Contains(page, "mail.example") {
		t.Error("the page shows an e-mail address")
	}
	w := post("author", "Mairi", "email", "not an address", "content", "Bad address.")
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `id="email"`) || strings.Contains(w.Body.String(), "not an address") && !strings.Contains(w.Body.String(), "author_email: not an e-mail address") {
		t.Errorf("bad address = %d", w.Code)
	}
	if strings.Contains(strings.ReplaceAll(w.Body.String(), "author_email: not an e-mail address", ""), "not an address") {
		t.Error("the refused address is shown back")
	}
}

func ptrStatus(s feed.Status) *feed.Status { return &s }
