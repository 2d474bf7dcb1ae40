package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

func testUpsertComment(t *testing.T, open func(t *testing.T) store.Store) {
	const source, postUpID = "up", "tag:up.example,2024:post/1"
	// seed stores the mirrored post the comments belong to.
	seed := func(t *testing.T, s store.Store) *feed.Post {
		t.Helper()
		p, _ := upsertPost(t, s, upstreamPost(source, postUpID, "One"))
		return p
	}
	// comment upserts upstream comment id of post, replying to parent,
	// and checks the change it reports.
	comment := func(t *testing.T, s store.Store, post *feed.Post, id, parent string, wantChanged bool) *feed.Comment {
		t.Helper()
		c, changed := upsertComment(t, s, upstreamComment(post.ID, source, id), parent)
		if changed != wantChanged {
			t.Errorf("UpsertComment(%q, parent %q): changed = %v, want %v", id, parent, changed, wantChanged)
		}
		return c
	}
	// depthOf reads the stored parent and depth of comment id.
	parentOf := func(t *testing.T, s store.Store, id string) (string, int) {
		t.Helper()
		c, err := s.Comment(t.Context(), id)
		if err != nil {
			t.Fatalf("Comment(%q): %v", id, err)
		}
		return c.ParentID, c.Depth
	}

	t.Run("New", func(t *testing.T) {
		s := newStore(t, open)
		post := seed(t, s)
		seq := lastSeq(t, s)
		in := upstreamComment(post.ID, source, "c-1")
		in.Status = feed.StatusPending // mirrored comments are approved
		c, changed := upsertComment(t, s, in, "")
		if !changed {
			t.Error("UpsertComment of a new comment: changed = false")
		}
		checkNewID(t, c.ID)
		want := upstreamComment(post.ID, source, "c-1")
		want.ID, want.Status, want.PostTitle, want.PostUpdated = c.ID, feed.StatusApproved, post.Title, post.Updated
		checkComment(t, c, want)
		// Reads carry the origin: the thread and the site feed alike.
		for _, f := range []store.CommentFilter{{PostID: post.ID}, {}} {
			list := comments(t, s, f)
			if len(list) != 1 {
				t.Fatalf("Comments(%+v) = %s, want the one comment", f, commentIDs(list))
			}
			checkComment(t, list[0], want)
		}
		if got := seqs(changes(t, s, seq, 0)); len(got) != 1 || got[0] != idf("%d:%s/%s", lastSeq(t, s), post.ID, c.ID) {
			t.Errorf("Changes = %v, want one record of %s/%s", got, post.ID, c.ID)
		}
		// A given ID is kept, and the defaults of CreateComment apply.
		before := now(t)
		d := &feed.Comment{ID: "mine", PostID: post.ID, AuthorName: "Di", Content: "d",
			Origin: &feed.Origin{Source: source, ID: "c-2"}}
		d, changed = upsertComment(t, s, d, "")
		if !changed || d.ID != "mine" {
			t.Errorf("UpsertComment with an ID: changed %v, ID %q; want true, mine", changed, d.ID)
		}
		checkDefaultTimes(t, d.Published, d.Updated, before, now(t))
		// Comments of native posts take them too.
		createPost(t, s, "native", "Native", at(0))
		upsertComment(t, s, upstreamComment("native", source, "c-1"), "")
	})

	t.Run("Idempotent", func(t *testing.T) {
		s := newStore(t, open)
		post := seed(t, s)
		first := comment(t, s, post, "c-1", "", true)
		reply := comment(t, s, post, "c-2", "c-1", true)
		seq := lastSeq(t, s)
		for name, edit := range map[string]func(c *feed.Comment){
			"same":         func(c *feed.Comment) {},
			"spaces":       func(c *feed.Comment) { c.AuthorName = " Cy " },
			"no dates":     func(c *feed.Comment) { c.Published, c.Updated = time.Time{}, time.Time{} },
			"updated only": func(c *feed.Comment) { c.Updated = at(90) },
			"other ID":     func(c *feed.Comment) { c.ID = "other" },
		} {
			c := upstreamComment(post.ID, source, "c-1")
			edit(c)
			if got, changed := upsertComment(t, s, c, ""); changed {
				t.Errorf("%s: re-upsert changed = true, want false", name)
			} else {
				checkComment(t, got, first)
			}
		}
		if got, changed := upsertComment(t, s, upstreamComment(post.ID, source, "c-2"), "c-1"); changed {
			t.Error("re-upsert of a reply: changed = true")
		} else {
			checkComment(t, got, reply)
		}
		if got := lastSeq(t, s); got != seq {
			t.Errorf("LastChange = %d after re-upserts, want %d: a re-poll must invalidate no feed", got, seq)
		}
		if n := len(comments(t, s, store.CommentFilter{PostID: post.ID})); n != 2 {
			t.Errorf("thread holds %d comments, want 2", n)
		}
	})

	t.Run("Edit", func(t *testing.T) {
		s := newStore(t, open)
		post := seed(t, s)
		first := comment(t, s, post, "c-1", "", true)
		prev := first.Updated
		for i, edit := range []func(c *feed.Comment){
			func(c *feed.Comment) { c.Content = "edited upstream" },
			func(c *feed.Comment) { c.AuthorName = "Cyrus" },
			func(c *feed.Comment) { c.AuthorURI = "" },
			func(c *feed.Comment) { c.Origin.URL = "https://up.example/one#moved" },
		} {
			c := upstreamComment(post.ID, source, "c-1")
			edit(c)
			before := now(t)
			got, changed := upsertComment(t, s, c, "")
			if !changed {
				t.Errorf("edit %d: changed = false, want true", i)
			}
			want := *c
			want.ID, want.Status, want.Published, want.Updated = first.ID, feed.StatusApproved, first.Published, got.Updated
			want.PostTitle, want.PostUpdated = post.Title, post.Updated
			checkComment(t, got, &want)
			if !got.Updated.After(prev) {
				t.Errorf("edit %d: Updated = %v, want after %v", i, got.Updated, prev)
			}
			if i == 0 {
				checkClock(t, "Updated", got.Updated, before, now(t))
			}
			undone, _ := upsertComment(t, s, upstreamComment(post.ID, source, "c-1"), "")
			prev = undone.Updated
		}
		// A later upstream Updated is taken as it is.
		c := upstreamComment(post.ID, source, "c-1")
		c.Content, c.Updated = "v2", now(t).Add(time.Hour).UTC().Truncate(time.Second)
		if got, changed := upsertComment(t, s, c, ""); !changed {
			t.Error("edit with a later Updated: changed = false")
		} else {
			checkTime(t, "Updated", got.Updated, c.Updated)
		}
	})

	t.Run("ParentResolved", func(t *testing.T) {
		s := newStore(t, open)
		post := seed(t, s)
		parent := comment(t, s, post, "c-1", "", true)
		reply := comment(t, s, post, "c-2", "c-1", true)
		if reply.ParentID != parent.ID || reply.Depth != 1 {
			t.Errorf("reply: ParentID %q, Depth %d; want %q, 1", reply.ParentID, reply.Depth, parent.ID)
		}
		// A parent naming the post, or no comment here, is no parent.
		for _, up := range []string{postUpID, "unknown"} {
			c := comment(t, s, post, "to-"+up, up, true)
			if c.ParentID != "" || c.Depth != 0 {
				t.Errorf("reply to %q: ParentID %q, Depth %d; want top-level", up, c.ParentID, c.Depth)
			}
		}
		// Parents resolve within the source.
		other := upstreamComment(post.ID, "elsewhere", "c-3")
		if c, _ := upsertComment(t, s, other, "c-1"); c.ParentID != "" {
			t.Errorf("reply from another source: ParentID %q, want none", c.ParentID)
		}
	})

	t.Run("ReplyToReply", func(t *testing.T) {
		s := newStore(t, open)
		post := seed(t, s)
		c1 := comment(t, s, post, "c-1", "", true)
		c2 := comment(t, s, post, "c-2", "c-1", true)
		c3 := comment(t, s, post, "c-3", "c-2", true)
		c4 := comment(t, s, post, "c-4", "c-1", true)
		for _, tt := range []struct {
			c      *feed.Comment
			parent string
			depth  int
		}{{c1, "", 0}, {c2, c1.ID, 1}, {c3, c2.ID, 2}, {c4, c1.ID, 1}} {
			if tt.c.ParentID != tt.parent || tt.c.Depth != tt.depth {
				t.Errorf("%s: ParentID %q, Depth %d; want %q, %d", tt.c.Origin.ID, tt.c.ParentID, tt.c.Depth, tt.parent, tt.depth)
			}
		}
	})

	t.Run("ParentArrivesLater", func(t *testing.T) {
		s := newStore(t, open)
		post := seed(t, s)
		// A reply polled before its parent waits at the top, with a reply
		// of its own.
		c2 := comment(t, s, post, "c-2", "c-1", true)
		c3 := comment(t, s, post, "c-3", "c-2", true)
		if c2.ParentID != "" || c2.Depth != 0 || c3.Depth != 1 {
			t.Fatalf("before the parent: c-2 parent %q depth %d, c-3 depth %d; want top-level, 1", c2.ParentID, c2.Depth, c3.Depth)
		}
		c1 := comment(t, s, post, "c-1", "", true)
		// The next poll moves it under its parent: a change, with its
		// subtree.
		seq := lastSeq(t, s)
		moved := comment(t, s, post, "c-2", "c-1", true)
		if moved.ID != c2.ID || moved.ParentID != c1.ID || moved.Depth != 1 || !moved.Updated.After(c2.Updated) {
			t.Errorf("c-2 = %+v, want id %s under %s at depth 1, Updated moved", moved, c2.ID, c1.ID)
		}
		if parent, depth := parentOf(t, s, c3.ID); parent != c2.ID || depth != 2 {
			t.Errorf("c-3: parent %q depth %d, want %q, 2", parent, depth, c2.ID)
		}
		if got := seqs(changes(t, s, seq, 0)); len(got) != 1 {
			t.Errorf("Changes = %v, want one record", got)
		}
		comment(t, s, post, "c-2", "c-1", false)
		comment(t, s, post, "c-3", "c-2", false)
	})

	t.Run("NoCycle", func(t *testing.T) {
		// Malformed upstream data naming a comment's own reply as its
		// parent cannot close a loop.
		s := newStore(t, open)
		post := seed(t, s)
		c1 := comment(t, s, post, "c-1", "c-2", true) // c-2 unknown yet: top-level
		comment(t, s, post, "c-2", "c-1", true)
		// A store that let the loop close could walk it for ever (to
		// recompute depths): fail instead of hanging.
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		for _, parent := range []string{"c-2", "c-1"} { // its reply, itself
			c := upstreamComment(post.ID, source, "c-1")
			changed, err := s.UpsertComment(ctx, c, parent)
			if err != nil {
				t.Fatalf("UpsertComment(c-1, parent %q): %v", parent, err)
			}
			if changed || c.ID != c1.ID || c.ParentID != "" || c.Depth != 0 {
				t.Errorf("c-1 with parent %q: changed %v, %+v; want it unchanged, top-level", parent, changed, c)
			}
		}
	})

	t.Run("UnknownPost", func(t *testing.T) {
		s := newStore(t, open)
		_, err := s.UpsertComment(t.Context(), upstreamComment("nope", source, "c-1"), "")
		wantCode(t, err, feed.ENOTFOUND)
		_, err = s.UpsertComment(t.Context(), upstreamComment("", source, "c-1"), "")
		wantCode(t, err, feed.EINVALID)
	})

	t.Run("DeletedPost", func(t *testing.T) {
		s := newStore(t, open)
		post := seed(t, s)
		comment(t, s, post, "c-1", "", true)
		if _, err := s.DeletePost(t.Context(), post.ID); err != nil {
			t.Fatalf("DeletePost: %v", err)
		}
		seq := lastSeq(t, s)
		for _, id := range []string{"c-1", "c-2"} {
			changed, err := s.UpsertComment(t.Context(), upstreamComment(post.ID, source, id), "")
			wantCode(t, err, feed.EGONE)
			if changed {
				t.Errorf("UpsertComment(%q) on a deleted post: changed = true", id)
			}
		}
		if got := lastSeq(t, s); got != seq {
			t.Errorf("LastChange = %d, want %d", got, seq)
		}
	})

	t.Run("DeletedNotResurrected", func(t *testing.T) {
		s := newStore(t, open)
		post := seed(t, s)
		c := comment(t, s, post, "c-1", "", true)
		if _, err := s.DeleteComment(t.Context(), c.ID); err != nil {
			t.Fatalf("DeleteComment: %v", err)
		}
		seq := lastSeq(t, s)
		in := upstreamComment(post.ID, source, "c-1")
		in.Content = "edited upstream"
		changed, err := s.UpsertComment(t.Context(), in, "")
		if err != nil || changed || in.ID != c.ID {
			t.Errorf("UpsertComment of a comment deleted here = %v, %v, ID %q; want false, nil, %q", changed, err, in.ID, c.ID)
		}
		_, err = s.Comment(t.Context(), c.ID)
		wantCode(t, err, feed.EGONE)
		if got := lastSeq(t, s); got != seq {
			t.Errorf("LastChange = %d, want %d", got, seq)
		}
		// A reply to it still finds it, as its other replies do.
		reply := comment(t, s, post, "c-2", "c-1", true)
		if reply.ParentID != c.ID || reply.Depth != 1 {
			t.Errorf("reply to a deleted comment: ParentID %q, Depth %d; want %q, 1", reply.ParentID, reply.Depth, c.ID)
		}
	})

	t.Run("NeedsOrigin", func(t *testing.T) {
		s := newStore(t, open)
		post := seed(t, s)
		seq := lastSeq(t, s)
		for name, edit := range map[string]func(c *feed.Comment){
			"no origin":      func(c *feed.Comment) { c.Origin = nil },
			"no source":      func(c *feed.Comment) { c.Origin.Source = "" },
			"no upstream id": func(c *feed.Comment) { c.Origin.ID = "" },
			"script URL":     func(c *feed.Comment) { c.Origin.URL = "javascript:alert(1)" },
			"no author":      func(c *feed.Comment) { c.AuthorName = "" },
			"no content":     func(c *feed.Comment) { c.Content = " " },
		} {
			c := upstreamComment(post.ID, source, "c-1")
			edit(c)
			changed, err := s.UpsertComment(t.Context(), c, "")
			if feed.ErrorCode(err) != feed.EINVALID || changed {
				t.Errorf("%s: UpsertComment = %v, %v; want false, %s", name, changed, err, feed.EINVALID)
			}
		}
		if n := len(comments(t, s, store.CommentFilter{Statuses: allStatuses})); n != 0 {
			t.Errorf("%d comments stored after failed upserts", n)
		}
		if got := lastSeq(t, s); got != seq {
			t.Errorf("LastChange = %d, want %d", got, seq)
		}
	})

	t.Run("SameUpstreamIDOtherPost", func(t *testing.T) {
		// Comments are keyed within their post: upstream comment ids are
		// often unique only there (a per-post number, a fragment).
		s := newStore(t, open)
		p := seed(t, s)
		q, _ := upsertPost(t, s, upstreamPost(source, "tag:up.example,2024:post/2", "Two"))
		a := comment(t, s, p, "1", "", true)
		b := comment(t, s, q, "1", "", true)
		if a.ID == b.ID || a.PostID != p.ID || b.PostID != q.ID {
			t.Errorf("comment 1 of two posts: %+v and %+v, want two comments, one per post", a, b)
		}
		// Parents resolve within the post.
		if c := comment(t, s, q, "2", "1", true); c.ParentID != b.ID {
			t.Errorf("reply on post 2: ParentID %q, want %q", c.ParentID, b.ID)
		}
		comment(t, s, p, "1", "", false)
	})
}
