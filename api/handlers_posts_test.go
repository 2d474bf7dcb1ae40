package api_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/sitetest"
)

func TestListPosts_Pages(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	ctx := context.Background()
	// Two posts share a second, so the cursor must break the tie by id.
	for i, ts := range []string{"2026-02-01T00:00:00Z", "2026-02-02T00:00:00Z", "2026-02-02T00:00:00Z", "2026-03-05T00:00:00Z", "2026-01-01T00:00:00Z"} {
		p := feed.Post{ID: fmt.Sprintf("p%d", i), Title: fmt.Sprintf("Post %d", i), Content: "c", Published: sitetest.Date(ts)}
		if err := e.DB.CreatePost(ctx, &p); err != nil {
			t.Fatal(err)
		}
	}
	all := sitetest.Decode[sitetest.PostList](t, sitetest.Do(t, e.Handler, "GET", "/api/posts", ""), 200)
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
		page := sitetest.Decode[sitetest.PostList](t, sitetest.Do(t, e.Handler, "GET", target, ""), 200)
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
	if page := sitetest.Decode[sitetest.PostList](t, sitetest.Do(t, e.Handler, "GET", "/api/posts?limit=7", ""), 200); page.NextCursor != nil {
		t.Errorf("full last page has next_cursor %q", *page.NextCursor)
	}
}

func TestPosts_PublicAndAdminViews(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	for _, target := range []string{"/api/posts", "/api/posts/alpha"} {
		pub := sitetest.Do(t, e.Handler, "GET", target, "")
		if pub.Code != 200 || sitetest.HasKey(t, pub.Body.Bytes(), "content") || sitetest.HasKey(t, pub.Body.Bytes(), "format") {
			t.Errorf("public GET %s = %d, shows raw content or format: %s", target, pub.Code, pub.Body)
		}
		if !sitetest.HasKey(t, pub.Body.Bytes(), "content_html") || !strings.Contains(pub.Body.String(), "alpha body") {
			t.Errorf("public GET %s lacks content_html: %s", target, pub.Body)
		}
		adm := sitetest.Do(t, e.Handler, "GET", target, "", sitetest.AdminAuth...)
		if adm.Code != 200 || !sitetest.HasKey(t, adm.Body.Bytes(), "content") || !sitetest.HasKey(t, adm.Body.Bytes(), "format") {
			t.Errorf("admin GET %s = %d, lacks raw content or format: %s", target, adm.Code, adm.Body)
		}
		// A wrong token is refused, not quietly served the public view.
		if w := sitetest.Do(t, e.Handler, "GET", target, "", "Authorization", "Bearer nope"); w.Code != 401 {
			t.Errorf("GET %s with a wrong token = %d, want 401", target, w.Code)
		}
	}
	p := sitetest.Decode[sitetest.Post](t, sitetest.Do(t, e.Handler, "GET", "/api/posts/alpha", "", sitetest.AdminAuth...), 200)
	if p.ID != "alpha" || p.Title != "Alpha post" || p.URL != sitetest.BaseURL+"/posts/alpha" || p.Content == nil ||
		*p.Content != "<p>alpha body</p>" || p.Format == nil || *p.Format != feed.FormatHTML ||
		!p.Published.Equal(sitetest.Date("2026-03-01T10:00:00Z")) {
		t.Errorf("admin post = %+v", p)
	}
	if w := sitetest.Do(t, e.Handler, "GET", "/api/posts/nope", ""); w.Code != 404 {
		t.Errorf("unknown post = %d, want 404", w.Code)
	}
}

