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
// defaults of store.Store. On success p holds the stored values.
func (db *DB) CreatePost(ctx context.Context, p *feed.Post) error {
	// Work on a copy so that a failed write leaves p as the caller gave it.
	q := *p
	if err := checkNewID(&q.ID); err != nil {
		return err
	}
	q.Published, q.Updated = db.times(q.Published, q.Updated)
	if err := q.Validate(); err != nil {
		return err
	}
	if len(q.Categories) == 0 {
		q.Categories = nil // as reads return it
	}

	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("insert post %q: begin: %w", q.ID, err)
	}
	defer tx.Rollback()

	const insert = `INSERT INTO posts (id, title, content, summary, author_name, author_uri, published, updated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	_, err = tx.ExecContext(ctx, insert, q.ID, q.Title, q.Content, q.Summary,
		q.AuthorName, q.AuthorURI, q.Published.Unix(), q.Updated.Unix())
	if isDuplicate(err) {
		return feed.Errorf(feed.ECONFLICT, "post %q already exists", q.ID)
	}
	if err != nil {
		return fmt.Errorf("insert post %q: %w", q.ID, err)
	}
	const insertCategory = `INSERT INTO post_categories (post_id, position, name) VALUES (?, ?, ?)`
	for i, c := range q.Categories {
		if _, err := tx.ExecContext(ctx, insertCategory, q.ID, i, c); err != nil {
			return fmt.Errorf("insert post %q: category %q: %w", q.ID, c, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("insert post %q: commit: %w", q.ID, err)
	}
	*p = q
	return nil
}

// postColumns selects a post from posts p, its categories as a JSON array in
// their stored order. One statement reads both, so they are consistent
// without a read transaction.
const postColumns = `p.id, p.title, p.content, p.summary, p.author_name, p.author_uri, p.published, p.updated,
	(SELECT json_group_array(c.name ORDER BY c.position) FROM post_categories c WHERE c.post_id = p.id)`

// scanPost reads a row of postColumns.
func scanPost(row scanner) (*feed.Post, error) {
	var (
		p                  feed.Post
		published, updated int64
		categories         string
	)
	err := row.Scan(&p.ID, &p.Title, &p.Content, &p.Summary, &p.AuthorName, &p.AuthorURI,
		&published, &updated, &categories)
	if err != nil {
		return nil, err
	}
	p.Published, p.Updated = fromUnix(published), fromUnix(updated)
	if err := json.Unmarshal([]byte(categories), &p.Categories); err != nil {
		return nil, fmt.Errorf("decode categories: %w", err)
	}
	if len(p.Categories) == 0 {
		p.Categories = nil
	}
	return &p, nil
}

// Post returns the post with the given id.
func (db *DB) Post(ctx context.Context, id string) (*feed.Post, error) {
	row := db.db.QueryRowContext(ctx, `SELECT `+postColumns+` FROM posts p WHERE p.id = ?`, id)
	p, err := scanPost(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, feed.Errorf(feed.ENOTFOUND, "post %q not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("select post %q: %w", id, err)
	}
	return p, nil
}

// Posts returns posts newest first, by Published and then ID.
func (db *DB) Posts(ctx context.Context, f store.PostFilter) ([]*feed.Post, error) {
	n, err := limit(f.Limit)
	if err != nil {
		return nil, err
	}
	const query = `SELECT ` + postColumns + ` FROM posts p
		ORDER BY p.published DESC, p.id DESC LIMIT ?`
	rows, err := db.db.QueryContext(ctx, query, n)
	if err != nil {
		return nil, fmt.Errorf("select posts: %w", err)
	}
	defer rows.Close()
	var posts []*feed.Post
	for rows.Next() {
		p, err := scanPost(rows)
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
