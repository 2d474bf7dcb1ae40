package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/feedd/feedd/server"
	"github.com/feedd/feedd/submit"
	"github.com/feedd/feedd/web"
)

const adminToken = "s3cret-admin-token-0123456789"

func newAdminSite(t testing.TB, token string) *site {
	t.Helper()
	return newSiteWith(t, testBase, submit.Config{}, web.Options{Title: siteTitle, AdminToken: token})
}

// signIn posts the token and returns the session cookie.
func signIn(t testing.TB, h http.Handler) *http.Cookie {
	t.Helper()
	w := postForm(t, h, "/admin/signin", url.Values{"token": {adminToken}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/admin/" {
		t.Fatalf("sign in: %d %q, want 303 to /admin/", w.Code, w.Header().Get("Location"))
	}
	cs := w.Result().Cookies()
	if len(cs) != 1 || cs[0].Name != "feedd_admin" || cs[0].Value == "" {
		t.Fatalf("sign in cookies: %v", cs)
	}
	c := cs[0]
	if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || c.Path != "/admin/" {
		t.Errorf("cookie %+v: want HttpOnly, Secure (https base), SameSite=Strict, Path=/admin/", c)
	}
	return c
}

// csrfOf returns the CSRF token of the inbox page.
func csrfOf(t testing.TB, body string) string {
	t.Helper()
	doc := parseHTML(t, strings.NewReader(body))
	for _, n := range findAll(doc, tagged("input")) {
		if attr(n, "name") == "csrf" && attr(n, "value") != "" {
			return attr(n, "value")
		}
	}
	t.Fatal("no csrf field on the inbox page")
	return ""
}

func inbox(t testing.TB, h http.Handler, c *http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	return do(t, h, "GET", "/admin/", "", "Cookie", c.String())
}

func TestAdminInbox_ApproveEndToEnd(t *testing.T) {
	s := newAdminSite(t, adminToken)
	h := s.handler

	// Without a session: the sign-in form with a labelled password field.
	w := do(t, h, "GET", "/admin/", "")
	if w.Code != http.StatusOK {
		t.Fatalf("GET /admin/ without session: %d", w.Code)
	}
	doc := parseHTML(t, w.Body)
	pw := findAll(doc, tagged("input", "type", "password"))
	if len(pw) != 1 || len(findAll(doc, tagged("label", "for", attr(pw[0], "id")))) != 1 {
		t.Fatal("sign-in form: want one password field with a label")
	}
	for k, v := range map[string]string{"Cache-Control": "no-store", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"} {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if !strings.Contains(w.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Error("CSP without frame-ancestors 'none'")
	}

	c := signIn(t, h)
	w = inbox(t, h, c)
	if w.Code != http.StatusOK {
		t.Fatalf("inbox: %d", w.Code)
	}
	body := w.Body.String()
	for _, want := range []string{"Waiting for review.", "Held", `href="/posts/logbooks"`, "What the logbooks remember",
		`action="/admin/comments/h1/approve"`, `action="/admin/comments/h1/spam"`, `action="/admin/comments/h1/delete"`,
		"1 pending", "Weather diaries too."} {
		if !strings.Contains(body, want) {
			t.Errorf("inbox lacks %q", want)
		}
	}
	csrf := csrfOf(t, body)

	atom := do(t, h, "GET", "/feeds/posts/logbooks/comments.atom", "")
	if strings.Contains(atom.Body.String(), "Waiting for review.") {
		t.Fatal("pending comment in the thread feed before approval")
	}
	w = do(t, h, "POST", "/admin/comments/h1/approve", url.Values{"csrf": {csrf}}.Encode(),
		"Content-Type", "application/x-www-form-urlencoded", "Cookie", c.String())
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/admin/" {
		t.Fatalf("approve: %d %q, want 303 to /admin/", w.Code, w.Header().Get("Location"))
	}
	atom = do(t, h, "GET", "/feeds/posts/logbooks/comments.atom", "")
	if atom.Code != http.StatusOK || !strings.Contains(atom.Body.String(), "Waiting for review.") {
		t.Fatalf("thread feed after approval: %d, lacks the approved comment", atom.Code)
	}
	if strings.Contains(inbox(t, h, c).Body.String(), "0 pending") == false {
		t.Error("inbox after approval: want 0 pending")
	}

	// Delete an approved comment; then sign out.
	w = do(t, h, "POST", "/admin/comments/c4/delete", url.Values{"csrf": {csrf}}.Encode(),
		"Content-Type", "application/x-www-form-urlencoded", "Cookie", c.String())
	if w.Code != http.StatusSeeOther {
		t.Fatalf("delete: %d", w.Code)
	}
	if strings.Contains(do(t, h, "GET", "/feeds/posts/logbooks/comments.atom", "").Body.String(), "Weather diaries too.") {
		t.Error("deleted comment still in the thread feed")
	}
	w = do(t, h, "POST", "/admin/signout", url.Values{"csrf": {csrf}}.Encode(),
		"Content-Type", "application/x-www-form-urlencoded", "Cookie", c.String())
	if w.Code != http.StatusSeeOther {
		t.Fatalf("sign out: %d", w.Code)
	}
	if w := inbox(t, h, c); w.Code != http.StatusOK || strings.Contains(w.Body.String(), "csrf") {
		t.Error("after sign out the old cookie still opens the inbox")
	}
	// The moderation feed's route is untouched by the inbox.
	if w := do(t, h, "GET", "/admin/feed/nope.atom", ""); w.Code != http.StatusNotFound {
		t.Errorf("GET /admin/feed/nope.atom: %d, want 404", w.Code)
	}
	key, err := s.st.Secret(context.Background(), server.ModerationSecret, false)
	if err != nil {
		t.Fatal(err)
	}
	if w := do(t, h, "GET", "/admin/feed/"+key+".atom", ""); w.Code != http.StatusOK ||
		!strings.Contains(w.Header().Get("Content-Type"), "atom") {
		t.Errorf("GET the moderation feed: %d %q, want 200 Atom", w.Code, w.Header().Get("Content-Type"))
	}
}

