package render

import (
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
)

// Where a document sits among its feed's documents, and how that shows.
//
// RFC 5005 (feed history, namespace fh): a head whose Layout is complete
// carries fh:complete and no paging links; any other head links
//
//	first         the head itself
//	next          page 2
//	last          page Layout.Pages()
//	prev-archive  archive Layout.HeadArchives() (whole feeds only)
//
// page p ≥ 2 links first (the head), previous (p-1, the head for p = 2),
// next (p+1, up to the last page) and last; archive k carries fh:archive
// and links
//
//	current       the head
//	prev-archive  archive k-1, for k > 1
//	next-archive  archive k+1, always
//
// so that nothing in an archive depends on the entries after it or on the
// feed's total: its bytes stay the same once it is full. A Blogger query
// (View.IsQuery) carries OpenSearch 1.1 counts and links previous and next
// by start-index, the same query otherwise. Atom writes these as <link>
// elements, RSS as atom:link; JSON Feed has next_url for a next link and
// the _archive extension object for an archive's links (see json.go).
// Every document also links each hub of Options.Hubs (rel="hub").

// navLink is a link to another document of the same feed: its relation
// and the View whose URL (ViewURL) it is, in the document's format.
type navLink struct {
	rel  string
	view feed.View
}

// openSearch holds the OpenSearch 1.1 counts of a query document.
type openSearch struct {
	total, start, perPage int
}

// Feed history markers (document.history).
const (
	historyComplete = "complete"
	historyArchive  = "archive"
)

// place fills in the parts of doc that depend on which document of its
// feed it is (d.View) and where that sits (d.Nav): its self link, id,
// cache hints, links and markers, and summaries in place of content.
func (r *Renderer) place(doc *document, d *Doc) {
	v := d.View
	doc.ref, doc.view = d.Ref, v
	doc.id = r.FeedID(d.Ref)
	if q := v.Selection().Encode(); q != "" && v.Archive == 0 {
		doc.id += "?" + q // a selection is a feed of its own
	}
	doc.maxAge = r.MaxAge(v)
	if v.Summary && v.Archive == 0 && d.Ref.Kind != feed.KindDigest {
		doc.summaryOnly = true
		for _, e := range doc.entries {
			if e.summary == "" {
				e.summary = content.Excerpt(e.content, summaryLength)
			}
			e.content = ""
		}
	}
	switch {
	case v.Archive > 0:
		doc.history = historyArchive
		doc.links = append(doc.links, navLink{"current", feed.View{}})
		if v.Archive > 1 {
			doc.links = append(doc.links, navLink{"prev-archive", feed.View{Archive: v.Archive - 1}})
		}
		doc.links = append(doc.links, navLink{"next-archive", feed.View{Archive: v.Archive + 1}})
	case v.IsQuery():
		doc.search, doc.links = queryNav(v, d.Nav, len(doc.entries))
	case d.Nav.Layout.Size > 0:
		doc.history, doc.links = pageNav(v, d.Nav.Layout)
	}
}

// pageNav returns the history marker and links of a head or page p ≥ 2
// of a feed (or selection) cut by l.
func pageNav(v feed.View, l feed.Layout) (string, []navLink) {
	head := v.Selection()
	page := func(p int) feed.View {
		w := head
		if p > 1 {
			w.Page = p
		}
		return w
	}
	last := l.Pages()
	if v.IsHead() {
		if l.Complete() {
			return historyComplete, nil
		}
		links := []navLink{{"first", head}, {"next", page(2)}, {"last", page(last)}}
		if head == (feed.View{}) {
			links = append(links, navLink{"prev-archive", feed.View{Archive: l.HeadArchives()}})
		}
		return "", links
	}
	links := []navLink{{"first", head}, {"previous", page(v.Page - 1)}}
	if v.Page < last {
		links = append(links, navLink{"next", page(v.Page + 1)})
	}
	return "", append(links, navLink{"last", page(last)})
}

// queryNav returns the OpenSearch counts and the links of a query
// document showing n entries: previous and next are the same query from
// the start-index one page before or after, as long as there are entries
// there. Links always carry start-index, 1 for the first page.
func queryNav(v feed.View, nav Nav, n int) (*openSearch, []navLink) {
	s := &openSearch{total: max(nav.Total, 0), start: max(v.StartIndex, 1), perPage: nav.ItemsPerPage}
	for _, per := range []int{v.MaxResults, nav.Layout.Size, n} {
		if s.perPage <= 0 {
			s.perPage = per
		}
	}
	if s.perPage <= 0 {
		return s, nil // no page size at all: nothing to step by
	}
	var links []navLink
	if s.start > 1 {
		prev := v
		prev.StartIndex = max(s.start-s.perPage, 1)
		links = append(links, navLink{"previous", prev})
	}
	// Entries after this page: compared without start-1+perPage, which
	// overflows for a start-index near the largest int (the sum is never
	// formed unless it is below total).
	if s.start <= s.total && s.perPage < s.total-(s.start-1) {
		next := v
		next.StartIndex = s.start + s.perPage
		links = append(links, navLink{"next", next})
	}
	return s, links
}

// link returns the view of doc's first link of relation rel, and false
// when it has none.
func (d *document) link(rel string) (feed.View, bool) {
	for _, l := range d.links {
		if l.rel == rel {
			return l.view, true
		}
	}
	return feed.View{}, false
}
