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
	entries map[key]*Entry
	gens    map[feed.Ref]uint64 // invalidations per feed
	epoch   uint64              // purges; added to every feed's generation

	hits, misses, loads, renders, followed, resets atomic.Int64
}

// key names one cached document.
type key struct {
	ref    feed.Ref
	format feed.Format
}

func (k key) String() string { return k.ref.String() + "." + string(k.format) }

// Stats are counters of a Cache's work since it was made.
type Stats struct {
	Hits    int64 // Get calls answered from memory
	Misses  int64 // Get calls that had to wait for a render
	Loads   int64 // reads of one feed's entries from the store (Get and Sweep)
	Renders int64 // documents rendered (Get and Sweep)
	Changes int64 // change-log records applied by Follow
	Resets  int64 // lost-notice (Reset) events of the store's Watcher that Follow handled
	Entries int   // documents held now
}

// New returns an empty Cache over st and r. log receives sweep summaries and
// render failures.
func New(st store.Store, r *render.Renderer, o Options, log *slog.Logger) *Cache {
	if o.PageSize <= 0 {
		o.PageSize = DefaultPageSize
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Cache{
		st:      st,
		r:       r,
		opts:    o,
		log:     log,
		entries: make(map[key]*Entry),
		gens:    make(map[feed.Ref]uint64),
	}
}

// Options returns the options the cache runs with, defaults filled in.
func (c *Cache) Options() Options { return c.opts }

// Stats returns the cache's counters.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	n := len(c.entries)
	c.mu.Unlock()
	return Stats{
		Hits:    c.hits.Load(),
		Misses:  c.misses.Load(),
		Loads:   c.loads.Load(),
		Renders: c.renders.Load(),
		Changes: c.followed.Load(),
		Resets:  c.resets.Load(),
		Entries: n,
	}
}

// Get returns the document of feed ref in format f, rendering it on a miss.
// A thread feed of an unknown post fails with the store's ENOTFOUND error,
// and so does an unknown format or kind; the thread feed of a deleted post
// fails with the store's EGONE error. Failures are not cached. The Entry is
// shared and must not be modified.
//
// Waiting stops when ctx ends, but the render goes on for the other
// requests waiting on it and is kept if still current.
func (c *Cache) Get(ctx context.Context, ref feed.Ref, f feed.Format) (*Entry, error) {
	if err := checkKey(ref, f); err != nil {
		return nil, err
	}
	k := key{ref, f}

	c.mu.Lock()
	if e := c.entries[k]; e != nil {
		c.mu.Unlock()
		c.hits.Add(1)
		return e, nil
	}
	gen := c.genLocked(ref)
	c.mu.Unlock()
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
		return res.Val.(*Entry), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// fill loads and renders k for a miss at generation gen and keeps the result
// if gen is still current.
func (c *Cache) fill(ctx context.Context, k key, gen uint64) (*Entry, error) {
	// A flight for this key may have ended between the caller's miss and
	// this flight's start; its result is at least as new as gen.
	c.mu.Lock()
	if e := c.entries[k]; e != nil {
		c.mu.Unlock()
		return e, nil
	}
	c.mu.Unlock()

	ctx, cancel := context.WithTimeout(ctx, fillTimeout)
	defer cancel()
	var e *Entry
	d, err := c.load(ctx, k.ref)
	if err == nil {
		var body []byte
		var mod time.Time
		if body, mod, err = c.render(d, k.ref, k.format); err == nil {
			e = newEntry(body, mod, k.format)
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
		c.entries[k] = e
	}
	c.mu.Unlock()
	return e, nil
}

// Changed drops the feeds a write can alter: exactly feed.Touched(ch,
// Options.CommentCounts), in every format. Call it after the write commits
// and before answering the request that made it. Only ids matter: a Change
// holding just Post.ID, or Comment.ID and Comment.PostID, as the store's
// change log records them, is enough.
func (c *Cache) Changed(ch feed.Change) {
	c.Invalidate(feed.Touched(ch, c.opts.CommentCounts)...)
}

// Invalidate drops the given feeds in every format and makes renders of them
// that are under way be discarded.
func (c *Cache) Invalidate(refs ...feed.Ref) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ref := range refs {
		c.gens[ref]++
		for _, f := range feed.Formats {
			delete(c.entries, key{ref, f})
		}
	}
}

// Purge drops every document and discards renders under way.
func (c *Cache) Purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	clear(c.entries)
}

// Sweep re-renders every cached document from the store and replaces those
// whose bytes changed, which picks up writes made by another process (the
// CLI); Follow does it sooner and cheaper where the store keeps a change log.
// Documents of a post that no longer exists or was deleted are dropped. A document
// invalidated while the sweep renders it is left to the next request. Sweep
// logs how many documents changed and returns the errors of feeds it could
// not render; those keep their old document.
func (c *Cache) Sweep(ctx context.Context) error {
	start := time.Now()
	type sweepRef struct {
		gen  uint64
		olds map[feed.Format]*Entry
	}
	c.mu.Lock()
	snap := make(map[feed.Ref]*sweepRef)
	for k, e := range c.entries {
		s := snap[k.ref]
		if s == nil {
			s = &sweepRef{gen: c.genLocked(k.ref), olds: make(map[feed.Format]*Entry, len(feed.Formats))}
			snap[k.ref] = s
		}
		s.olds[k.format] = e
	}
	c.mu.Unlock()

	var changed, dropped, failed int
	var errs []error
	for ref, s := range snap {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		d, err := c.load(ctx, ref)
		if isAbsent(err) {
			c.mu.Lock()
			for f, old := range s.olds {
				if k := (key{ref, f}); c.entries[k] == old {
					delete(c.entries, k)
					dropped++
				}
			}
			c.mu.Unlock()
			continue
		}
		if err != nil {
			failed++
			errs = append(errs, fmt.Errorf("sweep %s: %w", ref, err))
			continue
		}
		for f, old := range s.olds {
			body, mod, err := c.render(d, ref, f)
			if err != nil {
				failed++
				errs = append(errs, fmt.Errorf("sweep %s.%s: %w", ref, f, err))
				continue
			}
			if bytes.Equal(body, old.Body) {
				continue
			}
			e := newEntry(body, mod, f)
			c.mu.Lock()
			// Replace only the document the snapshot saw, and only if no
			// write invalidated the feed meanwhile: the render may predate
			// that write.
			if k := (key{ref, f}); c.genLocked(ref) == s.gen && c.entries[k] == old {
				c.entries[k] = e
				changed++
			}
			c.mu.Unlock()
		}
	}
	c.log.Info("cache sweep",
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

// checkKey rejects feeds and formats that cannot exist without asking the
// store, so that junk URLs cost nothing.
func checkKey(ref feed.Ref, f feed.Format) error {
	if _, ok := feed.ParseFormat(string(f)); !ok {
		return feed.Errorf(feed.ENOTFOUND, "unknown feed format %q", f)
	}
	switch ref.Kind {
	case feed.KindPosts, feed.KindComments:
		if ref.PostID == "" {
			return nil
		}
	case feed.KindThread:
		if feed.ValidID(ref.PostID) {
			return nil
		}
		return feed.Errorf(feed.ENOTFOUND, "post not found")
	}
	return feed.Errorf(feed.ENOTFOUND, "unknown feed %q", ref.String())
}
