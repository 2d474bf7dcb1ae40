package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/feedd/feedd/internal/storeconfig"
	"github.com/feedd/feedd/store"
)

const migrateSynopsis = "migrate --from STORE --to STORE [--json]"

// migrateBatch is the number of records stored per Load call: big enough
// that a round trip costs little per record, small enough that a
// transaction stays short.
const migrateBatch = 500

// runMigrate implements 'feedd migrate': it copies one store whole into
// another, empty one, keeping every id, time and state (deleted entries and
// their tombstones, held and spam comments, the polling state of sources),
// so that the same feeds are served from the copy, byte for byte, under
// the same URLs and entry ids. Each STORE is sqlite:PATH or a postgres://
// URL; both stores are opened directly, not through config.yaml.
func runMigrate(ctx context.Context, args []string, c *cli) error {
	fs := newFlagSet("migrate", migrateSynopsis, c.stderr)
	from := fs.String("from", "", "copy from `STORE`: sqlite:PATH or a postgres:// URL")
	to := fs.String("to", "", "copy into `STORE`, which must be empty: sqlite:PATH or a postgres:// URL (search_path names the schema)")
	fs.BoolVar(&c.json, "json", false, "print the summary as JSON for scripts")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	src, err := parseStoreSpec("--from", *from)
	if err != nil {
		return usageError(fs, "%v", err)
	}
	dst, err := parseStoreSpec("--to", *to)
	if err != nil {
		return usageError(fs, "%v", err)
	}
	if sameStore(src, dst) {
		return usageError(fs, "--from and --to name the same store")
	}
	// sqlite.Open creates a missing file: a mistyped source path would
	// copy an empty store.
	if src.Driver == "sqlite" {
		if _, err := os.Stat(src.DSN); err != nil {
			return fmt.Errorf("--from %s: %w", storeconfig.Describe(src), err)
		}
	}

	// The source first: if it cannot be opened, the destination is left
	// as it was, not even created.
	fromStore, err := storeconfig.Open(ctx, src)
	if err != nil {
		return fmt.Errorf("--from %s: %w", storeconfig.Describe(src), err)
	}
	defer fromStore.Close()
	toStore, err := storeconfig.Open(ctx, dst)
	if err != nil {
		return fmt.Errorf("--to %s: %w", storeconfig.Describe(dst), err)
	}
	defer toStore.Close()

	res, err := c.migrate(ctx, fromStore, toStore, storeconfig.Describe(src), storeconfig.Describe(dst))
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(res)
	}
	fmt.Fprintf(c.stdout, "migrated %d posts, %d comments, %d fetch states, %d subscriptions from %s to %s, with %d secrets\n",
		res.Posts, res.Comments, res.Fetches, res.Subscriptions, storeconfig.Describe(src), storeconfig.Describe(dst), res.Secrets)
	return nil
}

// migrateResult counts the records copied.
type migrateResult struct {
	Posts         int `json:"posts"`
	Comments      int `json:"comments"`
	Fetches       int `json:"fetches"`
	Subscriptions int `json:"subscriptions"`
	Secrets       int `json:"secrets"`
	Records       int `json:"records"`
}

