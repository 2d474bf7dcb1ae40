package sqlite

import (
	"context"
	"embed"

	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/sqlstore"
)

// migrationFS holds the schema history: NNNN_name.sql files numbered from
// 0001 without gaps, applied in order. A released file never changes; a
// schema change is a new file.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// migrations returns the embedded migrations in order.
func migrations() ([]store.Migration, error) { return sqlstore.Migrations(migrationFS) }

// migrate applies the migrations not yet recorded in schema_migrations.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	return db.migrateTo(ctx, ms)
}

// migrateTo applies ms, the first migrations in order (see
// sqlstore.DB.Migrate). Each runs in an immediate transaction, so two
// processes opening the same new database cannot both apply one.
func (db *DB) migrateTo(ctx context.Context, ms []store.Migration) error {
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL -- unix seconds
	) STRICT`
	return db.Migrate(ctx, ms, "", create)
}
