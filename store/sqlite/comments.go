package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// CreateComment stores c under its post, applying the defaults of
// store.Store. On success c holds the stored values, PostTitle and
// PostUpdated included. An Origin is stored too, and must be complete;
// UpsertComment is the usual way in for mirrored comments.
func (db *DB) CreateComment(ctx context.Context, c *feed.Comment) error {
	// Work on a copy so that a failed write leaves c as the caller gave it.
	q := *c
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

	// The checks below run in the write transaction, so the post and the
	// parent cannot change between the check and the insert.
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("insert comment %q: begin: %w", q.ID, err)
	}
	defer tx.Rollback()

	post, err := livePost(ctx, tx, q.PostID)
	if err != nil {
		return err
	}
	q.PostTitle, q.PostUpdated = post.Title, post.Updated
	if q.Origin != nil {
		// Tell a taken upstream key from a taken id, which insertComment
		// reports as the same unique violation.
		_, _, err := commentByOrigin(ctx, tx, q.PostID, q.Origin.Source, q.Origin.ID)
		switch {
		case err == nil:
			return feed.Errorf(feed.ECONFLICT, "comment %q of source %q already exists on post %q",
				q.Origin.ID, q.Origin.Source, q.PostID)
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("insert comment %q: %w", q.ID, err)
		}
	}
	q.Depth = 0
	if q.ParentID != "" {
		var (
			parentPost string
			status     feed.Status
			deleted    sql.NullInt64
			depth      int
		)
		const query = `SELECT post_id, status, deleted_at, depth FROM comments WHERE id = ?`
		err := tx.QueryRowContext(ctx, query, q.ParentID).Scan(&parentPost, &status, &deleted, &depth)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return feed.Errorf(feed.EINVALID, "parent_id: comment %q not found", q.ParentID)
		case err != nil:
			return fmt.Errorf("insert comment %q: select parent %q: %w", q.ID, q.ParentID, err)
		case parentPost != q.PostID:
			return feed.Errorf(feed.EINVALID, "parent_id: comment %q belongs to another post", q.ParentID)
		case deleted.Valid:
			return feed.Errorf(feed.EINVALID, "parent_id: comment %q was deleted", q.ParentID)
		case status != feed.StatusApproved:
			return feed.Errorf(feed.EINVALID, "parent_id: comment %q is not approved", q.ParentID)
		}
		q.Depth = depth + 1
	}

	if err := db.insertComment(ctx, tx, &q); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("insert comment %q: commit: %w", q.ID, err)
	}
	*c = q
	return nil
}

