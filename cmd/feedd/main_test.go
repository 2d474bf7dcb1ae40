package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/feedd/feedd/internal/testutil"
)

// TestMain lets the test binary stand in for the feedd binary: with
// FEEDD_RUN_MAIN=1 it runs main with the arguments after "--", so process
// tests (SIGKILL, restart) exercise the real command without a build step.
func TestMain(m *testing.M) {
	if os.Getenv("FEEDD_RUN_MAIN") == "1" {
		for i, a := range os.Args {
			if a == "--" {
				os.Args = append([]string{"feedd"}, os.Args[i+1:]...)
				break
			}
		}
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// daemon is a feedd process started by a test.
type daemon struct {
	cmd  *exec.Cmd
	base string
	logs *testutil.LogBuffer
}

// freeAddr returns a loopback address with a free port.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startDaemon runs 'feedd serve' with the given config file and waits until
// /healthz answers.
func startDaemon(t *testing.T, configPath, addr string, env ...string) *daemon {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "serve", "--config", configPath, "--addr", addr)
	cmd.Env = append(append(os.Environ(), "FEEDD_RUN_MAIN=1"), env...)
	logs := &testutil.LogBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &daemon{cmd: cmd, base: "http://" + addr, logs: logs}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(d.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return d
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("feedd did not come up; logs:\n%s", logs)
	return nil
}

// stop sends SIGTERM and waits for a clean exit.
func (d *daemon) stop(t *testing.T) {
	t.Helper()
	d.cmd.Process.Signal(syscall.SIGTERM)
	if err := d.cmd.Wait(); err != nil {
		t.Fatalf("feedd exited with %v; logs:\n%s", err, d.logs)
	}
}

// kill sends SIGKILL: no shutdown code runs.
func (d *daemon) kill(t *testing.T) {
	t.Helper()
	d.cmd.Process.Kill()
	d.cmd.Wait()
}

// writeConfig writes a config file into dir, which it makes if need be.
func writeConfig(t *testing.T, dir, extra string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.yaml")
	cfg := fmt.Sprintf("site: {title: Test blog, base_url: \"https://blog.example.org\"}\nstore: {driver: sqlite, dsn: %q}\ndemo: true\nlog: {level: warn}\n%s", filepath.Join(dir, "feedd.db"), extra)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

type fetched struct {
	status                   int
	body                     []byte
	contentType, etag, lastM string
}

func get(t *testing.T, url string) fetched {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fetched{resp.StatusCode, body, resp.Header.Get("Content-Type"), resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")}
}

// feedPaths lists the nine feed URLs of the demo blog.
func feedPaths() map[string]string {
	paths := map[string]string{}
	for ext, ct := range map[string]string{"atom": "application/atom+xml", "rss": "application/rss+xml", "json": "application/feed+json"} {
		for _, p := range []string{"/feeds/posts.", "/feeds/comments.", "/feeds/posts/" + demoPostID + "/comments."} {
			paths[p+ext] = ct + "; charset=utf-8"
		}
	}
	return paths
}

// TestServe_DemoRestartIdentical runs the daemon on a fresh store: the demo
// appears, the nine feeds answer with the right Content-Type, and after a
// restart every feed is byte-identical with the same validators.
func TestServe_DemoRestartIdentical(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "")
	addr := freeAddr(t)
	d := startDaemon(t, cfg, addr)
	before := map[string]fetched{}
	for path, ct := range feedPaths() {
		f := get(t, d.base+path)
		if f.status != 200 || f.contentType != ct {
			t.Errorf("GET %s: %d %q, want 200 %q", path, f.status, f.contentType, ct)
		}
		if f.etag == "" || f.lastM == "" {
			t.Errorf("GET %s: missing ETag or Last-Modified", path)
		}
		before[path] = f
	}
	if !bytes.Contains(before["/feeds/posts/"+demoPostID+"/comments.atom"].body, []byte("in-reply-to")) {
		t.Error("demo thread feed has no threading")
	}
	d.stop(t)

	d = startDaemon(t, cfg, addr)
	defer d.stop(t)
	for path, want := range before {
		got := get(t, d.base+path)
		if !bytes.Equal(got.body, want.body) || got.etag != want.etag || got.lastM != want.lastM {
			t.Errorf("GET %s after restart differs (etag %s→%s, last-modified %s→%s)", path, want.etag, got.etag, want.lastM, got.lastM)
		}
	}
}

// TestServe_CommentSurvivesSIGKILL posts a comment, kills the process with
// SIGKILL as soon as the 201 arrives, restarts it and finds the comment.
func TestServe_CommentSurvivesSIGKILL(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "comments: {moderation: none, burst: 10}\n")
	addr := freeAddr(t)
	d := startDaemon(t, cfg, addr)
	var ids []string
	for i := 0; i < 5; i++ {
		body := fmt.Sprintf(`{"author":"Kill Test","content":"<p>survivor %d</p>"}`, i)
		resp, err := http.Post(d.base+"/api/posts/"+demoPostID+"/comments", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 201 {
			t.Fatalf("POST comment: %d %s", resp.StatusCode, b)
		}
		ids = append(ids, string(b))
	}
	d.kill(t)

	d = startDaemon(t, cfg, addr)
	defer d.stop(t)
	thread := get(t, d.base+"/feeds/posts/"+demoPostID+"/comments.atom")
	for i := range ids {
		if !bytes.Contains(thread.body, []byte(fmt.Sprintf("survivor %d", i))) {
			t.Errorf("comment %d lost after SIGKILL", i)
		}
	}
}

// TestServe_BadConfigStops checks that a bad config stops start-up with a
// message naming the key and a non-zero exit.
func TestServe_BadConfigStops(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "feeds: {page_size: -3}\n")
	cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "serve", "--config", cfg, "--addr", freeAddr(t))
	cmd.Env = append(os.Environ(), "FEEDD_RUN_MAIN=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatal("feedd started with a bad config")
	}
	if !strings.Contains(string(out), "feeds.page_size") {
		t.Errorf("output does not name the key: %s", out)
	}
}

// TestRun_Usage covers the command line's usage errors (exit status 2).
func TestRun_Usage(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"frobnicate"},
		{"serve", "--no-such-flag"},
		{"serve", "extra-arg"},
		{"serve", "--config"},
	} {
		var stderr bytes.Buffer
		err := run(context.Background(), args, strings.NewReader(""), io.Discard, &stderr)
		if err != errUsage {
			t.Errorf("run(%q) = %v, want usage error", args, err)
		}
		if !strings.Contains(stderr.String(), "Usage") && !strings.Contains(stderr.String(), "usage") {
			t.Errorf("run(%q) printed no usage: %q", args, stderr.String())
		}
	}
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"serve", "--config", filepath.Join(t.TempDir(), "missing.yaml")}, strings.NewReader(""), io.Discard, &stderr)
	if err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("explicit missing config: %v", err)
	}
}
