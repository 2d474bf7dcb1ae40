package store

import (
	"context"
	"time"

	"github.com/feedd/feedd/feed"
)

// JobClaimer claims the runs of scheduled jobs (source polls, the
// regenerate sweep, the purge) in a store that several feedd processes may
// share, so that across all processes a job runs once per period, and
// another process takes over when the one that ran it dies. Every Store is
// one (it was optional once: code that asserts it finds it).
type JobClaimer interface {
	// ClaimJob reports whether the caller may run job name now. It
	// succeeds, and records now as the job's last claim, only when the
	// last claim of name is older than 0.9×period (the slack absorbs
	// scheduling jitter between processes); concurrent callers never both
	// succeed. A failed claim records nothing. Now is the calling
	// process's clock (the backends' Now field), kept in milliseconds,
	// so the processes' clocks must agree to well within the slack. An
	// empty name or a period that is not positive is EINVALID.
	//
	// Claims stay until Store.Purge removes those older than its cutoff
	// (the tombstone window). That frees no job whose period is under
	// about 1.1 times the window, whose last claim is by then old enough
	// anyway; a job with a longer period may be claimed again before
	// 0.9×period once its claim has gone.
	ClaimJob(ctx context.Context, name string, period time.Duration) (bool, error)
}

// Watcher pushes notice of writes, so that caches are invalidated at once
// instead of at the next poll of the change log. Every Store is one: each
// signals its own process's commits, and PostgreSQL's those of every
// process too (LISTEN/NOTIFY).
type Watcher interface {
	// Watch returns a channel that receives an event soon after a write
	// that appended to the change log commits (events may be coalesced):
	// a write of any process where the store can tell (PostgreSQL), else
	// at least one of this process (SQLite). It receives an event with
	// Reset set after a listening connection was lost and established
	// again, when notices may have been missed. The channel is closed when
	// ctx ends (or the store is closed).
	//
	// Where it can, Watch is listening when it returns, so that every
	// write committed after that is signalled. Where it cannot (the
	// database is unreachable), it keeps trying, and its first event
	// once listening is a Reset.
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
	Post         *PostRecord
	Comment      *CommentRecord
	Fetch        *feed.Fetch
	Subscription *feed.Subscription // a WebSub lease, expired or not, secret and all
	Secret       *SecretRecord      // one of the install's secrets (Secrets)
}

// SecretRecord is a stored secret: its name, value and when it was made.
type SecretRecord struct {
	Name, Value string
	Created     time.Time
}

// Single reports whether exactly one of r's fields is set, as Load
// requires.
func (r Record) Single() bool {
	n := 0
	for _, set := range []bool{r.Post != nil, r.Comment != nil, r.Fetch != nil, r.Subscription != nil, r.Secret != nil} {
		if set {
			n++
		}
	}
	return n == 1
}

// PostRecord is a post with its deletion time (zero when live).
type PostRecord struct {
	feed.Post
	Deleted time.Time
}

// CommentRecord is a comment with its deletion time (zero when live) and
// whether its deletion shows as a tombstone. PostTitle and PostUpdated are
// filled in by Dump and ignored by Load.
//
// A husk (a purged comment kept, its author and text erased, because
// replies still name it as their parent) is a record with Deleted set,
// Tombstone false and an empty AuthorName, which no other comment has.
type CommentRecord struct {
	feed.Comment
	Deleted   time.Time
	Tombstone bool
}

// Copier copies a store whole, keeping every id, so that feed URLs and
// entry ids stay valid across a move. Every Store is one. What concerns
// the deployment rather than the blog is left behind: job claims, the
// change log, the Webmention outbox and its log position (Webmentions).
type Copier interface {
	// CountRecords returns how many records Dump will yield.
	CountRecords(ctx context.Context) (int, error)
	// Dump yields every record: posts before their comments, parents
	// before their replies, then fetch states, then WebSub subscriptions, then secrets.
	Dump(ctx context.Context, yield func(Record) error) error
	// Load stores records as Dump yields them, into an empty store, in
	// order; it writes no change log. Each call is one transaction: all
	// of recs or none is stored. Records are stored as they are, without
	// the defaults and checks of the Create methods, but for the derived
	// HTML: a post's or comment's HTML derived under this feedd's
	// content.Version (as Dump yields it) is stored as it is, any other is
	// derived (content.DerivePost, content.DeriveComment) from its
	// content. A post or comment id
	// (or fetch state key) already taken is ECONFLICT, a comment before
	// its post or parent, or a record with not exactly one field set,
	// EINVALID.
	Load(ctx context.Context, recs []Record) error
}
