package web_test

import (
	"net/http"
	"strings"
	"testing"

	nethtml "golang.org/x/net/html"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/submit"
)

func TestHome(t *testing.T) {
	s := newSite(t, testBase, submit.Config{})
	w := do(t, s.handler, "GET", "/", "")
	if w.Code != 200 || w.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET / = %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	if cc := w.Header().Get("Cache-Control"); cc != "public, max-age=60" {
		t.Errorf("Cache-Control = %q", cc)
	}
	doc := parseHTML(t, w.Body)
	var titles, counts []string
	for _, a := range findAll(doc, tagged("article")) {
		titles = append(titles, text(findAll(a, tagged("h2"))[0]))
		meta := findAll(a, tagged("p", "class", "meta"))[0]
		counts = append(counts, text(findAll(meta, func(n *nethtml.Node) bool {
			return n.Data == "a" && strings.HasSuffix(attr(n, "href"), "#comments")
		})[0]))
	}
	// Newest first, the deleted post left out; approved comments counted,
	// not the held or the deleted one.
	if got, want := strings.Join(titles, "|"), "Welcome|What the logbooks remember"; got != want {
		t.Errorf("posts = %s, want %s", got, want)
	}
	if got, want := strings.Join(counts, "|"), "0 comments|5 comments"; got != want {
		t.Errorf("comment counts = %s, want %s", got, want)
	}
	if !strings.Contains(text(doc), "A first post.") || !strings.Contains(text(doc), "Four years of logbooks, transcribed.") {
		t.Error("the home page lacks a summary or an excerpt")
	}
	checkFeedLinks(t, s, doc, "")

	// Conditional GET.
	tag := w.Header().Get("ETag")
	if w2 := do(t, s.handler, "GET", "/", "", "If-None-Match", tag); tag == "" || w2.Code != http.StatusNotModified || w2.Body.Len() != 0 {
		t.Errorf("If-None-Match %s = %d", tag, w2.Code)
	}
}

