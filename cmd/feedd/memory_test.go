package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/sqlite"
)

// TestMemoryBudget starts a real feedd with a cache budget over a store
// of many threads and has a crawler request every thread feed once, then
// many distinct query strings, and checks that the daemon's resident
// memory at its peak (VmHWM) stays under the budget plus memoryOverhead,
// and that the cache kept within its budget (/metrics). With
// FEEDD_MEMORY_TEST=1 it is the case, which takes minutes: 100,000
// threads of 10 comments, cache.max_bytes: 64MiB, 100,000 thread feeds and
// 10,000 query strings; without, a small one: 2,000 threads in a 1 MiB
// budget. FEEDD_MEMORY_TEST_DB names a SQLite file seeded by an earlier
// run to copy instead of seeding.
func TestMemoryBudget(t *testing.T) {
	threads, comments, queries, budget := 2000, 10, 500, int64(1<<20)
	if os.Getenv("FEEDD_MEMORY_TEST") == "1" {
		threads, queries, budget = 100_000, 10_000, 64<<20
	} else if testing.Short() {
		t.Skip("starts a daemon")
	}
	if raceEnabled {
		t.Skip("the race detector's shadow memory would be measured")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc to read resident memory from")
	}
	dir := t.TempDir()
	start := time.Now()
	var ids []string
	if src := os.Getenv("FEEDD_MEMORY_TEST_DB"); src != "" {
		// A copy of a store this test seeded before (threads of p0, p1,
		// ...), to skip the minutes of seeding.
		if err := exec.Command("cp", src, filepath.Join(dir, "feedd.db")).Run(); err != nil {
			t.Fatal(err)
		}
		for i := range threads {
			ids = append(ids, "p"+strconv.Itoa(i))
		}
	} else {
		ids = seedThreads(t, filepath.Join(dir, "feedd.db"), threads, comments)
	}
	t.Logf("seeded %d threads of %d comments in %v", threads, comments, time.Since(start).Round(time.Millisecond))

	cfg := writeConfig(t, dir, fmt.Sprintf("cache: {max_bytes: %d}\n", budget))
	d := startDaemon(t, cfg, freeAddr(t))
	pid := d.cmd.Process.Pid
	idle := procStatus(t, pid)

	var paths []string
	for _, id := range ids {
		paths = append(paths, "/feeds/posts/"+id+"/comments.atom")
	}
	nThreads := len(paths)
	for i := range queries {
		// Distinct query strings over the three feeds, each a document of
		// its own (Blogger's parameters).
		id := ids[i%len(ids)]
		switch i % 3 {
		case 0:
			paths = append(paths, fmt.Sprintf("/feeds/posts.atom?start-index=%d&max-results=%d", i+1, 10+i%20))
		case 1:
			paths = append(paths, fmt.Sprintf("/feeds/posts/%s/comments.rss?start-index=2&max-results=%d", id, 1+i%7))
		default:
			paths = append(paths, fmt.Sprintf("/feeds/posts/%s/comments.json?max-results=%d", id, 1+i%9))
		}
	}

	// The crawler: four connections, every answer read whole.
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	start = time.Now()
	for range 4 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(paths) || failed.Load() != nil {
					return
				}
				resp, err := client.Get(d.base + paths[i])
				if err != nil {
					failed.Store(err.Error())
					return
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 {
					failed.Store(fmt.Sprintf("GET %s: %d %v", paths[i], resp.StatusCode, err))
					return
				}
			}
		})
	}
	wg.Wait()
	if f := failed.Load(); f != nil {
		t.Fatalf("crawl: %v; logs:\n%s", f, d.logs)
	}
	elapsed := time.Since(start)
	after := procStatus(t, pid)

	m := scrapeMetrics(t, d.base)
	held, max, evictions := m["feedd_cache_bytes"], m["feedd_cache_max_bytes"], m["feedd_cache_evictions_total"]
	t.Logf("%d thread feeds and %d query strings in %v; cache %.1f MiB held of %.0f MiB, %.0f documents, %.0f evictions",
		nThreads, queries, elapsed.Round(time.Millisecond), held/(1<<20), max/(1<<20), m["feedd_cache_entries"], evictions)
	t.Logf("resident memory: idle %.1f MiB; after the crawl %.1f MiB, peak (VmHWM) %.1f MiB; limit %d MiB (budget) + %d MiB (overhead); Go heap in use %.1f MiB",
		mib(idle["VmRSS"]), mib(after["VmRSS"]), mib(after["VmHWM"]), budget>>20, memoryOverhead>>20, m["go_memstats_heap_inuse_bytes"]/(1<<20))
	if max != float64(budget) {
		t.Errorf("feedd_cache_max_bytes %v, want the configured %d", max, budget)
	}
	if held > max || evictions == 0 {
		t.Errorf("the cache holds %v bytes of a %v budget after %v evictions", held, max, evictions)
	}
	if limit := budget + memoryOverhead; after["VmHWM"] >= limit {
		t.Errorf("peak resident memory %.1f MiB, over the budget plus overhead (%d MiB)", mib(after["VmHWM"]), limit>>20)
	}
	d.stop(t)
}

