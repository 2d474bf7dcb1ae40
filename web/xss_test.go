package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	nethtml "golang.org/x/net/html"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
	"github.com/feedd/feedd/feed/content/contenttest"
	"github.com/feedd/feedd/submit"
)

// checkPageHarmless checks a whole page: no script ran from it, whatever
// the entries held. The page's own markup has no script, no event handler
// and no style attribute, and forms only in the comment form; entries'
// HTML (post and comment bodies) passes content.CheckHarmless, and text
// (titles, names) has no markup of its own.
func checkPageHarmless(t *testing.T, what string, doc *nethtml.Node) {
	t.Helper()
	for _, n := range findAll(doc, func(*nethtml.Node) bool { return true }) {
		switch n.Data {
		case "script", "iframe", "frame", "object", "embed", "base", "svg", "math", "template":
			t.Errorf("%s: <%s> element", what, n.Data)
		}
		for _, a := range n.Attr {
			if k := strings.ToLower(a.Key); strings.HasPrefix(k, "on") || k == "style" || k == "srcdoc" || k == "formaction" {
				t.Errorf("%s: <%s %s=%q>", what, n.Data, a.Key, a.Val)
			}
		}
		if n.Data == "meta" && strings.EqualFold(attr(n, "http-equiv"), "refresh") {
			t.Errorf("%s: meta refresh", what)
		}
	}
	if forms := findAll(doc, tagged("form")); len(forms) > 1 {
		t.Errorf("%s: %d forms", what, len(forms))
	}
	for _, cls := range []string{"comment-body", "post-body"} {
		for _, b := range findAll(doc, tagged("div", "class", cls)) {
			if err := content.CheckHarmless(innerHTML(t, b)); err != nil {
				t.Errorf("%s: %s: %v", what, cls, err)
			}
		}
	}
	for _, tag := range []string{"h1", "h2", "title"} {
		for _, n := range findAll(doc, tagged(tag)) {
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == nethtml.ElementNode && c.Data != "a" && c.Data != "span" {
					t.Errorf("%s: <%s> holds a <%s>", what, tag, c.Data)
				}
			}
		}
	}
}

func TestXSS_Comments(t *testing.T) {
	corpus := contenttest.XSSCorpus(t)
	s := newSite(t, testBase, submit.Config{})
	type sent struct{ author, content string }
	var stored []sent
	post := func(author, body string) {
		t.Helper()
		form := fields("author", author, "content", body)
		w := postForm(t, s.handler, "/posts/welcome", form)
		switch w.Code {
		case http.StatusSeeOther:
			stored = append(stored, sent{author, body})
		case http.StatusBadRequest:
			// Refused by validation: the page comes back with the
			// input in the form, which must stay text there.
			doc := parseHTML(t, w.Body)
			checkPageHarmless(t, fmt.Sprintf("refused %q", body), doc)
			// As a browser reads it back: NUL as U+FFFD, line breaks
			// normalized.
			norm := strings.NewReplacer("\x00", "\uFFFD", "\r\n", "\n", "\r", "\n").Replace
			if got := formOf(t, doc).fields; got.Get("author") != norm(author) || got.Get("content") != norm(body) {
				t.Errorf("refused %q: refilled as %q / %q", body, got.Get("author"), got.Get("content"))
			}
		default:
			t.Fatalf("POST %q = %d", body, w.Code)
		}
	}
	for _, c := range corpus.Cases {
		post(c.Input, c.Input)
	}
	for _, a := range corpus.Authors {
		post(a, "A comment by "+a)
	}
	if len(stored) < len(corpus.Cases)/2 {
		t.Fatalf("only %d of %d comments stored", len(stored), len(corpus.Cases)+len(corpus.Authors))
	}

	// The pages browsers get at the feeds of those comments.
	for _, path := range []string{"/feeds/posts/welcome/comments.atom", "/feeds/comments.rss", "/feeds/posts/welcome/comments.json?page=2"} {
		feedPage(t, s, path)
	}

	w := do(t, s.handler, "GET", "/posts/welcome", "")
	doc := parseHTML(t, w.Body)
	checkPageHarmless(t, "thread page", doc)
	authors := findAll(doc, tagged("span", "class", "author"))
	if len(authors) != len(stored) {
		t.Fatalf("%d comments shown, %d stored", len(authors), len(stored))
	}
	// Names are text: the page shows each as content.Line leaves it.
	want := map[string]int{}
	for _, c := range stored {
		want[strings.Join(strings.Fields(content.Line(c.author)), " ")]++
	}
	for _, a := range authors {
		for c := a.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == nethtml.ElementNode && c.Data != "a" {
				t.Errorf("author name holds <%s>", c.Data)
			}
		}
		want[text(a)]--
	}
	for name, n := range want {
		if n != 0 {
			t.Errorf("author %q shown %d times too few", name, n)
		}
	}
}

func TestXSS_Posts(t *testing.T) {
	corpus := contenttest.XSSCorpus(t)
	s := newSite(t, testBase, submit.Config{})
	ctx := context.Background()
	var ids []string
	for i, c := range corpus.Cases {
		p := &feed.Post{ID: fmt.Sprintf("x%d", i), Title: c.Input, Content: c.Input, AuthorName: c.Input,
			Summary: c.Input, AuthorURI: "https://example.org/", Categories: []string{"c"}}
		if err := s.st.CreatePost(ctx, p); err != nil {
			if feed.ErrorCode(err) == feed.EINVALID {
				continue
			}
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	if len(ids) < len(corpus.Cases)/2 {
		t.Fatalf("only %d of %d posts stored", len(ids), len(corpus.Cases))
	}
	checkPageHarmless(t, "home page", parseHTML(t, do(t, s.handler, "GET", "/", "").Body))
	for _, path := range []string{"/feeds/posts.atom", "/feeds/posts.json?page=2", "/feeds/posts.rss?category=c", "/feeds/posts/archive/1.atom"} {
		feedPage(t, s, path)
	}
	for _, id := range ids {
		w := do(t, s.handler, "GET", "/posts/"+id, "")
		if w.Code != 200 {
			t.Fatalf("GET /posts/%s = %d", id, w.Code)
		}
		checkPageHarmless(t, "post "+id, parseHTML(t, w.Body))
	}
}
