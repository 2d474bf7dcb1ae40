package cache

import (
	"context"
	"fmt"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/store"
)

// loadDigest reads the posts and comments of the closed periods a digest
// feed shows: the last Options.PageSize periods before the clock, in the
// site's time zone; the empty ones are left out.
func (c *Cache) loadDigest(ctx context.Context, ref feed.Ref, d *feedData) error {
	spans := feed.ClosedPeriods(ref.Period, c.now(), c.location(), c.opts.PageSize)
	if len(spans) == 0 {
		return nil
	}
	from, to := spans[len(spans)-1].Start, spans[0].End
	posts, err := c.st.Posts(ctx, store.PostFilter{PublishedMin: from, PublishedMax: to})
	if err != nil {
		return fmt.Errorf("load digest posts: %w", err)
	}
	comments, err := c.st.Comments(ctx, store.CommentFilter{PublishedMin: from, PublishedMax: to})
	if err != nil {
		return fmt.Errorf("load digest comments: %w", err)
	}
	// Both lists are newest first, as the spans are: walk them together.
	for _, sp := range spans {
		p := render.DigestPeriod{Span: sp}
		for len(posts) > 0 && !posts[0].Published.Before(sp.Start) {
			p.Posts, posts = append(p.Posts, posts[0]), posts[1:]
		}
		for len(comments) > 0 && !comments[0].Published.Before(sp.Start) {
			p.Comments, comments = append(p.Comments, comments[0]), comments[1:]
		}
		if len(p.Posts)+len(p.Comments) > 0 {
			d.digest = append(d.digest, p)
		}
	}
	return nil
}
