package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// seedViewPosts stores posts whose Published and Updated orders differ,
// with ties in both, authors and categories, and one deleted post that no
// read may show. Newest first by (Published, ID) they are "e d c b a",
// by (Updated, ID) "a e c d b".
func seedViewPosts(t *testing.T, s store.Store) {
	t.Helper()
	for _, p := range []struct {
		id       string
		pub, upd int
		author   string
		cats     []string
	}{
		{"a", 0, 50, "Ann", []string{"go", "db"}},
		{"b", 10, 10, "BOB", []string{"go"}},
		{"c", 20, 40, "ann", []string{"Go"}}, // shares Published with d, Updated with e
		{"d", 20, 20, "", nil},
		{"e", 30, 40, "Élodie", []string{"db"}},
		{"f", 35, 45, "Ann", []string{"go", "db"}}, // deleted below
	} {
		q := &feed.Post{ID: p.id, Title: strings.ToUpper(p.id), Content: "c", AuthorName: p.author,
			Categories: p.cats, Published: at(p.pub), Updated: at(p.upd)}
		if err := s.CreatePost(t.Context(), q); err != nil {
			t.Fatalf("CreatePost(%q): %v", p.id, err)
		}
	}
	deletePost(t, s, "f")
}

// seedViewComments stores comments whose Published and Updated orders
// differ, with ties, on posts p (approved and pending ones) and q, a post r
// without comments, and a deleted comment of q and a deleted post x with
// its comment, which no read may show. Newest first, p's approved thread is "p4 p3 p2 p1" by
// (Published, ID) and "p3 p1 p4 p2" by (Updated, ID); the site's approved
// comments are "q2 p4 p3 q1 p2 p1" and "p3 p1 q1 q2 p4 p2".
func seedViewComments(t *testing.T, s store.Store) {
	t.Helper()
	createPost(t, s, "p", "P", at(0))
	createPost(t, s, "q", "Q", at(0))
	createPost(t, s, "r", "R", at(0))
	createPost(t, s, "x", "X", at(0))
	for _, c := range []struct {
		id, post string
		pub, upd int
		status   feed.Status
	}{
		{"p1", "p", 1, 9, ""},
		{"p2", "p", 2, 2, ""},
		{"p3", "p", 3, 9, ""}, // shares Published with p4, Updated with p1
		{"p4", "p", 3, 5, ""},
		{"pp", "p", 4, 4, feed.StatusPending},
		{"q1", "q", 2, 6, ""}, // shares Published with p2
		{"q2", "q", 5, 5, ""}, // shares Updated with p4
		{"qd", "q", 7, 7, ""}, // deleted below
		{"x1", "x", 8, 8, ""}, // its post is deleted below
	} {
		q := &feed.Comment{ID: c.id, PostID: c.post, AuthorName: "Ann", Content: "comment " + c.id,
			Status: c.status, Published: at(c.pub), Updated: at(c.upd)}
		if err := s.CreateComment(t.Context(), q); err != nil {
			t.Fatalf("CreateComment(%q): %v", c.id, err)
		}
	}
	deleteComment(t, s, "qd")
	deletePost(t, s, "x")
}

// second is a time within the second after at(n) began.
func second(n int) time.Time { return at(n).Add(500 * time.Millisecond) }

