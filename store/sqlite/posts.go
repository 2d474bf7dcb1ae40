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

// CreatePost stores p with its categories in one transaction, applying the
// defaults of store.Store. On success p holds the stored values. An Origin
// is stored too, and must be complete; UpsertPost is the usual way in for
// mirrored posts.
func (db *DB) CreatePost(ctx context.Context, p *feed.Post) error {
	// Work on a copy so that a failed write leaves p as the caller gave it.
	q := *p
	if err := store.CheckNewID(&q.ID); err != nil {
		return err
	}
	if q.Origin != nil {
		o := *q.Origin
		if err := o.Validate(); err != nil {
			return err
		}
		q.Origin = &o
	}
	q.Published, q.Updated = store.DefaultTimes(db.now(), q.Published, q.Updated)
	if err := store.ValidatePost(&q); err != nil {
		return err
	}

	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("insert post %q: begin: %w", q.ID, err)
	}
	defer tx.Rollback()

	if q.Origin != nil {
		// Tell a taken upstream key from a taken id, which insertPost
		// reports as the same unique violation.
		_, _, err := postByOrigin(ctx, tx, q.Origin.Source, q.Origin.ID)
		switch {
		case err == nil:
			return feed.Errorf(feed.ECONFLICT, "post %q of source %q already exists", q.Origin.ID, q.Origin.Source)
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("insert post %q: %w", q.ID, err)
		}
	}
	if err := db.insertPost(ctx, tx, &q); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("insert post %q: commit: %w", q.ID, err)
	}
	*p = q
	return nil
}

