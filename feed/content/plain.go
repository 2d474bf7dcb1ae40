package content

import (
	"net/url"
	"regexp"
	"strings"

	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// looksLikeHTML reports whether a comment is HTML rather than plain text.
// Comments carry no format of their own (feed.Comment has no Format field),
// so the content decides: a comment is HTML only when it holds a start or
// end tag of an element the comment policy keeps (commentTags: <p>, <b>,
// <a>, <blockquote>, ...). Anything else is plain text and is shown as
// typed, every character of it: "I <3 Go", "x<y", "<grin>", but also
// "use <script> tags", "<h1>", "a <!-- x --> b", "a <![CDATA[ x ]]> b" and
// "a <? pi ?> b", which an HTML parser would drop. The tokenizer reads the
// content of <script>, <style>, <textarea> and the like, and of comments,
// as text, so a kept tag inside one of those does not make a comment HTML.
// Once a comment is HTML, all of it is: other tags in it are removed by
// the policy, content of script-like elements included.
func looksLikeHTML(s string) bool {
	if !strings.Contains(s, "<") {
		return false
	}
	z := nethtml.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case nethtml.ErrorToken:
			return false // io.EOF: a strings.Reader fails no other way
		case nethtml.StartTagToken, nethtml.EndTagToken, nethtml.SelfClosingTagToken:
			if name, _ := z.TagName(); commentTags[atom.Lookup(name)] {
				return true
			}
		}
	}
}

// commentTags are the elements newCommentPolicy keeps: a tag of one of
// them makes a comment HTML (see looksLikeHTML). Keep the two in step.
var commentTags = map[atom.Atom]bool{
	atom.P: true, atom.Br: true, atom.Em: true, atom.Strong: true, atom.B: true,
	atom.I: true, atom.Code: true, atom.Pre: true, atom.Blockquote: true,
	atom.Ul: true, atom.Ol: true, atom.Li: true, atom.A: true,
}

// plainToHTML returns plain text as HTML paragraphs: lines with nothing but
// white space separate paragraphs, other line breaks become <br>, http and
// https URLs become links, and everything else is escaped once, so that
// "&lt;" shows as typed and "<" as "<". The result is meant for a policy to
// sanitize still (see CommentHTML).
func plainToHTML(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	var b strings.Builder
	b.Grow(len(s) + len(s)/8 + 16)
	inPara := false
	for l := range strings.SplitSeq(s, "\n") {
		l = strings.TrimRight(l, " \t")
		switch {
		case strings.TrimSpace(l) == "":
			if inPara {
				b.WriteString("</p>\n")
				inPara = false
			}
			continue
		case inPara:
			b.WriteString("<br>\n")
		default:
			b.WriteString("<p>")
			inPara = true
		}
		linkify(&b, l)
	}
	if inPara {
		b.WriteString("</p>")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// plainURL finds URLs in plain text, conservatively: http:// or https://
// not glued to a preceding letter or digit, then anything but white space,
// separators, other invisible characters, quotes and angle brackets (so
// that "<https://example.com/>" and "see 'https://example.com/'" work).
var plainURL = regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}])(https?://[^\s\p{Z}\p{C}<>"'` + "`" + `]+)`)

// linkify writes a line of plain text to b, escaped, with its URLs as
// links.
func linkify(b *strings.Builder, l string) {
	for {
		m := plainURL.FindStringSubmatchIndex(l)
		if m == nil {
			break
		}
		start, end := m[2], m[3]
		u := trimURL(l[start:end])
		end = start + len(u)
		b.WriteString(escape(l[:start]))
		if p, err := url.Parse(u); err == nil && p.Host != "" {
			b.WriteString(`<a href="`)
			b.WriteString(escape(u))
			b.WriteString(`">`)
			b.WriteString(escape(u))
			b.WriteString(`</a>`)
		} else {
			b.WriteString(escape(u))
		}
		l = l[end:]
	}
	b.WriteString(escape(l))
}

// trimURL removes from the end of a URL found in text the punctuation that
// more likely ends the sentence: "https://example.com/." or
// "(see https://example.com/)". Closing brackets stay when the URL opens
// them, as in https://en.wikipedia.org/wiki/Go_(game).
func trimURL(u string) string {
	for u != "" {
		c := u[len(u)-1]
		switch {
		case strings.IndexByte(".,:;!?*_~", c) >= 0:
		case c == ')' && strings.Count(u, "(") < strings.Count(u, ")"):
		case c == ']' && strings.Count(u, "[") < strings.Count(u, "]"):
		case c == '}' && strings.Count(u, "{") < strings.Count(u, "}"):
		default:
			return u
		}
		u = u[:len(u)-1]
	}
	return u
}

// blockTags are the elements that give comment HTML a structure of its own,
// which autoParagraphs must not second-guess.
var blockTags = map[atom.Atom]bool{
	atom.P: true, atom.Br: true, atom.Div: true, atom.Ul: true, atom.Ol: true,
	atom.Li: true, atom.Blockquote: true, atom.Pre: true, atom.Table: true,
}

// hasBlocks reports whether HTML s holds a block-level tag or a line break.
func hasBlocks(s string) bool {
	z := nethtml.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case nethtml.ErrorToken:
			return false
		case nethtml.StartTagToken, nethtml.EndTagToken, nethtml.SelfClosingTagToken:
			if name, _ := z.TagName(); blockTags[atom.Lookup(name)] {
				return true
			}
		}
	}
}

// autoParagraphs wraps the blank-line separated chunks of inline HTML in
// <p> elements and turns the remaining line breaks into <br>. It leaves the
// markup itself alone: the policy and the re-parse in finish balance any
// element a chunk boundary cuts.
func autoParagraphs(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	var b strings.Builder
	b.Grow(len(s) + 32)
	for chunk := range strings.SplitSeq(s, "\n\n") {
		chunk = strings.Trim(chunk, " \t\n")
		if chunk == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(chunk, "\n", "<br>\n"))
		b.WriteString("</p>\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}
