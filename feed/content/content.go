// Package content makes the content of posts and comments safe to show: it
// is the single place where stored text becomes HTML for feeds and pages.
//
// Posts and comments are stored as given, and beside that source the HTML
// derived from it when it is written: DerivePost and DeriveComment, the one
// place content is sanitized, turn it into HTML with
// github.com/yuin/goldmark (Markdown posts) and
// github.com/microcosm-cc/bluemonday (every path), under two allowlist
// policies: a rich one for posts, which the site's authors write, and a
// small one for comments, which strangers write. Their output never holds
// scripts, styles, event handlers, frames, forms, SVG or MathML, nor URLs
// of schemes other than http, https and mailto (tests assert this with
// CheckHarmless); it is valid UTF-8 without characters XML forbids (see
// Clean), with tags balanced, and may hold relative URLs, which the
// renderer resolves against the entry's permalink.
//
// The derived HTML is marked with the Version it was derived under; a
// store re-derives rows marked with another one (see Version). PostHTML and
// CommentHTML, which feeds, pages and the API show, return the derived
// HTML an entry carries, deriving it only for one that carries none of
// this Version (an entry that is not from a store).
//
// Line cleans single-line text (titles, names) to be written as text.
package content

import (
	"bytes"
	"html"
	"strings"

	"github.com/feedd/feedd/feed"
	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// markdown converts Markdown posts: CommonMark with GitHub's tables,
// strikethrough and autolinks. Raw HTML passes through (WithUnsafe) so that
// authors can embed what Markdown lacks, such as <figure>; the rich policy
// then removes whatever is unsafe, as it does for HTML posts. Task lists are
// left out: their checkboxes are form inputs, which the policy drops.
// goldmark's Markdown is safe for concurrent use.
var markdown = goldmark.New(
	goldmark.WithExtensions(
		extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
		extension.Strikethrough,
		extension.Linkify,
	),
	goldmark.WithRendererOptions(gmhtml.WithUnsafe()),
)

// Version is the version of the HTML that DerivePost and DeriveComment
// derive: of the policies (policy.go), the Markdown options (markdown),
// and every step of the way from source to HTML (Clean, plainToHTML,
// autoParagraphs, finish). Bump it with any change that can alter their
// output for some input. Stores keep it with the HTML of each row and
// re-derive the rows of another version: in a batched pass at start-up,
// and, for a row read before the pass reached it, in memory on the read.
//
// Version 2: a comment is HTML only when it holds a tag the comment policy
// keeps (looksLikeHTML); other comments are plain text, kept whole.
//
// Version 3: posts' ids and anchor names get the user-content- prefix, and
// their in-page links follow (see harden).
//
// Version 4: images in comments that are HTML become links to them or are
// dropped (see SetCommentImages; a change of that setting re-derives the
// comments that hold one, without a new Version).
const Version = 4

// PostHTML returns the content of p as safe HTML: p.HTML when it was
// derived under this Version (DerivePost; stores fill it in on reads),
// else derived now, as DerivePost would.
func PostHTML(p *feed.Post) string {
	if p == nil {
		return ""
	}
	if p.HTMLVersion == Version {
		return p.HTML
	}
	return postHTML(p.Content, p.Format)
}

// CommentHTML is PostHTML for comments: c.HTML when derived under this
// Version (DeriveComment), else derived now.
func CommentHTML(c *feed.Comment) string {
	if c == nil {
		return ""
	}
	if c.HTMLVersion == Version {
		return c.HTML
	}
	return commentHTML(c.Content)
}

// DerivePost sets p.HTML to the content of p as safe HTML, and
// p.HTMLVersion to Version. Markdown (p.Format feed.FormatMarkdown) is
// converted first; HTML (feed.FormatHTML, or an empty or unknown format)
// goes straight to the rich policy (see newRichPolicy). Stores call it on
// every write of a post's content, and on re-deriving a row of another
// version.
func DerivePost(p *feed.Post) {
	p.HTML, p.HTMLVersion = postHTML(p.Content, p.Format), Version
}

// DeriveComment sets c.HTML to the content of c as safe HTML under the
// comment policy (see newCommentPolicy), every link marked rel="nofollow
// ugc", and c.HTMLVersion to Version. Content with a tag of an element the
// comment policy keeps (<p>, <b>, <a>, ...; see looksLikeHTML) is HTML,
// and when it has no block structure of its own (paragraphs, lists,
// quotes, line breaks) its blank lines separate paragraphs. Any other
// content is plain text, escaped as text and never parsed as HTML, so that
// every character shows as typed ("use <script> tags", "a <!-- x --> b"):
// blank lines separate paragraphs, line breaks are kept and http(s) URLs
// become links (see plainToHTML). Stores call it as DerivePost.
func DeriveComment(c *feed.Comment) {
	c.HTML, c.HTMLVersion = commentHTML(c.Content), Version
}

// postHTML derives the HTML of a post's content in format (DerivePost).
func postHTML(content, format string) string {
	s := Clean(content)
	if format == feed.FormatMarkdown {
		var b bytes.Buffer
		b.Grow(len(s) + len(s)/4)
		if err := markdown.Convert([]byte(s), &b); err != nil {
			// Only a failing writer makes goldmark fail, and a Buffer
			// does not; still, show the text rather than nothing.
			return finish(plainToHTML(s), richPolicy, false)
		}
		s = b.String()
	}
	return finish(s, richPolicy, false)
}

// commentHTML derives the HTML of a comment's content (DeriveComment).
func commentHTML(content string) string {
	s := Clean(content)
	switch {
	case !looksLikeHTML(s):
		s = plainToHTML(s)
	case !hasBlocks(s):
		// Inline HTML typed into a comment box still means its blank
		// lines as paragraph breaks, as in plain text.
		s = autoParagraphs(s)
	}
	return finish(s, commentPolicy, true)
}

// finish sanitizes s with policy and then parses the result as an HTML
// fragment and writes it back, which balances its tags, so that an unclosed
// <b> or <blockquote> cannot spill over what follows the content on a page.
// On the way it drops, as a second line of defense, any attribute that
// CheckHarmless would refuse, and for comments (ugc) sets rel="nofollow
// ugc" on links and removes their target. Character references in the
// input may name characters XML forbids (&#1;), which come out raw, so the
// result is cleaned once more, and white space around it, which HTML
// ignores (goldmark ends with a newline), is trimmed.
func finish(s string, policy *bluemonday.Policy, ugc bool) string {
	s = policy.Sanitize(s)
	if s == "" {
		return ""
	}
	nodes, err := nethtml.ParseFragment(strings.NewReader(s), bodyContext())
	if err != nil {
		return "" // a strings.Reader never fails, so neither does parsing
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/16)
	if ugc {
		// Comments' images are replaced in the fragment as a whole, so
		// that a top-level <img> is too.
		root := bodyContext()
		for _, n := range nodes {
			root.AppendChild(n)
		}
		replaceImages(root, false)
		nodes = nodes[:0]
		for n := root.FirstChild; n != nil; n = n.NextSibling {
			nodes = append(nodes, n)
		}
	}
	for _, n := range nodes {
		harden(n, ugc)
		if err := nethtml.Render(&b, n); err != nil {
			return ""
		}
	}
	return strings.Trim(Clean(b.String()), htmlSpace)
}

// userContent prefixes the ids (and anchor names) of posts, and the
// fragments of their in-page links, as GitHub's user-content- does: a
// post's id="comment-form" or id="main" must not clobber the page's own
// elements (issue 14 item 8). Comments keep no ids at all.
const userContent = "user-content-"

// withUserContent returns id with the userContent prefix, once.
func withUserContent(id string) string {
	if strings.HasPrefix(id, userContent) {
		return id
	}
	return userContent + id
}

// htmlSpace is ASCII white space as HTML defines it.
const htmlSpace = "\t\n\f\r "

// bodyContext returns the element that content is parsed inside: a <div>,
// as pages show it.
func bodyContext() *nethtml.Node {
	return &nethtml.Node{Type: nethtml.ElementNode, Data: "div", DataAtom: atom.Div}
}

// harden walks the tree under n, removing comments and doctypes (the
// policies drop them already), and attributes that look like event
// handlers, styles or dangerous URLs. With ugc (comments), links get
// rel="nofollow ugc" and lose any target, and elements lose id and name;
// without (posts), ids and names get the userContent prefix, and so do the
// fragments of in-page links (href="#x").
func harden(n *nethtml.Node, ugc bool) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if c.Type == nethtml.CommentNode || c.Type == nethtml.DoctypeNode {
			n.RemoveChild(c)
		} else {
			harden(c, ugc)
		}
		c = next
	}
	if n.Type != nethtml.ElementNode {
		return
	}
	attrs := n.Attr[:0]
	for _, a := range n.Attr {
		if attrProblem(a) != "" || (ugc && n.DataAtom == atom.A && (a.Key == "rel" || a.Key == "target")) {
			continue
		}
		switch {
		case a.Key == "id" || a.Key == "name":
			if ugc {
				continue // comments have no ids (the policy drops them too)
			}
			a.Val = withUserContent(a.Val)
		case !ugc && a.Key == "href" && n.DataAtom == atom.A && len(a.Val) > 1 && a.Val[0] == '#':
			a.Val = "#" + withUserContent(a.Val[1:])
		}
		attrs = append(attrs, a)
	}
	n.Attr = attrs
	if ugc && n.DataAtom == atom.A {
		n.Attr = append(n.Attr, nethtml.Attribute{Key: "rel", Val: "nofollow ugc"})
	}
}

// escape escapes text for HTML: & < > " and ', once.
func escape(s string) string { return html.EscapeString(s) }
