package main

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

// testPostgresEnv names the variable that holds the DSN of a PostgreSQL
// database the tests may create schemas in, such as
// postgres://postgres@127.0.0.1:5432/test. Without it the tests that need
// one skip.
const testPostgresEnv = "FEEDD_TEST_POSTGRES"

// postgresBase returns the test server's DSN, skipping t without one.
func postgresBase(t testing.TB) string {
	t.Helper()
	base := os.Getenv(testPostgresEnv)
	if base == "" {
		t.Skipf("%s is not set: no PostgreSQL server to test against (e.g. %s=postgres://postgres@127.0.0.1:5432/test)",
			testPostgresEnv, testPostgresEnv)
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s: want a postgres:// URL", testPostgresEnv)
	}
	return base
}

// pgExec runs one statement on a connection of its own to the test server.
func pgExec(t testing.TB, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, postgresBase(t))
	if err != nil {
		t.Fatalf("connect to %s: %v", testPostgresEnv, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// newPostgresSchema creates an empty schema, dropped with all it holds when
// t ends, and returns a DSN (a URL) whose search_path is that schema. It
// skips t without FEEDD_TEST_POSTGRES.
func newPostgresSchema(t testing.TB) string {
	t.Helper()
	base := postgresBase(t)
	schema := "feedd_test_" + strings.ToLower(rand.Text()[:12])
	pgExec(t, `CREATE SCHEMA `+schema)
	t.Cleanup(func() { pgExec(t, `DROP SCHEMA `+schema+` CASCADE`) })
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
