package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
	"github.com/feedd/feedd/store"
)

// CreateComment stores c under its post, applying the defaults of
// store.Store; an Origin is stored too (UpsertComment is the usual way in).
func (db *DB) CreateComment(ctx context.Context, c *feed.Comment) error {
	// Work on a copy so that a failed write leaves c as the caller gave it.
	q := *c
	// A local comment: the store places it after every comment of its
	// status (placeNew).
	local, updatedDefault := q.ID == "" && q.Published.IsZero(), q.Updated.IsZero()
	if err := store.CheckNewID(&q.ID); err != nil {
		return err
	}
	if q.PostID == "" {
		return feed.Errorf(feed.EINVALID, "post_id: required")
	}
	if q.Status == "" {
		q.Status = feed.StatusApproved
	}
	if err := store.CheckStatus(q.Status); err != nil {
		return err
	}
	if q.Origin != nil {
		o := *q.Origin
		if err := o.Validate(); err != nil {
			return err
		}
		o.CommentsURL = "" // a post's field: not stored for comments
		q.Origin = &o
	}
	q.Published, q.Updated = store.DefaultTimes(db.now(), q.Published, q.Updated)
	if err := q.Validate(); err != nil {
		return err
	}
	content.DeriveComment(&q)

	err := db.Write(ctx, func(tx *Tx) error {
		// The checks run in the write transaction, and lock the post and
		// the parent (FOR SHARE) until the commit where the dialect has
		// row locks, so neither can be deleted, nor the parent marked
		// spam, between the check and the insert: those writes lock the
		// same rows FOR NO KEY UPDATE, which conflicts. Concurrent
		// comments on one post or parent share the locks.
		if _, err := db.postOfComment(ctx, tx, &q); err != nil {
			return err
		}
		q.Depth = 0
		if q.ParentID != "" {
			var (
				parentPost string
				status     feed.Status
				deleted    bool
				depth      int
			)
			query := `SELECT post_id, status, deleted_at IS NOT NULL, depth FROM comments WHERE id = ?` + db.lock("FOR SHARE")
			err := tx.row(ctx, query, q.ParentID).Scan(&parentPost, &status, &deleted, &depth)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				return feed.Errorf(feed.EINVALID, "parent_id: comment %q not found", q.ParentID)
			case err != nil:
				return fmt.Errorf("select parent %q: %w", q.ParentID, err)
			case parentPost != q.PostID:
				return feed.Errorf(feed.EINVALID, "parent_id: comment %q belongs to another post", q.ParentID)
			case deleted:
				return feed.Errorf(feed.EINVALID, "parent_id: comment %q was deleted", q.ParentID)
			case status != feed.StatusApproved:
				return feed.Errorf(feed.EINVALID, "parent_id: comment %q is not approved", q.ParentID)
			}
			q.Depth = depth + 1
		}
		if local {
			err := db.placeNew(ctx, tx, newestComment, []any{string(q.Status)}, &q.ID, &q.Published, &q.Updated, updatedDefault)
			if err != nil {
				return err
			}
		}
		return db.commentConflict(db.insertComment(ctx, tx, &q), &q)
	})
	if err != nil {
		return errorf(err, "insert comment %q: %w", q.ID, err)
	}
	*c = q
	return nil
}

// insertComment stores q, validated, its HTML derived and with its ID,
// times, parent and depth set, and logs the change, in tx.
func (db *DB) insertComment(ctx context.Context, tx *Tx, q *feed.Comment) error {
	db.insertCommentRow(tx, q, time.Time{}, 0, q.AuthorHash)
	return tx.change(ctx, db.now(), q.PostID, q.ID)
}

// insertCommentRow queues the insert of c as it is, its derived HTML
// included, deleted at deleted (zero: live), with its tombstone state and
// author hash.
func (db *DB) insertCommentRow(tx *Tx, c *feed.Comment, deleted time.Time, tombstone int, hash string) {
	tx.queueRows(insertComment, [][]any{commentRow(c, deleted, tombstone, hash)})
}

