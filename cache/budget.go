package cache

// DefaultMaxBytes is the memory budget of the cache when Options.MaxBytes
// is not set (cache.max_bytes): 256 MiB.
const DefaultMaxBytes = 256 << 20

// The memory budget. Everything the cache holds counts against
// Options.MaxBytes: each document kept (heads, pages, archives, query
// documents, digests) with its gzip copy, its HTML page (Page) and its
// deltas (Delta) once made, and the version histories that deltas are
// answered from. They are kept in one
// list, the most recently used first; when a document is kept, or grows
// a page or a delta, and the total passes the budget, the least recently
// used go (Stats.Evictions) until it is within it again. A document
// larger than the whole budget is served and not kept.
//
// An evicted document is rendered again at its next request, from the
// same store, so to the same bytes and ETag: eviction changes no
// validator a client holds. An evicted history only makes its feed's
// delta requests get whole documents, as for a client whose version is
// too old.
//
// The sizes are estimates of the memory held, from the lengths of bytes
// and strings plus fixed costs per object; what a render allocates for
// the moment and drops (and what the Go runtime keeps besides) is not
// counted: it is part of the fixed overhead on top of the budget
// (cmd/feedd's memoryOverhead). A document is few objects (its bytes,
// its Entry, its slot), so that evictions leave few holes in the heap.

// lruNode links a slot or a history into the cache's LRU list.
type lruNode struct {
	prev, next *lruNode
	k          key
	size       int64
	hist       bool // c.history[k], else the slot c.entries[k.ref][k.doc()]
}

// linked reports whether n is in the list.
func (n *lruNode) linked() bool { return n.next != nil }

// lruList is a circular doubly linked list around root: root.next is the
// most recently used node, root.prev the least.
type lruList struct{ root lruNode }

func (l *lruList) init() { l.root.next, l.root.prev = &l.root, &l.root }

func (l *lruList) pushFront(n *lruNode) {
	n.prev, n.next = &l.root, l.root.next
	n.prev.next, n.next.prev = n, n
}

func (l *lruList) remove(n *lruNode) {
	n.prev.next, n.next.prev = n.next, n.prev
	n.prev, n.next = nil, nil
}

// back returns the least recently used node, or nil.
func (l *lruList) back() *lruNode {
	if l.root.prev == &l.root {
		return nil
	}
	return l.root.prev
}

// Fixed costs, in bytes, of the objects around the bytes and strings
// counted: a slot with its map entry and key, an Entry with its prepared
// header values, a history's map entry per entry id.
const (
	slotOverhead    = 256
	entryOverhead   = 512
	mapEntryCost    = 48
	historyOverhead = 128
)

// linkLocked puts n, of size bytes, at the front of the list and counts
// it; then evicts what passes the budget. c.mu must be held.
func (c *Cache) linkLocked(n *lruNode, size int64) {
	n.size = size
	c.lru.pushFront(n)
	c.bytes += size
	c.trimLocked()
}

// touchLocked marks n as just used. c.mu must be held.
func (c *Cache) touchLocked(n *lruNode) {
	if n.linked() && c.lru.root.next != n {
		c.lru.remove(n)
		c.lru.pushFront(n)
	}
}

// growLocked counts delta more bytes for n, if it is held, and evicts
// what passes the budget. c.mu must be held.
func (c *Cache) growLocked(n *lruNode, delta int64) {
	if !n.linked() {
		return
	}
	n.size += delta
	c.bytes += delta
	c.touchLocked(n)
	c.trimLocked()
}

// unlinkLocked takes n out of the list and its bytes out of the count.
// c.mu must be held.
func (c *Cache) unlinkLocked(n *lruNode) {
	if !n.linked() {
		return
	}
	c.lru.remove(n)
	c.bytes -= n.size
}

// trimLocked evicts the least recently used nodes until the bytes held
// are within the budget. c.mu must be held.
func (c *Cache) trimLocked() {
	for c.bytes > c.opts.MaxBytes {
		n := c.lru.back()
		if n == nil {
			return
		}
		c.evictions++
		if n.hist {
			c.unlinkLocked(n)
			delete(c.history, n.k)
			continue
		}
		c.removeLocked(n.k)
		if n.linked() { // not the slot of n.k: cannot happen, but never loop
			c.unlinkLocked(n)
		}
	}
}

// removeLocked forgets the document k, if held. c.mu must be held.
func (c *Cache) removeLocked(k key) {
	docs := c.entries[k.ref]
	sl := docs[k.doc()]
	if sl == nil {
		return
	}
	c.unlinkLocked(&sl.lru)
	delete(docs, k.doc())
	c.slots--
	if k.view.IsQuery() {
		c.queries--
	}
	if len(docs) == 0 {
		delete(c.entries, k.ref)
	}
}

// slotSize estimates the memory held by sl, a document kept as k.
func slotSize(k key, sl *slot) int64 {
	n := int64(slotOverhead) + int64(len(k.ref.PostID)+len(k.view.Category)+len(k.view.Author)+len(k.view.OrderBy))
	n += entrySize(sl.e)
	if sl.page != nil {
		n += entrySize(sl.page)
	}
	for tag, e := range sl.deltas {
		n += int64(len(tag)+mapEntryCost) + entrySize(e)
	}
	return n
}

// entrySize estimates the memory held by e.
func entrySize(e *Entry) int64 {
	return int64(entryOverhead + cap(e.Body) + cap(e.Gzip) + len(e.ETag) + len(e.GzipETag) + len(e.LastModifiedHTTP) + len(e.ContentType) + e.fieldBytes())
}

// historySize estimates the memory held by versions.
func historySize(vs []version) int64 {
	n := int64(historyOverhead)
	for _, v := range vs {
		n += int64(len(v.tag) + mapEntryCost)
		for id, s := range v.entries {
			n += int64(len(id) + len(s) + mapEntryCost)
		}
	}
	return n
}
