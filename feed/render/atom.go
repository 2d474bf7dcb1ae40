package render

import (
	"cmp"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/gorilla/feeds"
)

// Namespaces and media types of Atom feeds, of RFC 4685 threading, RFC
// 6721 tombstones, RFC 5005 feed history, OpenSearch 1.1 (with the URI and
// prefix Blogger uses) and the RSS syndication module.
const (
	nsAtom       = "http://www.w3.org/2005/Atom"
	nsThr        = "http://purl.org/syndication/thread/1.0"
	nsAt         = "http://purl.org/atompub/tombstones/1.0"
	nsFh         = "http://purl.org/syndication/history/1.0"
	nsOpenSearch = "http://a9.com/-/spec/opensearchrss/1.0/"
	nsSy         = "http://purl.org/rss/1.0/modules/syndication/"
	atomType     = "application/atom+xml"
	htmlType     = "text/html"
)

// atomFeed is gorilla's AtomFeed with a self and an alternate link where
// gorilla has one link, and with threaded entries. A field declared here
// shadows gorilla's of the same XML name, and is written where it is
// declared: Title first, and Entries after every other feed element, as
// the validator wants. Tombstones (RFC 6721 allows them anywhere among the
// feed's children) come after the entries, and only a feed with tombstones
// declares their namespace, so that other feeds read as they did before;
// so with feed history and OpenSearch. The extension elements (feedMeta)
// come after the links, before the entries.
type atomFeed struct {
	Title plainText `xml:"title"`
	feeds.AtomFeed
	NSThr string `xml:"xmlns:thr,attr"`
	NSAt  string `xml:"xmlns:at,attr,omitempty"`
	feedNS
	Links []atomLink `xml:"link"`
	feedMeta
	Entries []*atomEntry   `xml:"entry"`
	Deleted []deletedEntry `xml:"at:deleted-entry"`
}

// feedNS declares the namespaces of feedMeta on the root element of Atom
// and RSS documents, each only where used, but sy, which every document
// uses.
type feedNS struct {
	NSFh         string `xml:"xmlns:fh,attr,omitempty"`
	NSOpenSearch string `xml:"xmlns:openSearch,attr,omitempty"`
	NSSy         string `xml:"xmlns:sy,attr"`
}

// feedMeta holds the feed-level extension elements Atom feeds and RSS
// channels share: RFC 5005's fh:complete or fh:archive, a query's
// OpenSearch counts, and the syndication module's update schedule (see
// updateSchedule).
type feedMeta struct {
	Complete        *struct{} `xml:"fh:complete"`
	Archive         *struct{} `xml:"fh:archive"`
	TotalResults    *int      `xml:"openSearch:totalResults"`
	StartIndex      *int      `xml:"openSearch:startIndex"`
	ItemsPerPage    *int      `xml:"openSearch:itemsPerPage"`
	UpdatePeriod    string    `xml:"sy:updatePeriod"`
	UpdateFrequency int       `xml:"sy:updateFrequency"`
}

// meta returns d's feed-level extension elements and the namespaces they
// need.
func (d *document) meta() (feedNS, feedMeta) {
	ns := feedNS{NSSy: nsSy}
	var m feedMeta
	switch d.history {
	case historyComplete:
		m.Complete = &struct{}{}
	case historyArchive:
		m.Archive = &struct{}{}
	}
	if m.Complete != nil || m.Archive != nil {
		ns.NSFh = nsFh
	}
	if s := d.search; s != nil {
		ns.NSOpenSearch = nsOpenSearch
		m.TotalResults, m.StartIndex, m.ItemsPerPage = &s.total, &s.start, &s.perPage
	}
	m.UpdatePeriod, m.UpdateFrequency = updateSchedule(ttlMinutes(d.maxAge))
	return ns, m
}

// deletedEntry is RFC 6721's at:deleted-entry: ref is the id the entry
// had, when the time it was deleted. Since the id is also the permalink,
// no link is added; neither at:by nor at:comment is.
type deletedEntry struct {
	Ref  string `xml:"ref,attr"`
	When string `xml:"when,attr"`
}

// atomEntry is gorilla's AtomEntry with several links and categories (one
// each in gorilla, and its category lacks the term attribute Atom
// requires), RFC 4685 threading, and text written with plainText and
// xmlText.
type atomEntry struct {
	Title plainText `xml:"title"`
	feeds.AtomEntry
	Links      []atomLink     `xml:"link"`
	Categories []atomCategory `xml:"category"`
	InReplyTo  *inReplyTo     `xml:"thr:in-reply-to"`
	Summary    *plainText     `xml:"summary"`
	Content    *xmlText       `xml:"content"`
}