// migrate copies every record of src into the empty store dst, in batches
// of migrateBatch, showing progress on c's standard error. srcName and
// dstName name the stores in messages.
func (c *cli) migrate(ctx context.Context, src, dst store.Store, srcName, dstName string) (migrateResult, error) {
	var res migrateResult
	from, ok := src.(store.Copier)
	if !ok {
		return res, fmt.Errorf("--from %s: this store cannot be copied", srcName)
	}
	to, ok := dst.(store.Copier)
	if !ok {
		return res, fmt.Errorf("--to %s: this store cannot be copied into", dstName)
	}
	n, err := to.CountRecords(ctx)
	if err != nil {
		return res, fmt.Errorf("--to %s: %w", dstName, err)
	}
	if n > 0 {
		return res, fmt.Errorf("--to %s is not empty (it holds %d posts, comments, fetch states and subscriptions): migrate copies only into an empty store", dstName, n)
	}
	total, err := from.CountRecords(ctx)
	if err != nil {
		return res, fmt.Errorf("--from %s: %w", srcName, err)
	}

	prog := c.newProgress("migrating", "migrated", "records")
	prog.update(0, total) // a bar shows at once
	batch := make([]store.Record, 0, migrateBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := to.Load(ctx, batch); err != nil {
			return fmt.Errorf("--to %s: %w", dstName, err)
		}
		res.Records += len(batch)
		prog.update(res.Records, total)
		// A fresh slice: Load has the records, and need not care.
		batch = make([]store.Record, 0, migrateBatch)
		return nil
	}
	err = from.Dump(ctx, func(r store.Record) error {
		switch {
		case r.Post != nil:
			res.Posts++
		case r.Comment != nil:
			res.Comments++
		case r.Fetch != nil:
			res.Fetches++
		case r.Subscription != nil:
			res.Subscriptions++
		case r.Secret != nil:
			res.Secrets++
		}
		batch = append(batch, r)
		if len(batch) < migrateBatch {
			return nil
		}
		return flush()
	})
	if err == nil {
		err = flush()
	}
	prog.finish(err == nil)
	if err != nil {
		if res.Records > 0 {
			err = fmt.Errorf("%w (the destination holds %d of the records now: empty it before trying again)", err, res.Records)
		}
		return res, fmt.Errorf("migrate: %w", storeError(err))
	}
	// The source may have been written during the copy: say so rather
	// than leave a copy that differs unnoticed.
	if copied, err := to.CountRecords(ctx); err != nil {
		return res, fmt.Errorf("--to %s: count the copy: %w", dstName, err)
	} else if copied != res.Records {
		return res, fmt.Errorf("migrate: copied %d records but the destination holds %d", res.Records, copied)
	}
	if now, err := from.CountRecords(ctx); err == nil && now != res.Records {
		fmt.Fprintf(c.stderr, "feedd migrate: warning: the source holds %d records now, %d were copied: it was written during the copy\n", now, res.Records)
	}
	return res, nil
}

// parseStoreSpec reads a STORE of 'feedd migrate': sqlite:PATH, or a
// postgres:// (postgresql://) URL. flag names the flag in errors.
func parseStoreSpec(flag, spec string) (StoreConfig, error) {
	var sc StoreConfig
	switch {
	case spec == "":
		return sc, fmt.Errorf("%s is required", flag)
	case strings.HasPrefix(spec, "sqlite:"):
		sc = StoreConfig{Driver: "sqlite", DSN: strings.TrimPrefix(spec, "sqlite:")}
	case strings.HasPrefix(spec, "postgres://"), strings.HasPrefix(spec, "postgresql://"):
		sc = StoreConfig{Driver: "postgres", DSN: spec}
	default:
		// Name the scheme only: the rest may hold a password.
		what := "store"
		if i := strings.Index(spec, ":"); i > 0 && !strings.ContainsAny(spec[:i], `/\ `) {
			what = fmt.Sprintf("scheme %q", spec[:i+1])
		}
		return sc, fmt.Errorf("%s: unsupported %s (want sqlite:PATH or postgres://...)", flag, what)
	}
	var errs []error
	sc.Validate("", func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	})
	if len(errs) > 0 {
		return sc, fmt.Errorf("%s: %w", flag, errors.Join(errs...))
	}
	return sc, nil
}

// sameStore reports whether a and b name one store, as far as their
// spelling tells.
func sameStore(a, b StoreConfig) bool {
	if a.Driver != b.Driver {
		return false
	}
	if a.Driver == "sqlite" {
		pa, erra := filepath.Abs(a.DSN)
		pb, errb := filepath.Abs(b.DSN)
		return erra == nil && errb == nil && pa == pb
	}
	return a.DSN == b.DSN
}
