package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedd/feedd/internal/storeconfig"
	"github.com/feedd/feedd/store/postgres/pgtest"
)

// config writes a feedd config file naming a SQLite store in a fresh
// directory and returns its path and the store's.
func config(t *testing.T) (path, db string) {
	t.Helper()
	dir := t.TempDir()
	db = filepath.Join(dir, "feedd.db")
	path = filepath.Join(dir, "config.yaml")
	text := "site: {title: Scale}\nfeeds: {page_size: 25}\nstore: {driver: sqlite, dsn: " + db + "}\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, db
}

func count(t *testing.T, sc storeconfig.Config) int {
	t.Helper()
	st, err := storeconfig.Open(context.Background(), sc)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := st.CountRecords(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRun(t *testing.T) {
	cfg, db := config(t)
	var stdout, stderr bytes.Buffer
	args := []string{"--config", cfg, "--posts", "30", "--comments-per-post", "4", "--seed", "9", "--batch", "7"}
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "seeded sqlite:"+db+" with 30 posts and 120 comments (seed 9)") {
		t.Errorf("stdout %q", stdout.String())
	}
	if n := count(t, storeconfig.Config{Driver: "sqlite", DSN: db}); n != 150 {
		t.Errorf("the store holds %d records, want 150", n)
	}
	// Again: the store is not empty now.
	stdout.Reset()
	err := run(context.Background(), args, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "not empty") || !strings.Contains(err.Error(), "holds 150") {
		t.Errorf("second run: %v, want a refusal naming 150 records", err)
	}
	if n := count(t, storeconfig.Config{Driver: "sqlite", DSN: db}); n != 150 {
		t.Errorf("after the refusal the store holds %d records, want 150", n)
	}
}

func TestRun_BadInput(t *testing.T) {
	cfg, db := config(t)
	dir := t.TempDir()
	badDriver := filepath.Join(dir, "bad.yaml")
	os.WriteFile(badDriver, []byte("store: {driver: mysql, dsn: x}\n"), 0o600)
	for _, tt := range []struct {
		name  string
		args  []string
		usage bool   // a usage error (exit status 2)
		want  string // in the error or on standard error
	}{
		{"no posts", []string{"--config", cfg}, true, "--posts: want at least 1, got 0"},
		{"zero posts", []string{"--config", cfg, "--posts", "0"}, true, "--posts: want at least 1"},
		{"posts not a number", []string{"--config", cfg, "--posts", "many"}, true, `invalid value "many" for flag -posts`},
		{"negative comments", []string{"--config", cfg, "--posts", "1", "--comments-per-post", "-2"}, true, "--comments-per-post: want at least 0"},
		{"zero batch", []string{"--config", cfg, "--posts", "1", "--batch", "0"}, true, "--batch: want at least 1"},
		{"negative workers", []string{"--config", cfg, "--posts", "1", "--workers", "-1"}, true, "--workers: want at least 1"},
		{"negative seed", []string{"--config", cfg, "--posts", "1", "--seed", "-1"}, true, "invalid value"},
		{"too big", []string{"--config", cfg, "--posts", "1", "--comments-per-post", "5000000"}, true, "more than a fixture needs"},
		{"unknown flag", []string{"--config", cfg, "--posts", "1", "--fast"}, true, "flag provided but not defined: -fast"},
		{"stray argument", []string{"--config", cfg, "--posts", "1", "extra"}, true, `unexpected argument "extra"`},
		{"missing config", []string{"--config", filepath.Join(dir, "none.yaml"), "--posts", "1"}, false, "no such file"},
		{"bad driver", []string{"--config", badDriver, "--posts", "1"}, false, `store.driver: unsupported driver "mysql"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, &stdout, &stderr)
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, errUsage) != tt.usage {
				t.Errorf("error %v: usage error %v, want %v", err, errors.Is(err, errUsage), tt.usage)
			}
			if got := err.Error() + stderr.String(); !strings.Contains(got, tt.want) {
				t.Errorf("error and output %q, want %q", got, tt.want)
			}
			if tt.usage && !strings.Contains(stderr.String(), "Usage: feedd-seed") {
				t.Errorf("no usage printed: %q", stderr.String())
			}
		})
	}
	// None of them created or filled the store.
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("the store file exists after refusals: %v", err)
	}
}

func TestRun_Postgres(t *testing.T) {
	dsn, _ := pgtest.Schema(t)
	path := filepath.Join(t.TempDir(), "config.yaml")
	t.Setenv("FEEDD_TEST_SEED_DSN", dsn)
	os.WriteFile(path, []byte("store: {driver: postgres, dsn: \"${FEEDD_TEST_SEED_DSN}\"}\n"), 0o600)
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"--config", path, "--posts", "25", "--comments-per-post", "6"}, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if n := count(t, storeconfig.Config{Driver: "postgres", DSN: dsn}); n != 175 {
		t.Errorf("the store holds %d records, want 175", n)
	}
}
