// Package sqlstore is the store.Store of feedd written once over
// database/sql: every method's logic and query, for SQLite (store/sqlite,
// through modernc.org/sqlite) and PostgreSQL (store/postgres, through pgx's
// stdlib driver over its pool). A Dialect says only what differs between
// the two: placeholders, LIMIT "none", the JSON and array functions that
// pass lists of ids, row locks and the change log's ordering lock, error
// classification, and retries on a lost connection. The engines keep their
// connection set-up, migrations, PostgreSQL's LISTEN/NOTIFY and retry policy.
//
// Queries are written with ? placeholders (?N where one argument is used
// twice), which a dialect with Dollar set rewrites to $N once per query.
//
// Why database/sql for both (modernc.org/sqlite; pgx's stdlib driver over
// the pgx pool, stdlib.OpenDBFromPool) rather than pgx's own interface
// for PostgreSQL: one code path and one Tx for both engines, no adapter
// layer; the pool (and its ping of a retried attempt's connection) stays
// pgx's. What it lost, pgx batches, the dialect's Batch gives back through
// (*sql.Conn).Raw: a write's statements up to its change-log record go in
// one round trip (CreateComment: 4, as before; 6 without Batch, which
// measured +131% sec/op on PostgreSQL, p=0.015). Measured with the store
// benchmarks, 7b9d0b0 against this package, 6 interleaved runs each on a
// shared 2-CPU machine (go test -run XXX -bench . -benchmem ./store/...;
// benchstat):
//
//	                         sec/op              allocs/op
//	CommentWrite/sqlite      771µ → 679µ  ~      123 → 103  -16%
//	CommentWrite/postgres    762µ → 968µ  ~       90 → 135  +50%
//	ThreadRead/sqlite        251µ → 233µ  ~      692 → 723   +4%
//	ThreadRead/postgres      423µ → 594µ  ~      383 → 755  +97%
//
// No time difference is significant (p ≥ 0.18; the machine's noise is
// ±60–180%); database/sql's per-row conversions cost PostgreSQL reads
// allocations, not measurable time next to a round trip.
package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// Class is what a database error means to the store.
type Class int

const (
	Other      Class = iota
	Duplicate        // a unique key was taken
	ForeignKey       // a row named by a foreign key is missing
	Check            // a CHECK or NOT NULL rule was broken
)

// Stage is where an attempt at a read or write failed.
type Stage int

const (
	Connect Stage = iota // getting a connection: nothing of ours ran
	Run                  // running the statements (or BEGIN)
	Commit               // COMMIT was (or may have been) sent
)

// Dialect is what differs between the engines.
type Dialect struct {
	Dollar   bool // placeholders are $1, $2…, not ?
	NoLimit  any  // the LIMIT value that means none
	RowLocks bool // SELECT … FOR SHARE and its kin exist (else the database's write lock serializes writers)
	// Categories is the expression, over posts p, of a post's categories
	// as a JSON array of strings in their order.
	Categories string
	// AuthorMatch is the condition that p.author_name equals the
	// parameter with ASCII case folding, spelt as the expression index
	// posts_author_idx is.
	AuthorMatch string
	// List turns ids into the one parameter that InList and Elems read.
	List func([]string) any
	// InList is the condition that %s (a column) is in the list parameter.
	InList string
	// Elems is a table (i, v) of the list parameter's elements and their
	// positions from 0.
	Elems string
	// ChangeLock runs once in a write transaction before its first
	// change-log record (PostgreSQL's ordering lock, see store/postgres).
	ChangeLock string
	// AppendChange inserts a change-log record (at, post_id, comment_id)
	// and returns its seq; Notify tells other processes of the write.
	AppendChange, Notify string
	// LastChange reads the newest seq; with LastChangeLock set both run
	// in a transaction, the lock first.
	LastChange, LastChangeLock string
	// BulkLock is taken first in the transactions of Purge and Load,
	// which write many rows, each statement moving rows of totals
	// (migration 0007) in an order of its own: one at a time, two would
	// deadlock on those rows, and two purges would plan the same removals.
	BulkLock string
	// OrderLock is taken by the writes that place a new local entry
	// after the newest of its feeds (see placeNew), from the read of the
	// newest to the commit, so that two at once cannot both place theirs
	// after the same one; "" where writers are serialized anyway.
	OrderLock string
	DumpTx    *sql.TxOptions
	// Batch sends stmts in one round trip on conn, in its open
	// transaction; nil sends them one by one.
	Batch func(ctx context.Context, conn *sql.Conn, stmts []Stmt) error
	// Classify tells what err means, and the constraint it names if any.
	Classify func(err error) (Class, string)
	// Retry runs op until it succeeds, fails for good (op says whether to
	// try again) or has run enough; nil runs it once. Again decides about
	// a failed attempt: conn is the connection it ran on (nil at Connect).
	Retry func(ctx context.Context, op func(ctx context.Context) (again bool, err error)) error
	Again func(ctx context.Context, conn *sql.Conn, stage Stage, err error) bool
}

