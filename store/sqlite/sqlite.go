// Package sqlite implements store.Store on SQLite through modernc.org/sqlite,
// a pure Go driver, so feedd builds without cgo.
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/sqlstore"
)

// DB is a store.Store kept in one SQLite database file: the shared core
// (store/sqlstore) over SQLite's dialect. Its Now field is the core's.
type DB struct {
	*sqlstore.DB

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
	db := newDB(sqlDB, path)
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

// newDB returns the store kept in sqlDB, before its schema is checked.
func newDB(sqlDB *sql.DB, path string) *DB {
	return &DB{DB: sqlstore.New(sqlDB, dialect), db: sqlDB, path: path}
}

// Close ends every Watch and closes the database.
func (db *DB) Close() error {
	if err := db.DB.Close(); err != nil {
		return fmt.Errorf("close sqlite %q: %w", db.path, err)
	}
	return nil
}

// dialect is what SQLite spells its own way. Lists of ids go in as one
// JSON array, so that no list can exceed SQLite's limit on bound
// parameters. The change log needs no lock: writers take the database's
// write lock first (BEGIN IMMEDIATE), so records are numbered in commit
// order and a poller never sees a later seq before an earlier one.
var dialect = &sqlstore.Dialect{
	NoLimit:    -1,
	Categories: `(SELECT json_group_array(c.name ORDER BY c.position) FROM post_categories c WHERE c.post_id = p.id)`,
	// SQLite's lower() folds ASCII letters only, as PostFilter asks, and
	// lower(p.author_name) is the expression of posts_author_idx.
	AuthorMatch: `lower(p.author_name) = lower(?)`,
	List: func(ids []string) any {
		b, _ := json.Marshal(ids) // strings always marshal
		return string(b)
	},
	InList:       `%s IN (SELECT value FROM json_each(?))`,
	Elems:        `(SELECT key AS i, value AS v FROM json_each(?))`,
	AppendChange: `INSERT INTO changes (at, post_id, comment_id) VALUES (?, ?, ?) RETURNING seq`,
	// After Purge has emptied the log, the last seq handed out
	// (AUTOINCREMENT never reuses one).
	LastChange: `SELECT COALESCE(
		(SELECT MAX(seq) FROM changes),
		(SELECT seq FROM sqlite_sequence WHERE name = 'changes'),
		0)`,
	// ReadOnly makes the driver BEGIN DEFERRED rather than IMMEDIATE (see
	// dsnParams): the dump reads one snapshot while writers go on (WAL),
	// and takes no write lock.
	DumpTx:   &sql.TxOptions{ReadOnly: true},
	Classify: classify,
}

// uniqueIndexes names the unique indexes whose violations the core tells
// apart, by the columns SQLite's message lists.
var uniqueIndexes = map[string]string{
	"posts.origin_source, posts.origin_id":                         "posts_origin_idx",
	"comments.post_id, comments.origin_source, comments.origin_id": "comments_origin_idx",
	"comments.post_id, comments.source_url":                        "comments_mention_idx",
}

// classify tells what a SQLite error means. A comment whose id is taken on
// the same post breaks UNIQUE (post_id, id) before the primary key.
func classify(err error) (sqlstore.Class, string) {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return sqlstore.Other, ""
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		_, columns, _ := strings.Cut(e.Error(), "UNIQUE constraint failed: ")
		columns, _, _ = strings.Cut(columns, " (")
		return sqlstore.Duplicate, uniqueIndexes[columns]
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return sqlstore.ForeignKey, ""
	case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		return sqlstore.Check, ""
	}
	return sqlstore.Other, ""
}
