package cache

import (
	"context"
	"maps"
	"strconv"
	"strings"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
)

// historyLen is how many versions of each head document the cache
// remembers for delta requests; a client whose copy is older gets the
// whole feed.
const historyLen = 8

// maxHistoryFeeds bounds the head documents whose versions are kept: past
// it, an arbitrary one's history makes room (its clients get whole feeds
// again), so that a crawl of every thread feed cannot grow memory without
// end.
const maxHistoryFeeds = 4096

// history is the versions of one head document, oldest first; it counts
// against the budget in the LRU list on its own (budget.go), so that it
// can outlive the document's invalidation.
type history struct {
	lru      lruNode
	versions []version
}

// version is one rendered version of a head document: its validator, and
// for each entry in it a stamp of what the entry's bytes depend on, so that
// the entries added or changed since can be told.
type version struct {
	tag     string            // the ETag's opaque part, without quotes or suffixes
	entries map[string]string // entry id → stamp
}

// stamps returns the entry stamps of d: the dates that move whenever an
// entry's bytes change (a comment's entry repeats its post's title, which
// PostUpdated dates; a post's comment count shows with
// Options.CommentCounts).
func stamps(d *feedData) map[string]string {
	m := make(map[string]string, len(d.posts)+len(d.comments))
	for _, p := range d.posts {
		s := strconv.FormatInt(p.Updated.Unix(), 10)
		if st, ok := d.stats[p.ID]; ok {
			s += "/" + strconv.Itoa(st.Count) + "/" + strconv.FormatInt(st.Updated.Unix(), 10)
		}
		m[p.ID] = s
	}
	for _, c := range d.comments {
		m[c.ID] = strconv.FormatInt(c.Updated.Unix(), 10) + "/" + strconv.FormatInt(c.PostUpdated.Unix(), 10)
	}
	return m
}

// opaqueTag returns the part of an entity-tag that names a version of a
// document whatever its coding: `W/"abc-gzip"` → abc.
func opaqueTag(t string) string {
	t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
	t = strings.Trim(t, `"`)
	return strings.TrimSuffix(t, GzipETagSuffix)
}

// rememberLocked records e, a head document just kept as k, rendered
// from d, in k's history; not for the digest feeds, which have no deltas
// (see Delta). c.mu must be held.
func (c *Cache) rememberLocked(k key, e *Entry, d *feedData) {
	if k.ref.Kind == feed.KindDigest {
		return
	}
	v := version{tag: opaqueTag(e.ETag), entries: stamps(d)}
	h := c.history[k]
	if h != nil {
		if n := len(h.versions); n > 0 && h.versions[n-1].tag == v.tag {
			c.touchLocked(&h.lru)
			return
		}
		c.unlinkLocked(&h.lru)
	} else {
		if len(c.history) >= maxHistoryFeeds {
			for other, oh := range c.history {
				c.unlinkLocked(&oh.lru)
				delete(c.history, other)
				break
			}
		}
		h = &history{lru: lruNode{k: k, hist: true}}
		c.history[k] = h
	}
	vs := h.versions
	if len(vs) >= historyLen {
		vs = append(vs[:0:0], vs[len(vs)-historyLen+1:]...)
	}
	h.versions = append(vs, v)
	c.linkLocked(&h.lru, historySize(h.versions))
}

// Delta answers a delta request (RFC 3229 with A-IM: feed) for the head
// of feed ref in format f from a client holding the versions named by
// tags (the entity-tags of its If-None-Match). It returns the current
// document and, when one of tags names an older version the cache
// remembers, a document of the same feed holding only the entries added or
// changed since that version (and the head's tombstones), with base, the
// member of tags that named that version (the answer's Delta-Base). delta
// is nil when no tag names a remembered version, or one names the current
// version (the client's copy is current: a 304), and for the digest feeds,
// whose entries (periods) the versions do not record. The delta Entry's
// own ETag is of its bytes; the answer's ETag is the current document's.
//
// A delta is not one of the documents of the feed that RFC 5005 links
// (head, pages, archives): it is rendered without a place among them (a
// zero render.Nav), so it carries no fh:complete, no first, next or last
// link and no prev-archive (JSON Feed: no next_url or _archive). Each of
// those would say something false of it: fh:complete that its entries are
// the whole feed, so that a reader may drop the ones it holds that are
// missing (all those that did not change); next that the entries after
// its own are on page 2; prev-archive that it and the archives together
// hold the feed (RFC 5005 §4), when the head's unchanged entries are in
// neither. What it shares with the head, its self link (the subscription
// URL), hubs and tombstones, it keeps.
func (c *Cache) Delta(ctx context.Context, ref feed.Ref, f feed.Format, tags []string) (current, delta *Entry, base string, err error) {
	k := key{ref: ref, format: f}
	sl, err := c.getSlot(ctx, k)
	if err != nil {
		return nil, nil, "", err
	}
	if ref.Kind == feed.KindDigest {
		return sl.e, nil, "", nil
	}
	cur := opaqueTag(sl.e.ETag)
	c.mu.Lock()
	var old, now *version
	var vs []version
	if h := c.history[k]; h != nil {
		vs = h.versions
		c.touchLocked(&h.lru)
	}
	for _, t := range tags {
		ot := opaqueTag(t)
		if ot == cur {
			c.mu.Unlock()
			return sl.e, nil, "", nil
		}
		for i := range vs {
			if v := &vs[i]; v.tag == ot && old == nil {
				old, base = v, strings.TrimSpace(t)
			}
		}
	}
	for i := range vs {
		if vs[i].tag == cur {
			now = &vs[i]
		}
	}
	if old == nil || now == nil {
		c.mu.Unlock()
		return sl.e, nil, "", nil
	}
	oldTag, oldEntries, nowEntries := old.tag, old.entries, now.entries
	if e := sl.deltas[oldTag]; e != nil {
		c.mu.Unlock()
		return sl.e, e, base, nil
	}
	c.mu.Unlock()

	// The document's data is read again (see slot). Its entries must be
	// those the current document was rendered from; a write the cache
	// has yet to apply would put entries in the delta that the ETag sent
	// with it does not have: the client then gets the whole document.
	d, err := c.load(ctx, ref, feed.View{})
	if err != nil {
		if isAbsent(err) {
			return nil, nil, "", err
		}
		c.log.Error("load feed for a delta", "feed", k.String(), "err", err)
		return sl.e, nil, "", nil
	}
	ds := stamps(d)
	if !maps.Equal(ds, nowEntries) {
		return sl.e, nil, "", nil
	}
	only := make(map[string]bool)
	for id, s := range ds {
		if oldEntries[id] != s {
			only[id] = true
		}
	}
	d.nav = render.Nav{} // see above
	body, mod, err := c.render(d, k, only)
	if err != nil {
		return nil, nil, "", err
	}
	delta = c.newEntry(k, body, mod)
	c.mu.Lock()
	if sl.deltas == nil {
		sl.deltas = make(map[string]*Entry)
	}
	if _, had := sl.deltas[oldTag]; !had && len(sl.deltas) < historyLen {
		sl.deltas[oldTag] = delta
		c.growLocked(&sl.lru, int64(len(oldTag)+mapEntryCost)+entrySize(delta))
	}
	c.mu.Unlock()
	return sl.e, delta, base, nil
}
