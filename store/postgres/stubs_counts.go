package postgres

import (
	"context"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// TODO(issue 6): placeholders until the count queries land.

func (db *DB) CountPosts(ctx context.Context, f store.PostFilter) (int, error) {
	return 0, feed.Errorf(feed.EINTERNAL, "CountPosts: not implemented")
}

func (db *DB) CountComments(ctx context.Context, f store.CommentFilter) (int, error) {
	return 0, feed.Errorf(feed.EINTERNAL, "CountComments: not implemented")
}