// DB is a store.Store over one database/sql pool.
type DB struct {
	// Now is the clock that gives default Published and Updated times.
	// New sets it to time.Now; tests may replace it before any write.
	Now func() time.Time

	sql     *sql.DB
	d       *Dialect
	queries sync.Map // query as written → as the dialect spells it
	stmts   stmtCache
	// writer is the turn to write where the database's write lock
	// serializes writers (no RowLocks): the process's writers wait for
	// it in order (see Write). Nil otherwise.
	writer   chan struct{}
	postCols string // a post from posts p with its origin, derived HTML, categories (a JSON array) and deletion: see New

	mu     sync.Mutex                            // guards subs and closed
	subs   map[chan store.WatchEvent]func() bool // each Watch's channel and the stop of its AfterFunc
	closed bool
}

var _ store.Store = (*DB)(nil)

// New returns the store kept in sqlDB, whose schema must be up to date.
func New(sqlDB *sql.DB, d *Dialect) *DB {
	var writer chan struct{}
	if !d.RowLocks {
		writer = make(chan struct{}, 1)
	}
	return &DB{Now: time.Now, sql: sqlDB, d: d, subs: make(map[chan store.WatchEvent]func() bool), writer: writer,
		// One statement reads post and categories, so they are
		// consistent without a read transaction.
		postCols: `p.id, p.title, p.content, p.format, p.summary, p.author_name, p.author_uri, p.published, p.updated,
	p.origin_source, p.origin_id, p.origin_url, p.origin_comments_url, p.html, p.html_version, ` + d.Categories + `, p.deleted_at IS NOT NULL`}
}

// Close ends every Watch and closes the pool.
func (db *DB) Close() error {
	db.mu.Lock()
	db.closed = true
	for ch, stop := range db.subs {
		stop()
		delete(db.subs, ch)
		close(ch)
	}
	db.mu.Unlock()
	db.stmts.close()
	return db.sql.Close()
}

// Watch returns a channel that receives an event after each commit of this
// store that appended to the change log (events may be coalesced), until
// ctx ends or the store is closed. Writes of other processes are not
// signalled (store/postgres adds them).
func (db *DB) Watch(ctx context.Context) <-chan store.WatchEvent {
	ch := make(chan store.WatchEvent, 1)
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		close(ch)
		return ch
	}
	db.subs[ch] = context.AfterFunc(ctx, func() {
		db.mu.Lock()
		defer db.mu.Unlock()
		if _, ok := db.subs[ch]; ok {
			delete(db.subs, ch)
			close(ch)
		}
	})
	return ch
}

// wrote tells the watchers and ctx's tracker (store.Track) of a commit
// that appended the change-log record seq.
func (db *DB) wrote(ctx context.Context, seq int64) {
	store.Wrote(ctx, seq)
	db.mu.Lock()
	defer db.mu.Unlock()
	for ch := range db.subs {
		select {
		case ch <- store.WatchEvent{}:
		default: // one pending event says it already
		}
	}
}

// Querier is what *sql.DB, *sql.Conn and *sql.Tx share.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// q spells query in the dialect: ?N and ? become $N with Dollar set.
func (db *DB) q(query string) string {
	if !db.d.Dollar {
		return query
	}
	if s, ok := db.queries.Load(query); ok {
		return s.(string)
	}
	s := Rebind(query)
	db.queries.Store(query, s)
	return s
}

// Rebind rewrites the placeholders of query as $N: ?N keeps its number, a
// bare ? takes the next one. Queries hold no ? in literals.
func Rebind(query string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] != '?' {
			b.WriteByte(query[i])
			continue
		}
		j := i + 1
		for j < len(query) && query[j] >= '0' && query[j] <= '9' {
			j++
		}
		b.WriteByte('$')
		if j > i+1 {
			b.WriteString(query[i+1 : j])
		} else {
			n++
			b.WriteString(strconv.Itoa(n))
		}
		i = j - 1
	}
	return b.String()
}

