package cache

import "github.com/feedd/feedd/feed"

// Changed, Invalidate and Purge let callers outside the change log drop
// documents. They go once every writer reaches the cache through the log
// (store.Track and Sync); until then they only forward.

func (c *Cache) Changed(ch feed.Change)      { c.changed(ch) }
func (c *Cache) Invalidate(refs ...feed.Ref) { c.invalidate(refs...) }
func (c *Cache) Purge()                      { c.purge() }
