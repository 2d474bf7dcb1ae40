package storetest

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// RunCopy checks a whole-store copy (store.Copier), as feedd migrate makes
// it, from one store to another, of the same backend or not. from and to
// must be empty, open, and on the real clock; the caller closes them.
//
// It writes to from a history that leaves every state a store keeps
// (edited, deleted and mirrored posts; pending, spam, deleted and
// tombstoned comments, reply chains, a husk; fetch states; WebSub
// subscriptions, an expired one and a binary secret too), copies it
// with Dump and Load in small batches, and checks that every read of the
// two stores agrees, that the copy dumps the same records, and that both
// purge alike.
func RunCopy(t *testing.T, from, to store.Store) {
	src, dst := from, to
	checkLoadErrors(t, dst)
	writeHistory(t, from)

	n, err := src.CountRecords(t.Context())
	if err != nil {
		t.Fatalf("CountRecords: %v", err)
	}
	recs := dump(t, src)
	if len(recs) != n {
		t.Errorf("Dump yielded %d records, CountRecords said %d", len(recs), n)
	}
	checkDumpOrder(t, recs)
	checkDumpStates(t, recs)

	// Small batches, so that threads and reply chains span several.
	const batch = 4
	for i := 0; i < len(recs); i += batch {
		if err := dst.Load(t.Context(), recs[i:min(i+batch, len(recs))]); err != nil {
			t.Fatalf("Load(records %d..): %v", i, err)
		}
	}
	if n, err := dst.CountRecords(t.Context()); err != nil || n != len(recs) {
		t.Errorf("CountRecords of the copy = %d, %v; want %d", n, err, len(recs))
	}
	checkSameReads(t, from, to, recs)
	if again := dump(t, dst); !reflect.DeepEqual(again, recs) {
		t.Errorf("the copy dumps other records:\n%s\nwant\n%s", showRecords(again), showRecords(recs))
	}
	// Load logs no change: no process has a feed of the copy to drop.
	if seq := lastSeq(t, to); seq != 0 {
		t.Errorf("LastChange of the copy = %d, want 0", seq)
	}

	// The copy purges as the original does: the same entries, husks
	// included, and the same feeds touched.
	cutoff := time.Now().Add(time.Hour)
	if got, want := purge(t, to, cutoff), purge(t, from, cutoff); !reflect.DeepEqual(got, want) {
		t.Errorf("Purge of the copy = %+v, of the original %+v", got, want)
	}
	checkSameReads(t, from, to, recs)

	// And it takes writes, checked against what it holds.
	createComment(t, to, "copy-reply", "p4", "c3", at(40))
	wantCode(t, to.CreatePost(t.Context(), &feed.Post{ID: "p1", Title: "T", Content: "c"}), feed.ECONFLICT)
	if _, err := to.UpsertPost(t.Context(), upstreamPost("blog", "tag:m1", "M1")); err != nil {
		t.Errorf("UpsertPost of a copied mirrored post: %v", err)
	}
}

// checkLoadErrors fails the test unless Load refuses bad records, each
// call as a whole, leaving c as empty as it was.
func checkLoadErrors(t *testing.T, c store.Copier) {
	t.Helper()
	post := func(id string) store.Record {
		return store.Record{Post: &store.PostRecord{Post: feed.Post{ID: id, Title: "T", Content: "c",
			Format: feed.FormatHTML, Published: at(0), Updated: at(0)}}}
	}
	comment := func(id, postID, parentID string) store.Record {
		return store.Record{Comment: &store.CommentRecord{Comment: feed.Comment{ID: id, PostID: postID,
			ParentID: parentID, AuthorName: "Ann", Content: "c", Status: feed.StatusApproved,
			Published: at(1), Updated: at(1)}}}
	}
	tombstoneAlive := comment("c", "p", "")
	tombstoneAlive.Comment.Tombstone = true
	twoFields := post("p")
	twoFields.Fetch = &feed.Fetch{Source: "s"}
	sub := &feed.Subscription{Topic: "https://blog.example/feeds/posts.atom", Callback: "https://reader.example/cb",
		Expires: at(60), Created: at(0)}
	badStatus := comment("c", "p", "")
	badStatus.Comment.Status = "hidden"
	for _, tt := range []struct {
		name string
		recs []store.Record
		code string
	}{
		{"EmptyRecord", []store.Record{post("p"), {}}, feed.EINVALID},
		{"TwoFields", []store.Record{twoFields}, feed.EINVALID},
		{"CommentBeforePost", []store.Record{comment("c", "p", ""), post("p")}, feed.EINVALID},
		{"ReplyBeforeParent", []store.Record{post("p"), comment("c2", "p", "c1"), comment("c1", "p", "")}, feed.EINVALID},
		{"DuplicatePost", []store.Record{post("p"), post("p")}, feed.ECONFLICT},
		{"DuplicateComment", []store.Record{post("p"), comment("c", "p", ""), comment("c", "p", "")}, feed.ECONFLICT},
		{"DuplicateFetch", []store.Record{{Fetch: &feed.Fetch{Source: "s"}}, {Fetch: &feed.Fetch{Source: "s"}}}, feed.ECONFLICT},
		{"DuplicateSubscription", []store.Record{{Subscription: sub}, {Subscription: sub}}, feed.ECONFLICT},
		{"SubscriptionAndFetch", []store.Record{{Subscription: sub, Fetch: &feed.Fetch{Source: "s"}}}, feed.EINVALID},
		{"TombstoneNotDeleted", []store.Record{post("p"), tombstoneAlive}, feed.EINVALID},
		{"UnknownStatus", []store.Record{post("p"), badStatus}, feed.EINVALID},
	} {
		wantCodeOf(t, "Load "+tt.name, c.Load(t.Context(), tt.recs), tt.code)
	}
	if err := c.Load(t.Context(), nil); err != nil {
		t.Errorf("Load(nil) = %v", err)
	}
	if n, err := c.CountRecords(t.Context()); err != nil || n != 0 {
		t.Fatalf("after failed loads, CountRecords = %d, %v; want 0: each call must be all or nothing", n, err)
	}
}

// wantCodeOf reports an error unless err carries the feed error code want.
func wantCodeOf(t *testing.T, name string, err error, want string) {
	t.Helper()
	if got := feed.ErrorCode(err); got != want {
		t.Errorf("%s: error code = %q (err %v), want %q", name, got, err, want)
	}
}

