package sqlite

import (
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/sqlstore"
)

// The queries of the core as this store runs them, for the tests of their
// plans.
var (
	queries                       = sqlstore.Queries(dialect)
	postByOriginQuery             = queries["postByOriginQuery"]
	commentByOriginQuery          = queries["commentByOriginLock"] // no lock in SQLite
	parentByOriginQuery           = queries["parentByOriginQuery"]
	commentAndParentByOriginQuery = queries["commentAndParentByOriginQuery"]
)

func postsQuery(f store.PostFilter) (string, []any, error) { return sqlstore.Query(dialect, f) }

func commentsQuery(f store.CommentFilter) (string, []any, error) { return sqlstore.Query(dialect, f) }
