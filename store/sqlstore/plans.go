package sqlstore

import (
	"fmt"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// RenderQuery is a query that rendering a feed document makes, for the
// tests of query plans: the index its plan walks, the query as the
// dialect spells it, and example arguments.
type RenderQuery struct {
	Name, Index, Query string
	Args               []any
}

// RenderQueries returns every query a render makes (cache.load: heads,
// pages, archives, queries, digests, comment counts, tombstones), built
// by the very code that builds them for a render, with a page size of 25,
// each with the index it must walk. The README's "Queries and indexes"
// lists them.
func RenderQueries(d *Dialect) ([]RenderQuery, error) {
	db := New(nil, d)
	const size = 25
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []RenderQuery
	var err error
	add := func(name, index, query string, args []any, e error) {
		if e != nil && err == nil {
			err = fmt.Errorf("%s: %w", name, e)
		}
		out = append(out, RenderQuery{Name: name, Index: index, Query: db.q(query), Args: args})
	}
	// A placed read (Place) of skip then n entries, as placed reads it.
	window := func(name, index string, s selection, skip int, ascending bool) {
		q, args, e := db.windowQuery(s, skip, size, ascending)
		add(name, index, q, args, e)
	}
	posts := func(f store.PostFilter) selection { return db.postsSelection(f) }
	comments := func(f store.CommentFilter) selection {
		where, args, e := commentsWhere(f)
		if e != nil && err == nil {
			err = e
		}
		return selection{columns: commentColumns, a: "c", where: where, args: args, orderBy: f.OrderBy, total: commentsTotal(f)}
	}

	window("posts head", "posts_live_idx", posts(store.PostFilter{}), 0, false)
	window("posts page/archive, newer half", "posts_live_idx", posts(store.PostFilter{}), 50, false)
	window("posts archive, older half", "posts_live_idx", posts(store.PostFilter{}), 50, true)
	window("category head", "post_categories", posts(store.PostFilter{Category: "go"}), 0, false)
	window("author head", "posts_author_idx", posts(store.PostFilter{Author: "Ann"}), 0, false)
	window("posts query orderby=updated", "posts_updated_idx", posts(store.PostFilter{OrderBy: feed.OrderUpdated}), 100, false)
	window("posts query published-min/max", "posts_live_idx",
		posts(store.PostFilter{PublishedMin: day, PublishedMax: day.AddDate(0, 1, 0)}), 0, false)
	// A window deep into the posts feed or the site comments feed first
	// sums the sizes of its days (seek), then walks from its day on.
	seek := func(name, index string, s selection, ascending bool) {
		add(name+": its day", "day_totals", daysQuery(ascending), []any{5000, 5000, s.total.kind}, nil)
		window(name, index, fromDay(s, (day.Unix()+dayShift)/daySeconds, ascending), 10, ascending)
	}
	seek("posts archive, deep", "posts_live_idx", posts(store.PostFilter{}), true)
	seek("site comments archive, deep", "comments_status_idx", comments(store.CommentFilter{}), true)
	seek("site comments page, deep", "comments_status_idx", comments(store.CommentFilter{}), false)
	window("site comments head", "comments_status_idx", comments(store.CommentFilter{}), 0, false)
	window("site comments archive, older half", "comments_status_idx", comments(store.CommentFilter{}), 50, true)
	window("site comments query orderby=updated", "comments_status_updated_idx",
		comments(store.CommentFilter{OrderBy: feed.OrderUpdated}), 0, false)
	// A thread's reads walk comments_thread_idx (by published) or
	// comments_thread_updated_idx; PostgreSQL may take either for a thread
	// it expects to be short, and sort its few rows.
	window("thread head", "comments_thread", comments(store.CommentFilter{PostID: "p7"}), 0, false)
	window("thread archive, older half", "comments_thread", comments(store.CommentFilter{PostID: "p7"}), 25, true)
	window("thread query orderby=updated", "comments_thread_updated_idx",
		comments(store.CommentFilter{PostID: "p7", OrderBy: feed.OrderUpdated}), 0, false)

	// The sizes: a row of totals, or a count over an index range.
	add("size from totals", "totals", totalQuery, []any{"thread", "p7"}, nil)
	s := posts(store.PostFilter{PublishedMin: day, PublishedMax: day.AddDate(0, 1, 0)})
	add("size of a posts query with time bounds", "posts_live_idx", `SELECT COUNT(*) `+s.where, s.args, nil)
	s = comments(store.CommentFilter{PublishedMin: day, PublishedMax: day.AddDate(0, 1, 0)})
	add("size of a comments query with time bounds", "comments_status_idx", `SELECT COUNT(*) `+s.where, s.args, nil)

	// Digests: the posts and comments of the closed periods.
	q, args, e := db.postsQuery(store.PostFilter{PublishedMin: day, PublishedMax: day.AddDate(0, 0, 7)})
	add("digest posts", "posts_live_idx", q, args, e)
	q, args, e = db.commentsQuery(store.CommentFilter{PublishedMin: day, PublishedMax: day.AddDate(0, 0, 7)})
	add("digest comments", "comments_status_idx", q, args, e)

	// A thread's post; comment counts (comment_counts: true).
	add("thread's post", "posts", `SELECT `+db.postCols+` FROM posts p WHERE p.id = ?`, []any{"p7"}, nil)
	add("comment counts (ThreadStats)", "comments_thread_updated_idx", db.threadStatsQuery(), []any{d.List([]string{"p1", "p2"})}, nil)

	// Tombstones of each head.
	for _, k := range []feed.Kind{feed.KindPosts, feed.KindComments, feed.KindThread} {
		q, args := tombstonesQuery(feed.Ref{Kind: k, PostID: "p7"}, size)
		index := map[feed.Kind]string{feed.KindPosts: "posts_deleted_idx", feed.KindComments: "comments_tombstone_idx",
			feed.KindThread: "comments_thread_tombstone_idx"}[k]
		add("tombstones of "+string(k), index, q, args, nil)
	}
	return out, err
}
