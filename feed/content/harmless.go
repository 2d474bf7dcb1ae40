package content

import (
	"fmt"
	"strings"
	"unicode/utf8"

	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// CheckHarmless returns an error describing the first thing in s, an HTML
// fragment, that could run script, load active content or restyle a page,
// and nil if there is none. Tests across packages use it to assert that
// sanitizer output (PostHTML, CommentHTML, and content as feeds and the API
// carry it) is harmless, whatever went in.
//
// It parses s as a browser would (with golang.org/x/net/html, inside a
// <div>) and refuses:
//
//   - text that is not valid UTF-8, and the string "<script" anywhere, in
//     any case;
//   - HTML comments and doctypes, which can hide or swallow what follows
//     when content is pasted into a page;
//   - elements that run or embed active content, take input or change the
//     page: script, style, iframe, frame, frameset, object, embed, applet,
//     param, form, input, button, select, option, textarea, meta, base,
//     link, noscript, template, portal, and any SVG or MathML element;
//   - attributes named on* (event handlers), style, srcdoc or formaction;
//   - attribute values, character references decoded, that start with a
//     javascript:, vbscript:, livescript: or data: URL, ignoring case and
//     the white space and control characters browsers ignore in URLs (in
//     srcset, any candidate URL).
func CheckHarmless(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("not valid UTF-8")
	}
	if i := indexFold(s, "<script"); i >= 0 {
		return fmt.Errorf("%q at byte %d", s[i:i+len("<script")], i)
	}
	nodes, err := nethtml.ParseFragment(strings.NewReader(s), bodyContext())
	if err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	for _, n := range nodes {
		if err := checkNode(n); err != nil {
			return err
		}
	}
	return nil
}

// forbidden lists the elements CheckHarmless refuses outside SVG and
// MathML, which it refuses whole.
var forbidden = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Iframe: true, atom.Frame: true,
	atom.Frameset: true, atom.Object: true, atom.Embed: true, atom.Applet: true,
	atom.Param: true, atom.Form: true, atom.Input: true, atom.Button: true,
	atom.Select: true, atom.Option: true, atom.Textarea: true, atom.Meta: true,
	atom.Base: true, atom.Link: true, atom.Noscript: true, atom.Template: true,
	atom.Svg: true, atom.Math: true,
}

func checkNode(n *nethtml.Node) error {
	switch n.Type {
	case nethtml.CommentNode:
		return fmt.Errorf("HTML comment <!--%s-->", n.Data)
	case nethtml.DoctypeNode:
		return fmt.Errorf("doctype %q", n.Data)
	case nethtml.ElementNode:
		if n.Namespace != "" || forbidden[n.DataAtom] || n.Data == "portal" {
			return fmt.Errorf("element <%s> (namespace %q)", n.Data, n.Namespace)
		}
		for _, a := range n.Attr {
			if p := attrProblem(a); p != "" {
				return fmt.Errorf("<%s %s=%q>: %s", n.Data, attrName(a), a.Val, p)
			}
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if err := checkNode(c); err != nil {
			return err
		}
	}
	return nil
}

func attrName(a nethtml.Attribute) string {
	if a.Namespace != "" {
		return a.Namespace + ":" + a.Key
	}
	return a.Key
}

// attrProblem says what is wrong with an attribute, or "" if nothing.
func attrProblem(a nethtml.Attribute) string {
	key := strings.ToLower(a.Key)
	switch {
	case strings.HasPrefix(key, "on"):
		return "event handler"
	case key == "style":
		return "style attribute"
	case key == "srcdoc" || key == "formaction":
		return "active attribute"
	case dangerousURL(a.Val):
		return "dangerous URL"
	case key == "srcset" || key == "imagesrcset":
		for c := range strings.SplitSeq(a.Val, ",") {
			if dangerousURL(c) {
				return "dangerous URL in srcset"
			}
		}
	}
	return ""
}

// dangerousSchemes are the URL schemes that run script or embed arbitrary
// content, lower case, with their colon.
var dangerousSchemes = []string{"javascript:", "vbscript:", "livescript:", "data:"}

// dangerousURL reports whether v starts with a dangerous scheme, ignoring
// case and every ASCII white space or control character, as browsers strip
// them from URLs ("java\tscript:", " JAVASCRIPT:", "\x01javascript:").
func dangerousURL(v string) bool {
	var buf [12]byte
	n := 0
	for i := 0; i < len(v) && n < len(buf); i++ {
		c := v[i]
		if c <= ' ' || c == 0x7f {
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	head := string(buf[:n])
	for _, s := range dangerousSchemes {
		if strings.HasPrefix(head, s) {
			return true
		}
	}
	return false
}

// indexFold returns the index of the first instance of the ASCII string
// sub in s, ignoring ASCII case, or -1.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}
