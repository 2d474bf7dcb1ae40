package server_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/sitetest"
)

// newBenchEnv is newEnv with a full page of posts, each with comments, so
// that documents have a realistic size.
func newBenchEnv(b *testing.B) *sitetest.Env { return newBenchEnvWith(b, sitetest.Options{}) }

// newBenchEnvWith is newBenchEnv over sitetest.New(b, o).
func newBenchEnvWith(b *testing.B, o sitetest.Options) *sitetest.Env {
	e := sitetest.New(b, o)
	ctx := context.Background()
	start := sitetest.Date("2026-01-01T00:00:00Z")
	for i := 0; i < 30; i++ {
		p := feed.Post{
			ID:         fmt.Sprintf("post-%02d", i),
			Title:      fmt.Sprintf("Post number %d", i),
			Content:    strings.Repeat(fmt.Sprintf("<p>Paragraph of post %d, with some words in it.</p>", i), 8),
			AuthorName: "Bench Author",
			Categories: []string{"bench", "feeds"},
			Published:  start.Add(time.Duration(i) * time.Hour),
		}
		if err := e.DB.CreatePost(ctx, &p); err != nil {
			b.Fatal(err)
		}
		for j := 0; j < 3; j++ {
			c := feed.Comment{PostID: p.ID, AuthorName: "Reader", Content: fmt.Sprintf("<p>Comment %d on %d.</p>", j, i),
				Published: p.Published.Add(time.Duration(j+1) * time.Minute)}
			if err := e.DB.CreateComment(ctx, &c); err != nil {
				b.Fatal(err)
			}
		}
	}
	return e
}

// BenchmarkServeCached serves feeds from the cache; BenchmarkServeCold is
// the baseline on the same data, purging the cache before every request so
// that each one reads the store, renders and gzips.
func BenchmarkServeCached(b *testing.B) { benchServe(b, false) }

// BenchmarkServeCold: see BenchmarkServeCached.
func BenchmarkServeCold(b *testing.B) { benchServe(b, true) }

func benchServe(b *testing.B, cold bool) {
	e := newBenchEnv(b)
	feeds := []struct{ name, prefix string }{
		{"posts", "/feeds/posts."},
		{"comments", "/feeds/comments."},
		{"thread", "/feeds/posts/post-07/comments."},
	}
	for _, f := range feeds {
		for _, ext := range []string{"atom", "rss", "json"} {
			for _, enc := range []string{"identity", "gzip"} {
				b.Run(f.name+"/"+ext+"/"+enc, func(b *testing.B) {
					req := httptest.NewRequest("GET", f.prefix+ext, nil)
					if enc == "gzip" {
						req.Header.Set("Accept-Encoding", "gzip, deflate, br")
					}
					w := httptest.NewRecorder()
					e.Handler.ServeHTTP(w, req) // warm the cache
					if w.Code != 200 {
						b.Fatalf("status %d", w.Code)
					}
					b.SetBytes(int64(w.Body.Len()))
					b.ReportAllocs()
					for b.Loop() {
						h := e.Handler
						if cold {
							b.StopTimer()
							h = e.Cold()
							b.StartTimer()
						}
						w := httptest.NewRecorder()
						h.ServeHTTP(w, req)
						if w.Code != 200 {
							b.Fatalf("status %d", w.Code)
						}
					}
				})
			}
		}
	}
}

func BenchmarkConditional304(b *testing.B) {
	e := newBenchEnv(b)
	for _, enc := range []string{"identity", "gzip"} {
		b.Run(enc, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/feeds/posts.atom", nil)
			if enc == "gzip" {
				req.Header.Set("Accept-Encoding", "gzip")
			}
			w := httptest.NewRecorder()
			e.Handler.ServeHTTP(w, req)
			req.Header.Set("If-None-Match", w.Header().Get("ETag"))
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				e.Handler.ServeHTTP(w, req)
				if w.Code != 304 {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}

// BenchmarkArchive serves an archive document of a 1,000-comment thread,
// from the cache and cold (the cache purged before each request: a count,
// an offset read of 25 comments, render, gzip), beside the thread's head
// cold, to show what the offset read costs.
func BenchmarkArchive(b *testing.B) {
	e := sitetest.New(b, sitetest.Options{})
	seedThread(b, e, 1000)
	for _, tc := range []struct {
		name, path string
		cold       bool
	}{
		{"archive/cached", "/feeds/posts/long/comments/archive/3.atom", false},
		{"archive/cold", "/feeds/posts/long/comments/archive/3.atom", true},
		{"archive-newest/cold", "/feeds/posts/long/comments/archive/39.atom", true},
		{"head/cold", "/feeds/posts/long/comments.atom", true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", tc.path, nil)
			e.Handler.ServeHTTP(httptest.NewRecorder(), req) // warm the cache
			b.ReportAllocs()
			for b.Loop() {
				h := e.Handler
				if tc.cold {
					b.StopTimer()
					h = e.Cold()
					b.StartTimer()
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}

// BenchmarkDelta answers a delta request (A-IM: feed) for a thread feed
// two comments behind, beside a plain full answer of the same feed, both
// from the cache, with deltas on (feeds.delta).
func BenchmarkDelta(b *testing.B) {
	e := newBenchEnvWith(b, sitetest.Options{Config: deltaOn})
	path := "/feeds/posts/post-07/comments.atom"
	w := httptest.NewRecorder()
	e.Handler.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	old := w.Header().Get("ETag")
	ctx := context.Background()
	for range 2 {
		c := &feed.Comment{PostID: "post-07", AuthorName: "Late", Content: "<p>late</p>"}
		if err := e.DB.CreateComment(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	e.Sync(b)
	for _, tc := range []struct {
		name string
		aim  bool
	}{{"full", false}, {"delta", true}} {
		b.Run(tc.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", path, nil)
			if tc.aim {
				req.Header.Set("A-IM", "feed")
				req.Header.Set("If-None-Match", old)
			}
			want := map[bool]int{false: 200, true: 226}[tc.aim]
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				e.Handler.ServeHTTP(w, req)
				if w.Code != want {
					b.Fatalf("status %d, want %d", w.Code, want)
				}
			}
		})
	}
}
