package render

import (
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/gorilla/feeds"
)

// Namespaces and media types of Atom feeds, of RFC 4685 threading and of
// RFC 6721 tombstones.
const (
	nsAtom   = "http://www.w3.org/2005/Atom"
	nsThr    = "http://purl.org/syndication/thread/1.0"
	nsAt     = "http://purl.org/atompub/tombstones/1.0"
	atomType = "application/atom+xml"
	htmlType = "text/html"
)

// atomFeed is gorilla's AtomFeed with a self and an alternate link where
// gorilla has one link, and with threaded entries. A field declared here
// shadows gorilla's of the same XML name, and is written where it is
// declared: Title first, and Entries after every other feed element, as
// the validator wants. Tombstones (RFC 6721 allows them anywhere among the
// feed's children) come after the entries, and only a feed with tombstones
// declares their namespace, so that other feeds read as they did before.
type atomFeed struct {
	Title plainText `xml:"title"`
	feeds.AtomFeed
	NSThr   string         `xml:"xmlns:thr,attr"`
	NSAt    string         `xml:"xmlns:at,attr,omitempty"`
	Links   []atomLink     `xml:"link"`
	Entries []*atomEntry   `xml:"entry"`
	Deleted []deletedEntry `xml:"at:deleted-entry"`
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

// atomLink is gorilla's AtomLink with RFC 4685's thr:count, the number of
// comments a replies link leads to.
type atomLink struct {
	feeds.AtomLink
	Count *int `xml:"thr:count,attr,omitempty"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
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
	f := &atomFeed{
		Title: plainText(d.title),
		AtomFeed: feeds.AtomFeed{
			Xmlns:   nsAtom,
			Id:      r.FeedID(d.ref),
			Updated: atomTime(d.updated),
			// A feed-level author covers an empty feed, which the validator
			// otherwise faults for lacking one.
			Author: atomAuthor(r.site),
		},
		NSThr: nsThr,
		Links: []atomLink{
			newAtomLink(r.FeedURL(d.ref, feed.Atom), "self", atomType),
			newAtomLink(r.alternateURL(d.ref), "alternate", htmlType),
		},
		Entries: make([]*atomEntry, 0, len(d.entries)),
	}
	for _, e := range d.entries {
		f.Entries = append(f.Entries, r.atomEntry(e))
	}
	if len(d.gone) > 0 {
		f.NSAt = nsAt
		for _, t := range d.gone {
			f.Deleted = append(f.Deleted, deletedEntry{Ref: t.ref, When: atomTime(t.when)})
		}
	}
	return encodeXML(f, d, r.stylesheetPI())
}

// atomEntry returns e as an Atom entry.
func (r *Renderer) atomEntry(e *entry) *atomEntry {
	a := &atomEntry{
		Title: plainText(e.title),
		AtomEntry: feeds.AtomEntry{
			Id:        e.id,
			Published: atomTime(e.published),
			Updated:   atomTime(e.updated),
			Author:    atomAuthor(e.author),
		},
		Links:   []atomLink{newAtomLink(e.link, "alternate", htmlType)},
		Content: &xmlText{Type: "html", Text: e.content},
	}
	if e.thread.Kind != "" {
		replies := newAtomLink(r.FeedURL(e.thread, feed.Atom), "replies", atomType)
		replies.Count = e.count
		a.Links = append(a.Links, replies)
	}
	for _, c := range e.categories {
		a.Categories = append(a.Categories, atomCategory{Term: c})
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
