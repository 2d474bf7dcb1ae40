package cache

import (
	"context"
	"fmt"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// feedData is what one feed is rendered from, loaded once for all formats.
type feedData struct {
	posts    []*feed.Post                // KindPosts
	stats    map[string]feed.ThreadStats // KindPosts with Options.CommentCounts
	post     *feed.Post                  // KindThread
	comments []*feed.Comment             // KindComments, KindThread
	gone     []feed.Tombstone            // every kind: deleted entries the feed showed
}

// load reads the entries of feed ref from the store, and the tombstones of
// the entries it lost (at most a page of them, like the entries). A thread
// of an unknown post fails with the store's ENOTFOUND error, of a deleted
// post with its EGONE error.
func (c *Cache) load(ctx context.Context, ref feed.Ref) (*feedData, error) {
	c.loads.Add(1)
	var d feedData
	var err error
	switch ref.Kind {
	case feed.KindPosts:
		if d.posts, err = c.st.Posts(ctx, store.PostFilter{Limit: c.opts.PageSize}); err != nil {
			return nil, fmt.Errorf("load posts: %w", err)
		}
		if c.opts.CommentCounts && len(d.posts) > 0 {
			ids := make([]string, len(d.posts))
			for i, p := range d.posts {
				ids[i] = p.ID
			}
			if d.stats, err = c.st.ThreadStats(ctx, ids); err != nil {
				return nil, fmt.Errorf("load comment counts: %w", err)
			}
		}
	case feed.KindComments:
		if d.comments, err = c.st.Comments(ctx, store.CommentFilter{Limit: c.opts.PageSize}); err != nil {
			return nil, fmt.Errorf("load comments: %w", err)
		}
	case feed.KindThread:
		if d.post, err = c.st.Post(ctx, ref.PostID); err != nil {
			return nil, fmt.Errorf("load post %q: %w", ref.PostID, err)
		}
		// The post may vanish between the reads; Comments then fails with
		// ENOTFOUND or EGONE too.
		if d.comments, err = c.st.Comments(ctx, store.CommentFilter{PostID: ref.PostID, Limit: c.opts.PageSize}); err != nil {
			return nil, fmt.Errorf("load comments of post %q: %w", ref.PostID, err)
		}
	default:
		return nil, feed.Errorf(feed.ENOTFOUND, "unknown feed %q", ref.String())
	}
	if d.gone, err = c.st.Tombstones(ctx, ref, c.opts.PageSize); err != nil {
		return nil, fmt.Errorf("load tombstones of %s: %w", ref, err)
	}
	return &d, nil
}

// render renders d as feed ref in format f. A panic in the renderer becomes
// an error: it would otherwise crash the process from the singleflight
// goroutine of every waiting request.
func (c *Cache) render(d *feedData, ref feed.Ref, f feed.Format) (body []byte, mod time.Time, err error) {
	c.renders.Add(1)
	if o := c.opts.ObserveRender; o != nil {
		// Deferred before the recovery, so that it runs after it and
		// sees a panic's error.
		start := time.Now()
		defer func() { o(ref, f, time.Since(start), err) }()
	}
	defer func() {
		if v := recover(); v != nil {
			body, mod = nil, time.Time{}
			err = fmt.Errorf("render %s.%s: panic: %v", ref, f, v)
		}
	}()
	switch ref.Kind {
	case feed.KindPosts:
		body, mod, err = c.r.Posts(f, d.posts, d.stats, d.gone)
	case feed.KindComments:
		body, mod, err = c.r.Comments(f, d.comments, d.gone)
	case feed.KindThread:
		body, mod, err = c.r.Thread(f, d.post, d.comments, d.gone)
	default:
		err = feed.Errorf(feed.ENOTFOUND, "unknown feed %q", ref.String())
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("render %s.%s: %w", ref, f, err)
	}
	return body, mod, nil
}
