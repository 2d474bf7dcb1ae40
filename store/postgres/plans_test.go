package postgres

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/feedd/feedd/store/sqlstore"
)

// TestRenderQueryPlans runs EXPLAIN on every query a render makes
// (sqlstore.RenderQueries) over a store of some size, analyzed, and fails
// on a sequential scan of posts or comments, or a sort of more than a
// thousand rows (of all the posts or comments; the planner may sort the
// few rows of one thread or author that an index gave it): a render must
// cost the entries it shows, not the size of the store. Each must use its
// index.
func TestRenderQueryPlans(t *testing.T) {
	db, _ := openTemp(t)
	const seed = `
		INSERT INTO posts (id, title, content, author_name, published, updated, deleted_at)
			SELECT 'p' || i, 'T', 'c', 'A' || (i % 40), i * 3600, i * 3600, CASE WHEN i % 50 = 0 THEN i * 3600 END
			FROM generate_series(1, 5000) i;
		INSERT INTO post_categories (post_id, position, name)
			SELECT 'p' || i, 0, (ARRAY['go', 'feeds', 'news', 'misc'])[i % 4 + 1] FROM generate_series(1, 5000) i;
		INSERT INTO comments (id, post_id, author_name, content, status, published, updated, deleted_at, tombstone)
			SELECT 'c' || i, 'p' || (i % 5000 + 1), 'A', 'c',
				CASE WHEN i % 10 = 0 THEN 'pending' ELSE 'approved' END, i * 60, i * 60,
				CASE WHEN i % 100 = 1 THEN i * 60 END, CASE WHEN i % 100 = 1 THEN 1 ELSE 0 END
			FROM generate_series(1, 50000) i;
		ANALYZE;`
	if _, err := db.sql.ExecContext(t.Context(), seed); err != nil {
		t.Fatal(err)
	}
	queries, err := sqlstore.RenderQueries(dialect)
	if err != nil {
		t.Fatal(err)
	}
	seqScan := regexp.MustCompile(`Seq Scan on (posts|comments|post_categories)\b`)
	sort := regexp.MustCompile(`(?m)(?:^|->  )(?:Incremental )?Sort  \(cost=[0-9.]+ rows=([0-9]+)`)
	for _, q := range queries {
		p := queryPlan(t, db.sql, q.Query, q.Args...)
		switch {
		case !strings.Contains(p, q.Index):
			t.Errorf("%s: plan uses no %s:\n%s", q.Name, q.Index, p)
		case seqScan.MatchString(p):
			t.Errorf("%s: plan scans a table:\n%s", q.Name, p)
		case bigSort(sort, p):
			t.Errorf("%s: plan sorts:\n%s", q.Name, p)
		}
	}
}

// bigSort reports whether plan p sorts more than a thousand rows.
func bigSort(sort *regexp.Regexp, p string) bool {
	for _, m := range sort.FindAllStringSubmatch(p, -1) {
		if n, _ := strconv.Atoi(m[1]); n > 1000 {
			return true
		}
	}
	return false
}
