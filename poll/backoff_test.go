package poll

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		header string
		want   time.Duration
		ok     bool
	}{
		{"", 0, false},
		{"120", 120 * time.Second, true},
		{" 0 ", 0, true},
		{"-5", 0, false},
		{"soon", 0, false},
		{"1.5", 0, false},
		{now.Add(time.Hour).Format(http.TimeFormat), time.Hour, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true}, // past: now
		{"Sat, 01 Jun 2024 14:00:00 GMT", 2 * time.Hour, true},
		{"Saturday, 01-Jun-24 14:00:00 GMT", 2 * time.Hour, true}, // RFC 850
		{"99999999999", maxRetryAfter, true},
		{now.AddDate(1, 0, 0).Format(http.TimeFormat), maxRetryAfter, true},
	} {
		got, ok := retryAfter(tc.header, now)
		if ok != tc.ok || (ok && got.Sub(now) != tc.want) {
			t.Errorf("retryAfter(%q) = %v, %v; want now+%v, %v", tc.header, got.Sub(now), ok, tc.want, tc.ok)
		}
	}
}

func TestBackoff(t *testing.T) {
	p := &Poller{o: Options{MaxBackoff: 6 * time.Hour}}
	for failures, full := range map[int]time.Duration{
		0: time.Minute, 1: time.Minute, 2: 2 * time.Minute, 3: 4 * time.Minute,
		9: 256 * time.Minute, 10: 6 * time.Hour, 40: 6 * time.Hour, 1 << 20: 6 * time.Hour,
	} {
		for range 100 {
			if d := p.backoff(failures); d < full/2 || d >= full {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v)", failures, d, full/2, full)
			}
		}
	}
}