// postViewCases are the PostFilters of testViews over seedViewPosts, with
// the posts they select and the size of that selection (CountPosts).
var postViewCases = []struct {
	name  string
	f     store.PostFilter
	want  string
	count int
}{
	{"Default", store.PostFilter{}, "e d c b a", 5},
	{"OrderPublished", store.PostFilter{OrderBy: feed.OrderPublished}, "e d c b a", 5},
	{"Ascending", store.PostFilter{Ascending: true}, "a b c d e", 5},
	{"OrderPublishedAscending", store.PostFilter{OrderBy: feed.OrderPublished, Ascending: true}, "a b c d e", 5},
	{"OrderUpdated", store.PostFilter{OrderBy: feed.OrderUpdated}, "a e c d b", 5},
	{"OrderUpdatedAscending", store.PostFilter{OrderBy: feed.OrderUpdated, Ascending: true}, "b d c e a", 5},

	{"Limit", store.PostFilter{Limit: 2}, "e d", 5},
	{"Offset", store.PostFilter{Offset: 2}, "c b a", 5},
	{"OffsetLimit", store.PostFilter{Offset: 2, Limit: 2}, "c b", 5},
	{"OffsetLast", store.PostFilter{Offset: 4, Limit: 2}, "a", 5},
	{"OffsetAtEnd", store.PostFilter{Offset: 5}, "", 5},
	{"OffsetPastEnd", store.PostFilter{Offset: 9, Limit: 3}, "", 5},
	{"OffsetAscending", store.PostFilter{Ascending: true, Offset: 1, Limit: 3}, "b c d", 5},
	{"OffsetUpdated", store.PostFilter{OrderBy: feed.OrderUpdated, Offset: 1, Limit: 2}, "e c", 5},
	{"OffsetUpdatedAscending", store.PostFilter{OrderBy: feed.OrderUpdated, Ascending: true, Offset: 3}, "e a", 5},

	// Min is inclusive, Max exclusive, at the exact boundary.
	{"PublishedMin", store.PostFilter{PublishedMin: at(20)}, "e d c", 3},
	{"PublishedMinAfter", store.PostFilter{PublishedMin: at(20).Add(time.Second)}, "e", 1},
	{"PublishedMax", store.PostFilter{PublishedMax: at(20)}, "b a", 2},
	{"PublishedMaxAfter", store.PostFilter{PublishedMax: at(20).Add(time.Second)}, "d c b a", 4},
	{"PublishedRange", store.PostFilter{PublishedMin: at(10), PublishedMax: at(30)}, "d c b", 3},
	{"PublishedEmptyRange", store.PostFilter{PublishedMin: at(20), PublishedMax: at(20)}, "", 0},
	// Bounds are compared in whole seconds: one within a second is that
	// second's start; a time zone changes nothing.
	{"PublishedMinWithinSecond", store.PostFilter{PublishedMin: second(20)}, "e d c", 3},
	{"PublishedMaxWithinSecond", store.PostFilter{PublishedMax: second(20)}, "b a", 2},
	{"PublishedMinZone", store.PostFilter{PublishedMin: at(20).In(time.FixedZone("X", -5*3600))}, "e d c", 3},
	{"PublishedRangeAscending", store.PostFilter{PublishedMin: at(10), PublishedMax: at(30), Ascending: true}, "b c d", 3},
	{"UpdatedMin", store.PostFilter{UpdatedMin: at(40)}, "e c a", 3},
	{"UpdatedMax", store.PostFilter{UpdatedMax: at(40)}, "d b", 2},
	{"UpdatedMaxAfter", store.PostFilter{UpdatedMax: at(40).Add(time.Second)}, "e d c b", 4},
	{"UpdatedRange", store.PostFilter{UpdatedMin: at(20), UpdatedMax: at(45)}, "e d c", 3},
	{"UpdatedRangeOrderUpdated", store.PostFilter{UpdatedMin: at(20), UpdatedMax: at(50), OrderBy: feed.OrderUpdated}, "e c d", 3},
	{"UpdatedMaxWithinSecond", store.PostFilter{UpdatedMax: second(40), OrderBy: feed.OrderUpdated}, "d b", 2},
	{"PublishedAndUpdated", store.PostFilter{PublishedMin: at(10), UpdatedMax: at(40)}, "d b", 2},

	// Categories match exactly, case included; a deleted post never.
	{"Category", store.PostFilter{Category: "go"}, "b a", 2},
	{"CategoryCase", store.PostFilter{Category: "Go"}, "c", 1},
	{"CategoryOther", store.PostFilter{Category: "db"}, "e a", 2},
	{"CategoryNone", store.PostFilter{Category: "nope"}, "", 0},
	{"CategoryPrefix", store.PostFilter{Category: "g"}, "", 0},
	{"CategoryAscending", store.PostFilter{Category: "go", Ascending: true}, "a b", 2},
	{"CategoryUpdated", store.PostFilter{Category: "db", OrderBy: feed.OrderUpdated}, "a e", 2},
	{"CategoryOffset", store.PostFilter{Category: "go", Offset: 1}, "a", 2},
	{"CategoryPublishedMin", store.PostFilter{Category: "go", PublishedMin: at(10)}, "b", 1},

	// Authors match case-insensitively, ASCII letters only, whole names.
	{"Author", store.PostFilter{Author: "ann"}, "c a", 2},
	{"AuthorUpper", store.PostFilter{Author: "ANN"}, "c a", 2},
	{"AuthorMixed", store.PostFilter{Author: "bOb"}, "b", 1},
	{"AuthorNonASCII", store.PostFilter{Author: "Élodie"}, "e", 1},
	{"AuthorNonASCIIFold", store.PostFilter{Author: "éLODIE"}, "", 0},
	{"AuthorPrefix", store.PostFilter{Author: "an"}, "", 0},
	{"AuthorNone", store.PostFilter{Author: "Zed"}, "", 0},
	{"AuthorAscendingLimit", store.PostFilter{Author: "Ann", Ascending: true, Limit: 1}, "a", 2},
	{"AuthorUpdated", store.PostFilter{Author: "ann", OrderBy: feed.OrderUpdated}, "a c", 2},
	{"AuthorCategory", store.PostFilter{Author: "ann", Category: "go"}, "a", 1},
	{"AuthorUpdatedMax", store.PostFilter{Author: "ann", UpdatedMax: at(50)}, "c", 1},

	// Before pages the default order together with the other fields;
	// counts ignore it.
	{"Before", store.PostFilter{Before: &store.Cursor{Published: at(20), ID: "d"}}, "c b a", 5},
	{"BeforeOffset", store.PostFilter{Before: &store.Cursor{Published: at(20), ID: "d"}, Offset: 1}, "b a", 5},
	{"BeforeOffsetLimit", store.PostFilter{Before: &store.Cursor{Published: at(30), ID: "e"}, Offset: 1, Limit: 2}, "c b", 5},
	{"BeforeAuthor", store.PostFilter{Before: &store.Cursor{Published: at(20), ID: "d"}, Author: "ANN"}, "c a", 2},
	{"BeforeCategory", store.PostFilter{Before: &store.Cursor{Published: at(10), ID: "b"}, Category: "go"}, "a", 2},
	{"BeforePublishedMin", store.PostFilter{Before: &store.Cursor{Published: at(20), ID: "d"}, PublishedMin: at(10)}, "c b", 4},
	{"BeforeUpdatedMin", store.PostFilter{Before: &store.Cursor{Published: at(30), ID: "e"}, UpdatedMin: at(20), Limit: 1}, "d", 4},
}

