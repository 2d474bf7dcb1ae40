package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// The lookups by upstream key, run for every entry of every poll. Each
// repeats the condition of its partial unique index (a non-empty
// origin_source) literally: the planner uses a partial index only for a
// query that implies its WHERE clause, which a bound parameter cannot
// (TestSources_QueryPlans checks).
const (
	// postByOriginLock locks a post by source and upstream id.
	postByOriginLock = `SELECT id FROM posts
		WHERE origin_source = $1 AND origin_id = $2 AND origin_source <> '' FOR NO KEY UPDATE`
	// commentByOriginLock locks a comment by post, source and upstream id.
	commentByOriginLock = `SELECT id FROM comments
		WHERE post_id = $1 AND origin_source = $2 AND origin_id = $3 AND origin_source <> '' FOR NO KEY UPDATE`
	// parentByOriginQuery selects the id and depth of a comment by post,
	// source and upstream id, and locks it FOR KEY SHARE (see
	// resolveParent).
	parentByOriginQuery = `SELECT id, depth FROM comments
		WHERE post_id = $1 AND origin_source = $2 AND origin_id = $3 AND origin_source <> '' FOR KEY SHARE`
	// postByOriginQuery selects a post by source and upstream id, without
	// a lock.
	postByOriginQuery = `SELECT ` + postColumns + ` FROM posts p
		WHERE p.origin_source = $1 AND p.origin_id = $2 AND p.origin_source <> ''`
	// commentAndParentByOriginQuery selects without a lock, in one
	// statement and so from one snapshot, a comment by post $1, source $2
	// and upstream id $3 (commentColumns), whether its post was deleted,
	// the post's origin, and the id of the comment of that post and source
	// with upstream id $4 ('' for none): all that UpsertComment's first
	// look needs.
	commentAndParentByOriginQuery = `SELECT ` + commentColumns + `, p.deleted_at IS NOT NULL,
		p.origin_source, p.origin_id, COALESCE((SELECT pc.id FROM comments pc
			WHERE pc.post_id = $1 AND pc.origin_source = $2 AND pc.origin_id = $4 AND pc.origin_source <> ''), '')
		FROM comments c JOIN posts p ON p.id = c.post_id
		WHERE c.post_id = $1 AND c.origin_source = $2 AND c.origin_id = $3 AND c.origin_source <> ''`
)

// lockPostByOrigin locks the post mirrored from upstream entry id of
// source, deleted or not, FOR NO KEY UPDATE until tx ends, and reads it
// (in a second statement, as lockPost does); pgx.ErrNoRows when there is
// none. Two pollers upserting one entry take turns here, so that the
// second compares against what the first stored.
func lockPostByOrigin(ctx context.Context, tx pgx.Tx, source, id string) (*feed.Post, bool, error) {
	var postID string
	if err := tx.QueryRow(ctx, postByOriginLock, source, id).Scan(&postID); err != nil {
		return nil, false, err
	}
	return scanPost(tx.QueryRow(ctx, `SELECT `+postColumns+` FROM posts p WHERE p.id = $1`, postID))
}

// lockCommentByOrigin locks the comment of post postID mirrored from
// upstream comment id of source, deleted or not, and reads it, like
// lockPostByOrigin; pgx.ErrNoRows when there is none.
func lockCommentByOrigin(ctx context.Context, tx pgx.Tx, postID, source, id string) (*feed.Comment, bool, error) {
	var commentID string
	if err := tx.QueryRow(ctx, commentByOriginLock, postID, source, id).Scan(&commentID); err != nil {
		return nil, false, err
	}
	const query = `SELECT ` + commentColumns + ` FROM comments c JOIN posts p ON p.id = c.post_id WHERE c.id = $1`
	return scanComment(tx.QueryRow(ctx, query, commentID))
}

