package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/sqlite"
)

// cliEnv is a config file over a fresh SQLite store for CLI tests.
type cliEnv struct {
	dir, config, db string
}

func newCLIEnv(t *testing.T, demo bool) *cliEnv {
	t.Helper()
	dir := t.TempDir()
	e := &cliEnv{dir: dir, config: filepath.Join(dir, "config.yaml"), db: filepath.Join(dir, "feedd.db")}
	cfg := "store: {driver: sqlite, dsn: " + e.db + "}\n"
	if err := os.WriteFile(e.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	// The store exists, as 'feedd serve' leaves it: the commands
	// refuse to create one.
	st := e.open(t)
	defer st.Close()
	if demo {
		if _, err := seedDemo(t.Context(), st); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func (e *cliEnv) open(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), e.db)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// run runs a feedd command line with the env's config and returns its
// output and error.
func (e *cliEnv) run(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	args = append(args, "--config", e.config)
	err = run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

// lastChange is the store's change-log position: it moves on every write,
// so an unchanged value proves a command wrote nothing.
func (e *cliEnv) lastChange(t *testing.T) int64 {
	t.Helper()
	st := e.open(t)
	defer st.Close()
	n, err := st.LastChange(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCLI_PostLifecycle(t *testing.T) {
	e := newCLIEnv(t, false)
	body := filepath.Join(e.dir, "body.md")
	os.WriteFile(body, []byte("# Hello\n\nSome *Markdown*.\n"), 0o600)

	out, _, err := e.run(t, "", "post", "create", "--title", "First", "--file", body, "--markdown", "--json", "--category", "a", "--category", "b")
	if err != nil {
		t.Fatalf("post create: %v", err)
	}
	var created []feed.Post
	if err := json.Unmarshal([]byte(out), &created); err != nil || len(created) != 1 {
		t.Fatalf("post create --json printed %q (%v)", out, err)
	}
	p := created[0]
	if p.ID == "" || p.Format != feed.FormatMarkdown || p.Title != "First" || len(p.Categories) != 2 {
		t.Errorf("created %+v", p)
	}

	// From standard input, and flags after the positional argument.
	if _, _, err := e.run(t, "<p>Second</p>", "post", "create", "--title", "Second", "--file", "-"); err != nil {
		t.Fatalf("post create from stdin: %v", err)
	}
	out, _, err = e.run(t, "", "post", "edit", p.ID, "--title", "First, edited")
	if err != nil {
		t.Fatalf("post edit: %v", err)
	}
	if !strings.Contains(out, "First, edited") || !strings.Contains(out, "TITLE") {
		t.Errorf("post edit printed %q, want a table with the new title", out)
	}
	out, _, err = e.run(t, "", "post", "list")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Second") || !strings.Contains(out, "First, edited") {
		t.Errorf("post list = %q", out)
	}
	if _, _, err := e.run(t, "", "post", "delete", p.ID); err != nil {
		t.Fatalf("post delete: %v", err)
	}
	out, _, _ = e.run(t, "", "post", "list", "--json")
	var list []feed.Post
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 1 || list[0].Title != "Second" {
		t.Errorf("post list --json after delete = %q (%v)", out, err)
	}
	// Deleting again is an error, not a usage mistake.
	if _, _, err := e.run(t, "", "post", "delete", p.ID); err == nil || errors.Is(err, errUsage) {
		t.Errorf("second delete: %v, want an error", err)
	}
}

func TestCLI_CommentModeration(t *testing.T) {
	e := newCLIEnv(t, true)
	st := e.open(t)
	pending := &feed.Comment{PostID: demoPostID, AuthorName: "New Reader", Content: "first time here", Status: feed.StatusPending}
	if err := st.CreateComment(t.Context(), pending); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out, _, err := e.run(t, "", "comment", "list", "--pending", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var got []feed.Comment
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got) != 1 || got[0].ID != pending.ID {
		t.Fatalf("comment list --pending = %q (%v)", out, err)
	}
	out, _, err = e.run(t, "", "comment", "list")
	if err != nil || !strings.Contains(out, "pending") || !strings.Contains(out, "c1-ruaridh") {
		t.Errorf("comment list = %q (%v)", out, err)
	}
	if _, _, err := e.run(t, "", "comment", "approve", pending.ID); err != nil {
		t.Fatalf("approve: %v", err)
	}
	out, _, _ = e.run(t, "", "comment", "list", "--pending", "--json")
	if strings.TrimSpace(out) != "[]" {
		t.Errorf("pending after approve = %q, want []", out)
	}
	if _, _, err := e.run(t, "", "comment", "delete", "c5-tomas"); err != nil {
		t.Fatalf("comment delete: %v", err)
	}
	st = e.open(t)
	defer st.Close()
	if _, err := st.Comment(t.Context(), "c5-tomas"); feed.ErrorCode(err) != feed.EGONE {
		t.Errorf("deleted comment: %v, want EGONE", err)
	}
}

// TestCLI_BadInput: every mistake prints a message, exits with the right
// status and writes nothing.
func TestCLI_BadInput(t *testing.T) {
	e := newCLIEnv(t, true)
	body := filepath.Join(e.dir, "body.html")
	os.WriteFile(body, []byte("<p>x</p>"), 0o600)
	before := e.lastChange(t)
	for _, tt := range []struct {
		name  string
		args  []string
		usage bool   // exit status 2
		want  string // in the error or stderr
	}{
		{"post without command", []string{"post"}, true, "Usage"},
		{"post unknown command", []string{"post", "frob"}, true, "unknown command"},
		{"create without title", []string{"post", "create", "--file", body}, true, "--title is required"},
		{"create without file", []string{"post", "create", "--title", "T"}, true, "--file is required"},
		{"create bad flag", []string{"post", "create", "--titel", "T"}, true, "flag provided but not defined"},
		{"create stray argument", []string{"post", "create", "--title", "T", "--file", body, "extra"}, true, "unexpected argument"},
		{"create bad date", []string{"post", "create", "--title", "T", "--file", body, "--published", "yesterday"}, true, "--published"},
		{"create missing file", []string{"post", "create", "--title", "T", "--file", filepath.Join(e.dir, "nope.md")}, false, "no such file"},
		{"create empty title", []string{"post", "create", "--title", " ", "--file", body}, false, "title"},
		{"create control chars", []string{"post", "create", "--title", "a\x01b", "--file", body}, false, "control character"},
		{"create bad id", []string{"post", "create", "--title", "T", "--file", body, "--id", "no spaces"}, false, "id"},
		{"create duplicate id", []string{"post", "create", "--title", "T", "--file", body, "--id", demoPostID}, false, demoPostID},
		{"edit without id", []string{"post", "edit", "--title", "T"}, true, "missing argument"},
		{"edit nothing", []string{"post", "edit", demoPostID}, true, "nothing to change"},
		{"edit both formats", []string{"post", "edit", demoPostID, "--markdown", "--html"}, true, "exclude"},
		{"edit unknown", []string{"post", "edit", "nope", "--title", "T"}, false, "not found"},
		{"edit empty title", []string{"post", "edit", demoPostID, "--title", ""}, false, "title"},
		{"delete without id", []string{"post", "delete"}, true, "missing argument"},
		{"delete two ids", []string{"post", "delete", "a", "b"}, true, "unexpected argument"},
		{"delete unknown", []string{"post", "delete", "nope"}, false, "not found"},
		{"list bad limit", []string{"post", "list", "--limit", "0"}, true, "--limit"},
		{"list limit not a number", []string{"post", "list", "--limit", "many"}, true, "invalid value"},
		{"comment without command", []string{"comment"}, true, "Usage"},
		{"comment unknown command", []string{"comment", "frob"}, true, "unknown command"},
		{"approve without id", []string{"comment", "approve"}, true, "missing argument"},
		{"approve unknown", []string{"comment", "approve", "nope"}, false, "not found"},
		{"delete comment unknown", []string{"comment", "delete", "nope"}, false, "not found"},
		{"comment list bad flag", []string{"comment", "list", "--pendng"}, true, "flag provided but not defined"},
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
		t.Errorf("bad commands wrote to the store: change log %d → %d", before, after)
	}
}

// TestCLI_DaemonSeesWrites: a post created with the CLI while the daemon
// runs shows in its feed long before the regenerate sweep.
func TestCLI_DaemonSeesWrites(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "schedule: {regenerate: \"@every 1h\"}\n")
	d := startDaemon(t, cfg, freeAddr(t))
	defer d.stop(t)
	before := get(t, d.base+"/feeds/posts.atom")

	body := filepath.Join(dir, "body.html")
	os.WriteFile(body, []byte("<p>Written by the CLI</p>"), 0o600)
	var out, errb bytes.Buffer
	if err := run(t.Context(), []string{"post", "create", "--config", cfg, "--title", "From the CLI", "--file", body}, strings.NewReader(""), &out, &errb); err != nil {
		t.Fatalf("post create: %v %s", err, errb.String())
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := get(t, d.base+"/feeds/posts.atom")
		if bytes.Contains(got.body, []byte("From the CLI")) {
			if got.etag == before.etag {
				t.Error("ETag did not change")
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the daemon's feed never showed the CLI's post")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestCLI_CommentListAsText: the table shows every comment as the text
// readers see, whether it was given as HTML or as plain text, without
// markup.
func TestCLI_CommentListAsText(t *testing.T) {
	e := newCLIEnv(t, true)
	st := e.open(t)
	for _, c := range []string{"<p>Given <b>as</b> HTML</p>", "given as plain text"} {
		if err := st.CreateComment(t.Context(), &feed.Comment{PostID: demoPostID, AuthorName: "Reader", Content: c}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	out, _, err := e.run(t, "", "comment", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Given as HTML", "given as plain text"} {
		if !strings.Contains(out, want) {
			t.Errorf("comment list does not show %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "<p>") || strings.Contains(out, "<b>") {
		t.Errorf("comment list shows markup:\n%s", out)
	}
}
