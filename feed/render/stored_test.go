package render

import (
	"strings"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
)

// TestRender_StoredHTML checks that feeds show the HTML an entry carries,
// derived when it was written, without sanitizing its source again; only
// an entry carrying none of this content.Version is derived on the way.
func TestRender_StoredHTML(t *testing.T) {
	r := newTestRenderer(t, false)
	at := date("2024-05-01T12:00:00Z")
	stored := &feed.Post{ID: "s", Title: "S", Content: "<p>source s</p>", Published: at, Updated: at,
		HTML: "<p>stored s</p>", HTMLVersion: content.Version}
	stale := &feed.Post{ID: "o", Title: "O", Content: "<p>source o</p>", Published: at, Updated: at,
		HTML: "<p>stored o</p>", HTMLVersion: content.Version - 1}
	c := &feed.Comment{ID: "c", PostID: "s", AuthorName: "Ann", Content: "source c", Published: at, Updated: at,
		HTML: "<p>stored c</p>", HTMLVersion: content.Version}
	for _, f := range feed.Formats {
		posts, _, err := r.Posts(f, []*feed.Post{stored, stale}, nil, nil)
		if err != nil {
			t.Fatalf("Posts(%s): %v", f, err)
		}
		thread, _, err := r.Thread(f, stored, []*feed.Comment{c}, nil)
		if err != nil {
			t.Fatalf("Thread(%s): %v", f, err)
		}
		for _, tc := range []struct {
			doc      []byte
			has, not string
		}{
			{posts, "stored s", "source s"},
			{posts, "source o", "stored o"},
			{thread, "stored c", "source c"},
		} {
			if s := string(tc.doc); !strings.Contains(s, tc.has) || strings.Contains(s, tc.not) {
				t.Errorf("%s: want %q and not %q in\n%s", f, tc.has, tc.not, s)
			}
		}
	}
}