// UpsertPost stores a mirrored post, keyed by its origin, in one
// transaction: it creates it, updates it when upstream changed it, or
// leaves it alone. See store.Store.
//
// A re-poll mostly finds the post unchanged, so a plain read looks first
// (see unchangedPost), and only a post that is new or changed opens a
// transaction and locks the row. The transaction decides afresh from what
// it reads under the lock.
func (db *DB) UpsertPost(ctx context.Context, p *feed.Post) (changed bool, err error) {
	in := *p
	if in.Origin, err = store.MirrorOrigin(p.Origin); err != nil {
		return false, err
	}
	o := in.Origin
	if old, ok := db.unchangedPost(ctx, in); ok {
		*p = *old
		return false, nil
	}

	var stored *feed.Post
	err = db.write(ctx, func(tx pgx.Tx) error {
		// Each attempt starts from the caller's post (see db.write).
		q := in
		stored, changed = nil, false
		old, deleted, err := lockPostByOrigin(ctx, tx, o.Source, o.ID)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			if err := store.CheckNewID(&q.ID); err != nil {
				return err
			}
			q.Published, q.Updated = store.DefaultTimes(db.now(), q.Published, q.Updated)
			if err := store.ValidatePost(&q); err != nil {
				return err
			}
			b := &pgx.Batch{}
			queueInsertPost(b, &q)
			queueChange(b, db.now(), q.ID, "")
			if err := tx.SendBatch(ctx, b).Close(); isDuplicateOf(err, "posts_origin_idx") {
				// Another poller created it since the lock found nothing:
				// the insert waited for its commit. The next attempt finds
				// its post, and updates it if need be.
				return raced{err}
			} else if err != nil {
				return postConflict(err, &q)
			}
			stored, changed = &q, true
			return nil
		case err != nil:
			return fmt.Errorf("select post: %w", err)
		case deleted:
			// Deleted here, by someone who did not want it shown: a re-poll
			// must not undo that.
			stored = old
			return nil
		}

		now := db.now()
		same, err := store.MirrorPost(now, old, &q)
		if err != nil {
			return err
		}
		if same {
			// The usual case on a re-poll: nothing is written or logged, so
			// no feed is invalidated. Updated alone moving upstream is no
			// change: nothing a feed shows differs.
			stored = old
			return nil
		}
		const update = `UPDATE posts SET title = $1, content = $2, format = $3, summary = $4, author_name = $5,
			author_uri = $6, published = $7, updated = $8, origin_url = $9, origin_comments_url = $10 WHERE id = $11`
		b := &pgx.Batch{}
		b.Queue(update, q.Title, q.Content, q.Format, q.Summary, q.AuthorName, q.AuthorURI,
			q.Published.Unix(), q.Updated.Unix(), o.URL, o.CommentsURL, q.ID)
		if !slices.Equal(old.Categories, q.Categories) {
			b.Queue(`DELETE FROM post_categories WHERE post_id = $1`, q.ID)
			queueCategories(b, q.ID, q.Categories)
		}
		queueChange(b, now, q.ID, "")
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		stored, changed = &q, true
		return nil
	})
	if err != nil {
		return false, errorf(err, "upsert post %q of source %q: %w", o.ID, o.Source, err)
	}
	*p = *stored
	return changed, nil
}

// unchangedPost reads, outside any transaction, the post stored for q
// (a copy of UpsertPost's argument, its origin checked), and returns it
// when UpsertPost would leave it as it is: it is deleted here, or upstream
// did not change it. ok is false when it would not, or could not tell (no
// such post, a failed read, an invalid q): the write transaction then
// decides, and reports what it finds.
func (db *DB) unchangedPost(ctx context.Context, q feed.Post) (old *feed.Post, ok bool) {
	var deleted bool
	err := db.read(ctx, func(r querier) (err error) {
		old, deleted, err = scanPost(r.QueryRow(ctx, postByOriginQuery, q.Origin.Source, q.Origin.ID))
		return err
	})
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
	in := *c
	if in.Origin, err = store.MirrorOrigin(c.Origin); err != nil {
		return false, err
	}
	o := in.Origin
	o.CommentsURL = "" // a post's field: not stored for comments
	if in.PostID == "" {
		return false, feed.Errorf(feed.EINVALID, "post_id: required")
	}
	// A plain read first, as in UpsertPost.
	if old, ok := db.unchangedComment(ctx, in, parentUpstreamID); ok {
		*c = *old
		return false, nil
	}

	var stored *feed.Comment
	err = db.write(ctx, func(tx pgx.Tx) error {
		q := in
		stored, changed = nil, false
		// The post is locked FOR SHARE, as CreateComment does, so that it
		// cannot be deleted under the new comment.
		postOrigin, err := postOfComment(ctx, tx, &q)
		if err != nil {
			return err
		}
		old, deleted, err := lockCommentByOrigin(ctx, tx, q.PostID, o.Source, o.ID)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			old = nil
		case err != nil:
			return fmt.Errorf("select comment: %w", err)
		case deleted:
			// The post is live, so the comment itself was deleted here.
			stored = old
			return nil
		}
		if q.ParentID, q.Depth, err = resolveParent(ctx, tx, q.PostID, postOrigin, o.Source, parentUpstreamID, old); err != nil {
			return err
		}

		if old == nil {
			if err := store.CheckNewID(&q.ID); err != nil {
				return err
			}
			q.Status = feed.StatusApproved
			q.Published, q.Updated = store.DefaultTimes(db.now(), q.Published, q.Updated)
			if err := q.Validate(); err != nil {
				return err
			}
			b := &pgx.Batch{}
			queueInsertComment(b, &q)
			queueChange(b, db.now(), q.PostID, q.ID)
			if err := tx.SendBatch(ctx, b).Close(); isDuplicateOf(err, "comments_origin_idx") {
				return raced{err} // as in UpsertPost
			} else if err != nil {
				return commentConflict(err, &q)
			}
			stored, changed = &q, true
			return nil
		}

		now := db.now()
		same, err := store.MirrorComment(now, old, &q)
		if err != nil {
			return err
		}
		if same {
			stored = old
			return nil
		}
		const update = `UPDATE comments SET content = $1, author_name = $2, author_uri = $3, author_key = $4,
			published = $5, updated = $6, parent_id = $7, depth = $8, origin_url = $9 WHERE id = $10`
		b := &pgx.Batch{}
		b.Queue(update, q.Content, q.AuthorName, q.AuthorURI, authorKey(q.AuthorName, q.AuthorURI),
			q.Published.Unix(), q.Updated.Unix(), nullable(q.ParentID), q.Depth, o.URL, q.ID)
		if q.Depth != old.Depth {
			// A new parent moves the whole subtree: replies that arrived
			// while the comment waited for its parent go down with it.
			b.Queue(redepth, q.ID, q.Depth, q.PostID)
		}
		queueChange(b, now, q.PostID, q.ID)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		stored, changed = &q, true
		return nil
	})
	if err != nil {
		return false, errorf(err, "upsert comment %q of source %q: %w", o.ID, o.Source, err)
	}
	*c = *stored
	return changed, nil
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
		deleted, postDeleted bool
		postOrigin           feed.Origin
		parentID             string
	)
	err := db.read(ctx, func(r querier) (err error) {
		row := r.QueryRow(ctx, commentAndParentByOriginQuery, q.PostID, q.Origin.Source, q.Origin.ID, parentUpstreamID)
		old, deleted, err = scanComment(extraScan{row, []any{&postDeleted, &postOrigin.Source, &postOrigin.ID, &parentID}})
		return err
	})
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
	row   pgx.Row
	extra []any
}

