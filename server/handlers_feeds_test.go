package server_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/internal/sitetest"
)

func TestServeFeed_AllFeeds(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	for path, ct := range sitetest.FeedPaths("alpha") {
		t.Run(path, func(t *testing.T) {
			w := sitetest.Do(t, e.Handler, "GET", path, "")
			if w.Code != 200 {
				t.Fatalf("status = %d, want 200; body %s", w.Code, w.Body)
			}
			h := w.Header()
			if got := h.Get("Content-Type"); got != ct {
				t.Errorf("Content-Type = %q, want %q", got, ct)
			}
			if got := h.Get("ETag"); len(got) < 3 || got[0] != '"' || got[len(got)-1] != '"' || strings.HasPrefix(got, "W/") {
				t.Errorf("ETag = %q, want a strong quoted tag", got)
			}
			if got := h.Get("Cache-Control"); got != "public, max-age=300" {
				t.Errorf("Cache-Control = %q", got)
			}
			if got, want := h.Get("Vary"), sitetest.FeedVary; got != want {
				t.Errorf("Vary = %q, want %q", got, want)
			}
			if got := h.Get("Content-Encoding"); got != "" {
				t.Errorf("Content-Encoding = %q without Accept-Encoding", got)
			}
			lm, err := http.ParseTime(h.Get("Last-Modified"))
			if err != nil || lm.IsZero() {
				t.Errorf("Last-Modified = %q: %v", h.Get("Last-Modified"), err)
			}
			if got := h.Get("Content-Length"); got != fmt.Sprint(w.Body.Len()) {
				t.Errorf("Content-Length = %s, body has %d bytes", got, w.Body.Len())
			}
			if w.Body.Len() == 0 {
				t.Error("empty body")
			}
		})
	}
}

func TestServeFeed_Contents(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	for _, tc := range []struct {
		path          string
		want, wantNot []string
	}{
		{"/feeds/posts.atom", []string{"Alpha post", "Beta post"}, []string{"first on alpha"}},
		{"/feeds/comments.json", []string{"first on alpha", "reply on alpha", "first on beta"}, nil},
		{"/feeds/posts/alpha/comments.rss", []string{"first on alpha", "reply on alpha"}, []string{"first on beta"}},
		{"/feeds/posts/beta/comments.atom", []string{"first on beta"}, []string{"first on alpha"}},
	} {
		body := sitetest.Do(t, e.Handler, "GET", tc.path, "").Body.String()
		for _, s := range tc.want {
			if !strings.Contains(body, s) {
				t.Errorf("%s lacks %q", tc.path, s)
			}
		}
		for _, s := range tc.wantNot {
			if strings.Contains(body, s) {
				t.Errorf("%s contains %q", tc.path, s)
			}
		}
	}
}

func TestServeFeed_Head(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	for path := range sitetest.FeedPaths("alpha") {
		get := sitetest.Do(t, e.Handler, "GET", path, "", "Accept-Encoding", "gzip")
		head := sitetest.Do(t, e.Handler, "HEAD", path, "", "Accept-Encoding", "gzip")
		if head.Code != 200 || head.Body.Len() != 0 {
			t.Errorf("HEAD %s = %d with %d body bytes, want 200 and none", path, head.Code, head.Body.Len())
		}
		for _, k := range []string{"Content-Type", "ETag", "Last-Modified", "Cache-Control", "Vary", "Content-Encoding", "Content-Length"} {
			if got, want := head.Header().Get(k), get.Header().Get(k); got != want {
				t.Errorf("HEAD %s: %s = %q, GET has %q", path, k, got, want)
			}
		}
		cond := sitetest.Do(t, e.Handler, "HEAD", path, "", "If-None-Match", get.Header().Get("ETag"), "Accept-Encoding", "gzip")
		if cond.Code != 304 || cond.Body.Len() != 0 {
			t.Errorf("conditional HEAD %s = %d with %d bytes, want 304 and none", path, cond.Code, cond.Body.Len())
		}
	}
	if w := sitetest.Do(t, e.Handler, "HEAD", "/feeds/posts/nope/comments.atom", ""); w.Code != 404 {
		t.Errorf("HEAD unknown thread = %d, want 404", w.Code)
	}
}

