package api_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/httpjson"
	"github.com/feedd/feedd/internal/sitetest"
	"github.com/feedd/feedd/submit"
)

// submitForm calls Submit with a form body, as the HTML form does.
func submitForm(t *testing.T, e *sitetest.Env, postID string, form url.Values) (submit.Input, *feed.Comment, error) {
	t.Helper()
	req := httptest.NewRequest("POST", "/posts/"+url.PathEscape(postID), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = "192.0.2.7:1234"
	in, c, re := e.Comments.Submit(httptest.NewRecorder(), req, postID)
	if re != nil {
		return in, c, re
	}
	return in, c, nil
}

func TestSubmitComment(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{Config: func(c *sitetest.Config) {
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
		if body := sitetest.Do(t, e.Handler, "GET", "/feeds/posts/alpha/comments.atom", "").Body.String(); !strings.Contains(body, "Hello from a form.") {
			t.Error("the thread feed lacks the comment")
		}
	})

	t.Run("rate limit shared with the API", func(t *testing.T) {
		// The bucket of this client is empty: the API refuses too.
		w := sitetest.DoFrom(t, e.Handler, "192.0.2.7:999", "POST", "/api/posts/alpha/comments", `{"author":"A","content":"b"}`, sitetest.WithJSON()...)
		if w.Code != http.StatusTooManyRequests {
			t.Fatalf("API POST = %d", w.Code)
		}
		before := sitetest.LastChange(t, e.DB)
		in, c, err := submitForm(t, e, "alpha", form)
		var re *httpjson.RequestError
		if c != nil || !errors.As(err, &re) || re.Status != http.StatusTooManyRequests || re.RetryAfter < 1 ||
			!strings.HasPrefix(re.Message, "too many comments") {
			t.Fatalf("SubmitComment = %+v, %v", c, err)
		}
		if in.Content != "Hello from a form." {
			t.Errorf("refused input not returned: %+v", in)
		}
		if sitetest.LastChange(t, e.DB) != before {
			t.Error("the store was written")
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		for _, id := range []string{"nope", "bad id"} {
			_, _, err := submitForm(t, sitetest.New(t, sitetest.Options{}), id, url.Values{"author": {"A"}, "content": {"b"}})
			var re *httpjson.RequestError
			if !errors.As(err, &re) || re.Status != http.StatusNotFound {
				t.Errorf("post %q: %v", id, err)
			}
		}
	})
}

func TestCommentRules(t *testing.T) {
	got := sitetest.New(t, sitetest.Options{Config: func(c *sitetest.Config) { c.Comments.HoneypotField = "hp"; c.Comments.MaxDepth = 4 }}).Comments.Rules()
	want := submit.Rules{HoneypotField: "hp", MaxCommentLength: submit.DefaultMaxCommentLength,
		MaxAuthorLength: submit.DefaultMaxAuthorLength, MaxDepth: 4}
	if got != want {
		t.Errorf("CommentRules() = %+v, want %+v", got, want)
	}
}
