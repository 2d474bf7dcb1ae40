package postgres

import (
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/sqlstore"
)

// The queries of the core as this store runs them, for the tests of their
// plans.
var (
	queries                       = sqlstore.Queries(dialect)
	postByOriginLock              = queries["postByOriginLock"]
	commentByOriginLock           = queries["commentByOriginLock"]
	parentByOriginQuery           = queries["parentByOriginQuery"]
	postByOriginQuery             = queries["postByOriginQuery"]
	commentAndParentByOriginQuery = queries["commentAndParentByOriginQuery"]
	changesQuery                  = queries["changesQuery"]
)

func postsQuery(f store.PostFilter) (string, []any, error) { return sqlstore.Query(dialect, f) }

func commentsQuery(f store.CommentFilter) (string, []any, error) { return sqlstore.Query(dialect, f) }

// nullable passes an empty parent id as NULL.
func nullable(id string) any {
	if id == "" {
		return nil
	}
	return id
}
