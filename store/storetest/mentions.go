package storetest

import (
	"time"

	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// testMention checks mentions (comments with Kind and SourceURL): stored
// and read back with them, one live per post and source, found by
// Mention whatever their status, edited to another kind, removed with a
// tombstone and then received afresh.
func testMention(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := t.Context()
	const src = "https://other.example/notes/1"
	mention := func(id, post, kind, source string) *feed.Comment {
		return &feed.Comment{ID: id, PostID: post, Kind: kind, SourceURL: source,
			AuthorName: "Bea", AuthorURI: "https://other.example/", Content: "<p>nice post</p>", Published: at(5)}
	}

	t.Run("OK", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		createPost(t, s, "q", "Q", at(0))
		m := mention("m1", "p", feed.MentionReply, src)
		if err := s.CreateComment(ctx, m); err != nil {
			t.Fatalf("CreateComment: %v", err)
		}
		for _, read := range []func() (*feed.Comment, error){
			func() (*feed.Comment, error) { return s.Comment(ctx, "m1") },
			func() (*feed.Comment, error) { return s.Mention(ctx, "p", src) },
		} {
			got, err := read()
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			checkComment(t, got, m)
		}
		if got := comments(t, s, store.CommentFilter{PostID: "p"}); commentIDs(got) != "m1" || got[0].Kind != feed.MentionReply || got[0].SourceURL != src {
			t.Errorf("thread = %s %+v, want m1 with its kind and source", commentIDs(got), got)
		}
		// The same source on another post is another mention.
		if err := s.CreateComment(ctx, mention("m2", "q", feed.MentionLike, src)); err != nil {
			t.Errorf("CreateComment of the source on another post: %v", err)
		}
		// Not on the same post, even pending or of another kind.
		dup := mention("", "p", feed.MentionLike, src)
		dup.Status = feed.StatusPending
		wantCode(t, s.CreateComment(ctx, dup), feed.ECONFLICT)
		_, err := s.Mention(ctx, "p", "https://other.example/none")
		wantCode(t, err, feed.ENOTFOUND)
		_, err = s.Mention(ctx, "p", "")
		wantCode(t, err, feed.EINVALID)
	})

	t.Run("Invalid", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		for name, c := range map[string]*feed.Comment{
			"unknown kind":      mention("", "p", "pingback", src),
			"kind, no source":   mention("", "p", feed.MentionLike, ""),
			"source, no kind":   mention("", "p", "", src),
			"relative source":   mention("", "p", feed.MentionLike, "/notes/1"),
			"mailto source":     mention("", "p", feed.MentionLike, "mailto:bea@other.example"),
			"ftp source":        mention("", "p", feed.MentionLike, "ftp://other.example/1"),
			"multi-line source": mention("", "p", feed.MentionLike, "https://other.example/\n1"),
		} {
			if err := s.CreateComment(ctx, c); feed.ErrorCode(err) != feed.EINVALID {
				t.Errorf("%s: CreateComment = %v, want EINVALID", name, err)
			}
		}
		checkNoComments(t, s)
		createComment(t, s, "c", "p", "", at(1))
		if _, err := s.UpdateComment(ctx, "c", store.CommentUpdate{Kind: ptr(feed.MentionLike)}); feed.ErrorCode(err) != feed.EINVALID {
			t.Errorf("UpdateComment of a comment to a mention = %v, want EINVALID", err)
		}
		if err := s.CreateComment(ctx, mention("m", "p", feed.MentionLike, src)); err != nil {
			t.Fatalf("CreateComment: %v", err)
		}
		for _, k := range []string{"", "pingback"} {
			if _, err := s.UpdateComment(ctx, "m", store.CommentUpdate{Kind: ptr(k)}); feed.ErrorCode(err) != feed.EINVALID {
				t.Errorf("UpdateComment(kind %q) = %v, want EINVALID", k, err)
			}
		}
	})

	t.Run("UpdateAndRemove", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		m := mention("m1", "p", feed.MentionLike, src)
		m.Status = feed.StatusPending
		if err := s.CreateComment(ctx, m); err != nil {
			t.Fatalf("CreateComment: %v", err)
		}
		if got, err := s.Mention(ctx, "p", src); err != nil || got.Status != feed.StatusPending {
			t.Fatalf("Mention of a pending one = %+v, %v", got, err)
		}
		// Approved, it keeps the date its source gave.
		got, err := s.UpdateComment(ctx, "m1", store.CommentUpdate{Status: ptr(feed.StatusApproved), Kind: ptr(feed.MentionReply), Content: ptr("a reply now")})
		if err != nil {
			t.Fatalf("UpdateComment: %v", err)
		}
		checkTime(t, "Published", got.Published, at(5))
		if got.Kind != feed.MentionReply || got.SourceURL != src || got.Content != "a reply now" {
			t.Errorf("updated mention = %+v", got)
		}
		if again, err := s.Mention(ctx, "p", src); err != nil || again.Kind != feed.MentionReply {
			t.Errorf("Mention after the update = %+v, %v", again, err)
		}
		clockOf(t).Advance(2 * time.Second)
		deleteComment(t, s, "m1")
		_, err = s.Mention(ctx, "p", src)
		wantCode(t, err, feed.ENOTFOUND)
		if stones := tombstones(t, s, feed.Ref{Kind: feed.KindThread, PostID: "p"}, 0); stoneIDs(stones) != "p/m1" {
			t.Errorf("tombstones = %s, want p/m1", stoneIDs(stones))
		}
		// Received again after its removal: a new entry.
		if err := s.CreateComment(ctx, mention("m2", "p", feed.MentionLink, src)); err != nil {
			t.Fatalf("CreateComment after the removal: %v", err)
		}
		if got, err := s.Mention(ctx, "p", src); err != nil || got.ID != "m2" {
			t.Errorf("Mention = %+v, %v; want m2", got, err)
		}
	})
}
