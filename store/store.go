// Package store defines the persistence interface that every feedd backend
// (SQLite, PostgreSQL) satisfies. Both are one core (store/sqlstore) over
// two dialects, in sub-packages, tested by the shared suite in
// store/storetest.
package store

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"

	"github.com/feedd/feedd/feed"
)

// Store keeps posts and their threaded comments.
//
// Absence is reported as a *feed.Error with code feed.ENOTFOUND, a deleted
// (soft-deleted, not yet purged) post or comment as feed.EGONE, rule
// violations (a parent comment of another post) as feed.EINVALID.
// Implementations truncate times to whole seconds in UTC on write, so that
// what is read back is exactly what every feed format can express.
//
// Every successful write also appends to the store's change log (see
// Changes), in the same transaction, so that other processes sharing the
// store learn which feeds to invalidate.
//
// Store is made of small interfaces, one per role, so that a consumer can
// name only what it uses; every backend implements them all.
type Store interface {
	Posts
	Comments
	Purger
	Mirror
	Subscriptions
	ChangeLog
	JobClaimer
	Copier
	Deriver
	Secrets
	Webmentions
	MentionQueue

	// Close releases the store's resources.
	Close() error
}

// MentionQueue keeps the Webmentions received and waiting for
// verification (package webmention) in the store, so that a restart loses
// none and every feedd sharing the store works one queue: each waiting
// mention is verified by one process at a time. None of its methods logs
// a change: no feed shows the queue.
type MentionQueue interface {
	// QueueMention records that source says it mentions target, received
	// at the clock's time, and reports whether it is queued: false when
	// max (when positive) mentions are waiting already and this one is
	// not among them. A (source, target) waiting already keeps its place
	// and is queued once; if a process is verifying it, its claim is
	// dropped, so that it is verified again, as it may have changed.
	QueueMention(ctx context.Context, source, target string, max int) (bool, error)
	// ClaimMention claims the waiting mention received longest ago that
	// no process claimed within lease (a claim older than that is taken
	// to be of a process that died) and returns it; nil when there is
	// none. Concurrent callers never get the same claim.
	ClaimMention(ctx context.Context, lease time.Duration) (*PendingMention, error)
	// DoneMention removes a claimed mention from the queue, unless it was
	// received again since m's claim (see QueueMention).
	DoneMention(ctx context.Context, m *PendingMention) error
}

// PendingMention is a Webmention waiting for verification, as
// ClaimMention claimed it.
type PendingMention struct {
	Source, Target string
	Received       time.Time
	// Claim identifies the claim (its time in unix milliseconds).
	Claim int64
}

// Deriver keeps the HTML derived from posts' and comments' content
// (feed.Post.HTML, feed.Comment.HTML) current with this feedd's
// content.Version. Writes derive it (content.DerivePost,
// content.DeriveComment) and store it beside the source; reads return it,
// derived afresh in memory for a row of another version.
type Deriver interface {
	// DeriveHTML re-derives and stores the HTML of every post and comment
	// derived under an older content.Version (or none: rows of a database
	// older than the html column), in batches of a short write
	// transaction each, and returns how many rows it derived. A store
	// whose rows were all derived under this Version, as a past pass
	// recorded, answers at once. A feedd runs it in the background at
	// start-up; it is safe beside other writers and other passes (a row
	// edited meanwhile is left to its edit), and ctx stops it between
	// batches. It logs no change: what it stores is what reads of those
	// rows gave already.
	DeriveHTML(ctx context.Context) (int, error)
}

// Secrets keeps this install's own random secrets, by name: the key of
// the private moderation feed's URL, the key that hashes commenters'
// e-mail addresses. They live in the store so that every feedd sharing it
// uses the same ones, and feedd migrate copies them.
type Secrets interface {
	// Secret returns the secret called name (at most 64 bytes of
	// [a-z0-9_.-], EINVALID otherwise), made of 32 random bytes
	// (NewSecret) and stored the first time it is asked for; concurrent
	// first calls all get the one stored. With rotate a new one replaces
	// it and is returned. It logs no change: no feed shows it.
	Secret(ctx context.Context, name string, rotate bool) (string, error)
}

