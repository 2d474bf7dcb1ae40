package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedd/feedd/api"
)

// upstreamBlog is an httptest blog serving one Atom feed with validators,
// and counting the requests it gets.
type upstreamBlog struct {
	mu                    sync.Mutex
	requests, conditional int
	notModified           int
	agents                []string
}

const upstreamETag = `"upstream-v1"`

func (u *upstreamBlog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/feed.atom" {
		http.NotFound(w, r)
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.requests++
	u.agents = append(u.agents, r.Header.Get("User-Agent"))
	if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
		u.conditional++
	}
	w.Header().Set("ETag", upstreamETag)
	w.Header().Set("Last-Modified", "Mon, 02 Mar 2026 10:00:00 GMT")
	if r.Header.Get("If-None-Match") == upstreamETag {
		u.notModified++
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml")
	io.WriteString(w, strings.Replace(atomFeed("Upstream", 1), "Upstream post 1", "Greetings from upstream", 1))
}

func (u *upstreamBlog) counts() (requests, conditional, notModified int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.requests, u.conditional, u.notModified
}

// TestServe_MirrorsSource runs the daemon with a source polled every
// second: the upstream post shows in our posts feed, /api/sources reports
// the success, and later polls are conditional requests answered 304. A
// failing source beside it is logged by name and holds nothing up.
func TestServe_MirrorsSource(t *testing.T) {
	up := &upstreamBlog{}
	upstream := httptest.NewServer(up)
	defer upstream.Close()

	const token = "mirror-test-admin-token-0123"
	dir := t.TempDir()
	cfg := writeConfig(t, dir, fmt.Sprintf("sources:\n  - {name: upstream, url: %q, schedule: \"@every 1s\"}\n  - {name: broken, url: %q, schedule: \"@every 1s\"}\npoll: {allow_private: true}\n",
		upstream.URL+"/feed.atom", upstream.URL+"/missing.atom"))
	d := startDaemon(t, cfg, freeAddr(t), "FEEDD_ADMIN_TOKEN="+token)

	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; daemon logs:\n%s", what, d.logs)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitFor("the upstream post in our posts feed", func() bool {
		return bytes.Contains(get(t, d.base+"/feeds/posts.atom").body, []byte("Greetings from upstream"))
	})

	sources := func(auth string) (int, []api.SourceStatus) {
		req, _ := http.NewRequest("GET", d.base+"/api/sources", nil)
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v struct{ Sources []api.SourceStatus }
		if resp.StatusCode == 200 {
			if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
				t.Fatal(err)
			}
		}
		return resp.StatusCode, v.Sources
	}
	if code, _ := sources(""); code != 401 {
		t.Errorf("GET /api/sources without the token = %d, want 401", code)
	}
	var st api.SourceStatus
	waitFor("a successful poll in /api/sources", func() bool {
		code, list := sources(token)
		if code != 200 || len(list) != 2 || list[0].Name != "upstream" || list[1].Name != "broken" {
			t.Fatalf("GET /api/sources = %d %+v", code, list)
		}
		st = list[0]
		return st.LastSuccess != nil
	})
	if st.Name != "upstream" || st.Entries != 1 || st.NextRun == nil || st.ConsecutiveFailures != 0 || st.LastError != "" {
		t.Errorf("status = %+v", st)
	}
	if st.NextRun != nil && (st.NextRun.Before(time.Now().Add(-2*time.Second)) || st.NextRun.After(time.Now().Add(3*time.Second))) {
		t.Errorf("next run %v is not the scheduler's, about a second ahead", st.NextRun)
	}

	waitFor("conditional requests answered 304", func() bool {
		_, conditional, notModified := up.counts()
		return conditional >= 2 && notModified >= 2
	})
	waitFor("a 304 in /api/sources", func() bool {
		_, list := sources(token)
		return len(list) == 2 && list[0].HTTPStatus == http.StatusNotModified && list[0].LastSuccess != nil
	})
	_, list := sources(token)
	if b := list[1]; b.LastSuccess != nil || b.LastPoll == nil || b.HTTPStatus != http.StatusNotFound || b.ConsecutiveFailures < 1 || !strings.Contains(b.LastError, "404") {
		t.Errorf("broken source = %+v", b)
	}
	requests, conditional, _ := up.counts()
	if conditional != requests-1 {
		t.Errorf("%d of %d requests were conditional, want all but the first", conditional, requests)
	}
	up.mu.Lock()
	agent := up.agents[0]
	up.mu.Unlock()
	if want := "feedd/" + version + " (+https://blog.example.org)"; agent != want {
		t.Errorf("User-Agent = %q, want %q", agent, want)
	}
	// The post is there once.
	if n := bytes.Count(get(t, d.base+"/feeds/posts.atom").body, []byte("Greetings from upstream")); n != 1 {
		t.Errorf("the upstream post shows %d times", n)
	}

	d.stop(t)
	if logs := d.logs.String(); !strings.Contains(logs, `msg="source poll failed" source=broken`) || !strings.Contains(logs, "source=broken") || strings.Contains(logs, "source=upstream") {
		t.Errorf("logs do not name the failing source (only):\n%s", logs)
	}
}

// TestServe_ShutdownCancelsPolls: a poll waiting on a slow upstream is
// cancelled at shutdown rather than holding the exit for its timeout.
func TestServe_ShutdownCancelsPolls(t *testing.T) {
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	defer close(release)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer upstream.Close()

	dir := t.TempDir()
	cfg := writeConfig(t, dir, fmt.Sprintf("sources:\n  - {name: slow, url: %q}\npoll: {timeout: 1m, allow_private: true}\nhttp: {shutdown_timeout: 30s}\n", upstream.URL+"/feed"))
	d := startDaemon(t, cfg, freeAddr(t))
	select {
	case <-arrived: // the first poll of a new source starts at once
	case <-time.After(10 * time.Second):
		t.Fatal("the new source was not polled at start-up")
	}
	start := time.Now()
	d.stop(t)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("shutdown took %s with a poll in flight", took)
	}
	if strings.Contains(d.logs.String(), "still running") {
		t.Errorf("shutdown waited for the poll:\n%s", d.logs)
	}
}
