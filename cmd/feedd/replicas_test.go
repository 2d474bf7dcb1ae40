package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedd/feedd/store/postgres/pgtest"
)

// countingUpstream is an upstream blog that counts the requests for its
// feed and notes when the last one came.
type countingUpstream struct {
	mu       sync.Mutex
	requests int
	at       time.Time
}

func (u *countingUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/feed.atom" {
		http.NotFound(w, r)
		return
	}
	u.mu.Lock()
	u.requests++
	u.at = time.Now()
	u.mu.Unlock()
	w.Header().Set("Content-Type", "application/atom+xml")
	io.WriteString(w, atomFeed("Upstream", 2))
}

// state returns the number of feed requests and when the last one came.
func (u *countingUpstream) state() (int, time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.requests, u.at
}

// pollClaims counts the runs of the source's poll that d claimed, from its
// debug log.
func pollClaims(d *daemon) int {
	return strings.Count(d.logs.String(), `msg="scheduled job claimed" job=poll:upstream`)
}

// writeReplicaConfig writes the config.yaml of the replicas on the
// PostgreSQL store dsn (each gets its own listen address from
// startDaemon), with a source polled every second. The debug log tells
// which replica claims each poll.
func writeReplicaConfig(t *testing.T, dsn, sourceURL string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	cfg := fmt.Sprintf(`site: {title: Test blog, base_url: "https://blog.example.org"}
store: {driver: postgres, dsn: %q}
demo: true
log: {level: debug}
comments: {moderation: none, burst: 20, rate_per_minute: 600}
sources:
  - {name: upstream, url: %q, schedule: "@every 1s"}
poll: {allow_private: true}
`, dsn, sourceURL)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// postComment posts a comment through d's API and fails the test unless it
// was published (201).
func postComment(t *testing.T, d *daemon, text string) {
	t.Helper()
	body := fmt.Sprintf(`{"author":"Replica Test","content":%q}`, text)
	resp, err := http.Post(d.base+"/api/posts/"+demoPostID+"/comments", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST comment to %s: %d %s", d.base, resp.StatusCode, b)
	}
}

// TestReplicas_Postgres runs two feedd daemons on one PostgreSQL schema,
// behind no balancer: a comment posted through either shows in the other's
// cached thread feed within a second; a source configured on both is
// polled once per period, not twice; and when one is killed the other
// polls it within a period.
func TestReplicas_Postgres(t *testing.T) {
	dsn, _ := pgtest.Schema(t)
	up := &countingUpstream{}
	upstream := httptest.NewServer(up)
	defer upstream.Close()

	config := writeReplicaConfig(t, dsn, upstream.URL+"/feed.atom")
	a := startDaemon(t, config, freeAddr(t))
	b := startDaemon(t, config, freeAddr(t))
	replicas := map[string]*daemon{"a": a, "b": b}
	thread := "/feeds/posts/" + demoPostID + "/comments.atom"
	shows := func(d *daemon, text string) bool {
		f := get(t, d.base+thread)
		return f.status == 200 && bytes.Contains(f.body, []byte(text))
	}

	// Each replica caches the thread; a probe through A that B shows
	// proves B follows the store.
	get(t, a.base+thread)
	get(t, b.base+thread)
	postComment(t, a, "probe through A")
	deadline := time.Now().Add(15 * time.Second)
	for !shows(b, "probe through A") {
		if time.Now().After(deadline) {
			t.Fatalf("B never showed a comment posted through A; logs:\n%s\n%s", a.logs, b.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}

	t.Run("cache coherence", func(t *testing.T) {
		for i, names := range []string{"ab", "ba", "ab"} {
			from, to := replicas[names[:1]], replicas[names[1:]]
			text := fmt.Sprintf("comment %d through %s", i, names[:1])
			if !bytes.Contains(get(t, to.base+thread).body, []byte("probe through A")) {
				t.Fatal("the thread is not cached")
			}
			start := time.Now()
			postComment(t, from, text)
			for !shows(to, text) {
				if time.Since(start) > time.Second {
					t.Fatalf("%s did not show the comment posted through %s within a second", names[1:], names[:1])
				}
				time.Sleep(10 * time.Millisecond)
			}
			t.Logf("%s showed the comment posted through %s after %v", names[1:], names[:1], time.Since(start).Round(time.Millisecond))
		}
	})

	t.Run("one poll per period", func(t *testing.T) {
		deadline := time.Now().Add(15 * time.Second)
		for n, _ := up.state(); n == 0; n, _ = up.state() {
			if time.Now().After(deadline) {
				t.Fatalf("the source was never polled; logs:\n%s\n%s", a.logs, b.logs)
			}
			time.Sleep(50 * time.Millisecond)
		}
		const periods = 5
		before, _ := up.state()
		claimsA, claimsB := pollClaims(a), pollClaims(b)
		time.Sleep(periods * time.Second)
		after, _ := up.state()
		n := after - before
		claimsA, claimsB = pollClaims(a)-claimsA, pollClaims(b)-claimsB
		t.Logf("%d feed requests in %d periods; runs claimed by a: %d, b: %d", n, periods, claimsA, claimsB)
		if n > periods+1 || float64(n) >= 1.5*periods {
			t.Errorf("%d feed requests in %d periods: more than one poll per period", n, periods)
		}
		if n < 2 {
			t.Errorf("%d feed requests in %d periods: the source is hardly polled", n, periods)
		}
		if claimsA+claimsB != n {
			t.Errorf("%d runs claimed, %d requests: want one request per claimed run", claimsA+claimsB, n)
		}
	})

	t.Run("takeover", func(t *testing.T) {
		// Kill the replica that made a poll right after it, so that the
		// other must take the job over from a fresh claim.
		var victim string
		deadline := time.Now().Add(10 * time.Second)
		for victim == "" {
			if time.Now().After(deadline) {
				t.Fatal("no poll in 10s")
			}
			before, _ := up.state()
			claims := map[string]int{"a": pollClaims(a), "b": pollClaims(b)}
			for n, _ := up.state(); n == before && time.Now().Before(deadline); n, _ = up.state() {
				time.Sleep(2 * time.Millisecond)
			}
			// The claim is logged before the request goes out.
			switch ca, cb := pollClaims(a)-claims["a"], pollClaims(b)-claims["b"]; {
			case ca == 1 && cb == 0:
				victim = "a"
			case cb == 1 && ca == 0:
				victim = "b"
			}
		}
		survivor := map[string]string{"a": "b", "b": "a"}[victim]
		replicas[victim].kill(t)
		killed := time.Now()
		before, _ := up.state()
		claims := pollClaims(replicas[survivor])
		const period, slack = time.Second, 1500 * time.Millisecond
		for {
			if n, at := up.state(); n > before {
				t.Logf("%s polled %v after %s was killed", survivor, at.Sub(killed).Round(time.Millisecond), victim)
				break
			}
			if time.Since(killed) > period+slack {
				t.Fatalf("%s did not poll within %v after %s was killed; its logs:\n%s", survivor, period+slack, victim, replicas[survivor].logs)
			}
			time.Sleep(5 * time.Millisecond)
		}
		// The claim is logged before the request goes out, but the log
		// reaches the test through a pipe that may lag the upstream.
		for claimed := time.Now().Add(2 * time.Second); pollClaims(replicas[survivor]) <= claims; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(claimed) {
				t.Errorf("the poll after %s was killed was not claimed by %s", victim, survivor)
				break
			}
		}
		delete(replicas, victim)
	})
	for _, d := range replicas {
		d.stop(t)
	}
}
