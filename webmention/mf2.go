// Package webmention holds the pieces of the W3C Webmention protocol
// (https://www.w3.org/TR/webmention/) that feedd receives and sends:
// the receiving endpoint and its verification queue (Receiver), and the
// microformats2 parsing that takes a mention's author, content, date and
// kind from its source page (Parse, FindEntry).
//
// The mf2 parser follows the microformats2 parsing specification
// (https://microformats.org/wiki/microformats2-parsing) for what feedd
// reads: h-* roots, their nested and child items, p-*, u-*, dt- and e-*
// properties with the value-class pattern, and the implied name, url and
// photo. It does not parse rel values nor backcompat (classic)
// microformats. It works over golang.org/x/net/html, as the Go mf2
// libraries are not served by the project's module proxy.
package webmention

import (
	"io"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Item is one microformat: its h-* types in document order, its
// properties by name without their prefix ("name", "in-reply-to"), and its
// child items (microformats nested without a property class).
type Item struct {
	Type       []string
	Properties map[string][]Value
	Children   []*Item
}

// Value is one value of a property. Text is its parsed value: the text of
// a p-*, the absolute URL of a u-*, the date of a dt-*, the text of an e-*
// (whose HTML is HTML). A property that is itself a microformat (a
// p-author h-card) has Item set, and Text is then the value the spec
// gives it: the item's name for p-*, its url for u-*, else the plain
// parse.
type Value struct {
	Text string
	HTML string // e-* only: the element's inner HTML, URLs as written
	Item *Item
}

// Data is a parsed document: its top-level microformats in order.
type Data struct {
	Items []*Item
}

// Parse reads an HTML document and returns its microformats, resolving
// relative URLs against base (and the document's <base href>, when it has
// one). It fails only when r does.
func Parse(r io.Reader, base *url.URL) (*Data, error) {
	doc, err := html.Parse(r)
	if err != nil {
		return nil, err
	}
	return ParseNode(doc, base), nil
}

// ParseNode is Parse of a document parsed already.
func ParseNode(doc *html.Node, base *url.URL) *Data {
	p := &parser{base: base}
	if b := findBase(doc); b != "" && base != nil {
		if u, err := base.Parse(b); err == nil {
			p.base = u
		}
	}
	d := &Data{}
	p.walkRoots(doc, func(n *html.Node) { d.Items = append(d.Items, p.item(n)) })
	return d
}

type parser struct{ base *url.URL }

// findBase returns the href of the document's first <base>, or "".
func findBase(n *html.Node) string {
	if n.Type == html.ElementNode && n.DataAtom == atom.Base {
		if h, ok := attr(n, "href"); ok {
			return h
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if h := findBase(c); h != "" {
			return h
		}
	}
	return ""
}

// walkRoots calls f on each microformat root below n (n excluded) that no
// other root encloses.
func (p *parser) walkRoots(n *html.Node, f func(*html.Node)) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if len(rootTypes(c)) > 0 {
			f(c)
			continue
		}
		p.walkRoots(c, f)
	}
}

// classes returns n's class names.
func classes(n *html.Node) []string {
	c, _ := attr(n, "class")
	return strings.Fields(c)
}

// validName reports whether s is a valid microformats class name after
// its prefix: lower-case letters and digits in hyphen-separated parts,
// starting with a letter part ("entry", "in-reply-to").
func validName(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	letter := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z':
			letter = true
		case '0' <= c && c <= '9', c == '-':
		default:
			return false
		}
	}
	return letter
}

// rootTypes returns n's h-* classes, sorted and without duplicates, as
// the spec lists an item's types.
func rootTypes(n *html.Node) []string {
	var ts []string
	for _, c := range classes(n) {
		if name, ok := strings.CutPrefix(c, "h-"); ok && validName(name) && !slices.Contains(ts, c) {
			ts = append(ts, c)
		}
	}
	slices.Sort(ts)
	return ts
}

// property is one property class: its prefix ("p", "u", "dt", "e") and
// name.
type property struct{ prefix, name string }

// propertyClasses returns n's property classes in order, without
// duplicates.
func propertyClasses(n *html.Node) []property {
	var ps []property
	for _, c := range classes(n) {
		prefix, name, ok := strings.Cut(c, "-")
		if !ok || !validName(name) {
			continue
		}
		switch prefix {
		case "p", "u", "dt", "e":
			if pr := (property{prefix, name}); !slices.Contains(ps, pr) {
				ps = append(ps, pr)
			}
		}
	}
	return ps
}

