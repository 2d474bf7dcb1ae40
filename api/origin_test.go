package api_test

import (
	"strings"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/sitetest"
)

// TestAPI_Origin: mirrored posts and comments show where they came from.
func TestAPI_Origin(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	ctx := t.Context()
	p := &feed.Post{Title: "Mirrored", Content: "<p>hi</p>", Origin: &feed.Origin{
		Source: "friend", ID: "tag:friend,2026:1", URL: "https://friend.example.org/1", CommentsURL: "https://friend.example.org/1/comments"}}
	if _, err := e.DB.UpsertPost(ctx, p); err != nil {
		t.Fatal(err)
	}
	c := &feed.Comment{PostID: p.ID, AuthorName: "Reader", Content: "nice", Origin: &feed.Origin{Source: "friend", ID: "tag:friend,2026:c1"}}
	if _, err := e.DB.UpsertComment(ctx, c, ""); err != nil {
		t.Fatal(err)
	}
	e.Sync(t)

	type origin struct {
		Source      string `json:"source"`
		ID          string `json:"upstream_id"`
		URL         string `json:"upstream_url"`
		CommentsURL string `json:"upstream_comments_url"`
	}
	got := sitetest.Decode[struct{ Origin *origin }](t, sitetest.Do(t, e.Handler, "GET", "/api/posts/"+p.ID, ""), 200)
	if got.Origin == nil || got.Origin.Source != "friend" || got.Origin.ID != "tag:friend,2026:1" ||
		got.Origin.URL != "https://friend.example.org/1" || got.Origin.CommentsURL != "https://friend.example.org/1/comments" {
		t.Errorf("post origin = %+v", got.Origin)
	}
	thread := sitetest.Decode[struct {
		Comments []struct{ Origin *origin }
	}](t, sitetest.Do(t, e.Handler, "GET", "/api/posts/"+p.ID+"/comments", ""), 200)
	if len(thread.Comments) != 1 || thread.Comments[0].Origin == nil || thread.Comments[0].Origin.ID != "tag:friend,2026:c1" {
		t.Errorf("thread = %+v", thread)
	}
	// Local posts have none.
	if w := sitetest.Do(t, e.Handler, "GET", "/api/posts/alpha", ""); strings.Contains(w.Body.String(), "origin") {
		t.Errorf("local post shows an origin: %s", w.Body)
	}
}
