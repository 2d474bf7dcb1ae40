//go:build !digestready

package cache

import (
	"context"

	"github.com/feedd/feedd/feed"
)

func (c *Cache) loadDigest(ctx context.Context, ref feed.Ref, d *feedData) error {
	return feed.Errorf(feed.ENOTFOUND, "digest: pending")
}
