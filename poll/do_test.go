package poll_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedd/feedd/poll"
	"github.com/feedd/feedd/store/sqlite"
)

// Do is the poller's fetch guard for other components' requests: it
// follows redirects and reports where the answer came from, bounds the
// body, and refuses non-public addresses unless AllowPrivate.
func TestPoller_Do(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, "/page?x=1", http.StatusFound)
		case "/page":
			w.Header().Set("Link", `<https://e.example/wm>; rel="webmention"`)
			io.WriteString(w, "hello "+r.Header.Get("User-Agent"))
		case "/big":
			io.WriteString(w, strings.Repeat("x", 200))
		case "/form":
			r.ParseForm()
			w.WriteHeader(http.StatusAccepted)
			io.WriteString(w, r.PostForm.Get("source"))
		}
	}))
	defer srv.Close()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "feedd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	p := poll.New(st, poll.Options{AllowPrivate: true, MaxBodyBytes: 100, UserAgent: "ua/1"}, nil)

	t.Run("Redirect", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/moved", nil)
		pg, err := p.Do(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if pg.URL.String() != srv.URL+"/page?x=1" || pg.Status != 200 || string(pg.Body) != "hello ua/1" || pg.Header.Get("Link") == "" {
			t.Fatalf("got %s %d %q %v", pg.URL, pg.Status, pg.Body, pg.Header)
		}
	})
	t.Run("Post", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/form", strings.NewReader("source=a%26b"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		pg, err := p.Do(ctx, req)
		if err != nil || pg.Status != http.StatusAccepted || string(pg.Body) != "a&b" {
			t.Fatalf("got %v, %v", pg, err)
		}
	})
	t.Run("TooLarge", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/big", nil)
		_, err := p.Do(ctx, req)
		var tl *poll.TooLargeError
		if !errors.As(err, &tl) {
			t.Fatalf("got %v, want *TooLargeError", err)
		}
	})
	t.Run("NotHTTP", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, "ftp://example.com/x", nil)
		if _, err := p.Do(ctx, req); err == nil {
			t.Fatal("ftp URL fetched")
		}
	})
	t.Run("Private", func(t *testing.T) {
		guarded := poll.New(st, poll.Options{}, nil)
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/page", nil)
		_, err := guarded.Do(ctx, req)
		var pe *poll.PrivateAddressError
		if !errors.As(err, &pe) {
			t.Fatalf("got %v, want *PrivateAddressError", err)
		}
	})
}
