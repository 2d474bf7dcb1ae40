package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/sqlstore"
)

// migrationFS holds the schema history: NNNN_name.sql files numbered from
// 0001 without gaps, applied in order. A released file never changes; a
// schema change is a new file, numbered and named as its twin in
// store/sqlite/migrations (TestMigrations_SameAsSQLite checks).
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// migrations returns the embedded migrations in order, failing if their
// numbering is malformed, repeated or has gaps.
func migrations() ([]store.Migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	return store.ParseMigrations(names, func(name string) (string, error) {
		b, err := migrationFS.ReadFile(name)
		return string(b), err
	})
}

// migrationLock is the first key of the transaction-level advisory lock
// that every migration transaction takes first; the second is a hash of the
// schema's name, so that stores in different schemas of one database
// migrate independently.
//
// Several feedd processes (replicas of one deployment) may start at once on
// a new database. Without the lock two would both see a migration as not
// yet applied and both run it: the second would fail on a table that exists
// already, or worse, run an UPDATE twice. Row locks cannot help, since the
// rows that would say "applied" do not exist yet. With it, the second waits
// for the first to commit, then sees the migration recorded and skips it.
// A transaction-level lock is released by COMMIT or ROLLBACK, also when the
// connection is lost, so a migrator that dies holds nobody up.
const migrationLock = 0x66656464 // "feed"

// migrate applies the migrations not yet recorded in schema_migrations, each
// in its own transaction together with its record, so a failed migration
// leaves neither a half-changed schema nor a record of it: PostgreSQL's DDL
// is transactional.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	return db.migrateTo(ctx, ms)
}

// migrateTo applies ms, the first migrations in order: all of them but
// in tests, which stop at an older schema to check the next migration.
func (db *DB) migrateTo(ctx context.Context, ms []store.Migration) error {
	for _, m := range ms {
		var done bool
		err := db.Write(ctx, func(tx *sqlstore.Tx) error {
			var err error
			done, err = apply(ctx, tx, m, len(ms), db.Now().Unix())
			return err
		})
		if err != nil {
			return err
		}
		if done {
			// The newest migration is applied already: the usual start of
			// a process on an up-to-date schema, one transaction long.
			return nil
		}
	}
	return nil
}

// apply runs migration m in tx, under the migration lock, unless it is
// recorded as done. known is the number of migrations this feedd has; up
// reports that the schema holds all of them.
func apply(ctx context.Context, tx *sqlstore.Tx, m store.Migration, known int, now int64) (up bool, err error) {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))`, migrationLock); err != nil {
		return false, fmt.Errorf("migration %q: lock: %w", m.Name, err)
	}
	// Under the lock, so that two first starts do not race to create it.
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at BIGINT  NOT NULL -- unix seconds
	)`
	if _, err := tx.ExecContext(ctx, create); err != nil {
		return false, fmt.Errorf("create schema_migrations: %w", err)
	}
	var newest int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&newest); err != nil {
		return false, fmt.Errorf("read schema version: %w", err)
	}
	switch {
	case newest > known:
		return false, fmt.Errorf("schema version %d is newer than this feedd knows (%d)", newest, known)
	case newest == known:
		return true, nil
	case newest >= m.Version:
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, fmt.Errorf("migration %q: %w", m.Name, err)
	}
	const record = `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`
	if _, err := tx.ExecContext(ctx, record, m.Version, m.Name, now); err != nil {
		return false, fmt.Errorf("migration %q: record: %w", m.Name, err)
	}
	return m.Version == known, nil
}
