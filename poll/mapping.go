package poll

import (
	"crypto/sha256"
	"encoding/hex"
	"html"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	ext "github.com/mmcdole/gofeed/extensions"
	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
)

// anonymous names the author of a comment that names none: comments need
// one.
const anonymous = "Anonymous"

// futureSkew is how far ahead of the clock an entry's date may be before it
// counts as wrong and is dropped: a post dated next year would otherwise
// stay at the top of the posts feed until then.
const futureSkew = 24 * time.Hour

// post maps an entry to a mirrored post of source. Text is cleaned of
// what feed.Post.Validate refuses (invalid UTF-8, control characters) and
// cut to its limits, relative URLs are resolved, and a missing or
// implausible date is left zero, so that the store keeps the time the entry
// was first seen.
func (d *document) post(e *entry, source string, now time.Time) *feed.Post {
	link := d.link(e)
	base := d.entryBase(link)
	body, summary := d.content(e, base)
	p := &feed.Post{
		Title:      title(e.item.Title),
		Content:    truncate(body, feed.MaxContentLen),
		Format:     feed.FormatHTML,
		Summary:    truncate(summary, feed.MaxContentLen),
		Categories: e.categories(),
		Origin: &feed.Origin{
			Source:      source,
			ID:          d.upstreamID(e, link),
			URL:         link,
			CommentsURL: d.commentsURL(e, link),
		},
	}
	p.AuthorName, p.AuthorURI = d.author(e, base)
	p.Published, p.Updated = e.dates(now)
	fillPost(p, body, link)
	return p
}

// fillPost gives a mapped post what the store requires and its entry may
// lack: a title, taken from the start of body, and content, a link to
// link, the summary or the title.
func fillPost(p *feed.Post, body, link string) {
	if p.Title == "" {
		// Posts need a title: take the start of the text, as readers do.
		p.Title = feed.Shorten(strings.Join(strings.Fields(textOf(body)), " "), 80)
	}
	if p.Title == "" {
		p.Title = "Untitled"
	}
	if strings.TrimSpace(p.Content) == "" {
		// Posts need content, and a link-only entry has none: link the
		// upstream page.
		switch {
		case link != "":
			p.Content = `<p><a href="` + html.EscapeString(link) + `">` + html.EscapeString(link) + `</a></p>`
		case p.Summary != "":
			p.Content = textToHTML(p.Summary)
		default:
			p.Content = "<p>" + html.EscapeString(p.Title) + "</p>"
		}
	}
}

// comment maps an entry of a comment feed, or of an export, to a mirrored
// comment of the post postID, like post.
func (d *document) comment(e *entry, source, postID string, now time.Time) *feed.Comment {
	link := d.link(e)
	base := d.entryBase(link)
	body := e.item.Content
	if body == "" {
		body = e.item.Description
	}
	if e.json != nil && e.json.ContentHTML == "" {
		body = e.json.ContentText // plain text, which comments may be
	}
	if strings.TrimSpace(body) == "" {
		body = e.item.Title
	}
	c := &feed.Comment{
		PostID:  postID,
		Content: truncate(content.Absolutize(content.Clean(body), base), feed.MaxCommentLen),
		Status:  feed.StatusApproved,
		Origin:  &feed.Origin{Source: source, ID: d.upstreamID(e, link), URL: link},
	}
	c.AuthorName, c.AuthorURI = d.author(e, base)
	if c.AuthorName == "" {
		c.AuthorName = anonymous
	}
	c.Published, c.Updated = e.dates(now)
	return c
}

// upstreamID returns the entry's id, or a stable synthetic one for an entry
// without: "link:" and its link, else "sha256:" and the first 32 hex digits
// of the SHA-256 of its title, a newline and its date as written.
func (d *document) upstreamID(e *entry, link string) string {
	if id := normID(e.item.GUID); id != "" {
		return id
	}
	if link != "" {
		return "link:" + link
	}
	date := e.item.Published
	if date == "" {
		date = e.item.Updated
	}
	sum := sha256.Sum256([]byte(e.item.Title + "\n" + date))
	return "sha256:" + hex.EncodeToString(sum[:])[:32]
}

