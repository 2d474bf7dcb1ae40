package render

import (
	"time"

	"github.com/feedd/feedd/feed"
)

// Doc is what one feed document is rendered from: the feed (Ref), the
// document of it (View), the entries in the order to show them (newest
// first), the tombstones, and where the document sits among its feed's
// pages and archives (Nav).
type Doc struct {
	Ref  feed.Ref
	View feed.View

	Posts    []*feed.Post                // KindPosts
	Stats    map[string]feed.ThreadStats // KindPosts, with Options.CommentCounts
	Post     *feed.Post                  // KindThread: the post whose comments these are
	Comments []*feed.Comment             // KindComments, KindThread
	Gone     []feed.Tombstone            // deleted entries the document showed (Atom tombstones)

	Nav Nav
}

// Nav places a document among its feed's documents, for the links of RFC
// 5005 and of Blogger's queries.
type Nav struct {
	// Layout cuts the feed's selection (View.Selection) into the head,
	// pages and archives: heads, pages and archives link to each other by
	// it, and a head whose Layout is Complete is marked fh:complete.
	Layout feed.Layout
	// Total is, for a query document (View.IsQuery), the number of entries
	// the query matches: openSearch:totalResults, and the bound of its
	// start-index links.
	Total int
}

// Render renders d in format f and returns the document with its last
// change (see Posts). It is the one entry point the cache uses; Posts,
// Comments and Thread are its shorthands for head documents.
func (r *Renderer) Render(f feed.Format, d *Doc) ([]byte, time.Time, error) {
	switch d.Ref.Kind {
	case feed.KindPosts:
		return r.Posts(f, d.Posts, d.Stats, d.Gone)
	case feed.KindComments:
		return r.Comments(f, d.Comments, d.Gone)
	case feed.KindThread:
		return r.Thread(f, d.Post, d.Comments, d.Gone)
	}
	return nil, time.Time{}, feed.Errorf(feed.EINVALID, "render: unknown feed %q", d.Ref.String())
}
