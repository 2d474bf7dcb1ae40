package feed

import (
	"testing"
	"time"
	_ "time/tzdata" // the zones below, whatever the machine has installed
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// at returns the local time y-m-d h:mi in loc.
func at(loc *time.Location, y int, m time.Month, d, h, mi int) time.Time {
	return time.Date(y, m, d, h, mi, 0, 0, loc)
}

func TestValidPeriod(t *testing.T) {
	for s, want := range map[string]bool{"daily": true, "weekly": true, "": false, "Daily": false, "monthly": false, "daily ": false} {
		if got := ValidPeriod(s); got != want {
			t.Errorf("ValidPeriod(%q) = %v, want %v", s, got, want)
		}
	}
}

// checkSpans wants spans newest first, contiguous, in loc, each starting
// at a local midnight (or the first instant of its date) and closed by now.
func checkSpans(t *testing.T, spans []Span, now time.Time, loc *time.Location) {
	t.Helper()
	for i, s := range spans {
		if !s.Start.Before(s.End) {
			t.Errorf("span %d: start %v not before end %v", i, s.Start, s.End)
		}
		if s.End.After(now) {
			t.Errorf("span %d ends %v, after now %v: not closed", i, s.End, now)
		}
		if s.Start.Location() != loc || s.End.Location() != loc {
			t.Errorf("span %d not in %v: %v, %v", i, loc, s.Start.Location(), s.End.Location())
		}
		if i > 0 && !spans[i-1].Start.Equal(s.End) {
			t.Errorf("span %d ends %v, but span %d starts %v", i, s.End, i-1, spans[i-1].Start)
		}
	}
}

func TestClosedPeriods_Daily(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	newYork := mustZone(t, "America/New_York")
	for _, tc := range []struct {
		name   string
		now    time.Time
		loc    *time.Location
		starts []time.Time // newest first
		hours  []int       // each span's length
	}{
		{"UTC", time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC), time.UTC,
			[]time.Time{time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)},
			[]int{24, 24}},
		{"Berlin spring forward", at(berlin, 2026, 3, 30, 12, 0), berlin,
			[]time.Time{at(berlin, 2026, 3, 29, 0, 0), at(berlin, 2026, 3, 28, 0, 0)}, []int{23, 24}},
		{"Berlin fall back", at(berlin, 2026, 10, 26, 0, 0), berlin,
			[]time.Time{at(berlin, 2026, 10, 25, 0, 0), at(berlin, 2026, 10, 24, 0, 0)}, []int{25, 24}},
		{"New York spring forward", at(newYork, 2026, 3, 9, 1, 0), newYork,
			[]time.Time{at(newYork, 2026, 3, 8, 0, 0), at(newYork, 2026, 3, 7, 0, 0)}, []int{23, 24}},
		{"New York fall back, now in the repeated hour", time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC), newYork,
			[]time.Time{at(newYork, 2026, 10, 31, 0, 0), at(newYork, 2026, 10, 30, 0, 0)}, []int{24, 24}},
		{"New York fall back, the day after", at(newYork, 2026, 11, 2, 23, 59), newYork,
			[]time.Time{at(newYork, 2026, 11, 1, 0, 0), at(newYork, 2026, 10, 31, 0, 0)}, []int{25, 24}},
		{"now at midnight closes the day before", at(berlin, 2026, 1, 1, 0, 0), berlin,
			[]time.Time{at(berlin, 2025, 12, 31, 0, 0), at(berlin, 2025, 12, 30, 0, 0)}, []int{24, 24}},
		{"a local date other than the UTC one", time.Date(2026, 6, 1, 23, 30, 0, 0, time.UTC), berlin, // 01:30 on 2 June in Berlin
			[]time.Time{at(berlin, 2026, 6, 1, 0, 0), at(berlin, 2026, 5, 31, 0, 0)}, []int{24, 24}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spans := ClosedPeriods(PeriodDaily, tc.now, tc.loc, len(tc.starts))
			if len(spans) != len(tc.starts) {
				t.Fatalf("%d spans, want %d", len(spans), len(tc.starts))
			}
			checkSpans(t, spans, tc.now, tc.loc)
			for i, s := range spans {
				if !s.Start.Equal(tc.starts[i]) {
					t.Errorf("span %d starts %v, want %v", i, s.Start, tc.starts[i])
				}
				if h := s.End.Sub(s.Start); h != time.Duration(tc.hours[i])*time.Hour {
					t.Errorf("span %d lasts %v, want %dh", i, h, tc.hours[i])
				}
			}
		})
	}
}