// insertComment inserts a row of commentRow's values.
const insertComment = `INSERT INTO comments (id, post_id, parent_id, author_name, author_uri,
	content, status, depth, published, updated, deleted_at, tombstone, origin_source, origin_id, origin_url,
	html, html_version, author_hash, kind, source_url)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// commentRow returns the values insertComment stores for c, deleted at
// deleted (zero: live), with its tombstone state and author hash
// (feed.Comment.AuthorHash, or ” for a husk).
func commentRow(c *feed.Comment, deleted time.Time, tombstone int, hash string) []any {
	var o feed.Origin // all '' for a native comment
	if c.Origin != nil {
		o = *c.Origin
	}
	return []any{c.ID, c.PostID, nullable(c.ParentID), c.AuthorName, c.AuthorURI,
		c.Content, string(c.Status), c.Depth, c.Published.Unix(), c.Updated.Unix(), nullUnix(deleted), tombstone,
		o.Source, o.ID, o.URL, c.HTML, c.HTMLVersion, hash, c.Kind, c.SourceURL}
}

// commentConflict turns the unique violation of an insert of comment q
// into ECONFLICT, naming the key that was taken, and passes other errors
// on.
func (db *DB) commentConflict(err error, q *feed.Comment) error {
	switch {
	case db.is(err, Duplicate, "comments_mention_idx"):
		return feed.Errorf(feed.ECONFLICT, "post %q already has a mention from %q", q.PostID, q.SourceURL)
	case db.is(err, Duplicate, "comments_origin_idx"):
		return feed.Errorf(feed.ECONFLICT, "comment %q of source %q already exists on post %q",
			q.Origin.ID, q.Origin.Source, q.PostID)
	case db.is(err, Duplicate, ""):
		return feed.Errorf(feed.ECONFLICT, "comment %q already exists", q.ID)
	}
	return err
}

// nullable stores an empty parent id as NULL: a comment on the post itself.
func nullable(id string) any {
	if id == "" {
		return nil
	}
	return id
}

// postOfComment reads the post of a new comment c, locking it FOR SHARE
// where the dialect locks rows, and fills in c.PostTitle and
// c.PostUpdated: ENOTFOUND when there is no such post, EGONE when it was
// deleted. It returns the post's origin, nil for a native post. The
// columns read are the locked row's own, so under READ COMMITTED they are
// as committed by any writer it waited for.
func (db *DB) postOfComment(ctx context.Context, tx *Tx, c *feed.Comment) (*feed.Origin, error) {
	var (
		updated int64
		deleted bool
		o       feed.Origin
	)
	query := `SELECT title, updated, deleted_at IS NOT NULL, origin_source, origin_id
		FROM posts WHERE id = ?` + db.lock("FOR SHARE")
	err := tx.row(ctx, query, c.PostID).Scan(&c.PostTitle, &updated, &deleted, &o.Source, &o.ID)
	if _, err := live(0, deleted, err, "post", c.PostID); err != nil {
		return nil, err
	}
	if c.PostUpdated = fromUnix(updated); o.Source == "" {
		return nil, nil
	}
	return &o, nil
}

// commentColumns selects a comment from comments c joined with its post p,
// its origin and derived HTML, then whether either was deleted.
const commentColumns = `c.id, c.post_id, COALESCE(c.parent_id, ''), c.author_name, c.author_uri, c.content,
	c.status, c.depth, c.published, c.updated, p.title, p.updated,
	c.origin_source, c.origin_id, c.origin_url, c.html, c.html_version, c.kind, c.source_url,
	c.deleted_at IS NOT NULL OR p.deleted_at IS NOT NULL`

// commentByID selects a comment by id.
const commentByID = `SELECT ` + commentColumns + ` FROM comments c JOIN posts p ON p.id = c.post_id WHERE c.id = ?`

// scanComment reads a row of commentColumns. deleted tells whether the
// comment or its post was deleted. HTML of another content.Version is
// derived afresh, as in scanPost.
func scanComment(row scanner) (c *feed.Comment, deleted bool, err error) {
	var (
		q                               feed.Comment
		status                          string
		published, updated, postUpdated int64
		o                               feed.Origin
	)
	err = row.Scan(&q.ID, &q.PostID, &q.ParentID, &q.AuthorName, &q.AuthorURI, &q.Content,
		&status, &q.Depth, &published, &updated, &q.PostTitle, &postUpdated,
		&o.Source, &o.ID, &o.URL, &q.HTML, &q.HTMLVersion, &q.Kind, &q.SourceURL, &deleted)
	if err != nil {
		return nil, false, err
	}
	if q.HTMLVersion != content.Version {
		content.DeriveComment(&q)
	}
	q.Status = feed.Status(status)
	q.Published, q.Updated, q.PostUpdated = fromUnix(published), fromUnix(updated), fromUnix(postUpdated)
	if o.Source != "" {
		q.Origin = &o
	}
	return &q, deleted, nil
}

// liveComment reads a comment of any status through a connection or a
// transaction: ENOTFOUND when there is none, EGONE when it or its post was
// deleted.
func (db *DB) liveComment(ctx context.Context, q Querier, id string) (*feed.Comment, error) {
	c, deleted, err := scanComment(db.on(q).QueryRowContext(ctx, db.q(commentByID), id))
	return live(c, deleted, err, "comment", id)
}

// Comment returns the comment with the given id, whatever its status.
func (db *DB) Comment(ctx context.Context, id string) (*feed.Comment, error) {
	var c *feed.Comment
	err := db.Read(ctx, func(q Querier) (err error) {
		c, err = db.liveComment(ctx, q, id)
		return err
	})
	return c, err
}

// Comments returns the live comments f selects, in f's order.
func (db *DB) Comments(ctx context.Context, f store.CommentFilter) ([]*feed.Comment, error) {
	if f.Place != nil {
		where, args, err := commentsWhere(f)
		if err != nil {
			return nil, err
		}
		s := selection{columns: commentColumns, a: "c", where: where, args: args, orderBy: f.OrderBy, total: commentsTotal(f)}
		var empty func(q Querier) error
		if f.PostID != "" {
			// As below: tell an empty thread from no post, or a deleted one.
			empty = func(q Querier) error {
				_, err := db.livePost(ctx, q, f.PostID)
				return err
			}
		}
		comments, err := placed(ctx, db, s, f.Place, empty, func(row scanner) (*feed.Comment, error) {
			c, _, err := scanComment(row)
			return c, err
		})
		if err != nil {
			return nil, errorf(err, "select comments: %w", err)
		}
		return comments, nil
	}
	query, args, err := db.commentsQuery(f)
	if err != nil {
		return nil, err
	}
	var comments []*feed.Comment
	err = db.Read(ctx, func(q Querier) error {
		comments = nil
		err := db.each(ctx, q, query, args, func(rows *sql.Rows) error {
			c, _, err := scanComment(rows)
			comments = append(comments, c)
			return err
		})
		if err != nil {
			return fmt.Errorf("select comments: %w", err)
		}
		if len(comments) == 0 && f.PostID != "" {
			// An empty thread: tell a post without comments from no post,
			// or a deleted one. A post with live comments is itself live,
			// as deleting a post deletes its comments in the same
			// transaction.
			_, err := db.livePost(ctx, q, f.PostID)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return comments, nil
}

// commentsQuery returns the query of Comments(f) and its arguments.
func (db *DB) commentsQuery(f store.CommentFilter) (string, []any, error) {
	where, args, err := commentsWhere(f)
	if err != nil {
		return "", nil, err
	}
	return db.paged(commentColumns, "c", where, args, f.Limit, f.Offset, f.OrderBy, f.Ascending)
}

// commentsWhere returns the FROM and WHERE clauses, over comments c joined
// with their posts p, that select the live comments f selects, and their
// arguments: every field but the order and the paging ones (Limit,
// Offset), which commentsQuery adds and CountComments leaves out. A status
// that is none of feed's is EINVALID.
func commentsWhere(f store.CommentFilter) (string, []any, error) {
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = []feed.Status{feed.StatusApproved}
	}
	// Optional conditions append to where and args. "deleted_at IS NULL"
	// is a literal, which the planner matches to the partial indexes on
	// it. With one status (the feeds' case), "c.status = ?" lets the
	// indexes by (post_id,) status, time and id give the rows in the
	// order asked, and the scan stop at the LIMIT.
	where, args := `FROM comments c JOIN posts p ON p.id = c.post_id
		WHERE c.deleted_at IS NULL AND p.deleted_at IS NULL AND c.status `, []any{}
	if len(statuses) == 1 {
		where += `= ?`
	} else {
		where += `IN (?` + strings.Repeat(`, ?`, len(statuses)-1) + `)`
	}
	for _, s := range statuses {
		if err := store.CheckStatus(s); err != nil {
			return "", nil, err
		}
		args = append(args, string(s))
	}
	if f.PostID != "" {
		where, args = where+` AND c.post_id = ?`, append(args, f.PostID)
	}
	for _, b := range store.TimeBounds(f.PublishedMin, f.PublishedMax, f.UpdatedMin, f.UpdatedMax) {
		where, args = where+` AND c.`+b.Column+` `+b.Op+` ?`, append(args, b.Unix)
	}
	return where, args, nil
}

// CountComments counts the live comments f selects; with f.PostID set it
// fails like Comments when that post does not exist or was deleted.
func (db *DB) CountComments(ctx context.Context, f store.CommentFilter) (int, error) {
	where, args, err := commentsWhere(f)
	if err != nil {
		return 0, err
	}
	var n int
	err = db.Read(ctx, func(q Querier) error {
		if n, err = db.count(ctx, q, commentsTotal(f), where, args); err != nil {
			return fmt.Errorf("count comments: %w", err)
		}
		if n == 0 && f.PostID != "" {
			// As in Comments: a post with live comments is itself live.
			_, err := db.livePost(ctx, q, f.PostID)
			return err
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// deleteComments soft-deletes comments, given the time as ?1 and then a
// WHERE clause: a comment public until now (approved) leaves a tombstone.
// The SET list reads the row as it was, so a statement that also changes
// the status (marking spam) still sees the old one.
const deleteComments = `UPDATE comments SET deleted_at = ?1,
	tombstone = CASE WHEN status = 'approved' THEN 1 ELSE 0 END`

// UpdateComment applies the set fields of u to a live comment.
func (db *DB) UpdateComment(ctx context.Context, id string, u store.CommentUpdate) (*feed.Comment, error) {
	var c feed.Comment
	err := db.Write(ctx, func(tx *Tx) error {
		if err := db.lockRow(ctx, tx, "comments", "comment", id); err != nil {
			return err
		}
		old, err := db.liveComment(ctx, tx, id)
		if err != nil {
			return err
		}
		c = *old
		store.MergeField(&c.Content, u.Content)
		store.MergeField(&c.AuthorName, u.AuthorName)
		store.MergeField(&c.AuthorURI, u.AuthorURI)
		store.MergeField(&c.Status, u.Status)
		if u.Kind != nil && (c.Kind == "") != (*u.Kind == "") {
			return feed.Errorf(feed.EINVALID, "kind: a comment cannot become a mention, nor a mention a comment")
		}
		store.MergeField(&c.Kind, u.Kind)
		if err := store.CheckStatus(c.Status); err != nil {
			return err
		}
		if c.Status == feed.StatusPending && old.Status == feed.StatusApproved {
			// Feeds may have carried it; taking it back to the queue would
			// need a tombstone for a comment that is not deleted.
			return feed.Errorf(feed.EINVALID, "status: an approved comment cannot go back to pending; mark it spam or delete it")
		}
		now := db.now()
		c.Updated = store.Edited(now, old.Updated)
		if c.Status == feed.StatusApproved && old.Status == feed.StatusPending && c.Origin == nil && c.Kind == "" {
			// New to readers: a local comment approved now is dated now
			// (a mention keeps the date its source gives, as a mirrored
			// comment keeps its upstream's)
			// (placed after every public comment, as placeNew places a
			// new one, its id kept), so that it joins its feeds' newest
			// pages and no full archive page ever changes.
			var keepID string
			if err := db.placeNew(ctx, tx, newestComment, []any{string(feed.StatusApproved)}, &keepID, &c.Published, &c.Updated, false); err != nil {
				return err
			}
		}
		if err := c.Validate(); err != nil {
			return err
		}
		if c.Content != old.Content {
			content.DeriveComment(&c)
		}
		// The HTML is written even when unchanged, as in UpdatePost.
		const update = `UPDATE comments SET content = ?, author_name = ?, author_uri = ?,
			status = ?, published = ?, updated = ?, html = ?, html_version = ?, kind = ? WHERE id = ?`
		tx.queue(update, c.Content, c.AuthorName, c.AuthorURI,
			string(c.Status), c.Published.Unix(), c.Updated.Unix(), c.HTML, c.HTMLVersion, c.Kind, id)
		if c.Status == feed.StatusSpam && old.Status == feed.StatusApproved {
			// Spam that feeds showed is withdrawn from them like a deleted
			// comment, tombstone and all. Its replies stay, as on delete.
			tx.queue(`UPDATE comments SET deleted_at = ?, tombstone = 1 WHERE id = ?`, now.Unix(), id)
		}
		return tx.change(ctx, now, c.PostID, id)
	})
	if err != nil {
		return nil, errorf(err, "update comment %q: %w", id, err)
	}
	return &c, nil
}

// DeleteComment soft-deletes a live comment, leaving its replies.
func (db *DB) DeleteComment(ctx context.Context, id string) (*feed.Comment, error) {
	var c *feed.Comment
	err := db.Write(ctx, func(tx *Tx) error {
		if err := db.lockRow(ctx, tx, "comments", "comment", id); err != nil {
			return err
		}
		var err error
		if c, err = db.liveComment(ctx, tx, id); err != nil {
			return err
		}
		now := db.now()
		tx.queue(deleteComments+` WHERE id = ?2`, now.Unix(), id)
		return tx.change(ctx, now, c.PostID, id)
	})
	if err != nil {
		return nil, errorf(err, "delete comment %q: %w", id, err)
	}
	return c, nil
}

// Mention returns the live mention of a post from source, whatever its
// status.
func (db *DB) Mention(ctx context.Context, postID, source string) (*feed.Comment, error) {
	if source == "" {
		return nil, feed.Errorf(feed.EINVALID, "source_url: required")
	}
	// comments_mention_idx finds it; a deleted post's mentions are
	// deleted with it, so the join's condition only reports EGONE rightly.
	const query = `SELECT ` + commentColumns + ` FROM comments c JOIN posts p ON p.id = c.post_id
		WHERE c.post_id = ? AND c.source_url = ? AND c.source_url <> '' AND c.deleted_at IS NULL`
	var c *feed.Comment
	err := db.Read(ctx, func(q Querier) error {
		var (
			deleted bool
			err     error
		)
		c, deleted, err = scanComment(db.on(q).QueryRowContext(ctx, db.q(query), postID, source))
		c, err = live(c, deleted, err, "mention from", source)
		return err
	})
	return c, err
}

// HasApprovedAuthor reports whether a live approved comment carries the
// author hash; never for an empty hash.
func (db *DB) HasApprovedAuthor(ctx context.Context, authorHash string) (bool, error) {
	if authorHash == "" {
		return false, nil
	}
	const query = `SELECT EXISTS (SELECT 1 FROM comments
		WHERE author_hash = ? AND status = 'approved' AND deleted_at IS NULL AND author_hash <> '')`
	var ok bool
	if err := db.one(ctx, query, []any{authorHash}, &ok); err != nil {
		return false, fmt.Errorf("select approved comment: %w", err)
	}
	return ok, nil
}

// ThreadStats counts the live approved comments of each of the posts.
func (db *DB) ThreadStats(ctx context.Context, postIDs []string) (map[string]feed.ThreadStats, error) {
	counts := make(map[string]feed.ThreadStats)
	if len(postIDs) == 0 {
		return counts, nil
	}
	// The ids go in as one list parameter, so that no list of posts can
	// exceed the engines' limits on bound parameters.
	query := db.threadStatsQuery()
	err := db.Read(ctx, func(q Querier) error {
		clear(counts)
		return db.each(ctx, q, query, []any{db.d.List(postIDs)}, func(rows *sql.Rows) error {
			var (
				id      string
				n       int
				updated int64
			)
			err := rows.Scan(&id, &n, &updated)
			counts[id] = feed.ThreadStats{Count: n, Updated: fromUnix(updated)}
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("count comments: %w", err)
	}
	return counts, nil
}

// threadStatsQuery is ThreadStats' query, of one list parameter: the
// counts are the threads' rows of totals, and the newest Updated the first
// entry of comments_thread_updated_idx under each.
func (db *DB) threadStatsQuery() string {
	return `SELECT t.key, t.n, (SELECT c.updated FROM comments c
			WHERE c.post_id = t.key AND c.status = 'approved' AND c.deleted_at IS NULL
			ORDER BY c.updated DESC, c.id DESC LIMIT 1)
		FROM totals t WHERE t.kind = 'thread' AND ` + fmt.Sprintf(db.d.InList, "t.key") + ` AND t.n > 0`
}
