// Package pgtest gives tests a PostgreSQL schema of their own on the
// server that FEEDD_TEST_POSTGRES names, so that tests of every package
// run in parallel on one database and leave nothing behind. Tests that
// need the server skip without it, saying "FEEDD_TEST_POSTGRES is not
// set", which .ci/run looks for: CI fails when any of them skipped.
package pgtest

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env is the environment variable naming the test database: a postgres://
// URL or a key=value DSN of a database the tests may create schemas in.
const Env = "FEEDD_TEST_POSTGRES"

// BaseDSN returns the test database's DSN, skipping t when Env is not set.
func BaseDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(Env)
	if dsn == "" {
		t.Skipf("%s is not set: no PostgreSQL server to test against (e.g. %s=postgres://postgres@127.0.0.1:5432/test)", Env, Env)
	}
	return dsn
}

// Schema creates an empty schema with a fresh name on the test database,
// dropped with all it holds when t ends, and returns a DSN whose
// search_path is that schema and whose application_name is its name, so
// that a test can find its own connections in pg_stat_activity. It skips
// t when Env is not set.
func Schema(t testing.TB) (dsn, schema string) {
	t.Helper()
	base := BaseDSN(t)
	schema = NewSchema(t, base)
	return WithParams(t, base, map[string]string{"search_path": schema, "application_name": schema}), schema
}

// NewSchema creates an empty schema with a fresh name on the server of
// dsn, dropped with all it holds when t ends, and returns its name.
func NewSchema(t testing.TB, dsn string) string {
	t.Helper()
	schema := "feedd_test_" + strings.ToLower(rand.Text()[:12])
	Exec(t, dsn, `CREATE SCHEMA `+schema)
	t.Cleanup(func() { Exec(t, dsn, `DROP SCHEMA `+schema+` CASCADE`) })
	return schema
}

// Exec runs one statement on a connection of its own to dsn, failing t
// on error. It works in cleanups too, after t's context is done.
func Exec(t testing.TB, dsn, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to the test database: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// WithParams returns dsn, a URL or a key=value DSN, with the run-time
// parameters params added.
func WithParams(t testing.TB, dsn string, params map[string]string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("parse %s: %v", Env, err)
		}
		q := u.Query()
		for k, v := range params {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	for k, v := range params {
		dsn += " " + k + "=" + v // schema names here need no quoting
	}
	return dsn
}
