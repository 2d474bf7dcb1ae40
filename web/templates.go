package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"html"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/feedd/feedd/feed"
)

// pageTemplates holds one template set per page, each the layout with
// the page's own "main" block.
type pageTemplates map[string]*template.Template

// The pages, named after their files in templates/.
const (
	pageHome  = "home"
	pagePost  = "post"
	pageError = "error"
	pageFeed  = "feed"
	pageAdmin = "admin"
)

// parseTemplates parses the layout with each page. The templates are
// embedded, so that an error is a bug in this package: it panics.
func parseTemplates(cssPath string) pageTemplates {
	funcs := template.FuncMap{
		"css":      func() string { return cssPath },
		"date":     formatDate,
		"datetime": formatDateTime,
		"iso":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"linkTag":  linkTag,
		"list":     func(s ...string) []string { return s },
		"title": func(s string) string {
			if s == "" {
				return s
			}
			return strings.ToUpper(s[:1]) + s[1:]
		},
		"plural": func(n int, one, many string) string {
			if n == 1 {
				return one
			}
			return many
		},
	}
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/comment.html", "templates/summary.html"))
	pages := make(pageTemplates)
	for _, name := range []string{pageHome, pagePost, pageError, pageFeed, pageAdmin} {
		t := template.Must(layout.Clone())
		pages[name] = template.Must(t.ParseFS(templateFS, "templates/"+name+".html"))
	}
	return pages
}

// formatDate and formatDateTime write times for readers, in UTC: the
// server knows no reader's time zone, and <time datetime> carries the
// exact instant for tools.
func formatDate(t time.Time) string { return t.UTC().Format("2 January 2006") }

func formatDateTime(t time.Time) string { return t.UTC().Format("2 January 2006, 15:04 UTC") }

// page is what the layout shows around a page's own content.
type page struct {
	Title     string // the document title
	Site      string
	HomePath  string
	Canonical string // the page's permalink, when it has one
	// Feeds are the feeds the page advertises, in <link rel="alternate">
	// and in the footer.
	Feeds []feedGroup
	// Alternates are further feeds the page advertises in the head only,
	// in one format each: the feeds of a post's categories and author.
	Alternates []feedLink
	// Webmention is the Webmention endpoint a post's page advertises
	// (<link rel="webmention"> and the Link field), "" for none.
	Webmention string
	// Main is the data of the page's "main" template.
	Main any
}

// feedGroup is one feed in every format.
type feedGroup struct {
	Name  string // "Posts", "All comments", "Comments on this post"
	Links []feedLink
}

// feedLink is a feed in one format.
type feedLink struct {
	Title  string // the link's title: the feed and the format
	Type   string // media type
	URL    string
	Format string // "Atom", "RSS", "JSON Feed"
}

// formatNames are the formats as readers know them.
var formatNames = map[feed.Format]string{feed.Atom: "Atom", feed.RSS: "RSS", feed.JSON: "JSON Feed"}

// feedTypes are the media types of autodiscovery links, without the
// charset parameter that render.ContentType adds.
var feedTypes = map[feed.Format]string{
	feed.Atom: "application/atom+xml",
	feed.RSS:  "application/rss+xml",
	feed.JSON: "application/feed+json",
}

// linkTag returns the autodiscovery link of a feed. html/template would
// write the "+" of its media type as "&#43;", which browsers decode but
// feed-finding tools that match the markup miss; html.EscapeString leaves
// it, and escapes all that matters in a quoted attribute.
func linkTag(l feedLink) template.HTML {
	return template.HTML(`<link rel="alternate" type="` + html.EscapeString(l.Type) +
		`" title="` + html.EscapeString(l.Title) + `" href="` + html.EscapeString(l.URL) + `">`)
}

// feedGroup returns ref in every format, its links titled with title.
func (h *Handler) feedGroup(name, title string, ref feed.Ref) feedGroup {
	return h.viewGroup(name, title, ref, feed.View{})
}

// viewGroup returns document v of ref (a selection, such as a category)
// in every format, its links titled with title.
func (h *Handler) viewGroup(name, title string, ref feed.Ref, v feed.View) feedGroup {
	g := feedGroup{Name: name}
	for _, f := range feed.Formats {
		g.Links = append(g.Links, feedLink{
			Title:  title + " (" + formatNames[f] + ")",
			Type:   feedTypes[f],
			URL:    h.r.ViewURL(ref, v, f),
			Format: formatNames[f],
		})
	}
	return g
}

// siteFeeds returns the posts and site comments feeds, which every page
// advertises.
func (h *Handler) siteFeeds() []feedGroup {
	return []feedGroup{
		h.feedGroup("Posts", h.site+": posts", feed.PostsFeed),
		h.feedGroup("All comments", h.site+": comments", feed.CommentsFeed),
	}
}

// cacheControl values of pages.
const (
	// cacheHome lets the home page be reused for a minute: it changes with
	// posts and comment counts, where a minute late does no harm.
	cacheHome = "public, max-age=60"
	// cachePost has post pages revalidated on every view (cheaply, with
	// their ETag), because a reader who posts a comment is sent back to
	// the page and must see it there.
	cachePost = "no-cache"
	// cacheNone is for answers to a form and errors that may pass.
	cacheNone = "no-store"
)

// render writes page p with the named template, status and Cache-Control.
// A 200 carries a strong ETag of its bytes, and a request whose
// If-None-Match names it gets 304.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, name string, status int, cacheControl string, p *page) {
	b, err := h.execute(name, p)
	if err != nil {
		h.log.Error("render page", "page", name, "path", r.URL.Path, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", cacheControl)
	setSecurityHeaders(hd)
	if p.Webmention != "" {
		hd["Link"] = h.webmentionLink
	}
	if status == http.StatusOK {
		sum := sha256.Sum256(b.Bytes())
		tag := `"` + hex.EncodeToString(sum[:12]) + `"`
		hd.Set("ETag", tag)
		if etagMatch(r.Header.Get("If-None-Match"), tag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	hd.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b.Bytes())
	}
}

// execute writes page p with the named template.
func (h *Handler) execute(name string, p *page) (*bytes.Buffer, error) {
	p.Site = h.site
	p.HomePath = h.homePath()
	var b bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&b, "layout.html", p); err != nil {
		return nil, err
	}
	return &b, nil
}

// contentSecurityPolicy allows the pages nothing but their stylesheet,
// images and the comment form: no script runs, whatever a post or comment
// held, even if the sanitizer were to miss something.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src * data:; media-src *; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

func setSecurityHeaders(hd http.Header) {
	hd.Set("Content-Security-Policy", contentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	if hd.Get("Referrer-Policy") == "" { // the inbox sets its own
		hd.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	}
}

// etagMatch reports whether an If-None-Match field names tag, by the weak
// comparison RFC 9110 prescribes for it, or is "*".
func etagMatch(field, tag string) bool {
	for field != "" {
		var item string
		item, field, _ = strings.Cut(field, ",")
		item = strings.TrimSpace(item)
		if item == "*" || item == tag || item == "W/"+tag {
			return true
		}
	}
	return false
}
