package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

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
	err := db.write(ctx, func(tx pgx.Tx) error {
		// One round trip for the post, its categories and its change
		// record; the batch stops at the first error. A taken upstream key
		// fails the insert as a taken id does; postConflict tells which.
		b := &pgx.Batch{}
		queueInsertPost(b, &q)
		queueChange(b, db.now(), q.ID, "")
		return postConflict(tx.SendBatch(ctx, b).Close(), &q)
	})
	if err != nil {
		return errorf(err, "insert post %q: %w", q.ID, err)
	}
	*p = q
	return nil
}

// queueInsertPost adds to b the insert of q, validated and with its ID and
// times set, with its categories and origin.
func queueInsertPost(b *pgx.Batch, q *feed.Post) {
	const insert = `INSERT INTO posts (id, title, content, format, summary, author_name, author_uri, published, updated,
		origin_source, origin_id, origin_url, origin_comments_url)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`
	var o feed.Origin // all '' for a native post
	if q.Origin != nil {
		o = *q.Origin
	}
	b.Queue(insert, q.ID, q.Title, q.Content, q.Format, q.Summary, q.AuthorName, q.AuthorURI,
		q.Published.Unix(), q.Updated.Unix(), o.Source, o.ID, o.URL, o.CommentsURL)
	queueCategories(b, q.ID, q.Categories)
}

// postConflict turns the unique violation of an insert of post q into
// ECONFLICT, naming the key that was taken, and passes other errors on.
func postConflict(err error, q *feed.Post) error {
	switch {
	case isDuplicateOf(err, "posts_origin_idx"):
		return feed.Errorf(feed.ECONFLICT, "post %q of source %q already exists", q.Origin.ID, q.Origin.Source)
	case isDuplicate(err):
		// A deleted post keeps its id until purged: its tombstone names it.
		return feed.Errorf(feed.ECONFLICT, "post %q already exists", q.ID)
	}
	return err
}

// errorf wraps err, an error of the database, with context, but passes a
// *feed.Error on as it is: its message is for the client.
func errorf(err error, format string, args ...any) error {
	var e *feed.Error
	if errors.As(err, &e) {
		return err
	}
	return fmt.Errorf(format, args...)
}

// queueCategories adds to b the insert of a post's categories, in their
// order, as one statement over an array.
func queueCategories(b *pgx.Batch, postID string, categories []string) {
	if len(categories) == 0 {
		return
	}
	const insert = `INSERT INTO post_categories (post_id, position, name)
		SELECT $1, c.n - 1, c.name FROM unnest($2::text[]) WITH ORDINALITY AS c (name, n)`
	b.Queue(insert, postID, categories)
}

// postColumns selects a post from posts p, its origin, its categories as an
// array in their stored order, and whether it was deleted. One statement
// reads both, so they are consistent.
const postColumns = `p.id, p.title, p.content, p.format, p.summary, p.author_name, p.author_uri, p.published, p.updated,
	p.origin_source, p.origin_id, p.origin_url, p.origin_comments_url,
	ARRAY(SELECT c.name FROM post_categories c WHERE c.post_id = p.id ORDER BY c.position),
	p.deleted_at IS NOT NULL`

// scanPost reads a row of postColumns. deleted tells whether the post was
// deleted.
func scanPost(row pgx.Row) (p *feed.Post, deleted bool, err error) {
	var (
		q                  feed.Post
		published, updated int64
		o                  feed.Origin
	)
	err = row.Scan(&q.ID, &q.Title, &q.Content, &q.Format, &q.Summary, &q.AuthorName, &q.AuthorURI,
		&published, &updated, &o.Source, &o.ID, &o.URL, &o.CommentsURL, &q.Categories, &deleted)
	if err != nil {
		return nil, false, err
	}
	q.Published, q.Updated = fromUnix(published), fromUnix(updated)
	if o.Source != "" {
		q.Origin = &o
	}
	if len(q.Categories) == 0 {
		q.Categories = nil
	}
	return &q, deleted, nil
}

// livePost reads a post through a connection or a transaction: ENOTFOUND
// when there is none, EGONE when it was deleted.
func livePost(ctx context.Context, q querier, id string) (*feed.Post, error) {
	p, deleted, err := scanPost(q.QueryRow(ctx, `SELECT `+postColumns+` FROM posts p WHERE p.id = $1`, id))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, feed.Errorf(feed.ENOTFOUND, "post %q not found", id)
	case err != nil:
		return nil, fmt.Errorf("select post %q: %w", id, err)
	case deleted:
		return nil, feed.Errorf(feed.EGONE, "post %q was deleted", id)
	}
	return p, nil
}

