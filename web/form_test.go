package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	nethtml "golang.org/x/net/html"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/submit"
)

// fields returns form values of the comment form.
func fields(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func TestCommentForm_Approved(t *testing.T) {
	s := newSite(t, testBase, submit.Config{})
	// Fill in the form as the page serves it, and send it to its action,
	// as a browser does.
	page := parseHTML(t, do(t, s.handler, "GET", "/posts/logbooks?reply=c2", "").Body)
	f := formOf(t, page)
	if f.action != "/posts/logbooks#comment-form" {
		t.Fatalf("form action = %q", f.action)
	}
	f.fields.Set("author", "Form Reader")
	f.fields.Set("content", "First line.\n\nSecond paragraph, https://example.org/x")
	w := postForm(t, s.handler, f.action, f.fields)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("POST = %d %s", w.Code, w.Body)
	}
	loc := w.Header().Get("Location")
	id, ok := strings.CutPrefix(loc, "/posts/logbooks#comment-")
	if !ok || !feed.ValidID(id) {
		t.Fatalf("Location = %q, want /posts/logbooks#comment-{id}", loc)
	}
	c, err := s.st.Comment(context.Background(), id)
	if err != nil || c.ParentID != "c2" || c.Status != feed.StatusApproved || c.AuthorName != "Form Reader" {
		t.Fatalf("stored comment = %+v, %v", c, err)
	}
	// The redirect's page shows it, nested under its parent.
	doc := parseHTML(t, do(t, s.handler, "GET", "/posts/logbooks", "").Body)
	if got, want := threadShape(byID(doc, "comments").Parent), "c1(c2(c3 "+id+")) c4 c6"; got != want {
		t.Errorf("thread = %s, want %s", got, want)
	}
	body := findAll(byID(doc, "comment-"+id), tagged("div", "class", "comment-body"))[0]
	if got, want := innerHTML(t, body), `<p>First line.</p>`; !strings.Contains(got, want) || !strings.Contains(got, `rel="nofollow ugc"`) {
		t.Errorf("comment body = %s", got)
	}
	// And the thread feed has it: the form invalidated the cached feed.
	if atom := do(t, s.handler, "GET", "/feeds/posts/logbooks/comments.atom", "").Body.String(); !strings.Contains(atom, s.r.CommentURL("logbooks", id)) {
		t.Error("the thread feed lacks the new comment")
	}
}

func TestCommentForm_Held(t *testing.T) {
	s := newSite(t, testBase, submit.Config{Moderation: submit.ModerationAll})
	w := postForm(t, s.handler, "/posts/logbooks", fields("author", "New Reader", "content", "Held, surely."))
	loc := w.Header().Get("Location")
	id, ok := strings.CutPrefix(loc, "/posts/logbooks?held=")
	id, ok2 := strings.CutSuffix(id, "#comment-form")
	if w.Code != http.StatusSeeOther || !ok || !ok2 || !feed.ValidID(id) {
		t.Fatalf("POST = %d, Location %q", w.Code, loc)
	}
	if c, err := s.st.Comment(context.Background(), id); err != nil || c.Status != feed.StatusPending {
		t.Fatalf("stored comment = %+v, %v", c, err)
	}
	w = do(t, s.handler, "GET", loc, "")
	doc := parseHTML(t, w.Body)
	notice := findAll(doc, tagged("p", "class", "notice"))
	if len(notice) != 1 || !strings.Contains(text(notice[0]), "awaits moderation") {
		t.Error("the page does not say the comment awaits moderation")
	}
	if byID(doc, "comment-"+id) != nil || strings.Contains(w.Body.String(), "Held, surely.") {
		t.Error("the held comment is shown")
	}
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control of the thank-you page = %q", cc)
	}
}