// commentViewCases are the CommentFilters of testViews over
// seedViewComments, with the comments they select and the size of that
// selection (CountComments).
var commentViewCases = []struct {
	name  string
	f     store.CommentFilter
	want  string
	count int
}{
	{"Thread", store.CommentFilter{PostID: "p"}, "p4 p3 p2 p1", 4},
	{"ThreadOrderPublished", store.CommentFilter{PostID: "p", OrderBy: feed.OrderPublished}, "p4 p3 p2 p1", 4},
	{"ThreadAscending", store.CommentFilter{PostID: "p", Ascending: true}, "p1 p2 p3 p4", 4},
	{"ThreadUpdated", store.CommentFilter{PostID: "p", OrderBy: feed.OrderUpdated}, "p3 p1 p4 p2", 4},
	{"ThreadUpdatedAscending", store.CommentFilter{PostID: "p", OrderBy: feed.OrderUpdated, Ascending: true}, "p2 p4 p1 p3", 4},
	{"ThreadAllStatuses", store.CommentFilter{PostID: "p", Statuses: allStatuses}, "pp p4 p3 p2 p1", 5},
	{"ThreadPending", store.CommentFilter{PostID: "p", Statuses: []feed.Status{feed.StatusPending}}, "pp", 1},
	{"ThreadAllStatusesUpdated", store.CommentFilter{PostID: "p", Statuses: allStatuses, OrderBy: feed.OrderUpdated}, "p3 p1 p4 pp p2", 5},
	{"ThreadOffset", store.CommentFilter{PostID: "p", Offset: 1, Limit: 2}, "p3 p2", 4},
	{"ThreadOffsetAtEnd", store.CommentFilter{PostID: "p", Offset: 4}, "", 4},
	{"ThreadOffsetAscending", store.CommentFilter{PostID: "p", Ascending: true, Offset: 2}, "p3 p4", 4},
	{"ThreadOffsetUpdated", store.CommentFilter{PostID: "p", OrderBy: feed.OrderUpdated, Offset: 3}, "p2", 4},
	{"ThreadPublishedMin", store.CommentFilter{PostID: "p", PublishedMin: at(3)}, "p4 p3", 2},
	{"ThreadPublishedMax", store.CommentFilter{PostID: "p", PublishedMax: at(3)}, "p2 p1", 2},
	{"ThreadPublishedMaxWithinSecond", store.CommentFilter{PostID: "p", PublishedMax: second(3)}, "p2 p1", 2},
	{"ThreadPublishedRange", store.CommentFilter{PostID: "p", PublishedMin: at(2), PublishedMax: at(3), Ascending: true}, "p2", 1},
	{"ThreadUpdatedMin", store.CommentFilter{PostID: "p", UpdatedMin: at(9)}, "p3 p1", 2},
	{"ThreadUpdatedMinWithinSecond", store.CommentFilter{PostID: "p", UpdatedMin: second(9)}, "p3 p1", 2},
	{"ThreadUpdatedMax", store.CommentFilter{PostID: "p", UpdatedMax: at(9), OrderBy: feed.OrderUpdated}, "p4 p2", 2},
	{"ThreadOutOfRange", store.CommentFilter{PostID: "p", PublishedMin: at(60)}, "", 0},
	{"ThreadEmpty", store.CommentFilter{PostID: "r"}, "", 0},
	{"ThreadEmptyOffset", store.CommentFilter{PostID: "r", Offset: 3, Ascending: true, OrderBy: feed.OrderUpdated}, "", 0},

	{"All", store.CommentFilter{}, "q2 p4 p3 q1 p2 p1", 6},
	{"AllAscending", store.CommentFilter{Ascending: true}, "p1 p2 q1 p3 p4 q2", 6},
	{"AllUpdated", store.CommentFilter{OrderBy: feed.OrderUpdated}, "p3 p1 q1 q2 p4 p2", 6},
	{"AllUpdatedAscending", store.CommentFilter{OrderBy: feed.OrderUpdated, Ascending: true}, "p2 p4 q2 q1 p1 p3", 6},
	{"AllStatuses", store.CommentFilter{Statuses: allStatuses, Limit: 3}, "q2 pp p4", 7},
	{"AllOffset", store.CommentFilter{Offset: 2, Limit: 3}, "p3 q1 p2", 6},
	{"AllOffsetUpdatedAscending", store.CommentFilter{OrderBy: feed.OrderUpdated, Ascending: true, Offset: 4}, "p1 p3", 6},
	{"AllUpdatedRange", store.CommentFilter{UpdatedMin: at(5), UpdatedMax: at(9)}, "q2 p4 q1", 3},
	{"AllPublishedAndUpdated", store.CommentFilter{PublishedMin: at(2), UpdatedMax: at(6), OrderBy: feed.OrderUpdated}, "q2 p4 p2", 3},
}

