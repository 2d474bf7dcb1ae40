package poll

import (
	"encoding/xml"
	"html"
	"io"
	"net/mail"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
)

// wxrFormat names the format in errors.
const wxrFormat = "WordPress export (WXR)"

// wxrItem is what Import reads of a WXR <item>. Fields match elements by
// local name, so that every version of the export namespace
// (http://wordpress.org/export/1.0/ to 1.2/) reads alike. Authors' e-mail
// addresses (and commenters' IP addresses) are not even read.
type wxrItem struct {
	Title           string        `xml:"title"`
	Link            string        `xml:"link"`
	PubDate         string        `xml:"pubDate"`
	Creator         string        `xml:"creator"`
	Encoded         []wxrEncoded  `xml:"encoded"` // content:encoded and excerpt:encoded
	PostID          string        `xml:"post_id"`
	PostDateGMT     string        `xml:"post_date_gmt"`
	PostModifiedGMT string        `xml:"post_modified_gmt"`
	Status          string        `xml:"status"`
	PostType        string        `xml:"post_type"`
	Password        string        `xml:"post_password"`
	Categories      []wxrCategory `xml:"category"`
	Comments        []wxrComment  `xml:"comment"`
}

// wxrEncoded is a content:encoded or excerpt:encoded element, told apart
// by namespace.
type wxrEncoded struct {
	XMLName xml.Name
	Text    string `xml:",chardata"`
}

// wxrCategory is an item's category or tag (domain "category" or
// "post_tag").
type wxrCategory struct {
	Domain string `xml:"domain,attr"`
	Name   string `xml:",chardata"`
}

// wxrComment is a <wp:comment>.
type wxrComment struct {
	ID        string `xml:"comment_id"`
	Author    string `xml:"comment_author"`
	AuthorURL string `xml:"comment_author_url"`
	DateGMT   string `xml:"comment_date_gmt"`
	Content   string `xml:"comment_content"`
	Approved  string `xml:"comment_approved"`
	Type      string `xml:"comment_type"`
	Parent    string `xml:"comment_parent"`
}

// wxrAuthor is a <wp:author> of the channel, which names the display name
// of a login that items give as dc:creator.
type wxrAuthor struct {
	Login       string `xml:"author_login"`
	DisplayName string `xml:"author_display_name"`
}

// wxrPost is an item kept as a post, before the channel's authors are
// known.
type wxrPost struct {
	ip      *importPost
	creator string
}