// NewSecret returns 32 random bytes in lower-case base32 without padding
// (52 characters), fit for a URL path.
func NewSecret() string {
	var b [32]byte
	rand.Read(b[:]) // never fails: crypto/rand crashes the program instead
	return strings.ToLower(idEncoding.EncodeToString(b[:]))
}

// ValidSecretName reports whether name may name a secret.
func ValidSecretName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, r := range name {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '_' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

// Posts writes and reads the site's posts.
type Posts interface {
	// CreatePost stores p. An empty ID gets a fresh random one, a zero
	// Published becomes the store's clock, a zero Updated becomes Published,
	// an empty Format becomes feed.FormatHTML. On success p holds the stored
	// values. A duplicate ID (even of a deleted post) is ECONFLICT.
	CreatePost(ctx context.Context, p *feed.Post) error
	// Post returns one post; EGONE when it was deleted.
	Post(ctx context.Context, id string) (*feed.Post, error)
	// Posts returns live posts newest first (by Published, then ID).
	Posts(ctx context.Context, f PostFilter) ([]*feed.Post, error)
	// UpdatePost applies the non-nil fields of u to a live post. It keeps
	// the ID and Published and moves Updated to the clock (at least one
	// second past the old Updated, so every edit is visible in the dates).
	// The result is validated like a new post.
	UpdatePost(ctx context.Context, id string, u PostUpdate) (*feed.Post, error)
	// DeletePost soft-deletes a live post and all its live comments at the
	// clock's time; they leave every read at once and become tombstones
	// until purged. It returns the post as it was.
	DeletePost(ctx context.Context, id string) (*feed.Post, error)
	// CountPosts returns the number of live posts f selects, ignoring its
	// Limit, Offset, Before, Ascending and OrderBy: the size of the
	// selection that pages and archives cut up (openSearch:totalResults).
	CountPosts(ctx context.Context, f PostFilter) (int, error)
}

// Comments writes and reads the comments of posts, and their moderation.
type Comments interface {
	// CreateComment stores c under its post, with the same defaults as
	// CreatePost; an empty Status becomes feed.StatusApproved, and Depth is
	// computed. The post must be live (ENOTFOUND, or EGONE when deleted)
	// and a ParentID must name an approved, live comment of the same post
	// (EINVALID otherwise).
	CreateComment(ctx context.Context, c *feed.Comment) error
	// Comment returns one comment, whatever its status, with PostTitle and
	// PostUpdated filled in; EGONE when it or its post was deleted.
	Comment(ctx context.Context, id string) (*feed.Comment, error)
	// Comments returns live comments newest first (by Published, then ID),
	// with PostTitle and PostUpdated filled in. With PostID set it returns
	// one thread and fails with ENOTFOUND (EGONE) when that post does not
	// exist (was deleted).
	Comments(ctx context.Context, f CommentFilter) ([]*feed.Comment, error)
	// UpdateComment applies the non-nil fields of u to a live comment and
	// moves Updated like UpdatePost. Setting Status to approved makes a
	// pending comment public (its Updated and, for a local comment, its
	// Published move to the clock, as it is new to readers: it joins its
	// feeds' newest pages, never a full archive);
	// setting it to spam hides it: an approved comment marked spam is
	// deleted as well, so that feeds carry its tombstone. An approved
	// comment cannot go back to pending (EINVALID).
	UpdateComment(ctx context.Context, id string, u CommentUpdate) (*feed.Comment, error)
	// DeleteComment soft-deletes a live comment at the clock's time. Its
	// replies stay. It returns the comment as it was.
	DeleteComment(ctx context.Context, id string) (*feed.Comment, error)
	// Mention returns the live mention (feed.Comment.Kind set) of a post
	// whose SourceURL is source, whatever its status: ENOTFOUND when there
	// is none. A post has at most one (CreateComment of a second is
	// ECONFLICT); a deleted one is gone from here, so that a mention sent
	// again after its removal is created afresh.
	Mention(ctx context.Context, postID, source string) (*feed.Comment, error)
	// HasApprovedAuthor reports whether a live approved comment carries
	// the author hash (feed.Comment.AuthorHash: a keyed hash of the e-mail
	// address and name its author gave), for first-time moderation. An
	// empty hash is never known.
	HasApprovedAuthor(ctx context.Context, authorHash string) (bool, error)

	// ThreadStats returns the number of live approved comments of each of
	// the given posts and the newest Updated among them; posts without such
	// comments are absent from the map.
	ThreadStats(ctx context.Context, postIDs []string) (map[string]feed.ThreadStats, error)
	// CountComments is CountPosts for comments. With PostID set it fails
	// like Comments when the post does not exist or was deleted.
	CountComments(ctx context.Context, f CommentFilter) (int, error)
}

// Purger reads what deletions leave and removes it for good.
type Purger interface {
	// Tombstones returns the deleted, not yet purged entries that the feed
	// ref showed, newest deletion first, at most limit (0: no limit): for
	// the posts feed deleted posts; for the site comments feed deleted
	// approved comments (also those deleted with their post); for a thread
	// the post's deleted approved comments.
	Tombstones(ctx context.Context, ref feed.Ref, limit int) ([]feed.Tombstone, error)
	// Purge removes for good the posts and comments deleted before cutoff
	// (and the Webmention outbox rows of those posts),
	// and change-log records and job claims (JobClaimer) older than
	// cutoff: a claim that old blocks no claim of a job whose period is
	// under about 1.1 times its age (the claim must be 0.9×period old), so
	// removing it changes nothing for such jobs. It returns what it
	// removed and the feeds whose tombstones went, and logs changes for
	// them. A deleted comment that live replies still name as their parent
	// loses its tombstone and its text, but may keep an empty row until
	// they go.
	Purge(ctx context.Context, cutoff time.Time) (PurgeResult, error)
}

// Mirror keeps the entries mirrored from upstream sources and the state of
// their polling.
type Mirror interface {
	// UpsertPost stores a mirrored post, keyed by (p.Origin.Source,
	// p.Origin.ID); p.Origin is required (EINVALID). A new one is created
	// like CreatePost (p.ID may be empty). An existing one is updated in
	// place when any of its fields (title, content, format, summary,
	// author, categories, published, Origin.URL, Origin.CommentsURL)
	// differs (a zero p.Published or p.Updated counts as equal to the
	// stored one: an upstream entry without dates keeps the time it was
	// first seen; a different non-zero Published is the upstream's and is
	// taken): its ID stays, and Updated becomes p.Updated
	// when that is later, else moves like UpdatePost. When nothing differs
	// nothing is written and changed is false. A mirrored post deleted here
	// is not brought back (changed false, no error). On return p holds the
	// stored values.
	UpsertPost(ctx context.Context, p *feed.Post) (changed bool, err error)
	// UpsertComment stores a mirrored comment of the mirrored post
	// c.PostID, keyed by (c.PostID, c.Origin.Source, c.Origin.ID), like
	// UpsertPost: upstream comment ids are often unique only within their
	// post's comment feed.
	// parentUpstreamID names the comment it replies to by its upstream id;
	// when no comment of the same post and source has that id (or it is
	// empty, or names the post) the comment is top-level. Mirrored comments
	// are approved; one deleted here is not brought back.
	UpsertComment(ctx context.Context, c *feed.Comment, parentUpstreamID string) (changed bool, err error)
	// Fetch returns the polling state of a source's feed (postID empty) or
	// of a mirrored post's comment feed; ENOTFOUND when there is none yet.
	Fetch(ctx context.Context, source, postID string) (*feed.Fetch, error)
	// SaveFetch stores the polling state f, replacing the previous one of
	// (f.Source, f.PostID). It logs no change: no feed shows it.
	SaveFetch(ctx context.Context, f *feed.Fetch) error
	// Fetches returns the polling states of one source, or of every source
	// when source is empty, ordered by source and post.
	Fetches(ctx context.Context, source string) ([]*feed.Fetch, error)
	// SourceCounts returns the live posts and approved comments stored
	// from each source.
	SourceCounts(ctx context.Context) (map[string]feed.SourceCounts, error)
}

// Subscriptions keeps the WebSub hub's subscriptions.
type Subscriptions interface {
	// SaveSubscription stores a verified WebSub subscription, replacing
	// the one of the same (Topic, Callback): a renewal keeps Created and
	// takes the new Secret and Expires. Topic and Callback are required
	// absolute http(s) URLs of at most feed.MaxURILen characters, Secret at
	// most 200 bytes (EINVALID otherwise; a URL that is not valid UTF-8
	// or holds a control character too). Times are kept in whole seconds.
	// On success s holds the stored values, the kept Created included.
	// It logs no change: no feed shows it.
	SaveSubscription(ctx context.Context, s *feed.Subscription) error
	// DeleteSubscription removes the subscription of (topic, callback);
	// ENOTFOUND when there is none.
	DeleteSubscription(ctx context.Context, topic, callback string) error
	// Subscriptions returns the subscriptions of topic (every topic when
	// topic is empty) whose lease ends after now, ordered by topic and
	// callback.
	Subscriptions(ctx context.Context, topic string, now time.Time) ([]*feed.Subscription, error)
	// ExpireSubscriptions removes the subscriptions whose lease ended at
	// or before now and returns how many it removed.
	ExpireSubscriptions(ctx context.Context, now time.Time) (int, error)
}

// ChangeLog tells other processes, and caches, of the writes.
type ChangeLog interface {
	// Changes returns change-log records with Seq > after, oldest first, at
	// most limit (0: no limit). A process polls it to invalidate feeds
	// written by other processes. LastChange returns the newest Seq (0 on
	// an empty log), where a new poller starts.
	Changes(ctx context.Context, after int64, limit int) ([]ChangeRecord, error)
	LastChange(ctx context.Context) (int64, error)
	Watcher
}

// PostFilter selects posts. A zero Limit means no limit. Before, when set,
// pages: only posts older than the cursor (by Published, then ID).
//
// The order is newest first by Published, then ID (OrderBy "" or
// feed.OrderPublished), or by Updated, then ID (feed.OrderUpdated);
// Ascending reverses it, oldest first, which archive documents are cut
// from. Offset skips that many posts of the order before Limit applies.
// The time bounds, when non-zero, are inclusive (Min) and exclusive (Max),
// as Blogger's published-min and published-max are; they are compared in
// whole seconds.
type PostFilter struct {
	Limit     int
	Before    *Cursor
	Offset    int
	Ascending bool
	OrderBy   string
	// Category selects posts with a category of exactly this name, and
	// Author posts whose AuthorName equals this case-insensitively (ASCII
	// case folding; a post without an author has the site's name in
	// feeds, but matches only Author "").
	Category string
	Author   string

	PublishedMin, PublishedMax time.Time
	UpdatedMin, UpdatedMax     time.Time

	// Place, when set, picks the window of the selection to read from its
	// size (CountPosts): Posts then reads that window, newest first, and
	// ignores Limit, Offset, Ascending and Before. The last call of Place
	// was given the size of the very snapshot the posts were read from,
	// so that every post written before the read is in the selection it
	// placed; it may be called again if the size moved. A Place error
	// ends the read.
	Place func(total int) (Window, error)
}

// Window is the part of a selection a placed read returns (PostFilter.Place):
// Limit entries after skipping Offset, counted from the newest entry, or
// from the oldest when Ascending; a Limit of 0 reads nothing. The store
// reads it from whichever end is nearer, so that the cost is the
// window's distance from an end, not the size of the selection.
type Window struct {
	Offset, Limit int
	Ascending     bool
}

// Cursor is a position in a newest-first list: the Published and ID of the
// last entry of the previous page.
type Cursor struct {
	Published time.Time
	ID        string
}

// CommentFilter selects comments. A zero Limit means no limit.
//
// Order, Offset, Ascending and the time bounds work as in PostFilter.
type CommentFilter struct {
	PostID string // only this post's thread, when set
	Limit  int
	// Statuses lists the statuses to return; nil means approved only.
	Statuses []feed.Status

	Offset    int
	Ascending bool
	OrderBy   string

	PublishedMin, PublishedMax time.Time
	UpdatedMin, UpdatedMax     time.Time

	// Place works as in PostFilter, with CountComments' size.
	Place func(total int) (Window, error)
}

// PostUpdate holds the fields of a post to change; nil leaves one alone.
type PostUpdate struct {
	Title, Content, Format, Summary, AuthorName, AuthorURI *string
	Categories                                             *[]string
}

// CommentUpdate holds the fields of a comment to change; nil leaves one
// alone.
type CommentUpdate struct {
	Content, AuthorName, AuthorURI *string
	Status                         *feed.Status
	// Kind changes a mention's kind (a like that became a reply); a
	// comment cannot become a mention nor a mention a comment (EINVALID).
	// A mention's SourceURL never changes.
	Kind *string
}

// ChangeRecord is one entry of the change log: a write and what it touched.
// Change carries only ids (Post.ID, or Comment.ID and Comment.PostID).
type ChangeRecord struct {
	Seq    int64
	At     time.Time
	Change feed.Change
}

// PurgeResult reports what Purge removed.
type PurgeResult struct {
	Posts, Comments int
	// Touched lists the feeds whose documents changed because tombstones
	// left them.
	Touched []feed.Ref
}

// idEncoding spells ids in lowercase base32 without padding: URL-safe,
// case-insensitive to read, and within feed.ValidID's alphabet.
var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewID returns a fresh opaque entry id: 80 random bits from crypto/rand as
// 16 lowercase base32 characters. Backends give it to posts and comments
// created without an ID; it always satisfies feed.ValidID.
func NewID() string {
	var b [10]byte
	rand.Read(b[:]) // never fails: crypto/rand crashes the program instead
	return strings.ToLower(idEncoding.EncodeToString(b[:]))
}

// idAlphabet is NewID's alphabet in bytewise order.
const idAlphabet = "234567abcdefghijklmnopqrstuvwxyz"

// NewIDAfter returns a fresh random id, like NewID's (16 characters of its
// alphabet), that sorts bytewise after prev: a local entry created in the
// same second as the newest one of its feed gets an id after it, so that
// it sorts after it too (entries are ordered by published, then id). prev
// is any feed.ValidID id, or "" (any id is after it). Past the 16 first
// characters of prev the result is random; a prev of NewID's shape gets
// one a random 1 to 2^40 after it as a number; only a prev starting with 16
// 'z's leaves none after it of that length, and then it returns prev and
// a random rest, longer (NewID makes such a prev with probability
// 2^-80); a prev of feed.MaxIDLen 'z's has no valid id after it, and then
// the result is NewID's.
func NewIDAfter(prev string) string {
	const n = 16
	if len(prev) == n && strings.Trim(prev, idAlphabet) == "" {
		// prev is NewID's shape: add 1 to 32^8 to it as a number in base
		// 32 (digits in idAlphabet's order), which leaves room for very
		// many after it.
		var r [5]byte
		rand.Read(r[:])
		delta := uint64(r[0])<<32 | uint64(r[1])<<24 | uint64(r[2])<<16 | uint64(r[3])<<8 | uint64(r[4])
		delta++ // 1 to 2^40
		b := []byte(prev)
		for i := n - 1; i >= 0 && delta > 0; i-- {
			d := uint64(strings.IndexByte(idAlphabet, b[i])) + delta
			b[i], delta = idAlphabet[d%32], d/32
		}
		if delta == 0 {
			return string(b)
		}
		// Past the greatest id of the shape: prev and more, below.
	}
	id := NewID()
	if id > prev {
		return id
	}
	b := []byte(id)
	for i := 0; i < n && i < len(prev); i++ {
		// Keep prev[:i], put at i a character after prev[i], the rest
		// random: the smallest such i leaves the most randomness.
		k := strings.IndexFunc(idAlphabet, func(r rune) bool { return r > rune(prev[i]) })
		if k < 0 {
			continue
		}
		copy(b, prev[:i])
		var r [1]byte
		rand.Read(r[:])
		b[i] = idAlphabet[k+int(r[0])%(len(idAlphabet)-k)]
		return string(b)
	}
	if len(prev) < n {
		// prev is a prefix of b's shape: prev and a random rest.
		return prev + id[len(prev):]
	}
	if len(prev) < feed.MaxIDLen {
		return prev + id[:min(n, feed.MaxIDLen-len(prev))]
	}
	return id // prev is 64 'z's: nothing valid sorts after it
}
