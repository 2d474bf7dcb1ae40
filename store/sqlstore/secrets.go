package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

const (
	secretColumns = `name, value, created`
	insertSecret  = `INSERT INTO secrets (` + secretColumns + `) VALUES (?, ?, ?)`
)

// Secret returns the secret called name, made and stored the first time
// it is asked for; with rotate a new one replaces it. It logs no change.
func (db *DB) Secret(ctx context.Context, name string, rotate bool) (string, error) {
	if !store.ValidSecretName(name) {
		return "", feed.Errorf(feed.EINVALID, "secret name %q: want 1 to 64 of a-z, 0-9, '_', '.', '-'", name)
	}
	if !rotate {
		// Asked for far more often than made: a read, without the
		// write lock, when it exists.
		var value string
		switch err := db.one(ctx, `SELECT value FROM secrets WHERE name = ?`, []any{name}, &value); {
		case err == nil:
			return value, nil
		case !errors.Is(err, sql.ErrNoRows):
			return "", fmt.Errorf("read secret %q: %w", name, err)
		}
	}
	// Made (or replaced) in one statement, so that concurrent first calls
	// agree: the first insert wins and RETURNING hands every caller the
	// stored value (DO UPDATE, not DO NOTHING, so that a row is returned
	// when it was there already).
	set := `value = secrets.value`
	if rotate {
		set = `value = excluded.value, created = excluded.created`
	}
	upsert := insertSecret + ` ON CONFLICT (name) DO UPDATE SET ` + set + ` RETURNING value`
	var value string
	err := db.Write(ctx, func(tx *Tx) error {
		return tx.row(ctx, upsert, name, store.NewSecret(), db.now().Unix()).Scan(&value)
	})
	if err != nil {
		return "", fmt.Errorf("store secret %q: %w", name, err)
	}
	return value, nil
}