// parseWXR reads a WordPress export (WXR) and maps it, streaming: one
// item is decoded at a time and only what is stored is kept.
//
// Posts are the items of wp:post_type "post" with wp:status "publish" and
// no password; pages, attachments, navigation menu items, drafts, private,
// scheduled and trashed posts are left out with their comments. A post
// keeps its title, link, content:encoded (given paragraphs when WordPress
// left them to its wpautop filter), excerpt as summary, author (dc:creator,
// shown by the wp:author's display name when the channel has it), its
// categories and tags as categories, and its dates: wp:post_date_gmt, else
// pubDate; wp:post_modified_gmt as updated.
//
// Comments are the approved ones (wp:comment_approved 1; pending, spam and
// trashed ones are left out) of the types comment, pingback and trackback,
// with author, author URL, wp:comment_date_gmt and content; an author's
// e-mail address is never read. A pingback or trackback is kept as a
// comment whose author URI is the page that linked. A comment is threaded
// under its wp:comment_parent; when that parent was left out (or is not in
// the export), under the parent's nearest kept ancestor, or on the post
// when there is none.
//
// Posts are keyed by the site's link and wp:post_id, as WordPress's
// shortlink spells them (https://example.org/?p=12), and comments by that
// and wp:comment_id (https://example.org/?p=12#comment-34), so that
// slugs and permalinks may change between exports.
func parseWXR(r io.Reader, base *url.URL, source string, now time.Time) (*importSet, error) {
	d := newImportDecoder(r)
	var (
		site, siteLink, blogURL, siteURL string
		authors                          = make(map[string]string)
		posts                            []wxrPost
		channels                         int
	)
	for depth := 0; ; {
		tok, err := d.Token()
		if err == io.EOF {
			if depth != 0 {
				return nil, formatError(wxrFormat, io.ErrUnexpectedEOF)
			}
			break
		}
		if err != nil {
			return nil, formatError(wxrFormat, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			line, _ := d.InputPos()
			switch {
			case depth == 0 || (depth == 1 && t.Name.Local == "channel"):
				if depth == 1 {
					channels++
				}
				depth++
				continue
			case depth == 2 && t.Name.Local == "item":
				var it wxrItem
				if err := d.DecodeElement(&it, &t); err != nil {
					return nil, formatError(wxrFormat, err)
				}
				if site == "" {
					site = firstOf(siteLink, blogURL, siteURL)
				}
				if site == "" {
					return nil, formatError(wxrFormat, docError(line, "<item> before the channel's <link> (or wp:base_blog_url), which keys the entries"))
				}
				p, err := wxrMapItem(&it, site, base, source, now, line)
				if err != nil {
					return nil, formatError(wxrFormat, err)
				}
				if p != nil {
					posts = append(posts, wxrPost{p, content.Line(it.Creator)})
				}
				continue
			case depth == 2 && t.Name.Local == "author":
				var a wxrAuthor
				if err := d.DecodeElement(&a, &t); err != nil {
					return nil, formatError(wxrFormat, err)
				}
				if login := content.Line(a.Login); login != "" {
					authors[login] = content.Line(a.DisplayName)
				}
				continue
			case depth == 2 && (t.Name.Local == "link" || t.Name.Local == "base_blog_url" || t.Name.Local == "base_site_url"):
				var s string
				if err := d.DecodeElement(&s, &t); err != nil {
					return nil, formatError(wxrFormat, err)
				}
				switch link := resolveLink(content.Line(s), base); t.Name.Local {
				case "link":
					siteLink = link
				case "base_blog_url":
					blogURL = link
				default:
					siteURL = link
				}
				continue
			}
			if err := d.Skip(); err != nil {
				return nil, formatError(wxrFormat, err)
			}
		case xml.EndElement:
			depth--
		}
	}
	if channels == 0 {
		return nil, formatError(wxrFormat, feed.Errorf(feed.EINVALID, "no <channel> in <rss>"))
	}

	set := &importSet{}
	for _, p := range posts {
		if name := authors[p.creator]; name != "" {
			p.ip.post.AuthorName = truncate(name, feed.MaxNameLen)
		}
		set.posts = append(set.posts, p.ip)
	}
	// Oldest first, as Import stores a feed's; undated ones last.
	sort.SliceStable(set.posts, func(i, j int) bool {
		return publishedPost(set.posts[i].post).Before(publishedPost(set.posts[j].post))
	})
	return set, nil
}

// wxrMapItem maps an item to a post with its comments, or nil for an
// item that is not a published post.
func wxrMapItem(it *wxrItem, site string, base *url.URL, source string, now time.Time, line int) (*importPost, error) {
	if strings.TrimSpace(it.PostType) != "post" || strings.TrimSpace(it.Status) != "publish" || strings.TrimSpace(it.Password) != "" {
		return nil, nil
	}
	id := strings.TrimSpace(it.PostID)
	if id == "" {
		return nil, docError(line, "<item> of a post without <wp:post_id>")
	}
	key := normID(strings.TrimRight(site, "/") + "/?p=" + id)
	if base == nil {
		base, _ = url.Parse(site)
	}
	link := resolveLink(it.Link, base)
	entryBase := base
	if link != "" {
		entryBase, _ = url.Parse(link)
	}
	var body, excerpt string
	for _, e := range it.Encoded {
		switch {
		case strings.Contains(e.XMLName.Space, "/excerpt/"):
			excerpt = e.Text
		case body == "":
			body = e.Text
		}
	}
	body = truncate(content.Absolutize(wpAutop(content.Clean(body)), entryBase), feed.MaxContentLen)
	var cats []string
	for _, c := range it.Categories {
		if c.Domain == "category" || c.Domain == "post_tag" {
			cats = append(cats, c.Name)
		}
	}
	p := &feed.Post{
		Title:      title(textOf(it.Title)), // HTML, as WordPress keeps titles
		Content:    body,
		Format:     feed.FormatHTML,
		Summary:    truncate(strings.TrimSpace(content.Clean(textOf(excerpt))), feed.MaxContentLen),
		AuthorName: truncate(content.Line(it.Creator), feed.MaxNameLen),
		Categories: cleanCategories(cats),
		Origin:     &feed.Origin{Source: source, ID: key, URL: link},
	}
	p.Published = saneTime(wpTime(it.PostDateGMT), now)
	if p.Published.IsZero() {
		if t, err := mail.ParseDate(strings.TrimSpace(it.PubDate)); err == nil {
			p.Published = saneTime(t, now)
		}
	}
	p.Updated = saneTime(wpTime(it.PostModifiedGMT), now)
	if p.Updated.Before(p.Published) {
		p.Updated = p.Published
	}
	fillPost(p, body, link)
	return &importPost{post: p, comments: wxrComments(it.Comments, key, link, entryBase, source, now)}, nil
}

// wxrComments maps the kept comments of a post (see parseWXR) keyed under
// the post's key.
func wxrComments(cs []wxrComment, postKey, link string, base *url.URL, source string, now time.Time) []threaded {
	parentOf := make(map[string]string, len(cs))
	kept := make(map[string]bool, len(cs))
	for _, c := range cs {
		id := strings.TrimSpace(c.ID)
		parentOf[id] = strings.TrimSpace(c.Parent)
		switch strings.TrimSpace(c.Type) {
		case "", "comment", "pingback", "trackback":
			kept[id] = strings.TrimSpace(c.Approved) == "1" && id != ""
		}
	}
	key := func(id string) string { return normID(postKey + "#comment-" + id) }
	var out []threaded
	pinged := map[string]bool{}
	for _, c := range cs {
		id := strings.TrimSpace(c.ID)
		if !kept[id] {
			continue
		}
		// The nearest kept ancestor; none (0, or a parent not in the
		// export): the post.
		parent := ""
		for up, n := parentOf[id], 0; up != "" && up != "0" && n <= len(cs); up, n = parentOf[up], n+1 {
			if kept[up] {
				parent = key(up)
				break
			}
		}
		name, uri := cleanAuthor(html.UnescapeString(c.Author), c.AuthorURL) // escaped, as WordPress keeps it
		body := strings.TrimSpace(c.Content)
		kind := strings.TrimSpace(c.Type)
		if body == "" && uri != "" && (kind == "pingback" || kind == "trackback") {
			body = uri // a ping without an excerpt still says who linked
		}
		body = truncate(content.Absolutize(content.Clean(body), base), feed.MaxCommentLen)
		if strings.TrimSpace(body) == "" {
			continue // the store would refuse it
		}
		cm := &feed.Comment{
			AuthorName: name,
			AuthorURI:  uri,
			Content:    body,
			Status:     feed.StatusApproved,
			Origin:     &feed.Origin{Source: source, ID: key(id)},
		}
		cm.Origin.URL = commentLink(link, id)
		// A pingback or trackback is a mention by the linking page, as a
		// Webmention that merely links is (once per page and post: a post
		// has one live mention of a source).
		if (kind == "pingback" || kind == "trackback") && uri != "" && !pinged[uri] {
			pinged[uri] = true
			cm.Kind, cm.SourceURL = feed.MentionLink, uri
		}
		cm.Published = saneTime(wpTime(c.DateGMT), now)
		cm.Updated = cm.Published
		out = append(out, threaded{c: cm, parent: parent})
	}
	return out
}

// wpTime parses a WXR date in UTC ("2019-03-04 12:00:00"); zero for
// WordPress's "0000-00-00 00:00:00" and anything unreadable.
func wpTime(s string) time.Time {
	t, err := time.Parse(time.DateTime, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}
	}
	return t
}

