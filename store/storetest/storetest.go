// Package storetest is the conformance suite every store.Store backend
// passes: the behaviour store.Store documents, written once and run against
// SQLite, PostgreSQL and any backend to come.
package storetest

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
	"github.com/feedd/feedd/store"
)

// Run runs the suite, one subtest per Store method ("CreatePost/OK",
// "Comments/ThreadOrder", ...), and a few across methods ("Moderation",
// "Depth").
//
// open returns a store for the test t. Its first call for a given t must
// return a store over an empty database; a later call for the same t must
// return a store over that same database, as a restarted feedd would see it.
// The suite calls open again only after closing the earlier store, and it
// closes every store it opens.
//
// open is given the clock the store must take its time from (the
// backends' Now field), one clock per test t: the suite reads it to check
// the times a store takes from it, and moves it where it needs time to
// pass (deletions in different seconds, for the order of tombstones and
// for Purge's cutoff; job claims growing stale). A store that reads
// another clock fails.
//
// Copier needs two stores at once; see RunCopy.
func Run(t *testing.T, open func(t *testing.T, now func() time.Time) store.Store) {
	opener := func(t *testing.T) store.Store { return open(t, clockOf(t).Now) }
	run(t, opener)
}

// run runs the suite on stores open returns, on the clock of their test.
func run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("CreatePost", func(t *testing.T) { testCreatePost(t, open) })
	t.Run("Post", func(t *testing.T) { testPost(t, open) })
	t.Run("Posts", func(t *testing.T) { testPosts(t, open) })
	t.Run("UpdatePost", func(t *testing.T) { testUpdatePost(t, open) })
	t.Run("DeletePost", func(t *testing.T) { testDeletePost(t, open) })
	t.Run("CreateComment", func(t *testing.T) { testCreateComment(t, open) })
	t.Run("Comment", func(t *testing.T) { testComment(t, open) })
	t.Run("Comments", func(t *testing.T) { testComments(t, open) })
	t.Run("UpdateComment", func(t *testing.T) { testUpdateComment(t, open) })
	t.Run("DeleteComment", func(t *testing.T) { testDeleteComment(t, open) })
	t.Run("Moderation", func(t *testing.T) { testModeration(t, open) })
	t.Run("Mention", func(t *testing.T) { testMention(t, open) })
	t.Run("MentionQueue", func(t *testing.T) { testMentionQueue(t, open) })
	t.Run("HasApprovedAuthor", func(t *testing.T) { testHasApprovedAuthor(t, open) })
	t.Run("Depth", func(t *testing.T) { testDepth(t, open) })
	t.Run("ThreadStats", func(t *testing.T) { testThreadStats(t, open) })
	t.Run("Tombstones", func(t *testing.T) { testTombstones(t, open) })
	t.Run("Purge", func(t *testing.T) { testPurge(t, open) })
	t.Run("Changes", func(t *testing.T) { testChanges(t, open) })
	t.Run("Reopen", func(t *testing.T) { testReopen(t, open) })
	t.Run("UpsertPost", func(t *testing.T) { testUpsertPost(t, open) })
	t.Run("UpsertComment", func(t *testing.T) { testUpsertComment(t, open) })
	t.Run("Fetch", func(t *testing.T) { testFetch(t, open) })
	t.Run("SourceCounts", func(t *testing.T) { testSourceCounts(t, open) })
	t.Run("Views", func(t *testing.T) { testViews(t, open) })
	t.Run("Count", func(t *testing.T) { testCount(t, open) })
	t.Run("Totals", func(t *testing.T) { testTotals(t, open) })
	t.Run("Subscriptions", func(t *testing.T) { testSubscriptions(t, open) })
	t.Run("ClaimJob", func(t *testing.T) { testClaimJob(t, open) })
	t.Run("HTML", func(t *testing.T) { testHTML(t, open) })
	t.Run("Secrets", func(t *testing.T) { testSecrets(t, open) })
	t.Run("LocalOrder", func(t *testing.T) { testLocalOrder(t, open) })
	t.Run("Webmentions", func(t *testing.T) { testWebmentions(t, open) })
}

// t0 is a whole second in UTC that test entries are dated from.
var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// at returns t0 plus n minutes.
func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }

// newStore opens a store for t and closes it when t ends.
func newStore(t *testing.T, open func(t *testing.T) store.Store) store.Store {
	t.Helper()
	s := open(t)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// createPost stores a post with the given id, title and publication time,
// failing the test on error.
func createPost(t *testing.T, s store.Store, id, title string, published time.Time) *feed.Post {
	t.Helper()
	p := &feed.Post{ID: id, Title: title, Content: "<p>" + title + "</p>", Published: published}
	if err := s.CreatePost(t.Context(), p); err != nil {
		t.Fatalf("CreatePost(%q): %v", id, err)
	}
	return p
}

// createComment stores a comment, failing the test on error.
func createComment(t *testing.T, s store.Store, id, postID, parentID string, published time.Time) *feed.Comment {
	t.Helper()
	c := &feed.Comment{ID: id, PostID: postID, ParentID: parentID, AuthorName: "Ann",
		Content: "comment " + id, Published: published}
	if err := s.CreateComment(t.Context(), c); err != nil {
		t.Fatalf("CreateComment(%q): %v", id, err)
	}
	return c
}

// wantCode fails the test unless err carries the feed error code want.
func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := feed.ErrorCode(err); got != want {
		t.Fatalf("error code = %q (err %v), want %q", got, err, want)
	}
}

// checkTime fails the test unless got is want, in UTC, in whole seconds.
func checkTime(t *testing.T, name string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %v, want %v", name, got, want)
	}
	if got.Location() != time.UTC {
		t.Errorf("%s location = %v, want UTC", name, got.Location())
	}
	if got.Nanosecond() != 0 {
		t.Errorf("%s = %v, want whole seconds", name, got)
	}
}

// checkPost fails the test unless got and want are the same post. Times are
// compared as instants, and must be UTC. got's HTML must be derived from
// its source under this content.Version, whatever want's is.
func checkPost(t *testing.T, got, want *feed.Post) {
	t.Helper()
	checkTime(t, "Published", got.Published, want.Published)
	checkTime(t, "Updated", got.Updated, want.Updated)
	d := *got
	content.DerivePost(&d)
	if got.HTML != d.HTML || got.HTMLVersion != content.Version {
		t.Errorf("post %s HTML = %q (version %d), want %q (version %d)", got.ID, got.HTML, got.HTMLVersion, d.HTML, content.Version)
	}
	g, w := *got, *want
	g.Published, g.Updated, w.Published, w.Updated = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	g.HTML, g.HTMLVersion, w.HTML, w.HTMLVersion = "", 0, "", 0
	if len(g.Categories) == 0 && len(w.Categories) == 0 {
		g.Categories, w.Categories = nil, nil // nil and empty are alike
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("post = %+v\nwant %+v", g, w)
	}
}

// checkComment is checkPost for comments.
func checkComment(t *testing.T, got, want *feed.Comment) {
	t.Helper()
	checkTime(t, "Published", got.Published, want.Published)
	checkTime(t, "Updated", got.Updated, want.Updated)
	checkTime(t, "PostUpdated", got.PostUpdated, want.PostUpdated)
	d := *got
	content.DeriveComment(&d)
	if got.HTML != d.HTML || got.HTMLVersion != content.Version {
		t.Errorf("comment %s HTML = %q (version %d), want %q (version %d)", got.ID, got.HTML, got.HTMLVersion, d.HTML, content.Version)
	}
	g, w := *got, *want
	g.HTML, g.HTMLVersion, w.HTML, w.HTMLVersion = "", 0, "", 0
	g.Published, g.Updated, g.PostUpdated = time.Time{}, time.Time{}, time.Time{}
	w.Published, w.Updated, w.PostUpdated = time.Time{}, time.Time{}, time.Time{}
	// Origins compare by value; != would compare the pointers.
	if !reflect.DeepEqual(g.Origin, w.Origin) {
		t.Errorf("comment %s origin = %+v, want %+v", g.ID, g.Origin, w.Origin)
	}
	g.Origin, w.Origin = nil, nil
	if g != w {
		t.Errorf("comment = %+v\nwant %+v", g, w)
	}
}

// postIDs lists the ids of posts, in order.
func postIDs(posts []*feed.Post) string {
	ids := make([]string, len(posts))
	for i, p := range posts {
		ids[i] = p.ID
	}
	return strings.Join(ids, " ")
}