// lockPost locks a post's row for an edit, until tx ends, and then reads
// it: ENOTFOUND when there is none, EGONE when it was deleted.
//
// Writes to one post take turns here. FOR NO KEY UPDATE conflicts with the
// FOR SHARE that CreateComment takes on the post, so a comment cannot slip
// onto a post that DeletePost is deleting, and with itself, so that two
// edits cannot both start from the same Updated. The read is a second
// statement: under READ COMMITTED it sees what a writer we waited for
// committed, categories included (a subquery of the locking statement
// would read them as they were before the wait).
func lockPost(ctx context.Context, tx pgx.Tx, id string) (*feed.Post, error) {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM posts WHERE id = $1 FOR NO KEY UPDATE`, id).Scan(&one)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, feed.Errorf(feed.ENOTFOUND, "post %q not found", id)
	case err != nil:
		return nil, fmt.Errorf("lock post %q: %w", id, err)
	}
	return livePost(ctx, tx, id)
}

// Post returns the post with the given id.
func (db *DB) Post(ctx context.Context, id string) (*feed.Post, error) {
	var p *feed.Post
	err := db.read(ctx, func(q querier) error {
		var err error
		p, err = livePost(ctx, q, id)
		return err
	})
	return p, err
}

// Posts returns the live posts f selects, newest first by Published (or
// Updated) and then ID, or oldest first.
func (db *DB) Posts(ctx context.Context, f store.PostFilter) ([]*feed.Post, error) {
	query, args, err := postsQuery(f)
	if err != nil {
		return nil, err
	}
	var posts []*feed.Post
	err = db.read(ctx, func(q querier) error {
		posts = nil
		rows, err := q.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p, _, err := scanPost(rows)
			if err != nil {
				return err
			}
			posts = append(posts, p)
		}
		return rows.Err()
	})
	if err != nil {
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
	var args params
	where := postsWhere(f, &args)
	if c := f.Before; c != nil {
		// A row comparison, which the index scan starts at.
		where += ` AND (p.published, p.id) < (` + args.add(c.Published.Unix()) + `, ` + args.add(c.ID) + `)`
	}
	query := `SELECT ` + postColumns + ` ` + where + ` ORDER BY ` + order("p", column, f.Ascending) +
		` LIMIT ` + args.add(n) + ` OFFSET ` + args.add(f.Offset)
	return query, args, nil
}

// postsWhere returns the FROM and WHERE clauses, over posts p, that select
// the live posts f selects, adding their arguments to args: every field
// but the order and the paging ones (Limit, Offset, Before), which
// postsQuery adds and CountPosts leaves out.
func postsWhere(f store.PostFilter, args *params) string {
	// Optional conditions append to where. The literal "deleted_at IS
	// NULL" lets the planner use the partial indexes on it.
	where := `FROM posts p WHERE p.deleted_at IS NULL`
	for _, b := range store.TimeBounds(f.PublishedMin, f.PublishedMax, f.UpdatedMin, f.UpdatedMax) {
		where += ` AND p.` + b.Column + ` ` + b.Op + ` ` + args.add(b.Unix)
	}
	if f.Category != "" {
		where += ` AND EXISTS (SELECT 1 FROM post_categories pc WHERE pc.post_id = p.id AND pc.name = ` +
			args.add(f.Category) + `)`
	}
	if f.Author != "" {
		// lower() under COLLATE "C" folds ASCII letters only, as
		// PostFilter asks and SQLite's lower() does; the database's own
		// collation may fold more (É to é). The left side is the
		// expression of posts_author_idx.
		where += ` AND lower(p.author_name COLLATE "C") = lower(` + args.add(f.Author) + `::text COLLATE "C")`
	}
	return where
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

// params collects the arguments of a statement as its conditions are
// built, and numbers their placeholders.
type params []any

// add appends v and returns its placeholder, "$1" for the first.
func (p *params) add(v any) string {
	*p = append(*p, v)
	return "$" + strconv.Itoa(len(*p))
}

// UpdatePost applies the set fields of u to a live post, in one
// transaction, and returns the post as stored.
func (db *DB) UpdatePost(ctx context.Context, id string, u store.PostUpdate) (*feed.Post, error) {
	var p feed.Post
	err := db.write(ctx, func(tx pgx.Tx) error {
		old, err := lockPost(ctx, tx, id)
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

		const update = `UPDATE posts SET title = $1, content = $2, format = $3, summary = $4, author_name = $5,
			author_uri = $6, updated = $7 WHERE id = $8`
		b := &pgx.Batch{}
		b.Queue(update, p.Title, p.Content, p.Format, p.Summary, p.AuthorName, p.AuthorURI, p.Updated.Unix(), id)
		if u.Categories != nil {
			b.Queue(`DELETE FROM post_categories WHERE post_id = $1`, id)
			queueCategories(b, id, p.Categories)
		}
		queueChange(b, now, id, "")
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return nil, errorf(err, "update post %q: %w", id, err)
	}
	return &p, nil
}

// DeletePost soft-deletes a live post and its live comments, of every
// status, at one time, and returns the post as it was. A comment deleted
// this way leaves a tombstone when it was public (approved).
func (db *DB) DeletePost(ctx context.Context, id string) (*feed.Post, error) {
	var p *feed.Post
	err := db.write(ctx, func(tx pgx.Tx) error {
		var err error
		if p, err = lockPost(ctx, tx, id); err != nil {
			return err
		}
		now := db.now()
		b := &pgx.Batch{}
		b.Queue(`UPDATE posts SET deleted_at = $1 WHERE id = $2`, now.Unix(), id)
		b.Queue(deleteComments+` WHERE post_id = $2 AND deleted_at IS NULL`, now.Unix(), id)
		queueChange(b, now, id, "")
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return nil, errorf(err, "delete post %q: %w", id, err)
	}
	return p, nil
}
