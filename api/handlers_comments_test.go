package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/sitetest"
	"github.com/feedd/feedd/internal/testutil"
	"github.com/feedd/feedd/submit"
)

type thread struct {
	PostID   string             `json:"post_id"`
	Comments []sitetest.Comment `json:"comments"`
}

func TestThread_API(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	ctx := context.Background()
	for _, c := range []feed.Comment{
		{ID: "p1", PostID: "alpha", AuthorName: "Pat", Content: "pending remark", Status: feed.StatusPending, Published: sitetest.Date("2026-03-06T10:00:00Z")},
		{ID: "s1", PostID: "alpha", AuthorName: "Sam", Content: "spam remark", Status: feed.StatusSpam, Published: sitetest.Date("2026-03-07T10:00:00Z")},
	} {
		if err := e.DB.CreateComment(ctx, &c); err != nil {
			t.Fatal(err)
		}
	}

	w := sitetest.Do(t, e.Handler, "GET", "/api/posts/alpha/comments", "")
	pub := sitetest.Decode[thread](t, w, 200)
	if pub.PostID != "alpha" || len(pub.Comments) != 2 || pub.Comments[0].ID != "a1" || pub.Comments[1].ID != "a2" {
		t.Fatalf("public thread = %+v, want a1 then a2", pub)
	}
	a1, a2 := pub.Comments[0], pub.Comments[1]
	if a1.ParentID != nil || a2.ParentID == nil || *a2.ParentID != "a1" || a1.Depth != 0 || a2.Depth != 1 {
		t.Errorf("parents and depths: a1 %v/%d, a2 %v/%d", a1.ParentID, a1.Depth, a2.ParentID, a2.Depth)
	}
	if a1.Status != feed.StatusApproved || a1.URL != sitetest.BaseURL+"/posts/alpha#comment-a1" || a1.ContentHTML == "" || a1.Author != "Bob" {
		t.Errorf("a1 = %+v", a1)
	}
	if !strings.Contains(w.Body.String(), `"parent_id":null`) {
		t.Error("a comment on the post has no parent_id: null")
	}
	if sitetest.HasKey(t, w.Body.Bytes(), "content") || strings.Contains(w.Body.String(), "remark") {
		t.Errorf("public thread shows raw content or held comments: %s", w.Body)
	}

	adm := sitetest.Decode[thread](t, sitetest.Do(t, e.Handler, "GET", "/api/posts/alpha/comments", "", sitetest.AdminAuth...), 200)
	var ids, statuses []string
	for _, c := range adm.Comments {
		ids = append(ids, c.ID)
		statuses = append(statuses, string(c.Status))
		if c.Content == nil {
			t.Errorf("admin view of %s lacks the raw content", c.ID)
		}
	}
	if got := strings.Join(ids, ","); got != "a1,a2,p1,s1" {
		t.Errorf("admin thread %s, want a1,a2,p1,s1", got)
	}
	if got := strings.Join(statuses, ","); got != "approved,approved,pending,spam" {
		t.Errorf("admin statuses %s", got)
	}

	// A post without comments has an empty list, not null.
	if _, err := e.DB.DeleteComment(ctx, "b1"); err != nil {
		t.Fatal(err)
	}
	if w := sitetest.Do(t, e.Handler, "GET", "/api/posts/beta/comments", ""); !strings.Contains(w.Body.String(), `"comments":[]`) {
		t.Errorf("empty thread = %s", w.Body)
	}
}

func TestUpdateComment_OK(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	before := sitetest.Decode[thread](t, sitetest.Do(t, e.Handler, "GET", "/api/posts/alpha/comments", ""), 200).Comments[0]
	w := sitetest.Do(t, e.Handler, "PATCH", "/api/comments/a1", `{"content":"first on alpha, edited","author":" Robert "}`, sitetest.AdminAuth...)
	c := sitetest.Decode[sitetest.Comment](t, w, 200)
	if c.ID != "a1" || c.PostID != "alpha" || c.Author != "Robert" || c.Content == nil || *c.Content != "first on alpha, edited" {
		t.Errorf("edited = %+v", c)
	}
	if !c.Published.Equal(before.Published) || !c.Updated.After(before.Updated) {
		t.Errorf("published %v → %v, updated %v → %v", before.Published, c.Published, before.Updated, c.Updated)
	}
	if body := sitetest.Do(t, e.Handler, "GET", "/feeds/posts/alpha/comments.atom", "").Body.String(); !strings.Contains(body, "first on alpha, edited") {
		t.Error("thread feed lacks the edit")
	}
}

