// Package testutil holds the helpers tests of several packages share.
package testutil

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// maxPoll bounds the pause between two checks of Eventually's condition.
const maxPoll = 10 * time.Millisecond

// Eventually checks cond until it holds, pausing between checks a
// millisecond at first and longer (up to maxPoll) as the wait goes on, and
// fails t (Fatalf) with the formatted message if it does not hold within
// timeout. cond runs on t's goroutine, so it may fail t too.
func Eventually(t testing.TB, timeout time.Duration, cond func() bool, format string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	pause := time.Millisecond
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s (not within %v)", fmt.Sprintf(format, args...), timeout)
			return
		}
		time.Sleep(pause)
		pause = min(2*pause, maxPoll)
	}
}

// Receive returns the next value of ch (or its zero value, if ch is
// closed), and fails t (Fatalf) with the formatted message if none comes
// within timeout.
func Receive[T any](t testing.TB, timeout time.Duration, ch <-chan T, format string, args ...any) T {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("%s (not within %v)", fmt.Sprintf(format, args...), timeout)
	}
	var zero T
	return zero
}

// LogBuffer is a log or process output destination safe for concurrent
// writes, which a test may read while it is still written.
type LogBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
