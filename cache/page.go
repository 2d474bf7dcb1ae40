package cache

import (
	"context"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
)

// PageContentType is the media type of the HTML pages of feed documents.
const PageContentType = "text/html; charset=utf-8"

// PageRenderer writes the HTML page that shows a feed document to a
// person: what a browser that opens a feed's URL gets instead of the
// feed (see Page).
type PageRenderer interface {
	// FeedPage returns the page of document d as format f shows it (the
	// address to subscribe to is its URL in f).
	FeedPage(f feed.Format, d *render.Doc) ([]byte, error)
}

// Page returns the HTML page of document v of feed ref in format f,
// written by p from the same data as the document: it is kept with the
// document and dropped with it, so that it changes exactly when the feed
// does. Its ETag is of its own bytes; its LastModified is the
// document's. Errors are GetView's; p should be the same on every call.
func (c *Cache) Page(ctx context.Context, ref feed.Ref, v feed.View, f feed.Format, p PageRenderer) (*Entry, error) {
	k := key{ref, normView(v), f}
	sl, err := c.getSlot(ctx, k)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	page := sl.page
	c.mu.Unlock()
	if page != nil {
		return page, nil
	}
	// The slot keeps no data (see slot). A newer read than the slot's is
	// harmless: a write between the two drops the slot, page and all.
	d, err := c.load(ctx, k.ref, k.view)
	if err != nil {
		return nil, err
	}
	body, err := c.writePage(d, k, p)
	if err != nil {
		c.log.Error("render feed page", "feed", k.String(), "err", err)
		return nil, err
	}
	page = c.newEntryOf(k, body, sl.e.LastModified, PageContentType)
	c.mu.Lock()
	if sl.page == nil {
		sl.page = page
		c.growLocked(&sl.lru, entrySize(page))
	}
	page = sl.page
	c.mu.Unlock()
	return page, nil
}

// writePage has p write the page of document k from d; a panic becomes
// an error, as in render.
func (c *Cache) writePage(d *feedData, k key, p PageRenderer) (body []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			body, err = nil, feed.Errorf(feed.EINTERNAL, "page of %s: panic: %v", k, v)
		}
	}()
	return p.FeedPage(k.format, d.doc(k))
}
