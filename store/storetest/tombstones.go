package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

func testTombstones(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Posts", func(t *testing.T) {
		s := newStore(t, open)
		for _, id := range []string{"a", "b", "c", "d"} {
			createPost(t, s, id, strings.ToUpper(id), at(0))
		}
		deletePost(t, s, "b")
		clockOf(t).Advance(time.Second)
		deletePost(t, s, "a")
		deletePost(t, s, "c")
		stones := tombstones(t, s, feed.PostsFeed, 0)
		// Newest deletion first: a and c share a second, so the higher id
		// comes first, as in the feeds.
		if got, want := stoneIDs(stones), "c a b"; got != want {
			t.Fatalf("tombstones = %s, want %s", got, want)
		}
		if !stones[0].Deleted.Equal(stones[1].Deleted) || !stones[1].Deleted.After(stones[2].Deleted) {
			t.Errorf("Deleted = %v, %v, %v: want c and a at one time, after b", stones[0].Deleted, stones[1].Deleted, stones[2].Deleted)
		}
		if got := stoneIDs(tombstones(t, s, feed.PostsFeed, 2)); got != "c a" {
			t.Errorf("limit 2: tombstones = %s, want c a", got)
		}
		// Comment tombstones are not the posts feed's, nor the other way.
		if got := stoneIDs(tombstones(t, s, feed.CommentsFeed, 0)); got != "" {
			t.Errorf("comments tombstones = %s, want none", got)
		}
	})

	t.Run("Comments", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		createPost(t, s, "q", "Q", at(0))
		createPost(t, s, "r", "R", at(0))
		createComment(t, s, "p1", "p", "", at(1))
		createComment(t, s, "p2", "p", "p1", at(2))
		createComment(t, s, "q1", "q", "", at(1))
		createComment(t, s, "q2", "q", "", at(2))
		createPending(t, s, "q3", "q", at(3))
		createComment(t, s, "r1", "r", "", at(1))
		deleteComment(t, s, "p1")
		clockOf(t).Advance(time.Second)
		deletePost(t, s, "q") // q1 and q2 at one time; q3 never showed
		deleteComment(t, s, "p2")
		stones := tombstones(t, s, feed.CommentsFeed, 0)
		checkStoneOrder(t, stones)
		got := stoneIDs(stones)
		// p2 and q's comments share a second, after p1's: newest first,
		// then the higher id.
		if got != "q/q2 q/q1 p/p2 p/p1" {
			t.Errorf("tombstones = %s, want q/q2 q/q1 p/p2 p/p1", got)
		}
		if got := stoneIDs(tombstones(t, s, feed.CommentsFeed, 1)); got != strings.Fields(stoneIDs(stones))[0] {
			t.Errorf("limit 1: tombstones = %s, want the newest", got)
		}
		// Post tombstones are the posts feed's alone.
		if got := stoneIDs(tombstones(t, s, feed.PostsFeed, 0)); got != "q" {
			t.Errorf("posts tombstones = %s, want q", got)
		}
	})

	t.Run("Thread", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		createPost(t, s, "q", "Q", at(0))
		createComment(t, s, "p1", "p", "", at(1))
		createComment(t, s, "p2", "p", "", at(2))
		createComment(t, s, "p3", "p", "", at(3))
		createPending(t, s, "p4", "p", at(4))
		createComment(t, s, "q1", "q", "", at(1))
		deleteComment(t, s, "p2")
		deleteComment(t, s, "q1")
		if got := stoneIDs(tombstones(t, s, feed.ThreadFeed("p"), 0)); got != "p/p2" {
			t.Errorf("thread p tombstones = %s, want p/p2", got)
		}
		// The thread of a deleted post answers 410, but its tombstones are
		// still there to ask for.
		deletePost(t, s, "p")
		stones := tombstones(t, s, feed.ThreadFeed("p"), 0)
		checkStoneOrder(t, stones)
		if got := stoneIDs(stones); got != "p/p3 p/p1 p/p2" && got != "p/p3 p/p2 p/p1" {
			t.Errorf("thread p tombstones = %s, want p/p3 p/p1 p/p2", got)
		}
		if got := stoneIDs(tombstones(t, s, feed.ThreadFeed("p"), 2)); got != strings.Join(strings.Fields(stoneIDs(stones))[:2], " ") {
			t.Errorf("limit 2: thread p tombstones = %s, want the two newest of %s", got, stoneIDs(stones))
		}
		if got := stoneIDs(tombstones(t, s, feed.ThreadFeed("q"), 0)); got != "q/q1" {
			t.Errorf("thread q tombstones = %s, want q/q1", got)
		}
		if got := stoneIDs(tombstones(t, s, feed.ThreadFeed("nope"), 0)); got != "" {
			t.Errorf("tombstones of an unknown thread = %s, want none", got)
		}
	})

	t.Run("Empty", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		createComment(t, s, "c", "p", "", at(1))
		for _, ref := range []feed.Ref{feed.PostsFeed, feed.CommentsFeed, feed.ThreadFeed("p")} {
			if got := tombstones(t, s, ref, 0); len(got) != 0 {
				t.Errorf("tombstones of %s = %s, want none", ref, stoneIDs(got))
			}
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		s := newStore(t, open)
		_, err := s.Tombstones(t.Context(), feed.Ref{Kind: "nope"}, 0)
		wantCode(t, err, feed.EINVALID)
		_, err = s.Tombstones(t.Context(), feed.PostsFeed, -1)
		wantCode(t, err, feed.EINVALID)
	})
}

