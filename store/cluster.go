package store

import (
	"context"
	"time"

	"github.com/feedd/feedd/feed"
)

// JobClaimer is implemented by stores that several feedd processes may
// share. Scheduled jobs (source polls, the regenerate sweep, the purge)
// claim each run through it, so that across all processes a job runs once
// per period, and another process takes over when the one that ran it dies.
type JobClaimer interface {
	// ClaimJob reports whether the caller may run job name now. It
	// succeeds, and records now as the job's last claim, only when the
	// last claim of name is older than 0.9×period (the slack absorbs
	// scheduling jitter between processes); concurrent callers never both
	// succeed.
	ClaimJob(ctx context.Context, name string, period time.Duration) (bool, error)
}

// Watcher is implemented by stores that push notice of writes committed by
// any process (PostgreSQL LISTEN/NOTIFY), so that caches are invalidated at
// once instead of at the next poll of the change log.
type Watcher interface {
	// Watch returns a channel that receives an event soon after any
	// process commits a write (events may be coalesced), and an event with
	// Reset set after the listening connection was lost and established
	// again, when notices may have been missed. The channel is closed when
	// ctx ends.
	Watch(ctx context.Context) <-chan WatchEvent
}

// WatchEvent is a notice from a Watcher.
type WatchEvent struct {
	// Reset means notices may have been lost: drop everything cached.
	Reset bool
}

// Record is one row of a whole-store copy (feedd migrate): exactly one of
// its pointer fields is set. Posts and comments come with their state that
// the normal reads hide (deleted, pending, spam, tombstones), so that a copy
// serves the same feeds, tombstones included.
type Record struct {
	Post    *PostRecord
	Comment *CommentRecord
	Fetch   *feed.Fetch
}

// PostRecord is a post with its deletion time (zero when live).
type PostRecord struct {
	feed.Post
	Deleted time.Time
}

// CommentRecord is a comment with its deletion time (zero when live) and
// whether its deletion shows as a tombstone.
type CommentRecord struct {
	feed.Comment
	Deleted   time.Time
	Tombstone bool
}

// Copier is implemented by stores that can be copied whole, keeping every
// id, so that feed URLs and entry ids stay valid across a move.
type Copier interface {
	// CountRecords returns how many records Dump will yield.
	CountRecords(ctx context.Context) (int, error)
	// Dump yields every record: posts before their comments, parents
	// before their replies, then fetch states.
	Dump(ctx context.Context, yield func(Record) error) error
	// Load stores records as Dump yields them, into an empty store, in
	// order; it writes no change log.
	Load(ctx context.Context, recs []Record) error
}
