package schedule

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/sqlite"
)

func TestSchedulePeriod(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 7, 30, 500, time.UTC) // a Tuesday
	for _, tt := range []struct {
		spec string
		want time.Duration
	}{
		{"@every 1s", time.Second},
		{"@every 1m30s", 90 * time.Second},
		{"@every 30m", 30 * time.Minute},
		{"*/5 * * * *", 5 * time.Minute},
		{"@hourly", time.Hour},
		{"@daily", 24 * time.Hour},
		{"0 3 * * *", 24 * time.Hour},
		// Weekdays: a day apart, but three days over the weekend; the
		// shortest keeps a claim from blocking the run after it.
		{"0 9 * * 1-5", 24 * time.Hour},
		{"0 9,10 * * *", time.Hour},
		{"@monthly", 28 * 24 * time.Hour},
	} {
		s, err := Parser.Parse(tt.spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := schedulePeriod(s, now); got != tt.want {
			t.Errorf("schedulePeriod(%q) = %v, want %v", tt.spec, got, tt.want)
		}
	}
}

// claimStore is a store whose ClaimJob answers as the test says.
type claimStore struct {
	store.Store
	mu     sync.Mutex
	won    bool
	err    error
	claims []string
	period time.Duration
}

func (s *claimStore) ClaimJob(ctx context.Context, name string, period time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.claims = append(s.claims, name)
	s.period = period
	return s.won, s.err
}

func TestApp_Claimed(t *testing.T) {
	every, _ := Parser.Parse("@every 2m")
	for _, tt := range []struct {
		name string
		st   store.Store
		runs bool
	}{
		{"claim won", &claimStore{won: true}, true},
		{"claim lost", &claimStore{won: false}, false},
		{"claim failed", &claimStore{won: true, err: errors.New("connection refused")}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := &Scheduler{st: tt.st, log: slog.New(slog.DiscardHandler)}
			ran := false
			a.claimed(t.Context(), "poll:friend", every, func(context.Context) { ran = true }).Run()
			if ran != tt.runs {
				t.Errorf("job ran = %v, want %v", ran, tt.runs)
			}
			if cs, ok := tt.st.(*claimStore); ok {
				if len(cs.claims) != 1 || cs.claims[0] != "poll:friend" || cs.period != 2*time.Minute {
					t.Errorf("claims %q for %v, want one of poll:friend for 2m", cs.claims, cs.period)
				}
			}
		})
	}
}

// TestApp_ClaimedShared: two apps on two handles of one SQLite file, as two
// processes on one store, run a job once per period between them, and
// either takes over when the other stops.
func TestApp_ClaimedShared(t *testing.T) {
	path := filepath.Join(t.TempDir(), "feedd.db")
	var runs atomic.Int32
	every, _ := Parser.Parse("@every 1s")
	jobs := make([]func(), 2)
	for i := range jobs {
		st, err := sqlite.Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		a := &Scheduler{st: st, log: slog.New(slog.DiscardHandler)}
		jobs[i] = a.claimed(t.Context(), "purge", every, func(context.Context) { runs.Add(1) }).Run
	}
	// Both fire together, twice within one period: one run.
	jobs[0]()
	jobs[1]()
	jobs[1]()
	if n := runs.Load(); n != 1 {
		t.Fatalf("%d runs of two processes firing at once, want 1", n)
	}
	// A period later the other one may run it.
	time.Sleep(time.Second)
	jobs[1]()
	jobs[0]()
	if n := runs.Load(); n != 2 {
		t.Fatalf("%d runs after a period, want 2", n)
	}
}
