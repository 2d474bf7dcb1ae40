package poll_test

import (
	"context"
	"os"
	"testing"

	"github.com/feedd/feedd/poll"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/postgres"
	"github.com/feedd/feedd/store/postgres/pgtest"
)

// TestImport_ExportsPostgres imports the WordPress and Disqus exports
// twice into PostgreSQL: the same counts as on SQLite, the Disqus
// replies threaded three deep, and nothing changed the second time.
func TestImport_ExportsPostgres(t *testing.T) {
	dsn, _ := pgtest.Schema(t)
	ctx := context.Background()
	st, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p := poll.New(st, poll.Options{}, nil)
	run := func(name, source string) poll.ImportResult {
		t.Helper()
		f, err := os.Open("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		res, err := p.Import(ctx, f, "", source, nil)
		if err != nil {
			t.Fatalf("Import(%s): %v", name, err)
		}
		return res
	}
	for _, step := range []struct {
		name, source string
		want         poll.ImportResult
	}{
		{"wordpress.xml", "wp", poll.ImportResult{Posts: 3, Comments: 9}},
		{"disqus.xml", "disqus", poll.ImportResult{Comments: 6, Skipped: 2}},
		{"wordpress.xml", "wp", poll.ImportResult{Unchanged: 12}},
		{"disqus.xml", "disqus", poll.ImportResult{Unchanged: 6, Skipped: 2}},
	} {
		if got := run(step.name, step.source); got != step.want {
			t.Errorf("import %s = %+v, want %+v", step.name, got, step.want)
		}
	}
	cs, err := st.Comments(ctx, store.CommentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	depth := map[string]int{}
	for _, c := range cs {
		depth[c.Origin.ID] = c.Depth
	}
	if len(cs) != 15 || depth["disqus:9900005"] != 3 || depth[wpComment(wpGarlic, "203")] != 2 || depth[wpComment(wpGarlic, "207")] != 1 {
		t.Errorf("%d comments, depths %v", len(cs), depth)
	}
}
