package webmention

import (
	"bytes"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

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

// linksTo reports whether the source page links to target. In HTML a link
// is one of linkAttrs' attributes whose URL, resolved against the page's
// final URL (and its <base href>), is the target (sameURL: case of scheme
// and host, default port and fragment aside); any other document links
// when its text contains the target as written.
func linksTo(page *poll.Page, isHTML bool, target string) bool {
	if !isHTML {
		return bytes.Contains(page.Body, []byte(target))
	}
	doc, err := html.Parse(bytes.NewReader(page.Body))
	if err != nil {
		return false
	}
	base := page.URL
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
func pageTitle(page *poll.Page) string {
	doc, err := html.Parse(bytes.NewReader(page.Body))
	if err != nil {
		return ""
	}
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