// normID returns an upstream id (an entry's or one a reply refers to) as
// it is stored: one clean line, and, when longer than the store allows
// (feed.MaxURILen), "sha256:" and the first 32 hex digits of its SHA-256.
func normID(id string) string {
	id = content.Line(id)
	if utf8.RuneCountInString(id) > feed.MaxURILen {
		sum := sha256.Sum256([]byte(id))
		return "sha256:" + hex.EncodeToString(sum[:])[:32]
	}
	return id
}

// link returns the entry's permalink, absolute, or "".
func (d *document) link(e *entry) string {
	if l := resolveLink(e.item.Link, d.base); l != "" {
		return l
	}
	for _, l := range e.item.Links {
		if l := resolveLink(l, d.base); l != "" {
			return l
		}
	}
	return ""
}

// entryBase returns the URL that relative URLs in an entry resolve
// against: its permalink, the page the content was written for, else the
// document's URL. (gofeed resolves Atom's xml:base itself; what it leaves
// relative resolves here.)
func (d *document) entryBase(link string) *url.URL {
	if link != "" {
		if u, err := url.Parse(link); err == nil {
			return u
		}
	}
	return d.base
}

// content returns the entry's content as HTML, with relative URLs
// resolved against base, and a plain-text summary when the entry has one
// besides its content.
func (d *document) content(e *entry, base *url.URL) (body, summary string) {
	it := e.item
	body, desc := it.Content, it.Description
	isText := false
	switch {
	case e.json != nil:
		if e.json.ContentHTML == "" && e.json.ContentText != "" {
			body, isText = e.json.ContentText, true
		}
	case e.atom != nil && e.atom.Content != nil:
		// Atom content is text unless its type says otherwise; many feeds
		// leave out type="html" all the same, so text that holds HTML
		// tags is taken for HTML.
		t := strings.ToLower(e.atom.Content.Type)
		isText = (t == "" || t == "text") && !hasTags(body)
	}
	if strings.TrimSpace(body) == "" {
		body, desc, isText = desc, "", false
	}
	body = content.Clean(body)
	if isText {
		body = textToHTML(body)
	}
	body = content.Absolutize(body, base)
	if desc != "" && desc != it.Content {
		summary = strings.TrimSpace(content.Clean(textOf(desc)))
	}
	return body, summary
}

// author returns the entry's author, else the feed's, as a cleaned name and
// an absolute http(s) URI or "". An e-mail address is never used: upstream
// feeds show it, but republishing it is not ours to decide.
func (d *document) author(e *entry, base *url.URL) (name, uri string) {
	if len(e.item.Authors) > 0 && e.item.Authors[0] != nil {
		name = e.item.Authors[0].Name
		switch {
		case e.atom != nil && len(e.atom.Authors) > 0:
			uri = e.atom.Authors[0].URI
		case e.json != nil && len(e.json.Authors) > 0:
			uri = e.json.Authors[0].URL
		case e.json != nil && e.json.Author != nil:
			uri = e.json.Author.URL
		}
	}
	if strings.TrimSpace(name) == "" && len(d.feed.Authors) > 0 && d.feed.Authors[0] != nil {
		name, uri = d.feed.Authors[0].Name, ""
	}
	name = truncate(content.Line(name), feed.MaxNameLen)
	if uri = resolveLink(content.Line(uri), base); utf8.RuneCountInString(uri) > feed.MaxURILen {
		uri = ""
	}
	return name, uri
}

// categories returns the entry's categories, cleaned, deduplicated and
// within feed.Post's limits, leaving out Blogger's kind#post marker.
func (e *entry) categories() []string {
	var raw []string
	if e.atom != nil {
		for _, c := range e.atom.Categories {
			if c == nil || c.Scheme == bloggerKindScheme {
				continue
			}
			if c.Label != "" {
				raw = append(raw, c.Label)
			} else {
				raw = append(raw, c.Term)
			}
		}
	} else {
		raw = e.item.Categories
	}
	return cleanCategories(raw)
}

