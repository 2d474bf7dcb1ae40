package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"testing"

	"github.com/feedd/feedd/feed"
)

// python is the interpreter with Debian's python3-feedparser, which
// .ci/run installs.
const python = "/usr/bin/python3"

// addComments creates comments on alpha through the store and invalidates
// the cache as the API does, returning their ids.
func addComments(t *testing.T, e *env, n int) []string {
	t.Helper()
	var out []string
	for range n {
		c := &feed.Comment{PostID: "alpha", AuthorName: "Newcomer", Content: "new"}
		if err := e.db.CreateComment(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		e.cache.Changed(feed.Change{Comment: c})
		out = append(out, c.ID)
	}
	slices.Sort(out)
	return out
}

// TestDelta_TwoComments checks RFC 3229 delta encoding of feeds: after two
// new comments, a request with A-IM: feed naming the old version gets 226
// IM Used with exactly those two entries, in every format and coding; an
// unknown version gets the whole feed, the current one 304.
func TestDelta_TwoComments(t *testing.T) {
	for _, f := range feed.Formats {
		for _, gz := range []bool{false, true} {
			name := string(f)
			if gz {
				name += "/gzip"
			}
			t.Run(name, func(t *testing.T) {
				e := newEnv(t, envOptions{})
				path := "/feeds/posts/alpha/comments." + string(f)
				enc := []string{}
				if gz {
					enc = []string{"Accept-Encoding", "gzip"}
				}
				old := do(t, e.handler, "GET", path, "", enc...)
				oldTag := old.Header().Get("ETag")
				want := addComments(t, e, 2)

				w := do(t, e.handler, "GET", path, "", append([]string{"A-IM", "feed", "If-None-Match", oldTag}, enc...)...)
				if w.Code != http.StatusIMUsed {
					t.Fatalf("status %d, want 226", w.Code)
				}
				if got := w.Header().Get("IM"); got != "feed" {
					t.Errorf("IM %q", got)
				}
				full := do(t, e.handler, "GET", path, "", enc...)
				if got, cur := w.Header().Get("ETag"), full.Header().Get("ETag"); got != cur {
					t.Errorf("226 ETag %s, want the current instance's %s", got, cur)
				}
				body := w.Body.Bytes()
				if gz {
					body = gunzip(t, body)
				}
				got := ids(parse(t, body))
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("delta holds %v, want %v", got, want)
				}

				unknown := do(t, e.handler, "GET", path, "", "A-IM", "feed", "If-None-Match", `"not-a-version"`)
				if unknown.Code != http.StatusOK || len(parse(t, unknown.Body.Bytes()).Items) != 4 {
					t.Errorf("unknown version: %d with %d entries, want 200 with the whole feed", unknown.Code, len(parse(t, unknown.Body.Bytes()).Items))
				}
				cur := do(t, e.handler, "GET", path, "", append([]string{"A-IM", "feed", "If-None-Match", full.Header().Get("ETag")}, enc...)...)
				if cur.Code != http.StatusNotModified {
					t.Errorf("current version: %d, want 304", cur.Code)
				}
				plain := do(t, e.handler, "GET", path, "", append([]string{"If-None-Match", oldTag}, enc...)...)
				if plain.Code != http.StatusOK {
					t.Errorf("old version without A-IM: %d, want 200", plain.Code)
				}
			})
		}
	}
}

// TestDelta_Feedparser has Python's feedparser, which asks for deltas
// with A-IM: feed whenever it holds an ETag, fetch a thread feed over a
// real connection before and after two new comments. It needs
// python3-feedparser (Debian), which .ci/run installs; CI fails if this
// test skips.
func TestDelta_Feedparser(t *testing.T) {
	if _, err := os.Stat(python); err != nil {
		t.Skip("feedparser: " + python + " missing")
	}
	if err := exec.Command(python, "-c", "import feedparser").Run(); err != nil {
		t.Skip("feedparser: python3-feedparser is not installed")
	}
	e := newEnv(t, envOptions{})
	srv := httptest.NewServer(e.handler)
	defer srv.Close()
	const script = `
import json, sys, feedparser
url, etag = sys.argv[1], sys.argv[2]
d = feedparser.parse(url, etag=etag or None)
print(json.dumps({"status": d.get("status"), "etag": d.get("etag"), "bozo": d.get("bozo"),
                  "ids": sorted(e.get("id") for e in d.entries)}))
`
	run := func(url, etag string) (res struct {
		Status int      `json:"status"`
		ETag   string   `json:"etag"`
		Bozo   any      `json:"bozo"`
		IDs    []string `json:"ids"`
	}) {
		t.Helper()
		out, err := exec.Command(python, "-c", script, url, etag).Output()
		if err != nil {
			t.Fatalf("feedparser: %v", err)
		}
		if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil {
			t.Fatalf("feedparser output %q: %v", out, err)
		}
		return res
	}
	for _, f := range []feed.Format{feed.Atom, feed.RSS} {
		t.Run(string(f), func(t *testing.T) {
			url := srv.URL + "/feeds/posts/alpha/comments." + string(f)
			first := run(url, "")
			if first.Status != 200 || first.ETag == "" || len(first.IDs) < 2 {
				t.Fatalf("first fetch: %+v", first)
			}
			added := addComments(t, e, 2)
			var want []string
			for _, id := range added {
				want = append(want, e.r.CommentURL("alpha", id))
			}
			slices.Sort(want)
			second := run(url, first.ETag)
			if second.Status != http.StatusIMUsed {
				t.Fatalf("second fetch: status %d, want 226 (%+v)", second.Status, second)
			}
			if !slices.Equal(second.IDs, want) {
				t.Errorf("feedparser read %v, want %v", second.IDs, want)
			}
			if b, _ := second.Bozo.(bool); b {
				t.Errorf("feedparser found the delta malformed")
			}
		})
	}
}
