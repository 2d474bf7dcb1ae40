package server_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/sitetest"
)

// TestServeFeed_Invalidation checks that a new comment changes exactly the
// feeds it appears in.
func TestServeFeed_Invalidation(t *testing.T) {
	for _, counts := range []bool{false, true} {
		t.Run(fmt.Sprintf("comment_counts=%v", counts), func(t *testing.T) {
			e := sitetest.New(t, sitetest.Options{CommentCounts: counts})
			paths := func(ext string) map[string]string {
				return map[string]string{
					"posts":    "/feeds/posts." + ext,
					"comments": "/feeds/comments." + ext,
					"alpha":    "/feeds/posts/alpha/comments." + ext,
					"beta":     "/feeds/posts/beta/comments." + ext,
				}
			}
			before := map[string]string{}
			for _, ext := range []string{"atom", "rss", "json"} {
				for _, p := range paths(ext) {
					w := sitetest.Do(t, e.Handler, "GET", p, "")
					before[p] = w.Header().Get("ETag")
					if again := sitetest.Do(t, e.Handler, "GET", p, "", "If-None-Match", before[p]); again.Code != 304 || again.Body.Len() != 0 {
						t.Fatalf("repeat GET %s = %d with %d bytes, want 304 and none", p, again.Code, again.Body.Len())
					}
				}
			}

			w := sitetest.Do(t, e.Handler, "POST", "/api/posts/alpha/comments",
				`{"author":"Eve","content":"brand new remark"}`, "Content-Type", "application/json")
			if w.Code != 201 {
				t.Fatalf("POST comment = %d %s", w.Code, w.Body)
			}

			for _, ext := range []string{"atom", "rss", "json"} {
				for name, p := range paths(ext) {
					changes := name == "comments" || name == "alpha" || (name == "posts" && counts)
					w := sitetest.Do(t, e.Handler, "GET", p, "", "If-None-Match", before[p])
					if changes {
						if w.Code != 200 || w.Header().Get("ETag") == before[p] {
							t.Errorf("%s after the comment: %d, ETag %s (was %s); want 200 and a new ETag", p, w.Code, w.Header().Get("ETag"), before[p])
						}
						if name != "posts" && !strings.Contains(w.Body.String(), "brand new remark") {
							t.Errorf("%s lacks the new comment", p)
						}
					} else if w.Code != 304 || w.Header().Get("ETag") != before[p] {
						t.Errorf("%s after the comment: %d, ETag %s; want 304 and %s", p, w.Code, w.Header().Get("ETag"), before[p])
					}
				}
			}
		})
	}
}

// TestServeFeed_NewPostInvalidates checks that a new post shows in the posts
// feed at once, and its thread feed exists.
func TestServeFeed_NewPostInvalidates(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	sitetest.Do(t, e.Handler, "GET", "/feeds/posts.atom", "")
	w := sitetest.Do(t, e.Handler, "POST", "/api/posts", `{"id":"gamma","title":"Gamma post","content":"<p>g</p>"}`,
		"Authorization", "Bearer "+sitetest.Token)
	if w.Code != 201 {
		t.Fatalf("POST post = %d %s", w.Code, w.Body)
	}
	if body := sitetest.Do(t, e.Handler, "GET", "/feeds/posts.atom", "").Body.String(); !strings.Contains(body, "Gamma post") {
		t.Error("posts feed lacks the new post")
	}
	if w := sitetest.Do(t, e.Handler, "GET", "/feeds/posts/gamma/comments.json", ""); w.Code != 200 {
		t.Errorf("new post's thread = %d", w.Code)
	}
}

// TestServeFeed_ConcurrentMissRendersOnce sends 50 simultaneous GETs of an
// uncached feed: one load from the store serves them all.
func TestServeFeed_ConcurrentMissRendersOnce(t *testing.T) {
	for _, path := range []string{"/feeds/posts.atom", "/feeds/comments.rss", "/feeds/posts/alpha/comments.json"} {
		t.Run(path, func(t *testing.T) {
			e := sitetest.New(t, sitetest.Options{CommentCounts: true})
			before := e.Cache.Stats()
			var wg sync.WaitGroup
			start := make(chan struct{})
			codes := make([]int, 50)
			bodies := make([][]byte, 50)
			for i := range codes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					w := sitetest.Do(t, e.Handler, "GET", path, "")
					codes[i], bodies[i] = w.Code, w.Body.Bytes()
				}()
			}
			close(start)
			wg.Wait()
			for i := range codes {
				if codes[i] != 200 || !bytes.Equal(bodies[i], bodies[0]) {
					t.Fatalf("request %d: %d, or body differs", i, codes[i])
				}
			}
			after := e.Cache.Stats()
			if got := after.Renders - before.Renders; got != 1 {
				t.Errorf("%d renders, want 1", got)
			}
			want := map[string]int{"Posts": 1, "ThreadStats": 1, "Tombstones": 1}
			switch {
			case strings.HasPrefix(path, "/feeds/comments"):
				want = map[string]int{"Comments": 1, "Tombstones": 1}
			case strings.HasPrefix(path, "/feeds/posts/"):
				want = map[string]int{"Post": 1, "Comments": 1, "Tombstones": 1}
			}
			total := 0
			for m, n := range want {
				total += n
				if got := e.St.N(m); got != n {
					t.Errorf("%s called %d times, want %d", m, got, n)
				}
			}
			if got := e.St.N(""); got != total {
				t.Errorf("%d store calls, want %d", got, total)
			}
		})
	}
}

