package cache_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/postgres/pgtest"
	"github.com/feedd/feedd/store/sqlite"
)

// BenchmarkColdThreadFeed measures what a request for a thread feed costs
// right after a write dropped it, on each store: the store reads (the
// post, the newest 25 of its 100 comments, its tombstones), rendering
// (sanitizing included) and gzip. It is the figure of a cache miss, beside
// store/postgres's BenchmarkThreadRead, which measures the reads alone on
// the same data:
//
//	FEEDD_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test \
//		go test -run '^$' -bench ColdThreadFeed -benchtime 2s ./cache/
//
// Without FEEDD_TEST_POSTGRES the postgres half skips.
func BenchmarkColdThreadFeed(b *testing.B) {
	for _, st := range benchStores {
		b.Run(st.name, func(b *testing.B) {
			s := st.open(b)
			ids := seedThreads(b, s, 5, 100)
			r, err := render.New(render.Options{Title: "Bench", BaseURL: "https://blog.example.org"})
			if err != nil {
				b.Fatal(err)
			}
			c := cache.New(s, r, cache.Options{}, slog.New(slog.DiscardHandler))
			ctx := context.Background()
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				c.Purge()
				if _, err := c.Get(ctx, feed.ThreadFeed(ids[i%len(ids)]), feed.Atom); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkColdPostsFeed is BenchmarkColdThreadFeed for the posts feed:
// the newest 25 of 40 posts of about 4 KB of HTML each (paragraphs,
// links, a figure with a relative image URL), read from the store,
// rendered and gzipped.
//
//	FEEDD_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test \
//		go test -run '^$' -bench ColdPostsFeed -benchtime 2s ./cache/
func BenchmarkColdPostsFeed(b *testing.B) {
	for _, st := range benchStores {
		b.Run(st.name, func(b *testing.B) {
			s := st.open(b)
			seedPosts(b, s, 40)
			r, err := render.New(render.Options{Title: "Bench", BaseURL: "https://blog.example.org"})
			if err != nil {
				b.Fatal(err)
			}
			c := cache.New(s, r, cache.Options{}, slog.New(slog.DiscardHandler))
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				c.Purge()
				if _, err := c.Get(ctx, feed.PostsFeed, feed.Atom); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchStores are the stores the cold benchmarks run on: a new SQLite
// file, and a new PostgreSQL schema (skipped without FEEDD_TEST_POSTGRES).
var benchStores = []struct {
	name string
	open func(b *testing.B) store.Store
}{
	{"sqlite", func(b *testing.B) store.Store {
		db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "feedd.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		return db
	}},
	{"postgres", func(b *testing.B) store.Store {
		dsn, _ := pgtest.Schema(b)
		return openPostgres(b, dsn)
	}},
}

// seedPosts stores n posts of about 4 KB of HTML each, dated an hour
// apart.
func seedPosts(b *testing.B, s store.Store, n int) {
	b.Helper()
	ctx := context.Background()
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for i := range n {
		var body strings.Builder
		for j := range 6 {
			fmt.Fprintf(&body, "<p>Paragraph %d of post %d, with <em>some</em> emphasis, a <a href=\"https://example.org/ref/%d\">reference</a> "+
				"and enough ordinary prose to make it as long as a paragraph of a real post usually is, "+
				"which is to say several sentences about one thing, written down plainly for a reader.</p>\n", j, i, j)
			if j == 2 {
				fmt.Fprintf(&body, "<figure><img src=\"/images/%d.jpg\" alt=\"Figure %d\"><figcaption>A figure.</figcaption></figure>\n", i, i)
			}
		}
		p := &feed.Post{Title: fmt.Sprint("Post ", i), Content: body.String(), Summary: "A post of the benchmark.",
			AuthorName: "Ann Example", Categories: []string{"go", "feeds"}, Published: t0.Add(time.Duration(i) * time.Hour)}
		if err := s.CreatePost(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
}

// seedThreads stores posts posts of comments comments each, a third of them
// replies, dated a minute apart, as store/postgres's benchmarks do, and
// returns the ids of the posts.
func seedThreads(b *testing.B, s store.Store, posts, comments int) []string {
	b.Helper()
	ctx := context.Background()
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var ids []string
	for i := range posts {
		p := &feed.Post{Title: fmt.Sprint("Post ", i), Content: strings.Repeat("<p>Some text.</p>", 50),
			Categories: []string{"go", "feeds"}, Published: t0.Add(time.Duration(i) * time.Hour)}
		if err := s.CreatePost(ctx, p); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, p.ID)
		var last string
		for j := range comments {
			parent := ""
			if j%3 == 2 {
				parent = last
			}
			c := &feed.Comment{PostID: p.ID, ParentID: parent, AuthorName: "Ann Example",
				AuthorURI: "https://ann.example/", Content: strings.Repeat("A comment of some length. ", 12),
				Published: p.Published.Add(time.Duration(j+1) * time.Minute)}
			if err := s.CreateComment(ctx, c); err != nil {
				b.Fatal(err)
			}
			last = c.ID
		}
	}
	return ids
}
