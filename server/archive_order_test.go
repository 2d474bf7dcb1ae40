package server_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/sitetest"
)

// TestArchives_SameSecond (issue 14 item 7): 45 local comments on a
// thread with pages of 10, then 3 more at once (in the same second as the
// newest archived one, on the real clock): the archives keep their bytes
// and ETags, as their max-age promises.
func TestArchives_SameSecond(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{PageSize: 10})
	ctx := context.Background()
	p := &feed.Post{Title: "Busy", Content: "<p>busy</p>"}
	if err := e.DB.CreatePost(ctx, p); err != nil {
		t.Fatal(err)
	}
	comment := func(i int) {
		c := &feed.Comment{PostID: p.ID, AuthorName: "Reader", Content: fmt.Sprintf("comment %d", i)}
		if err := e.DB.CreateComment(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 45 {
		comment(i)
	}
	e.Sync(t)
	type version struct {
		body []byte
		etag string
	}
	archives := map[string]version{}
	for k := 1; k <= 4; k++ {
		path := fmt.Sprintf("/feeds/posts/%s/comments/archive/%d.atom", p.ID, k)
		w := sitetest.Do(t, e.Handler, "GET", path, "")
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, w.Code)
		}
		archives[path] = version{w.Body.Bytes(), w.Header().Get("ETag")}
	}
	for i := range 3 {
		comment(45 + i)
	}
	e.Sync(t)
	for path, old := range archives {
		w := sitetest.Do(t, e.Handler, "GET", path, "")
		if !bytes.Equal(w.Body.Bytes(), old.body) || w.Header().Get("ETag") != old.etag {
			t.Errorf("%s changed after new comments", path)
		}
	}
}
