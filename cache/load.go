package cache

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/store"
)

// feedData is what one document is rendered from: loaded by each fill
// (one format), and once for all of a document's formats by Sweep.
type feedData struct {
	posts    []*feed.Post                // KindPosts
	stats    map[string]feed.ThreadStats // KindPosts with Options.CommentCounts
	post     *feed.Post                  // KindThread
	comments []*feed.Comment             // KindComments, KindThread
	gone     []feed.Tombstone            // heads: deleted entries the feed showed
	nav      render.Nav
	digest   []render.DigestPeriod // KindDigest
}

// load reads what document v of feed ref shows from the store: the
// entries, the tombstones of a head (at most a page of them, like the
// entries), and the counts that place the document among the feed's pages
// and archives. A thread of an unknown post fails with the store's
// ENOTFOUND error, of a deleted post with its EGONE error; a page or
// archive past the feed's end with ENOTFOUND.
func (c *Cache) load(ctx context.Context, ref feed.Ref, v feed.View) (*feedData, error) {
	c.loads.Add(1)
	var d feedData
	var err error
	switch ref.Kind {
	case feed.KindPosts:
		err = c.loadPosts(ctx, v, &d)
	case feed.KindComments:
		err = c.loadComments(ctx, ref, v, &d)
	case feed.KindThread:
		if d.post, err = c.st.Post(ctx, ref.PostID); err != nil {
			return nil, fmt.Errorf("load post %q: %w", ref.PostID, err)
		}
		// The post may vanish between the reads; the comment reads then
		// fail with ENOTFOUND or EGONE too.
		err = c.loadComments(ctx, ref, v, &d)
	case feed.KindDigest:
		err = c.loadDigest(ctx, ref, &d)
	default:
		return nil, feed.Errorf(feed.ENOTFOUND, "unknown feed %q", ref.String())
	}
	if err != nil {
		return nil, err
	}
	if v.IsHead() && ref.Kind != feed.KindDigest && v.Selection() == (feed.View{}) {
		if d.gone, err = c.st.Tombstones(ctx, ref, c.opts.PageSize); err != nil {
			return nil, fmt.Errorf("load tombstones of %s: %w", ref, err)
		}
	}
	return &d, nil
}

// place returns the window of document v of a selection of total entries
// (see store.PostFilter.Place), and its Nav; ENOTFOUND for a page or
// archive that does not exist.
func (c *Cache) place(v feed.View, total int) (store.Window, render.Nav, error) {
	l := feed.Layout{Total: total, Size: c.opts.PageSize}
	nav := render.Nav{Layout: l}
	if v.IsQuery() {
		nav.Total = total
		n := v.MaxResults
		if n <= 0 {
			n = c.opts.PageSize
		}
		return store.Window{Offset: max(v.StartIndex-1, 0), Limit: n}, nav, nil
	}
	k := v.Archive
	if v.Page > 1 {
		var ok bool
		if k, ok = l.PageArchive(v.Page); !ok {
			return store.Window{}, nav, feed.Errorf(feed.ENOTFOUND, "page %d: the feed has %d", v.Page, l.Pages())
		}
	}
	if k > 0 {
		off, n, ok := l.Archive(k)
		if !ok {
			return store.Window{}, nav, feed.Errorf(feed.ENOTFOUND, "archive %d: the feed has %d", k, l.Archives())
		}
		return store.Window{Ascending: true, Offset: off, Limit: n}, nav, nil
	}
	off, n := l.Head()
	return store.Window{Ascending: true, Offset: off, Limit: n}, nav, nil
}

// placer returns the Place of a store filter for document v, which keeps
// the Nav of the size it was last given in nav.
func (c *Cache) placer(v feed.View, nav *render.Nav) func(int) (store.Window, error) {
	return func(total int) (store.Window, error) {
		w, n, err := c.place(v, total)
		*nav = n
		return w, err
	}
}

// loadPosts reads document v of the posts feed (or of a category or
// author selection of it).
func (c *Cache) loadPosts(ctx context.Context, v feed.View, d *feedData) error {
	f := store.PostFilter{Category: v.Category, Author: v.Author}
	if v.IsQuery() {
		f.PublishedMin, f.PublishedMax = v.PublishedMin, v.PublishedMax
		f.UpdatedMin, f.UpdatedMax = v.UpdatedMin, v.UpdatedMax
		f.OrderBy = v.OrderBy
	}
	// The size and the entries come from one snapshot (Place), so that
	// a head holds every entry written before it was read: a request that
	// must see its own write (cache.Sync) finds it there.
	f.Place = c.placer(v, &d.nav)
	var err error
	if d.posts, err = c.st.Posts(ctx, f); err != nil {
		return fmt.Errorf("load posts: %w", err)
	}
	if c.opts.CommentCounts && len(d.posts) > 0 {
		ids := make([]string, len(d.posts))
		for i, p := range d.posts {
			ids[i] = p.ID
		}
		if d.stats, err = c.st.ThreadStats(ctx, ids); err != nil {
			return fmt.Errorf("load comment counts: %w", err)
		}
	}
	return nil
}

// loadComments reads document v of the site comments feed, or of the
// thread of ref.PostID.
func (c *Cache) loadComments(ctx context.Context, ref feed.Ref, v feed.View, d *feedData) error {
	f := store.CommentFilter{PostID: ref.PostID}
	if v.IsQuery() {
		f.PublishedMin, f.PublishedMax = v.PublishedMin, v.PublishedMax
		f.UpdatedMin, f.UpdatedMax = v.UpdatedMin, v.UpdatedMax
		f.OrderBy = v.OrderBy
	}
	f.Place = c.placer(v, &d.nav) // as in loadPosts
	var err error
	if d.comments, err = c.st.Comments(ctx, f); err != nil {
		return fmt.Errorf("load comments of %s: %w", ref, err)
	}
	return nil
}

// render renders d as document k. only, when not nil, keeps the entries
// whose ids it holds and drops the rest (a delta, see Delta). A panic in
// the renderer becomes an error: it would otherwise crash the process from
// the singleflight goroutine of every waiting request.
func (c *Cache) render(d *feedData, k key, only map[string]bool) (body []byte, mod time.Time, err error) {
	c.renders.Add(1)
	if o := c.opts.ObserveRender; o != nil {
		// Deferred before the recovery, so that it runs after it and
		// sees a panic's error.
		start := time.Now()
		defer func() { o(k.ref, k.format, time.Since(start), err) }()
	}
	defer func() {
		if v := recover(); v != nil {
			body, mod = nil, time.Time{}
			err = fmt.Errorf("render %s: panic: %v", k, v)
		}
	}()
	doc := d.doc(k)
	if only != nil {
		doc.Posts = slices.DeleteFunc(slices.Clone(d.posts), func(p *feed.Post) bool { return !only[p.ID] })
		doc.Comments = slices.DeleteFunc(slices.Clone(d.comments), func(c *feed.Comment) bool { return !only[c.ID] })
	}
	body, mod, err = c.r.Render(k.format, doc)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("render %s: %w", k, err)
	}
	return body, mod, nil
}

// doc returns the document of k that d holds the data of.
func (d *feedData) doc(k key) *render.Doc {
	return &render.Doc{
		Ref: k.ref, View: k.view,
		Posts: d.posts, Stats: d.stats, Post: d.post, Comments: d.comments, Gone: d.gone,
		Nav: d.nav, Digest: d.digest,
	}
}
