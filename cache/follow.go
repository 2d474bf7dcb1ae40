package cache

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// followPage is the number of change-log records read per query.
const followPage = 1000

// The store's change log is the one way a write reaches the cache: every
// write of every process (this one's handlers and poller, the CLI, other
// replicas) appends a record in its own transaction, and the cache drops
// exactly the feeds each record touches, in log order. Follow applies the
// log continually; Sync applies it on demand, for a request that must read
// its own write. Both move one position, under follower.mu.
type follower struct {
	mu      chan struct{} // a lock that a waiter can give up on: hold by sending
	started bool          // pos is known
	pos     int64         // the seq of the last record applied
	// applied mirrors pos once started, for Sync's lock-free fast path.
	applied atomic.Int64
}

// Follow keeps the cache in step with the store's change log: every
// interval it reads the log (store.Store.Changes) past the last record
// applied and drops the feeds of each record. When the store signals
// writes (store.Watcher: PostgreSQL's LISTEN/NOTIFY across processes, and
// every store's in-process notices), Follow reads the log as soon as it is
// told of a write; the interval then only backs the notices up. A Reset
// event (the notices' connection was lost, and some may have been missed)
// drops every cached document and starts again from the log's end.
//
// Follow, or the first Sync, starts at the log's end (LastChange) and then
// drops every cached document once, so that a write made before it
// started, which the log position no longer shows, is not served stale.
//
// Follow also closes the digest feeds' periods: at each local midnight
// (site time zone) one closes, which changes the digests without any
// write, so their documents are dropped then.
//
// Store errors are logged and retried at the next interval; nothing is
// skipped, since the position only moves past records that were applied.
// Follow returns ctx.Err() when ctx ends, and an error at once when
// interval is not positive. Run it in its own goroutine.
func (c *Cache) Follow(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		return fmt.Errorf("follow changes: interval %v: must be positive", interval)
	}
	t := time.NewTicker(interval)
	defer t.Stop()

	// Watch before the log position is read: every write committed after
	// that is then either before the position or signalled.
	var events <-chan store.WatchEvent
	if w, ok := c.st.(store.Watcher); ok {
		wctx, stop := context.WithCancel(ctx)
		defer stop()
		events = w.Watch(wctx)
	}
	c.log.Debug("following store changes", "interval", interval, "watch", events != nil)

	rollover := c.nextMidnight()
	for {
		if err := c.catchUp(ctx, false); err != nil && ctx.Err() == nil {
			c.log.Error("follow changes", "err", err)
		}
		if now := c.now(); !now.Before(rollover) {
			c.invalidate(feed.DigestFeeds...)
			rollover = c.nextMidnight()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case ev, ok := <-events:
			if !ok {
				// The store stopped watching (it was closed): the interval
				// goes on alone.
				events = nil
				if ctx.Err() == nil {
					c.log.Warn("follow changes: the store stopped signalling writes; reading the log every interval", "interval", interval)
				}
				continue
			}
			if ev.Reset {
				c.resets.Add(1)
				c.log.Info("follow changes: write notices may have been missed; dropping every cached feed")
				if err := c.catchUp(ctx, true); err != nil && ctx.Err() == nil {
					c.log.Error("follow changes", "err", err)
				}
			}
			// The log is read at the top of the loop: the next tick need
			// not come soon.
			t.Reset(interval)
		}
	}
}

// Sync returns once the cache has applied every change-log record up to
// seq, so that the next read of any feed shows the write that committed
// it: a handler calls it with the seq its write reported (store.Track)
// before answering. A seq of 0 (the write's seq is unknown) means the
// log's current end. It fails when ctx ends or the log cannot be read.
func (c *Cache) Sync(ctx context.Context, seq int64) error {
	if seq > 0 && c.follow.applied.Load() >= seq {
		return nil
	}
	if seq <= 0 {
		last, err := c.st.LastChange(ctx)
		if err != nil {
			return fmt.Errorf("sync with the change log: %w", err)
		}
		seq = last
	}
	if err := c.lockFollow(ctx); err != nil {
		return err
	}
	defer c.unlockFollow()
	for !c.follow.started || c.follow.pos < seq {
		before := c.follow.pos
		if err := c.catchUpLocked(ctx, false); err != nil {
			return fmt.Errorf("sync with the change log: %w", err)
		}
		if c.follow.started && c.follow.pos == before && c.follow.pos < seq {
			// The log ends before seq: a record purged, or a seq the
			// store never committed. Nothing more to apply.
			return nil
		}
	}
	return nil
}

// lockFollow takes the follow position's lock, giving up when ctx ends.
func (c *Cache) lockFollow(ctx context.Context) error {
	select {
	case c.follow.mu <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Cache) unlockFollow() { <-c.follow.mu }

// catchUp applies the log past the position under the follow lock; reset
// starts again from the log's end, as at the start.
func (c *Cache) catchUp(ctx context.Context, reset bool) error {
	if err := c.lockFollow(ctx); err != nil {
		return err
	}
	defer c.unlockFollow()
	return c.catchUpLocked(ctx, reset)
}

func (c *Cache) catchUpLocked(ctx context.Context, reset bool) error {
	if reset {
		// Drop everything at once, and again once the position is read:
		// if that read fails, stale documents are not served meanwhile.
		c.purge()
		c.follow.started = false
	}
	if !c.follow.started {
		// The position is read before the purge: a write committed after
		// the read is applied from the log; one committed before it shows
		// in every document rendered after the purge.
		seq, err := c.st.LastChange(ctx)
		if err != nil {
			return fmt.Errorf("read the log position: %w", err)
		}
		c.purge()
		c.follow.pos, c.follow.started = seq, true
		c.follow.applied.Store(seq)
		return nil
	}
	for {
		recs, err := c.st.Changes(ctx, c.follow.pos, followPage)
		if err != nil {
			if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
				return ctx.Err()
			}
			return fmt.Errorf("read changes after seq %d: %w", c.follow.pos, err)
		}
		for _, rec := range recs {
			c.changed(rec.Change)
			c.follow.pos = rec.Seq
		}
		c.follow.applied.Store(c.follow.pos)
		c.followed.Add(int64(len(recs)))
		if len(recs) < followPage {
			return nil
		}
	}
}

// nextMidnight returns the next local midnight after the clock: when the
// next digest period closes (days, weeks and months all close at one).
func (c *Cache) nextMidnight() time.Time {
	y, m, d := c.now().In(c.location()).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, c.location())
}