func testViews(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Posts", func(t *testing.T) {
		s := newStore(t, open)
		seedViewPosts(t, s)
		for _, tt := range postViewCases {
			posts, err := s.Posts(t.Context(), tt.f)
			if err != nil {
				t.Errorf("%s: Posts: %v", tt.name, err)
				continue
			}
			if got := postIDs(posts); got != tt.want {
				t.Errorf("%s: Posts = %q, want %q", tt.name, got, tt.want)
			}
		}
	})

	t.Run("Comments", func(t *testing.T) {
		s := newStore(t, open)
		seedViewComments(t, s)
		for _, tt := range commentViewCases {
			comments, err := s.Comments(t.Context(), tt.f)
			if err != nil {
				t.Errorf("%s: Comments: %v", tt.name, err)
				continue
			}
			if got := commentIDs(comments); got != tt.want {
				t.Errorf("%s: Comments = %q, want %q", tt.name, got, tt.want)
			}
		}
	})

	t.Run("ThreadNotFound", func(t *testing.T) {
		// However little the other fields select, a thread of no post, or
		// of a deleted one, fails as a plain thread read does.
		s := newStore(t, open)
		seedViewComments(t, s)
		for _, f := range []store.CommentFilter{
			{PostID: "nope", Offset: 2, Limit: 1},
			{PostID: "nope", Ascending: true, OrderBy: feed.OrderUpdated, PublishedMin: at(1)},
		} {
			_, err := s.Comments(t.Context(), f)
			wantCode(t, err, feed.ENOTFOUND)
		}
		for _, f := range []store.CommentFilter{
			{PostID: "x", Offset: 1},
			{PostID: "x", Ascending: true, OrderBy: feed.OrderUpdated, UpdatedMax: at(60)},
		} {
			_, err := s.Comments(t.Context(), f)
			wantCode(t, err, feed.EGONE)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		s := newStore(t, open)
		seedViewComments(t, s)
		for _, f := range []store.PostFilter{
			{Offset: -1},
			{Offset: -1, Limit: 2},
			{OrderBy: "title"},
			{OrderBy: "newest", Category: "go"},
		} {
			_, err := s.Posts(t.Context(), f)
			if got := feed.ErrorCode(err); got != feed.EINVALID {
				t.Errorf("Posts(%+v) error = %v, want %s", f, err, feed.EINVALID)
			}
		}
		for _, f := range []store.CommentFilter{
			{Offset: -1},
			{PostID: "p", Offset: -5},
			{OrderBy: "title"},
			{PostID: "p", OrderBy: "oldest"},
			{PostID: "nope", OrderBy: "oldest"}, // checked before the post is looked up
		} {
			_, err := s.Comments(t.Context(), f)
			if got := feed.ErrorCode(err); got != feed.EINVALID {
				t.Errorf("Comments(%+v) error = %v, want %s", f, err, feed.EINVALID)
			}
		}
	})

	t.Run("LongThread", func(t *testing.T) { testViewsLongThread(t, open) })
}

