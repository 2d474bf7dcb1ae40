package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
	"github.com/feedd/feedd/store"
)

// The lookups by upstream key, run for every entry of every poll. Each
// repeats the condition of its partial unique index (a non-empty
// origin_source) literally: the planners use a partial index only for a
// query that implies its WHERE clause, which a bound parameter cannot
// (the engines' query plan tests check). Locks are added where the
// dialect has them.
const (
	postByOrigin = `SELECT id FROM posts
		WHERE origin_source = ? AND origin_id = ? AND origin_source <> ''`
	commentByOrigin = `SELECT id FROM comments
		WHERE post_id = ? AND origin_source = ? AND origin_id = ? AND origin_source <> ''`
	parentByOrigin = `SELECT id, depth FROM comments
		WHERE post_id = ? AND origin_source = ? AND origin_id = ? AND origin_source <> ''`
	// commentAndParentByOrigin selects in one statement, and so from one
	// snapshot, a comment by post ?1, source ?2 and upstream id ?3
	// (commentColumns), whether its post was deleted, the post's origin,
	// and the id of the comment of that post and source with upstream id
	// ?4 ('' for none): all that UpsertComment's first look needs.
	commentAndParentByOrigin = `SELECT ` + commentColumns + `, p.deleted_at IS NOT NULL,
		p.origin_source, p.origin_id, COALESCE((SELECT pc.id FROM comments pc
			WHERE pc.post_id = ?1 AND pc.origin_source = ?2 AND pc.origin_id = ?4 AND pc.origin_source <> ''), '')
		FROM comments c JOIN posts p ON p.id = c.post_id
		WHERE c.post_id = ?1 AND c.origin_source = ?2 AND c.origin_id = ?3 AND c.origin_source <> ''`
)

// postByOriginQuery selects a post by source and upstream id, without a
// lock.
func (db *DB) postByOriginQuery() string {
	return `SELECT ` + db.postCols + ` FROM posts p
		WHERE p.origin_source = ? AND p.origin_id = ? AND p.origin_source <> ''`
}

// Queries returns the lookups by upstream key as d spells them, by name:
// for the tests of query plans.
func Queries(d *Dialect) map[string]string {
	db := New(nil, d)
	return map[string]string{
		"postByOriginLock":              db.q(postByOrigin + db.lock("FOR NO KEY UPDATE")),
		"commentByOriginLock":           db.q(commentByOrigin + db.lock("FOR NO KEY UPDATE")),
		"parentByOriginQuery":           db.q(parentByOrigin + db.lock("FOR KEY SHARE")),
		"postByOriginQuery":             db.q(db.postByOriginQuery()),
		"commentAndParentByOriginQuery": db.q(commentAndParentByOrigin),
		"changesQuery":                  db.q(ChangesQuery),
	}
}

// lockPostByOrigin locks the post mirrored from upstream entry id of
// source, deleted or not, FOR NO KEY UPDATE until tx ends where the
// dialect locks rows, and reads it (in a second statement, as UpdatePost
// does); sql.ErrNoRows when there is none. Two pollers upserting one entry
// take turns here, so that the second compares against what the first
// stored.
func (db *DB) lockPostByOrigin(ctx context.Context, tx *Tx, source, id string) (*feed.Post, bool, error) {
	var postID string
	if err := tx.row(ctx, postByOrigin+db.lock("FOR NO KEY UPDATE"), source, id).Scan(&postID); err != nil {
		return nil, false, err
	}
	return scanPost(tx.row(ctx, `SELECT `+db.postCols+` FROM posts p WHERE p.id = ?`, postID))
}

