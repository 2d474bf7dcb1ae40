// Package store defines the persistence interface that every feedd backend
// (SQLite, PostgreSQL) satisfies. Implementations live in sub-packages and
// are tested by the shared suite in store/storetest.
package store

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"strings"

	"github.com/feedd/feedd/feed"
)

// Store keeps posts and their threaded comments.
//
// Absence is reported as a *feed.Error with code feed.ENOTFOUND, rule
// violations (a parent comment of another post) as feed.EINVALID.
// Implementations truncate times to whole seconds in UTC on write, so that
// what is read back is exactly what every feed format can express.
type Store interface {
	// CreatePost stores p. An empty ID gets a fresh random one, a zero
	// Published becomes the store's clock, a zero Updated becomes Published.
	// On success p holds the stored values. A duplicate ID is ECONFLICT.
	CreatePost(ctx context.Context, p *feed.Post) error
	// Post returns one post.
	Post(ctx context.Context, id string) (*feed.Post, error)
	// Posts returns posts newest first (by Published, then ID).
	Posts(ctx context.Context, f PostFilter) ([]*feed.Post, error)

	// CreateComment stores c under its post, with the same defaults as
	// CreatePost. The post must exist (ENOTFOUND) and a ParentID must name
	// a comment of the same post (EINVALID).
	CreateComment(ctx context.Context, c *feed.Comment) error
	// Comment returns one comment, with PostTitle filled in.
	Comment(ctx context.Context, id string) (*feed.Comment, error)
	// Comments returns comments newest first (by Published, then ID), with
	// PostTitle filled in. With PostID set it returns one thread and fails
	// with ENOTFOUND when that post does not exist.
	Comments(ctx context.Context, f CommentFilter) ([]*feed.Comment, error)
	// ThreadStats returns the number of comments of each of the given posts
	// and the newest Updated among them; posts without comments are absent
	// from the map.
	ThreadStats(ctx context.Context, postIDs []string) (map[string]feed.ThreadStats, error)

	// Close releases the store's resources.
	Close() error
}

// PostFilter selects posts. A zero Limit means no limit.
type PostFilter struct {
	Limit int
}

// CommentFilter selects comments. A zero Limit means no limit.
type CommentFilter struct {
	PostID string // only this post's thread, when set
	Limit  int
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
