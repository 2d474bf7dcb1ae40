package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/feedd/feedd/store/postgres/pgtest"
)

// crashDurationEnv sets how long TestCrash_KillUnderWrites keeps killing
// each engine's daemon (a Go duration; default crashDefaultDuration). The
// test always runs at least crashMinRounds kill rounds.
const (
	crashDurationEnv     = "FEEDD_CRASH_DURATION"
	crashDefaultDuration = 15 * time.Second
	crashMinRounds       = 3
	crashWriters         = 4
	crashToken           = "crash-test-admin-token-0123456789"
)

// TestCrash_KillUnderWrites runs a feedd daemon while several writers post
// posts and comments through the HTTP API, SIGKILLs it at a random moment,
// restarts it, and checks that every id that was ever answered 2xx is
// still there: each post through the API, each comment in its thread
// through the API and in the thread's Atom, RSS and JSON feeds, which must
// parse with gofeed, as must the site's posts and comments feeds. On
// SQLite the file must also pass PRAGMA integrity_check after each kill.
// It repeats for FEEDD_CRASH_DURATION per engine, on SQLite and, when
// FEEDD_TEST_POSTGRES is set, on PostgreSQL.
func TestCrash_KillUnderWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills daemons")
	}
	duration := crashDefaultDuration
	if v := os.Getenv(crashDurationEnv); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("%s=%q: want a positive Go duration", crashDurationEnv, v)
		}
		duration = d
	}
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		db := filepath.Join(dir, "feedd.db")
		crashRounds(t, crashConfig(t, dir, fmt.Sprintf("{driver: sqlite, dsn: %q}", db)), duration, func(t *testing.T) {
			checkIntegrity(t, db)
		})
	})
	t.Run("postgres", func(t *testing.T) {
		dsn, _ := pgtest.Schema(t)
		crashRounds(t, crashConfig(t, t.TempDir(), fmt.Sprintf("{driver: postgres, dsn: %q}", dsn)), duration, nil)
	})
}

