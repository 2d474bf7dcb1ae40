package sqlite

import (
	"regexp"
	"strings"
	"testing"

	"github.com/feedd/feedd/store/sqlstore"
)

// TestRenderQueryPlans runs EXPLAIN QUERY PLAN on every query a render
// makes (sqlstore.RenderQueries) and fails on a full scan of posts or
// comments, or a sort in a temporary B-tree: a render must cost the
// entries it shows, not the size of the store. Each must walk its index.
func TestRenderQueryPlans(t *testing.T) {
	db, _ := openTemp(t)
	queries, err := sqlstore.RenderQueries(dialect)
	if err != nil {
		t.Fatal(err)
	}
	// A temporary B-tree for json_group_array sorts one post's categories.
	// "SCAN c" alone is a scan of the table; "SCAN c USING INDEX x" walks
	// x in order and stops at the LIMIT.
	fullScan := regexp.MustCompile(`(?m)^SCAN (p|c|pc|posts|comments|post_categories)$`)
	for _, q := range queries {
		p := queryPlan(t, db, q.Query, q.Args...)
		switch {
		case !strings.Contains(p, q.Index):
			t.Errorf("%s: plan\n%s\nuses no %s", q.Name, p, q.Index)
		case fullScan.MatchString(p):
			t.Errorf("%s: plan\n%s\nscans a table", q.Name, p)
		case regexp.MustCompile(`TEMP B-TREE FOR (ORDER BY|GROUP BY|DISTINCT)`).MatchString(p):
			t.Errorf("%s: plan\n%s\nsorts", q.Name, p)
		}
	}
}
