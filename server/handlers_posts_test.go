package server_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
)

type postList struct {
	Posts      []apiPost `json:"posts"`
	NextCursor *string   `json:"next_cursor"`
}

func TestListPosts_Pages(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	// Two posts share a second, so the cursor must break the tie by id.
	for i, ts := range []string{"2026-02-01T00:00:00Z", "2026-02-02T00:00:00Z", "2026-02-02T00:00:00Z", "2026-03-05T00:00:00Z", "2026-01-01T00:00:00Z"} {
		p := feed.Post{ID: fmt.Sprintf("p%d", i), Title: fmt.Sprintf("Post %d", i), Content: "c", Published: date(ts)}
		if err := e.db.CreatePost(ctx, &p); err != nil {
			t.Fatal(err)
		}
	}
	all := decode[postList](t, do(t, e.handler, "GET", "/api/posts", ""), 200)
	if len(all.Posts) != 7 || all.NextCursor != nil {
		t.Fatalf("default page: %d posts, cursor %v; want all 7 and no cursor", len(all.Posts), all.NextCursor)
	}
	for i := 1; i < len(all.Posts); i++ {
		if all.Posts[i].Published.After(all.Posts[i-1].Published) {
			t.Errorf("not newest first at %d: %v after %v", i, all.Posts[i].Published, all.Posts[i-1].Published)
		}
	}

	var walked []string
	target := "/api/posts?limit=3"
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		page := decode[postList](t, do(t, e.handler, "GET", target, ""), 200)
		if len(page.Posts) > 3 {
			t.Fatalf("page of %d posts with limit 3", len(page.Posts))
		}
		for _, p := range page.Posts {
			walked = append(walked, p.ID)
		}
		if page.NextCursor == nil {
			break
		}
		target = "/api/posts?limit=3&cursor=" + url.QueryEscape(*page.NextCursor)
	}
	var want []string
	for _, p := range all.Posts {
		want = append(want, p.ID)
	}
	if strings.Join(walked, ",") != strings.Join(want, ",") {
		t.Errorf("paged walk %v, want %v", walked, want)
	}

	// An exact last page has no cursor after it.
	if page := decode[postList](t, do(t, e.handler, "GET", "/api/posts?limit=7", ""), 200); page.NextCursor != nil {
		t.Errorf("full last page has next_cursor %q", *page.NextCursor)
	}
}

func TestPosts_PublicAndAdminViews(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, target := range []string{"/api/posts", "/api/posts/alpha"} {
		pub := do(t, e.handler, "GET", target, "")
		if pub.Code != 200 || hasKey(t, pub.Body.Bytes(), "content") || hasKey(t, pub.Body.Bytes(), "format") {
			t.Errorf("public GET %s = %d, shows raw content or format: %s", target, pub.Code, pub.Body)
		}
		if !hasKey(t, pub.Body.Bytes(), "content_html") || !strings.Contains(pub.Body.String(), "alpha body") {
			t.Errorf("public GET %s lacks content_html: %s", target, pub.Body)
		}
		adm := do(t, e.handler, "GET", target, "", adminAuth...)
		if adm.Code != 200 || !hasKey(t, adm.Body.Bytes(), "content") || !hasKey(t, adm.Body.Bytes(), "format") {
			t.Errorf("admin GET %s = %d, lacks raw content or format: %s", target, adm.Code, adm.Body)
		}
		// A wrong token is refused, not quietly served the public view.
		if w := do(t, e.handler, "GET", target, "", "Authorization", "Bearer nope"); w.Code != 401 {
			t.Errorf("GET %s with a wrong token = %d, want 401", target, w.Code)
		}
	}
	p := decode[apiPost](t, do(t, e.handler, "GET", "/api/posts/alpha", "", adminAuth...), 200)
	if p.ID != "alpha" || p.Title != "Alpha post" || p.URL != baseURL+"/posts/alpha" || p.Content == nil ||
		*p.Content != "<p>alpha body</p>" || p.Format == nil || *p.Format != feed.FormatHTML ||
		!p.Published.Equal(date("2026-03-01T10:00:00Z")) {
		t.Errorf("admin post = %+v", p)
	}
	if w := do(t, e.handler, "GET", "/api/posts/nope", ""); w.Code != 404 {
		t.Errorf("unknown post = %d, want 404", w.Code)
	}
}

