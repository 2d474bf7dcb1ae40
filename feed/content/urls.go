package content

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// urlAttrs are the attributes whose values are URLs that a reader fetches
// or follows; srcset, a list of them, is handled apart.
var urlAttrs = map[string]bool{"href": true, "src": true, "poster": true, "cite": true}

// Absolutize returns HTML content with every relative URL in an href, src,
// poster, cite or srcset attribute resolved against base: the permalink of
// the entry it belongs to when rendering (feed readers show content away
// from the page, where a relative URL points nowhere), or the upstream
// entry's address when mirroring. Fragments ("#top") resolve too, so that
// they keep pointing into the page the content came from.
//
// It tokenizes content with golang.org/x/net/html and re-serializes only
// the tags whose URLs change; every other byte is copied as it is, and
// content without relative URLs is returned unchanged.
func Absolutize(content string, base *url.URL) string {
	if base == nil || !mayHoldRelativeURL(content) {
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
				b.Grow(len(content) + 256)
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
		var ok bool
		switch {
		case urlAttrs[a.Key]:
			a.Val, ok = resolveURL(a.Val, base)
		case a.Key == "srcset":
			a.Val, ok = resolveSrcset(a.Val, base)
		}
		changed = changed || ok
		attrs = append(attrs, a)
	}
	if !changed {
		return "", false
	}
	t := html.Token{Type: tt, Data: string(name), Attr: attrs}
	// Attribute values come back with character references decoded, and
	// one may name a character XML forbids (&#1;), which String writes raw.
	return Clean(t.String()), true
}

// resolveURL resolves ref against base and reports whether that changed
// it. Absolute URLs, whatever their scheme (mailto:, data:), and URLs Go
// cannot parse stay as they are.
func resolveURL(ref string, base *url.URL) (string, bool) {
	u, err := url.Parse(strings.Trim(ref, htmlSpace))
	if err != nil || u.Scheme != "" {
		return ref, false
	}
	abs := base.ResolveReference(u).String()
	return abs, abs != ref
}

// resolveSrcset resolves each image candidate URL of a srcset attribute,
// keeping its descriptors ("2x", "640w"), and reports whether any changed.
// It splits candidates as HTML does: a URL runs to the next white space (a
// data: URL may hold commas), and a URL ending in a comma ends its
// candidate; otherwise descriptors run to the next comma.
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
		abs, ok := resolveURL(u, base)
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

// mayHoldRelativeURL reports whether s may hold a URL attribute (see
// urlAttrs, srcset) with a relative URL, so that most content skips tokenizing. It
// may say yes wrongly, never no wrongly: it says no only when every href
// src, poster and cite it finds has a value that starts with a URL scheme
// ("https:"),
// and srcset, a valueless attribute, a reference (&#104;ttp:) or the words
// in text all count as yes.
func mayHoldRelativeURL(s string) bool {
	for i := 0; i < len(s); i++ {
		n := 0
		switch s[i] | 0x20 { // ASCII lower case
		case 'h':
			if len(s)-i >= 4 && strings.EqualFold(s[i:i+4], "href") {
				n = 4
			}
		case 's':
			if len(s)-i >= 3 && strings.EqualFold(s[i:i+3], "src") {
				n = 3
			}
		case 'p':
			if len(s)-i >= 6 && strings.EqualFold(s[i:i+6], "poster") {
				n = 6
			}
		case 'c':
			if len(s)-i >= 4 && strings.EqualFold(s[i:i+4], "cite") {
				n = 4
			}
		}
		if n == 0 {
			continue
		}
		if v, ok := attrValue(s[i+n:]); !ok || !hasScheme(v) {
			return true
		}
		i += n - 1
	}
	return false
}

// attrValue returns what follows the = after an attribute name, where s
// starts, from the first character of the value on; ok is false when no =
// follows.
func attrValue(s string) (v string, ok bool) {
	s = strings.TrimLeft(s, htmlSpace)
	if s == "" || s[0] != '=' {
		return "", false
	}
	s = strings.TrimLeft(s[1:], htmlSpace)
	if s != "" && (s[0] == '"' || s[0] == '\'') {
		s = s[1:]
	}
	return strings.TrimLeft(s, htmlSpace), true
}

// hasScheme reports whether v starts with a URL scheme and its colon, as
// url.Parse finds one: a letter, then letters, digits, "+", "-" or ".".
func hasScheme(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case 'a' <= c|0x20 && c|0x20 <= 'z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return true
		default:
			return false
		}
	}
	return false
}
