package websub

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// job is one piece of outgoing work (a verification, a delivery, a
// publish ping): do makes one attempt, and up to attempts are made, with
// exponential backoff between them, until one returns nil or a permanent
// error.
type job struct {
	attempts int
	do       func(ctx context.Context) error
}

// permanentError ends a job's retries: the answer will not change.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// permanent marks err as not worth retrying.
func permanent(err error) error { return permanentError{err} }

// lanes runs jobs by key (a subscriber's lease, a hub and topic), one
// at a time per key and in the order given, at most cap(sem) attempts at
// once across keys. A job submitted while another of its key is under way
// waits for it, and replaces any job of the key still waiting: only the
// newest matters (the newest content, the latest intent of a subscriber),
// and a job waiting out a backoff gives way to it at once, so that stale
// content is never delivered after fresh.
type lanes struct {
	kind  string     // for logs: "verification", "delivery", "publish"
	level slog.Level // of the log of a job that failed for good
	log   *slog.Logger
	sem   chan struct{}
	retry time.Duration // the first backoff; each next one doubles
	max   time.Duration // the longest backoff

	mu     sync.Mutex
	active map[string]*lane
	wg     sync.WaitGroup
}

// lane is the state of one key with work under way.
type lane struct {
	next *job // waiting to run after the current one
	// kick gets a token when next is set, to cut a backoff short; run
	// drains it as it takes next, so a token is never stale.
	kick chan struct{}
}

func newLanes(kind string, level slog.Level, concurrency int, retry, max time.Duration, log *slog.Logger) *lanes {
	return &lanes{kind: kind, level: level, log: log, sem: make(chan struct{}, concurrency), retry: retry, max: max,
		active: make(map[string]*lane)}
}

// submit queues j under key, running it in a goroutine of its own until
// ctx ends. It never blocks.
func (q *lanes) submit(ctx context.Context, key string, j *job) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if ln, ok := q.active[key]; ok {
		ln.next = j
		select {
		case ln.kick <- struct{}{}:
		default: // a token is there already
		}
		return
	}
	ln := &lane{kick: make(chan struct{}, 1)}
	q.active[key] = ln
	q.wg.Add(1)
	go q.run(ctx, key, ln, j)
}

// size returns the number of keys with work under way or waiting.
func (q *lanes) size() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.active)
}

// wait returns when every job has returned; after ctx ended, that is
// soon, as jobs stop with it.
func (q *lanes) wait() { q.wg.Wait() }

// run works off the jobs of key until none is left or ctx ends.
func (q *lanes) run(ctx context.Context, key string, ln *lane, j *job) {
	defer q.wg.Done()
	for j != nil {
		q.attempt(ctx, key, ln, j)
		q.mu.Lock()
		j, ln.next = ln.next, nil
		select {
		case <-ln.kick:
		default:
		}
		if j == nil || ctx.Err() != nil {
			delete(q.active, key)
			j = nil
		}
		q.mu.Unlock()
	}
}

// attempt runs j until it succeeds, fails for good, runs out of attempts,
// is superseded by a newer job of its key, or ctx ends.
func (q *lanes) attempt(ctx context.Context, key string, ln *lane, j *job) {
	for n := 1; ; n++ {
		select {
		case q.sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		err := j.do(ctx)
		<-q.sem
		var perm permanentError
		switch {
		case err == nil, ctx.Err() != nil:
			return
		case errors.As(err, &perm) || n >= j.attempts:
			q.log.Log(ctx, q.level, "websub "+q.kind+" failed", "key", key, "attempts", n, "error", err)
			return
		}
		q.log.Debug("websub "+q.kind+" failed, retrying", "key", key, "attempt", n, "error", err)
		t := time.NewTimer(q.backoff(n))
		select {
		case <-t.C:
		case <-ln.kick:
			// A newer job of this key waits: it replaces this one, and
			// run takes it.
			t.Stop()
			return
		case <-ctx.Done():
			t.Stop()
			return
		}
	}
}

// backoff returns the wait after failed attempt n (from 1): retry, then
// doubling, at most max.
func (q *lanes) backoff(n int) time.Duration {
	d := q.retry
	for i := 1; i < n && d < q.max; i++ {
		d *= 2
	}
	return min(d, q.max)
}