// atomLink is gorilla's AtomLink with RFC 4685's thr:count and
// thr:updated: the number of comments a replies link leads to, and when
// the newest of them changed.
type atomLink struct {
	feeds.AtomLink
	Count   *int   `xml:"thr:count,attr,omitempty"`
	Updated string `xml:"thr:updated,attr,omitempty"`
}

type atomCategory struct {
	Term   string `xml:"term,attr"`
	Scheme string `xml:"scheme,attr,omitempty"`
}

// inReplyTo is RFC 4685's thr:in-reply-to, in Atom entries and RSS items:
// ref is the id of the entry replied to, href where it can be read.
type inReplyTo struct {
	Ref  string `xml:"ref,attr"`
	Href string `xml:"href,attr"`
	Type string `xml:"type,attr"`
}

// atom writes d as an Atom 1.0 feed.
func (r *Renderer) atom(d *document) ([]byte, error) {
	ns, meta := d.meta()
	f := &atomFeed{
		Title: plainText(d.title),
		AtomFeed: feeds.AtomFeed{
			Xmlns:   nsAtom,
			Id:      d.id,
			Updated: atomTime(d.updated),
			// A feed-level author covers an empty feed, which the validator
			// otherwise faults for lacking one.
			Author: atomAuthor(r.site),
		},
		NSThr:  nsThr,
		feedNS: ns,
		Links: []atomLink{
			newAtomLink(cmp.Or(d.self, r.ViewURL(d.ref, d.view, feed.Atom)), "self", atomType),
			newAtomLink(cmp.Or(d.alternate, r.alternateURL(d.ref)), "alternate", htmlType),
		},
		feedMeta: meta,
		Entries:  make([]*atomEntry, 0, len(d.entries)),
	}
	for _, l := range d.links {
		f.Links = append(f.Links, newAtomLink(r.ViewURL(d.ref, l.view, feed.Atom), l.rel, atomType))
	}
	for _, h := range r.hubs {
		if d.private {
			break
		}
		f.Links = append(f.Links, newAtomLink(h, "hub", ""))
	}
	if wm := r.WebmentionEndpoint(); wm != "" && d.ref.Kind == feed.KindThread && !d.private {
		// Where to send a Webmention of the post the thread follows.
		f.Links = append(f.Links, newAtomLink(wm, "webmention", ""))
	}
	for _, e := range d.entries {
		f.Entries = append(f.Entries, r.atomEntry(d, e))
	}
	if len(d.gone) > 0 {
		f.NSAt = nsAt
		for _, t := range d.gone {
			f.Deleted = append(f.Deleted, deletedEntry{Ref: t.ref, When: atomTime(t.when)})
		}
	}
	pi := r.stylesheetPI()
	if d.private {
		pi = ""
	}
	return encodeXML(f, d, pi)
}

// atomEntry returns entry e of d as an Atom entry: in a summary view
// (View.Summary) with its summary and no content.
func (r *Renderer) atomEntry(d *document, e *entry) *atomEntry {
	a := &atomEntry{
		Title: plainText(e.title),
		AtomEntry: feeds.AtomEntry{
			Id:        e.id,
			Published: atomTime(e.published),
			Updated:   atomTime(e.updated),
			Author:    atomAuthor(e.author),
		},
	}
	if !d.summaryOnly {
		a.Content = &xmlText{Type: "html", Text: e.content}
	}
	if e.link != "" {
		a.Links = append(a.Links, newAtomLink(e.link, "alternate", htmlType))
	}
	if e.related != "" {
		a.Links = append(a.Links, newAtomLink(e.related, "related", htmlType))
	}
	if e.edit != "" {
		a.Links = append(a.Links, newAtomLink(e.edit, "edit", htmlType))
	}
	if e.thread.Kind != "" {
		replies := newAtomLink(r.FeedURL(e.thread, feed.Atom), "replies", atomType)
		replies.Count = e.count
		if e.count != nil && !e.repliesUpdated.IsZero() {
			replies.Updated = atomTime(e.repliesUpdated)
		}
		a.Links = append(a.Links, replies)
	}
	for _, c := range e.categories {
		cat := atomCategory{Term: c}
		if e.mention != "" {
			cat.Scheme = MentionScheme
		}
		a.Categories = append(a.Categories, cat)
	}
	if e.inReplyTo != "" {
		a.InReplyTo = &inReplyTo{Ref: e.inReplyTo, Href: e.inReplyTo, Type: htmlType}
	}
	if e.summary != "" {
		summary := plainText(e.summary) // Atom's default type, text
		a.Summary = &summary
	}
	return a
}

func newAtomLink(href, rel, typ string) atomLink {
	return atomLink{AtomLink: feeds.AtomLink{Href: href, Rel: rel, Type: typ}}
}

func atomAuthor(p person) *feeds.AtomAuthor {
	return &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: p.name, Uri: p.uri}}
}

// atomTime formats t for Atom and JSON Feed: RFC 3339 in UTC, with seconds.
func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }
