package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/sitetest"
)

// python is the interpreter with Debian's python3-feedparser, which
// .ci/run installs.
const python = "/usr/bin/python3"

// addComments creates comments on alpha through the store and waits for
// the cache to apply the change log, as the API does, returning their ids.
func addComments(t *testing.T, e *sitetest.Env, n int) []string {
	t.Helper()
	var out []string
	for range n {
		c := &feed.Comment{PostID: "alpha", AuthorName: "Newcomer", Content: "new"}
		if err := e.DB.CreateComment(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		e.Sync(t)
		out = append(out, c.ID)
	}
	slices.Sort(out)
	return out
}

// deltaOn turns delta answers on (feeds.delta: true).
func deltaOn(c *sitetest.Config) { c.Server.Delta = true }

// TestDelta_TwoComments checks RFC 3229 delta encoding of feeds with
// deltas on: after two new comments, a request with A-IM: feed naming the
// old version gets 226 IM Used with exactly those two entries and the
// fields RFC 3229 asks for, in every format and coding; an unknown version
// gets the whole feed, the current one 304.
func TestDelta_TwoComments(t *testing.T) {
	for _, f := range feed.Formats {
		for _, gz := range []bool{false, true} {
			name := string(f)
			if gz {
				name += "/gzip"
			}
			t.Run(name, func(t *testing.T) {
				e := sitetest.New(t, sitetest.Options{Config: deltaOn})
				path := "/feeds/posts/alpha/comments." + string(f)
				enc := []string{}
				if gz {
					enc = []string{"Accept-Encoding", "gzip"}
				}
				old := sitetest.Do(t, e.Handler, "GET", path, "", enc...)
				oldTag := old.Header().Get("ETag")
				want := addComments(t, e, 2)

				w := sitetest.Do(t, e.Handler, "GET", path, "", append([]string{"A-IM", "feed", "If-None-Match", oldTag}, enc...)...)
				if w.Code != http.StatusIMUsed {
					t.Fatalf("status %d, want 226", w.Code)
				}
				full := sitetest.Do(t, e.Handler, "GET", path, "", enc...)
				h := w.Header()
				for _, tc := range []struct{ field, want string }{
					{"IM", "feed"},
					{"ETag", full.Header().Get("ETag")}, // the current instance's
					{"Last-Modified", full.Header().Get("Last-Modified")},
					{"Delta-Base", oldTag},
					{"Cache-Control", "no-store, im"},
					{"Content-Type", full.Header().Get("Content-Type")},
					{"Content-Encoding", full.Header().Get("Content-Encoding")},
					{"Content-Length", strconv.Itoa(w.Body.Len())},
				} {
					if got := h.Get(tc.field); got != tc.want {
						t.Errorf("226 %s: %q, want %q", tc.field, got, tc.want)
					}
				}
				vary := strings.Join(h.Values("Vary"), ", ")
				if fullVary := strings.Join(full.Header().Values("Vary"), ", "); vary != fullVary+", A-IM, If-None-Match, User-Agent" {
					t.Errorf("226 Vary: %q, want the 200's (%q) and A-IM, If-None-Match, User-Agent", vary, fullVary)
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

				unknown := sitetest.Do(t, e.Handler, "GET", path, "", "A-IM", "feed", "If-None-Match", `"not-a-version"`)
				if unknown.Code != http.StatusOK || len(parse(t, unknown.Body.Bytes()).Items) != 4 {
					t.Errorf("unknown version: %d with %d entries, want 200 with the whole feed", unknown.Code, len(parse(t, unknown.Body.Bytes()).Items))
				}
				cur := sitetest.Do(t, e.Handler, "GET", path, "", append([]string{"A-IM", "feed", "If-None-Match", full.Header().Get("ETag")}, enc...)...)
				if cur.Code != http.StatusNotModified {
					t.Errorf("current version: %d, want 304", cur.Code)
				}
				plain := sitetest.Do(t, e.Handler, "GET", path, "", append([]string{"If-None-Match", oldTag}, enc...)...)
				if plain.Code != http.StatusOK {
					t.Errorf("old version without A-IM: %d, want 200", plain.Code)
				}
			})
		}
	}
}

// TestDelta_OffByDefault checks that without feeds.delta a delta request
// gets what any other gets: 200 with the whole feed for an old version,
// 304 for the current one, never 226 or IM.
func TestDelta_OffByDefault(t *testing.T) {
	for _, f := range feed.Formats {
		t.Run(string(f), func(t *testing.T) {
			e := sitetest.New(t, sitetest.Options{})
			path := "/feeds/posts/alpha/comments." + string(f)
			old := sitetest.Do(t, e.Handler, "GET", path, "")
			addComments(t, e, 2)
			full := sitetest.Do(t, e.Handler, "GET", path, "")

			w := sitetest.Do(t, e.Handler, "GET", path, "", "A-IM", "feed", "If-None-Match", old.Header().Get("ETag"),
				"User-Agent", "SomeReader/1.0")
			if w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), full.Body.Bytes()) {
				t.Errorf("old version: %d, %d bytes; want 200 with the whole feed (%d bytes)", w.Code, w.Body.Len(), full.Body.Len())
			}
			if w.Header().Get("IM") != "" || w.Header().Get("ETag") != full.Header().Get("ETag") ||
				w.Header().Get("Cache-Control") != full.Header().Get("Cache-Control") {
				t.Errorf("old version: IM %q, ETag %s, Cache-Control %q; want the whole feed's", w.Header().Get("IM"),
					w.Header().Get("ETag"), w.Header().Get("Cache-Control"))
			}
			cur := sitetest.Do(t, e.Handler, "GET", path, "", "A-IM", "feed", "If-None-Match", full.Header().Get("ETag"),
				"User-Agent", "SomeReader/1.0")
			if cur.Code != http.StatusNotModified || cur.Header().Get("IM") != "" {
				t.Errorf("current version: %d (IM %q), want 304", cur.Code, cur.Header().Get("IM"))
			}
		})
	}
}