// checkStoneOrder fails the test unless stones run newest deletion first,
// then by id, descending.
func checkStoneOrder(t *testing.T, stones []feed.Tombstone) {
	t.Helper()
	ordered := slices.IsSortedFunc(stones, func(a, b feed.Tombstone) int {
		if c := b.Deleted.Compare(a.Deleted); c != 0 {
			return c
		}
		return strings.Compare(b.CommentID, a.CommentID)
	})
	if !ordered {
		for _, s := range stones {
			t.Logf("%s/%s deleted %v", s.PostID, s.CommentID, s.Deleted)
		}
		t.Errorf("tombstones %s are not newest first, then by id descending", stoneIDs(stones))
	}
}

// purge runs Purge, failing the test on error.
func purge(t *testing.T, s store.Store, cutoff time.Time) store.PurgeResult {
	t.Helper()
	res, err := s.Purge(t.Context(), cutoff)
	if err != nil {
		t.Fatalf("Purge(%v): %v", cutoff, err)
	}
	return res
}

// refs lists feeds in a stable order, for comparing sets of them.
func refs(rs []feed.Ref) string {
	keys := make([]string, len(rs))
	for i, r := range rs {
		keys[i] = r.String()
	}
	slices.Sort(keys)
	return strings.Join(keys, " ")
}

