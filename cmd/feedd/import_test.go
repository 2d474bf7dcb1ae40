package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

const exportFile = "testdata/blogger-export.atom"

// atomFeed is a small upstream feed of n posts.
func atomFeed(title string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>urn:example:%[1]s</id>
  <title>%[1]s</title>
  <updated>2026-03-0%[2]dT10:00:00Z</updated>
`, title, n)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `  <entry>
    <id>urn:example:%[1]s:%[2]d</id>
    <title>%[1]s post %[2]d</title>
    <link rel="alternate" href="/posts/%[2]d"/>
    <published>2026-03-0%[2]dT10:00:00Z</published>
    <updated>2026-03-0%[2]dT10:00:00Z</updated>
    <author><name>Upstream Author</name></author>
    <content type="html">&lt;p&gt;Body %[2]d&lt;/p&gt;</content>
  </entry>
`, title, i)
	}
	b.WriteString("</feed>\n")
	return b.String()
}

// mirrored returns the live posts of a source, by title.
func mirrored(t *testing.T, e *cliEnv, source string) map[string]*feed.Post {
	t.Helper()
	st := e.open(t)
	defer st.Close()
	posts, err := st.Posts(t.Context(), store.PostFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*feed.Post{}
	for _, p := range posts {
		if p.Origin != nil && p.Origin.Source == source {
			out[p.Title] = p
		}
	}
	return out
}

func TestCLI_ImportFile(t *testing.T) {
	e := newCLIEnv(t, true)
	out, stderr, err := e.run(t, "", "import", exportFile)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	if got, want := strings.TrimSpace(out), "imported 2 posts, 3 comments, 0 unchanged"; got != want {
		t.Errorf("summary = %q, want %q", got, want)
	}
	// Standard error is no terminal here: plain progress lines.
	if !strings.Contains(stderr, "imported 5/5 entries") {
		t.Errorf("progress = %q, want plain lines ending in 5/5", stderr)
	}

	posts := mirrored(t, e, defaultImportSource)
	tides := posts["Spring tides at the old pier"]
	if len(posts) != 2 || tides == nil || posts["Mending nets"] == nil {
		t.Fatalf("imported posts = %v", posts)
	}
	if tides.Origin.ID != "tag:blogger.com,1999:blog-4242.post-1001" || tides.Origin.URL != "https://harbour.example.org/2024/05/spring-tides.html" {
		t.Errorf("origin = %+v", tides.Origin)
	}
	st := e.open(t)
	thread, err := st.Comments(t.Context(), store.CommentFilter{PostID: tides.ID})
	if err != nil {
		t.Fatal(err)
	}
	counts, err := st.SourceCounts(t.Context())
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(thread) != 2 {
		t.Errorf("thread of %s = %d comments, want 2", tides.ID, len(thread))
	}
	if got := counts[defaultImportSource]; got.Posts != 2 || got.Comments != 3 {
		t.Errorf("counts = %+v, want 2 posts and 3 comments", got)
	}

	// Again: nothing changes, nothing is written.
	before := e.lastChange(t)
	out, _, err = e.run(t, "", "import", exportFile)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(out), "imported 0 posts, 0 comments, 5 unchanged"; got != want {
		t.Errorf("second import = %q, want %q", got, want)
	}
	if after := e.lastChange(t); after != before {
		t.Errorf("second import wrote: change log %d → %d", before, after)
	}

	// Under another source name the same entries are new, and --json
	// prints the counts; standard input works as a file.
	in, err := os.ReadFile(exportFile)
	if err != nil {
		t.Fatal(err)
	}
	out, _, err = e.run(t, string(in), "import", "-", "--source", "harbour", "--json")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(strings.Fields(out), ""); got != `{"comments":3,"posts":2,"skipped":0,"unchanged":0}` {
		t.Errorf("import --json = %s", out)
	}
	if n := len(mirrored(t, e, "harbour")); n != 2 {
		t.Errorf("posts of source harbour = %d, want 2", n)
	}
}

func TestCLI_ImportURL(t *testing.T) {
	var agent string
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		agent = r.Header.Get("User-Agent")
		switch r.URL.Path {
		case "/feed.atom":
			w.Header().Set("Content-Type", "application/atom+xml")
			io.WriteString(w, atomFeed("Upstream", 3))
		case "/page.html":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<!doctype html><title>Not a feed</title><p>Hello</p>")
		default:
			http.NotFound(w, r)
		}
	}))
	defer upstream.Close()

	e := newCLIEnv(t, false)
	// The upstream is on loopback: refused unless poll.allow_private.
	_, stderr, err := e.run(t, "", "import", upstream.URL+"/feed.atom", "--source", "upstream")
	if err == nil || !strings.Contains(err.Error()+stderr, "refusing to connect to private address 127.0.0.1") {
		t.Fatalf("import of a loopback URL without allow_private = %v\n%s", err, stderr)
	}
	if !strings.Contains(err.Error(), "poll.allow_private") {
		t.Errorf("the refusal %q does not name poll.allow_private, the key that allows it", err)
	}
	if agent != "" {
		t.Errorf("the refused import reached the upstream (User-Agent %q)", agent)
	}
	e.configure(t, "poll: {allow_private: true}\n")
	out, stderr, err := e.run(t, "", "import", upstream.URL+"/feed.atom", "--source", "upstream")
	if err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	if got, want := strings.TrimSpace(out), "imported 3 posts, 0 comments, 0 unchanged"; got != want {
		t.Errorf("summary = %q, want %q", got, want)
	}
	if !strings.HasPrefix(agent, "feedd/") {
		t.Errorf("User-Agent = %q", agent)
	}
	posts := mirrored(t, e, "upstream")
	p := posts["Upstream post 2"]
	if len(posts) != 3 || p == nil {
		t.Fatalf("imported = %v", posts)
	}
	// Relative links resolve against the feed's URL.
	if want := upstream.URL + "/posts/2"; p.Origin.URL != want {
		t.Errorf("origin URL = %q, want %q", p.Origin.URL, want)
	}
	out, _, err = e.run(t, "", "import", upstream.URL+"/feed.atom", "--source", "upstream")
	if err != nil || strings.TrimSpace(out) != "imported 0 posts, 0 comments, 3 unchanged" {
		t.Errorf("second import = %q, %v", out, err)
	}
}

// TestCLI_ImportBadInput: every mistake prints a message, exits with the
// right status and writes nothing.
func TestCLI_ImportBadInput(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/page.html":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<!doctype html><title>Not a feed</title><p>Hello</p>")
		case "/broken":
			http.Error(w, "oops", http.StatusInternalServerError)
		default:
			http.NotFound(w, r)
		}
	}))
	defer upstream.Close()

	e := newCLIEnv(t, true)
	e.configure(t, "poll: {allow_private: true}\n") // the upstream is on loopback
	garbage := filepath.Join(e.dir, "garbage.xml")
	os.WriteFile(garbage, []byte("this is not a feed <at all"), 0o600)
	empty := filepath.Join(e.dir, "empty.xml")
	os.WriteFile(empty, nil, 0o600)
	before := e.lastChange(t)
	for _, tt := range []struct {
		name  string
		args  []string
		usage bool   // exit status 2
		want  string // in the error or stderr
	}{
		{"no argument", []string{"import"}, true, "missing argument"},
		{"two arguments", []string{"import", exportFile, exportFile}, true, "unexpected argument"},
		{"bad flag", []string{"import", exportFile, "--sauce", "x"}, true, "flag provided but not defined"},
		{"bad source name", []string{"import", exportFile, "--source", "my blog"}, true, "--source"},
		{"empty source name", []string{"import", exportFile, "--source", ""}, true, "--source"},
		{"empty argument", []string{"import", ""}, true, "empty"},
		{"ftp URL", []string{"import", "ftp://example.org/feed.atom"}, true, "unsupported URL scheme"},
		{"missing file", []string{"import", filepath.Join(e.dir, "nope.atom")}, false, "no such file"},
		{"directory", []string{"import", e.dir}, false, "directory"},
		{"not a feed", []string{"import", garbage}, false, "import"},
		{"empty file", []string{"import", empty}, false, "import"},
		{"URL not found", []string{"import", upstream.URL + "/missing"}, false, "404"},
		{"URL failing", []string{"import", upstream.URL + "/broken"}, false, "500"},
		{"URL not a feed", []string{"import", upstream.URL + "/page.html"}, false, "import"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, err := e.run(t, "", tt.args...)
			if err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(err, errUsage); got != tt.usage {
				t.Errorf("usage error = %v, want %v (err %v)", got, tt.usage, err)
			}
			if msg := err.Error() + stderr; !strings.Contains(msg, tt.want) {
				t.Errorf("message %q / %q does not mention %q", err, stderr, tt.want)
			}
		})
	}
	if after := e.lastChange(t); after != before {
		t.Errorf("bad imports wrote to the store: change log %d → %d", before, after)
	}
}

// TestImport_ProgressBar: on a terminal the progress is a bar, not lines.
func TestImport_ProgressBar(t *testing.T) {
	e := newCLIEnv(t, false)
	var out, stderr bytes.Buffer
	c := &cli{stdin: strings.NewReader(""), stdout: &out, stderr: &stderr, isTerminal: func(io.Writer) bool { return true }}
	if err := runImport(t.Context(), []string{exportFile, "--config", e.config}, c); err != nil {
		t.Fatalf("import: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "importing") || strings.Contains(stderr.String(), "imported 5/5") {
		t.Errorf("stderr = %q, want a bar", stderr.String())
	}
	if !strings.Contains(out.String(), "imported 2 posts, 3 comments, 0 unchanged") {
		t.Errorf("stdout = %q", out.String())
	}
}

// TestProgress_Lines checks the pacing of the plain progress lines.
func TestProgress_Lines(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{w: &buf, done: "imported", unit: "entries"}
	for i := 1; i <= 45; i++ {
		p.update(i, 45)
	}
	p.update(45, 45) // a repeat prints nothing
	p.finish(true)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 12 || lines[0] != "imported 4/45 entries" || lines[len(lines)-1] != "imported 45/45 entries" {
		t.Errorf("lines = %q", lines)
	}
}
