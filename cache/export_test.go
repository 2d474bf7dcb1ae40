package cache

import "github.com/feedd/feedd/feed"

// The cache's own tests drive invalidation directly; no other package can:
// writes reach the cache only through the store's change log.

func (c *Cache) Changed(ch feed.Change)      { c.changed(ch) }
func (c *Cache) Invalidate(refs ...feed.Ref) { c.invalidate(refs...) }
func (c *Cache) Purge()                      { c.purge() }