// UpsertPost stores a mirrored post, keyed by its origin: it creates it,
// updates it when upstream changed it, or leaves it alone. A re-poll
// mostly finds the post unchanged, so a plain read looks first
// (unchangedPost); only a post that is new or changed opens a transaction
// (SQLite: takes the write lock; PostgreSQL: locks the row), which decides
// afresh from what it reads under the lock.
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
	// New or changed: its HTML is derived here, outside the transaction
	// and its locks (validation leaves content and format as they are).
	content.DerivePost(&in)

	var stored *feed.Post
	err = db.Write(ctx, func(tx *Tx) error {
		// Each attempt starts from the caller's post (see Write).
		q := in
		stored, changed = nil, false
		old, deleted, err := db.lockPostByOrigin(ctx, tx, o.Source, o.ID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if err := store.CheckNewID(&q.ID); err != nil {
				return err
			}
			q.Published, q.Updated = store.DefaultTimes(db.now(), q.Published, q.Updated)
			if err := store.ValidatePost(&q); err != nil {
				return err
			}
			if err := db.insertPost(ctx, tx, &q); db.is(err, Duplicate, "posts_origin_idx") {
				// Another poller created it since the lock found nothing:
				// the insert waited for its commit. The next attempt finds
				// its post, and updates it if need be.
				return Raced{err}
			} else if err != nil {
				return db.postConflict(err, &q)
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
		const update = `UPDATE posts SET title = ?, content = ?, format = ?, summary = ?, author_name = ?,
			author_uri = ?, published = ?, updated = ?, origin_url = ?, origin_comments_url = ?,
			html = ?, html_version = ? WHERE id = ?`
		tx.queue(update, q.Title, q.Content, q.Format, q.Summary, q.AuthorName, q.AuthorURI,
			q.Published.Unix(), q.Updated.Unix(), o.URL, o.CommentsURL, q.HTML, q.HTMLVersion, q.ID)
		if !slices.Equal(old.Categories, q.Categories) {
			db.replaceCategories(tx, q.ID, q.Categories)
		}
		if err := tx.change(ctx, now, q.ID, ""); err != nil {
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
	err := db.Read(ctx, func(r Querier) (err error) {
		old, deleted, err = scanPost(r.QueryRowContext(ctx, db.q(db.postByOriginQuery()), q.Origin.Source, q.Origin.ID))
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

// UpsertComment stores a mirrored comment of post c.PostID like
// UpsertPost.
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
	content.DeriveComment(&in) // as in UpsertPost

	var stored *feed.Comment
	err = db.Write(ctx, func(tx *Tx) error {
		q := in
		stored, changed = nil, false
		// The post is locked FOR SHARE, as CreateComment does, so that it
		// cannot be deleted under the new comment.
		postOrigin, err := db.postOfComment(ctx, tx, &q)
		if err != nil {
			return err
		}
		var old *feed.Comment
		var deleted bool
		var id string
		err = tx.row(ctx, commentByOrigin+db.lock("FOR NO KEY UPDATE"), q.PostID, o.Source, o.ID).Scan(&id)
		if err == nil {
			old, deleted, err = scanComment(tx.row(ctx, commentByID, id))
		}
		switch {
		case errors.Is(err, sql.ErrNoRows):
			old = nil
		case err != nil:
			return fmt.Errorf("select comment: %w", err)
		case deleted:
			// The post is live, so the comment itself was deleted here.
			stored = old
			return nil
		}
		if q.ParentID, q.Depth, err = db.resolveParent(ctx, tx, q.PostID, postOrigin, o.Source, parentUpstreamID, old); err != nil {
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
			if err := db.insertComment(ctx, tx, &q); db.is(err, Duplicate, "comments_origin_idx") {
				return Raced{err} // as in UpsertPost
			} else if err != nil {
				return db.commentConflict(err, &q)
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
		const update = `UPDATE comments SET content = ?, author_name = ?, author_uri = ?,
			published = ?, updated = ?, parent_id = ?, depth = ?, origin_url = ?, html = ?, html_version = ?,
			kind = ?, source_url = ? WHERE id = ?`
		tx.queue(update, q.Content, q.AuthorName, q.AuthorURI,
			q.Published.Unix(), q.Updated.Unix(), nullable(q.ParentID), q.Depth, o.URL, q.HTML, q.HTMLVersion,
			q.Kind, q.SourceURL, q.ID)
		if q.Depth != old.Depth {
			// A new parent moves the whole subtree: replies that arrived
			// while the comment waited for its parent go down with it.
			tx.queue(redepth, q.ID, q.Depth, q.PostID)
		}
		if err := tx.change(ctx, now, q.PostID, q.ID); err != nil {
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
	err := db.Read(ctx, func(r Querier) (err error) {
		row := r.QueryRowContext(ctx, db.q(commentAndParentByOrigin), q.PostID, q.Origin.Source, q.Origin.ID, parentUpstreamID)
		old, deleted, err = scanComment(extra{row, []any{&postDeleted, &postOrigin.Source, &postOrigin.ID, &parentID}})
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

// redepth sets the depth of every reply below comment ?1, now at depth
// ?2, of post ?3. Threads hold no cycles (resolveParent refuses them), so
// the walk ends.
const redepth = `WITH RECURSIVE sub (id, depth) AS (
		SELECT id, CAST(?2 AS INTEGER) + 1 FROM comments WHERE post_id = ?3 AND parent_id = ?1
		UNION ALL
		SELECT c.id, sub.depth + 1 FROM comments c JOIN sub ON c.post_id = ?3 AND c.parent_id = sub.id
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
// The parent is locked FOR KEY SHARE where the dialect locks rows, as the
// foreign key of the insert would lock it: a Purge removing it meanwhile
// either goes first (and the parent is not found) or waits.
//
// A parent that is the comment itself or one of its replies, which only
// malformed upstream data can give, would close a cycle: it is ignored,
// and the comment keeps its parent.
func (db *DB) resolveParent(ctx context.Context, tx *Tx, postID string, postOrigin *feed.Origin, source, upstreamID string, old *feed.Comment) (string, int, error) {
	if store.TopLevel(postOrigin, upstreamID) {
		return "", 0, nil
	}
	var (
		id    string
		depth int
	)
	err := tx.row(ctx, parentByOrigin+db.lock("FOR KEY SHARE"), postID, source, upstreamID).Scan(&id, &depth)
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
	// The walk starts from the parent's row, for the type and collation
	// of its id.
	const ancestors = `WITH RECURSIVE up (id) AS (
			SELECT id FROM comments WHERE id = ?1
			UNION
			SELECT c.parent_id FROM comments c JOIN up ON c.id = up.id WHERE c.parent_id IS NOT NULL
		)
		SELECT EXISTS (SELECT 1 FROM up WHERE id = ?2)`
	var cycle bool
	if err := tx.row(ctx, ancestors, id, old.ID).Scan(&cycle); err != nil {
		return "", 0, fmt.Errorf("select ancestors of %q: %w", id, err)
	}
	if cycle {
		return old.ParentID, old.Depth, nil
	}
	return id, depth + 1, nil
}

// SourceCounts counts the live posts and approved comments of each
// source; native entries, with an empty origin_source, are not counted.
func (db *DB) SourceCounts(ctx context.Context) (map[string]feed.SourceCounts, error) {
	// The comments of a deleted post were deleted with it, so comments
	// need no join to tell they are live.
	const query = `SELECT origin_source, COUNT(*), 0 FROM posts
			WHERE origin_source <> '' AND deleted_at IS NULL GROUP BY origin_source
		UNION ALL
		SELECT origin_source, 0, COUNT(*) FROM comments
			WHERE origin_source <> '' AND deleted_at IS NULL AND status = 'approved' GROUP BY origin_source`
	counts := make(map[string]feed.SourceCounts)
	err := db.Read(ctx, func(q Querier) error {
		clear(counts)
		return db.each(ctx, q, query, nil, func(rows *sql.Rows) error {
			var (
				source          string
				posts, comments int
			)
			err := rows.Scan(&source, &posts, &comments)
			n := counts[source]
			n.Posts += posts
			n.Comments += comments
			counts[source] = n
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("count sources: %w", err)
	}
	return counts, nil
}

// fetchColumns selects a row of fetches, in scanFetch's order.
const fetchColumns = `source, post_id, url, etag, last_modified, last_poll, last_success, next_poll,
	last_status, last_error, failures, disabled`

// scanFetch reads a row of fetchColumns.
func scanFetch(row scanner) (*feed.Fetch, error) {
	var (
		f                               feed.Fetch
		lastPoll, lastSuccess, nextPoll int64
	)
	err := row.Scan(&f.Source, &f.PostID, &f.URL, &f.ETag, &f.LastModified, &lastPoll, &lastSuccess, &nextPoll,
		&f.LastStatus, &f.LastError, &f.Failures, &f.Disabled)
	if err != nil {
		return nil, err
	}
	f.LastPoll, f.LastSuccess, f.NextPoll = fromUnixOrZero(lastPoll), fromUnixOrZero(lastSuccess), fromUnixOrZero(nextPoll)
	return &f, nil
}

// fetchArgs are the values of fetchColumns for f: times in whole seconds,
// the zero time (never) as 0.
func fetchArgs(f *feed.Fetch) []any {
	unix := func(t time.Time) int64 {
		if t.IsZero() {
			return 0
		}
		return t.Unix()
	}
	return []any{f.Source, f.PostID, f.URL, f.ETag, f.LastModified, unix(f.LastPoll), unix(f.LastSuccess),
		unix(f.NextPoll), f.LastStatus, f.LastError, f.Failures, f.Disabled}
}

// fromUnixOrZero reads what fetchArgs stored: 0 is the zero time.
func fromUnixOrZero(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return fromUnix(sec)
}

// Fetch returns the polling state of a source's feed (postID empty) or of
// a mirrored post's comment feed.
func (db *DB) Fetch(ctx context.Context, source, postID string) (*feed.Fetch, error) {
	const query = `SELECT ` + fetchColumns + ` FROM fetches WHERE source = ? AND post_id = ?`
	var f *feed.Fetch
	err := db.Read(ctx, func(q Querier) (err error) {
		f, err = scanFetch(q.QueryRowContext(ctx, db.q(query), source, postID))
		return err
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if postID != "" {
			return nil, feed.Errorf(feed.ENOTFOUND, "no fetch state of source %q post %q", source, postID)
		}
		return nil, feed.Errorf(feed.ENOTFOUND, "no fetch state of source %q", source)
	case err != nil:
		return nil, fmt.Errorf("select fetch of source %q post %q: %w", source, postID, err)
	}
	return f, nil
}

// insertFetch inserts the values of fetchColumns.
const insertFetch = `INSERT INTO fetches (` + fetchColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// SaveFetch stores f, replacing the state of (f.Source, f.PostID). Times
// are kept in whole seconds, the zero time as never. It logs no change.
func (db *DB) SaveFetch(ctx context.Context, f *feed.Fetch) error {
	if f == nil || f.Source == "" {
		return feed.Errorf(feed.EINVALID, "source: required")
	}
	// One statement, which inserts or replaces atomically, also against a
	// concurrent SaveFetch of the same feed.
	const upsert = insertFetch + `
		ON CONFLICT (source, post_id) DO UPDATE SET url = excluded.url, etag = excluded.etag,
			last_modified = excluded.last_modified, last_poll = excluded.last_poll,
			last_success = excluded.last_success, next_poll = excluded.next_poll,
			last_status = excluded.last_status, last_error = excluded.last_error,
			failures = excluded.failures, disabled = excluded.disabled`
	err := db.Write(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, upsert, fetchArgs(f)...)
		return err
	})
	if err != nil {
		return fmt.Errorf("save fetch of source %q post %q: %w", f.Source, f.PostID, err)
	}
	return nil
}

// Fetches returns the polling states of one source, or of all, by source
// and then post ("" first: the source's own feed).
func (db *DB) Fetches(ctx context.Context, source string) ([]*feed.Fetch, error) {
	query, args := `SELECT `+fetchColumns+` FROM fetches`, []any{}
	if source != "" {
		query, args = query+` WHERE source = ?`, append(args, source)
	}
	fetches, err := list(ctx, db, query+` ORDER BY source, post_id`, args, scanFetch)
	if err != nil {
		return nil, fmt.Errorf("select fetches: %w", err)
	}
	return fetches, nil
}
