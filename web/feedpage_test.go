package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/sitetest"
	"github.com/feedd/feedd/submit"
)

// browserAccept is the Accept field of Chromium's navigations.
const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8"

// feedPage gets the page a browser gets at a feed's path, parsed, and
// checks it is a harmless HTML page.
func feedPage(t *testing.T, s *site, path string) string {
	t.Helper()
	w := do(t, s.handler, "GET", path, "", "Accept", browserAccept)
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET %s as a browser = %d, %q", path, w.Code, w.Header().Get("Content-Type"))
	}
	body := w.Body.String()
	doc := parseHTML(t, strings.NewReader(body))
	checkPageHarmless(t, path, doc)
	return body
}

// The page of each kind of feed shows its entries as the site does, says
// what a feed is and gives the address to copy, in the format asked for.
func TestFeedPage_Kinds(t *testing.T) {
	s := newSite(t, testBase, submit.Config{})
	for _, tc := range []struct {
		path    string
		want    []string // in the page, in this order
		notWant []string
	}{
		{"/feeds/posts.atom", []string{
			"This is a web feed (Atom)", `value="` + testBase + `/feeds/posts.atom"`,
			`<a href="/posts/welcome">Welcome</a>`, "9 March 2026", "A first post.",
			`<a href="/posts/logbooks">What the logbooks remember</a>`, "2 March 2026", "by Agnes Tulloch",
		}, []string{"Gone soon", "comments</a>"}},
		{"/feeds/posts.rss?category=archives", []string{
			"This is a web feed (RSS)", `value="` + testBase + `/feeds/posts.rss?category=archives"`,
			"What the logbooks remember",
		}, []string{">Welcome<"}},
		{"/feeds/comments.json", []string{
			"This is a web feed (JSON Feed)", `value="` + testBase + `/feeds/comments.json"`,
			"Orphan", `on <a href="/posts/logbooks">What the logbooks remember</a>`,
			`href="/posts/logbooks#comment-c6"`, "5 March 2026, 11:00 UTC", "Answering a deleted comment.",
			"Who relieved the keepers?",
		}, []string{"Waiting for review.", "Soon deleted."}},
		{"/feeds/posts/logbooks/comments.rss", []string{
			`value="` + testBase + `/feeds/posts/logbooks/comments.rss"`,
			`<a href="/posts/logbooks">Read ‘What the logbooks remember’ and join the conversation</a>`,
			// threaded: c1, its reply c2 nested, c3 under c2; then c4.
			`id="comment-c1"`, `<ol class="replies">`, `id="comment-c2"`, `<ol class="replies">`, `id="comment-c3"`,
			`id="comment-c4"`, "4 March 2026, 21:05 UTC",
		}, []string{"Waiting for review.", "Reply<"}},
		{"/feeds/posts/default?alt=rss", []string{"This is a web feed (RSS)", "Welcome"}, nil},
	} {
		t.Run(tc.path, func(t *testing.T) {
			body := feedPage(t, s, tc.path)
			rest := body
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("the page lacks %q (in order):\n%s", w, body)
				}
				rest = rest[i+len(w):]
			}
			for _, w := range tc.notWant {
				if strings.Contains(body, w) {
					t.Errorf("the page shows %q:\n%s", w, body)
				}
			}
		})
	}
}

// A long thread's head, pages and archives link each other on their
// pages as in the feed, and an archive says it is one.
func TestFeedPage_Paging(t *testing.T) {
	s := newSite(t, testBase, submit.Config{})
	ctx := context.Background()
	start := sitetest.Date("2026-04-01T00:00:00Z")
	for i := range 60 {
		c := &feed.Comment{ID: fmt.Sprintf("n%02d", i), PostID: "welcome", AuthorName: "Reader",
			Content: fmt.Sprintf("Comment number %d.", i), Published: start.Add(time.Duration(i) * time.Hour)}
		if err := s.st.CreateComment(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	const head = "/feeds/posts/welcome/comments.atom"
	body := feedPage(t, s, head)
	for _, want := range []string{
		`<a href="` + testBase + `/feeds/posts/welcome/comments.atom?page=2">Older entries</a>`,
		`<a href="` + testBase + `/feeds/posts/welcome/comments/archive/1.atom">Older entries (archive)</a>`,
		"Comment number 59.", "Comment number 25.",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the head's page lacks %q", want)
		}
	}
	if strings.Contains(body, "Comment number 24.") {
		t.Error("the head's page shows an entry of the archive")
	}
	body = feedPage(t, s, "/feeds/posts/welcome/comments/archive/1.atom")
	for _, want := range []string{
		"An archive of older entries",
		// the address to copy is the feed's, not the archive's
		`value="` + testBase + `/feeds/posts/welcome/comments.atom"`,
		`<a href="` + testBase + `/feeds/posts/welcome/comments.atom">Newest entries</a>`,
		"Comment number 0.", "Comment number 24.",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the archive's page lacks %q", want)
		}
	}
}

// A digest's page lists its closed periods; unknown and deleted threads
// answer 404 and 410 to browsers as to readers.
func TestFeedPage_DigestAndErrors(t *testing.T) {
	s := newSite(t, testBase, submit.Config{})
	// Digests show the periods before today's.
	day := time.Now().UTC().AddDate(0, 0, -2).Truncate(24 * time.Hour).Add(9 * time.Hour)
	ctx := context.Background()
	if err := s.st.CreatePost(ctx, &feed.Post{ID: "recent", Title: "A recent post", Content: "x", Published: day}); err != nil {
		t.Fatal(err)
	}
	if err := s.st.CreateComment(ctx, &feed.Comment{PostID: "recent", AuthorName: "Quick Reader", Content: "First!", Published: day.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	body := feedPage(t, s, "/feeds/digest.atom?period=daily")
	for _, want := range []string{"a summary of each day or week", day.Format("2 January 2006"),
		`1 new post: <a href="/posts/recent">A recent post</a>`, "Quick Reader", "First!"} {
		if !strings.Contains(body, want) {
			t.Errorf("the digest's page lacks %q", want)
		}
	}
	for path, code := range map[string]int{
		"/feeds/posts/nope/comments.atom":    404,
		"/feeds/posts/deleted/comments.atom": 410,
		"/feeds/posts.atom?page=99":          404,
		"/feeds/posts.atom?max-results=x":    400,
	} {
		w := do(t, s.handler, "GET", path, "", "Accept", browserAccept)
		if w.Code != code || strings.Contains(w.Body.String(), "This is a web feed") {
			t.Errorf("GET %s as a browser = %d, want %d", path, w.Code, code)
		}
	}
}
