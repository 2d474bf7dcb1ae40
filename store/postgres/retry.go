package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/feedd/feedd/store/sqlstore"
)

// Every statement runs through the core's Read or Write (store/sqlstore),
// which, with this file's retry and again, run an operation again,
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
// report (by wrapping their error in sqlstore.Raced) that they lost a race
// with another transaction which a second attempt will see committed.

// pingKey marks the context of a retried attempt: the pool pings the
// connection it hands out (see Open's ShouldPing), so that the attempt does
// not fail again on another connection killed at the same time. pgxpool
// drops a connection that fails the ping and tries the next one.
type pingKey struct{}

// again decides whether an attempt of the core's Read or Write that failed
// with err at stage runs again: conn is the connection it ran on, nil if
// it got none (acquiring runs no statement of ours). Only an error raised
// before anything was sent proves that a COMMIT never reached the server.
func again(ctx context.Context, conn *sql.Conn, stage sqlstore.Stage, err error) bool {
	switch stage {
	case sqlstore.Connect:
		return ctx.Err() == nil && transient(err)
	case sqlstore.Commit:
		return ctx.Err() == nil && pgconn.SafeToRetry(err)
	}
	return lost(ctx, conn, err)
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
		if d := db.backoff << attempt; !sleep(ctx, d/2+rand.N(d/2+1)) {
			return err
		}
	}
}

// lost reports whether the statement that failed on conn with err may run
// again, on another connection: the connection broke (or the transaction
// was aborted by a serialization failure) and the caller is still waiting.
// A cancelled or expired context also closes the connection, hence the
// first check.
func lost(ctx context.Context, conn *sql.Conn, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if errors.As(err, new(sqlstore.Raced)) {
		return true
	}
	closed := conn.Raw(func(c any) error {
		if c.(*stdlib.Conn).Conn().IsClosed() {
			return net.ErrClosed
		}
		return nil
	}) != nil
	var pe *pgconn.PgError
	if errors.As(err, &pe) && !transientCode(pe.Code) && !closed {
		// The server answered, and the connection lives: a genuine error
		// of the statement (a violated constraint, a syntax error).
		return false
	}
	return transient(err) || closed
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
		errors.Is(err, net.ErrClosed) || errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, driver.ErrBadConn) ||
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