// TestServeFeed_WriteRace has readers hammer the feeds while comments are
// posted: after each POST's answer, a GET must show that comment.
func TestServeFeed_WriteRace(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{CommentCounts: true})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	// Stop the readers before the store closes, on failure too.
	defer wg.Wait()
	defer cancel()
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			paths := []string{"/feeds/posts/alpha/comments.atom", "/feeds/comments.atom", "/feeds/posts.json", "/feeds/posts/alpha/comments.json"}
			for n := 0; ctx.Err() == nil; n++ {
				ae := ""
				if n%2 == 0 {
					ae = "gzip"
				}
				if w := sitetest.Do(t, e.Handler, "GET", paths[n%len(paths)], "", "Accept-Encoding", ae); w.Code != 200 {
					t.Errorf("reader GET = %d", w.Code)
					return
				}
			}
		}()
	}
	// Comments posted in one second tie on Published and are ordered by
	// random ID: stay within one page (25) so every one is in the feeds.
	for i := 0; i < 20; i++ {
		marker := fmt.Sprintf("race marker %d", i)
		w := sitetest.Do(t, e.Handler, "POST", "/api/posts/alpha/comments", `{"author":"Racer","content":"`+marker+`"}`)
		if w.Code != 201 {
			t.Fatalf("POST = %d %s", w.Code, w.Body)
		}
		for _, p := range []string{"/feeds/posts/alpha/comments.atom", "/feeds/comments.atom", "/feeds/posts/alpha/comments.json"} {
			if body := sitetest.Do(t, e.Handler, "GET", p, "").Body.String(); !strings.Contains(body, marker) {
				t.Fatalf("GET %s after POST %d's answer lacks the comment", p, i)
			}
		}
		if body := sitetest.Do(t, e.Handler, "GET", "/feeds/posts.json", "").Body.String(); !strings.Contains(body, "alpha") {
			t.Fatal("posts feed lost alpha")
		}
	}
}

// TestSweep_PicksUpOtherProcess writes to the store behind the server's back,
// as the CLI would: the feeds change only after a sweep.
func TestSweep_PicksUpOtherProcess(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	const path = "/feeds/posts/beta/comments.atom"
	first := sitetest.Do(t, e.Handler, "GET", path, "")
	posts := sitetest.Do(t, e.Handler, "GET", "/feeds/posts.atom", "")

	// A sweep with nothing new keeps every document.
	if err := e.Cache.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	if w := sitetest.Do(t, e.Handler, "GET", path, "", "If-None-Match", first.Header().Get("ETag")); w.Code != 304 {
		t.Fatalf("after an idle sweep: %d, want 304", w.Code)
	}

	c := feed.Comment{PostID: "beta", AuthorName: "Cli", Content: "written by the CLI"}
	if err := e.DB.CreateComment(context.Background(), &c); err != nil {
		t.Fatal(err)
	}
	if w := sitetest.Do(t, e.Handler, "GET", path, "", "If-None-Match", first.Header().Get("ETag")); w.Code != 304 {
		t.Fatalf("before the sweep: %d, want 304 from the cache", w.Code)
	}
	if err := e.Cache.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	w := sitetest.Do(t, e.Handler, "GET", path, "", "If-None-Match", first.Header().Get("ETag"))
	if w.Code != 200 || w.Header().Get("ETag") == first.Header().Get("ETag") || !strings.Contains(w.Body.String(), "written by the CLI") {
		t.Errorf("after the sweep: %d, ETag %s (was %s); want 200 with the comment", w.Code, w.Header().Get("ETag"), first.Header().Get("ETag"))
	}
	if w := sitetest.Do(t, e.Handler, "GET", "/feeds/posts.atom", "", "If-None-Match", posts.Header().Get("ETag")); w.Code != 304 {
		t.Errorf("posts feed after the sweep: %d, want 304 (unchanged)", w.Code)
	}
}
