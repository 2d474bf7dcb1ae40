package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// outbox returns the outbox rows of postID as "target:present:state"
// strings, failing the test on error.
func outbox(t *testing.T, s store.Store, postID string) string {
	t.Helper()
	ws, err := s.OutboundWebmentions(t.Context(), postID)
	if err != nil {
		t.Fatal(err)
	}
	var b []string
	for _, w := range ws {
		present := "-"
		if w.Present {
			present = "+"
		}
		b = append(b, fmt.Sprintf("%s%s:%s@%s", present, w.Target, w.State, w.Version))
	}
	return strings.Join(b, " ")
}

// plan runs PlanWebmentions and checks how many rows it made pending.
func plan(t *testing.T, s store.Store, postID, version string, want int, targets ...string) {
	t.Helper()
	n, err := s.PlanWebmentions(t.Context(), postID, version, targets)
	if err != nil {
		t.Fatalf("PlanWebmentions(%q, %q, %v): %v", postID, version, targets, err)
	}
	if n != want {
		t.Fatalf("PlanWebmentions(%q, %q, %v) made %d rows pending, want %d", postID, version, targets, n, want)
	}
}

func testWebmentions(t *testing.T, open func(t *testing.T) store.Store) {
	const a, b, c = "https://a.example/1", "https://b.example/2?x=1", "http://c.example/"
	t.Run("Plan", func(t *testing.T) {
		s := newStore(t, open)
		plan(t, s, "p1", "v1", 2, a, b, a)
		if got, want := outbox(t, s, "p1"), "+"+a+":pending@v1 +"+b+":pending@v1"; got != want {
			t.Fatalf("after the first plan: %s, want %s", got, want)
		}
		// The same links of the same version again: nothing to send.
		plan(t, s, "p1", "v1", 0, b, a)
		// A new version of the post: its links are told again.
		plan(t, s, "p1", "v2", 2, a, b)
		// An edit drops b and adds c: both are to be told, and a of the
		// new version.
		plan(t, s, "p1", "v3", 3, a, c)
		if got, want := outbox(t, s, "p1"), "+"+c+":pending@v3 +"+a+":pending@v3 -"+b+":pending@v3"; got != want {
			t.Fatalf("after the edit: %s, want %s", got, want)
		}
		plan(t, s, "p1", "v3", 0, a, c)
		// b comes back; then the post is deleted: every present link goes.
		plan(t, s, "p1", "v5", 3, a, b, c)
		plan(t, s, "p1", "deleted", 3)
		if got, want := outbox(t, s, "p1"), "-"+c+":pending@deleted -"+a+":pending@deleted -"+b+":pending@deleted"; got != want {
			t.Fatalf("after the deletion: %s, want %s", got, want)
		}
		plan(t, s, "p1", "deleted", 0)
		// Other posts are apart.
		plan(t, s, "p2", "v1", 1, a)
		if got := outbox(t, s, "p2"); got != "+"+a+":pending@v1" {
			t.Fatalf("p2: %s", got)
		}
		ws, err := s.OutboundWebmentions(t.Context(), "")
		if err != nil || len(ws) != 4 {
			t.Fatalf("every row: %d, %v; want 4", len(ws), err)
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		s := newStore(t, open)
		for _, tc := range []struct {
			post, version string
			targets       []string
		}{
			{"", "v", nil},
			{"bad id!", "v", nil},
			{"p", "", nil},
			{"p", strings.Repeat("v", 129), nil},
			{"p", "v", []string{""}},
			{"p", "v", []string{"/relative"}},
			{"p", "v", []string{"mailto:x@example.com"}},
			{"p", "v", []string{"https://" + strings.Repeat("x", feed.MaxURILen)}},
			{"p", "v", []string{"https://a.example/\x00"}},
			{"p", "v", []string{"https://a.example/\xff"}},
		} {
			_, err := s.PlanWebmentions(t.Context(), tc.post, tc.version, tc.targets)
			wantCode(t, err, feed.EINVALID)
		}
		_, err := s.ClaimWebmentions(t.Context(), 0, time.Minute)
		wantCode(t, err, feed.EINVALID)
		_, err = s.ClaimWebmentions(t.Context(), 1, 0)
		wantCode(t, err, feed.EINVALID)
		_, err = s.FinishWebmention(t.Context(), &store.OutboundWebmention{PostID: "p", Target: a, State: "lost"})
		wantCode(t, err, feed.EINVALID)
	})
	t.Run("ClaimAndFinish", func(t *testing.T) {
		s := newStore(t, open)
		clock := clockOf(t)
		plan(t, s, "p1", "v1", 2, a, b)
		ws, err := s.ClaimWebmentions(t.Context(), 10, time.Minute)
		if err != nil || len(ws) != 2 {
			t.Fatalf("claim: %d rows, %v; want 2", len(ws), err)
		}
		if ws[0].Attempts != 1 || ws[0].Version != "v1" || !ws[0].Present || ws[0].State != store.WebmentionPending {
			t.Fatalf("claimed %+v", ws[0])
		}
		// Claimed rows are no one else's until the lease ends.
		if again, err := s.ClaimWebmentions(t.Context(), 10, time.Minute); err != nil || len(again) != 0 {
			t.Fatalf("second claim: %d rows, %v; want none", len(again), err)
		}
		// a is sent; b fails and is to be retried in an hour.
		ws[0].State, ws[0].Endpoint, ws[0].LastStatus = store.WebmentionSent, "https://a.example/wm", 202
		if ok, err := s.FinishWebmention(t.Context(), ws[0]); !ok || err != nil {
			t.Fatalf("finish a: %v, %v", ok, err)
		}
		retry := clock.Now().Add(time.Hour)
		ws[1].LastStatus, ws[1].LastError, ws[1].NextAttempt = 503, "endpoint answered 503", retry
		if ok, err := s.FinishWebmention(t.Context(), ws[1]); !ok || err != nil {
			t.Fatalf("finish b: %v, %v", ok, err)
		}
		// Finishing twice does nothing more: the row moved on.
		if ok, _ := s.FinishWebmention(t.Context(), ws[0]); ok {
			t.Fatal("a finished row was finished again")
		}
		if got, want := outbox(t, s, "p1"), "+"+a+":sent@v1 +"+b+":pending@v1"; got != want {
			t.Fatalf("outbox %s, want %s", got, want)
		}
		if again, _ := s.ClaimWebmentions(t.Context(), 10, time.Minute); len(again) != 0 {
			t.Fatalf("b claimed before its retry time: %+v", again[0])
		}
		clock.Advance(time.Hour + time.Second)
		again, err := s.ClaimWebmentions(t.Context(), 10, time.Minute)
		if err != nil || len(again) != 1 || again[0].Target != b || again[0].Attempts != 2 || again[0].LastError != "endpoint answered 503" {
			t.Fatalf("retry claim: %+v, %v", again, err)
		}
		// An edit re-plans b while it is claimed (and a, of the new
		// version): the old claim's outcome no longer applies, and the new
		// plan of b waits for the lease.
		plan(t, s, "p1", "v2", 2, a)
		again[0].State = store.WebmentionFailed
		if ok, _ := s.FinishWebmention(t.Context(), again[0]); ok {
			t.Fatal("a superseded claim's outcome applied")
		}
		ca, _ := s.ClaimWebmentions(t.Context(), 10, time.Minute)
		if len(ca) != 1 || ca[0].Target != a || ca[0].Version != "v2" {
			t.Fatalf("claim within b's lease: %+v, want a of v2 alone", ca)
		}
		ca[0].State = store.WebmentionSent
		if ok, err := s.FinishWebmention(t.Context(), ca[0]); !ok || err != nil {
			t.Fatalf("FinishWebmention(a of v2) = %v, %v", ok, err)
		}
		clock.Advance(time.Minute + time.Second)
		got, err := s.ClaimWebmentions(t.Context(), 10, time.Minute)
		if err != nil || len(got) != 1 || got[0].Target != b || got[0].Present || got[0].Version != "v2" || got[0].Attempts != 1 {
			t.Fatalf("claim after the lease: %+v, %v", got, err)
		}
	})
	t.Run("ClaimOnce", func(t *testing.T) {
		// Concurrent claimers never share a row.
		s := newStore(t, open)
		var targets []string
		for i := range 20 {
			targets = append(targets, fmt.Sprintf("https://t%d.example/", i))
		}
		plan(t, s, "p1", "v1", 20, targets...)
		claimed := make(chan string, 100)
		concurrently(t, 4, func(int) error {
			for {
				ws, err := s.ClaimWebmentions(t.Context(), 3, time.Minute)
				if err != nil || len(ws) == 0 {
					return err
				}
				for _, w := range ws {
					claimed <- w.Target
				}
			}
		})
		close(claimed)
		seen := map[string]bool{}
		for tg := range claimed {
			if seen[tg] {
				t.Fatalf("%s claimed twice", tg)
			}
			seen[tg] = true
		}
		if len(seen) != 20 {
			t.Fatalf("%d rows claimed, want 20", len(seen))
		}
	})
	t.Run("Purge", func(t *testing.T) {
		// Purging a deleted post removes its outbox rows; a live post's
		// stay.
		s := newStore(t, open)
		clock := clockOf(t)
		createPost(t, s, "gone", "Gone", at(1))
		createPost(t, s, "kept", "Kept", at(2))
		plan(t, s, "gone", "v1", 1, a)
		plan(t, s, "kept", "v1", 1, b)
		if _, err := s.DeletePost(t.Context(), "gone"); err != nil {
			t.Fatal(err)
		}
		plan(t, s, "gone", "deleted", 1)
		clock.Advance(time.Hour)
		if _, err := s.Purge(t.Context(), clock.Now()); err != nil {
			t.Fatal(err)
		}
		if got := outbox(t, s, "gone"); got != "" {
			t.Fatalf("a purged post's outbox: %s", got)
		}
		if got := outbox(t, s, "kept"); got != "+"+b+":pending@v1" {
			t.Fatalf("a live post's outbox: %s", got)
		}
	})
	t.Run("Cursor", func(t *testing.T) {
		s := newStore(t, open)
		if _, ok, err := s.WebmentionCursor(t.Context()); ok || err != nil {
			t.Fatalf("new store: ok %v, %v", ok, err)
		}
		for _, seq := range []int64{5, 3, 9, 9} {
			if err := s.SetWebmentionCursor(t.Context(), seq); err != nil {
				t.Fatal(err)
			}
		}
		if seq, ok, err := s.WebmentionCursor(t.Context()); seq != 9 || !ok || err != nil {
			t.Fatalf("cursor %d, %v, %v; want 9", seq, ok, err)
		}
	})
}
