package server_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/httpjson"
	"github.com/feedd/feedd/submit"
)

// submitForm calls Submit with a form body, as the HTML form does.
func submitForm(t *testing.T, e *env, postID string, form url.Values) (submit.Input, *feed.Comment, error) {
	t.Helper()
	req := httptest.NewRequest("POST", "/posts/"+url.PathEscape(postID), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = "192.0.2.7:1234"
	in, c, re := e.comments.Submit(httptest.NewRecorder(), req, postID)
	if re != nil {
		return in, c, re
	}
	return in, c, nil
}

func TestSubmitComment(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *stackConfig) {
		c.Comments.CommentRate, c.Comments.CommentBurst = 1, 1
		c.Comments.Moderation = submit.ModerationNone
	}})
	form := url.Values{"author": {"Form Reader"}, "content": {"Hello from a form."}, "parent_id": {"a1"}}

	t.Run("OK", func(t *testing.T) {
		in, c, err := submitForm(t, e, "alpha", form)
		if err != nil {
			t.Fatal(err)
		}
		if c.ID == "" || c.Status != feed.StatusApproved || c.ParentID != "a1" || c.Depth != 1 {
			t.Errorf("comment = %+v", c)
		}
		if in != (submit.Input{Author: "Form Reader", Content: "Hello from a form.", ParentID: "a1"}) {
			t.Errorf("input = %+v", in)
		}
		// The cached thread feed was invalidated, as by the API.
		if body := do(t, e.handler, "GET", "/feeds/posts/alpha/comments.atom", "").Body.String(); !strings.Contains(body, "Hello from a form.") {
			t.Error("the thread feed lacks the comment")
		}
	})

	t.Run("rate limit shared with the API", func(t *testing.T) {
		// The bucket of this client is empty: the API refuses too.
		w := doFrom(t, e.handler, "192.0.2.7:999", "POST", "/api/posts/alpha/comments", `{"author":"A","content":"b"}`, withJSON()...)
		if w.Code != http.StatusTooManyRequests {
			t.Fatalf("API POST = %d", w.Code)
		}
		before := lastChange(t, e.db)
		in, c, err := submitForm(t, e, "alpha", form)
		var re *httpjson.RequestError
		if c != nil || !errors.As(err, &re) || re.Status != http.StatusTooManyRequests || re.RetryAfter < 1 ||
			!strings.HasPrefix(re.Message, "too many comments") {
			t.Fatalf("SubmitComment = %+v, %v", c, err)
		}
		if in.Content != "Hello from a form." {
			t.Errorf("refused input not returned: %+v", in)
		}
		if lastChange(t, e.db) != before {
			t.Error("the store was written")
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		for _, id := range []string{"nope", "bad id"} {
			_, _, err := submitForm(t, newEnv(t, envOptions{}), id, url.Values{"author": {"A"}, "content": {"b"}})
			var re *httpjson.RequestError
			if !errors.As(err, &re) || re.Status != http.StatusNotFound {
				t.Errorf("post %q: %v", id, err)
			}
		}
	})
}

func TestCommentRules(t *testing.T) {
	got := newEnv(t, envOptions{config: func(c *stackConfig) { c.Comments.HoneypotField = "hp"; c.Comments.MaxDepth = 4 }}).comments.Rules()
	want := submit.Rules{HoneypotField: "hp", MaxCommentLength: submit.DefaultMaxCommentLength,
		MaxAuthorLength: submit.DefaultMaxAuthorLength, MaxDepth: 4}
	if got != want {
		t.Errorf("CommentRules() = %+v, want %+v", got, want)
	}
}

func TestSetPages(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, path := range []string{"/", "/posts/alpha", "/static/x.css"} {
		if w := do(t, e.handler, "GET", path, ""); w.Code != http.StatusNotFound {
			t.Errorf("GET %s without pages = %d", path, w.Code)
		}
	}
	var got []string
	e.srv.SetPages(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.Path)
	}))
	for _, mp := range [][2]string{{"GET", "/"}, {"GET", "/posts/alpha"}, {"POST", "/posts/alpha"}, {"GET", "/static/x.css"}, {"GET", "/feeds/posts.atom"}, {"GET", "/other"}} {
		do(t, e.handler, mp[0], mp[1], "")
	}
	if want := "GET /|GET /posts/alpha|POST /posts/alpha|GET /static/x.css"; strings.Join(got, "|") != want {
		t.Errorf("pages got %q, want %q", strings.Join(got, "|"), want)
	}
}