func TestAdminInbox_BadInputs(t *testing.T) {
	s := newAdminSite(t, adminToken)
	h := s.handler
	c := signIn(t, h)
	csrf := csrfOf(t, inbox(t, h, c).Body.String())
	form := "application/x-www-form-urlencoded"
	good := url.Values{"csrf": {csrf}}.Encode()
	unknown := (&http.Cookie{Name: "feedd_admin", Value: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}).String()

	var bodies []string
	for _, tc := range []struct {
		name, method, target, body, cookie string
		want                               int
	}{
		{"no session GET", "GET", "/admin/comments/h1/approve", "", "", http.StatusMethodNotAllowed},
		{"GET on action with session", "GET", "/admin/comments/h1/approve", "", c.String(), http.StatusMethodNotAllowed},
		{"no session POST", "POST", "/admin/comments/h1/approve", good, "", http.StatusForbidden},
		{"unknown session", "POST", "/admin/comments/h1/approve", good, unknown, http.StatusForbidden},
		{"wrong token", "POST", "/admin/signin", "token=wrong-token-but-long-enough", "", http.StatusForbidden},
		{"empty token", "POST", "/admin/signin", "token=", "", http.StatusForbidden},
		{"missing csrf", "POST", "/admin/comments/h1/approve", "", c.String(), http.StatusForbidden},
		{"wrong csrf", "POST", "/admin/comments/h1/approve", "csrf=nope", c.String(), http.StatusForbidden},
		{"sign out without csrf", "POST", "/admin/signout", "", c.String(), http.StatusForbidden},
		{"unknown comment", "POST", "/admin/comments/nope/approve", good, c.String(), http.StatusNotFound},
		{"unknown action", "POST", "/admin/comments/h1/publish", good, c.String(), http.StatusNotFound},
		{"inbox without session", "GET", "/admin/", "", unknown, http.StatusOK},
		{"cross-origin sign in", "POST", "/admin/signin", "token=" + adminToken, "", http.StatusForbidden},
		{"cross-origin action", "POST", "/admin/comments/h1/approve", good, c.String(), http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hd := []string{"Content-Type", form}
			if tc.cookie != "" {
				hd = append(hd, "Cookie", tc.cookie)
			}
			if strings.HasPrefix(tc.name, "cross-origin") {
				hd = append(hd, "Origin", "https://evil.example.net", "Sec-Fetch-Site", "cross-site")
			}
			w := do(t, h, tc.method, tc.target, tc.body, hd...)
			if w.Code != tc.want {
				t.Fatalf("%s %s: %d, want %d", tc.method, tc.target, w.Code, tc.want)
			}
			if len(w.Result().Cookies()) != 0 {
				t.Errorf("sets cookies %v", w.Result().Cookies())
			}
			bodies = append(bodies, w.Body.String())
			if tc.name == "inbox without session" && strings.Contains(w.Body.String(), "Waiting for review.") {
				t.Error("inbox shown without a session")
			}
		})
	}
	// No bad request moderated anything.
	if !strings.Contains(inbox(t, h, c).Body.String(), "1 pending") {
		t.Error("a refused request changed the pending comment")
	}

	t.Run("inbox off without a token", func(t *testing.T) {
		off := newAdminSite(t, "").handler
		for _, r := range [][2]string{{"GET", "/admin/"}, {"POST", "/admin/signin"}, {"POST", "/admin/comments/h1/approve"}} {
			if w := do(t, off, r[0], r[1], "token=", "Content-Type", form); w.Code != http.StatusNotFound {
				t.Errorf("%s %s: %d, want 404", r[0], r[1], w.Code)
			}
		}
	})

	for _, b := range append(bodies, inbox(t, h, c).Body.String(), do(t, h, "GET", "/admin/", "").Body.String()) {
		if strings.Contains(b, adminToken) {
			t.Fatal("the admin token appears in a response body")
		}
	}
}
