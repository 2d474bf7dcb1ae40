package cache

import (
	"context"
	"strconv"
	"strings"

	"github.com/feedd/feedd/feed"
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
// document whatever its coding and media type: `W/"abc-gzip-x"` → abc.
func opaqueTag(t string) string {
	t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
	t = strings.Trim(t, `"`)
	t = strings.TrimSuffix(t, "-x")
	return strings.TrimSuffix(t, GzipETagSuffix)
}

// rememberLocked records sl, a head document just kept as k, in k's
// history. c.mu must be held.
func (c *Cache) rememberLocked(k key, sl *slot) {
	v := version{tag: opaqueTag(sl.e.ETag), entries: stamps(sl.data)}
	h, known := c.history[k]
	if n := len(h); n > 0 && h[n-1].tag == v.tag {
		return
	}
	if !known && len(c.history) >= maxHistoryFeeds {
		for other := range c.history {
			delete(c.history, other)
			break
		}
	}
	if len(h) >= historyLen {
		h = append(h[:0:0], h[len(h)-historyLen+1:]...)
	}
	c.history[k] = append(h, v)
}

// Delta answers a delta request (RFC 3229 with A-IM: feed) for the head
// of feed ref in format f from a client holding the versions named by
// tags (the entity-tags of its If-None-Match). It returns the current
// document and, when one of tags names an older version the cache
// remembers, a document of the same feed holding only the entries added or
// changed since that version (and the head's tombstones). delta is nil
// when no tag names a remembered version, or one names the current
// version (the client's copy is current: a 304). The delta Entry's own
// ETag is of its bytes; the answer's ETag is the current document's.
func (c *Cache) Delta(ctx context.Context, ref feed.Ref, f feed.Format, tags []string) (current, delta *Entry, err error) {
	k := key{ref: ref, format: f}
	sl, err := c.getSlot(ctx, k)
	if err != nil {
		return nil, nil, err
	}
	if sl.data == nil {
		return sl.e, nil, nil
	}
	cur := opaqueTag(sl.e.ETag)
	c.mu.Lock()
	var old *version
	for _, t := range tags {
		t = opaqueTag(t)
		if t == cur {
			c.mu.Unlock()
			return sl.e, nil, nil
		}
		for i := range c.history[k] {
			if v := &c.history[k][i]; v.tag == t && old == nil {
				old = v
			}
		}
	}
	if old == nil {
		c.mu.Unlock()
		return sl.e, nil, nil
	}
	oldTag, oldEntries := old.tag, old.entries
	if e := sl.deltas[oldTag]; e != nil {
		c.mu.Unlock()
		return sl.e, e, nil
	}
	c.mu.Unlock()

	only := make(map[string]bool)
	for id, s := range stamps(sl.data) {
		if oldEntries[id] != s {
			only[id] = true
		}
	}
	body, mod, err := c.render(sl.data, k, only)
	if err != nil {
		return nil, nil, err
	}
	delta = newEntry(body, mod, f)
	c.mu.Lock()
	if sl.deltas == nil {
		sl.deltas = make(map[string]*Entry)
	}
	if len(sl.deltas) < historyLen {
		sl.deltas[oldTag] = delta
	}
	c.mu.Unlock()
	return sl.e, delta, nil
}