// Tx is a write transaction of the store. Writes whose results it does
// not need at once are queued (queue) and sent together, in one round trip
// where the dialect batches, before the next statement that returns
// something: a read, an exec, a change-log record, or COMMIT.
type Tx struct {
	*sql.Tx
	db     *DB
	conn   *sql.Conn // the transaction's connection, for Batch; nil without
	queued []Stmt
	err    error // of queued statements sent before a read
	seq    int64 // the change-log record appended, 0 for none
	locked bool  // ChangeLock taken
}

// Stmt is a statement of a batch: Dest, when set, receives its one row.
type Stmt struct {
	Query string
	Args  []any
	Dest  []any
}

// queue adds a statement to send with the next batch.
func (tx *Tx) queue(query string, args ...any) {
	tx.queued = append(tx.queued, Stmt{Query: tx.db.q(query), Args: args})
}

// maxParams bounds the parameters of one statement: SQLite's default
// limit (SQLITE_MAX_VARIABLE_NUMBER, 32766), half of PostgreSQL's.
const maxParams = 32766

// queueRows queues insert, an INSERT whose VALUES end it with one tuple of
// placeholders, for each row of values, as multi-row INSERTs: a statement
// (and a statement trigger's run) for many rows, not for each. Their sizes
// are powers of two, so that the statements come in a few shapes (the
// prepared and rebound queries are kept by text), up to the largest within
// maxParams.
func (tx *Tx) queueRows(insert string, rows [][]any) {
	if len(rows) == 0 {
		return
	}
	i := strings.LastIndex(insert, "VALUES")
	head, tuple := insert[:i+len("VALUES")], strings.TrimSpace(insert[i+len("VALUES"):])
	most := 1
	for most*2*len(rows[0]) <= maxParams {
		most *= 2
	}
	for len(rows) > 0 {
		n := most
		for n > len(rows) {
			n /= 2
		}
		var b strings.Builder
		b.Grow(len(head) + n*(len(tuple)+2))
		b.WriteString(head)
		args := make([]any, 0, n*len(rows[0]))
		for j, r := range rows[:n] {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteByte(' ')
			b.WriteString(tuple)
			args = append(args, r...)
		}
		tx.queue(b.String(), args...)
		rows = rows[n:]
	}
}

// flush sends the queued statements.
func (tx *Tx) flush(ctx context.Context) error {
	stmts := tx.queued
	tx.queued = nil
	if len(stmts) == 0 {
		return nil
	}
	if tx.db.d.Batch != nil && tx.conn != nil {
		return tx.db.d.Batch(ctx, tx.conn, stmts)
	}
	for _, st := range stmts {
		var err error
		if st.Dest != nil {
			err = tx.queryRow(ctx, st.Query, st.Args...).Scan(st.Dest...)
		} else if p := tx.prepared(ctx, st.Query); p != nil {
			_, err = p.ExecContext(ctx, st.Args...)
		} else {
			_, err = tx.Tx.ExecContext(ctx, st.Query, st.Args...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// ExecContext, QueryContext and QueryRowContext send the queued
// statements first. QueryRowContext, which cannot fail by itself, leaves
// their error to Write.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := tx.flush(ctx); err != nil {
		return nil, err
	}
	return tx.Tx.ExecContext(ctx, query, args...)
}

func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := tx.flush(ctx); err != nil {
		return nil, err
	}
	if p := tx.prepared(ctx, query); p != nil {
		return p.QueryContext(ctx, args...)
	}
	return tx.Tx.QueryContext(ctx, query, args...)
}

func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if err := tx.flush(ctx); err != nil && tx.err == nil {
		tx.err = err
	}
	return tx.queryRow(ctx, query, args...)
}

// queryRow runs query in the transaction, as a prepared statement where
// reads are (see on).
func (tx *Tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if p := tx.prepared(ctx, query); p != nil {
		return p.QueryRowContext(ctx, args...)
	}
	return tx.Tx.QueryRowContext(ctx, query, args...)
}

// prepared returns query as a statement of the transaction, prepared once
// on the pool, where the pool's reads run so (SQLite's: see on); nil
// otherwise. The transaction's ExecContext, which migrations send whole
// scripts through, runs its query as it is.
func (tx *Tx) prepared(ctx context.Context, query string) *sql.Stmt {
	if tx.conn != nil || !tx.db.prepares() {
		return nil
	}
	st := tx.db.stmts.get(ctx, tx.db.sql, query)
	if st == nil {
		return nil
	}
	return tx.Tx.StmtContext(ctx, st)
}

