// Package sqlite implements store.Store on SQLite through modernc.org/sqlite,
// a pure Go driver, so feedd builds without cgo.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// DB is a store.Store kept in one SQLite database file.
type DB struct {
	// Now is the clock that gives default Published and Updated times.
	// Open sets it to time.Now; tests may replace it before any write.
	Now func() time.Time

	db   *sql.DB
	path string
}

var _ store.Store = (*DB)(nil)

// dsnParams configure every connection of the pool; the driver applies them
// when it opens a connection, so a connection the pool opens later gets them
// too (a PRAGMA run once through db.Exec would reach only one connection).
var dsnParams = strings.Join([]string{
	// Wait up to 5s for another writer (a second connection or process)
	// instead of failing at once with SQLITE_BUSY. The driver runs it first,
	// so the pragmas after it wait too.
	"_pragma=busy_timeout(5000)",
	// SQLite leaves foreign keys unenforced unless asked, per connection.
	// The schema relies on them: a category or comment needs its post, and a
	// reply's parent must be a comment of the same post.
	"_pragma=foreign_keys(1)",
	// Write-ahead logging: readers never block the writer nor it them, and a
	// commit appends to the log instead of rewriting pages in place.
	"_pragma=journal_mode(WAL)",
	// FULL syncs the log on every commit, so a write we acknowledged survives
	// kill -9 and power loss. NORMAL, the usual WAL pairing, may lose the last
	// commits on power loss, which an acknowledged comment must not.
	"_pragma=synchronous(FULL)",
	// Transactions begin with BEGIN IMMEDIATE, taking the write lock up
	// front. Every transaction here writes; a deferred one that reads first
	// would fail with SQLITE_BUSY, busy_timeout or not, when another writer
	// got in before its read lock could be upgraded. Reads run outside
	// transactions and are not affected.
	"_txlock=immediate",
}, "&")

// Open opens the SQLite database at path, creating it if need be, and brings
// its schema up to date. path names a file: ":memory:" would give each pooled
// connection a database of its own.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" || strings.HasPrefix(path, ":memory:") || strings.HasPrefix(path, "file:") || strings.ContainsRune(path, '?') {
		// The driver splits the DSN at the first '?', and a file: URI or
		// :memory: would bypass the one-file assumption above.
		return nil, fmt.Errorf("open sqlite: %q is not a plain file path", path)
	}
	sqlDB, err := sql.Open("sqlite", path+"?"+dsnParams)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %q: %w", path, err)
	}
	db := &DB{Now: time.Now, db: sqlDB, path: path}
	if err := db.init(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("open sqlite %q: %w", path, err)
	}
	return db, nil
}

// init checks the connection settings and applies pending migrations.
func (db *DB) init(ctx context.Context) error {
	// journal_mode=WAL quietly stays "delete" where WAL cannot work (some
	// network file systems); fail rather than run without it.
	var mode string
	if err := db.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return fmt.Errorf("read journal_mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal_mode is %q, want wal", mode)
	}
	return db.migrate(ctx)
}

// Close closes the database.
func (db *DB) Close() error {
	if err := db.db.Close(); err != nil {
		return fmt.Errorf("close sqlite %q: %w", db.path, err)
	}
	return nil
}

// now reads the clock as the store keeps times: UTC, whole seconds.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Second) }

// fromUnix turns a stored time back into a time.Time in UTC.
func fromUnix(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

// limit turns a filter's Limit into a LIMIT value: 0 means none, which
// SQLite spells as a negative number.
func limit(n int) (int, error) {
	switch {
	case n < 0:
		return 0, feed.Errorf(feed.EINVALID, "limit: must not be negative")
	case n == 0:
		return -1, nil
	}
	return n, nil
}

// isDuplicate reports whether err is a primary key or unique violation. A
// comment whose id is taken on the same post breaks UNIQUE (post_id, id)
// before the primary key. The only other unique keys an insert can break
// are the upstream keys of mirrored entries, which the writers check first
// (categories are deduplicated first too).
func isDuplicate(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) &&
		(e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE)
}

// scanner is the Scan method shared by *sql.Row and *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// queryer is what *sql.DB and *sql.Tx share, so that one read serves both
// a plain read and the checks inside a write transaction.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