func testPurge(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("OK", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		createPost(t, s, "q", "Q", at(0))
		createPost(t, s, "r", "R", at(0))
		createComment(t, s, "p1", "p", "", at(1))
		createComment(t, s, "p2", "p", "", at(2))
		createComment(t, s, "q1", "q", "", at(1))
		createPending(t, s, "q2", "q", at(2))
		createPending(t, s, "r1", "r", at(1)) // pending, live: never purged
		createComment(t, s, "r2", "r", "", at(2))
		deleteComment(t, s, "p1")
		deletePost(t, s, "q")
		first := tombstones(t, s, feed.PostsFeed, 0)[0].Deleted
		clockOf(t).Advance(time.Second)
		deleteComment(t, s, "p2")
		second := tombstones(t, s, feed.ThreadFeed("p"), 1)[0].Deleted

		// Only what was deleted strictly before the cutoff goes.
		if res := purge(t, s, first); res.Posts != 0 || res.Comments != 0 || len(res.Touched) != 0 {
			t.Errorf("Purge(first deletion) = %+v, want nothing", res)
		}
		res := purge(t, s, second)
		if res.Posts != 1 || res.Comments != 3 {
			t.Errorf("Purge = %d posts, %d comments; want 1 (q), 3 (p1, q1, q2)", res.Posts, res.Comments)
		}
		// q2 was pending: only q1's and p1's tombstones went.
		if got, want := refs(res.Touched), "comments posts thread/p thread/q"; got != want {
			t.Errorf("Touched = %s, want %s", got, want)
		}
		if got := stoneIDs(tombstones(t, s, feed.PostsFeed, 0)); got != "" {
			t.Errorf("posts tombstones after purge = %s, want none", got)
		}
		if got := stoneIDs(tombstones(t, s, feed.CommentsFeed, 0)); got != "p/p2" {
			t.Errorf("comments tombstones after purge = %s, want p/p2", got)
		}
		if got := stoneIDs(tombstones(t, s, feed.ThreadFeed("q"), 0)); got != "" {
			t.Errorf("thread q tombstones after purge = %s, want none", got)
		}
		// Gone for good: unknown now, and the ids are free again.
		_, err := s.Post(t.Context(), "q")
		wantCode(t, err, feed.ENOTFOUND)
		for _, id := range []string{"p1", "q1", "q2"} {
			_, err := s.Comment(t.Context(), id)
			wantCode(t, err, feed.ENOTFOUND)
		}
		_, err = s.Comment(t.Context(), "p2")
		wantCode(t, err, feed.EGONE)
		createPost(t, s, "q", "Q again", at(0))

		// The rest stays as it was.
		checkPostIDs(t, s, store.PostFilter{}, "r q p")
		if got := commentIDs(comments(t, s, store.CommentFilter{Statuses: allStatuses})); got != "r2 r1" {
			t.Errorf("comments = %s, want r2 r1", got)
		}

		res = purge(t, s, second.Add(time.Second))
		if res.Posts != 0 || res.Comments != 1 {
			t.Errorf("second Purge = %d posts, %d comments; want 0, 1 (p2)", res.Posts, res.Comments)
		}
		if got, want := refs(res.Touched), "comments thread/p"; got != want {
			t.Errorf("second Purge Touched = %s, want %s", got, want)
		}
		if res := purge(t, s, second.Add(time.Hour)); res.Posts != 0 || res.Comments != 0 || len(res.Touched) != 0 {
			t.Errorf("third Purge = %+v, want nothing", res)
		}
	})

	t.Run("NeverShown", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		createPending(t, s, "w", "p", at(1))
		deleteComment(t, s, "w")
		createPending(t, s, "v", "p", at(2))
		updateComment(t, s, "v", store.CommentUpdate{Status: ptr(feed.StatusSpam)})
		res := purge(t, s, now(t).Add(time.Hour))
		// w goes; v, spam but not deleted, stays for the moderator.
		if res.Posts != 0 || res.Comments != 1 || len(res.Touched) != 0 {
			t.Errorf("Purge = %+v, want 1 comment and no feed touched", res)
		}
		if got := commentIDs(comments(t, s, store.CommentFilter{Statuses: allStatuses})); got != "v" {
			t.Errorf("comments = %s, want v", got)
		}
	})

	t.Run("Replies", func(t *testing.T) {
		// A deleted comment with a live reply: the purge takes its
		// tombstone, and the reply stays as it was.
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		createComment(t, s, "c1", "p", "", at(1))
		createComment(t, s, "c2", "p", "c1", at(2))
		c3 := createComment(t, s, "c3", "p", "c2", at(3))
		deleteComment(t, s, "c1")
		deleteComment(t, s, "c2")
		cutoff := tombstones(t, s, feed.CommentsFeed, 1)[0].Deleted.Add(time.Second)
		res := purge(t, s, cutoff)
		if res.Comments != 2 {
			t.Errorf("Purge removed %d comments, want 2", res.Comments)
		}
		if got, want := refs(res.Touched), "comments thread/p"; got != want {
			t.Errorf("Touched = %s, want %s", got, want)
		}
		if got := stoneIDs(tombstones(t, s, feed.CommentsFeed, 0)); got != "" {
			t.Errorf("tombstones after purge = %s, want none", got)
		}
		for _, id := range []string{"c1", "c2"} {
			if _, err := s.Comment(t.Context(), id); feed.ErrorCode(err) != feed.ENOTFOUND && feed.ErrorCode(err) != feed.EGONE {
				t.Errorf("Comment(%s) after purge: %v, want ENOTFOUND or EGONE", id, err)
			}
		}
		got, err := s.Comment(t.Context(), "c3")
		if err != nil {
			t.Fatalf("Comment(c3): %v", err)
		}
		checkComment(t, got, c3)
		if got := commentIDs(comments(t, s, store.CommentFilter{Statuses: allStatuses})); got != "c3" {
			t.Errorf("comments = %s, want c3", got)
		}
		// Once the reply goes too, the rest can: nothing more to tell.
		deleteComment(t, s, "c3")
		res = purge(t, s, now(t).Add(time.Hour))
		if res.Comments != 1 || refs(res.Touched) != "comments thread/p" {
			t.Errorf("second Purge = %+v, want c3 alone", res)
		}
		for _, id := range []string{"c1", "c2", "c3"} {
			_, err := s.Comment(t.Context(), id)
			wantCode(t, err, feed.ENOTFOUND)
		}
		deletePost(t, s, "p")
		if res := purge(t, s, now(t).Add(time.Hour)); res.Posts != 1 || res.Comments != 0 {
			t.Errorf("third Purge = %+v, want post p alone", res)
		}
	})

	t.Run("PostWithReplies", func(t *testing.T) {
		// A post whose thread nests, and holds a comment deleted before
		// the post: all of it goes, in an order the keys allow.
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		createComment(t, s, "c1", "p", "", at(1))
		createComment(t, s, "c2", "p", "c1", at(2))
		createComment(t, s, "c3", "p", "c2", at(3))
		createPending(t, s, "w", "p", at(4))
		deleteComment(t, s, "c2")
		deletePost(t, s, "p")
		res := purge(t, s, now(t).Add(time.Hour))
		if res.Posts != 1 || res.Comments != 4 {
			t.Errorf("Purge = %d posts, %d comments; want 1, 4", res.Posts, res.Comments)
		}
		if got, want := refs(res.Touched), "comments posts thread/p"; got != want {
			t.Errorf("Touched = %s, want %s", got, want)
		}
		for _, ref := range []feed.Ref{feed.PostsFeed, feed.CommentsFeed, feed.ThreadFeed("p")} {
			if got := tombstones(t, s, ref, 0); len(got) != 0 {
				t.Errorf("tombstones of %s = %s, want none", ref, stoneIDs(got))
			}
		}
		// Its id and its comments' ids are free again.
		createPost(t, s, "p", "P", at(0))
		createComment(t, s, "c1", "p", "", at(1))
	})

	t.Run("Changes", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		createPost(t, s, "q", "Q", at(0))
		createComment(t, s, "c", "p", "", at(1))
		deleteComment(t, s, "c")
		deletePost(t, s, "q")
		old := changes(t, s, 0, 0)
		clockOf(t).Advance(time.Second)
		createPost(t, s, "r", "R", at(0))
		last, err := s.LastChange(t.Context())
		if err != nil {
			t.Fatalf("LastChange: %v", err)
		}
		cutoff := changes(t, s, 0, 0)[len(old)].At // r's
		res := purge(t, s, cutoff)
		// The old records went; r's stays, and the purge logged what it
		// touched, so that other processes learn it.
		records := changes(t, s, 0, 0)
		if len(records) == 0 || records[0].Seq != last {
			t.Fatalf("after Purge, changes start at %v, want r's record (seq %d) first", seqs(records), last)
		}
		if len(res.Touched) == 0 {
			t.Error("Purge of a deleted post and comment touched no feed")
		}
		var touched []feed.Ref
		for _, r := range records[1:] {
			touched = append(touched, feed.Touched(r.Change, false)...)
		}
		for _, ref := range res.Touched {
			if !slices.Contains(touched, ref) {
				t.Errorf("Purge touched %s, but logged no change that touches it (logged %v)", ref, seqs(records[1:]))
			}
		}
		if got := changes(t, s, last, 0); len(got) != len(records)-1 {
			t.Errorf("Changes(after %d) = %v after purge", last, seqs(got))
		}
	})
}