func gunzip(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestServeFeed_GzipNegotiation(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	plain := sitetest.Do(t, e.Handler, "GET", "/feeds/posts.atom", "")
	for _, tc := range []struct {
		acceptEncoding string
		gzip           bool
	}{
		{"", false},
		{"gzip", true},
		{"gzip, deflate, br", true},
		{"br;q=1.0, gzip;q=0.5", true},
		{"gzip;q=0", false},
		{"gzip;q=0.0, deflate", false},
		{"*", true},
		{"*;q=0", false},
		{"gzip;q=0, *", false},
		{"deflate, br", false},
		{"identity", false},
		{"x-gzip", true},
	} {
		t.Run(tc.acceptEncoding, func(t *testing.T) {
			var hdr []string
			if tc.acceptEncoding != "" {
				hdr = []string{"Accept-Encoding", tc.acceptEncoding}
			}
			w := sitetest.Do(t, e.Handler, "GET", "/feeds/posts.atom", "", hdr...)
			if w.Code != 200 {
				t.Fatalf("status %d", w.Code)
			}
			if got := w.Header().Get("Vary"); got != "Accept, Accept-Encoding" {
				t.Errorf("Vary = %q, want Accept, Accept-Encoding", got)
			}
			etag := w.Header().Get("ETag")
			body := w.Body.Bytes()
			if tc.gzip {
				if got := w.Header().Get("Content-Encoding"); got != "gzip" {
					t.Fatalf("Content-Encoding = %q, want gzip", got)
				}
				if etag == plain.Header().Get("ETag") || !strings.HasSuffix(etag, `-gzip"`) {
					t.Errorf("gzip ETag %s, identity ETag %s: want a distinct -gzip tag", etag, plain.Header().Get("ETag"))
				}
				body = gunzip(t, body)
			} else {
				if got := w.Header().Get("Content-Encoding"); got != "" {
					t.Errorf("Content-Encoding = %q, want none", got)
				}
				if etag != plain.Header().Get("ETag") {
					t.Errorf("ETag = %s, want %s", etag, plain.Header().Get("ETag"))
				}
			}
			if !bytes.Equal(body, plain.Body.Bytes()) {
				t.Error("decoded body differs from the identity body")
			}
		})
	}
	// Vary is on every answer of a feed URL, not only on successes.
	for _, w := range []http.Header{
		sitetest.Do(t, e.Handler, "GET", "/feeds/posts/nope/comments.atom", "").Header(),
		sitetest.Do(t, e.Handler, "GET", "/feeds/posts.atom", "", "If-None-Match", plain.Header().Get("ETag")).Header(),
	} {
		if got := w.Get("Vary"); got != "Accept, Accept-Encoding" {
			t.Errorf("Vary = %q on a 404/304", got)
		}
	}
}

// TestServeFeed_Conditional runs the RFC 9110 cases through the handler.
func TestServeFeed_Conditional(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	const path = "/feeds/posts/alpha/comments.atom"
	first := sitetest.Do(t, e.Handler, "GET", path, "")
	etag := first.Header().Get("ETag")
	lastMod, _ := http.ParseTime(first.Header().Get("Last-Modified"))
	gz := sitetest.Do(t, e.Handler, "GET", path, "", "Accept-Encoding", "gzip")
	gzTag := gz.Header().Get("ETag")
	date := func(t time.Time) string { return t.UTC().Format(http.TimeFormat) }
	weak := "W/" + etag

	for _, tc := range []struct {
		name    string
		method  string
		header  []string
		want    int
		wantTag string
	}{
		{"exact match", "GET", []string{"If-None-Match", etag}, 304, etag},
		{"weak match", "GET", []string{"If-None-Match", weak}, 304, etag},
		{"list with spaces", "GET", []string{"If-None-Match", `"nope", ` + etag + ` , "other"`}, 304, etag},
		{"star", "GET", []string{"If-None-Match", "*"}, 304, etag},
		{"mismatch", "GET", []string{"If-None-Match", `"nope"`}, 200, etag},
		{"INM mismatch beats IMS", "GET", []string{"If-None-Match", `"nope"`, "If-Modified-Since", date(lastMod)}, 200, etag},
		{"INM match beats old IMS", "GET", []string{"If-None-Match", etag, "If-Modified-Since", date(lastMod.Add(-time.Hour))}, 304, etag},
		{"IMS equal", "GET", []string{"If-Modified-Since", date(lastMod)}, 304, etag},
		{"IMS older", "GET", []string{"If-Modified-Since", date(lastMod.Add(-time.Second))}, 200, etag},
		{"IMS newer", "GET", []string{"If-Modified-Since", date(lastMod.Add(time.Hour))}, 304, etag},
		{"IMS bogus", "GET", []string{"If-Modified-Since", "not a date"}, 200, etag},
		{"IMS future", "GET", []string{"If-Modified-Since", date(time.Now().Add(48 * time.Hour))}, 200, etag},
		{"HEAD match", "HEAD", []string{"If-None-Match", etag}, 304, etag},
		{"HEAD IMS", "HEAD", []string{"If-Modified-Since", date(lastMod)}, 304, etag},
		{"gzip tag with gzip", "GET", []string{"If-None-Match", gzTag, "Accept-Encoding", "gzip"}, 304, gzTag},
		{"identity tag with gzip", "GET", []string{"If-None-Match", etag, "Accept-Encoding", "gzip"}, 304, etag},
		{"gzip tag without gzip", "GET", []string{"If-None-Match", gzTag}, 200, etag},
		{"gzip tag with gzip;q=0", "GET", []string{"If-None-Match", gzTag, "Accept-Encoding", "gzip;q=0"}, 200, etag},
		{"If-Match mismatch", "GET", []string{"If-Match", `"nope"`}, 412, etag},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := sitetest.Do(t, e.Handler, tc.method, path, "", tc.header...)
			if w.Code != tc.want {
				t.Fatalf("status = %d, want %d", w.Code, tc.want)
			}
			h := w.Header()
			if got := h.Get("ETag"); got != tc.wantTag {
				t.Errorf("ETag = %s, want %s", got, tc.wantTag)
			}
			if h.Get("Vary") != "Accept, Accept-Encoding" || h.Get("Cache-Control") != "public, max-age=300" {
				t.Errorf("Vary %q, Cache-Control %q", h.Get("Vary"), h.Get("Cache-Control"))
			}
			switch {
			case tc.want == 304:
				if w.Body.Len() != 0 {
					t.Errorf("304 with a %d-byte body", w.Body.Len())
				}
				for _, k := range []string{"Content-Type", "Content-Length", "Content-Encoding"} {
					if h.Get(k) != "" {
						t.Errorf("304 with %s: %s", k, h.Get(k))
					}
				}
			case tc.want == 200 && tc.method == "GET":
				if !bytes.Equal(w.Body.Bytes(), first.Body.Bytes()) {
					t.Error("200 body differs from the first GET's")
				}
			}
		})
	}
}

