package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/feedd/feedd/feed"
)

// TestServe_DeltaConfig checks that feeds.delta and
// feeds.delta_excluded_agents reach the server: a delta request for the
// demo thread, two comments behind, gets 226 only with deltas on and from
// an agent the list does not exclude.
func TestServe_DeltaConfig(t *testing.T) {
	const (
		feedparser = "feedparser/6.0.10 +https://github.com/kurtmckee/feedparser/"
		other      = "SomeReader/1.0"
	)
	for _, tc := range []struct {
		name, yaml string
		want       map[string]int // agent → status
	}{
		{"default", "", map[string]int{feedparser: 200, other: 200}},
		{"delta off", "feeds: {delta: false, delta_excluded_agents: []}\n", map[string]int{feedparser: 200, other: 200}},
		{"delta on", "feeds: {delta: true}\n", map[string]int{feedparser: 200, other: 226}},
		{"none excluded", "feeds: {delta: true, delta_excluded_agents: []}\n", map[string]int{feedparser: 226, other: 226}},
		{"own list", "feeds: {delta: true, delta_excluded_agents: [somereader]}\n", map[string]int{feedparser: 226, other: 200}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig(strings.NewReader(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			a, st := newDemoApp(t, cfg)
			h := a.server.Handler()
			path := "/feeds/posts/" + demoPostID + "/comments.atom"
			get := func(header ...string) *httptest.ResponseRecorder {
				req := httptest.NewRequest("GET", path, nil)
				for i := 0; i+1 < len(header); i += 2 {
					req.Header.Set(header[i], header[i+1])
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				return w
			}
			old := get().Header().Get("ETag")
			for range 2 {
				c := &feed.Comment{PostID: demoPostID, AuthorName: "Newcomer", Content: "new"}
				if err := st.CreateComment(t.Context(), c); err != nil {
					t.Fatal(err)
				}
				if err := a.cache.Sync(t.Context(), 0); err != nil {
					t.Fatal(err)
				}
			}
			for agent, want := range tc.want {
				w := get("A-IM", "feed", "If-None-Match", old, "User-Agent", agent)
				if w.Code != want {
					t.Errorf("%s: %d, want %d", agent, w.Code, want)
				}
				if want == http.StatusOK && w.Header().Get("IM") != "" {
					t.Errorf("%s: 200 with IM %q", agent, w.Header().Get("IM"))
				}
			}
		})
	}
}
