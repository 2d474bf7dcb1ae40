package content

import (
	"strings"
	"unicode"
	"unicode/utf8"

	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Text returns the text of sanitized HTML (PostHTML's and CommentHTML's output)
// as one line of plain text: character references decoded, elements
// dropped, block boundaries and all runs of white space made single
// spaces, cleaned as Line does. Images count by their alt text.
func Text(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	z := nethtml.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case nethtml.ErrorToken: // io.EOF: a strings.Reader fails no other way
			return Line(strings.Join(strings.Fields(b.String()), " "))
		case nethtml.TextToken:
			b.Write(z.Text())
		case nethtml.StartTagToken, nethtml.EndTagToken, nethtml.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			if a == atom.Img {
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "alt" {
						b.WriteString(" " + string(v) + " ")
					}
				}
				continue
			}
			if !inlineTags[a] {
				b.WriteByte(' ') // a block boundary, or a <br>
			}
		}
	}
}

// inlineTags are the elements that do not separate words.
var inlineTags = map[atom.Atom]bool{
	atom.A: true, atom.Abbr: true, atom.B: true, atom.Bdi: true, atom.Bdo: true, atom.Cite: true,
	atom.Code: true, atom.Data: true, atom.Del: true, atom.Dfn: true, atom.Em: true, atom.I: true,
	atom.Ins: true, atom.Kbd: true, atom.Mark: true, atom.Q: true, atom.S: true, atom.Samp: true,
	atom.Small: true, atom.Span: true, atom.Strong: true, atom.Sub: true, atom.Sup: true,
	atom.Time: true, atom.U: true, atom.Var: true, atom.Wbr: true,
}

// Excerpt returns the plain text of sanitized HTML (see Text), cut to at
// most n characters, the ellipsis included, at a word boundary and ended
// with "…" when cut. A single word longer than half of n is cut inside.
// Pages, summary views and digests quote content with it.
func Excerpt(html string, n int) string {
	return truncate(Text(html), n)
}

// truncate cuts single-line text s to at most n runes, the ellipsis
// included, at the last space when there is one in the second half.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut, runes := 0, 0
	for i := range s {
		if runes == n-1 { // room for the ellipsis
			cut = i
			break
		}
		runes++
	}
	head := s[:cut]
	if sp := strings.LastIndexByte(head, ' '); sp > 0 && utf8.RuneCountInString(head[:sp]) >= n/2 {
		head = head[:sp]
	}
	return strings.TrimRightFunc(head, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r) && r != ')' && r != '"' && r != '\u201d'
	}) + "\u2026"
}