// testViewsLongThread walks a thread of 1000 comments by Offset and Limit,
// as archive documents cut it, and checks that every comment shows up
// once, in order.
func testViewsLongThread(t *testing.T, open func(t *testing.T) store.Store) {
	const n, chunk = 1000, 25
	s := newStore(t, open)
	// Seven comments a minute, so that most share their Published (and
	// Updated) with others and the ids break the ties; ids are shuffled
	// against the times (7919 is prime to 1000), so that no order of
	// insertion or of rowids can pass for the order asked.
	post := feed.Post{ID: "p", Title: "P", Content: "c", Format: feed.FormatHTML, Published: at(0), Updated: at(0)}
	recs := []store.Record{{Post: &store.PostRecord{Post: post}}}
	for i := range n {
		c := feed.Comment{ID: idf("c%04d", i*7919%n), PostID: "p", AuthorName: "Ann", Content: "c",
			Status: feed.StatusApproved, Published: at(1 + i/7), Updated: at(1 + i/7 + i*31%11)}
		recs = append(recs, store.Record{Comment: &store.CommentRecord{Comment: c}})
	}
	// One transaction: fast enough on every backend.
	if err := s.Load(t.Context(), recs); err != nil {
		t.Fatalf("Load: %v", err)
	}

	for _, base := range []store.CommentFilter{
		{PostID: "p", Ascending: true},
		{PostID: "p", OrderBy: feed.OrderUpdated},
	} {
		want := comments(t, s, base)
		if len(want) != n {
			t.Fatalf("Comments(%+v) holds %d comments, want %d", base, len(want), n)
		}
		// older reports whether a comes before b oldest first in the
		// order of base.
		older := func(a, b *feed.Comment) bool {
			ta, tb := a.Published, b.Published
			if base.OrderBy == feed.OrderUpdated {
				ta, tb = a.Updated, b.Updated
			}
			return ta.Before(tb) || ta.Equal(tb) && a.ID < b.ID
		}
		for i := 1; i < n; i++ {
			a, b := want[i-1], want[i]
			if !base.Ascending {
				a, b = b, a
			}
			if !older(a, b) {
				t.Fatalf("Comments(%+v): %s comes before %s", base, want[i-1].ID, want[i].ID)
			}
		}
		if got, err := s.CountComments(t.Context(), base); err != nil || got != n {
			t.Errorf("CountComments(%+v) = %d, %v; want %d", base, got, err, n)
		}

		seen := make(map[string]int)
		var walked []*feed.Comment
		for offset := 0; ; offset += chunk {
			f := base
			f.Offset, f.Limit = offset, chunk
			page := comments(t, s, f)
			if offset < n && len(page) != chunk {
				t.Fatalf("Comments(%+v) = %d comments, want %d", f, len(page), chunk)
			}
			if len(page) == 0 {
				break
			}
			for _, c := range page {
				seen[c.ID]++
			}
			walked = append(walked, page...)
		}
		if len(seen) != n {
			t.Errorf("walk by %+v saw %d comments, want %d", base, len(seen), n)
		}
		for id, k := range seen {
			if k != 1 {
				t.Errorf("walk by %+v saw %s %d times", base, id, k)
			}
		}
		if got, w := commentIDs(walked), commentIDs(want); got != w {
			t.Errorf("walk by %+v is not in the order of the whole thread", base)
		}
	}
}

