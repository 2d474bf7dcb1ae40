// Package cache keeps rendered feed documents in memory with their
// validators. It is the one path from the store through the renderer to the
// bytes the server sends: a miss loads the feed's entries from the store,
// renders them, gzips the result and derives a strong ETag; writes drop the
// feeds they touch (feed.Touched) so that the next request renders afresh.
package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/store"
)

// DefaultPageSize is the number of entries a feed carries when
// Options.PageSize is not set (feeds.page_size).
const DefaultPageSize = 25

// fillTimeout bounds one load-and-render. A fill runs detached from the
// request that started it, because other requests may be waiting on it.
const fillTimeout = time.Minute

// Options configure a Cache.
type Options struct {
	// PageSize is the number of entries in each feed (feeds.page_size);
	// DefaultPageSize when zero or negative.
	PageSize int
	// CommentCounts says whether the posts feed carries live comment counts
	// (feeds.comment_counts). It decides whether the posts feed is loaded
	// with counts and whether a comment invalidates it. Keep it equal to the
	// renderer's option of the same name.
	CommentCounts bool
	// ObserveRender, when set, is called after every render of a document
	// (Get's misses and Sweep) with the feed, the format, the time the
	// render took and its error: metrics.M.ObserveRender.
	ObserveRender func(ref feed.Ref, f feed.Format, d time.Duration, err error)
	// OnInvalidate, when set, is called with the feeds of every
	// invalidation (Changed, Invalidate), after they were dropped: the
	// WebSub hub's websub.Hub.Changed. It must not block.
	OnInvalidate func(refs []feed.Ref)
	// Now is the clock that decides which periods the digest feeds show
	// as closed; time.Now when nil. Location is the site's time zone
	// (site.timezone) the periods are cut in; UTC when nil.
	Now      func() time.Time
	Location *time.Location
	// MaxBytes is the memory budget of everything the cache holds
	// (cache.max_bytes; see budget.go): past it, the least recently used
	// documents are evicted. DefaultMaxBytes when zero or negative.
	MaxBytes int64
}

// Cache holds rendered feeds keyed by feed and format. It is safe for
// concurrent use.
//
// Consistency: every feed has a generation that each invalidation of it
// increments. A miss renders at the generation it observed; concurrent misses
// at the same generation share one render (singleflight), and the result is
// kept only if the generation is still the same when the render ends. So a
// render that began before an invalidation is never kept, nor handed to a
// request that began after it.
type Cache struct {
	st   store.Store
	r    *render.Renderer
	opts Options
	log  *slog.Logger

	group singleflight.Group

	mu      sync.Mutex
	entries map[feed.Ref]map[docKey]*slot // every document of a feed, dropped together
	queries int                           // slots of query documents (feed.View.IsQuery) held
	gens    map[feed.Ref]uint64           // invalidations per feed
	epoch   uint64                        // purges; added to every feed's generation
	// history keeps, per head document, the entry versions of its last
	// few renders, which delta requests (RFC 3229) are answered from.
	history map[key]*history

	// follow is the position in the store's change log (follow.go).
	follow follower

	// The budget (budget.go): every slot and history in use order, the
	// bytes they hold, the slots held, and the evictions so far.
	lru       lruList
	bytes     int64
	slots     int
	evictions int64

	hits, misses, loads, renders, followed, resets, sweepFixes atomic.Int64
}

// key names one cached document: a feed, a document of it, a format.
type key struct {
	ref    feed.Ref
	view   feed.View
	format feed.Format
}

// docKey names a document within its feed's map.
type docKey struct {
	view   feed.View
	format feed.Format
}

func (k key) doc() docKey { return docKey{k.view, k.format} }

func (k key) String() string {
	s := k.ref.String()
	if k.view.Archive > 0 {
		s += "/archive/" + strconv.Itoa(k.view.Archive)
	}
	s += "." + string(k.format)
	if q := k.view.Encode(); q != "" {
		s += "?" + q
	}
	return s
}

// slot is a cached document: the entry served, and the HTML page and
// deltas made from it once asked for. The data it was rendered from is
// not kept: its many small objects would cost more memory than the
// document, and fragment the heap as documents come and go; a page or a
// delta, made once per version, reads the store again.
type slot struct {
	// lru places the slot in the cache's LRU list; its size counts the
	// page and deltas too (budget.go). Guarded by Cache.mu.
	lru lruNode
	e   *Entry
	// deltas holds the delta documents rendered from data, by the
	// version they were asked against (see Delta); guarded by Cache.mu.
	deltas map[string]*Entry
	// page is the HTML page of the document (see Page), once asked for;
	// guarded by Cache.mu.
	page *Entry
	// expires, when set, is when the document stops being current
	// without any write: a digest's, when its next period closes.
	expires time.Time
}