// seedThreads fills a new SQLite store at path through its bulk path
// (store.Copier.Load) with threads posts of comments comments each, some
// of them replies, and returns the post ids.
func seedThreads(t *testing.T, path string, threads, comments int) []string {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	ids := make([]string, 0, threads)
	recs := make([]store.Record, 0, 50_000)
	flush := func() {
		if err := db.Load(ctx, recs); err != nil {
			t.Fatal(err)
		}
		recs = recs[:0]
	}
	body := strings.Repeat("<p>A paragraph of a post, long enough to look like one.</p>", 6)
	text := strings.Repeat("A comment of some length, as readers write them. ", 5)
	for i := range threads {
		id := "p" + strconv.Itoa(i)
		ids = append(ids, id)
		pub := t0.Add(time.Duration(i) * time.Minute)
		recs = append(recs, store.Record{Post: &store.PostRecord{Post: feed.Post{
			ID: id, Title: "Post number " + strconv.Itoa(i), Content: body, Format: feed.FormatHTML,
			AuthorName: "Author", Categories: []string{"feeds"}, Published: pub, Updated: pub,
		}}})
		for j := range comments {
			parent := ""
			if j%3 == 2 {
				parent = id + "c" + strconv.Itoa(j-1)
			}
			cp := pub.Add(time.Duration(j+1) * time.Second)
			recs = append(recs, store.Record{Comment: &store.CommentRecord{Comment: feed.Comment{
				ID: id + "c" + strconv.Itoa(j), PostID: id, ParentID: parent, AuthorName: "Reader " + strconv.Itoa(j),
				Content: text, Status: feed.StatusApproved, Published: cp, Updated: cp,
			}}})
		}
		if len(recs) >= 50_000 {
			flush()
		}
	}
	flush()
	return ids
}

// procStatus returns the sizes (in bytes) of /proc/<pid>/status: VmRSS,
// VmHWM and the others given in kB.
func procStatus(t *testing.T, pid int) map[string]int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := make(map[string]int64)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		fields := strings.Fields(rest)
		if !ok || len(fields) != 2 || fields[1] != "kB" {
			continue
		}
		if n, err := strconv.ParseInt(fields[0], 10, 64); err == nil {
			m[name] = n << 10
		}
	}
	return m
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// scrapeMetrics returns the unlabelled samples of the daemon's /metrics.
func scrapeMetrics(t *testing.T, base string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	m := make(map[string]float64)
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.Contains(line, "{") {
			continue
		}
		name, v, ok := strings.Cut(line, " ")
		if f, err := strconv.ParseFloat(v, 64); ok && err == nil {
			m[name] = f
		}
	}
	return m
}