// cleanCategories returns categories cleaned, deduplicated and within
// feed.Post's limits.
func cleanCategories(raw []string) []string {
	var out []string
	seen := make(map[string]bool)
	for _, c := range raw {
		c = truncate(content.Line(c), feed.MaxCategoryLen)
		if c == "" || seen[c] {
			continue
		}
		seen[c] = true
		out = append(out, c)
		if len(out) == feed.MaxCategories {
			break
		}
	}
	return out
}

// dates returns the entry's published and updated times, each falling back
// on the other, in UTC to the second. A date before 1970 or more than
// futureSkew ahead of now is dropped: zero, so the store keeps the time
// the entry was first seen. Updated is never before Published.
func (e *entry) dates(now time.Time) (published, updated time.Time) {
	sane := func(t *time.Time) time.Time {
		if t == nil || t.Year() < 1970 || t.After(now.Add(futureSkew)) {
			return time.Time{}
		}
		return t.UTC().Truncate(time.Second)
	}
	published, updated = sane(e.item.PublishedParsed), sane(e.item.UpdatedParsed)
	if published.IsZero() {
		published = updated
	}
	if updated.Before(published) {
		updated = published
	}
	return published, updated
}

// title cleans a title to one line of text, its runs of white space
// collapsed (feeds often indent their titles), within feed.MaxTitleLen.
// Atom titles may be HTML, which gofeed hands over with its tags.
func title(s string) string {
	if hasTags(s) {
		s = textOf(s)
	}
	s = strings.Join(strings.Fields(content.Line(s)), " ")
	return feed.Shorten(s, feed.MaxTitleLen)
}

// hasTags reports whether s holds a tag of a known HTML element, so that
// "x <y" in a text title is not taken for markup.
func hasTags(s string) bool {
	if !strings.ContainsRune(s, '<') {
		return false
	}
	z := nethtml.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case nethtml.ErrorToken:
			return false
		case nethtml.StartTagToken, nethtml.EndTagToken, nethtml.SelfClosingTagToken:
			if name, _ := z.TagName(); atom.Lookup(name) != 0 {
				return true
			}
		}
	}
}

// textOf returns the text of an HTML fragment, its character references
// decoded, leaving out scripts and styles.
func textOf(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	var b strings.Builder
	z := nethtml.NewTokenizer(strings.NewReader(s))
	skip := 0
	for {
		switch z.Next() {
		case nethtml.ErrorToken:
			return b.String()
		case nethtml.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case nethtml.StartTagToken:
			switch name, _ := z.TagName(); atom.Lookup(name) {
			case atom.Script, atom.Style:
				skip++
			case atom.Br, atom.P, atom.Div, atom.Li:
				b.WriteByte(' ')
			}
		case nethtml.EndTagToken:
			switch name, _ := z.TagName(); atom.Lookup(name) {
			case atom.Script, atom.Style:
				skip = max(skip-1, 0)
			}
		}
	}
}

// textToHTML turns plain text into HTML: escaped, blank lines separating
// paragraphs, line breaks kept.
func textToHTML(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), "\r\n", "\n")
	if s == "" {
		return ""
	}
	var b strings.Builder
	for _, para := range strings.Split(s, "\n\n") {
		if para = strings.TrimSpace(para); para == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>"))
		b.WriteString("</p>")
	}
	return b.String()
}

// truncate cuts s to at most n characters (runes).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// extension returns the first extension element called name, in the
// namespace bound to any of the prefixes given (gofeed keys extensions by
// the document's prefix, or a canonical one for well-known namespaces), or
// in any namespace when none are given.
func extension(exts ext.Extensions, name string, prefixes ...string) *ext.Extension {
	if len(prefixes) == 0 {
		for p := range exts {
			prefixes = append(prefixes, p)
		}
		sort.Strings(prefixes) // deterministic when two namespaces share a name
	}
	for _, p := range prefixes {
		if es := exts[p][name]; len(es) > 0 {
			return &es[0]
		}
	}
	return nil
}