// writeHistory writes to s, empty, a history that leaves every state a
// store keeps.
func writeHistory(t *testing.T, s store.Store) {
	ctx := t.Context()
	// A husk first: Purge takes everything deleted before its cutoff.
	// h1 is purged, but h2 and h3 reply to it and to each other.
	createPost(t, s, "h", "Husk", at(0))
	createComment(t, s, "h1", "h", "", at(1))
	createComment(t, s, "h2", "h", "h1", at(2))
	createComment(t, s, "h3", "h", "h2", at(3))
	deleteComment(t, s, "h1")
	purge(t, s, time.Now().Add(time.Hour))

	// Native posts: markdown with categories in their order, edits, a
	// tie on Published, a deleted post with a thread.
	p1 := &feed.Post{ID: "p1", Title: "One", Content: "# One", Format: feed.FormatMarkdown, Summary: "first",
		AuthorName: "Ann", AuthorURI: "https://ann.example/", Categories: []string{"z", "a", "m"},
		Published: at(10), Updated: at(11)}
	if err := s.CreatePost(ctx, p1); err != nil {
		t.Fatalf("CreatePost: %v", err)
	}
	createPost(t, s, "p2", "Two", at(11))
	for _, title := range []string{"Two, edited", "Two, edited again"} {
		if _, err := s.UpdatePost(ctx, "p2", store.PostUpdate{Title: ptr(title), Categories: ptr([]string{"b", title})}); err != nil {
			t.Fatalf("UpdatePost: %v", err)
		}
	}
	createPost(t, s, "p3", "Three", at(12))
	createComment(t, s, "a1", "p3", "", at(13))
	createComment(t, s, "a2", "p3", "a1", at(14))
	createPending(t, s, "a3", "p3", at(15))
	createPost(t, s, "p4", "Four", at(13))
	createPost(t, s, "p5", "Five", at(13))
	createPost(t, s, "p6", "Six", at(14))

	// p4's thread: a chain c1 > c2 > c3 > c4 with c2 deleted; comments
	// sharing a time; every moderation state.
	createComment(t, s, "c1", "p4", "", at(20))
	createComment(t, s, "c2", "p4", "c1", at(21))
	createComment(t, s, "c3", "p4", "c2", at(22))
	createComment(t, s, "c4", "p4", "c3", at(22))
	createComment(t, s, "c5", "p4", "", at(22))
	createPending(t, s, "c6", "p4", at(23)) // stays pending
	createPending(t, s, "c7", "p4", at(23)) // spam, never shown
	createComment(t, s, "c8", "p4", "", at(24))
	createPending(t, s, "c9", "p4", at(25)) // deleted, never shown
	createPending(t, s, "c10", "p4", at(26))
	unicode := &feed.Comment{ID: "c11", PostID: "p4", ParentID: "c5", AuthorName: "Ümit Öz",
		AuthorURI: "https://umit.example/", AuthorHash: "hash-of-umit", Content: "merhaba", Published: at(27)}
	if err := s.CreateComment(ctx, unicode); err != nil {
		t.Fatalf("CreateComment: %v", err)
	}
	// Webmentions: one approved and edited to another kind, one pending,
	// one removed (a tombstone) and received again.
	for _, m := range []*feed.Comment{
		{ID: "w1", PostID: "p4", Kind: feed.MentionLike, SourceURL: "https://other.example/likes/1", AuthorName: "Bea", Content: "liked", Published: at(28)},
		{ID: "w2", PostID: "p4", Kind: feed.MentionReply, SourceURL: "https://other.example/2", AuthorName: "Cy", Content: "re", Published: at(29), Status: feed.StatusPending},
		{ID: "w3", PostID: "p4", Kind: feed.MentionLink, SourceURL: "https://other.example/3", AuthorName: "Di", Content: "link", Published: at(29)},
	} {
		if err := s.CreateComment(ctx, m); err != nil {
			t.Fatalf("CreateComment(%s): %v", m.ID, err)
		}
	}
	updateComment(t, s, "w1", store.CommentUpdate{Kind: ptr(feed.MentionReply), Content: ptr("now a reply")})
	deleteComment(t, s, "w3")
	again := &feed.Comment{ID: "w4", PostID: "p4", Kind: feed.MentionRepost, SourceURL: "https://other.example/3", AuthorName: "Di", Content: "again", Published: at(30)}
	if err := s.CreateComment(ctx, again); err != nil {
		t.Fatalf("CreateComment(w4): %v", err)
	}
	updateComment(t, s, "c7", store.CommentUpdate{Status: ptr(feed.StatusSpam)})
	updateComment(t, s, "c8", store.CommentUpdate{Status: ptr(feed.StatusSpam)}) // deleted, tombstone
	updateComment(t, s, "c10", store.CommentUpdate{Status: ptr(feed.StatusApproved), Content: ptr("approved")})
	updateComment(t, s, "c5", store.CommentUpdate{Content: ptr("edited")})
	deleteComment(t, s, "c2")
	deleteComment(t, s, "c9")
	deletePost(t, s, "p3")
	deletePost(t, s, "p6")

	// Mirrored entries of two sources, one post deleted here, a reply
	// that came before its parent and was moved under it.
	m1, _ := upsertPost(t, s, upstreamPost("blog", "tag:m1", "M1"))
	m2, _ := upsertPost(t, s, upstreamPost("blog", "tag:m2", "M2"))
	n1, _ := upsertPost(t, s, upstreamPost("news", "https://news.example/1", "N1"))
	upsertComment(t, s, upstreamComment(m1.ID, "blog", "u1"), "")
	upsertComment(t, s, upstreamComment(m1.ID, "blog", "u2"), "u1")
	upsertComment(t, s, upstreamComment(m1.ID, "blog", "u4"), "u3") // u3 not there yet
	upsertComment(t, s, upstreamComment(m1.ID, "blog", "u3"), "u2")
	upsertComment(t, s, upstreamComment(m1.ID, "blog", "u4"), "u3") // moved under it
	upsertComment(t, s, upstreamComment(m2.ID, "blog", "u1"), "")
	upsertComment(t, s, upstreamComment(n1.ID, "news", "#1"), "")
	deletePost(t, s, m2.ID)
	edited := upstreamPost("blog", "tag:m1", "M1")
	edited.Content = "<p>M1, edited upstream</p>"
	upsertPost(t, s, edited)

	// Fetch states: full, failing and disabled, and never polled.
	saveFetch(t, s, fullFetch("blog", ""))
	saveFetch(t, s, fullFetch("blog", m1.ID))
	saveFetch(t, s, &feed.Fetch{Source: "news", URL: "https://news.example/feed", LastPoll: at(30),
		LastStatus: 410, LastError: "gone", Failures: 3, Disabled: true})
	saveFetch(t, s, &feed.Fetch{Source: "new", URL: "https://new.example/feed"})

	// WebSub subscriptions: one signed with a secret no text column takes,
	// one unsigned, one whose lease ended (a copy is whole).
	for _, sub := range []*feed.Subscription{
		{Topic: "https://blog.example/feeds/posts.atom", Callback: "https://reader.example/cb?u=1",
			Secret: "s\x00\xffcret", Expires: time.Now().Add(48 * time.Hour), Created: at(20)},
		{Topic: "https://blog.example/feeds/posts/p1/comments.atom", Callback: "https://reader.example/cb?u=2",
			Expires: time.Now().Add(time.Hour), Created: at(21)},
		{Topic: "https://blog.example/feeds/posts.atom", Callback: "https://old.example/cb",
			Expires: at(22), Created: at(21)},
	} {
		if err := s.SaveSubscription(t.Context(), sub); err != nil {
			t.Fatalf("SaveSubscription: %v", err)
		}
	}

	// Secrets: a copy that made its own would move the private feed's URL
	// and forget who the regular commenters are.
	for _, name := range []string{"moderation-feed", "author-hash"} {
		if _, err := s.Secret(t.Context(), name, false); err != nil {
			t.Fatalf("Secret(%q): %v", name, err)
		}
	}
}

