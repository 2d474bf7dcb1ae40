package api_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/feedd/feedd/internal/sitetest"
)

// TestAPI_BadInputPerRoute sends bad requests to every route of the API.
// Each must get the expected status and a JSON error naming what was
// wrong, and write nothing: the store's change log, which counts writes,
// must not move, nor the number of posts and comments.
//
// The store holds alpha (live, with comment a1; its reply a2 deleted) and
// beta (deleted, with its comment b1).
func TestAPI_BadInputPerRoute(t *testing.T) {
	auth := sitetest.AdminAuth
	jsonAuth := sitetest.WithJSON(sitetest.AdminAuth...)
	wrongToken := []string{"Authorization", "Bearer wrong-" + sitetest.Token}
	basic := []string{"Authorization", "Basic " + sitetest.Token}
	form := []string{"Content-Type", "application/x-www-form-urlencoded"}
	garbage := base64.RawURLEncoding.EncodeToString([]byte("not:a cursor"))
	huge := `{"title":"` + strings.Repeat("x", 20000) + `"}`

	type tc struct {
		name         string
		method, path string
		body         string
		header       []string
		want         int
		mention      string
	}
	routes := map[string][]tc{
		"GET /api/posts": {
			{"limit zero", "GET", "/api/posts?limit=0", "", nil, 400, "limit"},
			{"limit negative", "GET", "/api/posts?limit=-1", "", nil, 400, "limit"},
			{"limit word", "GET", "/api/posts?limit=abc", "", nil, 400, "limit"},
			{"limit fraction", "GET", "/api/posts?limit=1.5", "", nil, 400, "limit"},
			{"limit too big", "GET", "/api/posts?limit=1000", "", nil, 400, "limit"},
			{"limit empty", "GET", "/api/posts?limit=", "", nil, 400, "limit"},
			{"limit twice", "GET", "/api/posts?limit=1&limit=2", "", nil, 400, "limit"},
			{"cursor garbage", "GET", "/api/posts?cursor=garbage!", "", nil, 400, "cursor"},
			{"cursor not base64", "GET", "/api/posts?cursor=abc%2F%2B", "", nil, 400, "cursor"},
			{"malformed query", "GET", "/api/posts?cursor=%%%", "", nil, 400, "query"},
			{"cursor bad content", "GET", "/api/posts?cursor=" + garbage, "", nil, 400, "cursor"},
			{"cursor empty", "GET", "/api/posts?cursor=", "", nil, 400, "cursor"},
			{"wrong token", "GET", "/api/posts", "", wrongToken, 401, "token"},
		},
		"GET /api/posts/{post}": {
			{"unknown", "GET", "/api/posts/nope", "", nil, 404, "not found"},
			{"invalid id", "GET", "/api/posts/no%20pe", "", nil, 404, "post"},
			{"deleted", "GET", "/api/posts/beta", "", nil, 410, "beta"},
			{"wrong token", "GET", "/api/posts/alpha", "", wrongToken, 401, "token"},
		},
		"PATCH /api/posts/{post}": {
			{"empty title", "PATCH", "/api/posts/alpha", `{"title":"  "}`, jsonAuth, 400, "title"},
			{"title too long", "PATCH", "/api/posts/alpha", `{"title":"` + strings.Repeat("t", 301) + `"}`, jsonAuth, 400, "title"},
			{"empty content", "PATCH", "/api/posts/alpha", `{"content":""}`, jsonAuth, 400, "content"},
			{"bad format", "PATCH", "/api/posts/alpha", `{"format":"rst"}`, jsonAuth, 400, "format"},
			{"empty format", "PATCH", "/api/posts/alpha", `{"format":""}`, jsonAuth, 400, "format"},
			{"unknown field", "PATCH", "/api/posts/alpha", `{"title":"t","bogus":1}`, jsonAuth, 400, "bogus"},
			{"duplicate key", "PATCH", "/api/posts/alpha", `{"author_name":"a","author_name":"b"}`, jsonAuth, 400, `duplicate key "author_name"`},
			{"duplicate key by case", "PATCH", "/api/posts/alpha", `{"title":"a","TITLE":"b"}`, jsonAuth, 400, `duplicate key "TITLE"`},
			{"id is not editable", "PATCH", "/api/posts/alpha", `{"id":"other"}`, jsonAuth, 400, "id"},
			{"published is not editable", "PATCH", "/api/posts/alpha", `{"published":"2026-01-01T00:00:00Z"}`, jsonAuth, 400, "published"},
			{"wrong type", "PATCH", "/api/posts/alpha", `{"categories":"x"}`, jsonAuth, 400, "categories"},
			{"wrong type title", "PATCH", "/api/posts/alpha", `{"title":5}`, jsonAuth, 400, "title"},
			{"invalid UTF-8", "PATCH", "/api/posts/alpha", "{\"title\":\"a\xffb\"}", jsonAuth, 400, "UTF-8"},
			{"NUL", "PATCH", "/api/posts/alpha", `{"title":"a\u0000b"}`, jsonAuth, 400, "title"},
			{"NUL in content", "PATCH", "/api/posts/alpha", `{"content":"a\u0000b"}`, jsonAuth, 400, "content"},
			{"bad author_uri", "PATCH", "/api/posts/alpha", `{"author_uri":"javascript:alert(1)"}`, jsonAuth, 400, "author_uri"},
			{"empty category", "PATCH", "/api/posts/alpha", `{"categories":["a",""]}`, jsonAuth, 400, "categories"},
			{"nothing to change", "PATCH", "/api/posts/alpha", `{}`, jsonAuth, 400, "nothing to change"},
			{"only nulls", "PATCH", "/api/posts/alpha", `{"title":null}`, jsonAuth, 400, "nothing to change"},
			{"empty body", "PATCH", "/api/posts/alpha", ``, jsonAuth, 400, "body"},
			{"not an object", "PATCH", "/api/posts/alpha", `[]`, jsonAuth, 400, "object"},
			{"trailing data", "PATCH", "/api/posts/alpha", `{"title":"t"}{}`, jsonAuth, 400, "after"},
			{"body over limit", "PATCH", "/api/posts/alpha", huge, jsonAuth, 413, "body"},
			{"wrong content type", "PATCH", "/api/posts/alpha", `{"title":"t"}`, append(append([]string{}, auth...), "Content-Type", "text/plain"), 415, "Content-Type"},
			{"form", "PATCH", "/api/posts/alpha", `title=t`, append(append([]string{}, auth...), form...), 415, "Content-Type"},
			{"no token", "PATCH", "/api/posts/alpha", `{"title":"t"}`, sitetest.WithJSON(), 401, "token"},
			{"wrong token", "PATCH", "/api/posts/alpha", `{"title":"t"}`, sitetest.WithJSON(wrongToken...), 401, "token"},
			{"basic auth", "PATCH", "/api/posts/alpha", `{"title":"t"}`, sitetest.WithJSON(basic...), 401, "token"},
			{"unknown post", "PATCH", "/api/posts/nope", `{"title":"t"}`, jsonAuth, 404, "nope"},
			{"invalid post id", "PATCH", "/api/posts/a.b", `{"title":"t"}`, jsonAuth, 404, "post"},
			{"deleted post", "PATCH", "/api/posts/beta", `{"title":"t"}`, jsonAuth, 410, "beta"},
		},
		"DELETE /api/posts/{post}": {
			{"no token", "DELETE", "/api/posts/alpha", "", nil, 401, "token"},
			{"wrong token", "DELETE", "/api/posts/alpha", "", wrongToken, 401, "token"},
			{"unknown", "DELETE", "/api/posts/nope", "", auth, 404, "nope"},
			{"invalid id", "DELETE", "/api/posts/a%2Fb", "", auth, 404, "post"},
			{"deleted", "DELETE", "/api/posts/beta", "", auth, 410, "beta"},
		},
		"GET /api/posts/{post}/comments": {
			{"unknown", "GET", "/api/posts/nope/comments", "", nil, 404, "nope"},
			{"deleted", "GET", "/api/posts/beta/comments", "", nil, 410, "beta"},
			{"wrong token", "GET", "/api/posts/alpha/comments", "", wrongToken, 401, "token"},
		},
		"POST /api/posts/{post}/comments": {
			{"content too long", "POST", "/api/posts/alpha/comments", `{"author":"A","content":"` + strings.Repeat("é", 5001) + `"}`, sitetest.WithJSON(), 400, "content"},
			{"author too long", "POST", "/api/posts/alpha/comments", `{"author":"` + strings.Repeat("n", 81) + `","content":"hi"}`, sitetest.WithJSON(), 400, "author"},
			{"deleted post", "POST", "/api/posts/beta/comments", `{"author":"A","content":"hi"}`, sitetest.WithJSON(), 410, "beta"},
			{"deleted parent", "POST", "/api/posts/alpha/comments", `{"author":"A","content":"hi","parent_id":"a2"}`, sitetest.WithJSON(), 400, "parent_id"},
			{"parent of deleted post", "POST", "/api/posts/alpha/comments", `{"author":"A","content":"hi","parent_id":"b1"}`, sitetest.WithJSON(), 400, "parent_id"},
			{"wrong token", "POST", "/api/posts/alpha/comments", `{"author":"A","content":"hi"}`, sitetest.WithJSON(wrongToken...), 401, "token"},
			{"form missing author", "POST", "/api/posts/alpha/comments", `content=hi`, form, 400, "author"},
			{"form field twice", "POST", "/api/posts/alpha/comments", `author=A&content=hi&content=ho`, form, 400, "content"},
			{"form invalid UTF-8", "POST", "/api/posts/alpha/comments", `author=A&content=h%FFi`, form, 400, "UTF-8"},
			{"form malformed", "POST", "/api/posts/alpha/comments", `author=A&content=%zz`, form, 400, "form"},
			{"form NUL", "POST", "/api/posts/alpha/comments", `author=A&content=h%00i`, form, 400, "content"},
			{"form bad parent", "POST", "/api/posts/alpha/comments", `author=A&content=hi&parent_id=zzz`, form, 400, "parent_id"},
			{"form wrong charset", "POST", "/api/posts/alpha/comments", `author=A&content=hi`, []string{"Content-Type", "application/x-www-form-urlencoded; charset=iso-8859-1"}, 415, "charset"},
			{"honeypot with bad input", "POST", "/api/posts/alpha/comments", `{"author":"A","content":"","website":"http://spam"}`, sitetest.WithJSON(), 400, "content"},
		},
		"PATCH /api/comments/{comment}": {
			{"empty content", "PATCH", "/api/comments/a1", `{"content":"  "}`, jsonAuth, 400, "content"},
			{"NUL", "PATCH", "/api/comments/a1", `{"content":"a\u0000b"}`, jsonAuth, 400, "content"},
			{"invalid UTF-8", "PATCH", "/api/comments/a1", "{\"content\":\"a\xc3\"}", jsonAuth, 400, "UTF-8"},
			{"empty author", "PATCH", "/api/comments/a1", `{"author":""}`, jsonAuth, 400, "author"},
			{"newline in author", "PATCH", "/api/comments/a1", `{"author":"A\nB"}`, jsonAuth, 400, "author"},
			{"bad author_uri", "PATCH", "/api/comments/a1", `{"author_uri":"ftp://x"}`, jsonAuth, 400, "author_uri"},
			{"status is not editable", "PATCH", "/api/comments/a1", `{"status":"approved"}`, jsonAuth, 400, "status"},
			{"parent is not editable", "PATCH", "/api/comments/a1", `{"parent_id":"a2"}`, jsonAuth, 400, "parent_id"},
			{"wrong type", "PATCH", "/api/comments/a1", `{"content":["x"]}`, jsonAuth, 400, "content"},
			{"nothing to change", "PATCH", "/api/comments/a1", `{}`, jsonAuth, 400, "nothing to change"},
			{"empty body", "PATCH", "/api/comments/a1", ``, jsonAuth, 400, "body"},
			{"no token", "PATCH", "/api/comments/a1", `{"content":"x"}`, sitetest.WithJSON(), 401, "token"},
			{"wrong token", "PATCH", "/api/comments/a1", `{"content":"x"}`, sitetest.WithJSON(wrongToken...), 401, "token"},
			{"unknown", "PATCH", "/api/comments/nope", `{"content":"x"}`, jsonAuth, 404, "nope"},
			{"invalid id", "PATCH", "/api/comments/no%20pe", `{"content":"x"}`, jsonAuth, 404, "comment"},
			{"deleted", "PATCH", "/api/comments/a2", `{"content":"x"}`, jsonAuth, 410, "a2"},
			{"of a deleted post", "PATCH", "/api/comments/b1", `{"content":"x"}`, jsonAuth, 410, "b1"},
		},
		"DELETE /api/comments/{comment}": {
			{"twice", "DELETE", "/api/comments/a2", "", auth, 410, "a2"},
			{"of a deleted post", "DELETE", "/api/comments/b1", "", auth, 410, "b1"},
			{"unknown", "DELETE", "/api/comments/nope", "", auth, 404, "nope"},
			{"no token", "DELETE", "/api/comments/a1", "", nil, 401, "token"},
			{"wrong token", "DELETE", "/api/comments/a1", "", wrongToken, 401, "token"},
		},
		"POST /api/comments/{comment}/approve": {
			{"unknown", "POST", "/api/comments/nope/approve", "", auth, 404, "nope"},
			{"invalid id", "POST", "/api/comments/n%20pe/approve", "", auth, 404, "comment"},
			{"deleted", "POST", "/api/comments/a2/approve", "", auth, 410, "a2"},
			{"no token", "POST", "/api/comments/a1/approve", "", nil, 401, "token"},
			{"wrong token", "POST", "/api/comments/a1/approve", "", wrongToken, 401, "token"},
		},
		"POST /api/comments/{comment}/spam": {
			{"unknown", "POST", "/api/comments/nope/spam", "", auth, 404, "nope"},
			{"deleted", "POST", "/api/comments/a2/spam", "", auth, 410, "a2"},
			{"no token", "POST", "/api/comments/a1/spam", "", nil, 401, "token"},
			{"wrong token", "POST", "/api/comments/a1/spam", "", wrongToken, 401, "token"},
		},
	}
	for route, cases := range routes {
		t.Run(route, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					e := sitetest.New(t, sitetest.Options{MaxBodyBytes: 16384})
					ctx := context.Background()
					if _, err := e.DB.DeleteComment(ctx, "a2"); err != nil {
						t.Fatal(err)
					}
					if _, err := e.DB.DeletePost(ctx, "beta"); err != nil {
						t.Fatal(err)
					}
					seq := sitetest.LastChange(t, e.DB)
					np, nc := counts(t, e.DB)
					nAlpha := len(sitetest.AllComments(t, e.DB, "alpha"))

					w := sitetest.Do(t, e.Handler, tc.method, tc.path, tc.body, tc.header...)
					if w.Code != tc.want {
						t.Fatalf("status = %d, want %d; body %s", w.Code, tc.want, w.Body)
					}
					if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
						t.Errorf("Content-Type = %q", ct)
					}
					if msg := sitetest.JSONError(t, w); !strings.Contains(msg, tc.mention) {
						t.Errorf("error %q does not mention %q", msg, tc.mention)
					}
					if tc.want == 401 {
						if got := w.Header().Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
							t.Errorf("WWW-Authenticate = %q", got)
						}
						if strings.Contains(w.Body.String(), sitetest.Token) {
							t.Error("answer echoes the token")
						}
					}
					if got := sitetest.LastChange(t, e.DB); got != seq {
						t.Errorf("change log moved from %d to %d", seq, got)
					}
					np2, nc2 := counts(t, e.DB)
					if np2 != np || nc2 != nc || len(sitetest.AllComments(t, e.DB, "alpha")) != nAlpha {
						t.Errorf("store changed: %d posts, %d comments; was %d, %d", np2, nc2, np, nc)
					}
					// Bad requests are refused before the store is asked to
					// write; only the store knows what is missing or gone.
					if tc.want != 404 && tc.want != 410 && e.St.Writes() != 0 {
						t.Errorf("%d store writes attempted", e.St.Writes())
					}
				})
			}
		})
	}
}