// maxQueryDocs bounds the query documents (Blogger parameters, whose
// combinations have no end) kept at once; past it they are rendered for
// each request without being kept.
const maxQueryDocs = 1024

// Stats are counters of a Cache's work since it was made.
type Stats struct {
	Hits    int64 // Get calls answered from memory
	Misses  int64 // Get calls that had to wait for a render
	Loads   int64 // reads of one feed's entries from the store (Get and Sweep)
	Renders int64 // documents rendered (Get and Sweep)
	Changes int64 // change-log records applied by Follow
	Resets  int64 // lost-notice (Reset) events of the store's Watcher that Follow handled
	// SweepFixes counts the documents a Sweep found stale or gone and
	// replaced or dropped: each one a write whose invalidation the change
	// log did not bring, which should never happen.
	SweepFixes int64
	Entries    int // documents held now
	// Evictions counts the documents and delta histories dropped to keep
	// within the budget (Options.MaxBytes); Bytes is the estimate of the
	// memory held now, at most MaxBytes, the budget.
	Evictions int64
	Bytes     int64
	MaxBytes  int64
}

// New returns an empty Cache over st and r. log receives sweep summaries and
// render failures.
func New(st store.Store, r *render.Renderer, o Options, log *slog.Logger) *Cache {
	if o.PageSize <= 0 {
		o.PageSize = DefaultPageSize
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Cache{
		st:      st,
		r:       r,
		opts:    o,
		log:     log,
		entries: make(map[feed.Ref]map[docKey]*slot),
		gens:    make(map[feed.Ref]uint64),
		history: make(map[key]*history),
		follow:  follower{mu: make(chan struct{}, 1)},
	}
	c.lru.init()
	return c
}

// now returns the cache's clock reading.
func (c *Cache) now() time.Time {
	if c.opts.Now != nil {
		return c.opts.Now()
	}
	return time.Now()
}

// location returns the site's time zone.
func (c *Cache) location() *time.Location {
	if c.opts.Location != nil {
		return c.opts.Location
	}
	return time.UTC
}

// lookupLocked returns the slot of k, or nil. c.mu must be held.
func (c *Cache) lookupLocked(k key) *slot { return c.entries[k.ref][k.doc()] }

// storeLocked keeps sl as k's document, in place of the one held, and
// evicts what passes the budget. c.mu must be held.
func (c *Cache) storeLocked(k key, sl *slot) {
	if k.view.IsQuery() && c.lookupLocked(k) == nil && c.queries >= maxQueryDocs {
		return
	}
	c.removeLocked(k)
	docs := c.entries[k.ref]
	if docs == nil {
		docs = make(map[docKey]*slot)
		c.entries[k.ref] = docs
	}
	if k.view.IsQuery() {
		c.queries++
	}
	docs[k.doc()] = sl
	c.slots++
	sl.lru.k = k
	c.linkLocked(&sl.lru, slotSize(k, sl))
}

// dropLocked forgets every document of ref. c.mu must be held.
func (c *Cache) dropLocked(ref feed.Ref) {
	for dk := range c.entries[ref] {
		c.removeLocked(key{ref, dk.view, dk.format})
	}
}

// Options returns the options the cache runs with, defaults filled in.
func (c *Cache) Options() Options { return c.opts }

// Stats returns the cache's counters.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	n, evictions, bytes := c.slots, c.evictions, c.bytes
	c.mu.Unlock()
	return Stats{
		Hits:       c.hits.Load(),
		Misses:     c.misses.Load(),
		Loads:      c.loads.Load(),
		Renders:    c.renders.Load(),
		Changes:    c.followed.Load(),
		Resets:     c.resets.Load(),
		SweepFixes: c.sweepFixes.Load(),
		Entries:    n,
		Evictions:  evictions,
		Bytes:      bytes,
		MaxBytes:   c.opts.MaxBytes,
	}
}

// Get returns the head document of feed ref in format f: GetView with the
// zero View.
func (c *Cache) Get(ctx context.Context, ref feed.Ref, f feed.Format) (*Entry, error) {
	return c.GetView(ctx, ref, feed.View{}, f)
}