// crashConfig writes the config.yaml of a crash test: the store given,
// comments published at once and not rate limited in practice, and pages
// large enough that every thread's head feed holds all its comments.
func crashConfig(t *testing.T, dir, store string) string {
	t.Helper()
	path := filepath.Join(dir, "config.yaml")
	cfg := fmt.Sprintf(`site: {title: Crash test, base_url: "https://blog.example.org"}
store: %s
feeds: {page_size: 500}
log: {level: warn}
comments: {moderation: none, burst: 100000, rate_per_minute: 100000}
`, store)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// acked holds every id the daemons answered 2xx for: posts, and comments
// by the post they are on.
type acked struct {
	mu       sync.Mutex
	posts    []string
	comments map[string][]string
	n        int // comments
}

func (a *acked) post(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.posts = append(a.posts, id)
}

func (a *acked) comment(post, id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.comments[post] = append(a.comments[post], id)
	a.n++
}

// crashRounds runs the kill rounds on the daemon of config until duration
// has passed (and at least crashMinRounds), calling afterKill, when not
// nil, while the daemon is down.
func crashRounds(t *testing.T, config string, duration time.Duration, afterKill func(t *testing.T)) {
	addr := freeAddr(t)
	env := "FEEDD_ADMIN_TOKEN=" + crashToken
	client := &http.Client{Timeout: 30 * time.Second}
	ack := &acked{comments: map[string][]string{}}
	end := time.Now().Add(duration)
	d := startDaemon(t, config, addr, env)
	rounds := 0
	for ; rounds < crashMinRounds || time.Now().Before(end); rounds++ {
		ctx, stop := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for w := range crashWriters {
			wg.Add(1)
			go func() {
				defer wg.Done()
				crashWriter(ctx, client, d.base, ack, fmt.Sprintf("r%dw%d", rounds, w))
			}()
		}
		// Kill at a random moment of the writes: mid-request, most
		// likely, with transactions open.
		time.Sleep(time.Duration(100+rand.IntN(1400)) * time.Millisecond)
		d.kill(t)
		stop()
		wg.Wait()
		if afterKill != nil {
			afterKill(t)
		}
		d = startDaemon(t, config, addr, env)
		checkAcked(t, client, d.base, ack)
		if t.Failed() {
			t.Fatalf("round %d: acknowledged writes lost or feeds broken; logs:\n%s", rounds, d.logs)
		}
	}
	d.stop(t)
	ack.mu.Lock()
	defer ack.mu.Unlock()
	t.Logf("%d kill rounds in %v: %d acknowledged posts and %d acknowledged comments all present after each", rounds, duration, len(ack.posts), ack.n)
	if len(ack.posts) == 0 || ack.n == 0 {
		t.Fatalf("%d posts and %d comments acknowledged: the writers never got through", len(ack.posts), ack.n)
	}
}

// crashWriter posts until ctx ends or the daemon stops answering: a post,
// then a few comments (some replies) on it, and so on, recording every id
// answered 2xx. Refusals other than a lost connection fail nothing here:
// what counts is what was acknowledged.
func crashWriter(ctx context.Context, client *http.Client, base string, ack *acked, name string) {
	for i := 0; ctx.Err() == nil; i++ {
		var p struct {
			ID string `json:"id"`
		}
		body := map[string]any{"title": fmt.Sprintf("Crash %s-%d", name, i), "content": fmt.Sprintf("<p>post %s-%d</p>", name, i), "categories": []string{"crash"}}
		if !crashPost(ctx, client, base+"/api/posts", true, body, &p) {
			return
		}
		ack.post(p.ID)
		var last string
		for j := range 1 + rand.IntN(6) {
			var c struct {
				ID string `json:"id"`
			}
			body := map[string]any{"author": "Writer " + name, "content": fmt.Sprintf("comment %s-%d-%d", name, i, j)}
			if last != "" && j%2 == 1 {
				body["parent_id"] = last
			}
			if !crashPost(ctx, client, base+"/api/posts/"+p.ID+"/comments", false, body, &c) {
				return
			}
			ack.comment(p.ID, c.ID)
			last = c.ID
		}
	}
}

// crashPost posts body as JSON and decodes a 2xx answer into out; false
// when the request failed or the answer was not a 2xx with an id.
func crashPost(ctx context.Context, client *http.Client, url string, admin bool, body, out any) bool {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(b))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	if admin {
		req.Header.Set("Authorization", "Bearer "+crashToken)
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode/100 != 2 {
		return false
	}
	return json.Unmarshal(rb, out) == nil
}

// checkAcked checks every acknowledged id on the restarted daemon at base.
func checkAcked(t *testing.T, client *http.Client, base string, ack *acked) {
	t.Helper()
	ack.mu.Lock()
	posts := append([]string(nil), ack.posts...)
	comments := make(map[string][]string, len(ack.comments))
	for p, ids := range ack.comments {
		comments[p] = append([]string(nil), ids...)
	}
	ack.mu.Unlock()

	fetch := func(path string) []byte {
		t.Helper()
		resp, err := client.Get(base + path)
		if err != nil {
			t.Errorf("GET %s: %v", path, err)
			return nil
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("GET %s: %d, %v", path, resp.StatusCode, err)
			return nil
		}
		return b
	}
	parse := func(path string) *gofeed.Feed {
		t.Helper()
		b := fetch(path)
		if b == nil {
			return nil
		}
		f, err := gofeed.NewParser().Parse(bytes.NewReader(b))
		if err != nil {
			t.Errorf("GET %s: gofeed: %v", path, err)
		}
		return f
	}
	for _, ext := range []string{"atom", "rss", "json"} {
		parse("/feeds/posts." + ext)
		parse("/feeds/comments." + ext)
	}
	for _, id := range posts {
		fetch("/api/posts/" + id)
	}
	for post, ids := range comments {
		var thread struct {
			Comments []struct {
				ID string `json:"id"`
			} `json:"comments"`
		}
		if b := fetch("/api/posts/" + post + "/comments"); b != nil {
			if err := json.Unmarshal(b, &thread); err != nil {
				t.Errorf("thread %s: %v", post, err)
			}
		}
		inAPI := map[string]bool{}
		for _, c := range thread.Comments {
			inAPI[c.ID] = true
		}
		for _, ext := range []string{"atom", "rss", "json"} {
			path := "/feeds/posts/" + post + "/comments." + ext
			f := parse(path)
			if f == nil {
				continue
			}
			var refs strings.Builder
			for _, it := range f.Items {
				fmt.Fprintln(&refs, it.GUID, it.Link)
			}
			for _, id := range ids {
				if !strings.Contains(refs.String(), "#comment-"+id+"\n") && !strings.Contains(refs.String(), "#comment-"+id+" ") {
					t.Errorf("%s: acknowledged comment %s missing", path, id)
				}
			}
		}
		for _, id := range ids {
			if !inAPI[id] {
				t.Errorf("thread %s in the API: acknowledged comment %s missing", post, id)
			}
		}
	}
}

// checkIntegrity runs SQLite's integrity_check on the database file of a
// killed daemon.
func checkIntegrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check = %q, %v; want ok", check, err)
	}
}
