package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/store/sqlite"
)

// mentionSink is a remote site whose pages /a, /b and /c advertise its
// endpoint /wm, which passes each Webmention it receives, as
// "source target", to got.
type mentionSink struct {
	srv *httptest.Server
	got chan string
}

func newMentionSink(t *testing.T) *mentionSink {
	s := &mentionSink{got: make(chan string, 100)}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/wm" {
			if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
				http.Error(w, "content type "+ct, http.StatusBadRequest)
				return
			}
			r.ParseForm()
			s.got <- r.PostForm.Get("source") + " " + r.PostForm.Get("target")
			w.WriteHeader(http.StatusAccepted)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<html><head><link rel="webmention" href="/wm"></head><body>%s</body></html>`, r.URL.Path)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// expect waits for n Webmentions (the daemon sends them in the
// background) and checks them, then that no other came with them.
func (s *mentionSink) expect(t *testing.T, d *daemon, want ...string) {
	t.Helper()
	var got []string
	timeout := time.After(30 * time.Second)
	for len(got) < len(want) {
		select {
		case m := <-s.got:
			got = append(got, m)
		case <-timeout:
			t.Fatalf("received %q, want %q; logs:\n%s", got, want, d.logs)
		}
	}
	for i := range want {
		want[i] = strings.ReplaceAll(want[i], "{r}", s.srv.URL)
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("received\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A live feedd sends the Webmentions of posts written through the API and
// through the CLI (another process, which the daemon learns of from the
// change log): a new post tells its links, an edit of its content every
// link it has and the one it dropped. Nothing else arrives: the last
// exchange's mentions would follow any stray one in the channel.
func TestServe_WebmentionSend(t *testing.T) {
	sink := newMentionSink(t)
	dir := t.TempDir()
	const token = "webmention-test-admin-token-0123456789"
	cfg := writeConfig(t, dir, fmt.Sprintf("admin_token: %q\npoll: {allow_private: true}\n", token))
	d := startDaemon(t, cfg, freeAddr(t))

	api := func(method, path string, body any, want int) map[string]any {
		t.Helper()
		return adminAPI(t, d.base, token, method, path, body, want)
	}
	p := api("POST", "/api/posts", map[string]string{"title": "Links", "format": "html",
		"content": fmt.Sprintf(`<p><a href="%[1]s/a">a</a> and <a href="%[1]s/b">b</a></p>`, sink.srv.URL)}, http.StatusCreated)
	id, _ := p["id"].(string)
	src := "https://blog.example.org/posts/" + id
	sink.expect(t, d, src+" {r}/a", src+" {r}/b")

	api("PATCH", "/api/posts/"+id, map[string]string{
		"content": fmt.Sprintf(`<p><a href="%[1]s/a">a</a> and <a href="%[1]s/c">c</a></p>`, sink.srv.URL)}, http.StatusOK)
	// b's link is gone and c's new; a's post changed.
	sink.expect(t, d, src+" {r}/a", src+" {r}/b", src+" {r}/c")

	// The CLI writes to the store from another process.
	body := filepath.Join(dir, "body.html")
	os.WriteFile(body, []byte(fmt.Sprintf(`<a href="%s/b">b from the CLI</a>`, sink.srv.URL)), 0o600)
	cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "post", "create", "--config", cfg, "--id", "cli-post", "--title", "From the CLI", "--file", body)
	cmd.Env = append(os.Environ(), "FEEDD_RUN_MAIN=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("post create: %v\n%s", err, out)
	}
	sink.expect(t, d, "https://blog.example.org/posts/cli-post {r}/b")
	if len(sink.got) != 0 {
		t.Fatalf("more webmentions than expected: %q", <-sink.got)
	}
	d.stop(t)
}

// webmention.send: false (or FEEDD_WEBMENTION_SEND=false) wires no
// sender; it is on by default.
func TestConfig_WebmentionSend(t *testing.T) {
	for _, tc := range []struct {
		file, env string
		want      bool
	}{
		{"", "", true},
		{"webmention: {send: false}\n", "", false},
		{"webmention: {send: true}\n", "", true},
		{"", "false", false},
		{"webmention: {send: false}\n", "true", true},
	} {
		t.Run(fmt.Sprintf("%q,%q", tc.file, tc.env), func(t *testing.T) {
			if tc.env != "" {
				t.Setenv("FEEDD_WEBMENTION_SEND", tc.env)
			}
			cfg, err := ParseConfig(strings.NewReader(tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if err := applyEnv(&cfg); err != nil {
				t.Fatal(err)
			}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "feedd.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			a, err := newApp(cfg, st, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			if got := a.sender != nil; got != tc.want {
				t.Fatalf("sender wired: %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := ParseConfig(strings.NewReader("webmention: {send: maybe}\n")); err == nil {
		t.Fatal("send: maybe accepted")
	}
	if _, err := ParseConfig(strings.NewReader("webmention: {sned: false}\n")); err == nil {
		t.Fatal("an unknown key under webmention accepted")
	}
}
