package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedd/feedd/internal/testutil"
)

func TestMiddleware_RecoverPanics(t *testing.T) {
	var logs testutil.LogBuffer
	s := &Server{log: slog.New(slog.NewTextHandler(&logs, nil))}
	h := s.logRequests(s.recoverPanics(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"half-done"`)
		panic("boom")
	})))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/feeds/posts.atom", nil))
	if w.Code != 500 || !strings.Contains(w.Body.String(), `"error"`) {
		t.Errorf("panic answered %d %q, want 500 with a JSON error", w.Code, w.Body)
	}
	if w.Header().Get("ETag") != "" {
		t.Error("500 keeps the handler's ETag")
	}
	out := logs.String()
	for _, want := range []string{"handler panic", "boom", "status=500", "path=/feeds/posts.atom"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

func TestMiddleware_AbortHandlerPassesThrough(t *testing.T) {
	s := &Server{log: slog.New(slog.DiscardHandler)}
	h := s.recoverPanics(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic(http.ErrAbortHandler)
	}))
	defer func() {
		if v := recover(); v == nil || !errors.Is(v.(error), http.ErrAbortHandler) {
			t.Errorf("recovered %v, want http.ErrAbortHandler", v)
		}
	}()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}

func TestMiddleware_LogsStatusAndBytes(t *testing.T) {
	var logs testutil.LogBuffer
	s := &Server{log: slog.New(slog.NewTextHandler(&logs, nil)), cfg: Config{AccessLog: true}}
	h := s.logRequests(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		w.Write([]byte("12345"))
	}))
	req := httptest.NewRequest("GET", "/x?token=secret", nil)
	req.Header.Set("Authorization", "Bearer secret")
	h.ServeHTTP(httptest.NewRecorder(), req)
	out := logs.String()
	for _, want := range []string{"method=GET", "path=/x", "status=418", "bytes=5", "duration="} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q: %s", want, out)
		}
	}
	if strings.Contains(out, "secret") {
		t.Errorf("log shows a credential: %s", out)
	}
}

// With the access log off (the default) a request leaves no line, unless
// it failed with a 5xx (not a routine one) or panicked; on, every request
// leaves exactly one.
func TestMiddleware_AccessLog(t *testing.T) {
	for _, on := range []bool{false, true} {
		var logs testutil.LogBuffer
		s := &Server{log: slog.New(slog.NewTextHandler(&logs, nil)), cfg: Config{AccessLog: on}}
		mux := http.NewServeMux()
		mux.HandleFunc("GET /ok/{id}", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("fine")) })
		mux.HandleFunc("GET /fail", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "broken", http.StatusServiceUnavailable)
		})
		mux.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
		mux.HandleFunc("GET /routine", func(w http.ResponseWriter, r *http.Request) {
			markRoutine(w)
			w.WriteHeader(http.StatusServiceUnavailable)
		})
		h := s.logRequests(s.recoverPanics(mux))
		for _, path := range []string{"/ok/1", "/ok/2", "/missing", "/fail", "/panic", "/routine"} {
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
		}
		lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
		count := func(sub string) int {
			n := 0
			for _, l := range lines {
				if strings.Contains(l, sub) {
					n++
				}
			}
			return n
		}
		wantOK := 0
		if on {
			wantOK = 1
		}
		for _, c := range []struct {
			sub  string
			want int
		}{
			{`msg="http request" method=GET path=/ok/1 route="GET /ok/{id}" status=200`, wantOK},
			{"path=/ok/2", wantOK},
			{"path=/missing", wantOK},
			{"path=/routine", wantOK}, // a routine 503, such as /readyz's
			{`path=/fail route="GET /fail" status=503`, 1},
			{"level=ERROR msg=\"http request\" method=GET path=/panic", 1},
			{`msg="handler panic"`, 1},
		} {
			if got := count(c.sub); got != c.want {
				t.Errorf("access log %v: %d lines with %q, want %d:\n%s", on, got, c.sub, c.want, logs.String())
			}
		}
	}
}

// ObserveRequest gets every request with its route pattern, never the
// raw path, and the status the client got.
func TestMiddleware_ObserveRequest(t *testing.T) {
	var (
		mu  sync.Mutex
		got []string
	)
	s := &Server{log: slog.New(slog.DiscardHandler), cfg: Config{ObserveRequest: func(route string, status int, d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		if d < 0 {
			t.Errorf("duration %v", d)
		}
		got = append(got, fmt.Sprintf("%s|%d", route, status))
	}}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /posts/{post}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	mux.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	h := s.logRequests(s.recoverPanics(mux))
	for _, path := range []string{"/posts/a", "/posts/b", "/nowhere", "/panic"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("DELETE", "/posts/a", nil))
	want := []string{"GET /posts/{post}|418", "GET /posts/{post}|418", "|404", "GET /panic|500", "|405"}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("observed %q, want %q", got, want)
	}
}

// A request's method and path are clipped in the log to 512 bytes each,
// which says how much was left out; short ones are written whole.
func TestMiddleware_LogClipsLongPath(t *testing.T) {
	long := "/feeds/" + strings.Repeat("a", 500<<10) // a 500 KB path
	for _, path := range []string{long, "/panic" + long} {
		var logs testutil.LogBuffer
		s := &Server{log: slog.New(slog.NewTextHandler(&logs, nil)), cfg: Config{AccessLog: true}}
		h := s.logRequests(s.recoverPanics(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/panic") {
				panic("boom")
			}
			w.WriteHeader(http.StatusNotFound)
		})))
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
		out := logs.String()
		if len(out) > 8<<10 {
			t.Errorf("%d bytes of log for a %d-byte path", len(out), len(path))
		}
		want := path[:512] + fmt.Sprintf("…(+%d bytes)", len(path)-512)
		// The text handler quotes the value, which holds a non-ASCII "…".
		if n := strings.Count(out, `path="`+want+`"`); n != strings.Count(out, "path=") || n == 0 {
			t.Errorf("log does not clip the path to %q…:\n%.2000s", want[:40], out)
		}
	}

	// A cut falls between whole UTF-8 sequences: 510 bytes, then "é"s.
	mb := "/" + strings.Repeat("b", 509) + strings.Repeat("é", 10)
	got := clipLog(mb)
	if want := mb[:512] + "…(+18 bytes)"; got != want {
		t.Errorf("clipLog cut %q, want %q", got[500:], want[500:])
	}
	mb = "/" + strings.Repeat("b", 510) + strings.Repeat("é", 10) // é would straddle byte 512
	if got, want := clipLog(mb), mb[:511]+"…(+20 bytes)"; got != want {
		t.Errorf("clipLog cut %q, want %q", got[500:], want[500:])
	}
	if s := strings.Repeat("c", 512); clipLog(s) != s {
		t.Error("clipLog changed a 512-byte path")
	}
	method := strings.Repeat("M", 1000)
	if got := clipLog(method); len(got) > 512+20 || !strings.HasSuffix(got, "…(+488 bytes)") {
		t.Errorf("clipLog(method) = %q", got)
	}
}

// The moderation feed's key, right or wrong, never reaches the log: not in
// the access log, not in a panic's line.
func TestMiddleware_LogHidesModerationKey(t *testing.T) {
	var logs testutil.LogBuffer
	s := &Server{log: slog.New(slog.NewTextHandler(&logs, nil)), cfg: Config{AccessLog: true}}
	h := s.logRequests(s.recoverPanics(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".atom") {
			panic("boom")
		}
	})))
	for _, p := range []string{"/admin/feed/sekritkey.atom", "/admin/feed/sekritkey", "//admin//feed/sekritkey", "/x/../admin/feed/sekritkey"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}
	out := logs.String()
	if strings.Contains(out, "sekritkey") {
		t.Errorf("log shows the key: %s", out)
	}
	if !strings.Contains(out, "path=/admin/feed/{key}") {
		t.Errorf("log lacks the redacted path: %s", out)
	}
}
