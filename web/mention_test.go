package web_test

import (
	"strings"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/sitetest"
	"github.com/feedd/feedd/store"
)

// TestMentions_Pages: a Webmention shows on its post's page marked with
// its kind and its source's site, takes replies only as a reply or a
// plain mention, and a held one shows in the moderation inbox so marked.
func TestMentions_Pages(t *testing.T) {
	s := newAdminSite(t, adminToken)
	ctx := t.Context()
	for _, m := range []*feed.Comment{
		{ID: "w1", Kind: feed.MentionLike, SourceURL: "https://other.example/likes/1", AuthorName: "Bea"},
		{ID: "w2", Kind: feed.MentionReply, SourceURL: "https://other.example/notes/2", AuthorName: "Cy"},
		{ID: "w3", Kind: feed.MentionRepost, SourceURL: "https://third.example/r", AuthorName: "Di", Status: feed.StatusPending},
	} {
		m.PostID, m.Content, m.Published = "logbooks", "<p>about the logbooks</p>", sitetest.Date("2026-03-05T10:00:00Z")
		if err := s.st.CreateComment(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	w := do(t, s.handler, "GET", "/posts/logbooks", "")
	body := w.Body.String()
	for id, want := range map[string]string{
		"w1": `liked this on <a href="https://other.example/likes/1" rel="nofollow ugc">other.example</a>`,
		"w2": `replied on <a href="https://other.example/notes/2" rel="nofollow ugc">other.example</a>`,
	} {
		n := byID(parseHTML(t, strings.NewReader(body)), "comment-"+id)
		if n == nil {
			t.Fatalf("no comment-%s on the page", id)
		}
		if got := innerHTML(t, n); !strings.Contains(got, want) {
			t.Errorf("comment-%s = %s\nwant it to hold %s", id, got, want)
		}
	}
	if !strings.Contains(body, `class="comment mention mention-like"`) || strings.Contains(body, "?reply=w1#") || !strings.Contains(body, "?reply=w2#") {
		t.Error("a like is not marked, or takes replies, or a reply takes none")
	}
	if strings.Contains(body, "third.example") {
		t.Error("a held mention is on the post's page")
	}
	inboxBody := inbox(t, s.handler, signIn(t, s.handler)).Body.String()
	if !strings.Contains(inboxBody, `Di (reposted this on <a href="https://third.example/r" rel="nofollow ugc">third.example</a>, a webmention) on`) {
		t.Errorf("the inbox does not mark the held mention:\n%s", inboxBody)
	}
	// Approved from the inbox's store path, it keeps its date.
	c, err := s.st.UpdateComment(ctx, "w3", store.CommentUpdate{Status: ptrStatus(feed.StatusApproved)})
	if err != nil || !c.Published.Equal(sitetest.Date("2026-03-05T10:00:00Z")) {
		t.Errorf("approved mention = %+v, %v", c, err)
	}
}