// TestDelta_ExcludedAgents checks that with deltas on a client whose
// User-Agent contains an excluded substring (ignoring case) gets the whole
// feed, by default feedparser's agents, and that a configured list
// replaces the default.
func TestDelta_ExcludedAgents(t *testing.T) {
	const fp6 = "feedparser/6.0.10 +https://github.com/kurtmckee/feedparser/"
	for _, tc := range []struct {
		name     string
		excluded []string // nil: the default
		agent    string
		want     int
	}{
		{"feedparser 6 (rss2email)", nil, fp6, http.StatusOK},
		{"feedparser 5", nil, "UniversalFeedParser/5.2.1 +https://code.google.com/p/feedparser/", http.StatusOK},
		{"other case", nil, "FeedParser/6.0.11", http.StatusOK},
		{"embedded", nil, "rss2email/3.14 (feedparser/6.0.10)", http.StatusOK},
		{"other reader", nil, "SomeReader/1.0", http.StatusIMUsed},
		{"no agent", nil, "", http.StatusIMUsed},
		{"own list", []string{"somereader/"}, "SomeReader/1.0", http.StatusOK},
		{"own list replaces the default", []string{"somereader/"}, fp6, http.StatusIMUsed},
		{"empty list", []string{}, fp6, http.StatusIMUsed},
		{"blank entry excludes all", []string{"feedparser/", ""}, "SomeReader/1.0", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := sitetest.New(t, sitetest.Options{Config: func(c *sitetest.Config) {
				c.Server.Delta = true
				c.Server.DeltaExcludedAgents = tc.excluded
			}})
			const path = "/feeds/posts/alpha/comments.atom"
			old := sitetest.Do(t, e.Handler, "GET", path, "")
			addComments(t, e, 2)
			full := sitetest.Do(t, e.Handler, "GET", path, "")
			header := []string{"A-IM", "feed", "If-None-Match", old.Header().Get("ETag")}
			if tc.agent != "" {
				header = append(header, "User-Agent", tc.agent)
			}
			w := sitetest.Do(t, e.Handler, "GET", path, "", header...)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d", w.Code, tc.want)
			}
			n := len(parse(t, w.Body.Bytes()).Items)
			switch tc.want {
			case http.StatusOK:
				if !bytes.Equal(w.Body.Bytes(), full.Body.Bytes()) || w.Header().Get("IM") != "" {
					t.Errorf("%d entries, IM %q; want the whole feed", n, w.Header().Get("IM"))
				}
			case http.StatusIMUsed:
				if n != 2 {
					t.Errorf("delta of %d entries, want the 2 new", n)
				}
			}
		})
	}
}