// commentIDs lists the ids of comments, in order.
func commentIDs(comments []*feed.Comment) string {
	ids := make([]string, len(comments))
	for i, c := range comments {
		ids[i] = c.ID
	}
	return strings.Join(ids, " ")
}

// checkDefaultTimes fails the test unless published fell within [before,
// after] (as whole seconds) and updated equals it, both in UTC.
func checkDefaultTimes(t *testing.T, published, updated, before, after time.Time) {
	t.Helper()
	if published.Before(before.Truncate(time.Second)) || published.After(after) {
		t.Errorf("Published = %v, want the store's clock, between %v and %v", published, before, after)
	}
	checkTime(t, "Published", published, published.Truncate(time.Second))
	checkTime(t, "Updated", updated, published)
}

// checkNewID fails the test unless id looks store-generated.
func checkNewID(t *testing.T, id string) {
	t.Helper()
	if !feed.ValidID(id) {
		t.Errorf("generated id %q is not a valid id", id)
	}
	if len(id) < 16 {
		t.Errorf("generated id %q: want at least 16 characters", id)
	}
}

// concurrently runs f(i) for i in [0, n) on n goroutines and reports every
// error.
func concurrently(t *testing.T, n int, f func(i int) error) {
	t.Helper()
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- f(i) }()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// idf formats an id from a pattern and numbers.
func idf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// ptr returns a pointer to a copy of v, for the fields of updates.
func ptr[T any](v T) *T { return &v }

// checkClock fails the test unless got is a time the store's clock gave
// between the suite's readings before and after: in UTC, in whole seconds
// (truncated, so it may fall before before by less than a second).
func checkClock(t *testing.T, name string, got, before, after time.Time) {
	t.Helper()
	checkTime(t, name, got, got.Truncate(time.Second))
	if got.Before(before.Truncate(time.Second)) || got.After(after) {
		t.Errorf("%s = %v, want the store's clock, between %v and %v", name, got, before, after)
	}
}

// tombstones returns the tombstones of ref, failing the test on error.
func tombstones(t *testing.T, s store.Store, ref feed.Ref, limit int) []feed.Tombstone {
	t.Helper()
	stones, err := s.Tombstones(t.Context(), ref, limit)
	if err != nil {
		t.Fatalf("Tombstones(%s, %d): %v", ref, limit, err)
	}
	for _, st := range stones {
		checkTime(t, "Tombstone.Deleted", st.Deleted, st.Deleted.Truncate(time.Second))
	}
	return stones
}

// stoneIDs lists tombstones as "post" or "post/comment", in order.
func stoneIDs(stones []feed.Tombstone) string {
	ids := make([]string, len(stones))
	for i, s := range stones {
		ids[i] = s.PostID
		if s.CommentID != "" {
			ids[i] += "/" + s.CommentID
		}
	}
	return strings.Join(ids, " ")
}

// comments returns the comments f selects, failing the test on error.
func comments(t *testing.T, s store.Store, f store.CommentFilter) []*feed.Comment {
	t.Helper()
	comments, err := s.Comments(t.Context(), f)
	if err != nil {
		t.Fatalf("Comments(%+v): %v", f, err)
	}
	return comments
}

// threadStats returns the ThreadStats of ids, failing the test on error.
func threadStats(t *testing.T, s store.Store, ids ...string) map[string]feed.ThreadStats {
	t.Helper()
	stats, err := s.ThreadStats(t.Context(), ids)
	if err != nil {
		t.Fatalf("ThreadStats(%q): %v", ids, err)
	}
	return stats
}

// allStatuses selects comments of every status.
var allStatuses = []feed.Status{feed.StatusApproved, feed.StatusPending, feed.StatusSpam}

// createPending stores a comment awaiting moderation, failing the test on
// error.
func createPending(t *testing.T, s store.Store, id, postID string, published time.Time) *feed.Comment {
	t.Helper()
	c := &feed.Comment{ID: id, PostID: postID, AuthorName: "Pat", Content: "pending " + id,
		Status: feed.StatusPending, Published: published}
	if err := s.CreateComment(t.Context(), c); err != nil {
		t.Fatalf("CreateComment(%q, pending): %v", id, err)
	}
	return c
}
