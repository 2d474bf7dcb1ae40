package storetest

import (
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// checkFetch fails the test unless got and want are the same polling state,
// times compared as instants and, when set, in UTC and whole seconds.
func checkFetch(t *testing.T, got, want *feed.Fetch) {
	t.Helper()
	for _, tm := range []struct {
		name      string
		got, want time.Time
	}{
		{"LastPoll", got.LastPoll, want.LastPoll},
		{"LastSuccess", got.LastSuccess, want.LastSuccess},
		{"NextPoll", got.NextPoll, want.NextPoll},
	} {
		if tm.want.IsZero() {
			if !tm.got.IsZero() {
				t.Errorf("%s = %v, want the zero time (never)", tm.name, tm.got)
			}
			continue
		}
		checkTime(t, tm.name, tm.got, tm.want)
	}
	g, w := *got, *want
	g.LastPoll, g.LastSuccess, g.NextPoll = time.Time{}, time.Time{}, time.Time{}
	w.LastPoll, w.LastSuccess, w.NextPoll = time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("fetch = %+v\nwant %+v", g, w)
	}
}

// saveFetch stores f, failing the test on error.
func saveFetch(t *testing.T, s store.Store, f *feed.Fetch) {
	t.Helper()
	if err := s.SaveFetch(t.Context(), f); err != nil {
		t.Fatalf("SaveFetch(%q, %q): %v", f.Source, f.PostID, err)
	}
}

// fetchKeys lists polling states as "source/post", in order.
func fetchKeys(fetches []*feed.Fetch) string {
	keys := make([]string, len(fetches))
	for i, f := range fetches {
		keys[i] = f.Source + "/" + f.PostID
	}
	return strings.Join(keys, " ")
}

// fullFetch is a polling state with every field set.
func fullFetch(source, postID string) *feed.Fetch {
	return &feed.Fetch{Source: source, PostID: postID, URL: "https://up.example/feed.atom",
		ETag: `W/"abc"`, LastModified: "Wed, 01 May 2024 12:00:00 GMT",
		LastPoll: at(10), LastSuccess: at(5), NextPoll: at(40),
		LastStatus: 503, LastError: "503 Service Unavailable", Failures: 2, Disabled: true}
}

func testFetch(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t, open)
		_, err := s.Fetch(t.Context(), "up", "")
		wantCode(t, err, feed.ENOTFOUND)
		saveFetch(t, s, fullFetch("up", ""))
		for _, key := range [][2]string{{"up", "p"}, {"other", ""}, {"", ""}} {
			_, err := s.Fetch(t.Context(), key[0], key[1])
			wantCode(t, err, feed.ENOTFOUND)
		}
	})

	t.Run("SaveAndRead", func(t *testing.T) {
		s := newStore(t, open)
		for _, f := range []*feed.Fetch{fullFetch("up", ""), fullFetch("up", "p1"), {Source: "new"}} {
			saveFetch(t, s, f)
			got, err := s.Fetch(t.Context(), f.Source, f.PostID)
			if err != nil {
				t.Fatalf("Fetch(%q, %q): %v", f.Source, f.PostID, err)
			}
			checkFetch(t, got, f)
		}
		// Times are stored as every other time: UTC, whole seconds.
		zone := time.FixedZone("UTC+2", 2*3600)
		f := &feed.Fetch{Source: "zoned", LastPoll: at(1).In(zone).Add(999 * time.Millisecond)}
		saveFetch(t, s, f)
		got, err := s.Fetch(t.Context(), "zoned", "")
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		checkFetch(t, got, &feed.Fetch{Source: "zoned", LastPoll: at(1)})
		// No feed shows polling state: saving it invalidates none.
		if seq := lastSeq(t, s); seq != 0 {
			t.Errorf("LastChange = %d after SaveFetch, want 0", seq)
		}
		wantCode(t, s.SaveFetch(t.Context(), &feed.Fetch{URL: "https://up.example/"}), feed.EINVALID)
	})

	t.Run("Replace", func(t *testing.T) {
		s := newStore(t, open)
		saveFetch(t, s, fullFetch("up", ""))
		saveFetch(t, s, fullFetch("up", "p1"))
		// A success after failures: validators and errors go, times move.
		next := &feed.Fetch{Source: "up", URL: "https://up.example/moved.atom", LastPoll: at(50),
			LastSuccess: at(50), NextPoll: at(80), LastStatus: 200}
		saveFetch(t, s, next)
		got, err := s.Fetch(t.Context(), "up", "")
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		checkFetch(t, got, next)
		// The other state of the source is untouched.
		if got, err = s.Fetch(t.Context(), "up", "p1"); err != nil {
			t.Fatalf("Fetch(up, p1): %v", err)
		}
		checkFetch(t, got, fullFetch("up", "p1"))
		if all, _ := s.Fetches(t.Context(), ""); len(all) != 2 {
			t.Errorf("Fetches = %s, want two", fetchKeys(all))
		}
	})

	t.Run("List", func(t *testing.T) {
		s := newStore(t, open)
		if all, err := s.Fetches(t.Context(), ""); err != nil || len(all) != 0 {
			t.Errorf("Fetches of an empty store = %s, %v; want none", fetchKeys(all), err)
		}
		for _, key := range [][2]string{{"b", ""}, {"a", "p2"}, {"a", ""}, {"a", "p1"}, {"b", "p1"}} {
			saveFetch(t, s, fullFetch(key[0], key[1]))
		}
		for _, tt := range []struct{ source, want string }{
			{"", "a/ a/p1 a/p2 b/ b/p1"},
			{"a", "a/ a/p1 a/p2"},
			{"b", "b/ b/p1"},
			{"c", ""},
		} {
			got, err := s.Fetches(t.Context(), tt.source)
			if err != nil {
				t.Fatalf("Fetches(%q): %v", tt.source, err)
			}
			if fetchKeys(got) != tt.want {
				t.Errorf("Fetches(%q) = %q, want %q", tt.source, fetchKeys(got), tt.want)
			}
			for _, f := range got {
				checkFetch(t, f, fullFetch(f.Source, f.PostID))
			}
		}
	})
}