func TestUpdatePost_OK(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	before := sitetest.Decode[sitetest.Post](t, sitetest.Do(t, e.Handler, "GET", "/api/posts/alpha", ""), 200)
	w := sitetest.Do(t, e.Handler, "PATCH", "/api/posts/alpha",
		`{"title":"  Alpha, revised ","format":"markdown","content":"# Heading\n\nSome *text*.","summary":"short"}`,
		sitetest.WithJSON(sitetest.AdminAuth...)...)
	p := sitetest.Decode[sitetest.Post](t, w, 200)
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
	stored, err := e.DB.Post(context.Background(), "alpha")
	if err != nil || stored.Title != "Alpha, revised" {
		t.Errorf("stored = %+v, %v", stored, err)
	}
	// Clearing a list and a text field.
	p = sitetest.Decode[sitetest.Post](t, sitetest.Do(t, e.Handler, "PATCH", "/api/posts/alpha", `{"categories":[],"summary":""}`, sitetest.AdminAuth...), 200)
	if len(p.Categories) != 0 || p.Summary != "" {
		t.Errorf("after clearing: %+v", p)
	}
}

func TestDeletePost(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	if w := sitetest.Do(t, e.Handler, "DELETE", "/api/posts/alpha", "", sitetest.AdminAuth...); w.Code != 204 || w.Body.Len() != 0 {
		t.Fatalf("DELETE = %d %s, want 204 and no body", w.Code, w.Body)
	}
	for _, tc := range []struct {
		method, path, body string
		header             []string
	}{
		{"GET", "/api/posts/alpha", "", nil},
		{"GET", "/api/posts/alpha/comments", "", nil},
		{"PATCH", "/api/posts/alpha", `{"title":"x"}`, sitetest.AdminAuth},
		{"DELETE", "/api/posts/alpha", "", sitetest.AdminAuth},
		{"POST", "/api/posts/alpha/comments", `{"author":"A","content":"late"}`, nil},
	} {
		w := sitetest.Do(t, e.Handler, tc.method, tc.path, tc.body, tc.header...)
		if w.Code != 410 || sitetest.JSONError(t, w) == "" {
			t.Errorf("%s %s after delete = %d %s, want 410 with an error", tc.method, tc.path, w.Code, w.Body)
		}
	}
	for _, ext := range []string{"atom", "rss", "json"} {
		w := sitetest.Do(t, e.Handler, "GET", "/feeds/posts/alpha/comments."+ext, "")
		h := w.Header()
		if w.Code != 410 || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") ||
			h.Get("Cache-Control") != "no-cache" || h.Get("Vary") != sitetest.FeedVary {
			t.Errorf("thread feed .%s after delete = %d, Content-Type %q, Cache-Control %q, Vary %q",
				ext, w.Code, h.Get("Content-Type"), h.Get("Cache-Control"), h.Get("Vary"))
		}
	}
	list := sitetest.Decode[sitetest.PostList](t, sitetest.Do(t, e.Handler, "GET", "/api/posts", ""), 200)
	if len(list.Posts) != 1 || list.Posts[0].ID != "beta" {
		t.Errorf("posts after delete: %+v", list.Posts)
	}
}

func TestCreatePost_FormatAndSummary(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	w := sitetest.Do(t, e.Handler, "POST", "/api/posts", `{"title":"MD","content":"**bold**","format":"markdown","summary":"In short."}`, sitetest.AdminAuth...)
	p := sitetest.Decode[sitetest.Post](t, w, 201)
	if p.Format == nil || *p.Format != feed.FormatMarkdown || p.Summary != "In short." ||
		!strings.Contains(p.ContentHTML, "<strong>bold</strong>") || p.Content == nil || *p.Content != "**bold**" {
		t.Errorf("created = %+v", p)
	}
	p = sitetest.Decode[sitetest.Post](t, sitetest.Do(t, e.Handler, "POST", "/api/posts", `{"title":"H","content":"<p>x</p>"}`, sitetest.AdminAuth...), 201)
	if p.Format == nil || *p.Format != feed.FormatHTML {
		t.Errorf("default format = %v", p.Format)
	}
	if time.Since(p.Published) > time.Minute {
		t.Errorf("published = %v", p.Published)
	}
}
