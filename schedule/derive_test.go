package schedule_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/poll"
	"github.com/feedd/feedd/schedule"
	"github.com/feedd/feedd/store/sqlite"
)

// The scheduler's start derives afresh the HTML of rows stored under an
// older content policy, and Stop waits for that pass.
func TestStart_DerivesStaleHTML(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "feedd.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreatePost(ctx, &feed.Post{ID: "p", Title: "P", Content: "*hi*", Format: feed.FormatMarkdown}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateComment(ctx, &feed.Comment{PostID: "p", AuthorName: "A", Content: "hello"}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	// As an older feedd left it: HTML of version 0, and no pass done.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []string{
		`UPDATE posts SET html = 'stale', html_version = 0`,
		`UPDATE comments SET html = 'stale', html_version = 0`,
		`UPDATE html_derived SET version = 0`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}

	st, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r, err := render.New(render.Options{Title: "t", BaseURL: "https://blog.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	c := cache.New(st, r, cache.Options{}, nil)
	p := poll.New(st, poll.Options{}, nil)
	s, err := schedule.New(ctx, st, c, p, nil, schedule.Config{Regenerate: "@every 1h", Purge: "@every 1h"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Start(ctx)
	<-s.Stop()

	for _, table := range []string{"posts", "comments"} {
		var html string
		var version int
		if err := raw.QueryRowContext(ctx, `SELECT html, html_version FROM `+table).Scan(&html, &version); err != nil {
			t.Fatal(err)
		}
		if version != content.Version || html == "stale" || html == "" {
			t.Errorf("%s: html %q of version %d after Start; want it derived under version %d", table, html, version, content.Version)
		}
	}
}
