package testutil

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// recorder is a testing.TB whose Fatalf records its message and returns.
type recorder struct {
	testing.TB
	fatal string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
}

func TestEventually(t *testing.T) {
	var n atomic.Int32
	go func() {
		time.Sleep(20 * time.Millisecond)
		n.Store(1)
	}()
	r := &recorder{TB: t}
	Eventually(r, 5*time.Second, func() bool { return n.Load() == 1 }, "n set")
	if r.fatal != "" {
		t.Errorf("Eventually failed a condition that came to hold: %s", r.fatal)
	}

	r = &recorder{TB: t}
	checks := 0
	start := time.Now()
	Eventually(r, 50*time.Millisecond, func() bool { checks++; return false }, "never %d", 7)
	if want := "never 7 (not within 50ms)"; r.fatal != want {
		t.Errorf("failure = %q, want %q", r.fatal, want)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("gave up after %v, before the timeout", d)
	}
	if checks < 3 {
		t.Errorf("checked %d times within 50ms, want several", checks)
	}
}

func TestReceive(t *testing.T) {
	ch := make(chan int, 1)
	ch <- 3
	r := &recorder{TB: t}
	if v := Receive(r, time.Second, ch, "three"); v != 3 || r.fatal != "" {
		t.Errorf("Receive = %d (failure %q), want 3", v, r.fatal)
	}
	if v := Receive(r, 20*time.Millisecond, ch, "the %s value", "second"); v != 0 {
		t.Errorf("Receive of nothing = %d, want 0", v)
	}
	if want := "the second value (not within 20ms)"; r.fatal != want {
		t.Errorf("failure = %q, want %q", r.fatal, want)
	}
	close(ch)
	r = &recorder{TB: t}
	if v := Receive(r, time.Second, ch, "close"); v != 0 || r.fatal != "" {
		t.Errorf("Receive of a closed channel = %d (failure %q), want 0", v, r.fatal)
	}
}
