package storetest

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// claimer opens a store for t, closed when t ends. Every store claims
// jobs: no store skips these tests.
func claimer(t *testing.T, open func(t *testing.T) store.Store) store.Store {
	t.Helper()
	return newStore(t, open)
}

// claim runs ClaimJob, failing the test on error.
func claim(t *testing.T, c store.JobClaimer, name string, period time.Duration) bool {
	t.Helper()
	ok, err := c.ClaimJob(t.Context(), name, period)
	if err != nil {
		t.Fatalf("ClaimJob(%q, %v): %v", name, period, err)
	}
	return ok
}

func testClaimJob(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Purge", func(t *testing.T) {
		// Purge removes the claims older than its cutoff: with a cutoff in
		// the past the claim stays and still blocks, with one in the
		// future it goes and the job can be claimed at once.
		c := claimer(t, open)
		s := c
		if !claim(t, c, "websub:topic@v1", time.Hour) {
			t.Fatal("first claim failed")
		}
		if _, err := s.Purge(t.Context(), now(t).Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if claim(t, c, "websub:topic@v1", time.Hour) {
			t.Error("a recent claim went with a purge of older ones")
		}
		if _, err := s.Purge(t.Context(), now(t).Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if !claim(t, c, "websub:topic@v1", time.Hour) {
			t.Error("a claim older than the purge's cutoff still blocks")
		}
	})
	t.Run("OK", func(t *testing.T) {
		c := claimer(t, open)
		clock := clockOf(t)
		// A short period, as the jobs that run every second have: the
		// claims must count milliseconds. A claim succeeds once the last
		// one is more than 0.9×period old.
		const period = 500 * time.Millisecond
		if !claim(t, c, "poll", period) {
			t.Fatal("first claim failed")
		}
		if claim(t, c, "poll", period) {
			t.Error("second claim at once succeeded")
		}
		clock.Advance(250 * time.Millisecond)
		if claim(t, c, "poll", period) {
			t.Error("claim after 0.5×period succeeded")
		}
		clock.Advance(200 * time.Millisecond)
		if claim(t, c, "poll", period) {
			t.Error("claim after 0.9×period succeeded")
		}
		// A period after the first claim: the failed claims between
		// recorded nothing.
		clock.Advance(50 * time.Millisecond)
		if !claim(t, c, "poll", period) {
			t.Error("claim after a period failed")
		}
		if claim(t, c, "poll", period) {
			t.Error("claim at once after the renewed claim succeeded")
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		c := claimer(t, open)
		for round := range 3 {
			// A new job each round, whose first claims race to insert its
			// row, and "old", claimed in round 0 and within its period
			// since, whose claims race to update it.
			wantOld := int32(0)
			if round == 0 {
				wantOld = 1
			}
			for _, job := range []struct {
				name string
				want int32
			}{{idf("new%d", round), 1}, {"old", wantOld}} {
				var won atomic.Int32
				concurrently(t, 20, func(int) error {
					ok, err := c.ClaimJob(t.Context(), job.name, time.Hour)
					if ok {
						won.Add(1)
					}
					return err
				})
				if n := won.Load(); n != job.want {
					t.Errorf("round %d: %d of 20 claims of %q succeeded, want %d", round, n, job.name, job.want)
				}
			}
		}
	})

	t.Run("ConcurrentExpired", func(t *testing.T) {
		c := claimer(t, open)
		const period = time.Second
		if !claim(t, c, "sweep", period) {
			t.Fatal("first claim failed")
		}
		clockOf(t).Advance(period)
		// The claim is stale: of 20 processes taking over, one does.
		var won atomic.Int32
		concurrently(t, 20, func(int) error {
			ok, err := c.ClaimJob(t.Context(), "sweep", period)
			if ok {
				won.Add(1)
			}
			return err
		})
		if n := won.Load(); n != 1 {
			t.Errorf("%d of 20 claims of a stale job succeeded, want 1", n)
		}
	})

	t.Run("Names", func(t *testing.T) {
		c := claimer(t, open)
		for _, name := range []string{"poll source/a", "poll source/b", "purge", "Purge"} {
			if !claim(t, c, name, time.Hour) {
				t.Errorf("first claim of %q failed", name)
			}
		}
		for _, name := range []string{"poll source/a", "poll source/b", "purge", "Purge"} {
			if claim(t, c, name, time.Hour) {
				t.Errorf("second claim of %q succeeded", name)
			}
		}
		// The period is the caller's, claim by claim: a job claimed
		// under an hour's period is stale for one of a millisecond.
		clockOf(t).Advance(5 * time.Millisecond)
		if !claim(t, c, "purge", time.Millisecond) {
			t.Error("claim with a shorter period failed")
		}
	})

	t.Run("Reopen", func(t *testing.T) {
		s := open(t)
		if !claim(t, s, "poll", time.Hour) {
			t.Error("first claim failed")
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if claim(t, claimer(t, open), "poll", time.Hour) {
			t.Error("claim after reopening succeeded: claims must be stored")
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		c := claimer(t, open)
		_, err := c.ClaimJob(t.Context(), "", time.Hour)
		wantCode(t, err, feed.EINVALID)
		_, err = c.ClaimJob(t.Context(), "poll", 0)
		wantCode(t, err, feed.EINVALID)
		_, err = c.ClaimJob(t.Context(), "poll", -time.Second)
		wantCode(t, err, feed.EINVALID)
		// Nothing was claimed.
		if !claim(t, c, "poll", time.Hour) {
			t.Error("claim after invalid ones failed")
		}
	})
}
