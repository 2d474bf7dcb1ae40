package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/feedd/feedd/submit"
	"github.com/feedd/feedd/webmention"
)

// TestPost_HEntry: a post page is an h-entry, read by the microformats2
// parser that reads mentions' sources: its title, permalink, dates,
// author (an h-card with the author's URL) and content, as the post has
// them. Another feedd attributes a mention from this page by them.
func TestPost_HEntry(t *testing.T) {
	s := newSite(t, testBase, submit.Config{})
	w := do(t, s.handler, "GET", "/posts/logbooks", "")
	if w.Code != 200 {
		t.Fatalf("GET = %d", w.Code)
	}
	base, _ := url.Parse(testBase + "/posts/logbooks")
	d, err := webmention.Parse(w.Body, base)
	if err != nil {
		t.Fatal(err)
	}
	permalink := testBase + "/posts/logbooks"
	e := webmention.FindEntry(d, permalink)
	if e == nil {
		t.Fatal("no h-entry on the post page")
	}
	if e.Name != "What the logbooks remember" || e.URL != permalink {
		t.Errorf("name %q, url %q", e.Name, e.URL)
	}
	if e.Author.Name != "Agnes Tulloch" || e.Author.URL != "https://example.org/agnes" {
		t.Errorf("author %+v", e.Author)
	}
	if got := e.Published.UTC().Format("2006-01-02T15:04"); got != "2026-03-02T09:00" {
		t.Errorf("published %s", got)
	}
	if !strings.Contains(e.ContentHTML, "The dull entries matter most.") || strings.Contains(e.ContentText, "Who relieved") {
		t.Errorf("content %q: want the post's, not its comments'", e.ContentText)
	}
}