// item parses the microformat rooted at n.
func (p *parser) item(n *html.Node) *Item {
	it := &Item{Type: rootTypes(n), Properties: map[string][]Value{}}
	// Properties may sit on the root itself only as a nested item's
	// property of its parent; the item's own come from its descendants.
	var nested bool
	var explicit struct{ p, e, u, photo, name, url bool }
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			props := propertyClasses(c)
			if len(rootTypes(c)) > 0 {
				nested = true
				child := p.item(c)
				if len(props) == 0 {
					it.Children = append(it.Children, child)
					continue
				}
				for _, pr := range props {
					// A property that is an item takes the item's name
					// (p-) or url (u-) for its text, where it has one.
					v := Value{Item: child}
					var own []Value
					switch pr.prefix {
					case "p":
						own = child.Properties["name"]
					case "u":
						own = child.Properties["url"]
					}
					if len(own) > 0 {
						v.Text = own[0].Text
					} else {
						v.Text, v.HTML = p.value(c, pr.prefix)
					}
					p.mark(&explicit, pr)
					it.Properties[pr.name] = append(it.Properties[pr.name], v)
				}
				continue // a nested item's insides are its own
			}
			for _, pr := range props {
				var v Value
				v.Text, v.HTML = p.value(c, pr.prefix)
				p.mark(&explicit, pr)
				it.Properties[pr.name] = append(it.Properties[pr.name], v)
			}
			walk(c)
		}
	}
	walk(n)

	// Implied properties (the spec's "imply" steps).
	if !explicit.name && !explicit.p && !explicit.e && !nested {
		it.Properties["name"] = []Value{{Text: p.impliedName(n)}}
	}
	if !explicit.photo && !explicit.u && !nested {
		if photo := p.impliedPhoto(n); photo != "" {
			it.Properties["photo"] = []Value{{Text: photo}}
		}
	}
	if !explicit.url && !explicit.u && !nested {
		if u := p.impliedURL(n); u != "" {
			it.Properties["url"] = []Value{{Text: u}}
		}
	}
	return it
}

// mark notes which kinds of explicit properties an item has, for the
// implied ones.
func (p *parser) mark(e *struct{ p, e, u, photo, name, url bool }, pr property) {
	switch pr.prefix {
	case "p":
		e.p = true
	case "e":
		e.e = true
	case "u":
		e.u = true
	}
	switch pr.name {
	case "name":
		e.name = true
	case "photo":
		e.photo = true
	case "url":
		e.url = true
	}
}

// onlyChild returns n's only element child, or nil when it has none or
// several.
func onlyChild(n *html.Node) *html.Node {
	var only *html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			if only != nil {
				return nil
			}
			only = c
		}
	}
	return only
}

// onlyChildOf returns the element the spec's implied properties read:
// n's only child of one of the atoms (":only-of-type"), or else that of
// n's only child element; neither may be a microformat itself.
func onlyChildOf(n *html.Node, atoms ...atom.Atom) *html.Node {
	ofType := func(n *html.Node) *html.Node {
		var found *html.Node
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && slices.Contains(atoms, c.DataAtom) {
				if found != nil {
					return nil
				}
				found = c
			}
		}
		if found != nil && len(rootTypes(found)) > 0 {
			return nil
		}
		return found
	}
	if c := ofType(n); c != nil {
		return c
	}
	if only := onlyChild(n); only != nil && len(rootTypes(only)) == 0 {
		return ofType(only)
	}
	return nil
}

// impliedName is the spec's implied name of the root n.
func (p *parser) impliedName(n *html.Node) string {
	switch n.DataAtom {
	case atom.Img, atom.Area:
		if a, ok := attr(n, "alt"); ok {
			return strings.TrimSpace(a)
		}
	case atom.Abbr:
		if a, ok := attr(n, "title"); ok {
			return strings.TrimSpace(a)
		}
	}
	if c := onlyChildOf(n, atom.Img, atom.Area); c != nil {
		if a, ok := attr(c, "alt"); ok && a != "" {
			return strings.TrimSpace(a)
		}
	}
	if c := onlyChildOf(n, atom.Abbr); c != nil {
		if a, ok := attr(c, "title"); ok && a != "" {
			return strings.TrimSpace(a)
		}
	}
	return strings.TrimSpace(p.text(n, false))
}