func TestDeleteComment_Twice(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	if w := sitetest.Do(t, e.Handler, "DELETE", "/api/comments/a1", "", sitetest.AdminAuth...); w.Code != 204 {
		t.Fatalf("DELETE = %d %s", w.Code, w.Body)
	}
	if w := sitetest.Do(t, e.Handler, "DELETE", "/api/comments/a1", "", sitetest.AdminAuth...); w.Code != 410 {
		t.Errorf("second DELETE = %d, want 410", w.Code)
	}
	// Its reply stays.
	th := sitetest.Decode[thread](t, sitetest.Do(t, e.Handler, "GET", "/api/posts/alpha/comments", ""), 200)
	if len(th.Comments) != 1 || th.Comments[0].ID != "a2" {
		t.Errorf("thread after delete: %+v", th.Comments)
	}
}

func TestCreateComment_Form(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	form := url.Values{
		"author":     {"Form Filler"},
		"author_uri": {"https://filler.example"},
		"content":    {"posted from a form, with <b>markup</b> & all"},
		"parent_id":  {"a1"},
		"submit":     {"Send"}, // fields of the form's own are ignored
	}.Encode()
	w := sitetest.DoFrom(t, e.Handler, "192.0.2.7:5000", "POST", "/api/posts/alpha/comments", form,
		"Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
	c := sitetest.Decode[sitetest.Comment](t, w, 201)
	if c.Author != "Form Filler" || c.ParentID == nil || *c.ParentID != "a1" || c.Depth != 1 || c.Status != feed.StatusApproved {
		t.Errorf("comment = %+v", c)
	}
	stored, err := e.DB.Comment(context.Background(), c.ID)
	if err != nil || stored.Content != "posted from a form, with <b>markup</b> & all" {
		t.Errorf("stored = %+v, %v", stored, err)
	}
	if c.Content != nil {
		t.Error("public answer shows the raw content")
	}
}

func TestCreateComment_Honeypot(t *testing.T) {
	var logs testutil.LogBuffer
	e := sitetest.New(t, sitetest.Options{})
	srv, _ := sitetest.NewStack(e.St, e.Cache, e.R, sitetest.Config{AdminToken: sitetest.Token, Comments: submit.Config{CommentRate: -1, Moderation: submit.ModerationNone}},
		slog.New(slog.NewTextHandler(&logs, nil)))
	h := srv.Handler()

	// What a comment held for review looks like, for comparison.
	held := sitetest.New(t, sitetest.Options{Config: func(c *sitetest.Config) { c.Comments.Moderation = submit.ModerationAll }})
	real := held.Handler
	realW := sitetest.Do(t, real, "POST", "/api/posts/alpha/comments", `{"author":"Bot","content":"buy now"}`, "Content-Type", "application/json")
	if realW.Code != 202 {
		t.Fatalf("held comment = %d", realW.Code)
	}

	for _, tc := range []struct {
		name, body, ct string
	}{
		{"json", `{"author":"Bot","content":"buy now","website":"http://spam.example"}`, "application/json"},
		{"json other case", `{"author":"Bot","content":"buy now","WebSite":"x"}`, "application/json"},
		{"json not a string", `{"author":"Bot","content":"buy now","website":1}`, "application/json"},
		{"form", `author=Bot&content=buy+now&website=http%3A%2F%2Fspam.example`, "application/x-www-form-urlencoded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seq := sitetest.LastChange(t, e.DB)
			n := len(sitetest.AllComments(t, e.DB, "alpha"))
			w := sitetest.Do(t, h, "POST", "/api/posts/alpha/comments", tc.body, "Content-Type", tc.ct)
			c := sitetest.Decode[sitetest.Comment](t, w, 202)
			if c.Status != feed.StatusPending || !feed.ValidID(c.ID) || c.Author != "Bot" || c.PostID != "alpha" {
				t.Errorf("fake comment = %+v", c)
			}
			if got, want := keysOf(t, w.Body.Bytes()), keysOf(t, realW.Body.Bytes()); got != want {
				t.Errorf("fake answer has keys %s, a real held comment %s", got, want)
			}
			if w.Header().Get("Location") != "" {
				t.Error("fake answer has a Location")
			}
			if sitetest.LastChange(t, e.DB) != seq || len(sitetest.AllComments(t, e.DB, "alpha")) != n || e.St.Writes() != 0 {
				t.Error("the honeypot comment was stored")
			}
		})
	}
	if out := logs.String(); !strings.Contains(out, "honeypot") || !strings.Contains(out, "level=INFO") {
		t.Errorf("log lacks the honeypot line at info:\n%s", out)
	}

	// Empty honeypot fields are what people send.
	for _, body := range []string{
		`{"author":"Person","content":"hello","website":""}`,
		`{"author":"Person","content":"hello","website":null}`,
	} {
		if w := sitetest.Do(t, h, "POST", "/api/posts/alpha/comments", body, "Content-Type", "application/json"); w.Code != 201 {
			t.Errorf("%s = %d %s, want 201", body, w.Code, w.Body)
		}
	}
	if w := sitetest.Do(t, h, "POST", "/api/posts/alpha/comments", "author=Person&content=hi&website=", "Content-Type", "application/x-www-form-urlencoded"); w.Code != 201 {
		t.Errorf("form with empty honeypot = %d %s", w.Code, w.Body)
	}
}

