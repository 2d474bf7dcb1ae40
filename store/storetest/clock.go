package storetest

import (
	"sync"
	"testing"
	"time"
)

// Clock is a clock a test sets: the suite gives a store its Now and moves
// it with Advance or Set where a test needs time to pass, instead of
// sleeping. It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock that reads start until moved.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock d forward and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// Set moves the clock to tm, forward or back.
func (c *Clock) Set(tm time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = tm
}

// clockStart is where every test's clock starts: after t0, the time test
// entries are dated from, as the real clock is, and not a whole second,
// so that a store that keeps the clock's fraction is caught.
var clockStart = time.Date(2025, 3, 1, 9, 30, 0, 400_000_000, time.UTC)

// clocks holds the clock of each test that opened a store or read one,
// until the test ends.
var clocks sync.Map // *testing.T → *Clock

// clockOf returns the clock of the test t: the one the stores t opens run
// on. Its first call for t makes it, at clockStart.
func clockOf(t *testing.T) *Clock {
	if c, ok := clocks.Load(t); ok {
		return c.(*Clock)
	}
	c, loaded := clocks.LoadOrStore(t, NewClock(clockStart))
	if !loaded {
		t.Cleanup(func() { clocks.Delete(t) })
	}
	return c.(*Clock)
}

// now reads the clock of the test t.
func now(t *testing.T) time.Time { return clockOf(t).Now() }
