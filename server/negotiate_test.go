package server_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/sitetest"
	"github.com/feedd/feedd/web"
)

// chromiumAccept is the Accept field of Chromium's navigations.
const chromiumAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"

// withPages mounts the site's pages (package web) on e's server, as
// feedd serve does.
func withPages(e *sitetest.Env) *sitetest.Env {
	e.Srv.SetPages(web.New(e.DB, e.R, e.Comments, web.Options{}, slog.New(slog.DiscardHandler)))
	return e
}

// A browser that navigates to a feed gets the feed's HTML page, under
// ETags of its own; every other client gets the feed's bytes, its media
// type and its ETag exactly as when no page exists.
func TestServeFeed_Browser(t *testing.T) {
	plain := sitetest.New(t, sitetest.Options{})
	e := withPages(sitetest.New(t, sitetest.Options{}))
	for path, ct := range sitetest.FeedPaths("alpha") {
		t.Run(path, func(t *testing.T) {
			before := sitetest.Do(t, plain.Handler, "GET", path, "")
			browser := sitetest.Do(t, e.Handler, "GET", path, "", "Accept", chromiumAccept)
			if before.Code != 200 || browser.Code != 200 {
				t.Fatalf("status %d, %d", before.Code, browser.Code)
			}
			bh := browser.Header()
			if got := bh.Get("Content-Type"); got != "text/html; charset=utf-8" {
				t.Errorf("browser's Content-Type = %q", got)
			}
			if !strings.Contains(bh.Get("Content-Security-Policy"), "default-src 'none'") {
				t.Errorf("the page has no Content-Security-Policy: %v", bh)
			}
			page := browser.Body.String()
			for _, want := range []string{"<!doctype html>", "This is a web feed", `value="https://blog.example.org` + path + `"`} {
				if !strings.Contains(page, want) {
					t.Errorf("the page lacks %q:\n%s", want, page)
				}
			}
			if bh.Get("ETag") == "" || bh.Get("ETag") == before.Header().Get("ETag") {
				t.Errorf("page ETag %s, feed ETag %s", bh.Get("ETag"), before.Header().Get("ETag"))
			}
			for _, accept := range []string{"", "*/*", "application/atom+xml, application/rss+xml;q=0.9, */*;q=0.1",
				"application/feed+json", "text/html;q=0.5, application/xml"} {
				w := sitetest.Do(t, e.Handler, "GET", path, "", "Accept", accept)
				if w.Header().Get("Content-Type") != ct || w.Header().Get("ETag") != before.Header().Get("ETag") ||
					!bytes.Equal(w.Body.Bytes(), before.Body.Bytes()) {
					t.Errorf("Accept %q: Content-Type %q, ETag %s: not the feed as before", accept, w.Header().Get("Content-Type"), w.Header().Get("ETag"))
				}
			}
			for _, w := range []http.Header{before.Header(), bh} {
				if w.Get("Vary") != "Accept, Accept-Encoding" {
					t.Errorf("Vary = %q", w.Get("Vary"))
				}
			}
		})
	}
}

// Without pages (a server given none), a browser gets the feed.
func TestServeFeed_BrowserWithoutPages(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	w := sitetest.Do(t, e.Handler, "GET", "/feeds/posts/alpha/comments.atom", "", "Accept", chromiumAccept)
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/atom+xml; charset=utf-8" {
		t.Errorf("= %d, %v", w.Code, w.Header())
	}
}

// Conditional requests of the page match its own validators only, gzip
// too; a feed reader's tag does not revalidate a browser's copy nor the
// other way round. A new comment changes the page with the feed.
func TestServeFeed_BrowserConditional(t *testing.T) {
	e := withPages(sitetest.New(t, sitetest.Options{}))
	const path = "/feeds/posts/alpha/comments.rss"
	feedTag := sitetest.Do(t, e.Handler, "GET", path, "").Header().Get("ETag")
	pageTag := sitetest.Do(t, e.Handler, "GET", path, "", "Accept", chromiumAccept).Header().Get("ETag")
	gz := sitetest.Do(t, e.Handler, "GET", path, "", "Accept", chromiumAccept, "Accept-Encoding", "gzip")
	gzTag := gz.Header().Get("ETag")
	if gz.Header().Get("Content-Encoding") != "gzip" || gz.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("gzip for a browser: %v", gz.Header())
	}
	if !strings.HasSuffix(gzTag, `-gzip"`) || pageTag == feedTag || gzTag == pageTag {
		t.Fatalf("tags: feed %s, page %s, page gzip %s", feedTag, pageTag, gzTag)
	}
	for _, tc := range []struct {
		name    string
		header  []string
		want    int
		wantTag string
	}{
		{"browser, its tag", []string{"Accept", chromiumAccept, "If-None-Match", pageTag}, 304, pageTag},
		{"browser, gzip, its identity tag", []string{"Accept", chromiumAccept, "Accept-Encoding", "gzip", "If-None-Match", pageTag}, 304, pageTag},
		{"browser, gzip, its gzip tag", []string{"Accept", chromiumAccept, "Accept-Encoding", "gzip", "If-None-Match", gzTag}, 304, gzTag},
		{"browser, the feed's tag", []string{"Accept", chromiumAccept, "If-None-Match", feedTag}, 200, pageTag},
		{"reader, the browser's tag", []string{"If-None-Match", pageTag}, 200, feedTag},
		{"reader, its tag", []string{"If-None-Match", feedTag}, 304, feedTag},
		{"browser, If-Match the feed's tag", []string{"Accept", chromiumAccept, "If-Match", feedTag}, 412, pageTag},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := sitetest.Do(t, e.Handler, "GET", path, "", tc.header...)
			if w.Code != tc.want || w.Header().Get("ETag") != tc.wantTag {
				t.Errorf("= %d, ETag %s; want %d, %s", w.Code, w.Header().Get("ETag"), tc.want, tc.wantTag)
			}
			if w.Header().Get("Vary") != "Accept, Accept-Encoding" {
				t.Errorf("Vary = %q", w.Header().Get("Vary"))
			}
		})
	}

	c := &feed.Comment{PostID: "alpha", AuthorName: "Late Reader", Content: "A word after the rest."}
	if err := e.DB.CreateComment(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	e.Sync(t)
	w := sitetest.Do(t, e.Handler, "GET", path, "", "Accept", chromiumAccept, "If-None-Match", pageTag)
	if w.Code != 200 || w.Header().Get("ETag") == pageTag || !strings.Contains(w.Body.String(), "A word after the rest.") {
		t.Errorf("after a new comment: %d, ETag %s, page without it", w.Code, w.Header().Get("ETag"))
	}
}