// insertPost stores q, validated and with its ID and times set, with its
// categories and origin, and logs the change, in tx.
func (db *DB) insertPost(ctx context.Context, tx *sql.Tx, q *feed.Post) error {
	const insert = `INSERT INTO posts (id, title, content, format, summary, author_name, author_uri, published, updated,
		origin_source, origin_id, origin_url, origin_comments_url)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	var o feed.Origin // all '' for a native post
	if q.Origin != nil {
		o = *q.Origin
	}
	_, err := tx.ExecContext(ctx, insert, q.ID, q.Title, q.Content, q.Format, q.Summary,
		q.AuthorName, q.AuthorURI, q.Published.Unix(), q.Updated.Unix(),
		o.Source, o.ID, o.URL, o.CommentsURL)
	if isDuplicate(err) {
		// A deleted post keeps its id until purged: its tombstone names it.
		return feed.Errorf(feed.ECONFLICT, "post %q already exists", q.ID)
	}
	if err != nil {
		return fmt.Errorf("insert post %q: %w", q.ID, err)
	}
	if err := insertCategories(ctx, tx, q.ID, q.Categories); err != nil {
		return err
	}
	if err := logChange(ctx, tx, db.now(), q.ID, ""); err != nil {
		return fmt.Errorf("insert post %q: %w", q.ID, err)
	}
	return nil
}

// insertCategories stores a post's categories in their order.
func insertCategories(ctx context.Context, tx *sql.Tx, postID string, categories []string) error {
	const insert = `INSERT INTO post_categories (post_id, position, name) VALUES (?, ?, ?)`
	for i, c := range categories {
		if _, err := tx.ExecContext(ctx, insert, postID, i, c); err != nil {
			return fmt.Errorf("post %q: insert category %q: %w", postID, c, err)
		}
	}
	return nil
}

// postColumns selects a post from posts p, its origin, its categories as a
// JSON array in their stored order, and its deletion time. One statement
// reads both, so they are consistent without a read transaction.
const postColumns = `p.id, p.title, p.content, p.format, p.summary, p.author_name, p.author_uri, p.published, p.updated,
	p.origin_source, p.origin_id, p.origin_url, p.origin_comments_url,
	(SELECT json_group_array(c.name ORDER BY c.position) FROM post_categories c WHERE c.post_id = p.id),
	p.deleted_at`

// scanPost reads a row of postColumns. deleted tells whether the post was
// deleted.
func scanPost(row scanner) (p *feed.Post, deleted bool, err error) {
	var (
		q                  feed.Post
		published, updated int64
		categories         string
		o                  feed.Origin
		deletedAt          sql.NullInt64
	)
	err = row.Scan(&q.ID, &q.Title, &q.Content, &q.Format, &q.Summary, &q.AuthorName, &q.AuthorURI,
		&published, &updated, &o.Source, &o.ID, &o.URL, &o.CommentsURL, &categories, &deletedAt)
	if err != nil {
		return nil, false, err
	}
	q.Published, q.Updated = fromUnix(published), fromUnix(updated)
	if o.Source != "" {
		q.Origin = &o
	}
	if err := json.Unmarshal([]byte(categories), &q.Categories); err != nil {
		return nil, false, fmt.Errorf("decode categories: %w", err)
	}
	if len(q.Categories) == 0 {
		q.Categories = nil
	}
	return &q, deletedAt.Valid, nil
}

// livePost reads a post through db or a transaction: ENOTFOUND when there
// is none, EGONE when it was deleted.
func livePost(ctx context.Context, db queryer, id string) (*feed.Post, error) {
	p, deleted, err := scanPost(db.QueryRowContext(ctx, `SELECT `+postColumns+` FROM posts p WHERE p.id = ?`, id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, feed.Errorf(feed.ENOTFOUND, "post %q not found", id)
	case err != nil:
		return nil, fmt.Errorf("select post %q: %w", id, err)
	case deleted:
		return nil, feed.Errorf(feed.EGONE, "post %q was deleted", id)
	}
	return p, nil
}

// Post returns the post with the given id.
func (db *DB) Post(ctx context.Context, id string) (*feed.Post, error) {
	return livePost(ctx, db.db, id)
}

// Posts returns the live posts f selects, newest first by Published (or
// Updated) and then ID, or oldest first.
func (db *DB) Posts(ctx context.Context, f store.PostFilter) ([]*feed.Post, error) {
	query, args, err := postsQuery(f)
	if err != nil {
		return nil, err
	}
	rows, err := db.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("select posts: %w", err)
	}
	defer rows.Close()
	var posts []*feed.Post
	for rows.Next() {
		p, _, err := scanPost(rows)
		if err != nil {
			return nil, fmt.Errorf("select posts: %w", err)
		}
		posts = append(posts, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("select posts: %w", err)
	}
	return posts, nil
}

// postsQuery returns the query of Posts(f) and its arguments.
func postsQuery(f store.PostFilter) (string, []any, error) {
	n, err := limit(f.Limit)
	if err != nil {
		return "", nil, err
	}
	column, err := store.PageOrder(f.Offset, f.OrderBy)
	if err != nil {
		return "", nil, err
	}
	where, args := postsWhere(f)
	if c := f.Before; c != nil {
		// (published, id) < (cursor), spelled out: SQLite walks the index
		// from the cursor on either way, and this form reads plainly.
		published := c.Published.Unix()
		where += ` AND (p.published < ? OR (p.published = ? AND p.id < ?))`
		args = append(args, published, published, c.ID)
	}
	query := `SELECT ` + postColumns + ` ` + where + ` ORDER BY ` + order("p", column, f.Ascending) + ` LIMIT ? OFFSET ?`
	return query, append(args, n, f.Offset), nil
}

// postsWhere returns the FROM and WHERE clauses, over posts p, that select
// the live posts f selects, and their arguments: every field but the order
// and the paging ones (Limit, Offset, Before), which postsQuery adds and
// CountPosts leaves out.
func postsWhere(f store.PostFilter) (string, []any) {
	// Optional conditions append to where and args. The literal
	// "deleted_at IS NULL" lets SQLite use the partial indexes on it.
	where, args := `FROM posts p WHERE p.deleted_at IS NULL`, []any{}
	for _, b := range store.TimeBounds(f.PublishedMin, f.PublishedMax, f.UpdatedMin, f.UpdatedMax) {
		where, args = where+` AND p.`+b.Column+` `+b.Op+` ?`, append(args, b.Unix)
	}
	if f.Category != "" {
		// Probes the (post_id, name) key for each post, in the order of
		// the index the query walks.
		where += ` AND EXISTS (SELECT 1 FROM post_categories pc WHERE pc.post_id = p.id AND pc.name = ?)`
		args = append(args, f.Category)
	}
	if f.Author != "" {
		// SQLite's lower() folds ASCII letters only, as PostFilter asks,
		// and lower(p.author_name) is the expression of posts_author_idx.
		where, args = where+` AND lower(p.author_name) = lower(?)`, append(args, f.Author)
	}
	return where, args
}

// order returns the ORDER BY list of a read of table alias a by its time
// column (store.OrderColumn), then id: newest first, or oldest first when
// ascending. The ids break ties, so that pages and offsets cut one order.
func order(a, column string, ascending bool) string {
	dir := ` DESC`
	if ascending {
		dir = ` ASC`
	}
	return a + `.` + column + dir + `, ` + a + `.id` + dir
}

// UpdatePost applies the set fields of u to a live post, in one
// transaction, and returns the post as stored.
func (db *DB) UpdatePost(ctx context.Context, id string, u store.PostUpdate) (*feed.Post, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("update post %q: begin: %w", id, err)
	}
	defer tx.Rollback()

	old, err := livePost(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	p := *old
	store.MergeField(&p.Title, u.Title)
	store.MergeField(&p.Content, u.Content)
	store.MergeField(&p.Format, u.Format)
	store.MergeField(&p.Summary, u.Summary)
	store.MergeField(&p.AuthorName, u.AuthorName)
	store.MergeField(&p.AuthorURI, u.AuthorURI)
	if u.Categories != nil {
		p.Categories = append([]string(nil), *u.Categories...)
	}
	now := db.now()
	p.Updated = store.Edited(now, old.Updated)
	if err := store.ValidatePost(&p); err != nil {
		return nil, err
	}

	const update = `UPDATE posts SET title = ?, content = ?, format = ?, summary = ?, author_name = ?,
		author_uri = ?, updated = ? WHERE id = ?`
	if _, err := tx.ExecContext(ctx, update, p.Title, p.Content, p.Format, p.Summary, p.AuthorName,
		p.AuthorURI, p.Updated.Unix(), id); err != nil {
		return nil, fmt.Errorf("update post %q: %w", id, err)
	}
	if u.Categories != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM post_categories WHERE post_id = ?`, id); err != nil {
			return nil, fmt.Errorf("update post %q: delete categories: %w", id, err)
		}
		if err := insertCategories(ctx, tx, id, p.Categories); err != nil {
			return nil, err
		}
	}
	if err := logChange(ctx, tx, now, id, ""); err != nil {
		return nil, fmt.Errorf("update post %q: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("update post %q: commit: %w", id, err)
	}
	return &p, nil
}

// DeletePost soft-deletes a live post and its live comments, of every
// status, at one time, and returns the post as it was. A comment deleted
// this way leaves a tombstone when it was public (approved).
func (db *DB) DeletePost(ctx context.Context, id string) (*feed.Post, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("delete post %q: begin: %w", id, err)
	}
	defer tx.Rollback()

	p, err := livePost(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	now := db.now()
	if _, err := tx.ExecContext(ctx, `UPDATE posts SET deleted_at = ? WHERE id = ?`, now.Unix(), id); err != nil {
		return nil, fmt.Errorf("delete post %q: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, deleteComments+` WHERE post_id = ? AND deleted_at IS NULL`, now.Unix(), id); err != nil {
		return nil, fmt.Errorf("delete post %q: comments: %w", id, err)
	}
	if err := logChange(ctx, tx, now, id, ""); err != nil {
		return nil, fmt.Errorf("delete post %q: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("delete post %q: commit: %w", id, err)
	}
	return p, nil
}
