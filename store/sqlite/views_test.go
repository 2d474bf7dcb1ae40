package sqlite

import (
	"strings"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

func TestViews_QueryPlans(t *testing.T) {
	// The reads of every view of a feed walk an index in the order asked
	// (either way) and stop at the LIMIT, instead of sorting the whole
	// selection: SQLite picks a partial index only when the query repeats
	// its condition literally, and an index on an expression only for the
	// same expression. "USE TEMP B-TREE FOR ORDER BY" in a plan is a sort.
	db, _ := openTemp(t)
	query := func(q string, args []any, err error) (string, []any) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return q, args
	}
	for _, tt := range []struct {
		name, index string
		query       string
		args        []any
	}{
		{name: "posts feed", index: "posts_live_idx"},
		{name: "posts archive", index: "posts_live_idx"},
		{name: "posts by updated", index: "posts_updated_idx"},
		{name: "posts by updated, oldest first", index: "posts_updated_idx"},
		{name: "author feed", index: "posts_author_idx"},
		{name: "thread by updated", index: "comments_thread_updated_idx"},
		{name: "thread archive", index: "comments_thread_idx"},
		{name: "comments by updated", index: "comments_status_updated_idx"},
	} {
		switch tt.name {
		case "posts feed":
			tt.query, tt.args = query(postsQuery(store.PostFilter{Limit: 25, Offset: 50}))
		case "posts archive":
			tt.query, tt.args = query(postsQuery(store.PostFilter{Limit: 25, Offset: 50, Ascending: true}))
		case "posts by updated":
			tt.query, tt.args = query(postsQuery(store.PostFilter{Limit: 25, OrderBy: feed.OrderUpdated}))
		case "posts by updated, oldest first":
			tt.query, tt.args = query(postsQuery(store.PostFilter{Limit: 25, OrderBy: feed.OrderUpdated, Ascending: true}))
		case "author feed":
			tt.query, tt.args = query(postsQuery(store.PostFilter{Limit: 25, Author: "Ann"}))
		case "thread by updated":
			tt.query, tt.args = query(commentsQuery(store.CommentFilter{PostID: "p", Limit: 25, OrderBy: feed.OrderUpdated}))
		case "thread archive":
			tt.query, tt.args = query(commentsQuery(store.CommentFilter{PostID: "p", Limit: 25, Offset: 25, Ascending: true}))
		case "comments by updated":
			tt.query, tt.args = query(commentsQuery(store.CommentFilter{Limit: 25, OrderBy: feed.OrderUpdated}))
		}
		p := queryPlan(t, db, tt.query, tt.args...)
		if !strings.Contains(p, tt.index) || strings.Contains(p, "TEMP B-TREE FOR ORDER BY") {
			t.Errorf("%s: plan\n%s\nwant it to walk %s without sorting", tt.name, p, tt.index)
		}
	}
}
