package main

import (
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/feedd/feedd/server"
)

func TestCLI_AdminFeedURL(t *testing.T) {
	e := newCLIEnv(t, false)
	cfg := "store: {driver: sqlite, dsn: " + e.db + "}\nsite: {base_url: \"https://blog.example.org/\", title: Blog}\n"
	if err := os.WriteFile(e.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	url := regexp.MustCompile(`^https://blog\.example\.org/admin/feed/([a-z2-7]+)\.atom\n$`)

	out, errOut, err := e.run(t, "", "admin", "feed-url")
	if err != nil {
		t.Fatalf("feed-url: %v; stderr %s", err, errOut)
	}
	m := url.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("feed-url printed %q", out)
	}
	key := m[1]
	st := e.open(t)
	stored, err := st.Secret(t.Context(), server.ModerationSecret, false)
	st.Close()
	if err != nil || stored != key {
		t.Fatalf("store's key = %q, %v; printed %q", stored, err, key)
	}

	// The same key again.
	if again, _, err := e.run(t, "", "admin", "feed-url"); err != nil || again != out {
		t.Errorf("second feed-url = %q, %v; want %q", again, err, out)
	}

	// --json.
	jout, _, err := e.run(t, "", "admin", "feed-url", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var j struct {
		URL     string `json:"url"`
		Rotated bool   `json:"rotated"`
	}
	if err := json.Unmarshal([]byte(jout), &j); err != nil || j.URL+"\n" != out || j.Rotated {
		t.Errorf("--json = %s (%v), want url %q", jout, err, out)
	}

	// --rotate: a new key, stored, and kept afterwards.
	rot, _, err := e.run(t, "", "admin", "feed-url", "--rotate")
	if err != nil {
		t.Fatal(err)
	}
	m = url.FindStringSubmatch(rot)
	if m == nil || m[1] == key {
		t.Fatalf("--rotate printed %q (old key %q)", rot, key)
	}
	if after, _, err := e.run(t, "", "admin", "feed-url"); err != nil || after != rot {
		t.Errorf("feed-url after --rotate = %q, %v; want %q", after, err, rot)
	}
}

func TestCLI_AdminBadInput(t *testing.T) {
	e := newCLIEnv(t, false)
	for _, args := range [][]string{
		{"admin"},
		{"admin", "nope"},
		{"admin", "feed-url", "stray"},
		{"admin", "feed-url", "--bogus"},
		{"admin", "feed-url", "--rotate=maybe"},
	} {
		before := e.lastChange(t)
		out, errOut, err := e.run(t, "", args...)
		if !errors.Is(err, errUsage) {
			t.Errorf("%q: err = %v, want a usage error", args, err)
		}
		if out != "" || !strings.Contains(errOut, "Usage") {
			t.Errorf("%q: stdout %q, stderr %q", args, out, errOut)
		}
		if e.lastChange(t) != before {
			t.Errorf("%q wrote to the store", args)
		}
	}
	// Help is no error.
	if out, _, err := e.run(t, "", "admin", "--help"); !errors.Is(err, errHelp) || !strings.Contains(out, "feed-url") {
		t.Errorf("admin --help: %q, %v", out, err)
	}
}
