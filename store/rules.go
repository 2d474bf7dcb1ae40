package store

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/feedd/feedd/feed"
)

// The rules below are the same for every backend: how writes default,
// merge and compare entries. Backends call them so that SQLite and
// PostgreSQL cannot drift apart.

// Edited returns the Updated time of an edit made now to an entry last
// updated at old: the clock, but at least a second past old, so that every
// edit shows in the dates even within one second or under a clock behind
// the stored times.
func Edited(now, old time.Time) time.Time {
	if next := old.Add(time.Second); now.Before(next) {
		return next
	}
	return now
}

// ValidatePost applies the format default and checks p as a new post.
func ValidatePost(p *feed.Post) error {
	if p.Format == "" {
		p.Format = feed.FormatHTML
	}
	if p.Format != feed.FormatHTML && p.Format != feed.FormatMarkdown {
		return feed.Errorf(feed.EINVALID, "format: must be %q or %q", feed.FormatHTML, feed.FormatMarkdown)
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if len(p.Categories) == 0 {
		p.Categories = nil // as reads return it
	}
	return nil
}

// MergeField copies *from to *to when from is set: how updates merge.
func MergeField[T any](to *T, from *T) {
	if from != nil {
		*to = *from
	}
}

// MirrorOrigin copies the origin of an entry given to UpsertPost or
// UpsertComment, which requires one, and checks it.
func MirrorOrigin(o *feed.Origin) (*feed.Origin, error) {
	if o == nil {
		return nil, feed.Errorf(feed.EINVALID, "origin: required for a mirrored entry")
	}
	c := *o
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// MirrorTimes returns the Published and Updated of a mirrored entry
// stored with oldPublished and oldUpdated, that upstream now gives as
// published and updated, should it have changed. A zero published keeps
// the stored one: an upstream entry without a date was dated when first
// seen. Updated is upstream's when later than the stored one, else moves
// like an edit, and never precedes Published.
func MirrorTimes(now, oldPublished, oldUpdated, published, updated time.Time) (time.Time, time.Time) {
	if published.IsZero() {
		published = oldPublished
	}
	published = published.UTC().Truncate(time.Second)
	if updated = updated.UTC().Truncate(time.Second); !updated.After(oldUpdated) {
		updated = Edited(now, oldUpdated)
	}
	if updated.Before(published) {
		updated = published
	}
	return published, updated
}

// SamePost reports whether a mirrored post as stored (old) and as upstream
// now gives it (q, validated) show the same in every feed. Updated is left
// out: it is the outcome of a change, not one.
func SamePost(old, q *feed.Post) bool {
	return old.Title == q.Title && old.Content == q.Content && old.Format == q.Format &&
		old.Summary == q.Summary && old.AuthorName == q.AuthorName && old.AuthorURI == q.AuthorURI &&
		slices.Equal(old.Categories, q.Categories) && old.Published.Equal(q.Published) &&
		old.Origin.URL == q.Origin.URL && old.Origin.CommentsURL == q.Origin.CommentsURL
}

// SameComment reports whether a mirrored comment as stored (old) and as
// upstream now gives it (q, validated, its parent resolved) show the same
// in every feed. Updated is left out, as in samePost.
func SameComment(old, q *feed.Comment) bool {
	return old.Content == q.Content && old.AuthorName == q.AuthorName && old.AuthorURI == q.AuthorURI &&
		old.Published.Equal(q.Published) && old.ParentID == q.ParentID && old.Origin.URL == q.Origin.URL &&
		old.Kind == q.Kind && old.SourceURL == q.SourceURL
}

// MirrorPost readies q, a mirrored post as upstream now gives it (its
// origin checked), to replace old, the same entry as stored and not
// deleted: q takes old's ID and the times MirrorTimes gives at now, and is
// validated. same reports whether nothing a feed shows differs (SamePost):
// then nothing is to be written. Both the read-only first look of
// UpsertPost and its write transaction decide with it.
func MirrorPost(now time.Time, old, q *feed.Post) (same bool, err error) {
	q.ID = old.ID
	q.Published, q.Updated = MirrorTimes(now, old.Published, old.Updated, q.Published, q.Updated)
	if err := ValidatePost(q); err != nil {
		return false, err
	}
	return SamePost(old, q), nil
}

// MirrorComment is MirrorPost for a mirrored comment q whose parent is
// resolved (q.ParentID, q.Depth). q also keeps old's Status: a live
// mirrored comment is approved unless CreateComment stored it otherwise;
// moderation decided that, and a re-poll leaves it.
func MirrorComment(now time.Time, old, q *feed.Comment) (same bool, err error) {
	q.ID, q.Status = old.ID, old.Status
	q.Published, q.Updated = MirrorTimes(now, old.Published, old.Updated, q.Published, q.Updated)
	if err := q.Validate(); err != nil {
		return false, err
	}
	return SameComment(old, q), nil
}

// TopLevel reports whether a mirrored comment of a post mirrored from
// postOrigin (nil for a native post), which upstream says replies to
// upstreamID, is top-level whatever else is stored: upstreamID is empty
// or names the post itself. Otherwise its parent is the comment of the
// same post and source with that upstream id, if any.
func TopLevel(postOrigin *feed.Origin, upstreamID string) bool {
	return upstreamID == "" || (postOrigin != nil && upstreamID == postOrigin.ID)
}

// SameParent reports whether a mirrored comment stored as old, of a post
// mirrored from postOrigin, which upstream says replies to upstreamID,
// keeps its parent, found being the id of the comment of the same post
// and source with that upstream id ("" for none). A comment that names
// itself keeps its parent, as the write refuses the cycle; one whose new
// parent is another comment is left to the write, which looks for cycles.
func SameParent(old *feed.Comment, postOrigin *feed.Origin, upstreamID, found string) bool {
	switch {
	case TopLevel(postOrigin, upstreamID):
		return old.ParentID == ""
	case found == old.ID:
		return true
	}
	return found == old.ParentID
}

// Migration is one numbered schema change of a backend: the file name
// (e.g. "0001_init.sql") gives its number. Backends number their files in
// step, so that every store has the same schema history.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// CheckNewID gives an entry without an ID a fresh one and rejects an ID the
// feeds could not carry.
func CheckNewID(id *string) error {
	if *id == "" {
		*id = NewID()
		return nil
	}
	if !feed.ValidID(*id) {
		return feed.Errorf(feed.EINVALID, "id: not a valid id")
	}
	return nil
}

// DefaultTimes applies the store's defaults to a new entry's times: a zero
// published is now, a zero updated is published. Both come back in UTC,
// truncated to whole seconds, as they are stored.
func DefaultTimes(now, published, updated time.Time) (time.Time, time.Time) {
	if published.IsZero() {
		published = now
	}
	published = published.UTC().Truncate(time.Second)
	if updated.IsZero() {
		return published, published
	}
	return published, updated.UTC().Truncate(time.Second)
}

// ParseMigrations orders the migration files at paths by number and reads
// them with read. Numbers must run 1, 2, 3... with no gap or repeat, so
// that two branches adding the same number clash here, not in production.
func ParseMigrations(paths []string, read func(path string) (string, error)) ([]Migration, error) {
	var ms []Migration
	for _, p := range paths {
		name := p[strings.LastIndexByte(p, '/')+1:]
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || len(num) != 4 || err != nil || v < 1 {
			return nil, fmt.Errorf("migration %q: name must be NNNN_name.sql", name)
		}
		text, err := read(p)
		if err != nil {
			return nil, fmt.Errorf("read migration %q: %w", name, err)
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: text})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %q: want number %04d, migrations must be numbered without gaps or repeats", m.Name, i+1)
		}
	}
	return ms, nil
}

