package render

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/mmcdole/gofeed"
)

// The moderation feed: its own id and title whatever the key, the secret
// self link, an edit link per entry, and no hub or stylesheet even when
// the site has them.
func TestModeration(t *testing.T) {
	r, err := New(Options{Title: "My <Blog>", BaseURL: "https://EXAMPLE.org:443/blog/", Hubs: []string{"https://hub.example.net/"}})
	if err != nil {
		t.Fatal(err)
	}
	pub := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	comments := []*feed.Comment{
		{ID: "c2", PostID: "p1", AuthorName: "Ann", Content: "<p>hello <script>x</script><a href=\"/x\">l</a></p>", Status: feed.StatusPending,
			Published: pub.Add(time.Hour), PostTitle: "First post"},
		{ID: "c1", PostID: "p2", AuthorName: "", Content: "plain", Status: feed.StatusPending, Published: pub},
	}
	self := r.ModerationSelf("k3y")
	if want := "https://example.org/blog/admin/feed/k3y.atom"; self != want {
		t.Errorf("ModerationSelf = %q, want %q", self, want)
	}
	b, updated, err := r.Moderation(comments, self)
	if err != nil {
		t.Fatal(err)
	}
	if !updated.Equal(pub.Add(time.Hour)) {
		t.Errorf("updated = %v", updated)
	}
	body := string(b)
	d, err := gofeed.NewParser().Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gofeed: %v\n%s", err, body)
	}
	if want := "Pending comments \u2014 My <Blog>"; d.Title != want {
		t.Errorf("title = %q, want %q", d.Title, want)
	}
	if d.FeedLink != self {
		t.Errorf("self = %q", d.FeedLink)
	}
	if !strings.Contains(body, "<id>https://example.org/blog/admin/feed</id>") {
		t.Errorf("feed id:\n%s", body)
	}
	if len(d.Items) != 2 || d.Items[0].Author.Name != "Ann" || !strings.Contains(d.Items[0].Title, "First post") {
		t.Fatalf("items:\n%s", body)
	}
	if c := d.Items[0].Content; strings.Contains(c, "<script") || !strings.Contains(c, `href="https://example.org/x"`) {
		t.Errorf("content not the sanitized, absolutized comment HTML: %q", c)
	}
	if d.Items[0].Link != r.CommentURL("p1", "c2") {
		t.Errorf("link = %q, want %q", d.Items[0].Link, r.CommentURL("p1", "c2"))
	}
	if n := strings.Count(body, `rel="edit" type="text/html" href="https://example.org/blog/admin/"`) + strings.Count(body, `href="https://example.org/blog/admin/" rel="edit"`); n != 2 {
		t.Errorf("%d edit links, want 2:\n%s", n, body)
	}
	for _, s := range []string{"hub.example.net", "xml-stylesheet", `rel="hub"`} {
		if strings.Contains(body, s) {
			t.Errorf("moderation feed contains %q", s)
		}
	}
	// Deterministic, and empty renders.
	if b2, _, _ := r.Moderation(comments, self); !bytes.Equal(b, b2) {
		t.Error("two renderings differ")
	}
	if _, _, err := r.Moderation(nil, self); err != nil {
		t.Errorf("empty: %v", err)
	}
	// The other feeds still advertise the hub.
	if pb, _, err := r.Comments(feed.Atom, comments, nil); err != nil || !strings.Contains(string(pb), "hub.example.net") {
		t.Errorf("comments feed lost its hub: %v", err)
	}
}