func testSourceCounts(t *testing.T, open func(t *testing.T) store.Store) {
	s := newStore(t, open)
	counts := func(t *testing.T) map[string]feed.SourceCounts {
		t.Helper()
		got, err := s.SourceCounts(t.Context())
		if err != nil {
			t.Fatalf("SourceCounts: %v", err)
		}
		return got
	}
	if got := counts(t); len(got) != 0 {
		t.Errorf("SourceCounts of an empty store = %v, want none", got)
	}

	// Native entries are no source's.
	createPost(t, s, "native", "Native", at(0))
	createComment(t, s, "nc", "native", "", at(1))
	a1, _ := upsertPost(t, s, upstreamPost("a", "1", "A1"))
	a2, _ := upsertPost(t, s, upstreamPost("a", "2", "A2"))
	upsertPost(t, s, upstreamPost("b", "1", "B1"))
	upsertPost(t, s, upstreamPost("gone", "1", "Gone"))
	for _, id := range []string{"c1", "c2", "c3"} {
		upsertComment(t, s, upstreamComment(a1.ID, "a", id), "")
	}
	upsertComment(t, s, upstreamComment(a2.ID, "a", "c1"), "")
	// A mirrored comment of a native post counts for its source.
	upsertComment(t, s, upstreamComment("native", "b", "c1"), "")
	// Pending comments are not public.
	pending := upstreamComment(a1.ID, "a", "p1")
	pending.Status = feed.StatusPending
	if err := s.CreateComment(t.Context(), pending); err != nil {
		t.Fatalf("CreateComment(pending): %v", err)
	}
	want := map[string]feed.SourceCounts{"a": {Posts: 2, Comments: 4}, "b": {Posts: 1, Comments: 1},
		"gone": {Posts: 1}}
	if got := counts(t); !maps.Equal(got, want) {
		t.Errorf("SourceCounts = %v, want %v", got, want)
	}

	// Deleted entries are not counted, nor the comments of a deleted post.
	thread := comments(t, s, store.CommentFilter{PostID: a1.ID})
	if _, err := s.DeleteComment(t.Context(), thread[0].ID); err != nil {
		t.Fatalf("DeleteComment: %v", err)
	}
	if _, err := s.DeletePost(t.Context(), a2.ID); err != nil {
		t.Fatalf("DeletePost: %v", err)
	}
	gone, err := s.Posts(t.Context(), store.PostFilter{})
	if err != nil {
		t.Fatalf("Posts: %v", err)
	}
	for _, p := range gone {
		if p.Origin != nil && p.Origin.Source == "gone" {
			if _, err := s.DeletePost(t.Context(), p.ID); err != nil {
				t.Fatalf("DeletePost: %v", err)
			}
		}
	}
	want = map[string]feed.SourceCounts{"a": {Posts: 1, Comments: 2}, "b": {Posts: 1, Comments: 1}}
	if got := counts(t); !maps.Equal(got, want) {
		t.Errorf("after deletions, SourceCounts = %v, want %v", got, want)
	}
}
