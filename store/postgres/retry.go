package postgres

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Every statement runs through read or write, which run an operation again,
// a few times and after a short back-off, when it failed because its
// connection went away: the server restarted or failed over, an idle
// connection was closed by a proxy, or a backend was terminated. Without
// this, every pooled connection dead after a restart would fail one request
// before the pool noticed.
//
// A read runs again whatever it had sent, as it changes nothing. A write
// runs in one transaction and runs again only when it failed before its
// COMMIT was sent: the server ends the transaction of a lost connection
// without committing it, so nothing of the first attempt stays. Once COMMIT
// is sent, its outcome is unknown if the answer is lost; the write reports
// the error and does not run again (a retried CreatePost would fail with
// ECONFLICT, or store a second post under a fresh id). Either way a write is
// acknowledged only after its COMMIT succeeded.
//
// Serialization failures and deadlocks (SQLSTATE 40001, 40P01), which abort
// the transaction, are retried the same way, and so are the writes that
// report (by wrapping their error in raced) that they lost a race with
// another transaction which a second attempt will see committed.

// pingKey marks the context of a retried attempt: the pool pings the
// connection it hands out (see Open's ShouldPing), so that the attempt does
// not fail again on another connection killed at the same time. pgxpool
// drops a connection that fails the ping and tries the next one.
type pingKey struct{}

// raced wraps the error of a transaction that lost a race to a concurrent
// one, such as two pollers creating one mirrored post: run again, it sees
// what the winner committed and acts on that.
type raced struct{ err error }

func (r raced) Error() string { return r.err.Error() }
func (r raced) Unwrap() error { return r.err }

// read runs f on a pooled connection.
func (db *DB) read(ctx context.Context, f func(q querier) error) error {
	return db.retry(ctx, func(ctx context.Context) (bool, error) {
		conn, err := db.pool.Acquire(ctx)
		if err != nil {
			// Acquiring runs no statement of ours.
			return ctx.Err() == nil && transient(err), err
		}
		defer conn.Release()
		err = f(conn)
		return err != nil && lost(ctx, conn, err), err
	})
}

// write runs f in a transaction and commits it. f must start afresh on
// each call: it may run more than once (see above).
func (db *DB) write(ctx context.Context, f func(tx pgx.Tx) error) error {
	return db.retry(ctx, func(ctx context.Context) (bool, error) {
		conn, err := db.pool.Acquire(ctx)
		if err != nil {
			return ctx.Err() == nil && transient(err), err
		}
		defer conn.Release()
		tx, err := conn.Begin(ctx)
		if err != nil {
			return lost(ctx, conn, err), err
		}
		// A no-op once committed. After a failure it ends the transaction;
		// if that fails too (the context is done, the connection broke),
		// pgx closes the connection, which the pool then drops, so no
		// transaction stays open on a pooled connection.
		defer tx.Rollback(ctx)
		if err := f(tx); err != nil {
			return lost(ctx, conn, err), err
		}
		if err := tx.Commit(ctx); err != nil {
			// Only an error raised before anything was sent proves the
			// COMMIT never reached the server.
			return ctx.Err() == nil && pgconn.SafeToRetry(err), err
		}
		return false, nil
	})
}

// retry runs op until it succeeds, fails for good (op says whether to try
// again), or has run db.retries more times, sleeping between attempts.
func (db *DB) retry(ctx context.Context, op func(ctx context.Context) (again bool, err error)) error {
	for attempt := 0; ; attempt++ {
		actx := ctx
		if attempt > 0 {
			actx = context.WithValue(ctx, pingKey{}, true)
		}
		again, err := op(actx)
		if err == nil || !again || attempt >= db.retries {
			return err
		}
		// Exponential back-off with full jitter, so that the processes of a
		// restarted server's clients do not all reconnect at the same
		// instant: 50ms, 100ms, 200ms, 400ms at most by default.
		d := db.backoff << attempt
		d = d/2 + rand.N(d/2+1)
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
	}
}

// lost reports whether the statement that failed on conn with err may run
// again, on another connection: the connection broke (or the transaction
// was aborted by a serialization failure) and the caller is still waiting.
// A cancelled or expired context also closes the connection, hence the
// first check.
func lost(ctx context.Context, conn *pgxpool.Conn, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if errors.As(err, new(raced)) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && !transientCode(pe.Code) && !conn.Conn().IsClosed() {
		// The server answered, and the connection lives: a genuine error
		// of the statement (a violated constraint, a syntax error).
		return false
	}
	return transient(err) || conn.Conn().IsClosed()
}

// transient reports whether err says the connection failed, or could not
// be made, rather than that the server rejected what was asked.
func transient(err error) bool {
	if pgconn.SafeToRetry(err) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// A server error: only those that end the session or abort the
		// transaction for reasons of its own. An authentication failure
		// (28P01) when connecting is no reason to try again.
		return transientCode(pe.Code)
	}
	var ce *pgconn.ConnectError
	return errors.As(err, &ce) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED)
}

// transientCode reports whether a SQLSTATE reports a failure of the
// session or the transaction, not of the statement.
func transientCode(code string) bool {
	switch code {
	case "57P01", // admin_shutdown: pg_terminate_backend, or a fast shutdown
		"57P02", // crash_shutdown
		"57P03", // cannot_connect_now: the server is starting
		"40001", // serialization_failure
		"40P01": // deadlock_detected
		return true
	}
	return strings.HasPrefix(code, "08") // connection_exception
}
