package cache

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// followPage is the number of change-log records Follow reads per query.
const followPage = 1000

// Follow keeps the cache in step with writes made through other handles on
// the store, such as the CLI's process: every interval it reads the
// store's change log (store.Store.Changes) past the last record it saw and
// calls Changed for each record. A write by another process thus reaches
// the cache within about one interval, and costs only the feeds it touched.
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

	last, started := int64(0), false
	for {
		if !started {
			seq, err := c.st.LastChange(ctx)
			switch {
			case err == nil:
				last, started = seq, true
				c.Purge()
				c.log.Debug("following store changes", "seq", last, "interval", interval)
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
