package main

import (
	"bytes"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/feedd/feedd/store/sqlite"
)

// TestPurge_TombstoneLeavesAfterWindow: a deleted comment's tombstone is in
// the Atom feeds while the tombstone window lasts, and the scheduled purge
// removes it, and the row, once the window has passed.
func TestPurge_TombstoneLeavesAfterWindow(t *testing.T) {
	cfg := DefaultConfig()
	a, st := newDemoApp(t, cfg)
	sched, err := a.newScheduler(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := a.server.Handler()
	fetch := func(path string) []byte {
		t.Helper()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		body, _ := io.ReadAll(w.Result().Body)
		return body
	}
	thread := "/feeds/posts/" + demoPostID + "/comments.atom"
	tombstone := []byte(`ref="` + a.renderer.CommentURL(demoPostID, "c4-mei") + `"`)

	if _, err := st.DeleteComment(t.Context(), "c4-mei"); err != nil {
		t.Fatal(err)
	}
	// The daemon learns of the write through the change log.
	if err := a.cache.Sync(t.Context(), 0); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{thread, "/feeds/comments.atom"} {
		if !bytes.Contains(fetch(path), tombstone) {
			t.Fatalf("%s has no tombstone for the deleted comment", path)
		}
	}

	// Within the window the purge keeps it.
	if err := sched.Purge(t.Context(), time.Now().Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(fetch(thread), tombstone) {
		t.Fatal("tombstone purged inside the window")
	}
	// After the window it goes, from the cached feeds too.
	if err := sched.Purge(t.Context(), time.Now().Add(time.Duration(cfg.Feeds.TombstoneDays+1)*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{thread, "/feeds/comments.atom"} {
		if bytes.Contains(fetch(path), tombstone) {
			t.Errorf("%s still has the tombstone after the window", path)
		}
	}
	if _, err := st.Comment(t.Context(), "c4-mei"); err == nil {
		t.Error("purged comment still readable")
	}
}

// newDemoApp returns the daemon's parts for cfg, without its listener and
// jobs, over a new SQLite store in a temporary directory holding the demo
// blog.
func newDemoApp(t *testing.T, cfg Config) (*app, *sqlite.DB) {
	t.Helper()
	cfg.Store.DSN = t.TempDir() + "/feedd.db"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(t.Context(), cfg.Store.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := seedDemo(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	a, err := newApp(cfg, st, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return a, st
}
