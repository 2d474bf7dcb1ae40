package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// The lookups by upstream key, run for every entry of every poll. Each
// repeats the condition of its partial unique index (a non-empty
// origin_source) literally: SQLite uses a partial index only for a query
// that implies its WHERE clause, which a bound parameter cannot.
const (
	// postByOriginQuery selects a post by source and upstream id.
	postByOriginQuery = `SELECT ` + postColumns + ` FROM posts p
		WHERE p.origin_source = ? AND p.origin_id = ? AND p.origin_source <> ''`
	// commentByOriginQuery selects a comment by post, source and
	// upstream id.
	commentByOriginQuery = `SELECT ` + commentColumns + ` FROM comments c JOIN posts p ON p.id = c.post_id
		WHERE c.post_id = ? AND c.origin_source = ? AND c.origin_id = ? AND c.origin_source <> ''`
	// parentByOriginQuery selects the id and depth of a comment by post,
	// source and upstream id.
	parentByOriginQuery = `SELECT id, depth FROM comments
		WHERE post_id = ? AND origin_source = ? AND origin_id = ? AND origin_source <> ''`
	// commentAndParentByOriginQuery selects, in one statement and so from
	// one snapshot, a comment by post ?1, source ?2 and upstream id ?3
	// (commentColumns), whether its post was deleted, the post's origin,
	// and the id of the comment of that post and source with upstream id
	// ?4 ('' for none): all that UpsertComment's first look needs.
	commentAndParentByOriginQuery = `SELECT ` + commentColumns + `, p.deleted_at IS NOT NULL,
		p.origin_source, p.origin_id, COALESCE((SELECT pc.id FROM comments pc
			WHERE pc.post_id = ?1 AND pc.origin_source = ?2 AND pc.origin_id = ?4 AND pc.origin_source <> ''), '')
		FROM comments c JOIN posts p ON p.id = c.post_id
		WHERE c.post_id = ?1 AND c.origin_source = ?2 AND c.origin_id = ?3 AND c.origin_source <> ''`
)

// postByOrigin reads the post mirrored from upstream entry id of source,
// deleted or not; sql.ErrNoRows when there is none.
func postByOrigin(ctx context.Context, db queryer, source, id string) (*feed.Post, bool, error) {
	return scanPost(db.QueryRowContext(ctx, postByOriginQuery, source, id))
}

// commentByOrigin reads the comment of post postID mirrored from upstream
// comment id of source, deleted or not; sql.ErrNoRows when there is none.
func commentByOrigin(ctx context.Context, db queryer, postID, source, id string) (*feed.Comment, bool, error) {
	return scanComment(db.QueryRowContext(ctx, commentByOriginQuery, postID, source, id))
}