// impliedPhoto is the spec's implied photo of the root n, "" for none.
func (p *parser) impliedPhoto(n *html.Node) string {
	src := func(n *html.Node) string {
		switch n.DataAtom {
		case atom.Img:
			if s, ok := attr(n, "src"); ok {
				return p.resolve(s)
			}
		case atom.Object:
			if s, ok := attr(n, "data"); ok {
				return p.resolve(s)
			}
		}
		return ""
	}
	if s := src(n); s != "" {
		return s
	}
	if c := onlyChildOf(n, atom.Img, atom.Object); c != nil {
		return src(c)
	}
	return ""
}

// impliedURL is the spec's implied url of the root n, "" for none.
func (p *parser) impliedURL(n *html.Node) string {
	if n.DataAtom == atom.A || n.DataAtom == atom.Area {
		if h, ok := attr(n, "href"); ok {
			return p.resolve(h)
		}
	}
	if c := onlyChildOf(n, atom.A, atom.Area); c != nil {
		if h, ok := attr(c, "href"); ok {
			return p.resolve(h)
		}
	}
	return ""
}

// value parses the property of element c with prefix (p, u, dt or e): its
// text, and for e- its HTML too.
func (p *parser) value(c *html.Node, prefix string) (text, htm string) {
	switch prefix {
	case "p":
		return p.pValue(c), ""
	case "u":
		return p.uValue(c), ""
	case "dt":
		return p.dtValue(c), ""
	case "e":
		return textContent(c), innerHTML(c)
	}
	return "", ""
}

// pValue parses a p-* property of n.
func (p *parser) pValue(n *html.Node) string {
	if v, ok := p.valueClass(n, false); ok {
		return v
	}
	switch n.DataAtom {
	case atom.Abbr, atom.Link:
		if t, ok := attr(n, "title"); ok {
			return t
		}
	case atom.Data, atom.Input:
		if v, ok := attr(n, "value"); ok {
			return v
		}
	case atom.Img, atom.Area:
		if a, ok := attr(n, "alt"); ok {
			return a
		}
	}
	return strings.TrimSpace(p.text(n, true))
}

// uValue parses a u-* property of n into an absolute URL.
func (p *parser) uValue(n *html.Node) string {
	var name string
	switch n.DataAtom {
	case atom.A, atom.Area, atom.Link:
		name = "href"
	case atom.Img, atom.Audio, atom.Source, atom.Iframe:
		name = "src"
	case atom.Video:
		name = "src"
		if _, ok := attr(n, "src"); !ok {
			name = "poster"
		}
	case atom.Object:
		name = "data"
	}
	if name != "" {
		if v, ok := attr(n, name); ok {
			return p.resolve(v)
		}
	}
	if v, ok := p.valueClass(n, false); ok {
		return p.resolve(v)
	}
	switch n.DataAtom {
	case atom.Abbr:
		if t, ok := attr(n, "title"); ok {
			return p.resolve(t)
		}
	case atom.Data, atom.Input:
		if v, ok := attr(n, "value"); ok {
			return p.resolve(v)
		}
	}
	return p.resolve(strings.TrimSpace(textContent(n)))
}

// dtValue parses a dt-* property of n, as written (see ParseTime).
func (p *parser) dtValue(n *html.Node) string {
	if v, ok := p.valueClass(n, true); ok {
		return v
	}
	switch n.DataAtom {
	case atom.Time, atom.Ins, atom.Del:
		if v, ok := attr(n, "datetime"); ok {
			return strings.TrimSpace(v)
		}
	case atom.Abbr:
		if v, ok := attr(n, "title"); ok {
			return strings.TrimSpace(v)
		}
	case atom.Data, atom.Input:
		if v, ok := attr(n, "value"); ok {
			return strings.TrimSpace(v)
		}
	}
	return strings.TrimSpace(textContent(n))
}