func TestCommentForm_Refused(t *testing.T) {
	long := strings.Repeat("x", submit.DefaultMaxCommentLength+1)
	for _, tc := range []struct {
		name        string
		path        string
		contentType string // default: a form
		form        url.Values
		status      int
		message     string // on the page, next to the form
		field       string // marked aria-invalid
		noRefill    bool   // the body is malformed: no fields to refill
	}{
		{"empty author", "", "", fields("author", " ", "content", "Hi"), 400, "author: required", "author", false},
		{"empty content", "", "", fields("author", "Ann", "content", "  \n "), 400, "content: required", "content", false},
		{"content too long", "", "", fields("author", "Ann", "content", long), 400, "content: longer than 5000 characters", "content", false},
		{"author too long", "", "", fields("author", strings.Repeat("A", 81), "content", "Hi"), 400, "author: longer than 80 characters", "author", false},
		{"bad author_uri", "", "", fields("author", "Ann", "author_uri", "javascript:alert(1)", "content", "Hi"), 400, "author_uri: must be an absolute http, https or mailto URL", "author_uri", false},
		{"unknown parent", "", "", fields("author", "Ann", "content", "Hi", "parent_id", "nope"), 400, `parent_id: no comment "nope" on this post to reply to`, "", false},
		{"held parent", "", "", fields("author", "Ann", "content", "Hi", "parent_id", "h1"), 400, `parent_id: no comment "h1" on this post to reply to`, "", false},
		{"field twice", "", "", url.Values{"author": {"A", "B"}, "content": {"Hi"}}, 400, "author: given more than once", "author", true},
		{"multipart", "", "multipart/form-data; boundary=x", fields("author", "Ann", "content", "Hi"), 415, "Content-Type: must be application/json or application/x-www-form-urlencoded", "", true},
		{"control character", "", "", fields("author", "Ann", "content", "bell\a"), 400, "content: contains control character U+0007", "content", false},
		{"unknown post", "/posts/nope", "", fields("author", "Ann", "content", "Hi"), 404, "", "", false},
		{"deleted post", "/posts/deleted", "", fields("author", "Ann", "content", "Hi"), 410, "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSite(t, testBase, submit.Config{})
			before := lastChange(t, s.st)
			path := tc.path
			if path == "" {
				path = "/posts/logbooks"
			}
			ct := tc.contentType
			if ct == "" {
				ct = "application/x-www-form-urlencoded"
			}
			w := do(t, s.handler, "POST", path, tc.form.Encode(), "Content-Type", ct)
			if w.Code != tc.status || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
				t.Fatalf("POST = %d %s, want %d; body:\n%s", w.Code, w.Header().Get("Content-Type"), tc.status, w.Body)
			}
			if after := lastChange(t, s.st); after != before {
				t.Errorf("the store was written: change log %d -> %d", before, after)
			}
			if tc.message == "" {
				return // the 404 or 410 page
			}
			if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q", cc)
			}
			doc := parseHTML(t, w.Body)
			msg := byID(doc, "comment-error")
			if msg == nil || !strings.Contains(text(msg), tc.message) || attr(msg, "role") != "alert" {
				t.Fatalf("the page does not show %q next to the form", tc.message)
			}
			if msg.Parent != byID(doc, "comment-form") {
				t.Error("the error is not next to the form")
			}
			// The fields come back as they were sent.
			got := formOf(t, doc).fields
			for _, k := range []string{"author", "author_uri", "content"} {
				if want := tc.form.Get(k); !tc.noRefill && got.Get(k) != want {
					t.Errorf("field %s refilled with %q, want %q", k, got.Get(k), want)
				}
			}
			if got.Get("parent_id") != "" {
				t.Errorf("parent_id refilled with %q, which cannot be replied to", got.Get("parent_id"))
			}
			for _, in := range findAll(doc, func(n *nethtml.Node) bool { return hasAttr(n, "aria-invalid") }) {
				if attr(in, "name") != tc.field {
					t.Errorf("field %s marked invalid, want %q", attr(in, "name"), tc.field)
				}
			}
			if tc.field != "" && len(findAll(doc, tagged(fieldTag(tc.field), "name", tc.field, "aria-invalid", "true"))) != 1 {
				t.Errorf("field %s not marked invalid", tc.field)
			}
		})
	}
}

func fieldTag(name string) string {
	if name == "content" {
		return "textarea"
	}
	return "input"
}

func TestCommentForm_Honeypot(t *testing.T) {
	s := newSite(t, testBase, submit.Config{HoneypotField: "homepage"})
	before := lastChange(t, s.st)
	w := postForm(t, s.handler, "/posts/logbooks", fields("author", "Bot", "content", "Buy now", "homepage", "https://spam.example/"))
	// It looks like a comment held for review, and nothing is stored.
	loc := w.Header().Get("Location")
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/posts/logbooks?held=") || !strings.HasSuffix(loc, "#comment-form") {
		t.Fatalf("POST = %d, Location %q", w.Code, loc)
	}
	if after := lastChange(t, s.st); after != before {
		t.Errorf("the store was written: change log %d -> %d", before, after)
	}
	cs, err := s.st.Comments(context.Background(), store.CommentFilter{PostID: "logbooks", Statuses: []feed.Status{feed.StatusPending}})
	if err != nil || len(cs) != 1 || cs[0].ID != "h1" {
		t.Errorf("held comments = %v, %v; want h1 alone", cs, err)
	}
	// The page names the configured field.
	doc := parseHTML(t, do(t, s.handler, "GET", loc, "").Body)
	if len(findAll(doc, tagged("input", "name", "homepage", "tabindex", "-1"))) != 1 {
		t.Error("the form lacks the configured honeypot field")
	}
}

func TestCommentForm_RateLimit(t *testing.T) {
	// One comment a minute: the form and the API draw on one bucket.
	s := newSite(t, testBase, submit.Config{CommentRate: 1, CommentBurst: 1})
	w := do(t, s.handler, "POST", "/api/posts/logbooks/comments", `{"author":"Ann","content":"Through the API."}`,
		"Content-Type", "application/json")
	if w.Code != http.StatusCreated {
		t.Fatalf("API POST = %d %s", w.Code, w.Body)
	}
	before := lastChange(t, s.st)
	form := fields("author", "Ann", "content", "Through the form, too soon.")
	w = postForm(t, s.handler, "/posts/logbooks", form)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Fatalf("form POST = %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	if after := lastChange(t, s.st); after != before {
		t.Errorf("the store was written: change log %d -> %d", before, after)
	}
	doc := parseHTML(t, w.Body)
	if msg := byID(doc, "comment-error"); msg == nil || !strings.Contains(text(msg), "too many comments: try again in") {
		t.Error("the page does not say the client is over the rate")
	}
	if got := formOf(t, doc).fields.Get("content"); got != form.Get("content") {
		t.Errorf("content refilled with %q", got)
	}
}