func TestUpdatePost_OK(t *testing.T) {
	e := newEnv(t, envOptions{})
	before := decode[apiPost](t, do(t, e.handler, "GET", "/api/posts/alpha", ""), 200)
	w := do(t, e.handler, "PATCH", "/api/posts/alpha",
		`{"title":"  Alpha, revised ","format":"markdown","content":"# Heading\n\nSome *text*.","summary":"short"}`,
		withJSON(adminAuth...)...)
	p := decode[apiPost](t, w, 200)
	if p.ID != "alpha" || p.Title != "Alpha, revised" || p.Summary != "short" || p.Format == nil || *p.Format != feed.FormatMarkdown {
		t.Errorf("patched post = %+v", p)
	}
	if !p.Published.Equal(before.Published) || !p.Updated.After(before.Updated) {
		t.Errorf("published %v → %v, updated %v → %v: want published kept, updated moved",
			before.Published, p.Published, before.Updated, p.Updated)
	}
	if len(p.Categories) != 1 || p.Categories[0] != "one" || p.Author != "Ann" {
		t.Errorf("untouched fields changed: %+v", p)
	}
	if !strings.Contains(p.ContentHTML, "<h1") || !strings.Contains(p.ContentHTML, "<em>text</em>") {
		t.Errorf("markdown content_html = %q", p.ContentHTML)
	}
	stored, err := e.db.Post(context.Background(), "alpha")
	if err != nil || stored.Title != "Alpha, revised" {
		t.Errorf("stored = %+v, %v", stored, err)
	}
	// Clearing a list and a text field.
	p = decode[apiPost](t, do(t, e.handler, "PATCH", "/api/posts/alpha", `{"categories":[],"summary":""}`, adminAuth...), 200)
	if len(p.Categories) != 0 || p.Summary != "" {
		t.Errorf("after clearing: %+v", p)
	}
}

func TestDeletePost(t *testing.T) {
	e := newEnv(t, envOptions{})
	if w := do(t, e.handler, "DELETE", "/api/posts/alpha", "", adminAuth...); w.Code != 204 || w.Body.Len() != 0 {
		t.Fatalf("DELETE = %d %s, want 204 and no body", w.Code, w.Body)
	}
	for _, tc := range []struct {
		method, path, body string
		header             []string
	}{
		{"GET", "/api/posts/alpha", "", nil},
		{"GET", "/api/posts/alpha/comments", "", nil},
		{"PATCH", "/api/posts/alpha", `{"title":"x"}`, adminAuth},
		{"DELETE", "/api/posts/alpha", "", adminAuth},
		{"POST", "/api/posts/alpha/comments", `{"author":"A","content":"late"}`, nil},
	} {
		w := do(t, e.handler, tc.method, tc.path, tc.body, tc.header...)
		if w.Code != 410 || jsonError(t, w) == "" {
			t.Errorf("%s %s after delete = %d %s, want 410 with an error", tc.method, tc.path, w.Code, w.Body)
		}
	}
	for _, ext := range []string{"atom", "rss", "json"} {
		w := do(t, e.handler, "GET", "/feeds/posts/alpha/comments."+ext, "")
		h := w.Header()
		if w.Code != 410 || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") ||
			h.Get("Cache-Control") != "no-cache" || h.Get("Vary") != feedVary {
			t.Errorf("thread feed .%s after delete = %d, Content-Type %q, Cache-Control %q, Vary %q",
				ext, w.Code, h.Get("Content-Type"), h.Get("Cache-Control"), h.Get("Vary"))
		}
	}
	list := decode[postList](t, do(t, e.handler, "GET", "/api/posts", ""), 200)
	if len(list.Posts) != 1 || list.Posts[0].ID != "beta" {
		t.Errorf("posts after delete: %+v", list.Posts)
	}
}

func TestCreatePost_FormatAndSummary(t *testing.T) {
	e := newEnv(t, envOptions{})
	w := do(t, e.handler, "POST", "/api/posts", `{"title":"MD","content":"**bold**","format":"markdown","summary":"In short."}`, adminAuth...)
	p := decode[apiPost](t, w, 201)
	if p.Format == nil || *p.Format != feed.FormatMarkdown || p.Summary != "In short." ||
		!strings.Contains(p.ContentHTML, "<strong>bold</strong>") || p.Content == nil || *p.Content != "**bold**" {
		t.Errorf("created = %+v", p)
	}
	p = decode[apiPost](t, do(t, e.handler, "POST", "/api/posts", `{"title":"H","content":"<p>x</p>"}`, adminAuth...), 201)
	if p.Format == nil || *p.Format != feed.FormatHTML {
		t.Errorf("default format = %v", p.Format)
	}
	if time.Since(p.Published) > time.Minute {
		t.Errorf("published = %v", p.Published)
	}
}
