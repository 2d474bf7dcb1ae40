// Package postgres implements store.Store on PostgreSQL through pgx and its
// connection pool, for feedd deployments that run several processes (or
// replicas) on one database.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// DB is a store.Store kept in one schema of a PostgreSQL database.
type DB struct {
	// Now is the clock that gives default Published and Updated times.
	// Open sets it to time.Now; tests may replace it before any write.
	Now func() time.Time

	pool *pgxpool.Pool
	// retries and backoff bound how often and how patiently an operation
	// that lost its connection runs again (see retry.go).
	retries int
	backoff time.Duration

	// watchMu guards closed and the start of watchers: Close stops the
	// watchers (see watch.go) and waits for them.
	watchMu  sync.Mutex
	closed   bool
	watchers sync.WaitGroup
	quit     context.Context    // done once Close was called
	stop     context.CancelFunc // ends quit
}

var _ store.Store = (*DB)(nil)

// Open connects to the PostgreSQL database dsn names and brings its schema
// up to date. dsn is a URL or a key=value string as libpq takes it;
// feedd's tables go to the first schema of the connection's search_path,
// which the DSN may set like any run-time parameter:
//
//	postgres://feedd@db.example/feedd?search_path=feedd
//	host=db.example dbname=feedd options='-c search_path=feedd'
//
// The schema must exist. Several processes may Open one schema at once:
// migrations take a lock of their own (see migrate.go).
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The message names what is wrong, never the DSN: it may hold a
		// password.
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	// A connection taken again from the pool after an error is pinged first
	// (see retry.go); pgxpool also pings any connection idle for a second.
	cfg.ShouldPing = func(ctx context.Context, p pgxpool.ShouldPingParams) bool {
		return p.IdleDuration > time.Second || ctx.Value(pingKey{}) != nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db := &DB{Now: time.Now, pool: pool, retries: 4, backoff: 50 * time.Millisecond}
	db.quit, db.stop = context.WithCancel(context.Background())
	if err := db.init(ctx); err != nil {
		db.stop()
		pool.Close()
		return nil, fmt.Errorf("open postgres %s/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Database, err)
	}
	return db, nil
}

// init checks that the connection has a schema to work in and applies
// pending migrations.
func (db *DB) init(ctx context.Context) error {
	var schema *string
	err := db.read(ctx, func(q querier) error {
		return q.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema)
	})
	if err != nil {
		return fmt.Errorf("select current_schema: %w", err)
	}
	if schema == nil {
		// No schema of the search_path exists: CREATE TABLE would fail with
		// "no schema has been selected to create in".
		return errors.New("no schema of the search_path exists; create it first")
	}
	return db.migrate(ctx)
}

// Close closes every connection of the pool, waiting for those in use, and
// ends every Watch, closing its channel.
func (db *DB) Close() error {
	db.watchMu.Lock()
	db.closed = true
	db.watchMu.Unlock()
	if db.stop != nil {
		db.stop()
	}
	db.watchers.Wait()
	db.pool.Close()
	return nil
}

// now reads the clock as the store keeps times: UTC, whole seconds.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Second) }

// fromUnix turns a stored time back into a time.Time in UTC.
func fromUnix(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

// limit turns a filter's Limit into a LIMIT value: 0 means none, which
// PostgreSQL spells LIMIT NULL (LIMIT ALL).
func limit(n int) (*int, error) {
	switch {
	case n < 0:
		return nil, feed.Errorf(feed.EINVALID, "limit: must not be negative")
	case n == 0:
		return nil, nil
	}
	return &n, nil
}

// isDuplicate reports whether err is a primary key or unique violation
// (SQLSTATE 23505). A comment whose id is taken on the same post breaks
// UNIQUE (post_id, id) or the primary key, whichever the server checks
// first. The only other unique keys an insert can break are the upstream
// keys of mirrored entries, which isDuplicateOf tells apart (categories
// are deduplicated first).
func isDuplicate(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

// isDuplicateOf reports whether err is a violation of the unique index or
// constraint named index.
func isDuplicateOf(err error, index string) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505" && e.ConstraintName == index
}

// querier is what a pooled connection and a transaction share, so that one
// read serves both a plain read and the checks inside a write transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}
