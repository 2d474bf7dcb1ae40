package postgres

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

// queryPlan returns PostgreSQL's plan of query (EXPLAIN), run on q, a
// line per row of it.
func queryPlan(t *testing.T, q sqlstore.Querier, query string, args ...any) string {
	t.Helper()
	rows, err := q.QueryContext(t.Context(), `EXPLAIN `+query, args...)
	if err != nil {
		t.Fatalf("EXPLAIN: %v\n%s", err, query)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(line + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan.String()
}