// GetView returns document v of feed ref in format f, rendering it on a
// miss. A thread feed of an unknown post fails with the store's ENOTFOUND
// error, and so does an unknown format or kind, a page or archive past the
// feed's end, or a selection the feed does not have (categories of a
// comment feed); the thread feed of a deleted post fails with the store's
// EGONE error. Failures are not cached. The Entry is shared and must not
// be modified.
//
// Waiting stops when ctx ends, but the render goes on for the other
// requests waiting on it and is kept if still current.
func (c *Cache) GetView(ctx context.Context, ref feed.Ref, v feed.View, f feed.Format) (*Entry, error) {
	sl, err := c.getSlot(ctx, key{ref, normView(v), f})
	if err != nil {
		return nil, err
	}
	return sl.e, nil
}

// getSlot returns the slot of k, filling it on a miss.
func (c *Cache) getSlot(ctx context.Context, k key) (*slot, error) {
	if err := checkKey(k); err != nil {
		return nil, err
	}

	c.mu.Lock()
	if sl := c.lookupLocked(k); sl != nil {
		if sl.expires.IsZero() || c.now().Before(sl.expires) {
			c.touchLocked(&sl.lru)
			c.mu.Unlock()
			c.hits.Add(1)
			return sl, nil
		}
		// A digest whose period closed since it was rendered: Follow drops
		// it at midnight, this when nothing follows the log.
		c.mu.Unlock()
		c.invalidate(k.ref)
		c.mu.Lock()
	}
	gen := c.genLocked(k.ref)
	c.mu.Unlock()
	return c.miss(ctx, k, gen)
}

