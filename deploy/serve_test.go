package deploy_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/internal/testutil"
	"github.com/feedd/feedd/store/postgres/pgtest"
)

// The image's configuration, as the binary reads it: it starts, serves
// its feeds and answers /healthz and /readyz. (Only the database path
// moves from the volume to a temporary directory.)
func TestServe_ImageConfig(t *testing.T) {
	b, err := os.ReadFile("config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	text := strings.Replace(string(b), "dsn: /data/feedd.db", "dsn: "+filepath.Join(dir, "feedd.db"), 1)
	config := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(config, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	d := startFeedd(t, config, "FEEDD_BASE_URL=https://blog.example.org", "FEEDD_ADMIN_TOKEN=0123456789abcdef-deploy")
	d.check(t)
	if got := d.get(t, "/feeds/posts.atom"); !strings.Contains(got, "https://blog.example.org/feeds/posts") {
		t.Errorf("the posts feed does not use FEEDD_BASE_URL:\n%s", got)
	}
}

// The replicas' configuration, against the test's PostgreSQL: the DSN
// comes from FEEDD_DSN, as compose.yaml sets it.
func TestServe_PostgresConfig(t *testing.T) {
	base := pgtest.BaseDSN(t)
	schema := pgtest.NewSchema(t, base)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	d := startFeedd(t, "config.postgres.yaml", "FEEDD_DSN="+u.String(), "FEEDD_BASE_URL=http://localhost:8081")
	d.check(t)
}

// feedd is a running 'feedd serve'.
type feedd struct {
	addr   string
	cmd    *exec.Cmd
	stderr *testutil.LogBuffer
}

// startFeedd runs the binary with the configuration file and environment
// variables on a free loopback port until the test ends, then stops it
// with SIGINT (handled as SIGTERM, which docker stop and systemctl stop
// send) and expects a clean exit.
func startFeedd(t *testing.T, config string, env ...string) *feedd {
	t.Helper()
	bin := feeddBinary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	abs, err := filepath.Abs(config)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--config", abs, "--addr", addr)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), env...)
	d := &feedd{addr: addr, cmd: cmd, stderr: &testutil.LogBuffer{}}
	cmd.Stderr = d.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var waitErr error
	exited := make(chan struct{})
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
			return // it failed at start, which was reported
		default:
		}
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
			if waitErr != nil {
				t.Errorf("feedd exited with %v after SIGINT:\n%s", waitErr, d.stderr)
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("feedd did not stop within 30s of SIGINT:\n%s", d.stderr)
		}
	})

	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-exited:
			t.Fatalf("feedd exited at start: %v\n%s", waitErr, d.stderr)
		default:
		}
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return d
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("feedd did not answer /healthz within 30s:\n%s", d.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// get returns the body of a 200 answer to GET path.
func (d *feedd) get(t *testing.T, path string) string {
	t.Helper()
	resp, err := http.Get("http://" + d.addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d %s (%v)\n%s", path, resp.StatusCode, b, err, d.stderr)
	}
	return string(b)
}

// check asks what an orchestrator and a reader would: alive, ready, the
// feeds; and the healthcheck command the Dockerfile's HEALTHCHECK runs.
func (d *feedd) check(t *testing.T) {
	t.Helper()
	d.get(t, "/healthz")
	d.get(t, "/readyz")
	d.get(t, "/feeds/posts.atom")

	bin := feeddBinary(t)
	if out, _ := exec.Command(bin, "help").CombinedOutput(); !strings.Contains(string(out), "healthcheck") {
		t.Errorf("feedd help lists no healthcheck command, which the Dockerfile's HEALTHCHECK runs:\n%s", out)
	}
	if out, err := exec.Command(bin, "healthcheck", "--addr", d.addr).CombinedOutput(); err != nil {
		t.Errorf("feedd healthcheck --addr %s: %v\n%s", d.addr, err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	if out, err := exec.Command(bin, "healthcheck", "--addr", dead).CombinedOutput(); err == nil {
		t.Errorf("feedd healthcheck of a closed port succeeded:\n%s", out)
	}
}

// The systemd unit's production configuration: not the demo (no demo
// post), served with the base URL from the environment file, and refused
// with a message naming FEEDD_BASE_URL when that is missing.
func TestServe_SystemdConfig(t *testing.T) {
	b, err := os.ReadFile("config.systemd.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	text := strings.Replace(string(b), "dsn: /var/lib/feedd/feedd.db", "dsn: "+filepath.Join(dir, "feedd.db"), 1)
	if text == string(b) {
		t.Fatal("config.systemd.yaml keeps its database elsewhere than /var/lib/feedd/feedd.db (StateDirectory=feedd)")
	}
	config := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(config, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	refused := exec.CommandContext(ctx, feeddBinary(t), "serve", "--config", config, "--addr", "127.0.0.1:0")
	refused.Env = []string{"PATH=" + os.Getenv("PATH")} // no FEEDD_BASE_URL
	out, err := refused.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "FEEDD_BASE_URL") {
		t.Errorf("without FEEDD_BASE_URL: %v\n%s\nwant a refusal naming FEEDD_BASE_URL", err, out)
	}

	d := startFeedd(t, config, "FEEDD_BASE_URL=https://blog.example.org", "FEEDD_ADMIN_TOKEN=0123456789abcdef-systemd")
	d.check(t)
	got := d.get(t, "/feeds/posts.atom")
	if !strings.Contains(got, "https://blog.example.org/feeds/posts") {
		t.Errorf("the posts feed does not use FEEDD_BASE_URL:\n%s", got)
	}
	if strings.Contains(got, "lighthouse-logbooks") {
		t.Errorf("the production configuration serves the demo blog:\n%s", got)
	}
}
