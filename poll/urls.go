package poll

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/feedd/feedd/feed"
)

// htmlSpace is ASCII white space as HTML defines it, which it strips from
// around URLs.
const htmlSpace = "\t\n\f\r "

// resolveLink resolves a URL found in a feed (a link, an author's URI)
// against base and returns it if it is an absolute http(s) URL, else "".
func resolveLink(ref string, base *url.URL) string {
	ref = strings.Trim(ref, htmlSpace)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	if s := u.String(); len(s) <= feed.MaxURILen && utf8.ValidString(s) {
		return s
	}
	return ""
}
