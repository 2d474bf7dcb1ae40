package sqlite

import (
	"strings"
	"testing"

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

// queryPlan returns SQLite's plan of query (EXPLAIN QUERY PLAN), a line
// per step.
func queryPlan(t *testing.T, db *DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.db.QueryContext(t.Context(), `EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatalf("EXPLAIN QUERY PLAN: %v\n%s", err, query)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var (
			id, parent, unused int
			detail             string
		)
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}