// insertComment stores q, validated and with its ID, times, parent and
// depth set, and logs the change, in tx.
func (db *DB) insertComment(ctx context.Context, tx *sql.Tx, q *feed.Comment) error {
	const insert = `INSERT INTO comments (id, post_id, parent_id, author_name, author_uri, author_key, content,
		status, depth, published, updated, origin_source, origin_id, origin_url)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	var o feed.Origin // all '' for a native comment
	if q.Origin != nil {
		o = *q.Origin
	}
	_, err := tx.ExecContext(ctx, insert, q.ID, q.PostID, nullable(q.ParentID), q.AuthorName, q.AuthorURI,
		authorKey(q.AuthorName, q.AuthorURI), q.Content, q.Status, q.Depth, q.Published.Unix(), q.Updated.Unix(),
		o.Source, o.ID, o.URL)
	if isDuplicate(err) {
		return feed.Errorf(feed.ECONFLICT, "comment %q already exists", q.ID)
	}
	if err != nil {
		return fmt.Errorf("insert comment %q: %w", q.ID, err)
	}
	if err := logChange(ctx, tx, db.now(), q.PostID, q.ID); err != nil {
		return fmt.Errorf("insert comment %q: %w", q.ID, err)
	}
	return nil
}

// nullable stores an empty parent id as NULL: a comment on the post itself.
func nullable(id string) any {
	if id == "" {
		return nil
	}
	return id
}

// authorKey names a comment's author for HasApprovedComment: the name
// lowercased (with Unicode rules), and the URI as given.
func authorKey(name, uri string) string {
	return strings.ToLower(strings.TrimSpace(name)) + "|" + strings.TrimSpace(uri)
}

// commentColumns selects a comment from comments c joined with its post p,
// its origin, then whether either was deleted.
const commentColumns = `c.id, c.post_id, COALESCE(c.parent_id, ''), c.author_name, c.author_uri, c.content,
	c.status, c.depth, c.published, c.updated, p.title, p.updated,
	c.origin_source, c.origin_id, c.origin_url,
	c.deleted_at IS NOT NULL OR p.deleted_at IS NOT NULL`

// scanComment reads a row of commentColumns. deleted tells whether the
// comment or its post was deleted.
func scanComment(row scanner) (c *feed.Comment, deleted bool, err error) {
	var (
		q                               feed.Comment
		published, updated, postUpdated int64
		o                               feed.Origin
	)
	err = row.Scan(&q.ID, &q.PostID, &q.ParentID, &q.AuthorName, &q.AuthorURI, &q.Content,
		&q.Status, &q.Depth, &published, &updated, &q.PostTitle, &postUpdated,
		&o.Source, &o.ID, &o.URL, &deleted)
	if err != nil {
		return nil, false, err
	}
	q.Published, q.Updated, q.PostUpdated = fromUnix(published), fromUnix(updated), fromUnix(postUpdated)
	if o.Source != "" {
		q.Origin = &o
	}
	return &q, deleted, nil
}

// liveComment reads a comment of any status through db or a transaction:
// ENOTFOUND when there is none, EGONE when it or its post was deleted.
func liveComment(ctx context.Context, db queryer, id string) (*feed.Comment, error) {
	const query = `SELECT ` + commentColumns + ` FROM comments c JOIN posts p ON p.id = c.post_id WHERE c.id = ?`
	c, deleted, err := scanComment(db.QueryRowContext(ctx, query, id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, feed.Errorf(feed.ENOTFOUND, "comment %q not found", id)
	case err != nil:
		return nil, fmt.Errorf("select comment %q: %w", id, err)
	case deleted:
		return nil, feed.Errorf(feed.EGONE, "comment %q was deleted", id)
	}
	return c, nil
}

// Comment returns the comment with the given id, whatever its status, with
// PostTitle and PostUpdated filled in.
func (db *DB) Comment(ctx context.Context, id string) (*feed.Comment, error) {
	return liveComment(ctx, db.db, id)
}

// Comments returns the live comments f selects, newest first by Published
// (or Updated) and then ID, or oldest first, with PostTitle filled in: one
// post's thread when f.PostID is set, else all; approved ones unless
// f.Statuses says otherwise.
func (db *DB) Comments(ctx context.Context, f store.CommentFilter) ([]*feed.Comment, error) {
	query, args, err := commentsQuery(f)
	if err != nil {
		return nil, err
	}
	rows, err := db.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("select comments: %w", err)
	}
	defer rows.Close()
	var comments []*feed.Comment
	for rows.Next() {
		c, _, err := scanComment(rows)
		if err != nil {
			return nil, fmt.Errorf("select comments: %w", err)
		}
		comments = append(comments, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("select comments: %w", err)
	}
	if len(comments) == 0 && f.PostID != "" {
		// An empty thread: tell a post without comments from no post, or
		// a deleted one. A post with live comments is itself live, as
		// deleting a post deletes its comments in the same transaction.
		if _, err := db.Post(ctx, f.PostID); err != nil {
			return nil, err
		}
	}
	return comments, nil
}

// commentsQuery returns the query of Comments(f) and its arguments.
func commentsQuery(f store.CommentFilter) (string, []any, error) {
	n, err := limit(f.Limit)
	if err != nil {
		return "", nil, err
	}
	column, err := store.PageOrder(f.Offset, f.OrderBy)
	if err != nil {
		return "", nil, err
	}
	where, args, err := commentsWhere(f)
	if err != nil {
		return "", nil, err
	}
	query := `SELECT ` + commentColumns + ` ` + where + ` ORDER BY ` + order("c", column, f.Ascending) + ` LIMIT ? OFFSET ?`
	return query, append(args, n, f.Offset), nil
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
	// is a literal, which SQLite matches to the partial indexes on it.
	where, args := `FROM comments c JOIN posts p ON p.id = c.post_id
		WHERE c.deleted_at IS NULL AND p.deleted_at IS NULL AND c.status IN (`, []any{}
	for i, s := range statuses {
		if err := store.CheckStatus(s); err != nil {
			return "", nil, err
		}
		if i > 0 {
			where += `, `
		}
		where, args = where+`?`, append(args, s)
	}
	where += `)`
	if f.PostID != "" {
		where, args = where+` AND c.post_id = ?`, append(args, f.PostID)
	}
	for _, b := range store.TimeBounds(f.PublishedMin, f.PublishedMax, f.UpdatedMin, f.UpdatedMax) {
		where, args = where+` AND c.`+b.Column+` `+b.Op+` ?`, append(args, b.Unix)
	}
	return where, args, nil
}

// deleteComments soft-deletes comments, given the time and then a WHERE
// clause: a comment public until now (approved) leaves a tombstone. SQLite
// evaluates the whole SET list on the row as it was, so a statement that
// also changes the status (marking spam) still sees the old one.
const deleteComments = `UPDATE comments SET deleted_at = ?, tombstone = (status = 'approved')`

// UpdateComment applies the set fields of u to a live comment, in one
// transaction, and returns the comment as stored.
func (db *DB) UpdateComment(ctx context.Context, id string, u store.CommentUpdate) (*feed.Comment, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("update comment %q: begin: %w", id, err)
	}
	defer tx.Rollback()

	old, err := liveComment(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	c := *old
	store.MergeField(&c.Content, u.Content)
	store.MergeField(&c.AuthorName, u.AuthorName)
	store.MergeField(&c.AuthorURI, u.AuthorURI)
	store.MergeField(&c.Status, u.Status)
	if err := store.CheckStatus(c.Status); err != nil {
		return nil, err
	}
	if c.Status == feed.StatusPending && old.Status == feed.StatusApproved {
		// Feeds may have carried it; taking it back to the queue would
		// need a tombstone for a comment that is not deleted.
		return nil, feed.Errorf(feed.EINVALID, "status: an approved comment cannot go back to pending; mark it spam or delete it")
	}
	now := db.now()
	c.Updated = store.Edited(now, old.Updated)
	if err := c.Validate(); err != nil {
		return nil, err
	}

	const update = `UPDATE comments SET content = ?, author_name = ?, author_uri = ?, author_key = ?,
		status = ?, updated = ? WHERE id = ?`
	if _, err := tx.ExecContext(ctx, update, c.Content, c.AuthorName, c.AuthorURI,
		authorKey(c.AuthorName, c.AuthorURI), c.Status, c.Updated.Unix(), id); err != nil {
		return nil, fmt.Errorf("update comment %q: %w", id, err)
	}
	if c.Status == feed.StatusSpam && old.Status == feed.StatusApproved {
		// Spam that feeds showed is withdrawn from them like a deleted
		// comment, tombstone and all. Its replies stay, as on delete.
		if _, err := tx.ExecContext(ctx, `UPDATE comments SET deleted_at = ?, tombstone = 1 WHERE id = ?`, now.Unix(), id); err != nil {
			return nil, fmt.Errorf("update comment %q: delete spam: %w", id, err)
		}
	}
	if err := logChange(ctx, tx, now, c.PostID, id); err != nil {
		return nil, fmt.Errorf("update comment %q: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("update comment %q: commit: %w", id, err)
	}
	return &c, nil
}

// DeleteComment soft-deletes a live comment, leaving its replies, and
// returns the comment as it was.
func (db *DB) DeleteComment(ctx context.Context, id string) (*feed.Comment, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("delete comment %q: begin: %w", id, err)
	}
	defer tx.Rollback()

	c, err := liveComment(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	now := db.now()
	if _, err := tx.ExecContext(ctx, deleteComments+` WHERE id = ?`, now.Unix(), id); err != nil {
		return nil, fmt.Errorf("delete comment %q: %w", id, err)
	}
	if err := logChange(ctx, tx, now, c.PostID, id); err != nil {
		return nil, fmt.Errorf("delete comment %q: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("delete comment %q: commit: %w", id, err)
	}
	return c, nil
}

// HasApprovedComment reports whether the author has a live approved
// comment, matching the name case-insensitively and the URI exactly.
func (db *DB) HasApprovedComment(ctx context.Context, authorName, authorURI string) (bool, error) {
	const query = `SELECT EXISTS (SELECT 1 FROM comments
		WHERE author_key = ? AND status = 'approved' AND deleted_at IS NULL)`
	var ok bool
	if err := db.db.QueryRowContext(ctx, query, authorKey(authorName, authorURI)).Scan(&ok); err != nil {
		return false, fmt.Errorf("select approved comment: %w", err)
	}
	return ok, nil
}

// ThreadStats returns the number of live approved comments of each of the
// given posts and their newest update; posts without such comments are
// absent from the map.
func (db *DB) ThreadStats(ctx context.Context, postIDs []string) (map[string]feed.ThreadStats, error) {
	counts := make(map[string]feed.ThreadStats)
	if len(postIDs) == 0 {
		return counts, nil
	}
	// The ids go in as one JSON array, so that no list of posts can exceed
	// SQLite's limit on bound parameters.
	ids, err := json.Marshal(postIDs)
	if err != nil {
		return nil, fmt.Errorf("count comments: %w", err)
	}
	const query = `SELECT post_id, COUNT(*), MAX(updated) FROM comments
		WHERE post_id IN (SELECT value FROM json_each(?)) AND deleted_at IS NULL AND status = 'approved'
		GROUP BY post_id`
	rows, err := db.db.QueryContext(ctx, query, string(ids))
	if err != nil {
		return nil, fmt.Errorf("count comments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id      string
			n       int
			updated int64
		)
		if err := rows.Scan(&id, &n, &updated); err != nil {
			return nil, fmt.Errorf("count comments: %w", err)
		}
		counts[id] = feed.ThreadStats{Count: n, Updated: fromUnix(updated)}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count comments: %w", err)
	}
	return counts, nil
}