// checkFeedLinks checks a page's autodiscovery links: the posts and site
// comments feeds, and the thread's when postID is set, each in every
// format, with its media type and a title, then the Atom feed of each of
// the categories.
func checkFeedLinks(t *testing.T, s *site, doc *nethtml.Node, postID string, selections ...feed.View) {
	t.Helper()
	refs := []feed.Ref{feed.PostsFeed, feed.CommentsFeed}
	if postID != "" {
		refs = append(refs, feed.ThreadFeed(postID))
	}
	types := map[feed.Format]string{feed.Atom: "application/atom+xml", feed.RSS: "application/rss+xml", feed.JSON: "application/feed+json"}
	var want []string
	for _, ref := range refs {
		for _, f := range feed.Formats {
			want = append(want, types[f]+" "+s.r.FeedURL(ref, f))
			if !strings.HasPrefix(render.ContentType(f), types[f]+";") {
				t.Fatalf("link type %s is not the type feeds are served with, %s", types[f], render.ContentType(f))
			}
		}
	}
	for _, v := range selections {
		want = append(want, types[feed.Atom]+" "+s.r.ViewURL(feed.PostsFeed, v, feed.Atom))
	}
	var got []string
	for _, l := range findAll(doc, tagged("link", "rel", "alternate")) {
		got = append(got, attr(l, "type")+" "+attr(l, "href"))
		if attr(l, "title") == "" {
			t.Errorf("feed link %s has no title", attr(l, "href"))
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("feed links:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestPost(t *testing.T) {
	s := newSite(t, testBase, submit.Config{})
	w := do(t, s.handler, "GET", "/posts/logbooks", "")
	if w.Code != 200 {
		t.Fatalf("GET = %d", w.Code)
	}
	if cc := w.Header().Get("Cache-Control"); cc != "no-cache" || w.Header().Get("ETag") == "" {
		t.Errorf("Cache-Control = %q, ETag %q", cc, w.Header().Get("ETag"))
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	doc := parseHTML(t, w.Body)
	checkFeedLinks(t, s, doc, "logbooks", feed.View{Category: "archives"}, feed.View{Author: "Agnes Tulloch"})

	t.Run("author feed", func(t *testing.T) {
		href := s.r.ViewURL(feed.PostsFeed, feed.View{Author: "Agnes Tulloch"}, feed.Atom)
		if len(findAll(doc, tagged("a", "href", href))) != 1 {
			t.Errorf("the byline does not link %s", href)
		}
		w := do(t, s.handler, "GET", strings.TrimPrefix(href, strings.TrimSuffix(testBase, "/")), "")
		if w.Code != 200 || !strings.Contains(w.Body.String(), "What the logbooks remember") || strings.Contains(w.Body.String(), "<title>Welcome</title>") {
			t.Errorf("author feed: %d\n%s", w.Code, w.Body)
		}
	})

	t.Run("nesting", func(t *testing.T) {
		// c1 > c2 > c3, then c4; c6 answers the deleted c5 and goes to
		// the top level; the held h1 is not shown.
		if got, want := threadShape(byID(doc, "comments").Parent), "c1(c2(c3)) c4 c6"; got != want {
			t.Errorf("thread = %s, want %s", got, want)
		}
		if byID(doc, "comment-h1") != nil || byID(doc, "comment-c5") != nil {
			t.Error("a held or deleted comment is shown")
		}
		if got := text(byID(doc, "comments")); got != "5 comments" {
			t.Errorf("comments heading = %q", got)
		}
	})

	t.Run("anchors are the feeds' comment links", func(t *testing.T) {
		atom := do(t, s.handler, "GET", "/feeds/posts/logbooks/comments.atom", "").Body.String()
		for _, id := range []string{"c1", "c2", "c3", "c4", "c6"} {
			link := s.r.CommentURL("logbooks", id)
			if !strings.Contains(atom, `href="`+link+`"`) {
				t.Errorf("the thread feed lacks the link %s", link)
			}
			_, frag, _ := strings.Cut(link, "#")
			if byID(doc, frag) == nil {
				t.Errorf("the page has no element with the id %s", frag)
			}
		}
	})

	t.Run("accessibility", func(t *testing.T) {
		html := findAll(doc, tagged("html"))[0]
		if attr(html, "lang") == "" {
			t.Error("no lang attribute")
		}
		if len(findAll(doc, tagged("meta", "name", "viewport"))) != 1 {
			t.Error("no viewport meta")
		}
		if skip := findAll(doc, tagged("a", "class", "skip")); len(skip) != 1 || attr(skip[0], "href") != "#main" || byID(doc, "main") == nil {
			t.Error("no skip link to #main")
		}
		if n := len(findAll(doc, tagged("h1"))); n != 1 {
			t.Errorf("%d h1 elements", n)
		}
		// Every input but the hidden parent_id has a label.
		for _, in := range findAll(doc, func(n *nethtml.Node) bool { return n.Data == "input" || n.Data == "textarea" }) {
			if attr(in, "type") == "hidden" {
				continue
			}
			id := attr(in, "id")
			if id == "" || len(findAll(doc, tagged("label", "for", id))) != 1 {
				t.Errorf("input %s has no label", attr(in, "name"))
			}
		}
		// The honeypot, named as configured, is hidden from everyone.
		hp := findAll(doc, tagged("input", "name", submit.DefaultHoneypotField))
		if len(hp) != 1 || attr(hp[0], "tabindex") != "-1" || attr(hp[0], "autocomplete") != "off" ||
			attr(hp[0].Parent, "aria-hidden") != "true" || attr(hp[0].Parent, "class") != "hp" {
			t.Error("the honeypot field is missing or not hidden")
		}
	})
}

// threadShape writes the comment tree under n as "c1(c2(c3)) c4".
func threadShape(n *nethtml.Node) string {
	var parts []string
	var walk func(n *nethtml.Node)
	walk = func(n *nethtml.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == nethtml.ElementNode && c.Data == "article" && attr(c, "class") == "comment" {
				part := strings.TrimPrefix(attr(c, "id"), "comment-")
				if sub := threadShape(c); sub != "" {
					part += "(" + sub + ")"
				}
				parts = append(parts, part)
				continue
			}
			walk(c)
		}
	}
	walk(n)
	return strings.Join(parts, " ")
}

func TestPost_NotFoundAndGone(t *testing.T) {
	s := newSite(t, testBase, submit.Config{})
	for _, tc := range []struct {
		path   string
		status int
		text   string
	}{
		{"/posts/nope", 404, "Page not found"},
		{"/posts/bad.id", 404, "Page not found"},
		{"/posts/deleted", 410, "This post was deleted"},
		{"/static/nope.css", 404, "Page not found"},
	} {
		w := do(t, s.handler, "GET", tc.path, "")
		if w.Code != tc.status || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
			t.Errorf("GET %s = %d %s, want %d", tc.path, w.Code, w.Header().Get("Content-Type"), tc.status)
			continue
		}
		doc := parseHTML(t, w.Body)
		if h1 := findAll(doc, tagged("h1")); len(h1) != 1 || text(h1[0]) != tc.text {
			t.Errorf("GET %s: page heading is not %q", tc.path, tc.text)
		}
	}
}

func TestPost_ReplyLinks(t *testing.T) {
	// With max_depth 3, c3 (depth 2) takes no replies.
	s := newSite(t, testBase, submit.Config{MaxDepth: 3})
	for _, tc := range []struct {
		reply, heading, parent string
	}{
		{"c2", "Reply to Agnes", "c2"},
		{"c3", "Leave a comment", ""}, // too deep
		{"h1", "Leave a comment", ""}, // held: not shown
		{"zz", "Leave a comment", ""}, // unknown
		{"<x>", "Leave a comment", ""},
	} {
		doc := parseHTML(t, do(t, s.handler, "GET", "/posts/logbooks?reply="+tc.reply, "").Body)
		if got := text(byID(doc, "comment-form-heading")); got != tc.heading {
			t.Errorf("?reply=%s: heading %q, want %q", tc.reply, got, tc.heading)
		}
		if got := formOf(t, doc).fields.Get("parent_id"); got != tc.parent {
			t.Errorf("?reply=%s: parent_id %q, want %q", tc.reply, got, tc.parent)
		}
	}
	doc := parseHTML(t, do(t, s.handler, "GET", "/posts/logbooks", "").Body)
	for id, want := range map[string]bool{"c1": true, "c2": true, "c3": false} {
		links := findAll(byID(doc, "comment-"+id), tagged("a", "href", "?reply="+id+"#comment-form"))
		if (len(links) == 1) != want {
			t.Errorf("comment %s: %d reply links, want one: %v", id, len(links), want)
		}
	}
}

func TestStatic(t *testing.T) {
	s := newSite(t, testBase, submit.Config{})
	doc := parseHTML(t, do(t, s.handler, "GET", "/", "").Body)
	css := attr(findAll(doc, tagged("link", "rel", "stylesheet"))[0], "href")
	if !strings.HasPrefix(css, "/static/feedd.css?v=") {
		t.Fatalf("stylesheet link %q", css)
	}
	for _, tc := range []struct{ path, contentType, cache, contains string }{
		{css, "text/css; charset=utf-8", "public, max-age=31536000, immutable", ".comment"},
		{"/static/feedd.css", "text/css; charset=utf-8", "public, max-age=31536000, immutable", ".comment"},
		{render.StylesheetPath, "text/xsl; charset=utf-8", "public, max-age=86400", "xsl:stylesheet"},
	} {
		w := do(t, s.handler, "GET", tc.path, "")
		tag := w.Header().Get("ETag")
		if w.Code != 200 || w.Header().Get("Content-Type") != tc.contentType || w.Header().Get("Cache-Control") != tc.cache ||
			tag == "" || !strings.Contains(w.Body.String(), tc.contains) {
			t.Errorf("GET %s = %d %v", tc.path, w.Code, w.Header())
		}
		if w := do(t, s.handler, "GET", tc.path, "", "If-None-Match", tag); w.Code != http.StatusNotModified {
			t.Errorf("GET %s If-None-Match = %d", tc.path, w.Code)
		}
		if w := do(t, s.handler, "HEAD", tc.path, ""); w.Code != 200 || w.Body.Len() != 0 {
			t.Errorf("HEAD %s = %d, %d bytes", tc.path, w.Code, w.Body.Len())
		}
	}
}

// The feeds name the stylesheet at the path it is served at, below the
// base URL's path, without a host: a browser loads it from whatever
// origin it opened the feed at.
func TestFeedsNameStylesheet(t *testing.T) {
	for base, prefix := range map[string]string{testBase: "", "https://example.org/blog/": "/blog"} {
		s := newSite(t, base, submit.Config{})
		pi := `<?xml-stylesheet type="text/xsl" href="` + prefix + render.StylesheetPath + `"?>`
		for _, path := range []string{"/feeds/posts.atom", "/feeds/comments.rss", "/feeds/posts/logbooks/comments.atom"} {
			w := do(t, s.handler, "GET", path, "")
			if lines := strings.SplitN(w.Body.String(), "\n", 3); w.Code != 200 || len(lines) < 3 || lines[1] != pi {
				t.Errorf("base %s: GET %s = %d, second line not %s", base, path, w.Code, pi)
			}
		}
	}
}

func TestPagesUnmounted(t *testing.T) {
	s := newSite(t, testBase, submit.Config{})
	s.srv.SetPages(nil)
	for _, path := range []string{"/", "/posts/logbooks", "/static/feedd.css"} {
		if w := do(t, s.handler, "GET", path, ""); w.Code != 404 {
			t.Errorf("GET %s without pages = %d", path, w.Code)
		}
	}
	if w := do(t, s.handler, "GET", "/feeds/posts.atom", ""); w.Code != 200 {
		t.Errorf("feeds without pages = %d", w.Code)
	}
}

// Under a base URL with a path (behind a proxy that strips it), the pages
// link and redirect below that path.
func TestBasePath(t *testing.T) {
	s := newSite(t, "https://example.org/blog/", submit.Config{})
	doc := parseHTML(t, do(t, s.handler, "GET", "/posts/logbooks", "").Body)
	if f := formOf(t, doc); f.action != "/blog/posts/logbooks#comment-form" {
		t.Errorf("form action = %q", f.action)
	}
	home := findAll(doc, tagged("header"))[0]
	if a := findAll(home, tagged("a")); len(a) != 1 || attr(a[0], "href") != "/blog/" {
		t.Error("the header does not link /blog/")
	}
	if css := attr(findAll(doc, tagged("link", "rel", "stylesheet"))[0], "href"); !strings.HasPrefix(css, "/blog/static/feedd.css?v=") {
		t.Errorf("stylesheet link %q", css)
	}
	w := postForm(t, s.handler, "/posts/logbooks", fields("author", "Ann", "content", "Hi"))
	if loc := w.Header().Get("Location"); w.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/blog/posts/logbooks#comment-") {
		t.Errorf("POST = %d, Location %q", w.Code, loc)
	}
}
