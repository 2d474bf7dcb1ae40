package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
	"github.com/feedd/feedd/store"
)

// CreatePost stores p with its categories, applying the defaults of
// store.Store; an Origin is stored too (UpsertPost is the usual way in).
func (db *DB) CreatePost(ctx context.Context, p *feed.Post) error {
	// Work on a copy so that a failed write leaves p as the caller gave it.
	q := *p
	// A local post: the store places it after every post (placeNew).
	local, updatedDefault := q.ID == "" && q.Published.IsZero(), q.Updated.IsZero()
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
	content.DerivePost(&q)
	err := db.Write(ctx, func(tx *Tx) error {
		if local {
			if err := db.placeNew(ctx, tx, newestPost, nil, &q.ID, &q.Published, &q.Updated, updatedDefault); err != nil {
				return err
			}
		}
		return db.postConflict(db.insertPost(ctx, tx, &q), &q)
	})
	if err != nil {
		return errorf(err, "insert post %q: %w", q.ID, err)
	}
	*p = q
	return nil
}

// insertPost stores q, validated, its HTML derived and with its ID and
// times set, with its categories and origin, and logs the change, in tx.
func (db *DB) insertPost(ctx context.Context, tx *Tx, q *feed.Post) error {
	db.insertPostRow(tx, q, time.Time{})
	return tx.change(ctx, db.now(), q.ID, "")
}

// insertPostRow queues the insert of p as it is, its derived HTML
// included, with its categories, deleted at deleted (zero: live).
func (db *DB) insertPostRow(tx *Tx, p *feed.Post, deleted time.Time) {
	tx.queueRows(insertPost, [][]any{postRow(p, deleted)})
	db.insertCategories(tx, p.ID, p.Categories)
}