func TestClosedPeriods_Weekly(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	newYork := mustZone(t, "America/New_York")
	for _, tc := range []struct {
		name   string
		now    time.Time
		loc    *time.Location
		starts []time.Time
		hours  []int
	}{
		// Wednesday 2 December 2026: the open week began Monday 30 November.
		{"midweek", time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC), time.UTC,
			[]time.Time{time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)},
			[]int{168, 168}},
		{"Sunday evening", at(berlin, 2026, 12, 6, 23, 59), berlin,
			[]time.Time{at(berlin, 2026, 11, 23, 0, 0)}, []int{168}},
		{"Monday midnight closes the week", at(berlin, 2026, 12, 7, 0, 0), berlin,
			[]time.Time{at(berlin, 2026, 11, 30, 0, 0)}, []int{168}},
		{"across a year: ISO week 1 of 2027 starts 4 January", at(berlin, 2027, 1, 11, 9, 0), berlin,
			[]time.Time{at(berlin, 2027, 1, 4, 0, 0), at(berlin, 2026, 12, 28, 0, 0)}, []int{168, 168}},
		{"Berlin spring forward", at(berlin, 2026, 4, 1, 8, 0), berlin,
			[]time.Time{at(berlin, 2026, 3, 23, 0, 0), at(berlin, 2026, 3, 16, 0, 0)}, []int{167, 168}},
		{"Berlin fall back", at(berlin, 2026, 10, 26, 8, 0), berlin,
			[]time.Time{at(berlin, 2026, 10, 19, 0, 0)}, []int{169}},
		{"New York fall back", at(newYork, 2026, 11, 4, 8, 0), newYork,
			[]time.Time{at(newYork, 2026, 10, 26, 0, 0)}, []int{169}},
		// Sunday 23:30 in New York is Monday in UTC: the local week counts.
		{"local Sunday, UTC Monday", time.Date(2026, 12, 7, 4, 30, 0, 0, time.UTC), newYork,
			[]time.Time{at(newYork, 2026, 11, 23, 0, 0)}, []int{168}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spans := ClosedPeriods(PeriodWeekly, tc.now, tc.loc, len(tc.starts))
			if len(spans) != len(tc.starts) {
				t.Fatalf("%d spans, want %d", len(spans), len(tc.starts))
			}
			checkSpans(t, spans, tc.now, tc.loc)
			for i, s := range spans {
				if !s.Start.Equal(tc.starts[i]) || s.Start.Weekday() != time.Monday {
					t.Errorf("span %d starts %v (%s), want Monday %v", i, s.Start, s.Start.Weekday(), tc.starts[i])
				}
				if h := s.End.Sub(s.Start); h != time.Duration(tc.hours[i])*time.Hour {
					t.Errorf("span %d lasts %v, want %dh", i, h, tc.hours[i])
				}
			}
		})
	}
}

// TestClosedPeriods_SkippedMidnight: where clocks jump over midnight, the
// day starts when they land on its date; a date skipped altogether is not
// a period.
func TestClosedPeriods_SkippedMidnight(t *testing.T) {
	saoPaulo := mustZone(t, "America/Sao_Paulo")
	// On 4 November 2018 São Paulo's clocks went from 00:00 to 01:00.
	spans := ClosedPeriods(PeriodDaily, at(saoPaulo, 2018, 11, 5, 12, 0), saoPaulo, 2)
	checkSpans(t, spans, at(saoPaulo, 2018, 11, 5, 12, 0), saoPaulo)
	want := time.Date(2018, 11, 4, 3, 0, 0, 0, time.UTC) // 01:00 -02
	if len(spans) != 2 || !spans[0].Start.Equal(want) || spans[0].Start.Day() != 4 || spans[1].Start.Day() != 3 {
		t.Fatalf("spans %v, want 4 November from %v, then 3 November", spans, want)
	}
	if h := spans[0].End.Sub(spans[0].Start); h != 23*time.Hour {
		t.Errorf("4 November lasts %v, want 23h", h)
	}

	// Samoa skipped 30 December 2011.
	apia := mustZone(t, "Pacific/Apia")
	now := at(apia, 2012, 1, 1, 12, 0)
	spans = ClosedPeriods(PeriodDaily, now, apia, 3)
	checkSpans(t, spans, now, apia)
	var days []int
	for _, s := range spans {
		days = append(days, s.Start.Day())
	}
	if len(days) != 3 || days[0] != 31 || days[1] != 29 || days[2] != 28 {
		t.Errorf("days %v, want 31, 29, 28", days)
	}
}

func TestClosedPeriods_Edges(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	if got := ClosedPeriods("monthly", now, time.UTC, 3); got != nil {
		t.Errorf("unknown period: %v", got)
	}
	if got := ClosedPeriods(PeriodDaily, now, time.UTC, 0); got != nil {
		t.Errorf("n = 0: %v", got)
	}
	got := ClosedPeriods(PeriodDaily, now, nil, 1)
	if len(got) != 1 || got[0].Start.Location() != time.UTC || !got[0].Start.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("nil location: %v, want 1 December in UTC", got)
	}
	// A year of days, and of weeks, stays contiguous and newest first.
	berlin := mustZone(t, "Europe/Berlin")
	for _, p := range []string{PeriodDaily, PeriodWeekly} {
		spans := ClosedPeriods(p, now, berlin, 400)
		if len(spans) != 400 {
			t.Fatalf("%s: %d spans", p, len(spans))
		}
		checkSpans(t, spans, now, berlin)
		for i, s := range spans {
			if h, mi, sec := s.Start.Clock(); h != 0 || mi != 0 || sec != 0 {
				t.Errorf("%s span %d starts at %v, not midnight", p, i, s.Start)
			}
		}
	}
}
