package sqlstore

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/feedd/feedd/store"
)

// Migrations returns the migrations embedded in fsys as
// migrations/NNNN_name.sql, in order, failing if their numbering is
// malformed, repeated or has gaps.
func Migrations(fsys fs.ReadFileFS) ([]store.Migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	return store.ParseMigrations(names, func(name string) (string, error) {
		b, err := fsys.ReadFile(name)
		return string(b), err
	})
}

// Migrate applies those of ms (the first migrations in order: all but in
// tests) that schema_migrations does not record, each in a transaction of
// its own with its record, so that a failure leaves neither a half-changed
// schema nor a record (both engines' DDL is transactional). Each runs lock
// first (keeping two processes that open a new database from both applying
// one; SQLite's BEGIN IMMEDIATE needs none), then create, which makes
// schema_migrations if need be. A schema newer than this feedd fails.
func (db *DB) Migrate(ctx context.Context, ms []store.Migration, lock, create string) error {
	for _, m := range ms {
		var up bool
		err := db.Write(ctx, func(tx *Tx) error {
			var err error
			up, err = apply(ctx, tx, m, len(ms), db.Now().Unix(), lock, create)
			return err
		})
		if err != nil {
			return err
		}
		if up {
			// The newest migration is applied already: the usual start of
			// a process on an up-to-date schema, one transaction long.
			return nil
		}
	}
	return nil
}

// apply runs migration m in tx unless it is recorded as done. known is the
// number of migrations this feedd has; up reports that the schema holds
// all of them.
func apply(ctx context.Context, tx *Tx, m store.Migration, known int, now int64, lock, create string) (up bool, err error) {
	if lock != "" {
		if _, err := tx.ExecContext(ctx, lock); err != nil {
			return false, fmt.Errorf("migration %q: lock: %w", m.Name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, create); err != nil {
		return false, fmt.Errorf("create schema_migrations: %w", err)
	}
	var newest int
	if err := tx.row(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&newest); err != nil {
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
	const record = `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`
	if _, err := tx.exec(ctx, record, m.Version, m.Name, now); err != nil {
		return false, fmt.Errorf("migration %q: record: %w", m.Name, err)
	}
	return m.Version == known, nil
}
