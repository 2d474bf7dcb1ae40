package postgres

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/feedd/feedd/store"
)

// Notices of writes travel by LISTEN/NOTIFY. Every write that logs a
// change also runs pg_notify in its transaction (notify), and the
// server delivers the notice to every listening session when, and only if,
// the transaction commits. One transaction's identical notices are folded
// into one.
//
// Stores in several schemas of one database share the channel, and the
// payload names the schema written: a channel's name is an identifier of
// at most 63 bytes, which "feedd_" and a schema's name might exceed, and
// the notices of a blog's write rate cost nothing to filter.

// notifyChannel is the channel of the notices of writes.
const notifyChannel = "feedd_changes"

// Timing of the listening connection. Vars, so that tests may shorten them.
var (
	// watchPing is how long the listener waits for a notice before it
	// checks that its connection still works: a connection that a network
	// failure cut without a word would otherwise wait for ever.
	watchPing = 30 * time.Second
	// watchTimeout bounds each connection attempt and each check.
	watchTimeout = 10 * time.Second
	// watchMaxBackoff caps the wait between failed connection attempts.
	watchMaxBackoff = 5 * time.Second
)

// notify is the notice of a write to this schema, which the server sends
// to the watchers when the transaction commits. Appending to the change
// log sends it (appendChange); Load, which does not, runs it.
const notify = `SELECT pg_notify('` + notifyChannel + `', current_schema())`

// Watch returns a channel that receives an event soon after any process
// commits a write to this store's schema, and a Reset event after the
// listening connection was lost and established again. The channel holds
// one event: events that come while one waits are folded into it (a Reset
// absorbs the others). It is closed when ctx ends or the store is closed.
//
// The listening connection is one of its own, outside the pool, made with
// the pool's settings. Watch makes it before it returns, so that every
// write committed after that is signalled. When it cannot (the server is
// unreachable), it keeps trying in the background, and sends a Reset once
// it succeeds.
func (db *DB) Watch(ctx context.Context) <-chan store.WatchEvent {
	events := make(chan store.WatchEvent, 1)
	db.watchMu.Lock()
	if db.closed {
		db.watchMu.Unlock()
		close(events)
		return events
	}
	db.watchers.Add(1) // under the lock, so that Close waits for it
	db.watchMu.Unlock()

	ctx, cancel := context.WithCancel(ctx)
	stop := func() bool { return false }
	if db.quit != nil {
		stop = context.AfterFunc(db.quit, cancel) // Close ends the watch
	}
	w := &watcher{db: db, events: events}
	conn, err := w.listen(ctx)
	go func() {
		defer db.watchers.Done()
		defer stop()
		defer cancel()
		defer close(events)
		w.run(ctx, conn, err != nil)
	}()
	return events
}

// watcher is the state of one Watch.
type watcher struct {
	db     *DB
	events chan store.WatchEvent
	schema string // the schema of the store, as the notices name it
}

// run forwards notices from conn (nil if it could not be made) until ctx
// ends, making a new connection whenever the one it has fails. lost says
// that notices may have been missed already.
func (w *watcher) run(ctx context.Context, conn *pgx.Conn, lost bool) {
	for failures := 0; ; {
		if conn == nil {
			if failures > 0 && !sleep(ctx, w.backoff(failures)) {
				return
			}
			var err error
			if conn, err = w.listen(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				failures++
				continue
			}
			failures = 0
		}
		if lost {
			// Notices committed while no session listened are gone.
			w.send(store.WatchEvent{Reset: true})
			lost = false
		}
		w.forward(ctx, conn)
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn.Close(closeCtx)
		cancel()
		conn = nil
		if ctx.Err() != nil {
			return
		}
		// The first attempt to reconnect goes at once: a terminated
		// backend or a failed-over server usually takes one.
		lost = true
	}
}

// backoff is the wait before connection attempt n+1 after n failures:
// exponential from the store's back-off, capped, with full jitter so that
// the watchers of many processes do not all reconnect at one instant.
func (w *watcher) backoff(n int) time.Duration {
	d := watchMaxBackoff
	if n < 16 && w.db.backoff<<n < d {
		d = w.db.backoff << n
	}
	return d/2 + rand.N(d/2+1)
}

// sleep waits for d, or until ctx ends; it reports whether ctx is live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// listen makes a connection with the store's settings and has it LISTEN.
func (w *watcher) listen(ctx context.Context) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, watchTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, w.db.conn)
	if err != nil {
		return nil, err
	}
	var schema *string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	if schema == nil {
		conn.Close(ctx)
		return nil, errors.New("no schema of the search_path exists")
	}
	if _, err := conn.Exec(ctx, `LISTEN `+notifyChannel); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	w.schema = *schema
	return conn, nil
}

// forward passes the notices for this schema that conn receives on as
// events, until ctx ends or conn fails.
func (w *watcher) forward(ctx context.Context, conn *pgx.Conn) {
	for {
		wait, cancel := context.WithTimeout(ctx, watchPing)
		n, err := conn.WaitForNotification(wait)
		cancel()
		if n != nil && n.Payload == w.schema {
			w.send(store.WatchEvent{})
		}
		switch {
		case err == nil:
			continue
		case ctx.Err() != nil || conn.IsClosed():
			return
		case wait.Err() == nil:
			return // the connection failed
		}
		// Quiet for watchPing: check that the connection still carries
		// anything. A timed-out wait leaves it usable (pgx only sets a
		// deadline on the socket), and notices that arrive during the
		// check are kept for the next wait.
		check, cancel := context.WithTimeout(ctx, watchTimeout)
		err = conn.Ping(check)
		cancel()
		if err != nil {
			return
		}
	}
}

// send passes ev on without blocking. The channel holds one event, and a
// pending one already tells the receiver to look; but a Reset must not be
// lost, so it replaces a pending plain event. Only this goroutine sends,
// so once it has taken the pending event the second send cannot block.
func (w *watcher) send(ev store.WatchEvent) {
	select {
	case w.events <- ev:
		return
	default:
	}
	if !ev.Reset {
		return
	}
	select {
	case <-w.events:
	default:
	}
	w.events <- ev
}