// TestServeFeed_304NoStoreCalls checks that revalidating a cached feed is
// answered from memory.
func TestServeFeed_304NoStoreCalls(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{CommentCounts: true})
	for path := range sitetest.FeedPaths("alpha") {
		for _, ae := range []string{"", "gzip"} {
			first := sitetest.Do(t, e.Handler, "GET", path, "", "Accept-Encoding", ae)
			before := e.St.N("")
			for i := 0; i < 3; i++ {
				w := sitetest.Do(t, e.Handler, "GET", path, "", "If-None-Match", first.Header().Get("ETag"), "Accept-Encoding", ae)
				if w.Code != 304 || w.Body.Len() != 0 {
					t.Fatalf("GET %s (%q) with its ETag = %d, %d bytes; want 304, none", path, ae, w.Code, w.Body.Len())
				}
				w = sitetest.Do(t, e.Handler, "GET", path, "", "If-Modified-Since", first.Header().Get("Last-Modified"), "Accept-Encoding", ae)
				if w.Code != 304 {
					t.Fatalf("GET %s with its Last-Modified = %d, want 304", path, w.Code)
				}
			}
			if n := e.St.N(""); n != before {
				t.Errorf("%s (%q): 304s made %d store calls", path, ae, n-before)
			}
		}
	}
}

// TestServeFeed_OverTheWire runs the handler in a real HTTP server, where
// net/http applies its own rules to HEAD, 304 and Content-Length.
func TestServeFeed_OverTheWire(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	ts := httptest.NewServer(e.Handler)
	defer ts.Close()
	url := ts.URL + "/feeds/posts/alpha/comments.atom"

	// The Go client asks for gzip and decodes it transparently.
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !resp.Uncompressed || !strings.Contains(string(body), "first on alpha") {
		t.Fatalf("GET = %d, uncompressed %v, %d bytes", resp.StatusCode, resp.Uncompressed, len(body))
	}
	etag := resp.Header.Get("ETag")

	for _, method := range []string{"HEAD", "GET"} {
		req, _ := http.NewRequest(method, url, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		req.Header.Set("If-None-Match", etag)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 304 || len(b) != 0 || resp.Header.Get("ETag") != etag {
			t.Errorf("conditional %s = %d, %d bytes, ETag %s", method, resp.StatusCode, len(b), resp.Header.Get("ETag"))
		}
	}

	req, _ := http.NewRequest("HEAD", url, nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(b) != 0 || resp.ContentLength != int64(len(body)) {
		t.Errorf("HEAD = %d, %d bytes, Content-Length %d (GET body %d)", resp.StatusCode, len(b), resp.ContentLength, len(body))
	}
}
