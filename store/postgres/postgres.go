// Package postgres implements store.Store on PostgreSQL through pgx and its
// connection pool, for feedd deployments that run several processes (or
// replicas) on one database.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/sqlstore"
)

// DB is a store.Store kept in one schema of a PostgreSQL database: the
// shared core (store/sqlstore) over PostgreSQL's dialect, through pgx's
// database/sql driver. Its Now field is the core's.
type DB struct {
	*sqlstore.DB

	// sql is the pool of connections, database/sql's own; conn is what
	// each connection is opened with, which the watcher's LISTEN
	// connection uses too.
	sql  *sql.DB
	conn *pgx.ConnConfig
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
	db := newDB(cfg)
	if err := db.init(ctx); err != nil {
		db.stop()
		db.sql.Close()
		return nil, fmt.Errorf("open postgres %s/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Database, err)
	}
	return db, nil
}

// newDB returns the store cfg connects to, before its schema is checked.
//
// database/sql is the only pool: it keeps up to pool_max_conns connections
// (pgxpool's setting and default, as the DSN may give it) open and idle
// between statements, each with its prepared statements. A pgxpool under
// it (stdlib.OpenDBFromPool) would have database/sql keep no idle
// connection, and acquire, wrap and release one for every statement: that
// cost a cold thread feed 20% on PostgreSQL. A connection taken again
// after an error is pinged first (see retry.go), as is one idle for a
// second.
func newDB(cfg *pgxpool.Config) *DB {
	db := &DB{conn: cfg.ConnConfig, retries: 4, backoff: 50 * time.Millisecond}
	db.sql = stdlib.OpenDB(*cfg.ConnConfig, stdlib.OptionShouldPing(func(ctx context.Context, p stdlib.ShouldPingParams) bool {
		return p.IdleDuration > time.Second || ctx.Value(pingKey{}) != nil
	}))
	n := int(cfg.MaxConns)
	db.sql.SetMaxOpenConns(n)
	db.sql.SetMaxIdleConns(n)
	db.sql.SetConnMaxLifetime(cfg.MaxConnLifetime)
	db.sql.SetConnMaxIdleTime(cfg.MaxConnIdleTime)
	d := *dialect
	d.Retry, d.Again = db.retry, again
	db.DB = sqlstore.New(db.sql, &d)
	db.quit, db.stop = context.WithCancel(context.Background())
	return db
}

// init checks that the connection has a schema to work in and applies
// pending migrations.
func (db *DB) init(ctx context.Context) error {
	var schema sql.NullString
	err := db.Read(ctx, func(q sqlstore.Querier) error {
		return q.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema)
	})
	if err != nil {
		return fmt.Errorf("select current_schema: %w", err)
	}
	if !schema.Valid {
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
	return db.DB.Close()
}

// dialect is what PostgreSQL spells its own way (Open adds the retries).
// Lists of ids go in as one array parameter: no list can exceed the
// protocol's limit of 65535 bound parameters.
var dialect = &sqlstore.Dialect{
	Dollar:     true,
	NoLimit:    nil, // LIMIT NULL is LIMIT ALL
	RowLocks:   true,
	Categories: `(SELECT COALESCE(json_agg(c.name ORDER BY c.position), '[]')::text FROM post_categories c WHERE c.post_id = p.id)`,
	// lower() under COLLATE "C" folds ASCII letters only, as PostFilter
	// asks and SQLite's lower() does; the database's own collation may
	// fold more (É to é). The left side is the expression of
	// posts_author_idx.
	AuthorMatch:    `lower(p.author_name COLLATE "C") = lower(CAST(? AS text) COLLATE "C")`,
	List:           func(ids []string) any { return ids },
	InList:         `%s = ANY (?)`,
	Elems:          `(SELECT n - 1 AS i, v FROM unnest(CAST(? AS text[])) WITH ORDINALITY AS t (v, n))`,
	ChangeLock:     changeLock,
	AppendChange:   appendChange,
	Notify:         notify,
	LastChange:     lastChange,
	LastChangeLock: lastChangeLock,
	// One Purge or Load at a time, over every process sharing the schema
	// (see sqlstore.Dialect.BulkLock). The second key is a hash of the
	// schema's name, as for migrationLock.
	BulkLock: `SELECT pg_advisory_xact_lock(` + strconv.Itoa(bulkLock) + `, hashtext(current_schema()))`,
	// One new local post or comment placed at a time (see
	// sqlstore.Dialect.OrderLock), over every process sharing the schema.
	OrderLock: `SELECT pg_advisory_xact_lock(` + strconv.Itoa(orderLock) + `, hashtext(current_schema()))`,
	// REPEATABLE READ: every statement of the transaction reads the
	// snapshot of its first, so the records are consistent while writers
	// go on.
	DumpTx:   &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
	Classify: classify,
	Batch:    batch,
}

// batch sends stmts in one round trip, a pgx batch on the transaction's
// connection: a write's statements up to its change-log record, as before
// the core was shared.
func batch(ctx context.Context, conn *sql.Conn, stmts []sqlstore.Stmt) error {
	return conn.Raw(func(c any) error {
		b := &pgx.Batch{}
		for _, st := range stmts {
			q := b.Queue(st.Query, st.Args...)
			if dest := st.Dest; dest != nil {
				q.QueryRow(func(row pgx.Row) error { return row.Scan(dest...) })
			}
		}
		return c.(*stdlib.Conn).Conn().SendBatch(ctx, b).Close()
	})
}

// bulkLock is the first key of the advisory lock that Purge and Load
// take.
const bulkLock = 0x66656465

// orderLock is the first key of the advisory lock that the creation of a
// local post or comment takes.
const orderLock = 0x6665646f

// classify tells what a PostgreSQL error means: SQLSTATE 23505 is a
// primary key or unique violation (ConstraintName tells which: a comment
// whose id is taken on the same post breaks UNIQUE (post_id, id) or the
// primary key, whichever the server checks first).
func classify(err error) (sqlstore.Class, string) {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return sqlstore.Other, ""
	}
	switch e.Code {
	case "23505": // unique_violation
		return sqlstore.Duplicate, e.ConstraintName
	case "23503": // foreign_key_violation
		return sqlstore.ForeignKey, e.ConstraintName
	case "23514", "23502": // check_violation, not_null_violation
		return sqlstore.Check, e.ConstraintName
	}
	return sqlstore.Other, ""
}