func (s extraScan) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra...)...) }

// redepth sets the depth of every reply below comment $1, now at depth
// $2, of post $3. Threads hold no cycles (resolveParent refuses them), so
// the walk ends.
const redepth = `WITH RECURSIVE sub (id, depth) AS (
		SELECT id, $2::integer + 1 FROM comments WHERE post_id = $3 AND parent_id = $1
		UNION ALL
		SELECT c.id, sub.depth + 1 FROM comments c JOIN sub ON c.post_id = $3 AND c.parent_id = sub.id
	)
	UPDATE comments SET depth = sub.depth FROM sub WHERE comments.id = sub.id`

// resolveParent finds the parent of a mirrored comment of post postID
// (mirrored from postOrigin, nil for a native post), old as stored (nil
// for a new one), that upstream says replies to upstreamID: the comment of
// the same post and source with that upstream id, even one deleted here
// (its other replies keep it too). With none, or when upstreamID is empty
// or names the post, the comment is top-level. It returns the parent's id
// ("" for none) and the comment's depth.
//
// The parent is locked FOR KEY SHARE, as the foreign key of the insert
// would lock it: a Purge removing it meanwhile either goes first (and the
// parent is not found) or waits.
//
// A parent that is the comment itself or one of its replies, which only
// malformed upstream data can give, would close a cycle: it is ignored,
// and the comment keeps its parent.
func resolveParent(ctx context.Context, tx pgx.Tx, postID string, postOrigin *feed.Origin, source, upstreamID string, old *feed.Comment) (string, int, error) {
	if store.TopLevel(postOrigin, upstreamID) {
		return "", 0, nil
	}
	var (
		id    string
		depth int
	)
	err := tx.QueryRow(ctx, parentByOriginQuery, postID, source, upstreamID).Scan(&id, &depth)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
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
			SELECT $1::text COLLATE "C"
			UNION
			SELECT c.parent_id FROM comments c JOIN up ON c.id = up.id WHERE c.parent_id IS NOT NULL
		)
		SELECT EXISTS (SELECT 1 FROM up WHERE id = $2)`
	var cycle bool
	if err := tx.QueryRow(ctx, ancestors, id, old.ID).Scan(&cycle); err != nil {
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
	counts := make(map[string]feed.SourceCounts)
	err := db.read(ctx, func(q querier) error {
		clear(counts)
		rows, err := q.Query(ctx, query)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				source          string
				posts, comments int
			)
			if err := rows.Scan(&source, &posts, &comments); err != nil {
				return err
			}
			n := counts[source]
			n.Posts += posts
			n.Comments += comments
			counts[source] = n
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("count sources: %w", err)
	}
	return counts, nil
}