// CheckStatus rejects a status that is none of feed's.
func CheckStatus(s feed.Status) error {
	switch s {
	case feed.StatusApproved, feed.StatusPending, feed.StatusSpam:
		return nil
	}
	return feed.Errorf(feed.EINVALID, "status: must be %q, %q or %q", feed.StatusApproved, feed.StatusPending, feed.StatusSpam)
}

// CheckOffset rejects a negative Offset of a PostFilter or CommentFilter.
func CheckOffset(n int) error {
	if n < 0 {
		return feed.Errorf(feed.EINVALID, "offset: must not be negative")
	}
	return nil
}

// OrderColumn returns the time column that a filter's OrderBy sorts by,
// before the id: "published" for "" and feed.OrderPublished, "updated"
// for feed.OrderUpdated. Any other order is EINVALID. Backends splice the
// name into their SQL; it is one of these two constants, never the input.
func OrderColumn(orderBy string) (string, error) {
	switch orderBy {
	case "", feed.OrderPublished:
		return "published", nil
	case feed.OrderUpdated:
		return "updated", nil
	}
	return "", feed.Errorf(feed.EINVALID, "orderby: must be %q or %q", feed.OrderPublished, feed.OrderUpdated)
}

// TimeBound is one time bound of a filter as backends compare it: the
// time column Column ("published" or "updated") is Op (">=" or "<") Unix,
// in unix seconds.
type TimeBound struct {
	Column, Op string
	Unix       int64
}

// TimeBounds lists the set (non-zero) time bounds of a filter: each Min
// inclusive, each Max exclusive, compared in whole seconds, as times are
// stored. A bound within a second stands for the start of that second, so
// that an entry of that second is inside a Min and outside a Max of it.
func TimeBounds(publishedMin, publishedMax, updatedMin, updatedMax time.Time) []TimeBound {
	var bs []TimeBound
	for _, b := range []struct {
		column, op string
		t          time.Time
	}{
		{"published", ">=", publishedMin}, {"published", "<", publishedMax},
		{"updated", ">=", updatedMin}, {"updated", "<", updatedMax},
	} {
		if !b.t.IsZero() {
			// Unix floors, also before 1970: the start of the second.
			bs = append(bs, TimeBound{Column: b.column, Op: b.op, Unix: b.t.Unix()})
		}
	}
	return bs
}

// PageOrder checks the offset and order of a post or comment filter and
// returns the column the order sorts by: what every backend's list query
// needs before it builds its ORDER BY ... OFFSET.
func PageOrder(offset int, orderBy string) (column string, err error) {
	if err := CheckOffset(offset); err != nil {
		return "", err
	}
	return OrderColumn(orderBy)
}
