package content

import (
	"regexp"

	"github.com/microcosm-cc/bluemonday"
)

// The policies are built once and only read afterwards: a bluemonday
// Policy is safe for concurrent use once set up.
var (
	richPolicy    = newRichPolicy()
	commentPolicy = newCommentPolicy()
)

// Attribute value patterns. Every pattern is anchored: bluemonday matches
// with MatchString, and an unanchored pattern accepts any value holding a
// match.
var (
	// langClass is the class goldmark and most highlighters put on code
	// blocks: language-go, language-c++, language-objective-c.
	langClass = regexp.MustCompile(`^language-[A-Za-z0-9_+#.-]{1,40}$`)
	// srcsetValue is a srcset attribute whose every candidate URL is either
	// http(s) or relative without any colon, so that no other scheme can
	// slip through: bluemonday checks the schemes of href, src and cite,
	// but knows nothing of srcset. A URL with a comma (a data: URL) fails.
	srcsetValue = regexp.MustCompile(`^\s*` + srcsetCandidate + `(?:\s*,\s*` + srcsetCandidate + `)*\s*,?\s*$`)
	// idValue is an element id or anchor name for in-page links (#notes):
	// a letter, then letters, digits, "-", "_" and ".", never a colon; it
	// may carry already the prefix finish gives it (userContent), so that
	// derived HTML derives to itself.
	idValue  = regexp.MustCompile(`^(?:user-content-)?[A-Za-z][A-Za-z0-9_.-]{0,63}$`)
	dirValue = regexp.MustCompile(`^(?i:ltr|rtl|auto)$`)
	langTag  = regexp.MustCompile(`^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$`)
	integer  = regexp.MustCompile(`^[0-9]{1,6}$`)
	listType = regexp.MustCompile(`^(?:1|a|A|i|I)$`)
	scope    = regexp.MustCompile(`^(?i:row|col|rowgroup|colgroup)$`)
	openAttr = regexp.MustCompile(`^(?i:|open)$`)
	loading  = regexp.MustCompile(`^(?i:lazy|eager)$`)
)

// srcsetCandidate is one srcset image candidate: a URL and an optional
// width or density descriptor.
const srcsetCandidate = `(?i:https?://[^\s,]+|[^\s,:]+)(?:\s+[0-9]+(?:\.[0-9]+)?[wx])?`

// urlSchemes are the only URL schemes content may link to; relative URLs
// are allowed too, and the renderer resolves them against the entry's
// permalink.
var urlSchemes = []string{"http", "https", "mailto"}