// bulkLock takes the dialect's BulkLock, if it has one.
func (tx *Tx) bulkLock(ctx context.Context) error {
	if l := tx.db.d.BulkLock; l != "" {
		if _, err := tx.ExecContext(ctx, l); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
	}
	return nil
}

func (tx *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.ExecContext(ctx, tx.db.q(query), args...)
}

func (tx *Tx) row(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.QueryRowContext(ctx, tx.db.q(query), args...)
}

// change appends a record of a write to the change log, and sends it with
// the queued statements: commentID is empty for a write to a post. The
// dialect's ChangeLock, taken just before, orders the seqs' visibility
// (SQLite's writers are serialized by BEGIN IMMEDIATE).
func (tx *Tx) change(ctx context.Context, at time.Time, postID, commentID string) error {
	if l := tx.db.d.ChangeLock; l != "" && !tx.locked {
		// The lock ends the batch of the write's statements, and the
		// record goes in a round trip of its own: a pgx batch prepares
		// its new statements before it runs any, and preparing the
		// append locks the change log, which another writer's lock would
		// then wait for while this write waits for that writer's rows of
		// totals (migration 0007).
		tx.queue(l)
		tx.locked = true
		if err := tx.flush(ctx); err != nil {
			return err
		}
	}
	tx.queued = append(tx.queued, Stmt{Query: tx.db.q(tx.db.d.AppendChange), Args: []any{at.Unix(), postID, commentID}, Dest: []any{&tx.seq}})
	return tx.flush(ctx)
}

// Read runs f on a connection, again on another one when the dialect
// says so.
func (db *DB) Read(ctx context.Context, f func(q Querier) error) error {
	if db.d.Retry == nil {
		return f(db.sql)
	}
	return db.d.Retry(ctx, func(ctx context.Context) (bool, error) {
		conn, err := db.sql.Conn(ctx)
		if err != nil {
			return db.d.Again(ctx, nil, Connect, err), err
		}
		defer conn.Close()
		err = f(conn)
		return err != nil && db.d.Again(ctx, conn, Run, err), err
	})
}

// Write runs f in a transaction and commits it, then reports the
// change-log record it appended (store.Wrote, Watch). f must start afresh
// on each call: with a Retry it may run more than once.
//
// Where the database has one write lock (no RowLocks: SQLite), the
// process's writes take turns for it here first, in the order they came:
// in the database's busy handler, which polls for the lock, a short write
// (a job's claim, a comment) could keep missing it while a poller stores
// a large feed one transaction after another. Other processes' writers
// still meet this one's in the busy handler.
func (db *DB) Write(ctx context.Context, f func(tx *Tx) error) error {
	if db.writer != nil {
		select {
		case db.writer <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-db.writer }()
	}
	var seq int64
	err := db.run(ctx, func(ctx context.Context) (bool, error) {
		var conn *sql.Conn // one of its own where the dialect retries, for Again and Batch
		begin := db.sql.BeginTx
		if db.d.Retry != nil {
			var err error
			if conn, err = db.sql.Conn(ctx); err != nil {
				return db.d.Again(ctx, nil, Connect, err), err
			}
			defer conn.Close()
			begin = conn.BeginTx
		}
		again := func(stage Stage, err error) bool { return db.d.Again != nil && db.d.Again(ctx, conn, stage, err) }
		sqlTx, err := begin(ctx, nil)
		if err != nil {
			return again(Run, err), err
		}
		defer sqlTx.Rollback()
		tx := &Tx{Tx: sqlTx, db: db, conn: conn}
		if err = cmp.Or(f(tx), tx.err); err == nil {
			err = tx.flush(ctx)
		}
		if err != nil {
			return again(Run, err), err
		}
		if err := sqlTx.Commit(); err != nil {
			return again(Commit, err), err
		}
		seq = tx.seq
		return false, nil
	})
	if err == nil && seq > 0 {
		db.wrote(ctx, seq)
	}
	return err
}

// run runs op, an attempt of a read or write, once or as the dialect's
// Retry does.
func (db *DB) run(ctx context.Context, op func(ctx context.Context) (again bool, err error)) error {
	if db.d.Retry == nil {
		_, err := op(ctx)
		return err
	}
	return db.d.Retry(ctx, op)
}

// Raced wraps the error of a transaction that lost a race to a concurrent
// one, such as two pollers creating one mirrored post: run again, it sees
// what the winner committed and acts on that.
type Raced struct{ Err error }

func (r Raced) Error() string { return r.Err.Error() }
func (r Raced) Unwrap() error { return r.Err }

