package schedule_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/internal/testutil"
	"github.com/feedd/feedd/poll"
	"github.com/feedd/feedd/schedule"
	"github.com/feedd/feedd/store/sqlite"
)

// bigFeed is an Atom feed of n small entries, newest first.
func bigFeed(n int, base time.Time) []byte {
	var b bytes.Buffer
	b.Grow(n * 160)
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:big</id><title>Big</title><updated>2026-01-01T00:00:00Z</updated>` + "\n")
	for i := n - 1; i >= 0; i-- {
		at := base.Add(time.Duration(i) * time.Second).UTC().Format(time.RFC3339)
		fmt.Fprintf(&b, "<entry><id>urn:big:%d</id><title>Entry %d</title><published>%s</published><updated>%s</updated><content>x</content></entry>\n", i, i, at, at)
	}
	b.WriteString("</feed>\n")
	return b.Bytes()
}

// gzipBomb is a gzip stream of size MiB of zeros, a member of 1 MiB
// repeated (a reader reads the members as one stream): about a kilobyte on
// the wire per MiB.
func gzipBomb(size int) []byte {
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	zw.Write(make([]byte, 1<<20))
	zw.Close()
	return bytes.Repeat(member.Bytes(), size)
}

// counter counts the requests an httptest upstream got.
type counter struct{ n atomic.Int64 }

// TestSchedule_HostileUpstreams runs the scheduler over 17 sources polled
// every period seconds, as feedd serve does: a 100,000-entry feed, a body
// that trickles a byte at a time, a gzip bomb, and 14 well-behaved blogs.
// From the moment the big upstream starts sending its feed, for window
// periods (its run, fetching, parsing and storing 100,000 entries, goes on
// meanwhile on any machine this runs on), every well-behaved source is
// polled on every scheduled run: each upstream counts at least window-1
// requests (one run may straddle an edge of the window). The bomb's and
// the trickle's failures are recorded by then, not when the big one ends.
func TestSchedule_HostileUpstreams(t *testing.T) {
	if testing.Short() {
		t.Skip("hostile upstreams: not in -short")
	}
	const (
		bigEntries = 100_000
		normals    = 14
		window     = 8 // scheduled runs of each normal source
		period     = 2 // seconds between them
	)
	base := time.Now().Add(-bigEntries * time.Second).Truncate(time.Second)
	big := bigFeed(bigEntries, base)
	bomb := gzipBomb(256) // 256 MiB, over the body limit

	bigStarted := make(chan struct{})
	var bigOnce sync.Once
	mux := http.NewServeMux()
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		bigOnce.Do(func() { close(bigStarted) })
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write(big)
	})
	mux.HandleFunc("/trickle", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write([]byte(`<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>`))
		for {
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
			w.Write([]byte("."))
		}
	})
	mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb)
	})
	hostile := httptest.NewServer(mux)
	defer hostile.Close()

	counts := make([]*counter, normals)
	var normalSrvs []*httptest.Server
	for i := range normals {
		c := &counter{}
		counts[i] = c
		body := fmt.Sprintf(`<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><id>urn:n%d</id><title>N</title>`+
			`<entry><id>urn:n%d:1</id><title>Hello</title><published>2026-01-01T00:00:00Z</published><content>hi</content></entry></feed>`, i, i)
		etag := fmt.Sprintf(`"n%d"`, i)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c.n.Add(1)
			if r.Header.Get("If-None-Match") == etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", etag)
			w.Header().Set("Content-Type", "application/atom+xml")
			w.Write([]byte(body))
		}))
		defer srv.Close()
		normalSrvs = append(normalSrvs, srv)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "feedd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r, err := render.New(render.Options{Title: "t", BaseURL: "https://blog.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	c := cache.New(st, r, cache.Options{}, nil)
	followed := make(chan struct{})
	go func() { defer close(followed); c.Follow(ctx, time.Second) }()
	defer func() { cancel(); <-followed }()

	var bigDone atomic.Bool
	const fetchTimeout = 20 * time.Second // the trickle's end
	p := poll.New(st, poll.Options{
		Timeout:      fetchTimeout,
		MaxBodyBytes: 64 << 20,
		AllowPrivate: true,
		Observe: func(source string, status int, err error) {
			if source == "big" {
				bigDone.Store(true)
			}
		},
	}, slog.New(slog.DiscardHandler))

	every := fmt.Sprintf("@every %ds", period)
	cfg := schedule.Config{Regenerate: "@every 1h", Purge: "@every 1h"}
	for _, s := range []struct{ name, url string }{
		{"big", hostile.URL + "/big"},
		{"trickle", hostile.URL + "/trickle"},
		{"bomb", hostile.URL + "/bomb"},
	} {
		cfg.Sources = append(cfg.Sources, schedule.Source{Source: poll.Source{Name: s.name, URL: s.url}, Schedule: every})
	}
	for i, srv := range normalSrvs {
		cfg.Sources = append(cfg.Sources, schedule.Source{Source: poll.Source{Name: fmt.Sprintf("normal%d", i), URL: srv.URL + "/feed"}, Schedule: every})
	}
	var logs testutil.LogBuffer
	s, err := schedule.New(ctx, st, c, p, nil, cfg, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	s.Start(ctx)
	defer func() { cancel(); <-s.Stop() }()

	testutil.Receive(t, time.Minute, bigStarted, "the big source was not polled")
	// The first polls ran at start-up, and the first scheduled run comes
	// less than 0.9 period after them: it is skipped, as it should (see
	// claimed), and the window starts after it.
	time.Sleep(period * time.Second)
	before := make([]int64, normals)
	for i, c := range counts {
		before[i] = c.n.Load()
	}
	time.Sleep(window * period * time.Second)
	var short []string
	for i, c := range counts {
		if got := c.n.Load() - before[i]; got < window-1 {
			short = append(short, fmt.Sprintf("normal%d: %d", i, got))
		}
	}
	if len(short) > 0 {
		t.Errorf("well-behaved sources polled fewer than %d times in %d scheduled runs while the big one ran (big run done: %v): %s",
			window-1, window, bigDone.Load(), strings.Join(short, ", "))
		t.Logf("scheduler's log:\n%s", logs.String())
	}
	// The bomb failed at once, the trickle fails at its timeout: each
	// is recorded then, whether the big one is still storing or not.
	f, err := st.Fetch(ctx, "bomb", "")
	if err != nil || f.LastError == "" {
		t.Errorf("bomb: fetch state %+v, %v: want its failure recorded", f, err)
	}
	testutil.Eventually(t, 2*fetchTimeout, func() bool {
		f, err := st.Fetch(ctx, "trickle", "")
		return err == nil && strings.Contains(f.LastError, "timeout")
	}, "the trickling source's timeout was not recorded")
}
