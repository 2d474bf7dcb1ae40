package render

import (
	"bytes"
	"encoding/xml"
	"strings"

	"github.com/feedd/feedd/feed/content"
)

// clean returns s without the characters that XML 1.0 forbids or that the
// W3C Feed Validation Service flags (see content.Clean), so that any stored
// text renders as well-formed, warning-free XML and the same text in JSON.
func clean(s string) string { return content.Clean(s) }

// line cleans single-line text (titles, names, categories) with
// content.Line: clean, without bidi controls that could make a title read
// as something else, tabs and line breaks as spaces so that a stray newline
// cannot split a title, and no surrounding space.
func line(s string) string { return content.Line(s) }

// xmlText is an element holding character data, with an optional type
// attribute (Atom text constructs). encoding/xml escapes newlines in struct
// fields as &#xA;, which is valid but bloats and obscures HTML content; a
// CharData token keeps them as they are.
type xmlText struct {
	Type string
	Text string
}

// MarshalXML writes t as start, t.Text escaped as character data, and the
// end tag.
func (t xmlText) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if t.Type != "" {
		start.Attr = append(start.Attr, xml.Attr{Name: xml.Name{Local: "type"}, Value: t.Type})
	}
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	if err := e.EncodeToken(xml.CharData(t.Text)); err != nil {
		return err
	}
	return e.EncodeToken(start.End())
}

// xmlHeader starts every XML document, with the newline Go's xml.Header has.
const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// stylesheetPI returns the xml-stylesheet processing instruction that
// follows the XML declaration of every Atom and RSS document, with its
// newline: browsers that open a feed apply the XSLT stylesheet at
// StylesheetHref (a root-relative path, resolved against the feed's URL)
// and show a readable page, while feed readers ignore it. It is the same
// for every feed of a site, so that the bytes of a feed still depend on
// its entries alone. The path is escaped as the pseudo-attribute value it
// is (a base path may hold "&"), and cannot end the instruction.
func (r *Renderer) stylesheetPI() string {
	return `<?xml-stylesheet type="text/xsl" href="` + piEscaper.Replace(r.StylesheetHref()) + `"?>` + "\n"
}

// piEscaper escapes a pseudo-attribute value of a processing instruction.
var piEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// encodeXML returns v as an indented XML document for d, with its
// declaration, the processing instruction pi and a final newline.
func encodeXML(v any, d *document, pi string) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(d.size() + len(pi))
	b.WriteString(xmlHeader)
	b.WriteString(pi)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// plainText is a plain-text element (a title, a category) that looks like
// markup only when escaped as markup. The W3C validator reads such text
// for HTML: in "Use <b> sparingly" or "Escaping &amp;" it sees a tag or an
// entity and warns, unless the line carries a hexadecimal character
// reference, which is how the RSS Best Practices Profile says to write
// such characters. So text that looks like markup is written with &#x26;
// and &#x3C;; any other text is escaped as usual (Fish &amp; Chips).
// Either way it reads back the same.
type plainText string

// MarshalXML writes t as start, its text, and the end tag.
func (t plainText) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	s := string(t)
	if !looksLikeMarkup(s) {
		return xmlText{Text: s}.MarshalXML(e, start)
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&#x26;")
		case '<':
			b.WriteString("&#x3C;")
		case '>':
			b.WriteString("&#x3E;")
		case '\r':
			b.WriteString("&#xD;") // kept, as encoding/xml does
		default:
			b.WriteRune(r)
		}
	}
	return e.EncodeElement(struct {
		Text string `xml:",innerxml"` // escaped above
	}{b.String()}, start)
}

// looksLikeMarkup reports whether s holds "<" before a letter or "/", or
// "&" before a letter, digit or "#": what the validator takes for a tag or
// a character reference.
func looksLikeMarkup(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		c := s[i+1] | 0x20 // ASCII lower case; '/' and '#' do not change
		switch s[i] {
		case '<':
			if 'a' <= c && c <= 'z' || s[i+1] == '/' {
				return true
			}
		case '&':
			if 'a' <= c && c <= 'z' || '0' <= s[i+1] && s[i+1] <= '9' || s[i+1] == '#' {
				return true
			}
		}
	}
	return false
}