// keysOf returns the sorted top-level keys of a JSON object.
func keysOf(t *testing.T, body []byte) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	return strings.Join(slices.Sorted(maps.Keys(m)), ",")
}

func TestCreateComment_Depth(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{Config: func(c *sitetest.Config) { c.Comments.MaxDepth = 3 }})
	// a1 has depth 0 and a2 depth 1; a reply to a2 gets depth 2, the
	// deepest allowed with MaxDepth 3.
	w := sitetest.Do(t, e.Handler, "POST", "/api/posts/alpha/comments", `{"author":"D","content":"depth two","parent_id":"a2"}`)
	c := sitetest.Decode[sitetest.Comment](t, w, 201)
	if c.Depth != 2 {
		t.Errorf("depth = %d, want 2", c.Depth)
	}
	seq := sitetest.LastChange(t, e.DB)
	w = sitetest.Do(t, e.Handler, "POST", "/api/posts/alpha/comments", `{"author":"D","content":"depth three","parent_id":"`+c.ID+`"}`)
	if w.Code != 400 || !strings.Contains(sitetest.JSONError(t, w), "parent_id") {
		t.Errorf("too deep = %d %s, want 400 naming parent_id", w.Code, w.Body)
	}
	if sitetest.LastChange(t, e.DB) != seq {
		t.Error("the too-deep reply was stored")
	}
	// Replying higher up the thread still works.
	if w := sitetest.Do(t, e.Handler, "POST", "/api/posts/alpha/comments", `{"author":"D","content":"sibling","parent_id":"a2"}`); w.Code != 201 {
		t.Errorf("reply at depth 2 = %d", w.Code)
	}
}

// TestCreateComment_ParentUnderModeration checks that a comment held for
// review cannot be replied to, and that the answer does not tell it exists.
func TestCreateComment_ParentUnderModeration(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	p := feed.Comment{ID: "held", PostID: "alpha", AuthorName: "H", Content: "held", Status: feed.StatusPending}
	if err := e.DB.CreateComment(context.Background(), &p); err != nil {
		t.Fatal(err)
	}
	held := sitetest.Do(t, e.Handler, "POST", "/api/posts/alpha/comments", `{"author":"R","content":"re","parent_id":"held"}`)
	missing := sitetest.Do(t, e.Handler, "POST", "/api/posts/alpha/comments", `{"author":"R","content":"re","parent_id":"nothere"}`)
	if held.Code != 400 || missing.Code != 400 {
		t.Fatalf("reply to held = %d, to missing = %d; want 400", held.Code, missing.Code)
	}
	if a, b := sitetest.JSONError(t, held), sitetest.JSONError(t, missing); strings.ReplaceAll(a, "held", "X") != strings.ReplaceAll(b, "nothere", "X") {
		t.Errorf("errors differ: %q and %q", a, b)
	}
}
