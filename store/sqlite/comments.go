package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// CreateComment stores c under its post, applying the defaults of
// store.Store. On success c holds the stored values, PostTitle and PostUpdated included.
func (db *DB) CreateComment(ctx context.Context, c *feed.Comment) error {
	// Work on a copy so that a failed write leaves c as the caller gave it.
	q := *c
	if err := checkNewID(&q.ID); err != nil {
		return err
	}
	if q.PostID == "" {
		return feed.Errorf(feed.EINVALID, "post_id: required")
	}
	q.Published, q.Updated = db.times(q.Published, q.Updated)
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

	var postUpdated int64
	err = tx.QueryRowContext(ctx, `SELECT title, updated FROM posts WHERE id = ?`, q.PostID).Scan(&q.PostTitle, &postUpdated)
	if errors.Is(err, sql.ErrNoRows) {
		return feed.Errorf(feed.ENOTFOUND, "post %q not found", q.PostID)
	}
	if err != nil {
		return fmt.Errorf("insert comment %q: select post %q: %w", q.ID, q.PostID, err)
	}
	q.PostUpdated = fromUnix(postUpdated)
	var parent any // NULL for a comment on the post itself
	if q.ParentID != "" {
		var parentPost string
		err := tx.QueryRowContext(ctx, `SELECT post_id FROM comments WHERE id = ?`, q.ParentID).Scan(&parentPost)
		if errors.Is(err, sql.ErrNoRows) {
			return feed.Errorf(feed.EINVALID, "parent_id: comment %q not found", q.ParentID)
		}
		if err != nil {
			return fmt.Errorf("insert comment %q: select parent %q: %w", q.ID, q.ParentID, err)
		}
		if parentPost != q.PostID {
			return feed.Errorf(feed.EINVALID, "parent_id: comment %q belongs to another post", q.ParentID)
		}
		parent = q.ParentID
	}

	const insert = `INSERT INTO comments (id, post_id, parent_id, author_name, author_uri, content, published, updated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	_, err = tx.ExecContext(ctx, insert, q.ID, q.PostID, parent, q.AuthorName, q.AuthorURI,
		q.Content, q.Published.Unix(), q.Updated.Unix())
	if isDuplicate(err) {
		return feed.Errorf(feed.ECONFLICT, "comment %q already exists", q.ID)
	}
	if err != nil {
		return fmt.Errorf("insert comment %q: %w", q.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("insert comment %q: commit: %w", q.ID, err)
	}
	*c = q
	return nil
}

// commentColumns selects a comment from comments c joined with its post p.
const commentColumns = `c.id, c.post_id, COALESCE(c.parent_id, ''), c.author_name, c.author_uri, c.content,
	c.published, c.updated, p.title, p.updated`

// scanComment reads a row of commentColumns.
func scanComment(row scanner) (*feed.Comment, error) {
	var (
		c                               feed.Comment
		published, updated, postUpdated int64
	)
	err := row.Scan(&c.ID, &c.PostID, &c.ParentID, &c.AuthorName, &c.AuthorURI, &c.Content,
		&published, &updated, &c.PostTitle, &postUpdated)
	if err != nil {
		return nil, err
	}
	c.Published, c.Updated, c.PostUpdated = fromUnix(published), fromUnix(updated), fromUnix(postUpdated)
	return &c, nil
}

// Comment returns the comment with the given id, with PostTitle filled in.
func (db *DB) Comment(ctx context.Context, id string) (*feed.Comment, error) {
	const query = `SELECT ` + commentColumns + ` FROM comments c JOIN posts p ON p.id = c.post_id WHERE c.id = ?`
	c, err := scanComment(db.db.QueryRowContext(ctx, query, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, feed.Errorf(feed.ENOTFOUND, "comment %q not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("select comment %q: %w", id, err)
	}
	return c, nil
}

// Comments returns comments newest first, by Published and then ID, with
// PostTitle filled in: one post's thread when f.PostID is set, else all.
func (db *DB) Comments(ctx context.Context, f store.CommentFilter) ([]*feed.Comment, error) {
	n, err := limit(f.Limit)
	if err != nil {
		return nil, err
	}
	// Optional conditions append to where and args.
	where, args := "", []any{}
	if f.PostID != "" {
		where, args = `WHERE c.post_id = ?`, append(args, f.PostID)
	}
	query := `SELECT ` + commentColumns + ` FROM comments c JOIN posts p ON p.id = c.post_id ` + where +
		` ORDER BY c.published DESC, c.id DESC LIMIT ?`
	rows, err := db.db.QueryContext(ctx, query, append(args, n)...)
	if err != nil {
		return nil, fmt.Errorf("select comments: %w", err)
	}
	defer rows.Close()
	var comments []*feed.Comment
	for rows.Next() {
		c, err := scanComment(rows)
		if err != nil {
			return nil, fmt.Errorf("select comments: %w", err)
		}
		comments = append(comments, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("select comments: %w", err)
	}
	if len(comments) == 0 && f.PostID != "" {
		// An empty thread: tell a post without comments from no post.
		// Posts are never removed, so it cannot have vanished since.
		if _, err := db.Post(ctx, f.PostID); err != nil {
			return nil, err
		}
	}
	return comments, nil
}

// ThreadStats returns the number of comments of each of the given posts and
// their newest update; posts without comments are absent from the map.
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
		WHERE post_id IN (SELECT value FROM json_each(?)) GROUP BY post_id`
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