// wpAutop gives paragraphs to post content that WordPress stored without
// them, leaving it to its wpautop filter on display: text parts separated
// by a blank line become <p> elements, and their line breaks <br>. Content
// with block markup of its own (the block editor's, <p>, <pre>, whose
// blank lines are its text) is left as it is.
func wpAutop(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	lower := strings.ToLower(s)
	for _, m := range []string{"<p>", "<p ", "<pre", "<!-- wp:"} {
		if strings.Contains(lower, m) {
			return s
		}
	}
	s = strings.ReplaceAll(strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")), "\n\n\n", "\n\n")
	var b strings.Builder
	for _, para := range strings.Split(s, "\n\n") {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		if isBlockStart(para) {
			b.WriteString(para)
		} else {
			b.WriteString("<p>")
			b.WriteString(strings.ReplaceAll(para, "\n", "<br>\n"))
			b.WriteString("</p>")
		}
		b.WriteByte('\n')
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// isBlockStart reports whether s starts with a block-level element, which
// wpAutop leaves out of a paragraph.
func isBlockStart(s string) bool {
	if !strings.HasPrefix(s, "<") {
		return false
	}
	name := strings.ToLower(strings.TrimLeft(s[1:], "/"))
	if i := strings.IndexAny(name, " \t\n>/"); i >= 0 {
		name = name[:i]
	}
	switch name {
	case "div", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "figure", "hr", "dl", "section", "!--":
		return true
	}
	return false
}

// firstOf returns the first of ss that is not empty.
func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// publishedPost returns the time a post sorts by; undated ones come last.
func publishedPost(p *feed.Post) time.Time {
	if p.Published.IsZero() {
		return time.Unix(1<<40, 0)
	}
	return p.Published
}

// cleanAuthor returns an author's name as one clean line within
// feed.MaxNameLen (Anonymous when empty) and their URL when it is an
// absolute http(s) URL within the store's limit, else "".
func cleanAuthor(name, uri string) (string, string) {
	name = truncate(content.Line(name), feed.MaxNameLen)
	if strings.TrimSpace(name) == "" {
		name = anonymous
	}
	uri = resolveLink(content.Line(uri), nil)
	return name, uri
}
