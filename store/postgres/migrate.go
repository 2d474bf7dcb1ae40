package postgres

import (
	"context"
	"embed"
	"strconv"

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

// migrations returns the embedded migrations in order.
func migrations() ([]store.Migration, error) { return sqlstore.Migrations(migrationFS) }

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

// migrateTo applies ms, the first migrations in order (see
// sqlstore.DB.Migrate), each under the migration lock.
func (db *DB) migrateTo(ctx context.Context, ms []store.Migration) error {
	// Made under the lock, so that two first starts do not race to create
	// it.
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at BIGINT  NOT NULL -- unix seconds
	)`
	lock := `SELECT pg_advisory_xact_lock(` + strconv.Itoa(migrationLock) + `, hashtext(current_schema()))`
	return db.Migrate(ctx, ms, lock, create)
}
