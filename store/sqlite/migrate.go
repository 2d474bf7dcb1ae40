package sqlite

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// migrationFS holds the schema history: NNNN_name.sql files numbered from
// 0001 without gaps, applied in order. A released file never changes; a
// schema change is a new file.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one numbered schema change.
type migration struct {
	version int
	name    string // file name, e.g. "0001_init.sql"
	sql     string
}

// migrations returns the embedded migrations in order, failing if their
// numbering is malformed, repeated or has gaps.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	return parseMigrations(names, func(name string) (string, error) {
		b, err := migrationFS.ReadFile(name)
		return string(b), err
	})
}

// parseMigrations orders the migration files at paths by number and reads
// them with read. Numbers must run 1, 2, 3... with no gap or repeat, so
// that two branches adding the same number clash here, not in production.
func parseMigrations(paths []string, read func(path string) (string, error)) ([]migration, error) {
	var ms []migration
	for _, p := range paths {
		name := p[strings.LastIndexByte(p, '/')+1:]
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || len(num) != 4 || err != nil || v < 1 {
			return nil, fmt.Errorf("migration %q: name must be NNNN_name.sql", name)
		}
		text, err := read(p)
		if err != nil {
			return nil, fmt.Errorf("read migration %q: %w", name, err)
		}
		ms = append(ms, migration{version: v, name: name, sql: text})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %q: want number %04d, migrations must be numbered without gaps or repeats", m.name, i+1)
		}
	}
	return ms, nil
}

// migrate applies the migrations not yet recorded in schema_migrations, each
// in its own transaction together with its record, so a failed migration
// leaves neither a half-changed schema nor a record of it.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	return db.migrateTo(ctx, ms)
}

// migrateTo applies ms, the first migrations in order: all of them but
// in tests, which stop at an older schema to check the next migration.
func (db *DB) migrateTo(ctx context.Context, ms []migration) error {
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL -- unix seconds
	) STRICT`
	if _, err := db.db.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var newest int
	if err := db.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&newest); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if newest > len(ms) {
		return fmt.Errorf("schema version %d is newer than this feedd knows (%d)", newest, len(ms))
	}
	for _, m := range ms {
		if err := db.apply(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// apply runs one migration unless it is recorded as done. The check runs in
// the migration's immediate transaction, so two processes opening the same
// new database cannot both apply it.
func (db *DB) apply(ctx context.Context, m migration) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %q: begin: %w", m.name, err)
	}
	defer tx.Rollback()

	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
		return fmt.Errorf("migration %q: check: %w", m.name, err)
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("migration %q: %w", m.name, err)
	}
	const record = `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`
	if _, err := tx.ExecContext(ctx, record, m.version, m.name, db.Now().Unix()); err != nil {
		return fmt.Errorf("migration %q: record: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %q: commit: %w", m.name, err)
	}
	return nil
}
