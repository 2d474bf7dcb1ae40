package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/sitetest"
)

// fuzzFeedPaths are the feed URLs FuzzFeedQuery sends queries to: every
// pattern of the catalogue (feed.Routes), with the seeded post "alpha"
// and the label "one".
var fuzzFeedPaths = []string{
	"/feeds/posts.atom", "/feeds/posts.rss", "/feeds/posts.json",
	"/feeds/comments.atom", "/feeds/comments.rss", "/feeds/comments.json",
	"/feeds/posts/alpha/comments.atom", "/feeds/posts/alpha/comments.rss", "/feeds/posts/alpha/comments.json",
	"/feeds/digest/daily.atom", "/feeds/digest/weekly.rss", "/feeds/digest/daily.json",
	"/feeds/posts/archive/1.atom", "/feeds/comments/archive/1.rss", "/feeds/posts/alpha/comments/archive/1.json",
	"/feeds/digest.atom", "/feeds/digest.json",
	"/feeds/posts/default", "/feeds/posts/summary", "/feeds/posts/default/-/one",
	"/feeds/comments/default", "/feeds/alpha/comments/default",
}

// FuzzFeedQuery sends feed query parameters (page, start-index,
// max-results, category, author, period, alt, and any raw query after
// them) to each feed URL through the real HTTP handler over a SQLite
// store of a dozen posts and comments, with pages of 2 entries. No answer
// may be a 5xx (a panic is one, or stops the test); a 200 must be a
// well-formed feed that gofeed parses, of the Content-Type it says.
func FuzzFeedQuery(f *testing.F) {
	// path, page, start-index, max-results, category, author, period,
	// alt, raw query
	type seed struct {
		path                                                   uint8
		page, start, max, category, author, period, alt, query string
	}
	for _, s := range []seed{
		{0, "2", "", "", "", "", "", "", ""},
		{0, "", "9223372036854775807", "", "", "", "", "", ""},
		{1, "", "3", "500", "", "", "", "", ""},
		{2, "", "", "", "one", "", "", "", ""},
		{0, "", "", "", "", "Ann", "", "", ""},
		{17, "", "1", "1", "", "", "", "rss", "orderby=updated"},
		{19, "", "", "", "", "", "", "json", "published-min=2026-03-01&published-max=2026-03-31T00:00:00Z"},
		{15, "", "", "", "", "", "weekly", "", ""},
		{6, "3", "", "", "", "", "", "", ""},
		{12, "", "", "", "", "", "", "", "page=2"},
		{0, "-1", "0", "99999999999999999999", "", " ", "", "", "%zz&updated-min=x"},
		{3, "", "", "", "one", "", "", "", "category=two"},
		{0, "1", "2", "", "", "", "", "", "a=1;b=2"},
	} {
		f.Add(s.path, s.page, s.start, s.max, s.category, s.author, s.period, s.alt, s.query)
	}

	e := sitetest.New(f, sitetest.Options{PageSize: 2})
	ctx := context.Background()
	at := sitetest.Date("2026-03-10T10:00:00Z")
	for i := range 10 {
		p := &feed.Post{ID: fmt.Sprintf("p%d", i), Title: fmt.Sprintf("Post %d", i), Content: "<p>body</p>",
			AuthorName: []string{"Ann", "Bo"}[i%2], Categories: []string{[]string{"one", "two"}[i%2]},
			Published: at.Add(time.Duration(i) * time.Hour)}
		if err := e.DB.CreatePost(ctx, p); err != nil {
			f.Fatal(err)
		}
		c := &feed.Comment{ID: fmt.Sprintf("c%d", i), PostID: "alpha", AuthorName: "Cy", Content: "hi",
			Published: at.Add(time.Duration(i) * time.Minute)}
		if err := e.DB.CreateComment(ctx, c); err != nil {
			f.Fatal(err)
		}
	}
	e.Sync(f)

	f.Fuzz(func(t *testing.T, path uint8, page, start, max, category, author, period, alt, query string) {
		q := url.Values{}
		for _, p := range []struct{ name, v string }{{"page", page}, {"start-index", start}, {"max-results", max},
			{"category", category}, {"author", author}, {"period", period}, {"alt", alt}} {
			if p.v != "" {
				q.Set(p.name, p.v)
			}
		}
		raw := q.Encode()
		if query != "" {
			raw += "&" + query
		}
		target := fuzzFeedPaths[int(path)%len(fuzzFeedPaths)]
		req := httptest.NewRequest("GET", target, nil)
		req.URL.RawQuery = raw
		req.RequestURI = target + "?" + raw
		w := httptest.NewRecorder()
		e.Handler.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("GET %s?%s = %d %s", target, raw, w.Code, w.Body)
		}
		if w.Code != http.StatusOK {
			return
		}
		ct := w.Header().Get("Content-Type")
		ext := ""
		switch {
		case strings.HasPrefix(ct, "application/atom+xml"):
			ext = "atom"
		case strings.HasPrefix(ct, "application/rss+xml"):
			ext = "rss"
		case strings.HasPrefix(ct, "application/feed+json"):
			ext = "json"
		default:
			t.Fatalf("GET %s?%s = 200 as %q", target, raw, ct)
		}
		sitetest.CheckFeedWellFormed(t, target+"?"+raw, w.Body.Bytes(), ext)
	})
}
