package webmention

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/feedd/feedd/poll"
)

// Doer makes requests through the poller's fetch guard (private
// addresses, redirects, time and size limits): *poll.Poller is one.
type Doer interface {
	Do(ctx context.Context, req *http.Request) (*poll.Page, error)
}

// StatusError is an answer of a status that is not success: from a
// target during discovery, or from an endpoint.
type StatusError struct {
	URL  string
	Code int
	// RetryAfter is the answer's Retry-After header, if any.
	RetryAfter string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s answered %d %s", e.URL, e.Code, http.StatusText(e.Code))
}

// Discover finds the Webmention endpoint of target (W3C Webmention
// §3.1.2): it GETs target through d, following redirects, and returns
// the first endpoint the answer advertises (see Endpoint), resolved
// against the URL the answer came from. It returns "" and no error when
// target advertises none. An answer other than 2xx is a *StatusError.
func Discover(ctx context.Context, d Doer, target string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return "", fmt.Errorf("discover the endpoint of %q: %w", target, err)
	}
	req.Header.Set("Accept", "text/html, application/xhtml+xml;q=0.9, */*;q=0.5")
	pg, err := d.Do(ctx, req)
	var tl *poll.TooLargeError
	switch {
	case err != nil && pg != nil && errors.As(err, &tl):
		// A target larger than the limit (a video, a huge page) still
		// has its headers, and the beginning of its HTML, where a
		// <link> would be.
	case err != nil:
		return "", fmt.Errorf("discover the endpoint of %s: %w", target, err)
	}
	if pg.Status < 200 || pg.Status > 299 {
		return "", &StatusError{URL: target, Code: pg.Status, RetryAfter: pg.Header.Get("Retry-After")}
	}
	return Endpoint(pg.URL, pg.Header, pg.Body), nil
}

// Endpoint returns the Webmention endpoint that a page at base, answered
// with header and body, advertises, or "" for none: the first HTTP Link
// header link whose rel holds "webmention", else, in an HTML body, the
// first <link> or <a> element in document order with such a rel and an
// href. The href is resolved against base (an empty one is base itself;
// a query string is kept); only an http(s) result counts.
func Endpoint(base *url.URL, header http.Header, body []byte) string {
	for _, v := range header.Values("Link") {
		for _, l := range parseLinkHeader(v) {
			if hasRel(l.rel, "webmention") {
				if u := resolve(base, l.href); u != "" {
					return u
				}
			}
		}
	}
	if !isHTML(header.Get("Content-Type")) {
		return ""
	}
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if a := atom.Lookup(name); (a != atom.Link && a != atom.A) || !hasAttr {
				continue
			}
			var rel, href string
			var hasHref bool
			for more := true; more; {
				var k, v []byte
				k, v, more = z.TagAttr()
				switch string(k) {
				case "rel":
					rel = string(v)
				case "href":
					href, hasHref = string(v), true
				}
			}
			if hasHref && hasRel(rel, "webmention") {
				if u := resolve(base, href); u != "" {
					return u
				}
			}
		}
	}
}

// isHTML reports whether a Content-Type is HTML's (or absent: the body
// is then sniffed as HTML, as browsers would).
func isHTML(ct string) bool {
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "text/html" || mt == "application/xhtml+xml")
}

// hasRel reports whether the space-separated rel list holds value,
// ASCII case-insensitively.
func hasRel(rel, value string) bool {
	for _, r := range strings.Fields(rel) {
		if strings.EqualFold(r, value) {
			return true
		}
	}
	return false
}

// resolve resolves href against base; "" when it does not parse or is
// not http(s).
func resolve(base *url.URL, href string) string {
	ref, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return ""
	}
	u := base.ResolveReference(ref)
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return ""
	}
	u.Fragment = ""
	return u.String()
}

// link is one link of a Link header: its target and rel parameter.
type link struct{ href, rel string }

// parseLinkHeader parses the value of one Link header (RFC 8288 §3): a
// comma-separated list of "<URI-Reference>" each followed by
// ";"-separated parameters, whose values may be tokens or quoted strings
// (holding commas and semicolons). A link that does not parse ends the
// list: what follows cannot be delimited reliably.
func parseLinkHeader(v string) []link {
	var links []link
	s := v
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" || s[0] != '<' {
			return links
		}
		end := strings.IndexByte(s, '>')
		if end < 0 {
			return links
		}
		l := link{href: s[1:end]}
		s = s[end+1:]
		// Parameters, up to the comma that ends this link.
		for {
			s = strings.TrimLeft(s, " \t")
			if s == "" || s[0] == ',' {
				break
			}
			if s[0] != ';' {
				return links // garbage after the link
			}
			s = strings.TrimLeft(s[1:], " \t")
			i := strings.IndexAny(s, "=;,")
			if i < 0 {
				i = len(s)
			}
			name := strings.ToLower(strings.TrimSpace(s[:i]))
			s = s[i:]
			var val string
			if s != "" && s[0] == '=' {
				s = strings.TrimLeft(s[1:], " \t")
				val, s = paramValue(s)
			}
			// The first rel parameter counts (RFC 8288 §3.3).
			if name == "rel" && l.rel == "" {
				l.rel = val
			}
		}
		links = append(links, l)
	}
}

// paramValue reads a parameter's value, a quoted string (with its
// backslash escapes) or a token, from the start of s, and returns it and
// the rest of s.
func paramValue(s string) (string, string) {
	if s != "" && s[0] == '"' {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			switch s[i] {
			case '\\':
				if i+1 < len(s) {
					i++
					b.WriteByte(s[i])
				}
			case '"':
				return b.String(), s[i+1:]
			default:
				b.WriteByte(s[i])
			}
		}
		return b.String(), "" // unterminated: the rest is the value
	}
	i := strings.IndexAny(s, ";, \t")
	if i < 0 {
		i = len(s)
	}
	return s[:i], s[i:]
}
