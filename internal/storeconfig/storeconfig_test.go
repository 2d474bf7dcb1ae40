package storeconfig_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedd/feedd/internal/storeconfig"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoad(t *testing.T) {
	t.Setenv("FEEDD_TEST_SEED_DB", "/var/lib/feedd/blog.db")
	for _, tt := range []struct {
		name, text string
		want       storeconfig.Config
	}{
		{"empty file", "", storeconfig.Default()},
		{"no store section", "site: {title: Blog}\nfeeds: {page_size: 10}\n", storeconfig.Default()},
		{"sqlite", "store: {driver: sqlite, dsn: other.db}\n", storeconfig.Config{Driver: "sqlite", DSN: "other.db"}},
		{"dsn only", "store:\n  dsn: only.db\n", storeconfig.Config{Driver: "sqlite", DSN: "only.db"}},
		{"variable", "store: {dsn: \"${FEEDD_TEST_SEED_DB}\"}\n", storeconfig.Config{Driver: "sqlite", DSN: "/var/lib/feedd/blog.db"}},
		{"postgres", "store: {driver: postgres, dsn: \"postgres://u@db/x?search_path=s\"}\n",
			storeconfig.Config{Driver: "postgres", DSN: "postgres://u@db/x?search_path=s"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := storeconfig.Load(writeConfig(t, tt.text))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Load = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestLoad_Errors(t *testing.T) {
	for _, tt := range []struct{ name, text, want string }{
		{"bad driver", "store: {driver: mysql, dsn: x}\n", `store.driver: unsupported driver "mysql"`},
		{"empty sqlite dsn", "store: {driver: sqlite, dsn: \"\"}\n", "store.dsn: must name the SQLite database file"},
		{"unset variable", "store: {driver: postgres, dsn: \"${FEEDD_TEST_NO_SUCH_VAR}\"}\n", "store.dsn: line 1: ${FEEDD_TEST_NO_SUCH_VAR} is not set"},
		{"unset variable, empty default", "store: {driver: postgres, dsn: \"${FEEDD_TEST_NO_SUCH_VAR:-}\"}\n", "store.dsn: must name the PostgreSQL database"},
		{"bad url", "store: {driver: postgres, dsn: \"postgres://u:hunter22@db:port/x\"}\n", "store.dsn: "},
		{"not yaml", "store: [\n", "config.yaml"},
		{"store not a mapping", "store: 3\n", "store:"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := storeconfig.Load(writeConfig(t, tt.text))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter22") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
	if _, err := storeconfig.Load(filepath.Join(t.TempDir(), "missing.yaml")); !os.IsNotExist(err) {
		t.Errorf("missing file: error %v, want not-exist", err)
	}
}

func TestOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "feedd.db")
	st, err := storeconfig.Open(context.Background(), storeconfig.Config{Driver: "sqlite", DSN: path})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n, err := st.CountRecords(context.Background()); err != nil || n != 0 {
		t.Errorf("CountRecords = %d, %v; want 0", n, err)
	}
	if _, err := storeconfig.Open(context.Background(), storeconfig.Config{Driver: "oracle", DSN: "x"}); err == nil {
		t.Error("Open of an unknown driver: no error")
	}
}

func TestDescribe(t *testing.T) {
	for _, tt := range []struct {
		c    storeconfig.Config
		want string
	}{
		{storeconfig.Config{Driver: "sqlite", DSN: "a/b.db"}, "sqlite:a/b.db"},
		{storeconfig.Config{Driver: "postgres", DSN: "postgres://u:hunter22@db/x"}, "postgres://u:xxxxx@db/x"},
		{storeconfig.Config{Driver: "postgres", DSN: "host=db password=hunter22"}, "postgres"},
	} {
		if got := storeconfig.Describe(tt.c); got != tt.want {
			t.Errorf("Describe(%+v) = %q, want %q", tt.c, got, tt.want)
		}
	}
}
