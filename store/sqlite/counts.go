package sqlite

import (
	"context"
	"fmt"

	"github.com/feedd/feedd/store"
)

// CountPosts returns the number of live posts f selects, ignoring its
// Limit, Offset, Before, Ascending and OrderBy.
func (db *DB) CountPosts(ctx context.Context, f store.PostFilter) (int, error) {
	where, args := postsWhere(f)
	var n int
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) `+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count posts: %w", err)
	}
	return n, nil
}

// CountComments returns the number of live comments f selects, ignoring
// its Limit, Offset, Ascending and OrderBy. With f.PostID set it fails
// like Comments when that post does not exist or was deleted.
func (db *DB) CountComments(ctx context.Context, f store.CommentFilter) (int, error) {
	where, args, err := commentsWhere(f)
	if err != nil {
		return 0, err
	}
	var n int
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) `+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count comments: %w", err)
	}
	if n == 0 && f.PostID != "" {
		// As in Comments: a post with live comments is itself live.
		if _, err := db.Post(ctx, f.PostID); err != nil {
			return 0, err
		}
	}
	return n, nil
}
