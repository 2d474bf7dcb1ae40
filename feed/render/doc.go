package render

import (
	"time"

	"github.com/feedd/feedd/feed"
)

// Doc is what one feed document is rendered from: the feed (Ref), the
// document of it (View), the entries in the order to show them (newest
// first), the tombstones, and where the document sits among its feed's
// pages and archives (Nav).
//
// Archive documents (View.Archive) must keep their bytes once full, so
// they leave out what changes without their entries changing: Stats (no
// comment counts, thr:updated or count in _thread, whatever
// Options.CommentCounts says) and Gone (tombstones belong in the head).
type Doc struct {
	Ref  feed.Ref
	View feed.View

	Posts    []*feed.Post                // KindPosts
	Stats    map[string]feed.ThreadStats // KindPosts, with Options.CommentCounts
	Post     *feed.Post                  // KindThread: the post whose comments these are
	Comments []*feed.Comment             // KindComments, KindThread
	Gone     []feed.Tombstone            // deleted entries the document showed (Atom tombstones)

	// Digest holds the periods of a digest feed (KindDigest), newest
	// first, one entry each; periods without posts and comments are
	// skipped.
	Digest []DigestPeriod

	Nav Nav
}

// DigestPeriod is one closed period of a digest feed (see
// feed.ClosedPeriods) with the posts published and the comments made in
// it, newest first. Its Span should be one ClosedPeriods gives in
// Options.Location: the entry's id and title are its start's date there.
type DigestPeriod struct {
	Span     feed.Span
	Posts    []*feed.Post
	Comments []*feed.Comment
}

// Nav places a document among its feed's documents, for the links of RFC
// 5005 and of Blogger's queries.
//
// A zero Layout (Size 0) means the document's place is unknown: it gets
// neither fh:complete nor paging or archive links. Posts, Comments and
// Thread render heads so.
type Nav struct {
	// Layout cuts the feed's selection (View.Selection) into the head,
	// pages and archives: heads, pages and archives link to each other by
	// it, and a head whose Layout is Complete is marked fh:complete.
	// Archives exist for whole feeds only (ArchiveURL has no selection),
	// so the heads and pages of a category, author or summary selection
	// link pages alone.
	Layout feed.Layout
	// Total is, for a query document (View.IsQuery), the number of entries
	// the query matches: openSearch:totalResults, and the bound of its
	// start-index links.
	Total int
	// ItemsPerPage is, for a query document, the number of entries a page
	// of the query holds (View.MaxResults as capped, or the default page
	// size): openSearch:itemsPerPage and the step of its start-index
	// links. Zero means View.MaxResults, else Layout.Size, else the
	// number of entries given.
	ItemsPerPage int
}

// Render renders d in format f and returns the document with its last
// change: the newest Updated among its entries, deletions and what else
// shows in it (see Posts, Comments and Thread), or a fixed date
// (2000-01-01) when it has none. It is the one entry point the cache uses;
// Posts, Comments and Thread are its shorthands for head documents.
//
// Every document links itself (ViewURL), its hubs (Options.Hubs) and, by
// d.Nav, the documents next to it: see nav.go. Digest feeds are rendered
// from d.Digest, the other kinds from d.Posts, d.Comments and d.Post.
func (r *Renderer) Render(f feed.Format, d *Doc) ([]byte, time.Time, error) {
	doc, err := r.build(d)
	if err != nil {
		return nil, time.Time{}, err
	}
	return r.render(f, doc)
}

// build returns the format-neutral document of d, placed among its
// feed's documents.
func (r *Renderer) build(d *Doc) (*document, error) {
	if d == nil {
		return nil, feed.Errorf(feed.EINVALID, "render: no document")
	}
	if d.View.Archive > 0 { // see Doc
		a := *d
		a.Stats, a.Gone = nil, nil
		d = &a
	}
	var (
		doc *document
		err error
	)
	switch d.Ref.Kind {
	case feed.KindPosts:
		doc = r.postsDoc(d)
	case feed.KindComments:
		doc = r.commentsDoc(d)
	case feed.KindThread:
		doc, err = r.threadDoc(d)
	case feed.KindDigest:
		doc, err = r.digestDoc(d)
	default:
		err = feed.Errorf(feed.EINVALID, "render: unknown feed %q", d.Ref.String())
	}
	if err != nil {
		return nil, err
	}
	r.place(doc, d)
	return doc, nil
}
