package feed

import "time"

// Span is a period of time, from Start (inclusive) to End (exclusive).
type Span struct {
	Start, End time.Time
}

// ClosedPeriods returns the last n periods (PeriodDaily, PeriodWeekly)
// that closed at or before now, newest first: local calendar days in loc,
// or ISO weeks, from Monday 00:00 to the next Monday 00:00 in loc. The
// period now falls in is still open and left out. loc nil means UTC; an
// unknown period or n ≤ 0 gives nil.
//
// Boundaries are local midnights found with calendar arithmetic
// (time.Date), never by adding 24 hours, so that days are 23 or 25 hours
// long across DST changes and weeks are 167 or 169. Where a zone's clocks
// skip midnight (a DST change at 00:00, as in São Paulo until 2019), a day
// starts at the first instant its date is shown; a date a zone skipped
// altogether (Samoa's 30 December 2011) is a span of no length and is left
// out. Spans are contiguous: each one's End is the next one's Start, and
// both are given in loc.
func ClosedPeriods(period string, now time.Time, loc *time.Location, n int) []Span {
	if n <= 0 || !ValidPeriod(period) {
		return nil
	}
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := now.In(loc).Date()
	step := 1
	if period == PeriodWeekly {
		step = 7
		d -= (int(now.In(loc).Weekday()) + 6) % 7 // back to Monday
	}
	spans := make([]Span, 0, n)
	end := dayStart(y, m, d, loc)
	// A skipped date yields an empty span, rarely more than one in a row;
	// the bound only guards against a zone database gone wrong.
	for i := 1; len(spans) < n && i <= n+16; i++ {
		start := dayStart(y, m, d-i*step, loc)
		if start.Before(end) {
			spans = append(spans, Span{Start: start, End: end})
		}
		end = start
	}
	return spans
}

// dayStart returns the first instant whose date in loc is on or after the
// date y-m-d (normalized as time.Date does: day 0 is the last of the
// previous month): its midnight, or, on a date whose clocks skip
// midnight, the moment they jump past it.
func dayStart(y int, m time.Month, d int, loc *time.Location) time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	want := time.Date(y, m, d, 0, 0, 0, 0, time.UTC) // the date alone, normalized
	// In a gap time.Date may give an instant of the previous day (São
	// Paulo: 23:00 the day before); the zone in effect then ends when the
	// clocks jump into the wanted date.
	for range 4 {
		if !localDate(t).Before(want) {
			break
		}
		_, next := t.ZoneBounds()
		if next.IsZero() {
			break
		}
		t = next
	}
	// Or it may give an instant after the jump (01:00 on the date); the
	// day then starts where its zone does, if that is on the same date.
	if start, _ := t.ZoneBounds(); !start.IsZero() && start.Before(t) &&
		localDate(start).Equal(want) && localDate(start.Add(-time.Nanosecond)).Before(want) {
		t = start
	}
	return t
}

// localDate returns the date of t in its location, as a midnight in UTC.
func localDate(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
