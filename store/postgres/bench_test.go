package postgres

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/sqlite"
)

// The benchmarks run the same work on both stores, so that one run gives
// figures to compare:
//
//	FEEDD_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test \
//		go test -run '^$' -bench . -benchtime 2s ./store/postgres/
//
// Without FEEDD_TEST_POSTGRES the postgres halves skip.

// benchStores lists the stores to benchmark, each opened empty for b.
func benchStores() []struct {
	name string
	open func(b *testing.B) store.Store
} {
	return []struct {
		name string
		open func(b *testing.B) store.Store
	}{
		{"sqlite", func(b *testing.B) store.Store {
			db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "feedd.db"))
			if err != nil {
				b.Fatalf("open sqlite: %v", err)
			}
			b.Cleanup(func() { db.Close() })
			return db
		}},
		{"postgres", func(b *testing.B) store.Store {
			db, _ := openTemp(b)
			return db
		}},
	}
}

// benchComment is a comment of typical size: a few sentences.
func benchComment(postID, parentID string) *feed.Comment {
	return &feed.Comment{PostID: postID, ParentID: parentID, AuthorName: "Ann Example",
		AuthorURI: "https://ann.example/", Content: strings.Repeat("A comment of some length. ", 12)}
}

// seedBench stores posts posts with comments comments each, a third of
// them replies, dated a minute apart, and returns the ids of the posts.
func seedBench(b *testing.B, s store.Store, posts, comments int) []string {
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
			c := benchComment(p.ID, parent)
			c.Published = p.Published.Add(time.Duration(j+1) * time.Minute)
			if err := s.CreateComment(ctx, c); err != nil {
				b.Fatal(err)
			}
			last = c.ID
		}
	}
	return ids
}

// BenchmarkCommentWrite measures CreateComment on a post with comments
// already: the checks of post and parent, the insert, the change record
// and the durable commit. "serial" is one writer; "parallel" is
// GOMAXPROCS writers at once on one post.
func BenchmarkCommentWrite(b *testing.B) {
	for _, st := range benchStores() {
		b.Run(st.name, func(b *testing.B) {
			for _, mode := range []string{"serial", "parallel"} {
				b.Run(mode, func(b *testing.B) {
					s := st.open(b)
					postID := seedBench(b, s, 10, 20)[0]
					ctx := context.Background()
					if mode == "serial" {
						b.ResetTimer()
						for b.Loop() {
							if err := s.CreateComment(ctx, benchComment(postID, "")); err != nil {
								b.Fatal(err)
							}
						}
						return
					}
					var failed atomic.Bool
					b.ResetTimer()
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if err := s.CreateComment(ctx, benchComment(postID, "")); err != nil && !failed.Swap(true) {
								b.Error(err)
							}
						}
					})
				})
			}
		})
	}
}

// BenchmarkThreadRead measures what a thread page or feed reads: the post,
// then the newest 25 of its 100 comments.
func BenchmarkThreadRead(b *testing.B) {
	for _, st := range benchStores() {
		b.Run(st.name, func(b *testing.B) {
			s := st.open(b)
			ids := seedBench(b, s, 5, 100)
			ctx := context.Background()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				id := ids[i%len(ids)]
				i++
				if _, err := s.Post(ctx, id); err != nil {
					b.Fatal(err)
				}
				comments, err := s.Comments(ctx, store.CommentFilter{PostID: id, Limit: 25})
				if err != nil || len(comments) != 25 {
					b.Fatalf("Comments = %d, %v; want 25", len(comments), err)
				}
			}
		})
	}
}
