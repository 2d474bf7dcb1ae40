package submit

import (
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Bounds of the rate limiter's memory.
const (
	// maxLimitedClients caps the clients with a bucket of their own.
	maxLimitedClients = 1 << 16
	// limiterSweepEvery is how often the limiter drops the buckets that
	// have refilled, and how long it waits before sweeping again when it
	// is full.
	limiterSweepEvery = time.Minute
	limiterFullSweep  = time.Second
)

// rateLimiter keeps a token bucket (golang.org/x/time/rate) per client: an
// address for comments, a host for Webmentions.
//
// Memory is bounded: a bucket that has refilled is in the state of a new
// one, so dropping it loses nothing; such buckets are dropped on the way,
// at most every limiterSweepEvery. If more than maxLimitedClients clients
// still hold partly drained buckets, new clients share one overflow bucket
// until a sweep makes room: under such an attack they wait, while clients
// that already have a bucket are not slowed.
type rateLimiter[K comparable] struct {
	limit rate.Limit
	burst int
	max   int
	now   func() time.Time

	mu        sync.Mutex
	clients   map[K]*rate.Limiter
	overflow  *rate.Limiter
	lastSweep time.Time
}

func newRateLimiter[K comparable](limit rate.Limit, burst int, now func() time.Time) *rateLimiter[K] {
	return &rateLimiter[K]{
		limit:     limit,
		burst:     burst,
		max:       maxLimitedClients,
		now:       now,
		clients:   make(map[K]*rate.Limiter),
		overflow:  rate.NewLimiter(limit, burst),
		lastSweep: now(),
	}
}

// reserve takes a token from the bucket of client key. It returns zero when
// the request may go ahead, or else how long the client must wait for a
// token; the reservation is then cancelled, so that a refused request
// costs the client nothing.
func (l *rateLimiter[K]) reserve(key K) time.Duration {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) >= limiterSweepEvery {
		l.sweepLocked(now)
	}
	lim := l.clients[key]
	if lim == nil {
		if len(l.clients) >= l.max && now.Sub(l.lastSweep) >= limiterFullSweep {
			l.sweepLocked(now)
		}
		if len(l.clients) < l.max {
			lim = rate.NewLimiter(l.limit, l.burst)
			l.clients[key] = lim
		} else {
			lim = l.overflow
		}
	}
	res := lim.ReserveN(now, 1)
	if !res.OK() {
		return rate.InfDuration
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d
	}
	return 0
}

// sweepLocked drops the buckets that are full again. l.mu must be held.
func (l *rateLimiter[K]) sweepLocked(now time.Time) {
	for k, lim := range l.clients {
		if lim.TokensAt(now) >= float64(l.burst) {
			delete(l.clients, k)
		}
	}
	l.lastSweep = now
}

// size returns the number of clients with a bucket of their own.
func (l *rateLimiter[K]) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

// reserveComment takes a token from the bucket of r's client and returns
// zero when the comment may go ahead, or else the whole seconds until a
// token is there (at least 1), which the refusal (429) gives in
// Retry-After. Without a limit every comment goes ahead.
func (s *Submitter) reserveComment(r *http.Request) int64 {
	if s.limiter == nil {
		return 0
	}
	client := s.clientAddr(r)
	wait := s.limiter.reserve(clientKey(client))
	if wait == 0 {
		return 0
	}
	secs := retryAfterSeconds(wait)
	s.log.Info("comment refused: rate limit", "client", client.String(), "retry_after", secs)
	return secs
}

// ReserveMention takes a token from the bucket of a Webmention's source
// host (Config.MentionRate, MentionBurst) and returns zero when the
// mention may be queued, or else the whole seconds until a token is there
// (at least 1), for Retry-After. Without a limit every mention goes ahead.
func (s *Submitter) ReserveMention(sourceHost string) int64 {
	if s.mentionLimiter == nil {
		return 0
	}
	wait := s.mentionLimiter.reserve(strings.ToLower(sourceHost))
	if wait == 0 {
		return 0
	}
	secs := retryAfterSeconds(wait)
	s.log.Info("webmention refused: rate limit", "source_host", sourceHost, "retry_after", secs)
	return secs
}

// retryAfterSeconds rounds a wait up to whole seconds, at least one, and
// at most a day (the wait of an impossible reservation is infinite).
func retryAfterSeconds(d time.Duration) int64 {
	const maxWait = 24 * time.Hour
	if d > maxWait {
		d = maxWait
	}
	return max(int64(math.Ceil(d.Seconds())), 1)
}
