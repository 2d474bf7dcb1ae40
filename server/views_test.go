package server_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/sitetest"
)

// TestFeedQuery_BadInput sends malformed query parameters to every kind
// of feed URL. Each must get 400 naming the parameter, cost no store call,
// and not be cached by anyone (Cache-Control: no-cache).
func TestFeedQuery_BadInput(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	long := strings.Repeat("x", 101)
	for _, tc := range []struct {
		name, path, mention string
	}{
		{"page zero", "/feeds/posts.atom?page=0", "page"},
		{"page negative", "/feeds/posts.atom?page=-2", "page"},
		{"page word", "/feeds/comments.rss?page=two", "page"},
		{"page fraction", "/feeds/posts/alpha/comments.json?page=1.5", "page"},
		{"page empty", "/feeds/posts.atom?page=", "page"},
		{"page plus", "/feeds/posts.atom?page=+2", "page"},
		{"page twice", "/feeds/posts.atom?page=2&page=3", "page"},
		{"page with max-results", "/feeds/posts.atom?page=2&max-results=5", "page"},
		{"malformed query", "/feeds/posts.atom?page=%zz", "query"},
		{"category empty", "/feeds/posts.atom?category=", "category"},
		{"category blank", "/feeds/posts.atom?category=%20%20", "category"},
		{"category too long", "/feeds/posts.atom?category=" + long, "category"},
		{"category of comments", "/feeds/comments.atom?category=one", "category"},
		{"category of a thread", "/feeds/posts/alpha/comments.atom?category=one", "category"},
		{"author of comments", "/feeds/comments.rss?author=Bob", "author"},
		{"author empty", "/feeds/posts.rss?author=", "author"},
		{"max-results zero", "/feeds/posts/default?max-results=0", "max-results"},
		{"max-results negative", "/feeds/posts/default?max-results=-5", "max-results"},
		{"max-results word", "/feeds/posts/default?max-results=all", "max-results"},
		{"max-results huge", "/feeds/posts/default?max-results=99999999999999999999", "max-results"},
		{"start-index zero", "/feeds/posts/default?start-index=0", "start-index"},
		{"start-index word", "/feeds/comments/default?start-index=first", "start-index"},
		{"published-min word", "/feeds/posts/default?published-min=yesterday", "published-min"},
		{"published-max no zone garbage", "/feeds/posts/default?published-max=2026-13-01", "published-max"},
		{"updated-min bad", "/feeds/posts/default?updated-min=2026-03-01T25:00:00Z", "updated-min"},
		{"updated-max empty", "/feeds/posts/alpha/comments.atom?updated-max=", "updated-max"},
		{"updated-min twice", "/feeds/posts.atom?updated-min=2026-03-01&updated-min=2026-03-02", "updated-min"},
		{"orderby unknown", "/feeds/posts/default?orderby=relevance", "orderby"},
		{"orderby empty", "/feeds/comments.json?orderby=", "orderby"},
		{"alt unknown", "/feeds/posts/default?alt=rdf", "alt"},
		{"alt empty", "/feeds/comments/default?alt=", "alt"},
		{"alt twice", "/feeds/posts/default?alt=rss&alt=json", "alt"},
		{"alt on a thread", "/feeds/alpha/comments/default?alt=html", "alt"},
		{"label and category", "/feeds/posts/default/-/one?category=two", "category"},
		{"digest period unknown", "/feeds/digest.atom?period=monthly", "period"},
		{"digest period empty", "/feeds/digest.rss?period=", "period"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.St.N("")
			w := sitetest.Do(t, e.Handler, "GET", tc.path, "")
			if w.Code != http.StatusBadRequest {
				t.Fatalf("%s: status %d, want 400; body %q", tc.path, w.Code, w.Body)
			}
			if !strings.Contains(w.Body.String(), tc.mention) {
				t.Errorf("%s: body %q does not name %q", tc.path, w.Body, tc.mention)
			}
			if cc := w.Header().Get("Cache-Control"); cc != "no-cache" {
				t.Errorf("%s: Cache-Control %q", tc.path, cc)
			}
			if n := e.St.N("") - before; n != 0 {
				t.Errorf("%s: %d store calls", tc.path, n)
			}
		})
	}
}

// TestFeedPaths_NotFound checks that URLs in the new feed trees that name
// no document answer 404.
func TestFeedPaths_NotFound(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	for _, path := range []string{
		"/feeds/posts/archive/0.atom",
		"/feeds/posts/archive/01.atom",
		"/feeds/posts/archive/1.html",
		"/feeds/posts/archive/x.atom",
		"/feeds/posts/archive/1.atom", // two posts: no full archive
		"/feeds/comments/archive/1.rss",
		"/feeds/posts/alpha/comments/archive/1.json",
		"/feeds/posts/nope/comments/archive/1.atom",
		"/feeds/posts.atom?page=2", // one page only
		"/feeds/digest/monthly.atom",
		"/feeds/digest/daily.html",
		"/feeds/nope/comments/default",
		"/feeds/alpha/replies/default",
		"/feeds/other/alpha/comments.atom",
	} {
		if w := sitetest.Do(t, e.Handler, "GET", path, ""); w.Code != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404; body %q", path, w.Code, w.Body)
		}
	}
}

// TestFeedQuery_AnyInputWellFormed sends selections and queries holding
// what XML forbids, markup, and text that looks escaped already: every
// answer is 200 or 400, and every 200 parses, as XML and with gofeed.
func TestFeedQuery_AnyInputWellFormed(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	for _, s := range []string{"\x00", "\x01\x1b[31m", "\uFFFE", "\xff\xfe", "<b>&amp;</b>", "&lt;script&gt;", "]]>", "a\u2028b", "\xed\xa0\x80"} {
		for _, param := range []string{"category", "author"} {
			for _, f := range feed.Formats {
				path := "/feeds/posts." + string(f) + "?" + url.Values{param: {s}}.Encode()
				w := sitetest.Do(t, e.Handler, "GET", path, "")
				switch w.Code {
				case http.StatusBadRequest:
					continue
				case http.StatusOK:
				default:
					t.Fatalf("%s: status %d", path, w.Code)
				}
				if f != feed.JSON {
					d := xml.NewDecoder(bytes.NewReader(w.Body.Bytes()))
					for {
						if _, err := d.Token(); err == io.EOF {
							break
						} else if err != nil {
							t.Fatalf("%s: not well-formed: %v\n%s", path, err, w.Body)
						}
					}
				} else if !json.Valid(w.Body.Bytes()) {
					t.Fatalf("%s: not valid JSON", path)
				}
				parse(t, w.Body.Bytes())
			}
		}
	}
}