// miss waits for the render of k at generation gen: its own, or one
// under way. Apart from getSlot, so that k escapes to the heap only on a
// miss.
func (c *Cache) miss(ctx context.Context, k key, gen uint64) (*slot, error) {
	c.misses.Add(1)

	// The generation is part of the flight's key: a request that arrives
	// after an invalidation starts a new render instead of joining one that
	// may have read the store before the write.
	fctx := context.WithoutCancel(ctx)
	ch := c.group.DoChan(k.String()+"@"+strconv.FormatUint(gen, 10), func() (any, error) {
		return c.fill(fctx, k, gen)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*slot), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// normView returns v with its times in UTC without a monotonic reading,
// so that equal views are equal map keys.
func normView(v feed.View) feed.View {
	for _, t := range []*time.Time{&v.PublishedMin, &v.PublishedMax, &v.UpdatedMin, &v.UpdatedMax} {
		if !t.IsZero() {
			*t = t.UTC().Round(0)
		}
	}
	return v
}

// fill loads and renders k for a miss at generation gen and keeps the result
// if gen is still current.
func (c *Cache) fill(ctx context.Context, k key, gen uint64) (*slot, error) {
	// A flight for this key may have ended between the caller's miss and
	// this flight's start; its result is at least as new as gen.
	c.mu.Lock()
	if sl := c.lookupLocked(k); sl != nil {
		c.mu.Unlock()
		return sl, nil
	}
	c.mu.Unlock()

	ctx, cancel := context.WithTimeout(ctx, fillTimeout)
	defer cancel()
	var sl *slot
	var expires time.Time
	if k.ref.Kind == feed.KindDigest {
		// Read before the load: a load that straddles midnight expires at once.
		expires = c.nextMidnight()
	}
	d, err := c.load(ctx, k.ref, k.view)
	if err == nil {
		var body []byte
		var mod time.Time
		if body, mod, err = c.render(d, k, nil); err == nil {
			sl = &slot{e: c.newEntry(k, body, mod), expires: expires}
		}
	}
	if err != nil {
		if !isAbsent(err) {
			c.log.Error("render feed", "feed", k.String(), "err", err)
		}
		return nil, err
	}

	c.mu.Lock()
	if c.genLocked(k.ref) == gen {
		c.storeLocked(k, sl)
		if k.view.IsHead() {
			c.rememberLocked(k, sl.e, d)
		}
	}
	c.mu.Unlock()
	return sl, nil
}

// changed drops the feeds a write can alter: exactly feed.Touched(ch,
// Options.CommentCounts), in every format. Only ids matter: a Change
// holding just Post.ID, or Comment.ID and Comment.PostID, as the store's
// change log records them, is enough. Only the change log calls it (see
// follow.go): no writer invalidates anything itself.
func (c *Cache) changed(ch feed.Change) {
	c.invalidate(feed.Touched(ch, c.opts.CommentCounts)...)
}

// invalidate drops the given feeds in every format and makes renders of them
// that are under way be discarded.
func (c *Cache) invalidate(refs ...feed.Ref) {
	c.mu.Lock()
	for _, ref := range refs {
		c.gens[ref]++
		c.dropLocked(ref)
	}
	c.mu.Unlock()
	if o := c.opts.OnInvalidate; o != nil && len(refs) > 0 {
		o(refs)
	}
}

// purge drops every document and discards renders under way.
func (c *Cache) purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	for ref := range c.entries {
		c.dropLocked(ref)
	}
}

// Sweep is a consistency check of the cache against the store: it
// re-renders every cached document (but the query documents of Blogger
// parameters, which it drops, and digests past their period, which the
// next request renders) and replaces those whose bytes changed; documents
// of a post that no longer exists or was deleted are dropped. Every write
// reaches the cache through the change log (see Follow), so a sweep should
// find nothing to fix: what it fixes is counted in Stats.SweepFixes and
// logged as a warning. A document invalidated while the sweep renders it
// is left to the next request. Sweep returns the errors of feeds it could
// not render; those keep their old document.
func (c *Cache) Sweep(ctx context.Context) error {
	start := time.Now()
	type sweepDoc struct {
		gen  uint64
		olds map[feed.Format]*slot
	}
	type doc struct {
		ref  feed.Ref
		view feed.View
	}
	c.mu.Lock()
	snap := make(map[doc]*sweepDoc)
	for ref, docs := range c.entries {
		for dk, sl := range docs {
			if dk.view.IsQuery() {
				// Ad-hoc queries are dropped rather than re-rendered: they
				// are many, and the next request for one renders it.
				c.removeLocked(key{ref, dk.view, dk.format})
				continue
			}
			if !sl.expires.IsZero() && !c.now().Before(sl.expires) {
				continue
			}
			d := doc{ref, dk.view}
			s := snap[d]
			if s == nil {
				s = &sweepDoc{gen: c.genLocked(ref), olds: make(map[feed.Format]*slot, len(feed.Formats))}
				snap[d] = s
			}
			s.olds[dk.format] = sl
		}
	}
	c.mu.Unlock()

	var changed, dropped, failed int
	var errs []error
	for doc, s := range snap {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		d, err := c.load(ctx, doc.ref, doc.view)
		if isAbsent(err) {
			c.mu.Lock()
			for f, old := range s.olds {
				if k := (key{doc.ref, doc.view, f}); c.lookupLocked(k) == old {
					c.removeLocked(k)
					dropped++
				}
			}
			c.mu.Unlock()
			continue
		}
		if err != nil {
			failed++
			errs = append(errs, fmt.Errorf("sweep %s: %w", doc.ref, err))
			continue
		}
		for f, old := range s.olds {
			k := key{doc.ref, doc.view, f}
			body, mod, err := c.render(d, k, nil)
			if err != nil {
				failed++
				errs = append(errs, fmt.Errorf("sweep %s: %w", k, err))
				continue
			}
			if bytes.Equal(body, old.e.Body) {
				continue
			}
			sl := &slot{e: c.newEntry(k, body, mod)}
			c.mu.Lock()
			// Replace only the document the snapshot saw, and only if no
			// write invalidated the feed meanwhile: the render may predate
			// that write.
			if c.genLocked(doc.ref) == s.gen && c.lookupLocked(k) == old {
				c.storeLocked(k, sl)
				if doc.view.IsHead() {
					c.rememberLocked(k, sl.e, d)
				}
				changed++
			}
			c.mu.Unlock()
		}
	}
	level := slog.LevelInfo
	if changed+dropped > 0 {
		level = slog.LevelWarn
		c.sweepFixes.Add(int64(changed + dropped))
	}
	c.log.Log(ctx, level, "cache sweep",
		"feeds", len(snap), "changed", changed, "dropped", dropped, "failed", failed,
		"duration", time.Since(start))
	return errors.Join(errs...)
}

// isAbsent reports whether err says that a feed does not exist (ENOTFOUND)
// or no longer does (EGONE): answers to requests, not failures to log.
func isAbsent(err error) bool {
	code := feed.ErrorCode(err)
	return code == feed.ENOTFOUND || code == feed.EGONE
}

// genLocked returns the generation of ref. Both terms only grow, so the sum
// changes on every invalidation of ref and on every purge. c.mu must be held.
func (c *Cache) genLocked(ref feed.Ref) uint64 { return c.epoch + c.gens[ref] }

// checkKey rejects feeds, documents and formats that cannot exist without
// asking the store (the catalogue's feed.CheckDoc), so that junk URLs cost
// nothing.
func checkKey(k key) error {
	return feed.CheckDoc(k.ref, k.view, k.format)
}