func testCount(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Posts", func(t *testing.T) {
		s := newStore(t, open)
		seedViewPosts(t, s)
		for _, tt := range postViewCases {
			n, err := s.CountPosts(t.Context(), tt.f)
			if err != nil {
				t.Errorf("%s: CountPosts: %v", tt.name, err)
				continue
			}
			if n != tt.count {
				t.Errorf("%s: CountPosts = %d, want %d", tt.name, n, tt.count)
			}
			// The count is the size of the whole selection, which Posts
			// returns without Limit, Offset and Before.
			all := tt.f
			all.Limit, all.Offset, all.Before = 0, 0, nil
			posts, err := s.Posts(t.Context(), all)
			if err != nil {
				t.Errorf("%s: Posts without paging: %v", tt.name, err)
			} else if len(posts) != n {
				t.Errorf("%s: CountPosts = %d, but Posts without paging returns %d", tt.name, n, len(posts))
			}
		}
	})

	t.Run("Comments", func(t *testing.T) {
		s := newStore(t, open)
		seedViewComments(t, s)
		for _, tt := range commentViewCases {
			n, err := s.CountComments(t.Context(), tt.f)
			if err != nil {
				t.Errorf("%s: CountComments: %v", tt.name, err)
				continue
			}
			if n != tt.count {
				t.Errorf("%s: CountComments = %d, want %d", tt.name, n, tt.count)
			}
			all := tt.f
			all.Limit, all.Offset = 0, 0
			if got := comments(t, s, all); len(got) != n {
				t.Errorf("%s: CountComments = %d, but Comments without paging returns %d", tt.name, n, len(got))
			}
		}
	})

	t.Run("IgnoresPaging", func(t *testing.T) {
		// Limit, Offset, Before, Ascending and OrderBy cut the selection
		// up, and change nothing of its size.
		s := newStore(t, open)
		seedViewPosts(t, s)
		f := store.PostFilter{Limit: 1, Offset: 3, Ascending: true, OrderBy: feed.OrderUpdated,
			Before: &store.Cursor{Published: at(0), ID: "a"}, Category: "go"}
		if n, err := s.CountPosts(t.Context(), f); err != nil || n != 2 {
			t.Errorf("CountPosts(%+v) = %d, %v; want 2", f, n, err)
		}
		seedViewComments(t, s) // more posts, and their comments
		g := store.CommentFilter{PostID: "p", Limit: 1, Offset: 9, Ascending: true, OrderBy: feed.OrderUpdated}
		if n, err := s.CountComments(t.Context(), g); err != nil || n != 4 {
			t.Errorf("CountComments(%+v) = %d, %v; want 4", g, n, err)
		}
		if n, err := s.CountPosts(t.Context(), store.PostFilter{}); err != nil || n != 5+3 {
			t.Errorf("CountPosts() = %d, %v; want 8", n, err)
		}
	})

	t.Run("Empty", func(t *testing.T) {
		s := newStore(t, open)
		if n, err := s.CountPosts(t.Context(), store.PostFilter{}); err != nil || n != 0 {
			t.Errorf("CountPosts() = %d, %v; want 0", n, err)
		}
		if n, err := s.CountComments(t.Context(), store.CommentFilter{}); err != nil || n != 0 {
			t.Errorf("CountComments() = %d, %v; want 0", n, err)
		}
	})

	t.Run("Deleted", func(t *testing.T) {
		s := newStore(t, open)
		seedViewComments(t, s)
		deleteComment(t, s, "p2")
		deletePost(t, s, "q")
		for _, tt := range []struct {
			f    store.CommentFilter
			want int
		}{
			{store.CommentFilter{PostID: "p"}, 3},
			{store.CommentFilter{}, 3},
			{store.CommentFilter{Statuses: allStatuses}, 4},
		} {
			if n, err := s.CountComments(t.Context(), tt.f); err != nil || n != tt.want {
				t.Errorf("CountComments(%+v) = %d, %v; want %d", tt.f, n, err, tt.want)
			}
		}
		if n, err := s.CountPosts(t.Context(), store.PostFilter{}); err != nil || n != 2 {
			t.Errorf("CountPosts() = %d, %v; want 2", n, err)
		}
	})

	t.Run("ThreadNotFound", func(t *testing.T) {
		s := newStore(t, open)
		seedViewComments(t, s)
		for _, tt := range []struct {
			f    store.CommentFilter
			code string
		}{
			{store.CommentFilter{PostID: "nope"}, feed.ENOTFOUND},
			{store.CommentFilter{PostID: "nope", Statuses: allStatuses, PublishedMin: at(1)}, feed.ENOTFOUND},
			{store.CommentFilter{PostID: "x"}, feed.EGONE}, // deleted, with a comment
			{store.CommentFilter{PostID: "x", Statuses: allStatuses}, feed.EGONE},
		} {
			_, err := s.CountComments(t.Context(), tt.f)
			if got := feed.ErrorCode(err); got != tt.code {
				t.Errorf("CountComments(%+v) error = %v, want %s", tt.f, err, tt.code)
			}
		}
		deletePost(t, s, "r") // deleted, never commented
		_, err := s.CountComments(t.Context(), store.CommentFilter{PostID: "r"})
		wantCode(t, err, feed.EGONE)
	})

	t.Run("InvalidStatus", func(t *testing.T) {
		s := newStore(t, open)
		seedViewComments(t, s)
		_, err := s.CountComments(t.Context(), store.CommentFilter{Statuses: []feed.Status{"bogus"}})
		wantCode(t, err, feed.EINVALID)
	})
}
