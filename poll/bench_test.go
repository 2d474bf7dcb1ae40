package poll_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedd/feedd/poll"
	"github.com/feedd/feedd/store/sqlite"
)

// BenchmarkPollCycle measures one full cycle over 1,000 sources served by
// one local server on distinct paths, all polled at once as their cron
// jobs would fire, through one Poller with the default options
// (MaxConcurrent 8). Even sources answer their conditional requests with
// 304; odd ones change their newest entry every cycle and answer 200 with
// a new ETag. Every feed has 10 entries. A warm-up cycle stores every
// entry first, so the cycles measured are the steady state: 500 304s, and
// 500 200s each parsed and upserted (10 upserts, 1 of them a change).
//
// It reports the time per cycle (ns/op, and ms/cycle) and peak-heap-MB, the
// largest HeapInuse sampled every millisecond while cycles ran.
func BenchmarkPollCycle(b *testing.B) {
	const sources, entries = 1000, 10
	var cycle atomic.Int64
	base := time.Now().Add(-48 * time.Hour).UTC()
	// Feeds are built up front, so that the server's share of the CPU is
	// small: even ones whole, odd ones in two parts around the revision.
	static := make([]string, sources)
	parts := make([][2]string, sources)
	for i := range sources {
		if i%2 == 0 {
			static[i] = benchFeed(i, entries, base, "")
		} else {
			doc := benchFeed(i, entries, base, "\x00")
			before, after, _ := strings.Cut(doc, "\x00")
			parts[i] = [2]string{before, after}
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/feed/"))
		if err != nil || i < 0 || i >= sources {
			http.NotFound(w, r)
			return
		}
		etag := fmt.Sprintf(`"%d-static"`, i)
		body := static[i]
		if i%2 == 1 {
			n := cycle.Load()
			etag = fmt.Sprintf(`"%d-%d"`, i, n)
			body = parts[i][0] + strconv.FormatInt(n, 10) + parts[i][1]
		}
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write([]byte(body))
	}))
	defer srv.Close()

	st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "feedd.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	p := poll.New(st, poll.Options{AllowPrivate: true}, nil)
	srcs := make([]poll.Source, sources)
	for i := range srcs {
		srcs[i] = poll.Source{Name: fmt.Sprintf("s%04d", i), URL: fmt.Sprintf("%s/feed/%d", srv.URL, i)}
	}
	runCycle := func() {
		var wg sync.WaitGroup
		for _, src := range srcs {
			wg.Go(func() {
				if err := p.Poll(context.Background(), src); err != nil {
					b.Errorf("Poll %s: %v", src.Name, err)
				}
			})
		}
		wg.Wait()
	}
	runCycle() // warm-up: every entry stored once

	// Sample the heap while the cycles run.
	var peak atomic.Uint64
	stop, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	baseline := ms.HeapInuse // the store, the server and its feeds

	firstChange, err := st.LastChange(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		cycle.Add(1)
		runCycle()
	}
	b.StopTimer()
	close(stop)
	<-sampled

	n := float64(b.N)
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/n, "ms/cycle")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(baseline)/(1<<20), "base-heap-MB")
	lastChange, err := st.LastChange(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(lastChange-firstChange)/n, "changes/cycle")
}

// benchFeed returns feed i with its entries; with rev not empty its newest
// entry carries rev in its text, so that each revision changes it.
func benchFeed(i, entries int, base time.Time, rev string) string {
	es := make([]atomEntry, entries)
	for j := range entries {
		at := rfc3339(base.Add(time.Duration(j) * time.Hour))
		es[j] = atomEntry{
			ID: fmt.Sprintf("urn:feed-%d:entry-%d", i, j), Title: fmt.Sprintf("Entry %d of feed %d", j, i),
			Link:    fmt.Sprintf("https://blog%d.example/%d.html", i, j),
			Content: strings.Repeat(fmt.Sprintf(`<p>Paragraph of entry %d with <a href="/x/%d">a link</a>.</p>`, j, j), 20),
			Author:  "Author", Published: at, Updated: at,
		}
	}
	if rev != "" {
		es[entries-1].Content += "<p>revision " + rev + "</p>"
	}
	return atomFeed(fmt.Sprintf("Feed %d", i), es...)
}
