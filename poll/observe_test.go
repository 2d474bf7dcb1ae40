package poll_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedd/feedd/poll"
)

// Options.Observe hears of every polled URL once, with the status and
// error that were recorded: a 200, a 304, a failure.
func TestPoll_Observe(t *testing.T) {
	u := newUpstream(t)
	published := rfc3339(time.Now().Add(-time.Hour))
	body := atomFeed("Blog", atomEntry{ID: "urn:p1", Title: "First", Content: "<p>one</p>", Published: published, Updated: published})
	var fail atomic.Bool
	u.handle("/feed", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case fail.Load():
			http.Error(w, "down", http.StatusInternalServerError)
		case r.Header.Get("If-None-Match") == `"v1"`:
			w.WriteHeader(http.StatusNotModified)
		default:
			w.Header().Set("ETag", `"v1"`)
			w.Header().Set("Content-Type", "application/atom+xml")
			fmt.Fprint(w, body)
		}
	})
	type call struct {
		source string
		status int
		failed bool
	}
	var (
		mu    sync.Mutex
		calls []call
	)
	e := newEnv(t, poll.Options{Observe: func(source string, status int, err error) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, call{source, status, err != nil})
	}})
	src := poll.Source{Name: "blog", URL: u.url("/feed")}
	ctx := context.Background()
	if err := e.p.Poll(ctx, src); err != nil {
		t.Fatal(err)
	}
	if err := e.p.Poll(ctx, src); err != nil {
		t.Fatal(err)
	}
	fail.Store(true)
	if err := e.p.Poll(ctx, src); err == nil {
		t.Fatal("Poll of a failing upstream: no error")
	}
	// A stopped poll is not an outcome.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_ = e.p.Poll(cctx, src)

	want := []call{{"blog", 200, false}, {"blog", 304, false}, {"blog", 500, true}}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(calls) != fmt.Sprint(want) {
		t.Errorf("Observe calls = %v, want %v", calls, want)
	}
}
