package store

import (
	"context"
	"sync/atomic"
)

// Writes collects the change-log positions of the writes made with one
// context: a request that must read its own writes (a comment posted
// through the API is in its thread feed on the very next GET) tracks them
// and then waits for the cache to have applied the log up to Seq.
type Writes struct{ seq atomic.Int64 }

type writesKey struct{}

// Track returns a context whose writes are recorded in the returned
// Writes. Contexts derived from it record into the same Writes.
func Track(ctx context.Context) (context.Context, *Writes) {
	w := new(Writes)
	return context.WithValue(ctx, writesKey{}, w), w
}

// Seq returns the newest change-log seq of the tracked writes that
// committed, or 0 when none did (or the store did not say).
func (w *Writes) Seq() int64 {
	if w == nil {
		return 0
	}
	return w.seq.Load()
}

// Wrote records, on the Writes that ctx tracks (if any), that a write made
// with ctx committed the change-log record seq. Backends call it after
// each commit that appended to the log.
func Wrote(ctx context.Context, seq int64) {
	w, _ := ctx.Value(writesKey{}).(*Writes)
	if w == nil {
		return
	}
	for {
		old := w.seq.Load()
		if seq <= old || w.seq.CompareAndSwap(old, seq) {
			return
		}
	}
}
