package server_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/sitetest"
	"github.com/feedd/feedd/server"
	"github.com/feedd/feedd/store"
	"github.com/mmcdole/gofeed"
)

func TestModerationFeed(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	ctx := context.Background()
	for _, c := range []feed.Comment{
		{ID: "p1", PostID: "alpha", AuthorName: "Pat", Content: "waiting <b>bold</b> on alpha",
			Status: feed.StatusPending, Published: sitetest.Date("2026-03-06T10:00:00Z")},
		{ID: "p2", PostID: "beta", AuthorName: "Quinn", Content: "waiting on beta",
			Status: feed.StatusPending, Published: sitetest.Date("2026-03-07T10:00:00Z")},
	} {
		if err := e.DB.CreateComment(ctx, &c); err != nil {
			t.Fatal(err)
		}
	}
	key, err := e.DB.Secret(ctx, server.ModerationSecret, false)
	if err != nil {
		t.Fatal(err)
	}
	path := "/admin/feed/" + key + ".atom"

	w := sitetest.Do(t, e.Handler, "GET", path, "")
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
	}
	h := w.Header()
	for k, want := range map[string]string{
		"Cache-Control": "private, no-store",
		"X-Robots-Tag":  "noindex",
		"Content-Type":  "application/atom+xml; charset=utf-8",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	body := w.Body.String()
	d, err := gofeed.NewParser().Parse(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatalf("gofeed: %v\n%s", err, body)
	}
	if want := "Pending comments \u2014 Test blog"; d.Title != want {
		t.Errorf("title = %q, want %q", d.Title, want)
	}
	if d.FeedLink != sitetest.BaseURL+path {
		t.Errorf("self = %q, want %q", d.FeedLink, sitetest.BaseURL+path)
	}
	if !strings.Contains(body, "<id>"+sitetest.BaseURL+"/admin/feed</id>") {
		t.Errorf("feed id is not %s/admin/feed:\n%s", sitetest.BaseURL, body)
	}
	if len(d.Items) != 2 {
		t.Fatalf("%d entries, want 2 (the pending comments):\n%s", len(d.Items), body)
	}
	// Newest first.
	first, second := d.Items[0], d.Items[1]
	if first.Author == nil || first.Author.Name != "Quinn" || second.Author == nil || second.Author.Name != "Pat" {
		t.Errorf("authors = %v, %v; want Quinn, Pat", first.Author, second.Author)
	}
	if !strings.Contains(first.Title, "Beta post") || !strings.Contains(second.Title, "Alpha post") {
		t.Errorf("titles = %q, %q; want their posts' titles", first.Title, second.Title)
	}
	if !strings.Contains(second.Content, "<b>bold</b>") {
		t.Errorf("content = %q, want the comment's HTML", second.Content)
	}
	if !strings.HasPrefix(second.Link, sitetest.BaseURL+"/posts/alpha") {
		t.Errorf("link = %q, want the post page", second.Link)
	}
	if !strings.Contains(body, `rel="edit"`) || !strings.Contains(body, `href="`+sitetest.BaseURL+`/admin/"`) {
		t.Errorf("no rel=edit link to /admin/:\n%s", body)
	}
	for _, s := range []string{"first on alpha", "reply on alpha", "first on beta", `rel="hub"`, "xml-stylesheet"} {
		if strings.Contains(body, s) {
			t.Errorf("moderation feed contains %q", s)
		}
	}

	// HEAD answers the same headers.
	if w := sitetest.Do(t, e.Handler, "HEAD", path, ""); w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("X-Robots-Tag") != "noindex" {
		t.Errorf("HEAD: %d, %d bytes, X-Robots-Tag %q", w.Code, w.Body.Len(), w.Header().Get("X-Robots-Tag"))
	}

	// Approving a comment takes it out.
	approved := feed.StatusApproved
	if _, err := e.DB.UpdateComment(ctx, "p2", store.CommentUpdate{Status: &approved}); err != nil {
		t.Fatal(err)
	}
	if body := sitetest.Do(t, e.Handler, "GET", path, "").Body.String(); strings.Contains(body, "waiting on beta") || !strings.Contains(body, "waiting") {
		t.Errorf("after approval:\n%s", body)
	}

	// Wrong keys, other names: 404, still private.
	for _, p := range []string{
		"/admin/feed/" + strings.ToUpper(key) + ".atom",
		"/admin/feed/" + key[:len(key)-1] + ".atom",
		"/admin/feed/" + key + "x.atom",
		"/admin/feed/" + key + ".rss",
		"/admin/feed/" + key,
		"/admin/feed/.atom",
		"/admin/feed/wrong.atom",
	} {
		w := sitetest.Do(t, e.Handler, "GET", p, "")
		if w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, w.Code)
		}
		if strings.Contains(w.Body.String(), "waiting") {
			t.Errorf("GET %s shows a comment", p)
		}
		if got := w.Header().Get("Cache-Control"); got != "private, no-store" {
			t.Errorf("GET %s: Cache-Control %q", p, got)
		}
	}

	// Rotation: the old URL stops working, the new one serves.
	nk, err := e.DB.Secret(ctx, server.ModerationSecret, true)
	if err != nil || nk == key {
		t.Fatalf("rotate: %q, %v", nk, err)
	}
	if w := sitetest.Do(t, e.Handler, "GET", path, ""); w.Code != http.StatusNotFound {
		t.Errorf("old key after rotation: %d, want 404", w.Code)
	}
	if w := sitetest.Do(t, e.Handler, "GET", "/admin/feed/"+nk+".atom", ""); w.Code != http.StatusOK {
		t.Errorf("new key: %d, want 200", w.Code)
	}
}