// insertPost inserts a row of postRow's values.
const insertPost = `INSERT INTO posts (id, title, content, format, summary, author_name, author_uri,
	published, updated, deleted_at, origin_source, origin_id, origin_url, origin_comments_url, html, html_version)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// postRow returns the values insertPost stores for p, deleted at deleted
// (zero: live).
func postRow(p *feed.Post, deleted time.Time) []any {
	var o feed.Origin // all '' for a native post
	if p.Origin != nil {
		o = *p.Origin
	}
	return []any{p.ID, p.Title, p.Content, p.Format, p.Summary, p.AuthorName, p.AuthorURI,
		p.Published.Unix(), p.Updated.Unix(), nullUnix(deleted), o.Source, o.ID, o.URL, o.CommentsURL, p.HTML, p.HTMLVersion}
}

// postConflict turns the unique violation of an insert of post q into
// ECONFLICT, naming the key that was taken, and passes other errors on.
func (db *DB) postConflict(err error, q *feed.Post) error {
	switch {
	case db.is(err, Duplicate, "posts_origin_idx"):
		return feed.Errorf(feed.ECONFLICT, "post %q of source %q already exists", q.Origin.ID, q.Origin.Source)
	case db.is(err, Duplicate, ""):
		// A deleted post keeps its id until purged: its tombstone names it.
		return feed.Errorf(feed.ECONFLICT, "post %q already exists", q.ID)
	}
	return err
}

// insertCategories queues the insert of a post's categories in their
// order.
func (db *DB) insertCategories(tx *Tx, postID string, categories []string) {
	tx.queueRows(insertCategory, categoryRows(postID, categories))
}

// insertCategory inserts a row of categoryRows.
const insertCategory = `INSERT INTO post_categories (post_id, position, name) VALUES (?, ?, ?)`

// categoryRows returns the rows of insertCategory for a post's categories.
func categoryRows(postID string, categories []string) [][]any {
	rows := make([][]any, len(categories))
	for i, c := range categories {
		rows[i] = []any{postID, i, c}
	}
	return rows
}

// scanPost reads a row of postCols. deleted tells whether the post was
// deleted. HTML derived under another content.Version than this feedd's
// is derived afresh (in memory: DeriveHTML rewrites the row).
func scanPost(row scanner) (p *feed.Post, deleted bool, err error) {
	var (
		q                  feed.Post
		published, updated int64
		categories         string
		o                  feed.Origin
	)
	err = row.Scan(&q.ID, &q.Title, &q.Content, &q.Format, &q.Summary, &q.AuthorName, &q.AuthorURI,
		&published, &updated, &o.Source, &o.ID, &o.URL, &o.CommentsURL, &q.HTML, &q.HTMLVersion, &categories, &deleted)
	if err != nil {
		return nil, false, err
	}
	if q.HTMLVersion != content.Version {
		content.DerivePost(&q)
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
	return &q, deleted, nil
}

// livePost reads a post through a connection or a transaction: ENOTFOUND
// when there is none, EGONE when it was deleted.
func (db *DB) livePost(ctx context.Context, q Querier, id string) (*feed.Post, error) {
	p, deleted, err := scanPost(db.on(q).QueryRowContext(ctx, db.q(`SELECT `+db.postCols+` FROM posts p WHERE p.id = ?`), id))
	return live(p, deleted, err, "post", id)
}

// live passes on v, read with err, unless there was none (ENOTFOUND) or
// it was deleted (EGONE).
func live[T any](v T, deleted bool, err error, what, id string) (T, error) {
	var zero T
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return zero, feed.Errorf(feed.ENOTFOUND, "%s %q not found", what, id)
	case err != nil:
		return zero, fmt.Errorf("select %s %q: %w", what, id, err)
	case deleted:
		return zero, feed.Errorf(feed.EGONE, "%s %q was deleted", what, id)
	}
	return v, nil
}

// lockRow locks the row of table with id FOR NO KEY UPDATE until tx ends,
// where the dialect has row locks: ENOTFOUND when there is none. The read
// that follows is a second statement, which under READ COMMITTED sees what
// a writer we waited for committed. Edits of one row take turns here, and
// wait for (or hold off) the FOR SHARE of a comment being created under it.
// A comment's post is not locked: DeletePost locks the post first and the
// comments second, and the other order could deadlock.
func (db *DB) lockRow(ctx context.Context, tx *Tx, table, what, id string) error {
	if !db.d.RowLocks {
		return nil
	}
	var one int
	err := tx.row(ctx, `SELECT 1 FROM `+table+` WHERE id = ? FOR NO KEY UPDATE`, id).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return feed.Errorf(feed.ENOTFOUND, "%s %q not found", what, id)
	case err != nil:
		return fmt.Errorf("lock %s %q: %w", what, id, err)
	}
	return nil
}

// Post returns the post with the given id.
func (db *DB) Post(ctx context.Context, id string) (*feed.Post, error) {
	var p *feed.Post
	err := db.Read(ctx, func(q Querier) (err error) {
		p, err = db.livePost(ctx, q, id)
		return err
	})
	return p, err
}

// Posts returns the live posts f selects, in f's order, or the window
// f.Place picks.
func (db *DB) Posts(ctx context.Context, f store.PostFilter) ([]*feed.Post, error) {
	scan := func(row scanner) (*feed.Post, error) {
		p, _, err := scanPost(row)
		return p, err
	}
	var (
		posts []*feed.Post
		err   error
	)
	if f.Place != nil {
		posts, err = placed(ctx, db, db.postsSelection(f), f.Place, nil, scan)
	} else {
		var (
			query string
			args  []any
		)
		if query, args, err = db.postsQuery(f); err != nil {
			return nil, err
		}
		posts, err = list(ctx, db, query, args, scan)
	}
	if err != nil {
		var e *feed.Error
		if errors.As(err, &e) {
			return nil, err
		}
		return nil, fmt.Errorf("select posts: %w", err)
	}
	return posts, nil
}

// Query returns the query of Posts(f) or Comments(f), f a
// store.PostFilter or a store.CommentFilter, as d spells it, and its
// arguments: for the tests of query plans.
func Query(d *Dialect, f any) (string, []any, error) {
	db := New(nil, d)
	q, args, err := "", []any(nil), error(nil)
	switch f := f.(type) {
	case store.PostFilter:
		q, args, err = db.postsQuery(f)
	case store.CommentFilter:
		q, args, err = db.commentsQuery(f)
	}
	return db.q(q), args, err
}

// postsSelection returns the selection of a placed read of Posts(f).
func (db *DB) postsSelection(f store.PostFilter) selection {
	where, args := db.postsWhere(f)
	return selection{columns: db.postCols, a: "p", where: where, args: args, orderBy: f.OrderBy, total: postsTotal(f)}
}

// postsQuery returns the query of Posts(f) and its arguments.
func (db *DB) postsQuery(f store.PostFilter) (string, []any, error) {
	where, args := db.postsWhere(f)
	if c := f.Before; c != nil {
		// A row comparison, which the index scan starts at.
		where, args = where+` AND (p.published, p.id) < (?, ?)`, append(args, c.Published.Unix(), c.ID)
	}
	return db.paged(db.postCols, "p", where, args, f.Limit, f.Offset, f.OrderBy, f.Ascending)
}

// paged completes the query of columns over where, a FROM and WHERE of
// table alias a, with the order and paging of a filter.
func (db *DB) paged(columns, a, where string, args []any, limit, offset int, orderBy string, ascending bool) (string, []any, error) {
	n, err := db.limit(limit)
	if err != nil {
		return "", nil, err
	}
	column, err := store.PageOrder(offset, orderBy)
	if err != nil {
		return "", nil, err
	}
	// The ids break ties, so that pages and offsets cut one order.
	dir := ` DESC`
	if ascending {
		dir = ` ASC`
	}
	query := `SELECT ` + columns + ` ` + where + ` ORDER BY ` + a + `.` + column + dir + `, ` + a + `.id` + dir + ` LIMIT ? OFFSET ?`
	return query, append(args, n, offset), nil
}

// postsWhere returns the FROM and WHERE clauses, over posts p, that select
// the live posts f selects, and their arguments: every field but the order
// and the paging ones (Limit, Offset, Before), which postsQuery adds and
// CountPosts leaves out.
func (db *DB) postsWhere(f store.PostFilter) (string, []any) {
	// Optional conditions append to where and args. The literal
	// "deleted_at IS NULL" lets the planner use the partial indexes on it.
	where, args := `FROM posts p WHERE p.deleted_at IS NULL`, []any{}
	for _, b := range store.TimeBounds(f.PublishedMin, f.PublishedMax, f.UpdatedMin, f.UpdatedMax) {
		where, args = where+` AND p.`+b.Column+` `+b.Op+` ?`, append(args, b.Unix)
	}
	if f.Category != "" {
		where += ` AND EXISTS (SELECT 1 FROM post_categories pc WHERE pc.post_id = p.id AND pc.name = ?)`
		args = append(args, f.Category)
	}
	if f.Author != "" {
		where, args = where+` AND `+db.d.AuthorMatch, append(args, f.Author)
	}
	return where, args
}

// CountPosts counts the live posts f selects.
func (db *DB) CountPosts(ctx context.Context, f store.PostFilter) (int, error) {
	where, args := db.postsWhere(f)
	var n int
	err := db.Read(ctx, func(q Querier) (err error) {
		n, err = db.count(ctx, q, postsTotal(f), where, args)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("count posts: %w", err)
	}
	return n, nil
}

// UpdatePost applies the set fields of u to a live post.
func (db *DB) UpdatePost(ctx context.Context, id string, u store.PostUpdate) (*feed.Post, error) {
	var p feed.Post
	err := db.Write(ctx, func(tx *Tx) error {
		if err := db.lockRow(ctx, tx, "posts", "post", id); err != nil {
			return err
		}
		old, err := db.livePost(ctx, tx, id)
		if err != nil {
			return err
		}
		p = *old
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
			return err
		}
		if p.Content != old.Content || p.Format != old.Format {
			content.DerivePost(&p)
		}
		// The HTML is written even when unchanged: the row's may be of an
		// older version, which old was derived afresh from.
		const update = `UPDATE posts SET title = ?, content = ?, format = ?, summary = ?, author_name = ?,
			author_uri = ?, updated = ?, html = ?, html_version = ? WHERE id = ?`
		tx.queue(update, p.Title, p.Content, p.Format, p.Summary, p.AuthorName, p.AuthorURI, p.Updated.Unix(),
			p.HTML, p.HTMLVersion, id)
		if u.Categories != nil {
			db.replaceCategories(tx, id, p.Categories)
		}
		return tx.change(ctx, now, id, "")
	})
	if err != nil {
		return nil, errorf(err, "update post %q: %w", id, err)
	}
	return &p, nil
}

// replaceCategories queues the replacement of a post's categories.
func (db *DB) replaceCategories(tx *Tx, id string, categories []string) {
	tx.queue(`DELETE FROM post_categories WHERE post_id = ?`, id)
	db.insertCategories(tx, id, categories)
}

// DeletePost soft-deletes a live post and its live comments at one time;
// an approved comment leaves a tombstone.
func (db *DB) DeletePost(ctx context.Context, id string) (*feed.Post, error) {
	var p *feed.Post
	err := db.Write(ctx, func(tx *Tx) error {
		if err := db.lockRow(ctx, tx, "posts", "post", id); err != nil {
			return err
		}
		var err error
		if p, err = db.livePost(ctx, tx, id); err != nil {
			return err
		}
		now := db.now()
		tx.queue(`UPDATE posts SET deleted_at = ? WHERE id = ?`, now.Unix(), id)
		tx.queue(deleteComments+` WHERE post_id = ?2 AND deleted_at IS NULL`, now.Unix(), id)
		return tx.change(ctx, now, id, "")
	})
	if err != nil {
		return nil, errorf(err, "delete post %q: %w", id, err)
	}
	return p, nil
}
