package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLI_FindsConfig: run from another directory, a command finds its
// configuration by --config or FEEDD_CONFIG and the store its relative
// store.dsn names beside that file; without either it refuses to create
// an empty store where it runs, and says which path it looked at.
func TestCLI_FindsConfig(t *testing.T) {
	site := t.TempDir()
	cfgPath := filepath.Join(site, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte("store: {driver: sqlite, dsn: data.db}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The store as the daemon leaves it: beside the configuration.
	e := &cliEnv{dir: site, config: cfgPath, db: filepath.Join(site, "data.db")}
	st := e.open(t)
	if _, err := seedDemo(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	st.Close()

	elsewhere := t.TempDir()
	t.Chdir(elsewhere)
	cli := func(env string, args ...string) (string, error) {
		t.Helper()
		t.Setenv("FEEDD_CONFIG", env)
		var out, errb bytes.Buffer
		err := run(context.Background(), args, strings.NewReader(""), &out, &errb)
		return out.String() + errb.String(), err
	}

	for _, tt := range []struct {
		name string
		env  string
		args []string
	}{
		{"--config", "", []string{"post", "list", "--config", cfgPath}},
		{"FEEDD_CONFIG", cfgPath, []string{"post", "list"}},
		{"--config over FEEDD_CONFIG", filepath.Join(elsewhere, "nope.yaml"), []string{"post", "list", "--config", cfgPath}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := cli(tt.env, tt.args...)
			if err != nil {
				t.Fatalf("%v: %v\n%s", tt.args, err, out)
			}
			if !strings.Contains(out, demoPostID) {
				t.Errorf("%v lists no demo post: the store beside %s was not used:\n%s", tt.args, cfgPath, out)
			}
		})
	}

	for _, tt := range []struct {
		name string
		env  string
		args []string
		want []string
	}{
		{"no config here", "", []string{"comment", "list", "--pending"},
			[]string{"no store at feedd.db", "built-in default store.dsn", "--config", "FEEDD_CONFIG"}},
		{"config without its store", "", nil, []string{"no store at " + filepath.Join(elsewhere, "gone.db"), "store.dsn in " + filepath.Join(elsewhere, "gone.yaml")}},
		{"FEEDD_CONFIG missing", filepath.Join(elsewhere, "missing.yaml"), []string{"post", "list"}, []string{"missing.yaml"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if args == nil {
				gone := filepath.Join(elsewhere, "gone.yaml")
				os.WriteFile(gone, []byte("store: {driver: sqlite, dsn: gone.db}\n"), 0o600)
				args = []string{"post", "list", "--config", gone}
			}
			out, err := cli(tt.env, args...)
			if err == nil {
				t.Fatalf("%v: no error\n%s", args, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%v: error %q does not name %q", args, err, w)
				}
			}
			for _, db := range []string{"feedd.db", "gone.db"} {
				if _, err := os.Stat(filepath.Join(elsewhere, db)); err == nil {
					t.Errorf("%v created an empty store %s", args, db)
				}
			}
		})
	}
}

// TestServe_ListenErrors: a bad --addr or listen, or a store directory
// that does not exist, is reported as itself,
// once, naming the flag or key and where it came from, and not again as a
// site.base_url that nobody set.
func TestServe_ListenErrors(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("FEEDD_CONFIG", "")
	cfg := filepath.Join(dir, "c.yaml")
	os.WriteFile(cfg, []byte("listen: localhost\nstore: {dsn: x.db}\n"), 0o600)
	noDir := filepath.Join(dir, "nodir.yaml")
	os.WriteFile(noDir, []byte("listen: 127.0.0.1:0\nstore: {dsn: "+filepath.Join(dir, "missing", "x.db")+"}\n"), 0o600)
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"--addr without a port", []string{"serve", "--addr", "19103"}, `--addr: want HOST:PORT such as localhost:8080 or :8080, got "19103"`},
		{"listen without a port", []string{"serve", "--config", cfg}, cfg + `: listen: want HOST:PORT such as localhost:8080 or :8080, got "localhost"`},
		{"store directory missing", []string{"serve", "--config", noDir}, "store.dsn: cannot create the SQLite database " + filepath.Join(dir, "missing", "x.db") + ": its directory " + filepath.Join(dir, "missing") + " does not exist"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(t.Context(), tt.args, strings.NewReader(""), &out, &out)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "base_url") || strings.Contains(err.Error(), "/dev/null") {
				t.Errorf("error %q blames a key or file that was never set", err)
			}
		})
	}
}
