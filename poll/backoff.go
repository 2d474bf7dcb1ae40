package poll

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// backoffBase is the wait after a first failure, before jitter.
const backoffBase = time.Minute

// maxRetryAfter bounds how long a Retry-After can hold a feed back, against
// a typo or a hostile upstream parking it for years.
const maxRetryAfter = 7 * 24 * time.Hour

// backoff returns the wait before polling again after the given number of
// consecutive failures (1 for the first): Backoff from backoffBase to
// MaxBackoff.
func (p *Poller) backoff(failures int) time.Duration {
	return Backoff(failures, backoffBase, p.o.MaxBackoff)
}

// Backoff returns the wait before the next attempt of a job that failed
// the given number of consecutive times (1 for the first):
// base·2^(failures-1), at most most, scaled by a random factor in
// [0.5, 1) so that jobs that failed together (a shared host went down) do
// not retry together. The poller's feeds back off with it, and so do
// outgoing Webmentions.
func Backoff(failures int, base, most time.Duration) time.Duration {
	d := most
	if n := failures - 1; n < 32 {
		if e := base << max(n, 0); e > 0 && e < d {
			d = e
		}
	}
	return time.Duration(float64(d) * (0.5 + rand.Float64()/2))
}

// RetryAfter is retryAfter for other components that back off (outgoing
// Webmentions): the time a Retry-After header value v asks to wait until.
func RetryAfter(v string, now time.Time) (time.Time, bool) { return retryAfter(v, now) }

// retryAfter parses a Retry-After header, either delay-seconds or an
// HTTP-date, into the time to retry at; ok is false when the header is
// absent or unreadable. A time in the past means now, and the wait is at
// most maxRetryAfter.
func retryAfter(v string, now time.Time) (t time.Time, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return time.Time{}, false
		}
		d = time.Duration(min(secs, int64(maxRetryAfter/time.Second))) * time.Second
	} else if at, err := http.ParseTime(v); err == nil {
		d = at.Sub(now)
	} else {
		return time.Time{}, false
	}
	d = min(max(d, 0), maxRetryAfter)
	return now.Add(d), true
}
