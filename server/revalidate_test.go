package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/sitetest"
)

// revalidationPaths returns a URL of every kind of feed document feedd
// serves, in every format: heads, pages, archives, digests, queries,
// Blogger's URLs, thread feeds and their archives. It expects a posts feed,
// comments feed and thread of alpha of more than two pages each.
func revalidationPaths() []string {
	var paths []string
	for _, ext := range []string{"atom", "rss", "json"} {
		paths = append(paths,
			"/feeds/posts."+ext,
			"/feeds/posts."+ext+"?page=2",
			"/feeds/posts/archive/1."+ext,
			"/feeds/posts."+ext+"?category=even",
			"/feeds/posts."+ext+"?author=ann",
			"/feeds/posts."+ext+"?category=even&page=2",
			"/feeds/posts."+ext+"?start-index=3&max-results=2",
			"/feeds/posts."+ext+"?published-min=2026-04-10&orderby=updated",
			"/feeds/comments."+ext,
			"/feeds/comments."+ext+"?page=2",
			"/feeds/comments/archive/1."+ext,
			"/feeds/comments."+ext+"?max-results=1",
			"/feeds/posts/alpha/comments."+ext,
			"/feeds/posts/alpha/comments."+ext+"?page=2",
			"/feeds/posts/alpha/comments/archive/1."+ext,
			"/feeds/posts/alpha/comments/archive/2."+ext,
			"/feeds/posts/alpha/comments."+ext+"?start-index=2",
			"/feeds/digest."+ext+"?period=daily",
			"/feeds/digest."+ext+"?period=weekly",
			"/feeds/digest/daily."+ext,
			"/feeds/digest/weekly."+ext,
			"/feeds/posts/default?alt="+ext,
			"/feeds/posts/summary?alt="+ext,
			"/feeds/comments/default?alt="+ext,
			"/feeds/alpha/comments/default?alt="+ext,
			"/feeds/posts/default/-/even?alt="+ext,
			"/feeds/posts/default?alt="+ext+"&start-index=3&max-results=2",
		)
	}
	return append(paths,
		"/feeds/posts/default", // Atom without alt
		"/feeds/posts/summary",
		"/feeds/comments/default",
		"/feeds/alpha/comments/default",
		"/feeds/posts/default/-/odd",
		"/feeds/posts/default/-/odd?max-results=3",
	)
}

// TestServeFeed_304MatchesThe200 revalidates every kind of feed document
// (revalidationPaths), identity and gzip, by If-None-Match (with and
// without A-IM: feed, deltas on) and by If-Modified-Since, over a real
// connection: each 304 carries the ETag, Last-Modified, Cache-Control and
// Vary of the 200 it stands for, exactly, and a Date (RFC 9110 §15.4.5),
// and no body, nor a Content-Type, Content-Length or Content-Encoding that
// differs from the 200's.
func TestServeFeed_304MatchesThe200(t *testing.T) {
	// Pages of 2 give every feed pages and archives.
	e := bloggerEnvWith(t, sitetest.Options{PageSize: 2, Config: deltaOn}) // 32 posts
	ctx := context.Background()
	for i := range 4 { // alpha: 6 comments, the site 7
		c := &feed.Comment{ID: fmt.Sprintf("a%d", i+3), PostID: "alpha", AuthorName: "Ann",
			Content: "more", Published: sitetest.Date("2026-03-06T10:00:00Z").AddDate(0, 0, i)}
		if err := e.DB.CreateComment(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	e.Sync(t)
	ts := httptest.NewServer(e.Handler)
	defer ts.Close()

	fetch := func(t *testing.T, path string, header ...string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest("GET", ts.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultTransport.RoundTrip(req) // no decoding of gzip, no redirects
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, body
	}

	for _, path := range revalidationPaths() {
		for _, coding := range []string{"identity", "gzip"} {
			t.Run(path+"/"+coding, func(t *testing.T) {
				ok, body := fetch(t, path, "Accept-Encoding", coding)
				if ok.StatusCode != http.StatusOK {
					t.Fatalf("GET: %d %s", ok.StatusCode, body)
				}
				if (coding == "gzip") != (ok.Header.Get("Content-Encoding") == "gzip") {
					t.Fatalf("GET with Accept-Encoding %s: Content-Encoding %q", coding, ok.Header.Get("Content-Encoding"))
				}
				for _, f := range []string{"ETag", "Last-Modified", "Cache-Control", "Vary", "Date"} {
					if ok.Header.Get(f) == "" {
						t.Fatalf("the 200 has no %s", f)
					}
				}
				for _, rv := range []struct {
					name   string
					header []string
				}{
					{"If-None-Match", []string{"If-None-Match", ok.Header.Get("ETag")}},
					{"If-None-Match with A-IM", []string{"If-None-Match", ok.Header.Get("ETag"), "A-IM", "feed"}},
					{"If-Modified-Since", []string{"If-Modified-Since", ok.Header.Get("Last-Modified")}},
				} {
					nm, nmBody := fetch(t, path, append([]string{"Accept-Encoding", coding}, rv.header...)...)
					if nm.StatusCode != http.StatusNotModified {
						t.Errorf("%s: %d, want 304", rv.name, nm.StatusCode)
						continue
					}
					for _, f := range []string{"ETag", "Last-Modified", "Cache-Control", "Vary"} {
						if got, want := nm.Header.Values(f), ok.Header.Values(f); !slices.Equal(got, want) {
							t.Errorf("%s: 304 %s %q, the 200's %q", rv.name, f, got, want)
						}
					}
					if nm.Header.Get("Date") == "" {
						t.Errorf("%s: 304 without Date", rv.name)
					}
					if len(nmBody) != 0 {
						t.Errorf("%s: 304 with a %d-byte body", rv.name, len(nmBody))
					}
					for _, f := range []string{"Content-Type", "Content-Length", "Content-Encoding"} {
						if got := nm.Header.Get(f); got != "" && got != ok.Header.Get(f) {
							t.Errorf("%s: 304 %s %q contradicts the 200's %q", rv.name, f, got, ok.Header.Get(f))
						}
					}
				}
			})
		}
	}
}
