package server_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/internal/sitetest"
	"github.com/feedd/feedd/internal/testutil"
	"github.com/feedd/feedd/server"
)

func TestHealthz(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	w := sitetest.Do(t, e.Handler, "GET", "/healthz", "")
	if w.Code != 200 || strings.TrimSpace(w.Body.String()) != "ok" {
		t.Errorf("GET /healthz = %d %q, want 200 ok", w.Code, w.Body.String())
	}
	if n := e.St.N(""); n != 0 {
		t.Errorf("healthz made %d store calls", n)
	}
}

func TestRoutes_NotFoundAndMethods(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/feeds/posts.xml", 404},
		{"GET", "/feeds/posts.atom/", 404},
		{"GET", "/feeds/post.atom", 404},
		{"GET", "/feeds/posts/nope/comments.atom", 404},
		{"GET", "/feeds/posts/alpha/comments.xml", 404},
		{"GET", "/feeds/posts/alpha/comments", 404},
		{"GET", "/feeds/posts/alpha/replies.atom", 404},
		{"GET", "/feeds/posts/alpha/comments.atom.gz", 404},
		{"GET", "/feeds/posts/al%20pha/comments.atom", 404},
		{"GET", "/feeds/posts/alpha/comments.atom/x", 404},
		{"GET", "/", 404},
		{"PUT", "/feeds/posts.atom", 405},
		{"DELETE", "/feeds/posts/alpha/comments.rss", 405},
		{"PUT", "/api/posts", 405},
		{"GET", "/api/comments/a1", 405},
		{"PUT", "/api/posts/alpha", 405},
		{"GET", "/api/comments/a1/approve", 405},
		{"GET", "/api/posts", 200},
		{"GET", "/feeds/posts/alpha/comments.atom", 200},
	} {
		w := sitetest.Do(t, e.Handler, tc.method, tc.path, "")
		if w.Code != tc.want {
			t.Errorf("%s %s = %d, want %d", tc.method, tc.path, w.Code, tc.want)
		}
	}
}

func TestMiddleware_LogsWithoutToken(t *testing.T) {
	var buf testutil.LogBuffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	e := sitetest.New(t, sitetest.Options{})
	r, _ := render.New(render.Options{Title: "t", BaseURL: sitetest.BaseURL})
	srv, _ := sitetest.NewStack(e.St, e.Cache, r, sitetest.Config{AdminToken: sitetest.Token, Server: server.Config{AccessLog: true}}, log)
	h := srv.Handler()
	sitetest.Do(t, h, "POST", "/api/posts", `{"title":"t","content":"c"}`, "Authorization", "Bearer "+sitetest.Token)
	sitetest.Do(t, h, "POST", "/api/posts", `{"title":"t","content":"c"}`, "Authorization", "Bearer wrong-"+sitetest.Token)
	sitetest.Do(t, h, "GET", "/feeds/posts.atom?x=1", "")
	out := buf.String()
	for _, want := range []string{"method=POST", "path=/api/posts", "status=201", "status=401", "path=/feeds/posts.atom", "bytes=", "duration="} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, sitetest.Token) || strings.Contains(out, "Bearer") {
		t.Errorf("log shows the token:\n%s", out)
	}
}

func TestConfig_Validate(t *testing.T) {
	for _, tc := range []struct {
		cfg server.Config
		ok  bool
	}{
		{server.Config{}, true},
		{server.Config{Delta: true, DeltaExcludedAgents: []string{}}, true},
		{server.Config{Delta: true, DeltaExcludedAgents: []string{"SomeReader/"}}, true},
		{server.Config{DeltaExcludedAgents: []string{"feedparser/", ""}}, false},
		{server.Config{Delta: true, DeltaExcludedAgents: []string{" \t"}}, false},
	} {
		if err := tc.cfg.Validate(); (err == nil) != tc.ok {
			t.Errorf("%+v: Validate = %v", tc.cfg, err)
		}
	}
}

func TestSetPages(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	for _, path := range []string{"/", "/posts/alpha", "/static/x.css"} {
		if w := sitetest.Do(t, e.Handler, "GET", path, ""); w.Code != http.StatusNotFound {
			t.Errorf("GET %s without pages = %d", path, w.Code)
		}
	}
	var got []string
	e.Srv.SetPages(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.Path)
	}))
	for _, mp := range [][2]string{{"GET", "/"}, {"GET", "/posts/alpha"}, {"POST", "/posts/alpha"}, {"GET", "/static/x.css"}, {"GET", "/feeds/posts.atom"}, {"GET", "/other"}} {
		sitetest.Do(t, e.Handler, mp[0], mp[1], "")
	}
	if want := "GET /|GET /posts/alpha|POST /posts/alpha|GET /static/x.css"; strings.Join(got, "|") != want {
		t.Errorf("pages got %q, want %q", strings.Join(got, "|"), want)
	}
}