// newRichPolicy returns the policy of post content, written by the site's
// authors: bluemonday's UGCPolicy, rebuilt here element by element so that
// each choice is visible, plus figures, headings, tables, responsive images
// (srcset, width, height) and code blocks with a language-* class.
//
// It allows no scripts, styles (neither the element nor the attribute),
// event handlers, frames, objects, embeds, forms, SVG or MathML, and URLs
// only of the schemes in urlSchemes or relative ones: no javascript:,
// vbscript: or data: URLs, images included.
func newRichPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	allowURLs(p)

	// Global attributes: text direction and language, tooltips, anchors.
	// A title is plain text, escaped on output; finish drops one that
	// looks like a dangerous URL, which CheckHarmless would refuse.
	p.AllowAttrs("dir").Matching(dirValue).Globally()
	p.AllowAttrs("lang").Matching(langTag).Globally()
	p.AllowAttrs("title").Globally()
	// Ids, and names of anchors, are prefixed with userContent by finish,
	// and in-page links to them (href="#x") rewritten to match, as GitHub
	// does, so that a post's id="comment-form" cannot clobber the page's.
	p.AllowAttrs("id").Matching(idValue).Globally()
	p.AllowAttrs("name").Matching(idValue).OnElements("a")

	// Structure and text.
	p.AllowElements(
		"p", "br", "hr", "div", "span", "wbr",
		"h1", "h2", "h3", "h4", "h5", "h6", "hgroup",
		"article", "aside", "section", "figure", "figcaption", "summary",
		"blockquote", "pre", "code", "kbd", "samp", "var",
		"em", "strong", "b", "i", "u", "s", "strike", "small", "mark",
		"sub", "sup", "abbr", "cite", "dfn", "ruby", "rt", "rp", "bdi",
	)
	p.AllowAttrs("dir").Matching(dirValue).OnElements("bdo")
	p.AllowAttrs("open").Matching(openAttr).OnElements("details")
	p.AllowElements("details")
	p.AllowAttrs("class").Matching(langClass).OnElements("code", "pre")
	p.AllowAttrs("cite").OnElements("blockquote", "q", "del", "ins")
	p.AllowElements("q", "del", "ins", "time")
	p.AllowAttrs("datetime").Matching(bluemonday.ISO8601).OnElements("time", "del", "ins")

	// Links.
	p.AllowAttrs("href").OnElements("a")

	// Lists.
	p.AllowElements("ul", "ol", "li", "dl", "dt", "dd")
	p.AllowAttrs("start").Matching(integer).OnElements("ol")
	p.AllowAttrs("type").Matching(listType).OnElements("ol")
	p.AllowAttrs("reversed").Matching(openAttr).OnElements("ol")
	p.AllowAttrs("value").Matching(integer).OnElements("li")

	// Tables. goldmark writes column alignment as align attributes (see
	// markdown).
	p.AllowElements("table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "colgroup", "col")
	p.AllowAttrs("colspan", "rowspan").Matching(integer).OnElements("td", "th")
	p.AllowAttrs("align").Matching(bluemonday.CellAlign).OnElements("td", "th", "tr", "col")
	p.AllowAttrs("scope").Matching(scope).OnElements("th")
	p.AllowAttrs("span").Matching(integer).OnElements("col", "colgroup")

	// Images: src is checked like every URL, srcset by srcsetValue. Alt
	// text is plain text, escaped on output.
	p.AllowAttrs("src").OnElements("img")
	p.AllowAttrs("srcset").Matching(srcsetValue).OnElements("img")
	p.AllowAttrs("alt").OnElements("img")
	p.AllowAttrs("width", "height").Matching(integer).OnElements("img")
	p.AllowAttrs("loading").Matching(loading).OnElements("img")

	skipContent(p)
	return p
}

// newCommentPolicy returns the policy of comments, written by strangers: a
// few text-level elements, links and nothing else. No images, which would
// let a commenter track every reader of a feed (or of a page showing the
// comment) and show anything at all under the site's name: they pass the
// policy only to become links or nothing (see SetCommentImages); no
// attributes but href; no ids, classes or titles.
//
// bluemonday adds rel="nofollow" to links; finish makes it "nofollow ugc"
// and removes any target.
func newCommentPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	allowURLs(p)
	p.RequireNoFollowOnLinks(true)
	// Keep these in step with commentTags (plain.go), which decides
	// whether a comment is HTML.
	p.AllowElements("p", "br", "em", "strong", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li")
	p.AllowAttrs("href").OnElements("a")
	// Images pass the policy only to be replaced by links or dropped
	// (replaceImages): no comment's HTML holds one.
	p.AllowAttrs("src", "alt").OnElements("img")
	skipContent(p)
	return p
}

// allowURLs makes p accept URLs that net/url parses and that are relative
// or of the schemes in urlSchemes. bluemonday checks them after decoding
// character references, so "jav&#x61;script:" is caught, and refuses URLs
// with white space in them, so "jav&#x09;ascript:" is too.
func allowURLs(p *bluemonday.Policy) {
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(true)
	p.AllowURLSchemes(urlSchemes...)
}

// skipContent makes p drop, with the elements, the content of elements it
// does not allow and whose content is no text for readers (bluemonday
// already drops that of script, style, iframe, object, noscript and a few
// more): a form control's text or an SVG drawing's would show as stray
// words.
func skipContent(p *bluemonday.Policy) {
	p.SkipElementsContent("template", "svg", "math", "textarea", "select", "button", "applet", "embed", "frameset", "head")
}