// valueClass applies the value-class pattern to n: the values of its
// descendants of class "value" (or "value-title", whose title is the
// value), outside nested microformats, joined; for a date, a date part
// and a time part (and a time-zone part) combine into one date-time. ok
// is false when n has no such descendant.
func (p *parser) valueClass(n *html.Node, date bool) (string, bool) {
	var parts []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode || len(rootTypes(c)) > 0 {
				continue
			}
			cls := classes(c)
			switch {
			case slices.Contains(cls, "value-title"):
				if t, ok := attr(c, "title"); ok {
					parts = append(parts, t)
				}
				continue
			case slices.Contains(cls, "value"):
				parts = append(parts, valueOf(c, date))
				continue
			}
			walk(c)
		}
	}
	walk(n)
	if len(parts) == 0 {
		return "", false
	}
	if !date {
		return strings.Join(parts, ""), true
	}
	return joinDateParts(parts), true
}

// valueOf is the value of an element of class "value".
func valueOf(n *html.Node, date bool) string {
	switch n.DataAtom {
	case atom.Img, atom.Area:
		if a, ok := attr(n, "alt"); ok {
			return a
		}
	case atom.Data:
		if v, ok := attr(n, "value"); ok {
			return v
		}
	case atom.Abbr:
		if t, ok := attr(n, "title"); ok {
			return t
		}
	case atom.Del, atom.Ins, atom.Time:
		if date {
			if v, ok := attr(n, "datetime"); ok {
				return v
			}
		}
	}
	return textContent(n)
}

// joinDateParts combines the value-class parts of a date: the first part
// that is a date, the first that is a time, the first that is a time zone.
func joinDateParts(parts []string) string {
	var d, t, z string
	for _, s := range parts {
		s = strings.TrimSpace(s)
		switch {
		case d == "" && looksLikeDate(s):
			if looksLikeDateTime(s) {
				return s // a whole date-time in one part
			}
			d = s
		case t == "" && looksLikeTime(s):
			t = s
		case z == "" && looksLikeZone(s):
			z = s
		}
	}
	switch {
	case d == "":
		return strings.Join(parts, "")
	case t == "":
		return d
	}
	return d + " " + t + z
}

func looksLikeDate(s string) bool {
	return len(s) >= 8 && s[4] == '-' && isDigits(s[:4])
}

func looksLikeDateTime(s string) bool {
	return len(s) > 10 && (s[10] == 'T' || s[10] == 't' || s[10] == ' ')
}

func looksLikeTime(s string) bool {
	s = strings.ToLower(s)
	return len(s) >= 2 && isDigits(s[:1]) && (strings.Contains(s, ":") || strings.HasSuffix(s, "am") || strings.HasSuffix(s, "pm"))
}

func looksLikeZone(s string) bool {
	return s == "Z" || s == "z" || len(s) >= 3 && (s[0] == '+' || s[0] == '-') && isDigits(s[1:3])
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// resolve makes u absolute against the document's base; a URL that does
// not parse is returned as given.
func (p *parser) resolve(u string) string {
	u = strings.TrimSpace(u)
	if p.base == nil {
		return u
	}
	r, err := p.base.Parse(u)
	if err != nil {
		return u
	}
	return r.String()
}

// text returns the text of n for p-* and implied names: its text
// content with <script> and <style> left out and, with images, each <img>
// replaced by its alt (else its absolute src, padded with spaces), as the
// spec's "textContent with img replacement" does.
func (p *parser) text(n *html.Node, images bool) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				b.WriteString(c.Data)
			case html.ElementNode:
				switch c.DataAtom {
				case atom.Script, atom.Style, atom.Template:
					continue
				case atom.Img:
					if !images {
						if a, ok := attr(c, "alt"); ok {
							b.WriteString(a)
						}
						continue
					}
					if a, ok := attr(c, "alt"); ok {
						b.WriteString(a)
					} else if s, ok := attr(c, "src"); ok {
						b.WriteString(" " + p.resolve(s) + " ")
					}
					continue
				}
				walk(c)
			}
		}
	}
	walk(n)
	return b.String()
}

// textContent is the DOM's textContent of n without <script> and <style>.
func textContent(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode:
				b.WriteString(c.Data)
			case c.Type == html.ElementNode && (c.DataAtom == atom.Script || c.DataAtom == atom.Style || c.DataAtom == atom.Template):
			default:
				walk(c)
			}
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

// innerHTML serializes n's children.
func innerHTML(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		html.Render(&b, c)
	}
	return strings.TrimSpace(b.String())
}

// attr returns the value of n's attribute name and whether it has one.
func attr(n *html.Node, name string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}
