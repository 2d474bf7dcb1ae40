package server_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// chromiumAccept is the Accept field of Chromium's navigations.
const chromiumAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"

// A browser that navigates to an Atom or RSS feed gets the same bytes as
// application/xml, which it renders with the feed's XSLT stylesheet, under
// ETags of their own; every other client gets the feed's media type. JSON
// feeds do not vary on Accept.
func TestServeFeed_Browser(t *testing.T) {
	e := newEnv(t, envOptions{})
	for path, ct := range feedPaths("alpha") {
		t.Run(path, func(t *testing.T) {
			feedAns := do(t, e.handler, "GET", path, "")
			browser := do(t, e.handler, "GET", path, "", "Accept", chromiumAccept)
			if feedAns.Code != 200 || browser.Code != 200 {
				t.Fatalf("status %d, %d", feedAns.Code, browser.Code)
			}
			if !bytes.Equal(feedAns.Body.Bytes(), browser.Body.Bytes()) {
				t.Error("the browser gets other bytes")
			}
			fh, bh := feedAns.Header(), browser.Header()
			if strings.HasSuffix(path, ".json") {
				if bh.Get("Content-Type") != ct || bh.Get("ETag") != fh.Get("ETag") || bh.Get("Vary") != "Accept-Encoding" {
					t.Errorf("JSON feed for a browser: %v", bh)
				}
				return
			}
			if got := bh.Get("Content-Type"); got != "application/xml; charset=utf-8" {
				t.Errorf("browser's Content-Type = %q", got)
			}
			if got := fh.Get("Content-Type"); got != ct {
				t.Errorf("feed reader's Content-Type = %q, want %q", got, ct)
			}
			tag := fh.Get("ETag")
			if want := strings.TrimSuffix(tag, `"`) + `-x"`; bh.Get("ETag") != want {
				t.Errorf("browser's ETag = %s, want %s", bh.Get("ETag"), want)
			}
			for _, h := range []http.Header{fh, bh} {
				if h.Get("Vary") != "Accept, Accept-Encoding" {
					t.Errorf("Vary = %q", h.Get("Vary"))
				}
			}
			for _, accept := range []string{"", "*/*", "application/atom+xml, application/rss+xml;q=0.9, */*;q=0.1"} {
				w := do(t, e.handler, "GET", path, "", "Accept", accept)
				if w.Header().Get("Content-Type") != ct || w.Header().Get("ETag") != tag {
					t.Errorf("Accept %q: Content-Type %q, ETag %s", accept, w.Header().Get("Content-Type"), w.Header().Get("ETag"))
				}
			}
		})
	}
}

// Conditional requests of the XML variant match its own validators only,
// gzip too; a feed reader's tag does not revalidate a browser's copy nor
// the other way round.
func TestServeFeed_BrowserConditional(t *testing.T) {
	e := newEnv(t, envOptions{})
	const path = "/feeds/posts/alpha/comments.rss"
	feedTag := do(t, e.handler, "GET", path, "").Header().Get("ETag")
	xmlTag := do(t, e.handler, "GET", path, "", "Accept", chromiumAccept).Header().Get("ETag")
	gz := do(t, e.handler, "GET", path, "", "Accept", chromiumAccept, "Accept-Encoding", "gzip")
	gzTag := gz.Header().Get("ETag")
	if gz.Header().Get("Content-Encoding") != "gzip" || gz.Header().Get("Content-Type") != "application/xml; charset=utf-8" {
		t.Fatalf("gzip for a browser: %v", gz.Header())
	}
	if !strings.HasSuffix(gzTag, `-gzip-x"`) || xmlTag == feedTag || gzTag == xmlTag {
		t.Fatalf("tags: feed %s, xml %s, xml gzip %s", feedTag, xmlTag, gzTag)
	}
	for _, tc := range []struct {
		name    string
		header  []string
		want    int
		wantTag string
	}{
		{"browser, its tag", []string{"Accept", chromiumAccept, "If-None-Match", xmlTag}, 304, xmlTag},
		{"browser, gzip, its identity tag", []string{"Accept", chromiumAccept, "Accept-Encoding", "gzip", "If-None-Match", xmlTag}, 304, xmlTag},
		{"browser, gzip, its gzip tag", []string{"Accept", chromiumAccept, "Accept-Encoding", "gzip", "If-None-Match", gzTag}, 304, gzTag},
		{"browser, the feed's tag", []string{"Accept", chromiumAccept, "If-None-Match", feedTag}, 200, xmlTag},
		{"reader, the browser's tag", []string{"If-None-Match", xmlTag}, 200, feedTag},
		{"reader, its tag", []string{"If-None-Match", feedTag}, 304, feedTag},
		{"browser, If-Match the feed's tag", []string{"Accept", chromiumAccept, "If-Match", feedTag}, 412, xmlTag},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := do(t, e.handler, "GET", path, "", tc.header...)
			if w.Code != tc.want || w.Header().Get("ETag") != tc.wantTag {
				t.Errorf("= %d, ETag %s; want %d, %s", w.Code, w.Header().Get("ETag"), tc.want, tc.wantTag)
			}
			if w.Header().Get("Vary") != "Accept, Accept-Encoding" {
				t.Errorf("Vary = %q", w.Header().Get("Vary"))
			}
		})
	}
}
