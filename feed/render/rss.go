package render

import (
	"encoding/xml"
	"html"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/gorilla/feeds"
)

// Namespaces of the RSS extensions feedd uses.
const (
	nsContent = "http://purl.org/rss/1.0/modules/content/"
	nsDC      = "http://purl.org/dc/elements/1.1/"
	nsSlash   = "http://purl.org/rss/1.0/modules/slash/"
	nsWfw     = "http://wellformedweb.org/CommentAPI/"
	rssType   = "application/rss+xml"
	rssDates  = time.RFC1123Z // RFC 822 with a four-digit year and a numeric zone
)

// rssFeed is gorilla's RssFeedXml, the <rss> element, declaring the
// extension namespaces once for the whole document.
type rssFeed struct {
	feeds.RssFeedXml
	NSAtom  string `xml:"xmlns:atom,attr"`
	NSDC    string `xml:"xmlns:dc,attr"`
	NSSlash string `xml:"xmlns:slash,attr"`
	NSThr   string `xml:"xmlns:thr,attr"`
	NSWfw   string `xml:"xmlns:wfw,attr"`
	feedNS
	Channel *rssChannel `xml:"channel"`
}

// rssChannel is gorilla's RssFeed with atom:link elements (the link to
// itself that the validator asks for, then the RFC 5005, query and hub
// links), the extension elements Atom feeds have too (feedMeta), and text
// written with plainText. Fields declared here shadow gorilla's of the
// same XML name and are written where they are declared; Items come last,
// as the validator wants every channel element before the first item.
type rssChannel struct {
	Title       plainText `xml:"title"`
	Link        string    `xml:"link"`
	Description plainText `xml:"description"`
	feeds.RssFeed
	Links []rssAtomLink `xml:"atom:link"`
	feedMeta
	Items []*rssItem `xml:"item"`
}

type rssAtomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
}

// rssItem is gorilla's RssItem with the author's name in dc:creator (RSS
// <author> must be an e-mail address, and gorilla puts the name there;
// feedd leaves it empty), several categories, the update time as
// atom:updated, and threading: wfw:commentRss and slash:comments on posts,
// thr:in-reply-to on comments. Description comes before content:encoded,
// as the validator wants. In a summary view the description holds the
// summary, as HTML, and content:encoded is left out.
type rssItem struct {
	Title plainText `xml:"title"`
	Link  string    `xml:"link,omitempty"` // a digest entry has none
	feeds.RssItem
	Description  xmlText           `xml:"description"`
	Content      *feeds.RssContent // content:encoded, as CDATA
	Creator      string            `xml:"dc:creator"`
	Categories   []rssCategory     `xml:"category"`
	Updated      string            `xml:"atom:updated"`
	CommentRSS   string            `xml:"wfw:commentRss,omitempty"`
	CommentCount *int              `xml:"slash:comments,omitempty"`
	InReplyTo    *inReplyTo        `xml:"thr:in-reply-to"`
}

// rssCategory is an RSS <category>, with a domain for a mention's kind.
type rssCategory struct {
	Domain string
	Text   plainText
}

// MarshalXML writes the category's text, and its domain when it has one.
func (c rssCategory) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if c.Domain != "" {
		start.Attr = append(start.Attr, xml.Attr{Name: xml.Name{Local: "domain"}, Value: c.Domain})
	}
	return c.Text.MarshalXML(e, start)
}

// rss writes d as an RSS 2.0 feed.
func (r *Renderer) rss(d *document) ([]byte, error) {
	ns, meta := d.meta()
	c := &rssChannel{
		Title:       plainText(d.title),
		Link:        r.alternateURL(d.ref),
		Description: plainText(d.description),
		RssFeed: feeds.RssFeed{
			LastBuildDate: d.updated.UTC().Format(rssDates),
			Ttl:           ttlMinutes(d.maxAge),
		},
		Links:    []rssAtomLink{{Href: r.ViewURL(d.ref, d.view, feed.RSS), Rel: "self", Type: rssType}},
		feedMeta: meta,
		Items:    make([]*rssItem, 0, len(d.entries)),
	}
	for _, l := range d.links {
		c.Links = append(c.Links, rssAtomLink{Href: r.ViewURL(d.ref, l.view, feed.RSS), Rel: l.rel, Type: rssType})
	}
	for _, h := range r.hubs {
		c.Links = append(c.Links, rssAtomLink{Href: h, Rel: "hub"})
	}
	for _, e := range d.entries {
		c.Items = append(c.Items, r.rssItem(d, e))
	}
	f := &rssFeed{
		RssFeedXml: feeds.RssFeedXml{Version: "2.0", ContentNamespace: nsContent},
		NSAtom:     nsAtom,
		NSDC:       nsDC,
		NSSlash:    nsSlash,
		NSThr:      nsThr,
		NSWfw:      nsWfw,
		feedNS:     ns,
		Channel:    c,
	}
	return encodeXML(f, d, r.stylesheetPI())
}

// rssItem returns entry e of d as an RSS item. The guid is the
// permalink, so it is a permalink in RSS's sense too, but for entries
// without a link (digests).
func (r *Renderer) rssItem(d *document, e *entry) *rssItem {
	it := &rssItem{
		Title: plainText(e.title),
		Link:  e.link,
		RssItem: feeds.RssItem{
			Guid:    &feeds.RssGuid{Id: e.id, IsPermaLink: "true"},
			PubDate: e.published.UTC().Format(rssDates),
		},
		Description:  xmlText{Text: e.content},
		Creator:      e.author.name,
		Updated:      atomTime(e.updated),
		CommentCount: e.count,
	}
	if e.link == "" {
		it.Guid.IsPermaLink = "false"
	}
	if d.summaryOnly {
		// A description is HTML to readers: the plain-text summary is
		// escaped for it, once (and for XML by the encoder).
		it.Description = xmlText{Text: html.EscapeString(e.summary)}
	} else {
		it.Content = &feeds.RssContent{Content: e.content}
	}
	for _, c := range e.categories {
		cat := rssCategory{Text: plainText(c)}
		if e.mention != "" {
			cat.Domain = MentionScheme
		}
		it.Categories = append(it.Categories, cat)
	}
	if e.thread.Kind != "" {
		it.Comments = r.CommentsURL(e.thread.PostID)
		it.CommentRSS = r.FeedURL(e.thread, feed.RSS)
	}
	if e.inReplyTo != "" {
		it.InReplyTo = &inReplyTo{Ref: e.inReplyTo, Href: e.inReplyTo, Type: htmlType}
	}
	return it
}
