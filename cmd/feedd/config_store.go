package main

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// validate checks the driver and its DSN; prefix ("store.") names the keys.
func (s StoreConfig) validate(prefix string, bad func(key, format string, args ...any)) {
	switch s.Driver {
	case "sqlite":
		if s.DSN == "" {
			bad(prefix+"dsn", "must name the SQLite database file")
		}
	case "postgres":
		if err := checkPostgresDSN(s.DSN); err != nil {
			bad(prefix+"dsn", "%v", err)
		}
	default:
		bad(prefix+"driver", "unsupported driver %q (supported: sqlite, postgres)", s.Driver)
	}
}

// checkPostgresDSN checks that dsn parses as pgx (and so postgres.Open)
// parses it: a postgres:// or postgresql:// URL, or a key=value DSN. It
// connects to nothing. Its messages never quote the DSN, which may hold a
// password.
func checkPostgresDSN(dsn string) error {
	const want = "want a postgres:// URL or a key=value DSN"
	if strings.TrimSpace(dsn) == "" {
		// pgx would take an empty DSN for the PG* environment's defaults:
		// too easy a mistake (an unset ${VAR}) to accept.
		return fmt.Errorf("must name the PostgreSQL database (%s)", want)
	}
	if i := strings.Index(dsn, "://"); i >= 0 && !strings.ContainsAny(dsn[:i], " =") {
		if scheme := dsn[:i]; scheme != "postgres" && scheme != "postgresql" {
			return fmt.Errorf("unsupported URL scheme %q (%s)", scheme, want)
		}
		if _, err := url.Parse(dsn); err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err // url.Error quotes the URL
			}
			return fmt.Errorf("not a valid URL: %v", err)
		}
	}
	if _, err := pgxpool.ParseConfig(dsn); err != nil {
		return fmt.Errorf("cannot parse as a postgres:// URL or a key=value DSN: %s", parseErrorText(err))
	}
	return nil
}

// parseErrorText is pgx's reason why a DSN does not parse, without the
// DSN it quotes (redacted as best it can).
func parseErrorText(err error) string {
	var pe *pgconn.ParseConfigError
	if !errors.As(err, &pe) {
		return err.Error()
	}
	msg := pe.Error()
	if i := strings.LastIndex(msg, "`: "); i >= 0 {
		msg = msg[i+3:]
	}
	return msg
}
