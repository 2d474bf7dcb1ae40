package deploy_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/feedd/feedd/internal/testutil"
)

// quickStart returns the commands of the README's quick start, in order:
// the indented lines between its markers.
func quickStart(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	const begin, end = "<!-- quick start: run by TestREADME_QuickStart (deploy) -->", "<!-- /quick start -->"
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no quick start between %q and %q", begin, end)
	}
	var cmds []string
	for _, line := range strings.Split(s[i:j], "\n") {
		if cmd, ok := strings.CutPrefix(line, "    "); ok {
			cmds = append(cmds, cmd)
		}
	}
	return cmds
}

// TestREADME_QuickStart runs the README's quick start as a newcomer
// would, command by command, against a live feedd: build the binary,
// start it with the repo's config.yaml and an admin token, post a
// comment (held), find it in the private moderation feed, approve it in
// the inbox at /admin/ (the browser's requests: sign in, then the
// comment's Approve form), and find it in the thread feed. Only the
// address is changed (a free port instead of 8080), through FEEDD_LISTEN.
func TestREADME_QuickStart(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	cmds := quickStart(t)
	if len(cmds) != 5 {
		t.Fatalf("the quick start has %d commands, want 5 (build, serve, post, feed-url, read): %q", len(cmds), cmds)
	}
	build, serve, post, feedURL, read := cmds[0], cmds[1], cmds[2], cmds[3], cmds[4]

	dir := t.TempDir()
	cfg, err := os.ReadFile(filepath.Join(repoRoot, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := append(os.Environ(), "FEEDD_LISTEN="+addr, "FEEDD_CONFIG=", "FEEDD_ADMIN_TOKEN=")
	sh := func(cmdline, wd string) *exec.Cmd {
		c := exec.Command("sh", "-c", strings.ReplaceAll(cmdline, "127.0.0.1:8080", addr))
		c.Dir, c.Env = wd, env
		return c
	}

	// Build: the README's command from the repo root, its binary put in
	// the working directory of the rest.
	if !strings.Contains(build, "-o feedd ") {
		t.Fatalf("build command %q does not write ./feedd", build)
	}
	if out, err := sh(strings.Replace(build, "-o feedd ", "-o "+filepath.Join(dir, "feedd")+" ", 1), repoRoot).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", build, err, out)
	}

	daemon := sh(serve, dir)
	daemon.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // the shell and feedd, stopped as one
	logs := &testutil.LogBuffer{}
	daemon.Stdout, daemon.Stderr = logs, logs
	if err := daemon.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-daemon.Process.Pid, syscall.SIGKILL); daemon.Wait() })
	base := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); ; {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not come up; logs:\n%s", serve, logs)
		}
		time.Sleep(100 * time.Millisecond)
	}

	out, err := sh(post, dir).Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", post, err, out)
	}
	var posted struct{ ID, Status string }
	if err := json.Unmarshal(out, &posted); err != nil || posted.ID == "" || posted.Status != "pending" {
		t.Fatalf("%s answered %s (%v), want a pending comment", post, out, err)
	}
	const text = "Hello from the quick start"
	if strings.Contains(fetch(t, base+"/feeds/posts/lighthouse-logbooks/comments.atom"), text) {
		t.Fatal("the held comment is in the public thread feed")
	}

	out, err = sh(feedURL, dir).Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", feedURL, err, out)
	}
	if u := strings.TrimSpace(string(out)); !strings.HasPrefix(u, base+"/admin/feed/") || !strings.Contains(fetch(t, u), text) {
		t.Fatalf("%s printed %q, whose feed does not carry the held comment", feedURL, u)
	}

	approveInInbox(t, base, tokenOf(t, serve), posted.ID)

	out, err = sh(read, dir).Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", read, err, out)
	}
	if !strings.Contains(string(out), text) {
		t.Fatalf("after approval, %s does not carry the comment:\n%s", read, out)
	}
}

// tokenOf reads the admin token the serve command sets.
func tokenOf(t *testing.T, serve string) string {
	t.Helper()
	m := regexp.MustCompile(`FEEDD_ADMIN_TOKEN=(\S+)`).FindStringSubmatch(serve)
	if m == nil {
		t.Fatalf("the serve command %q sets no FEEDD_ADMIN_TOKEN", serve)
	}
	return m[1]
}

// approveInInbox does what the README asks of the browser: open /admin/,
// sign in with the token, and press Approve on the comment.
func approveInInbox(t *testing.T, base, token, id string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	post := func(path string, form url.Values) string {
		t.Helper()
		resp, err := c.PostForm(base+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: %s\n%s", path, resp.Status, body)
		}
		return string(body)
	}
	page := post("/admin/signin", url.Values{"token": {token}})
	action := "/admin/comments/" + id + "/approve"
	if !strings.Contains(page, `action="`+action+`"`) {
		t.Fatalf("the inbox after sign-in shows no Approve form for %s:\n%s", id, page)
	}
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the inbox has no CSRF token:\n%s", page)
	}
	post(action, url.Values{"csrf": {m[1]}})
}

// fetch GETs u and returns its body, failing the test unless 200.
func fetch(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	io.Copy(&b, resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", u, resp.Status)
	}
	return b.String()
}
