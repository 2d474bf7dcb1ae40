package poll

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"

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

// urlAttrs are the attributes whose values are URLs that a reader fetches
// or follows.
var urlAttrs = map[string]bool{"href": true, "src": true, "poster": true, "cite": true}

// absolutize returns content with the relative URLs of its href, src,
// poster, cite and srcset attributes resolved against base. Mirrored
// content is shown away from the upstream page, where a relative URL
// would point at this site; the renderer resolves what is left against
// our own permalink, so it must be done here, at ingest.
//
// Tags whose URLs change are re-serialized; every other byte is copied as
// it is, and content without them is returned unchanged.
func absolutize(content string, base *url.URL) string {
	if base == nil || !strings.Contains(content, "=") {
		return content
	}
	var b strings.Builder
	copied, pos := 0, 0 // content[:copied] is in b; the current token starts at pos
	z := html.NewTokenizer(strings.NewReader(content))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break // io.EOF: a strings.Reader fails no other way
		}
		end := pos + len(z.Raw())
		if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
			if tag, ok := rewriteTag(z, tt, base); ok {
				b.WriteString(content[copied:pos])
				b.WriteString(tag)
				copied = end
			}
		}
		pos = end
	}
	if copied == 0 {
		return content
	}
	b.WriteString(content[copied:])
	return b.String()
}

// rewriteTag reads the attributes of the tag z is at and, if resolving
// its URLs changes any, returns the tag re-serialized.
func rewriteTag(z *html.Tokenizer, tt html.TokenType, base *url.URL) (string, bool) {
	name, more := z.TagName()
	var attrs []html.Attribute
	changed := false
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		a := html.Attribute{Key: string(k), Val: string(v)}
		ok := false
		switch {
		case urlAttrs[a.Key]:
			a.Val, ok = resolveRef(a.Val, base)
		case a.Key == "srcset":
			a.Val, ok = resolveSrcset(a.Val, base)
		}
		changed = changed || ok
		attrs = append(attrs, a)
	}
	if !changed {
		return "", false
	}
	return html.Token{Type: tt, Data: string(name), Attr: attrs}.String(), true
}

// resolveRef resolves a relative ref against base and reports whether that
// changed it. Absolute URLs of any scheme, fragments ("#top", which point
// within the content) and URLs Go cannot parse stay as they are.
func resolveRef(ref string, base *url.URL) (string, bool) {
	t := strings.Trim(ref, htmlSpace)
	if t == "" || t[0] == '#' {
		return ref, false
	}
	u, err := url.Parse(t)
	if err != nil || u.Scheme != "" {
		return ref, false
	}
	abs := base.ResolveReference(u).String()
	return abs, abs != ref
}

// resolveSrcset resolves each image candidate URL of a srcset attribute,
// keeping its descriptors ("2x", "640w"), and reports whether any changed.
// Candidates are split as HTML does: a URL runs to the next white space,
// and a URL ending in a comma ends its candidate; otherwise descriptors
// run to the next comma.
func resolveSrcset(srcset string, base *url.URL) (string, bool) {
	var b strings.Builder
	changed := false
	s := srcset
	for {
		s = strings.TrimLeft(s, htmlSpace+",")
		if s == "" {
			break
		}
		end := strings.IndexAny(s, htmlSpace)
		if end < 0 {
			end = len(s)
		}
		u, descriptors := s[:end], ""
		s = s[end:]
		if trimmed := strings.TrimRight(u, ","); trimmed != u {
			u = trimmed
		} else {
			end = strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			descriptors, s = strings.Trim(s[:end], htmlSpace), s[end:]
		}
		abs, ok := resolveRef(u, base)
		changed = changed || ok
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(abs)
		if descriptors != "" {
			b.WriteByte(' ')
			b.WriteString(descriptors)
		}
	}
	if !changed {
		return srcset, false
	}
	return b.String(), true
}
