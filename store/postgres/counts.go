package postgres

import (
	"context"
	"fmt"

	"github.com/feedd/feedd/store"
)

// CountPosts returns the number of live posts f selects, ignoring its
// Limit, Offset, Before, Ascending and OrderBy.
func (db *DB) CountPosts(ctx context.Context, f store.PostFilter) (int, error) {
	var args params
	query := `SELECT COUNT(*) ` + postsWhere(f, &args)
	var n int
	err := db.read(ctx, func(q querier) error {
		return q.QueryRow(ctx, query, args...).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("count posts: %w", err)
	}
	return n, nil
}

// CountComments returns the number of live comments f selects, ignoring
// its Limit, Offset, Ascending and OrderBy. With f.PostID set it fails
// like Comments when that post does not exist or was deleted.
func (db *DB) CountComments(ctx context.Context, f store.CommentFilter) (int, error) {
	var args params
	where, err := commentsWhere(f, &args)
	if err != nil {
		return 0, err
	}
	query := `SELECT COUNT(*) ` + where
	var n int
	err = db.read(ctx, func(q querier) error {
		if err := q.QueryRow(ctx, query, args...).Scan(&n); err != nil {
			return fmt.Errorf("count comments: %w", err)
		}
		if n == 0 && f.PostID != "" {
			// As in Comments: a post with live comments is itself live.
			_, err := livePost(ctx, q, f.PostID)
			return err
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
