package submit

import (
	"net/netip"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// fakeClock is a settable clock for the limiter.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

// near reports whether d is want, give or take the limiter's float
// arithmetic.
func near(d, want time.Duration) bool { return d > want-time.Millisecond && d <= want }

func TestRateLimiter_Bucket(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := newRateLimiter[netip.Addr](rate.Limit(6.0/60), 3, clk.now)
	a, b := addr("192.0.2.1"), addr("192.0.2.2")
	for i := 0; i < 3; i++ {
		if d := l.reserve(a); d != 0 {
			t.Fatalf("request %d waits %v", i, d)
		}
	}
	if d := l.reserve(a); !near(d, 10*time.Second) {
		t.Errorf("4th request waits %v, want 10s", d)
	}
	// The refused reservation was cancelled: the wait does not grow.
	clk.advance(4 * time.Second)
	if d := l.reserve(a); !near(d, 6*time.Second) {
		t.Errorf("after 4s the wait is %v, want 6s", d)
	}
	if d := l.reserve(b); d != 0 {
		t.Errorf("another client waits %v", d)
	}
	clk.advance(6 * time.Second)
	if d := l.reserve(a); d != 0 {
		t.Errorf("after 10s the wait is %v, want none", d)
	}
	if got := retryAfterSeconds(9*time.Second + time.Millisecond); got != 10 {
		t.Errorf("retryAfterSeconds rounds 9.001s to %d", got)
	}
	if got := retryAfterSeconds(time.Millisecond); got != 1 {
		t.Errorf("retryAfterSeconds rounds 1ms to %d", got)
	}
	if got := retryAfterSeconds(rate.InfDuration); got != 86400 {
		t.Errorf("retryAfterSeconds(inf) = %d", got)
	}
}

func TestRateLimiter_Eviction(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := newRateLimiter[netip.Addr](rate.Limit(6.0/60), 3, clk.now)
	for i := 0; i < 100; i++ {
		l.reserve(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}))
	}
	busy := addr("198.51.100.1")
	for i := 0; i < 3; i++ {
		l.reserve(busy)
	}
	if n := l.size(); n != 101 {
		t.Fatalf("%d buckets, want 101", n)
	}
	// After a sweep interval the buckets that took one token have refilled
	// (10s) and go; the busy one, drained again just before, stays.
	clk.advance(limiterSweepEvery - time.Second)
	for i := 0; i < 3; i++ {
		l.reserve(busy)
	}
	clk.advance(time.Second)
	l.reserve(addr("203.0.113.1")) // sweeps on the way
	if n := l.size(); n != 2 {
		t.Errorf("%d buckets after the sweep, want 2 (busy and the new one)", n)
	}
	if d := l.reserve(busy); d == 0 {
		t.Error("the busy client's bucket was reset by the sweep")
	}
}

func TestRateLimiter_Full(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := newRateLimiter[netip.Addr](rate.Limit(6.0/60), 1, clk.now)
	l.max = 2
	a, b := addr("192.0.2.1"), addr("192.0.2.2")
	l.reserve(a)
	l.reserve(b)
	// New clients share the overflow bucket while the map is full of
	// drained buckets; the known clients keep their own.
	if d := l.reserve(addr("192.0.2.3")); d != 0 {
		t.Errorf("first overflow client waits %v", d)
	}
	if d := l.reserve(addr("192.0.2.4")); d == 0 {
		t.Error("second overflow client shares no bucket")
	}
	if l.size() != 2 {
		t.Errorf("%d buckets, want the cap of 2", l.size())
	}
	// Once a and b have refilled, a full map is swept to make room.
	clk.advance(10 * time.Second)
	if d := l.reserve(addr("192.0.2.5")); d != 0 || l.size() != 1 {
		t.Errorf("after refill: wait %v, %d buckets; want none and 1", d, l.size())
	}
}