// UpsertPost stores a mirrored post, keyed by its origin, in one
// transaction: it creates it, updates it when upstream changed it, or
// leaves it alone. See store.Store.
//
// A re-poll mostly finds the post unchanged, so a plain read looks first
// (see unchangedPost), and only a post that is new or changed takes the
// write lock, which every other writer of the database waits for. The
// transaction decides afresh from what it reads under the lock.
func (db *DB) UpsertPost(ctx context.Context, p *feed.Post) (changed bool, err error) {
	// Work on a copy so that a failed write leaves p as the caller gave it.
	q := *p
	if q.Origin, err = store.MirrorOrigin(p.Origin); err != nil {
		return false, err
	}
	o := q.Origin
	if old, ok := db.unchangedPost(ctx, q); ok {
		*p = *old
		return false, nil
	}

	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("upsert post %q of source %q: begin: %w", o.ID, o.Source, err)
	}
	defer tx.Rollback()

	old, deleted, err := postByOrigin(ctx, tx, o.Source, o.ID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if err := store.CheckNewID(&q.ID); err != nil {
			return false, err
		}
		q.Published, q.Updated = store.DefaultTimes(db.now(), q.Published, q.Updated)
		if err := store.ValidatePost(&q); err != nil {
			return false, err
		}
		if err := db.insertPost(ctx, tx, &q); err != nil {
			return false, err
		}
		if err := tx.Commit(); err != nil {
			return false, fmt.Errorf("upsert post %q of source %q: commit: %w", o.ID, o.Source, err)
		}
		*p = q
		return true, nil
	case err != nil:
		return false, fmt.Errorf("upsert post %q of source %q: %w", o.ID, o.Source, err)
	case deleted:
		// Deleted here, by someone who did not want it shown: a re-poll
		// must not undo that.
		*p = *old
		return false, nil
	}

	now := db.now()
	same, err := store.MirrorPost(now, old, &q)
	if err != nil {
		return false, err
	}
	if same {
		// The usual case on a re-poll: nothing is written or logged, so
		// no feed is invalidated. Updated alone moving upstream is no
		// change: nothing a feed shows differs.
		*p = *old
		return false, nil
	}

	const update = `UPDATE posts SET title = ?, content = ?, format = ?, summary = ?, author_name = ?,
		author_uri = ?, published = ?, updated = ?, origin_url = ?, origin_comments_url = ? WHERE id = ?`
	if _, err := tx.ExecContext(ctx, update, q.Title, q.Content, q.Format, q.Summary, q.AuthorName,
		q.AuthorURI, q.Published.Unix(), q.Updated.Unix(), o.URL, o.CommentsURL, q.ID); err != nil {
		return false, fmt.Errorf("upsert post %q: %w", q.ID, err)
	}
	if !slices.Equal(old.Categories, q.Categories) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM post_categories WHERE post_id = ?`, q.ID); err != nil {
			return false, fmt.Errorf("upsert post %q: delete categories: %w", q.ID, err)
		}
		if err := insertCategories(ctx, tx, q.ID, q.Categories); err != nil {
			return false, err
		}
	}
	if err := logChange(ctx, tx, now, q.ID, ""); err != nil {
		return false, fmt.Errorf("upsert post %q: %w", q.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("upsert post %q: commit: %w", q.ID, err)
	}
	*p = q
	return true, nil
}

// unchangedPost reads, outside any transaction, the post stored for q
// (a copy of UpsertPost's argument, its origin checked), and returns it
// when UpsertPost would leave it as it is: it is deleted here, or upstream
// did not change it. ok is false when it would not, or could not tell (no
// such post, a failed read, an invalid q): the write transaction then
// decides, and reports what it finds.
func (db *DB) unchangedPost(ctx context.Context, q feed.Post) (old *feed.Post, ok bool) {
	old, deleted, err := postByOrigin(ctx, db.db, q.Origin.Source, q.Origin.ID)
	switch {
	case err != nil:
		return nil, false
	case deleted:
		return old, true
	}
	same, err := store.MirrorPost(db.now(), old, &q)
	return old, err == nil && same
}

// UpsertComment stores a mirrored comment of post c.PostID, keyed by the
// post and its origin, in one transaction: it creates it, updates it when
// upstream changed it, or leaves it alone. See store.Store.
func (db *DB) UpsertComment(ctx context.Context, c *feed.Comment, parentUpstreamID string) (changed bool, err error) {
	// Work on a copy so that a failed write leaves c as the caller gave it.
	q := *c
	if q.Origin, err = store.MirrorOrigin(c.Origin); err != nil {
		return false, err
	}
	o := q.Origin
	o.CommentsURL = "" // a post's field: not stored for comments
	if q.PostID == "" {
		return false, feed.Errorf(feed.EINVALID, "post_id: required")
	}
	// A plain read first, as in UpsertPost.
	if old, ok := db.unchangedComment(ctx, q, parentUpstreamID); ok {
		*c = *old
		return false, nil
	}

	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("upsert comment %q of source %q: begin: %w", o.ID, o.Source, err)
	}
	defer tx.Rollback()

	post, err := livePost(ctx, tx, q.PostID)
	if err != nil {
		return false, err
	}
	q.PostTitle, q.PostUpdated = post.Title, post.Updated
	old, deleted, err := commentByOrigin(ctx, tx, q.PostID, o.Source, o.ID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		old = nil
	case err != nil:
		return false, fmt.Errorf("upsert comment %q of source %q: %w", o.ID, o.Source, err)
	case deleted:
		// The post is live, so the comment itself was deleted here.
		*c = *old
		return false, nil
	}
	if q.ParentID, q.Depth, err = resolveParent(ctx, tx, post, o.Source, parentUpstreamID, old); err != nil {
		return false, fmt.Errorf("upsert comment %q of source %q: %w", o.ID, o.Source, err)
	}

	if old == nil {
		if err := store.CheckNewID(&q.ID); err != nil {
			return false, err
		}
		q.Status = feed.StatusApproved
		q.Published, q.Updated = store.DefaultTimes(db.now(), q.Published, q.Updated)
		if err := q.Validate(); err != nil {
			return false, err
		}
		if err := db.insertComment(ctx, tx, &q); err != nil {
			return false, err
		}
		if err := tx.Commit(); err != nil {
			return false, fmt.Errorf("upsert comment %q: commit: %w", q.ID, err)
		}
		*c = q
		return true, nil
	}

	now := db.now()
	same, err := store.MirrorComment(now, old, &q)
	if err != nil {
		return false, err
	}
	if same {
		*c = *old
		return false, nil
	}

	const update = `UPDATE comments SET content = ?, author_name = ?, author_uri = ?, author_key = ?,
		published = ?, updated = ?, parent_id = ?, depth = ?, origin_url = ? WHERE id = ?`
	if _, err := tx.ExecContext(ctx, update, q.Content, q.AuthorName, q.AuthorURI,
		authorKey(q.AuthorName, q.AuthorURI), q.Published.Unix(), q.Updated.Unix(),
		nullable(q.ParentID), q.Depth, o.URL, q.ID); err != nil {
		return false, fmt.Errorf("upsert comment %q: %w", q.ID, err)
	}
	if q.Depth != old.Depth {
		// A new parent moves the whole subtree: replies that arrived
		// while the comment waited for its parent go down with it.
		if _, err := tx.ExecContext(ctx, redepth, q.ID, q.Depth, q.PostID); err != nil {
			return false, fmt.Errorf("upsert comment %q: depth of replies: %w", q.ID, err)
		}
	}
	if err := logChange(ctx, tx, now, q.PostID, q.ID); err != nil {
		return false, fmt.Errorf("upsert comment %q: %w", q.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("upsert comment %q: commit: %w", q.ID, err)
	}
	*c = q
	return true, nil
}

// unchangedComment is unchangedPost for UpsertComment: it reads the
// comment stored for q (a copy of UpsertComment's argument, its origin
// checked and its PostID set) and returns it when UpsertComment would
// leave it as it is: the post is live and the comment deleted here, or
// upstream did not change it and parentUpstreamID resolves to its parent.
// One statement reads all that, so that it is one snapshot. A new parent
// (or a cycle resolveParent would refuse), a deleted post, or anything
// else is left to the write transaction.
func (db *DB) unchangedComment(ctx context.Context, q feed.Comment, parentUpstreamID string) (old *feed.Comment, ok bool) {
	var (
		postDeleted bool
		postOrigin  feed.Origin
		parentID    string
	)
	old, deleted, err := scanComment(extraScan{db.db.QueryRowContext(ctx, commentAndParentByOriginQuery,
		q.PostID, q.Origin.Source, q.Origin.ID, parentUpstreamID), []any{&postDeleted, &postOrigin.Source, &postOrigin.ID, &parentID}})
	switch {
	case err != nil || postDeleted:
		// A deleted post is EGONE, which the transaction reports.
		return nil, false
	case deleted:
		return old, true
	}
	var po *feed.Origin
	if postOrigin.Source != "" {
		po = &postOrigin
	}
	if !store.SameParent(old, po, parentUpstreamID, parentID) {
		return nil, false
	}
	q.ParentID, q.Depth = old.ParentID, old.Depth
	same, err := store.MirrorComment(db.now(), old, &q)
	return old, err == nil && same
}

// extraScan scans a row of the columns row's reader expects followed by
// more, into extra.
type extraScan struct {
	row   scanner
	extra []any
}

func (s extraScan) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra...)...) }

// redepth sets the depth of every reply below comment ?1, now at depth
// ?2, of post ?3. Threads hold no cycles (resolveParent refuses them), so
// the walk ends.
const redepth = `WITH RECURSIVE sub (id, depth) AS (
		SELECT id, ?2 + 1 FROM comments WHERE post_id = ?3 AND parent_id = ?1
		UNION ALL
		SELECT c.id, sub.depth + 1 FROM comments c JOIN sub ON c.post_id = ?3 AND c.parent_id = sub.id
	)
	UPDATE comments SET depth = sub.depth FROM sub WHERE comments.id = sub.id`

// resolveParent finds the parent of a mirrored comment of post, old as
// stored (nil for a new one), that upstream says replies to upstreamID:
// the comment of the same post and source with that upstream id, even one
// deleted here (its other replies keep it too). With none, or when
// upstreamID is empty or names the post, the comment is top-level. It
// returns the parent's id ("" for none) and the comment's depth.
//
// A parent that is the comment itself or one of its replies, which only
// malformed upstream data can give, would close a cycle: it is ignored,
// and the comment keeps its parent.
func resolveParent(ctx context.Context, tx *sql.Tx, post *feed.Post, source, upstreamID string, old *feed.Comment) (string, int, error) {
	if store.TopLevel(post.Origin, upstreamID) {
		return "", 0, nil
	}
	var (
		id    string
		depth int
	)
	err := tx.QueryRowContext(ctx, parentByOriginQuery, post.ID, source, upstreamID).Scan(&id, &depth)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// Not here (yet): a later upsert, once the parent arrived, moves
		// the comment under it.
		return "", 0, nil
	case err != nil:
		return "", 0, fmt.Errorf("select parent %q: %w", upstreamID, err)
	case old == nil || id == old.ParentID:
		return id, depth + 1, nil
	}
	// Walk up from the parent: reaching the comment would close a cycle.
	const ancestors = `WITH RECURSIVE up (id) AS (
			SELECT ?1
			UNION
			SELECT c.parent_id FROM comments c JOIN up ON c.id = up.id WHERE c.parent_id IS NOT NULL
		)
		SELECT EXISTS (SELECT 1 FROM up WHERE id = ?2)`
	var cycle bool
	if err := tx.QueryRowContext(ctx, ancestors, id, old.ID).Scan(&cycle); err != nil {
		return "", 0, fmt.Errorf("select ancestors of %q: %w", id, err)
	}
	if cycle {
		return old.ParentID, old.Depth, nil
	}
	return id, depth + 1, nil
}

// SourceCounts returns the live posts and live approved comments stored
// from each source. Native entries, with an empty origin_source, are not
// counted.
func (db *DB) SourceCounts(ctx context.Context) (map[string]feed.SourceCounts, error) {
	// The comments of a deleted post were deleted with it, so comments
	// need no join to tell they are live.
	const query = `SELECT origin_source, COUNT(*), 0 FROM posts
			WHERE origin_source <> '' AND deleted_at IS NULL GROUP BY origin_source
		UNION ALL
		SELECT origin_source, 0, COUNT(*) FROM comments
			WHERE origin_source <> '' AND deleted_at IS NULL AND status = 'approved' GROUP BY origin_source`
	rows, err := db.db.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("count sources: %w", err)
	}
	defer rows.Close()
	counts := make(map[string]feed.SourceCounts)
	for rows.Next() {
		var (
			source          string
			posts, comments int
		)
		if err := rows.Scan(&source, &posts, &comments); err != nil {
			return nil, fmt.Errorf("count sources: %w", err)
		}
		n := counts[source]
		n.Posts += posts
		n.Comments += comments
		counts[source] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count sources: %w", err)
	}
	return counts, nil
}