// TestDelta_NoFeedHistoryMarks checks over the handler that a 226 carries
// none of its head's RFC 5005 marks: no fh:complete where the head is the
// whole thread (Atom, RSS), no first, next, last or prev-archive where it
// is not (every format).
func TestDelta_NoFeedHistoryMarks(t *testing.T) {
	for _, pageSize := range []int{25, 2} {
		for _, f := range feed.Formats {
			t.Run(fmt.Sprintf("page_size=%d/%s", pageSize, f), func(t *testing.T) {
				e := sitetest.New(t, sitetest.Options{PageSize: pageSize, Config: deltaOn})
				path := "/feeds/posts/alpha/comments." + string(f)
				addComments(t, e, 2) // with page_size 2, a head with archives
				old := sitetest.Do(t, e.Handler, "GET", path, "")
				addComments(t, e, 1)
				full := sitetest.Do(t, e.Handler, "GET", path, "")
				w := sitetest.Do(t, e.Handler, "GET", path, "", "A-IM", "feed", "If-None-Match", old.Header().Get("ETag"))
				if w.Code != http.StatusIMUsed {
					t.Fatalf("status %d, want 226", w.Code)
				}
				complete := []byte("<fh:complete")
				fullLinks, links := docLinks(t, f, full.Body.Bytes()), docLinks(t, f, w.Body.Bytes())
				if pageSize == 25 {
					if f != feed.JSON && !bytes.Contains(full.Body.Bytes(), complete) {
						t.Fatalf("the whole thread's head lacks fh:complete:\n%s", full.Body)
					}
				} else if fullLinks["prev-archive"] == "" {
					t.Fatalf("the head has no prev-archive: %v", fullLinks)
				}
				if bytes.Contains(w.Body.Bytes(), complete) {
					t.Errorf("the 226 is marked fh:complete:\n%s", w.Body)
				}
				for _, rel := range []string{"first", "next", "last", "previous", "prev-archive", "next-archive", "current"} {
					if links[rel] != "" {
						t.Errorf("the 226 links %s: %s", rel, links[rel])
					}
				}
				if f != feed.JSON && links["self"] != fullLinks["self"] {
					t.Errorf("the 226's self link %q, want the head's %q", links["self"], fullLinks["self"])
				}
			})
		}
	}
}

// TestDelta_Feedparser has Python's feedparser, which asks for deltas
// with A-IM: feed whenever it holds an ETag, fetch a thread feed over a
// real connection before and after two new comments, with deltas on: with
// its own agent (as rss2email sends it) it gets the whole feed, 200; with
// another agent, 226 with the new entries only. It needs
// python3-feedparser (Debian), which .ci/run installs; CI fails if this
// test skips.
func TestDelta_Feedparser(t *testing.T) {
	if _, err := os.Stat(python); err != nil {
		t.Skip("feedparser: " + python + " missing")
	}
	if err := exec.Command(python, "-c", "import feedparser").Run(); err != nil {
		t.Skip("feedparser: python3-feedparser is not installed (cmd/feedd/testdata/install-consumers.sh installs it)")
	}
	e := sitetest.New(t, sitetest.Options{Config: deltaOn})
	srv := httptest.NewServer(e.Handler)
	defer srv.Close()
	const script = `
import json, sys, feedparser
url, etag, agent = sys.argv[1], sys.argv[2], sys.argv[3]
d = feedparser.parse(url, etag=etag or None, agent=agent or None)
h = d.get("headers", {})
print(json.dumps({"status": d.get("status"), "etag": d.get("etag"), "bozo": d.get("bozo"),
                  "date": h.get("date") or h.get("Date"),
                  "ids": sorted(e.get("id") for e in d.entries)}))
`
	type result struct {
		Status int      `json:"status"`
		ETag   string   `json:"etag"`
		Bozo   any      `json:"bozo"`
		Date   string   `json:"date"`
		IDs    []string `json:"ids"`
	}
	run := func(url, etag, agent string) (res result) {
		t.Helper()
		out, err := exec.Command(python, "-c", script, url, etag, agent).Output()
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
			first := run(url, "", "")
			if first.Status != 200 || first.ETag == "" || len(first.IDs) < 2 {
				t.Fatalf("first fetch: %+v", first)
			}
			added := addComments(t, e, 2)
			var want []string
			for _, id := range added {
				want = append(want, e.R.CommentURL("alpha", id))
			}
			slices.Sort(want)
			all := slices.Sorted(slices.Values(append(slices.Clone(first.IDs), want...)))

			own := run(url, first.ETag, "")
			if own.Status != http.StatusOK || !slices.Equal(own.IDs, all) {
				t.Errorf("feedparser's own agent: status %d with %v, want 200 with the whole feed %v", own.Status, own.IDs, all)
			}
			other := run(url, first.ETag, "SomeReader/1.0")
			if other.Status != http.StatusIMUsed {
				t.Fatalf("agent SomeReader/1.0: status %d, want 226 (%+v)", other.Status, other)
			}
			if !slices.Equal(other.IDs, want) {
				t.Errorf("feedparser read %v, want %v", other.IDs, want)
			}
			if other.ETag != own.ETag || other.Date == "" {
				t.Errorf("226 ETag %q, Date %q; want the current %q and a date", other.ETag, other.Date, own.ETag)
			}
			if b, _ := other.Bozo.(bool); b {
				t.Errorf("feedparser found the delta malformed")
			}
		})
	}
}
