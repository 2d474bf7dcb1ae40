package webmention

import (
	"bytes"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/poll"
)

// linkAttrs are the attributes whose URLs count as a link to the target
// (the Webmention spec's "href, src, ..." of an HTML source).
var linkAttrs = map[atom.Atom][]string{
	atom.A:          {"href"},
	atom.Area:       {"href"},
	atom.Link:       {"href"},
	atom.Img:        {"src"},
	atom.Audio:      {"src"},
	atom.Video:      {"src", "poster"},
	atom.Source:     {"src"},
	atom.Iframe:     {"src"},
	atom.Embed:      {"src"},
	atom.Object:     {"data"},
	atom.Q:          {"cite"},
	atom.Blockquote: {"cite"},
	atom.Ins:        {"cite"},
	atom.Del:        {"cite"},
}

// parseHTML parses a page's body, decoded to UTF-8 from the charset its
// Content-Type or its <meta> names.
func parseHTML(page *poll.Page) (*html.Node, error) {
	r, err := charset.NewReader(bytes.NewReader(page.Body), page.Header.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	return html.Parse(r)
}

// linksTo reports whether an HTML source page, doc from url, links to
// target: one of linkAttrs' attributes whose URL, resolved against the
// page's URL (and its <base href>), is the target (sameURL: case of scheme
// and host, default port and fragment aside). Any other document links
// when its text contains the target as written (see verify).
func linksTo(doc *html.Node, pageURL *url.URL, target string) bool {
	base := pageURL
	if b := findBase(doc); b != "" && base != nil {
		if u, err := base.Parse(b); err == nil {
			base = u
		}
	}
	var found bool
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if found {
			return
		}
		if n.Type == html.ElementNode {
			for _, name := range linkAttrs[n.DataAtom] {
				v, ok := attr(n, name)
				if !ok {
					continue
				}
				u, err := resolveRef(base, v)
				if err == nil && sameURL(u, target) {
					found = true
					return
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return found
}

// resolveRef resolves ref against base (nil: ref as it is).
func resolveRef(base *url.URL, ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if base == nil {
		return ref, nil
	}
	u, err := base.Parse(ref)
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// pageTitle returns the text of the page's <title>, or "".
func pageTitle(doc *html.Node) string {
	var title string
	var walk func(*html.Node) bool
	walk = func(n *html.Node) bool {
		if n.Type == html.ElementNode && n.DataAtom == atom.Title {
			title = feed.CleanLine(textContent(n))
			return true
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if walk(c) {
				return true
			}
		}
		return false
	}
	walk(doc)
	return title
}
