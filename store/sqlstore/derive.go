package sqlstore

import (
	"context"
	"fmt"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
)

// deriveBatch is how many rows DeriveHTML reads, derives and rewrites at a
// time, in one write transaction: a few milliseconds of SQLite's write
// lock, which other writers wait for.
const deriveBatch = 256

// staleRow is a row whose HTML DeriveHTML derives: its source as read,
// and the version its HTML was derived under.
type staleRow struct {
	id, content, format string
	version             int
	html                string
}

// DeriveHTML re-derives the HTML of the rows of posts and comments derived
// under an older content.Version (see store.Deriver), and, when the
// comment image mode (content.CommentImages) is not the one html_derived
// records, of the comments that hold an image. Each batch is read outside
// any transaction, derived, then written in a transaction of its own, each
// row on the condition that its source and version are still those read: a
// row edited meanwhile was derived by its edit. A pass that finishes marks
// html_derived with this Version and mode, which later passes read first
// and stop at. Rows written meanwhile by a feedd of an older Version are
// derived in memory on reads until a later Version's pass.
func (db *DB) DeriveHTML(ctx context.Context) (int, error) {
	var mark int
	var images string
	if err := db.one(ctx, `SELECT version, comment_images FROM html_derived`, nil, &mark, &images); err != nil {
		return 0, fmt.Errorf("derive html: read mark: %w", err)
	}
	stale := mark < content.Version
	if !stale && images == content.CommentImages() {
		return 0, nil
	}
	// Rows of an older version, or, after a change of the image mode
	// alone, the comments that may hold an image (rows of a newer version
	// are that feedd's to derive).
	commentsWhere := `html_version < ?`
	if !stale {
		commentsWhere = `html_version <= ? AND lower(content) LIKE '%<img%'`
	}
	n := 0
	// A comment's source is its content alone; its format reads as ''.
	for _, t := range []struct {
		table, read, update string
		args                func(r *staleRow) []any
		derive              func(r *staleRow)
	}{
		{"posts",
			`SELECT id, content, format, html_version FROM posts
				WHERE id > ? AND html_version < ? ORDER BY id LIMIT ?`,
			`UPDATE posts SET html = ?, html_version = ?
				WHERE id = ? AND html_version = ? AND content = ? AND format = ?`,
			func(r *staleRow) []any { return []any{r.html, content.Version, r.id, r.version, r.content, r.format} },
			func(r *staleRow) {
				p := feed.Post{Content: r.content, Format: r.format}
				content.DerivePost(&p)
				r.html = p.HTML
			}},
		{"comments",
			`SELECT id, content, '', html_version FROM comments
				WHERE id > ? AND ` + commentsWhere + ` ORDER BY id LIMIT ?`,
			`UPDATE comments SET html = ?, html_version = ?
				WHERE id = ? AND html_version = ? AND content = ?`,
			func(r *staleRow) []any { return []any{r.html, content.Version, r.id, r.version, r.content} },
			func(r *staleRow) {
				c := feed.Comment{Content: r.content}
				content.DeriveComment(&c)
				r.html = c.HTML
			}},
	} {
		if t.table == "posts" && !stale {
			continue // posts have no image mode
		}
		after := ""
		for {
			if err := ctx.Err(); err != nil {
				return n, err
			}
			rows, err := list(ctx, db, t.read, []any{after, content.Version, deriveBatch}, func(row scanner) (*staleRow, error) {
				var r staleRow
				return &r, row.Scan(&r.id, &r.content, &r.format, &r.version)
			})
			if err != nil {
				return n, fmt.Errorf("derive html: read %s: %w", t.table, err)
			}
			if len(rows) == 0 {
				break
			}
			for _, r := range rows {
				t.derive(r)
			}
			// The transaction only writes: no statement goes through the
			// pool while it holds a connection.
			err = db.Write(ctx, func(tx *Tx) error {
				for _, r := range rows {
					tx.queue(t.update, t.args(r)...)
				}
				return nil
			})
			if err != nil {
				return n, fmt.Errorf("derive html: write %s: %w", t.table, err)
			}
			n += len(rows)
			if len(rows) < deriveBatch {
				break
			}
			after = rows[len(rows)-1].id
		}
	}
	err := db.Write(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE html_derived SET version = ?, comment_images = ? WHERE version <= ?`,
			content.Version, content.CommentImages(), content.Version)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("derive html: mark: %w", err)
	}
	return n, nil
}
