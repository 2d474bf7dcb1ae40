package poll_test

import (
	"context"
	"testing"
	"time"

	"github.com/feedd/feedd/poll"
)

// TestPoll_RepeatedEntryID polls a feed that repeats an entry's id, and
// its comment feed, which repeats a comment's, twice: the first entry of
// each id is stored, and the second poll of the unchanged documents writes
// nothing. (Found by FuzzUpstreamDocument: each poll stored both entries
// under the one id, the second overwriting the first, two changes a poll.)
func TestPoll_RepeatedEntryID(t *testing.T) {
	u := newUpstream(t)
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	replies := `<link rel="replies" type="application/atom+xml" href="` + u.url("/comments") + `"/>`
	u.serveFeed("/feed", "application/atom+xml", atomFeed("Blog",
		atomEntry{ID: "urn:p1", Title: "Newer", Content: "<p>newer</p>", Published: "2026-05-31T10:00:00Z", Extra: replies},
		atomEntry{ID: "urn:p1", Title: "Older", Content: "<p>older</p>", Published: "2026-05-30T10:00:00Z", Extra: replies}))
	u.serveFeed("/comments", "application/atom+xml", atomFeed("Comments",
		atomEntry{ID: "urn:c1", Title: "c", Content: "<p>first</p>", Author: "A", Published: "2026-05-31T11:00:00Z"},
		atomEntry{ID: "urn:c1", Title: "c", Content: "<p>second</p>", Author: "B"}))
	e := newEnv(t, poll.Options{Now: func() time.Time { return now }})
	src := poll.Source{Name: "blog", URL: u.url("/feed"), Comments: true}
	ctx := context.Background()

	if err := e.p.Poll(ctx, src); err != nil {
		t.Fatalf("first Poll: %v", err)
	}
	posts := e.posts(t, "blog")
	p := posts["urn:p1"]
	if len(posts) != 1 || p == nil || p.Title != "Newer" {
		t.Fatalf("stored posts = %v, want the first entry of urn:p1", posts)
	}
	comments := e.comments(t, p.ID)
	if c := comments["urn:c1"]; len(comments) != 1 || c == nil || c.AuthorName != "A" {
		t.Fatalf("stored comments = %v, want the first entry of urn:c1", comments)
	}
	seq := e.lastChange(t)
	if err := e.p.Poll(ctx, src); err != nil {
		t.Fatalf("second Poll: %v", err)
	}
	if got := e.lastChange(t); got != seq {
		t.Errorf("the second poll of unchanged documents logged %d changes", got-seq)
	}
	if u.hitCount("/comments") != 2 {
		t.Errorf("comment feed fetched %d times, want 2 (once a poll)", u.hitCount("/comments"))
	}
}
