package storetest

import (
	"sync"
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

// testMentionQueue checks the queue of Webmentions waiting for
// verification: one entry per (source, target), bounded, claimed oldest
// first, once at a time, taken over after the lease, and kept when
// received again during its verification.
func testMentionQueue(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := t.Context()
	queue := func(t *testing.T, s store.Store, source, target string, max int) bool {
		t.Helper()
		ok, err := s.QueueMention(ctx, source, target, max)
		if err != nil {
			t.Fatalf("QueueMention(%s, %s): %v", source, target, err)
		}
		return ok
	}
	claim := func(t *testing.T, s store.Store, lease time.Duration) *store.PendingMention {
		t.Helper()
		m, err := s.ClaimMention(ctx, lease)
		if err != nil {
			t.Fatalf("ClaimMention: %v", err)
		}
		return m
	}
	const a, b, c, target = "https://a.example/1", "https://b.example/1", "https://c.example/1", "https://blog.example/posts/p"

	t.Run("OK", func(t *testing.T) {
		s := newStore(t, open)
		if m := claim(t, s, time.Minute); m != nil {
			t.Fatalf("ClaimMention of an empty queue = %+v", m)
		}
		first := now(t).UTC().Truncate(time.Second)
		queue(t, s, a, target, 0)
		clockOf(t).Advance(time.Second)
		queue(t, s, b, target, 0)
		queue(t, s, a, target, 0) // once, in its place
		m1 := claim(t, s, time.Minute)
		if m1 == nil || m1.Source != a || m1.Target != target || !m1.Received.Equal(first) {
			t.Fatalf("first claim = %+v, want %s received at %v", m1, a, first)
		}
		m2 := claim(t, s, time.Minute)
		if m2 == nil || m2.Source != b {
			t.Fatalf("second claim = %+v, want %s", m2, b)
		}
		if m := claim(t, s, time.Minute); m != nil {
			t.Errorf("a third claim of two mentions = %+v", m)
		}
		if err := s.DoneMention(ctx, m1); err != nil {
			t.Fatal(err)
		}
		// Past the lease, an unfinished claim is taken over.
		clockOf(t).Advance(2 * time.Minute)
		m3 := claim(t, s, time.Minute)
		if m3 == nil || m3.Source != b || m3.Claim == m2.Claim {
			t.Fatalf("claim past the lease = %+v, want %s claimed again", m3, b)
		}
		// The old claim's done does not remove the new claim's.
		if err := s.DoneMention(ctx, m2); err != nil {
			t.Fatal(err)
		}
		clockOf(t).Advance(2 * time.Minute)
		if m := claim(t, s, time.Minute); m == nil || m.Source != b {
			t.Errorf("claim after a stale done = %+v, want %s still there", m, b)
		}
		_, err := s.ClaimMention(ctx, 0)
		wantCode(t, err, feed.EINVALID)
		_, err = s.QueueMention(ctx, "", target, 0)
		wantCode(t, err, feed.EINVALID)
	})

	t.Run("ReceivedAgain", func(t *testing.T) {
		s := newStore(t, open)
		queue(t, s, a, target, 0)
		m := claim(t, s, time.Hour)
		// Sent again while it is verified: verified once more afterwards.
		queue(t, s, a, target, 0)
		if err := s.DoneMention(ctx, m); err != nil {
			t.Fatal(err)
		}
		clockOf(t).Advance(time.Millisecond)
		again := claim(t, s, time.Hour)
		if again == nil || again.Source != a {
			t.Fatalf("claim after the mention was received again = %+v", again)
		}
		if err := s.DoneMention(ctx, again); err != nil {
			t.Fatal(err)
		}
		if m := claim(t, s, time.Hour); m != nil {
			t.Errorf("claim after done = %+v, want none", m)
		}
	})

	t.Run("Bounded", func(t *testing.T) {
		s := newStore(t, open)
		if !queue(t, s, a, target, 2) || !queue(t, s, b, target, 2) {
			t.Fatal("the first two were refused")
		}
		if queue(t, s, c, target, 2) {
			t.Error("a third was queued past the bound")
		}
		if !queue(t, s, a, target, 2) {
			t.Error("one waiting already was refused at the bound")
		}
		m := claim(t, s, time.Minute)
		if err := s.DoneMention(ctx, m); err != nil {
			t.Fatal(err)
		}
		if !queue(t, s, c, target, 2) {
			t.Error("refused with room again")
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		s := newStore(t, open)
		const n = 20
		for i := range n {
			queue(t, s, idf("https://s%d.example/", i), target, 0)
		}
		var mu sync.Mutex
		got := map[string]int{}
		concurrently(t, 8, func(int) error {
			for {
				m, err := s.ClaimMention(ctx, time.Hour)
				if err != nil || m == nil {
					return err
				}
				mu.Lock()
				got[m.Source]++
				mu.Unlock()
			}
		})
		if len(got) != n {
			t.Errorf("%d mentions claimed, want %d", len(got), n)
		}
		for src, k := range got {
			if k != 1 {
				t.Errorf("%s claimed %d times", src, k)
			}
		}
	})
}