// errorf wraps err, an error of the database, with context, but passes a
// *feed.Error on as it is: its message is for the client.
func errorf(err error, format string, args ...any) error {
	var e *feed.Error
	if errors.As(err, &e) {
		return err
	}
	return fmt.Errorf(format, args...)
}

// is reports whether err is of class c (on constraint name, if not "").
func (db *DB) is(err error, c Class, name string) bool {
	if err == nil {
		return false
	}
	class, constraint := db.d.Classify(err)
	return class == c && (name == "" || constraint == name)
}

// now reads the clock as the store keeps times: UTC, whole seconds.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Second) }

// fromUnix turns a stored time back into a time.Time in UTC.
func fromUnix(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

// limit turns a filter's Limit into a LIMIT value: 0 means none.
func (db *DB) limit(n int) (any, error) {
	switch {
	case n < 0:
		return nil, feed.Errorf(feed.EINVALID, "limit: must not be negative")
	case n == 0:
		return db.d.NoLimit, nil
	}
	return n, nil
}

// lock returns the row lock clause of kind ("FOR SHARE"…) where the
// dialect has row locks, else nothing.
func (db *DB) lock(kind string) string {
	if !db.d.RowLocks {
		return ""
	}
	return " " + kind
}

// scanner is the Scan method shared by *sql.Row and *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// extra scans a row that holds, after the columns its reader knows, the
// columns that dest receives.
type extra struct {
	row  scanner
	dest []any
}

func (e extra) Scan(dest ...any) error { return e.row.Scan(append(dest, e.dest...)...) }

// each runs query through q and calls f on each row.
func (db *DB) each(ctx context.Context, q Querier, query string, args []any, f func(rows *sql.Rows) error) error {
	rows, err := db.on(q).QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := f(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// list reads the rows of query with scan, through a retried read.
func list[T any](ctx context.Context, db *DB, query string, args []any, scan func(scanner) (T, error)) ([]T, error) {
	var out []T
	err := db.Read(ctx, func(q Querier) error {
		out = nil
		return db.each(ctx, q, query, args, func(rows *sql.Rows) error {
			v, err := scan(rows)
			out = append(out, v)
			return err
		})
	})
	return out, err
}

// one reads the single row of query into dest, through a retried read.
func (db *DB) one(ctx context.Context, query string, args []any, dest ...any) error {
	return db.Read(ctx, func(q Querier) error {
		return db.on(q).QueryRowContext(ctx, db.q(query), args...).Scan(dest...)
	})
}

// on returns q, or for reads through the pool itself (SQLite's, which
// are not retried) a Querier that runs each query as a statement
// prepared once: parsing and planning a render's few queries again on
// every read was about a quarter of a cold thread render's time.
// PostgreSQL's reads go through a connection, and pgx keeps prepared
// statements of its own.
func (db *DB) on(q Querier) Querier {
	if q == Querier(db.sql) && db.prepares() {
		return preparing{db}
	}
	return q
}

// prepares reports whether reads run through the pool itself, as
// statements prepared once (see on): where the dialect does not retry
// them on another connection (Read).
func (db *DB) prepares() bool { return db.sql != nil && db.d.Retry == nil }

// preparing runs queries through the pool as statements prepared once.
type preparing struct{ db *DB }

func (p preparing) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return p.db.sql.ExecContext(ctx, query, args...)
}

func (p preparing) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := p.db.stmts.get(ctx, p.db.sql, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return p.db.sql.QueryContext(ctx, query, args...)
}

func (p preparing) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := p.db.stmts.get(ctx, p.db.sql, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.db.sql.QueryRowContext(ctx, query, args...)
}

// stmtCache holds prepared statements by query, at most maxStmts: the
// store's reads are a few dozen shapes, and a shape past the bound runs
// unprepared.
type stmtCache struct {
	mu     sync.Mutex
	m      map[string]*sql.Stmt
	closed bool
}

const maxStmts = 256

// get returns the statement of query, prepared on sqlDB, or nil when it
// cannot be kept (or prepared: the caller's query then reports why).
func (c *stmtCache) get(ctx context.Context, sqlDB *sql.DB, query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st
	}
	if c.closed || len(c.m) >= maxStmts {
		return nil
	}
	// Prepared without ctx's deadline: the statement outlives the call.
	st, err := sqlDB.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil
	}
	if c.m == nil {
		c.m = make(map[string]*sql.Stmt)
	}
	c.m[query] = st
	return st
}

// close closes the statements; later gets return nil.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}
