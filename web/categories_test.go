package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	nethtml "golang.org/x/net/html"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/sitetest"
	"github.com/feedd/feedd/submit"
)

// A post's page links each of its categories to the Atom feed of the
// posts in it and advertises that feed in its head; the home page does
// not.
func TestPost_CategoryFeeds(t *testing.T) {
	categories := []string{
		"archives",
		"Tides & Currents",
		`He said "hello" and 'bye'`,
		"Leuchttürme in Ålesund – 灯台",
		`"><script>alert(1)</script>`,
		"a+b=c?d#e/f%20",
	}
	for base, prefix := range map[string]string{testBase: testBase, "https://example.org/blog/": "https://example.org/blog"} {
		t.Run(base, func(t *testing.T) {
			s := newSite(t, base, submit.Config{})
			p := &feed.Post{ID: "tagged", Title: "Tagged", Content: "<p>x</p>", Categories: categories,
				Published: sitetest.Date("2026-03-10T08:00:00Z")}
			if err := s.st.CreatePost(context.Background(), p); err != nil {
				t.Fatal(err)
			}
			w := do(t, s.handler, "GET", "/posts/tagged", "")
			if w.Code != 200 {
				t.Fatalf("GET = %d", w.Code)
			}
			raw := w.Body.String()
			doc := parseHTML(t, strings.NewReader(raw))
			var views []feed.View
			for _, c := range categories {
				views = append(views, feed.View{Category: c})
			}
			checkFeedLinks(t, s, doc, "tagged", views...)
			checkPageHarmless(t, "post", doc)

			links := findAll(doc, tagged("link", "rel", "alternate", "type", "application/atom+xml"))
			links = links[len(links)-len(categories):] // after the site and thread feeds
			items := findAll(findAll(doc, tagged("ul", "class", "tags"))[0], tagged("a"))
			if len(items) != len(categories) {
				t.Fatalf("%d category links, want %d", len(items), len(categories))
			}
			for i, c := range categories {
				want := s.r.ViewURL(feed.PostsFeed, feed.View{Category: c}, feed.Atom)
				if !strings.HasPrefix(want, prefix+"/feeds/posts.atom?category=") {
					t.Fatalf("ViewURL = %s", want)
				}
				if u, err := url.Parse(want); err != nil || u.Query().Get("category") != c || len(u.Query()) != 1 {
					t.Errorf("category %q: the feed URL %s does not select it", c, want)
				}
				// The feed answers, with the post.
				if fw := do(t, s.handler, "GET", strings.TrimPrefix(want, prefix), ""); fw.Code != 200 ||
					!strings.Contains(fw.Body.String(), s.r.PostURL("tagged")) || strings.Contains(fw.Body.String(), s.r.PostURL("welcome")) {
					t.Errorf("category %q: GET %s = %d, without the post or with others", c, want, fw.Code)
				}
				l := links[i]
				if got := attr(l, "href"); got != want {
					t.Errorf("category %q: link href %s, want %s", c, got, want)
				}
				if got, want := attr(l, "title"), "Posts in \u2018"+c+"\u2019"; got != want {
					t.Errorf("category %q: link title %q, want %q", c, got, want)
				}
				a := items[i]
				if got := attr(a, "href"); got != want {
					t.Errorf("category %q: list link %s, want %s", c, got, want)
				}
				if got := attr(a, "type"); got != "application/atom+xml" {
					t.Errorf("category %q: list link type %q", c, got)
				}
				if got := text(a); got != "Feed of posts in "+c {
					t.Errorf("category %q: list link text %q", c, got)
				}
				for n := a.FirstChild; n != nil; n = n.NextSibling {
					if n.Type == nethtml.ElementNode && n.Data != "span" {
						t.Errorf("category %q: the link holds a <%s>", c, n.Data)
					}
				}
			}
			// The markup as feed finders match it: the "+" of the media
			// type and the quotes of the title as written.
			if !strings.Contains(raw, `<link rel="alternate" type="application/atom+xml" title="Posts in ‘Tides &amp; Currents’" href="`+
				prefix+`/feeds/posts.atom?category=Tides+%26+Currents">`) {
				t.Error("the head lacks the category link as markup")
			}

			home := parseHTML(t, do(t, s.handler, "GET", "/", "").Body)
			checkFeedLinks(t, s, home, "")
			if n := len(findAll(home, tagged("ul", "class", "tags"))); n != 0 {
				t.Errorf("the home page lists categories %d times", n)
			}
		})
	}
}

// A post without categories has no category list and no category links.
func TestPost_NoCategories(t *testing.T) {
	s := newSite(t, testBase, submit.Config{})
	doc := parseHTML(t, do(t, s.handler, "GET", "/posts/welcome", "").Body)
	checkFeedLinks(t, s, doc, "welcome")
	if n := len(findAll(doc, tagged("ul", "class", "tags"))); n != 0 {
		t.Errorf("%d category lists", n)
	}
}
