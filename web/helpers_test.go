package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	nethtml "golang.org/x/net/html"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/internal/sitetest"
	"github.com/feedd/feedd/server"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/submit"
	"github.com/feedd/feedd/web"
)

const (
	testBase  = "https://blog.example.org"
	siteTitle = "Harbour Notes"
)

// site is feedd wired as cmd/feedd wires it: a real SQLite store in a temp
// dir, the feed cache, the server, and the pages mounted on it.
type site struct {
	st      store.Store
	r       *render.Renderer
	srv     *server.Server
	handler http.Handler
}

// newSite returns a site at base with the comment settings cfg (comments
// not rate limited and not moderated unless cfg says) and the seed content.
func newSite(t testing.TB, base string, cfg submit.Config) *site {
	t.Helper()
	return newSiteWith(t, base, cfg, web.Options{Title: siteTitle})
}

// newSiteWith is newSite with the pages' options o.
func newSiteWith(t testing.TB, base string, cfg submit.Config, o web.Options) *site {
	t.Helper()
	db := sitetest.OpenStore(t)
	seed(t, db)
	r, err := render.New(render.Options{Title: siteTitle, BaseURL: base, TTL: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	c := cache.New(db, r, cache.Options{}, log)
	if cfg.CommentRate == 0 {
		cfg.CommentRate = -1
	}
	if cfg.Moderation == "" {
		cfg.Moderation = submit.ModerationNone
	}
	srv, comments := sitetest.NewStack(db, c, r, sitetest.Config{Comments: cfg}, log)
	if o.Sync == nil {
		o.Sync = c.Sync
	}
	srv.SetPages(web.New(db, r, comments, o, log))
	return &site{st: db, r: r, srv: srv, handler: srv.Handler()}
}

// seed stores the test blog: a post with a conversation (a reply to a
// reply, a held comment and a reply to a deleted comment), a newer post
// without comments, and a deleted post.
func seed(t testing.TB, st store.Store) {
	t.Helper()
	ctx := context.Background()
	for _, p := range []feed.Post{
		{ID: "logbooks", Title: "What the logbooks remember", AuthorName: "Agnes Tulloch",
			AuthorURI: "https://example.org/agnes", Categories: []string{"archives"},
			Content:   "<p>Four years of logbooks, transcribed.</p><p>The dull entries matter most.</p>",
			Published: sitetest.Date("2026-03-02T09:00:00Z")},
		{ID: "welcome", Title: "Welcome", Content: "Hello *there*.", Format: feed.FormatMarkdown,
			Summary: "A first post.", Published: sitetest.Date("2026-03-09T08:30:00Z")},
		{ID: "deleted", Title: "Gone soon", Content: "<p>x</p>", Published: sitetest.Date("2026-03-01T08:30:00Z")},
	} {
		if err := st.CreatePost(ctx, &p); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []feed.Comment{
		{ID: "c1", PostID: "logbooks", AuthorName: "Ruaridh", Content: "Who relieved the keepers?", Published: sitetest.Date("2026-03-02T18:12:00Z")},
		{ID: "c2", PostID: "logbooks", ParentID: "c1", AuthorName: "Agnes", AuthorURI: "https://example.org/agnes", Content: "The boatman, sometimes.", Published: sitetest.Date("2026-03-03T07:45:00Z")},
		{ID: "c3", PostID: "logbooks", ParentID: "c2", AuthorName: "Ruaridh", Content: "J.F., 1884 to 1891.", Published: sitetest.Date("2026-03-03T12:20:00Z")},
		{ID: "c4", PostID: "logbooks", AuthorName: "Mei", Content: "Weather diaries too.", Published: sitetest.Date("2026-03-04T21:05:00Z")},
		{ID: "c5", PostID: "logbooks", AuthorName: "Tom", Content: "Soon deleted.", Published: sitetest.Date("2026-03-05T10:00:00Z")},
		{ID: "c6", PostID: "logbooks", ParentID: "c5", AuthorName: "Orphan", Content: "Answering a deleted comment.", Published: sitetest.Date("2026-03-05T11:00:00Z")},
		{ID: "h1", PostID: "logbooks", AuthorName: "Held", Content: "Waiting for review.", Status: feed.StatusPending, Published: sitetest.Date("2026-03-06T10:00:00Z")},
	} {
		if err := st.CreateComment(ctx, &c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.DeleteComment(ctx, "c5"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DeletePost(ctx, "deleted"); err != nil {
		t.Fatal(err)
	}
}

// do sends a request to h with header pairs.
func do(t testing.TB, h http.Handler, method, target, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	target, _, _ = strings.Cut(target, "#") // as browsers send a URL
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.RemoteAddr = "192.0.2.1:1234"
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// postForm posts form values to target as a browser submits a form.
func postForm(t testing.TB, h http.Handler, target string, v url.Values) *httptest.ResponseRecorder {
	t.Helper()
	return do(t, h, "POST", target, v.Encode(), "Content-Type", "application/x-www-form-urlencoded")
}

// lastChange returns the position of the store's change log, which moves
// with every write.
func lastChange(t testing.TB, st store.Store) int64 {
	t.Helper()
	n, err := st.LastChange(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// parseHTML parses a page, failing the test if it cannot.
func parseHTML(t testing.TB, r io.Reader) *nethtml.Node {
	t.Helper()
	doc, err := nethtml.Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// findAll returns the elements under n, n included, for which match holds,
// in document order.
func findAll(n *nethtml.Node, match func(*nethtml.Node) bool) []*nethtml.Node {
	var out []*nethtml.Node
	var walk func(*nethtml.Node)
	walk = func(n *nethtml.Node) {
		if n.Type == nethtml.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

// byID returns the element with the id, or nil.
func byID(doc *nethtml.Node, id string) *nethtml.Node {
	if ns := findAll(doc, func(n *nethtml.Node) bool { return attr(n, "id") == id }); len(ns) > 0 {
		return ns[0]
	}
	return nil
}

// tagged returns a matcher of elements with the tag and, when given,
// attribute pairs.
func tagged(tag string, attrs ...string) func(*nethtml.Node) bool {
	return func(n *nethtml.Node) bool {
		if n.Data != tag {
			return false
		}
		for i := 0; i+1 < len(attrs); i += 2 {
			if attr(n, attrs[i]) != attrs[i+1] {
				return false
			}
		}
		return true
	}
}

// attr returns an attribute's value, or "".
func attr(n *nethtml.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// hasAttr reports whether n has the attribute, whatever its value.
func hasAttr(n *nethtml.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// text returns the text under n, white space collapsed.
func text(n *nethtml.Node) string {
	var b strings.Builder
	var walk func(*nethtml.Node)
	walk = func(n *nethtml.Node) {
		if n.Type == nethtml.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// innerHTML returns the markup of n's children.
func innerHTML(t testing.TB, n *nethtml.Node) string {
	t.Helper()
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if err := nethtml.Render(&b, c); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// form is an HTML form as a browser would submit it: its action and its
// fields' names and values.
type form struct {
	action string
	fields url.Values
}

// formOf reads the first form of a page: inputs and textareas with their
// values, as a browser sends them when nothing is typed.
func formOf(t testing.TB, doc *nethtml.Node) form {
	t.Helper()
	forms := findAll(doc, tagged("form"))
	if len(forms) == 0 {
		t.Fatal("the page has no form")
	}
	f := form{action: attr(forms[0], "action"), fields: url.Values{}}
	for _, in := range findAll(forms[0], func(n *nethtml.Node) bool { return n.Data == "input" || n.Data == "textarea" }) {
		name := attr(in, "name")
		if name == "" {
			continue
		}
		v := attr(in, "value")
		if in.Data == "textarea" && in.FirstChild != nil {
			v = in.FirstChild.Data // the parser dropped the newline after the tag
		}
		f.fields.Set(name, v)
	}
	return f
}