// dump runs Dump, failing the test on error, and returns its records.
func dump(t *testing.T, c store.Copier) []store.Record {
	t.Helper()
	var recs []store.Record
	err := c.Dump(t.Context(), func(r store.Record) error {
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		t.Fatalf("Dump: %v", err)
	}
	return recs
}

// checkDumpOrder fails the test unless every record has exactly one field
// set, posts come first, then comments, each after its post and parent,
// then fetch states, then subscriptions, then secrets.
func checkDumpOrder(t *testing.T, recs []store.Record) {
	t.Helper()
	const (
		posts = iota
		comments
		fetches
		subscriptions
		secrets
	)
	stage := posts
	seen := make(map[string]bool)
	for i, r := range recs {
		var set []int
		if r.Post != nil {
			set = append(set, posts)
		}
		if r.Comment != nil {
			set = append(set, comments)
		}
		if r.Fetch != nil {
			set = append(set, fetches)
		}
		if r.Subscription != nil {
			set = append(set, subscriptions)
		}
		if r.Secret != nil {
			set = append(set, secrets)
		}
		if len(set) != 1 || !r.Single() {
			t.Fatalf("record %d: %d fields set, want 1", i, len(set))
		}
		if set[0] < stage {
			t.Errorf("record %d (%s) comes after a later kind", i, showRecord(r))
		}
		stage = set[0]
		switch {
		case r.Post != nil:
			seen["post "+r.Post.ID] = true
		case r.Comment != nil:
			c := r.Comment
			if !seen["post "+c.PostID] {
				t.Errorf("comment %s comes before its post %s", c.ID, c.PostID)
			}
			if c.ParentID != "" && !seen["comment "+c.ParentID] {
				t.Errorf("comment %s comes before its parent %s", c.ID, c.ParentID)
			}
			seen["comment "+c.ID] = true
		}
	}
}

// checkDumpStates fails the test unless the records of writeHistory carry
// the states that the reads hide.
func checkDumpStates(t *testing.T, recs []store.Record) {
	t.Helper()
	posts := make(map[string]*store.PostRecord)
	comments := make(map[string]*store.CommentRecord)
	for _, r := range recs {
		switch {
		case r.Post != nil:
			posts[r.Post.ID] = r.Post
		case r.Comment != nil:
			comments[r.Comment.ID] = r.Comment
		}
	}
	for _, id := range []string{"h", "p1", "p2", "p3", "p4", "p5", "p6"} {
		p := posts[id]
		if p == nil {
			t.Errorf("post %s not dumped", id)
			continue
		}
		if deleted := id == "p3" || id == "p6"; p.Deleted.IsZero() == deleted {
			t.Errorf("post %s: Deleted = %v, want deleted %v", id, p.Deleted, deleted)
		}
	}
	if p := posts["p1"]; p != nil && (p.Format != feed.FormatMarkdown || strings.Join(p.Categories, " ") != "z a m") {
		t.Errorf("post p1 = %+v, want markdown, categories z a m", p.Post)
	}
	for _, tt := range []struct {
		id        string
		status    feed.Status
		deleted   bool
		tombstone bool
	}{
		{"h1", feed.StatusApproved, true, false}, // a husk
		{"h2", feed.StatusApproved, false, false},
		{"a1", feed.StatusApproved, true, true}, // deleted with p3
		{"a3", feed.StatusPending, true, false}, // deleted with p3, never shown
		{"c2", feed.StatusApproved, true, true},
		{"c3", feed.StatusApproved, false, false},
		{"c6", feed.StatusPending, false, false},
		{"c7", feed.StatusSpam, false, false},
		{"c8", feed.StatusSpam, true, true},
		{"c9", feed.StatusPending, true, false},
		{"c10", feed.StatusApproved, false, false},
	} {
		c := comments[tt.id]
		if c == nil {
			t.Errorf("comment %s not dumped", tt.id)
			continue
		}
		if c.Status != tt.status || c.Deleted.IsZero() == tt.deleted || c.Tombstone != tt.tombstone {
			t.Errorf("comment %s: status %s, Deleted %v, Tombstone %v; want %s, deleted %v, tombstone %v",
				tt.id, c.Status, c.Deleted, c.Tombstone, tt.status, tt.deleted, tt.tombstone)
		}
	}
	if h := comments["h1"]; h != nil && (h.AuthorName != "" || h.Content != "") {
		t.Errorf("husk h1: author %q, content %q; want both erased", h.AuthorName, h.Content)
	}
	if c := comments["c4"]; c != nil && c.Depth != 3 {
		t.Errorf("comment c4: Depth %d, want 3", c.Depth)
	}

	// The subscriptions come as writeHistory saved them, the expired one
	// and the secret's NUL and non-UTF-8 bytes included: a copy that read
	// them from the dump alone would carry a loss along.
	subs := make(map[string]*feed.Subscription)
	for _, r := range recs {
		if r.Subscription != nil {
			subs[r.Subscription.Callback] = r.Subscription
		}
	}
	now := time.Now()
	for _, tt := range []struct {
		callback, secret string
		created          time.Time
		expired          bool
	}{
		{"https://reader.example/cb?u=1", "s\x00\xffcret", at(20), false},
		{"https://reader.example/cb?u=2", "", at(21), false},
		{"https://old.example/cb", "", at(21), true},
	} {
		sub := subs[tt.callback]
		if sub == nil {
			t.Errorf("subscription of %s not dumped", tt.callback)
			continue
		}
		if sub.Secret != tt.secret || !sub.Created.Equal(tt.created) || sub.Expires.Before(now) != tt.expired {
			t.Errorf("subscription of %s: secret %q, Created %v, Expires %v; want secret %q, Created %v, expired %v",
				tt.callback, sub.Secret, sub.Created, sub.Expires, tt.secret, tt.created, tt.expired)
		}
	}
	if len(subs) != 3 {
		t.Errorf("%d subscriptions dumped, want 3", len(subs))
	}
}

// checkSameReads fails the test unless every read of a and b agrees, for
// the posts and comments of recs: posts, comments of every status,
// entries by id (deleted ones EGONE), threads, tombstones, thread stats,
// authors, fetch states, source counts and subscriptions.
func checkSameReads(t *testing.T, a, b store.Store, recs []store.Record) {
	t.Helper()
	ctx := t.Context()
	reads := []namedRead{
		{"Posts", func(s store.Store) (any, error) { return s.Posts(ctx, store.PostFilter{}) }},
		{"Posts page", func(s store.Store) (any, error) {
			return s.Posts(ctx, store.PostFilter{Limit: 2, Before: &store.Cursor{Published: at(13), ID: "p5"}})
		}},
		{"Comments", func(s store.Store) (any, error) { return s.Comments(ctx, store.CommentFilter{}) }},
		{"Comments of every status", func(s store.Store) (any, error) {
			return s.Comments(ctx, store.CommentFilter{Statuses: allStatuses})
		}},
		{"Comments pending", func(s store.Store) (any, error) {
			return s.Comments(ctx, store.CommentFilter{Statuses: []feed.Status{feed.StatusPending}})
		}},
		{"Tombstones of posts", func(s store.Store) (any, error) { return s.Tombstones(ctx, feed.PostsFeed, 0) }},
		{"Tombstones of comments", func(s store.Store) (any, error) { return s.Tombstones(ctx, feed.CommentsFeed, 0) }},
		{"Fetches", func(s store.Store) (any, error) { return s.Fetches(ctx, "") }},
		{"Fetches of blog", func(s store.Store) (any, error) { return s.Fetches(ctx, "blog") }},
		{"SourceCounts", func(s store.Store) (any, error) { return s.SourceCounts(ctx) }},
		{"Subscriptions, expired ones too", func(s store.Store) (any, error) { return s.Subscriptions(ctx, "", time.Time{}) }},
		{"Secret moderation-feed", func(s store.Store) (any, error) { return s.Secret(ctx, "moderation-feed", false) }},
		{"Secret author-hash", func(s store.Store) (any, error) { return s.Secret(ctx, "author-hash", false) }},
	}
	var postIDs []string
	authors := map[string]bool{"hash-of-umit": true} // carried by Dump and Load
	for _, r := range recs {
		switch {
		case r.Post != nil:
			id := r.Post.ID
			postIDs = append(postIDs, id)
			reads = append(reads,
				namedRead{"Post " + id, func(s store.Store) (any, error) { return s.Post(ctx, id) }},
				namedRead{"Thread " + id, func(s store.Store) (any, error) {
					return s.Comments(ctx, store.CommentFilter{PostID: id, Statuses: allStatuses})
				}},
				namedRead{"Tombstones of thread " + id, func(s store.Store) (any, error) {
					return s.Tombstones(ctx, feed.ThreadFeed(id), 0)
				}},
			)
		case r.Comment != nil:
			id := r.Comment.ID
			reads = append(reads, namedRead{"Comment " + id, func(s store.Store) (any, error) { return s.Comment(ctx, id) }})
			authors[r.Comment.AuthorHash] = true
		case r.Fetch != nil:
			f := r.Fetch
			reads = append(reads, namedRead{"Fetch " + f.Source + "/" + f.PostID, func(s store.Store) (any, error) { return s.Fetch(ctx, f.Source, f.PostID) }})
		}
	}
	reads = append(reads, namedRead{"ThreadStats", func(s store.Store) (any, error) { return s.ThreadStats(ctx, postIDs) }})
	for hash := range authors {
		reads = append(reads, namedRead{"HasApprovedAuthor " + hash, func(s store.Store) (any, error) {
			return s.HasApprovedAuthor(ctx, hash)
		}})
	}

	for _, r := range reads {
		va, errA := r.read(a)
		vb, errB := r.read(b)
		if feed.ErrorCode(errA) != feed.ErrorCode(errB) {
			t.Errorf("%s: error %v, copy's %v", r.name, errA, errB)
			continue
		}
		if errA != nil && feed.ErrorCode(errA) == feed.EINTERNAL {
			t.Errorf("%s: %v", r.name, errA)
			continue
		}
		if !reflect.DeepEqual(va, vb) {
			t.Errorf("%s = %s\ncopy's %s", r.name, show(va), show(vb))
		}
	}
}

// namedRead is a read of a store, named for failure messages.
type namedRead struct {
	name string
	read func(s store.Store) (any, error)
}

// show spells out v, following pointers, for a failure message.
func show(v any) string {
	var b strings.Builder
	switch v := v.(type) {
	case []*feed.Post:
		for _, p := range v {
			fmt.Fprintf(&b, "%+v\n", *p)
		}
	case []*feed.Comment:
		for _, c := range v {
			fmt.Fprintf(&b, "%+v\n", *c)
		}
	case []*feed.Fetch:
		for _, f := range v {
			fmt.Fprintf(&b, "%+v\n", *f)
		}
	case *feed.Post:
		fmt.Fprintf(&b, "%+v", *v)
	case *feed.Comment:
		fmt.Fprintf(&b, "%+v", *v)
	case *feed.Fetch:
		fmt.Fprintf(&b, "%+v", *v)
	case []*feed.Subscription:
		// %q: the secrets hold bytes that %+v would print raw.
		for _, s := range v {
			fmt.Fprintf(&b, "{Topic:%s Callback:%s Secret:%q Expires:%v Created:%v}\n", s.Topic, s.Callback, s.Secret, s.Expires, s.Created)
		}
	default:
		fmt.Fprintf(&b, "%+v", v)
	}
	return b.String()
}

// showRecord spells out one record.
func showRecord(r store.Record) string {
	switch {
	case r.Post != nil:
		return fmt.Sprintf("post %+v", *r.Post)
	case r.Comment != nil:
		return fmt.Sprintf("comment %+v", *r.Comment)
	case r.Fetch != nil:
		return fmt.Sprintf("fetch %+v", *r.Fetch)
	case r.Subscription != nil:
		return fmt.Sprintf("subscription %+v", *r.Subscription)
	case r.Secret != nil:
		return fmt.Sprintf("secret %+v", *r.Secret)
	}
	return "empty record"
}

// showRecords spells out records, one a line.
func showRecords(recs []store.Record) string {
	var b strings.Builder
	for _, r := range recs {
		b.WriteString(showRecord(r) + "\n")
	}
	return b.String()
}
