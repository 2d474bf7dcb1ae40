package cache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/feedd/feedd/store"
)

// followPage is the number of change-log records Follow reads per query.
const followPage = 1000

// Follow keeps the cache in step with writes made through other handles on
// the store, such as the CLI's process or another feedd replica: every
// interval it reads the store's change log (store.Store.Changes) past the
// last record it saw and calls Changed for each record. A write by another
// process thus reaches the cache within about one interval, and costs only
// the feeds it touched.
//
// When the store is a store.Watcher (PostgreSQL's LISTEN/NOTIFY), Follow
// also reads the log as soon as the store signals a write, so that a write
// through any process reaches the cache within a round trip or two; the
// interval then only backs the notices up. A Reset event (the notices'
// connection was lost, and some may have been missed) drops every cached
// document and starts again from the log's end, as at the start.
//
// Follow starts at the log's end (LastChange) and then drops every cached
// document once, so that a write made before it started, which the log
// position no longer shows, is not served stale. Writes of this process
// come back through the log too; invalidating their feeds a second time
// costs one render each and is harmless.
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

	last, started := int64(0), false
	for {
		if !started {
			// The position is read before the purge: a write committed
			// after the read is applied from the log; one committed before
			// it shows in every document rendered after the purge.
			seq, err := c.st.LastChange(ctx)
			switch {
			case err == nil:
				last, started = seq, true
				c.Purge()
				c.log.Debug("following store changes", "seq", last, "interval", interval, "watch", events != nil)
			case ctx.Err() == nil:
				c.log.Error("follow changes: read the log position", "err", err)
			}
		}
		if started {
			last = c.applyChanges(ctx, last)
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
				// Drop everything at once, and again once the position is
				// read (see above): if that read fails, stale documents
				// are not served meanwhile.
				c.resets.Add(1)
				c.log.Info("follow changes: write notices may have been missed; dropping every cached feed")
				c.Purge()
				started = false
			}
			// The log was just read: the next tick need not come soon.
			t.Reset(interval)
		}
	}
}

// applyChanges invalidates the feeds of every change-log record after seq
// after, reading pages until the log is exhausted, and returns the Seq of
// the last record applied. It logs a failed read and returns the position
// reached so far.
func (c *Cache) applyChanges(ctx context.Context, after int64) int64 {
	for {
		recs, err := c.st.Changes(ctx, after, followPage)
		if err != nil {
			if ctx.Err() == nil || !errors.Is(err, ctx.Err()) {
				c.log.Error("follow changes", "after_seq", after, "err", err)
			}
			return after
		}
		for _, rec := range recs {
			c.Changed(rec.Change)
			after = rec.Seq
		}
		c.followed.Add(int64(len(recs)))
		if len(recs) < followPage {
			return after
		}
	}
}
