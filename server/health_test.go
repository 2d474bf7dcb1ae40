package server_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/internal/sitetest"
	"github.com/feedd/feedd/internal/testutil"
	"github.com/feedd/feedd/server"
	"github.com/feedd/feedd/store/postgres"
	"github.com/feedd/feedd/store/postgres/pgtest"
)

func TestHealthz_StoreDown(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	for _, method := range []string{"GET", "HEAD"} {
		w := sitetest.Do(t, e.Handler, method, "/healthz", "")
		if w.Code != 200 || w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s /healthz = %d %v", method, w.Code, w.Header())
		}
	}
	// Liveness does not depend on the store.
	e.DB.Close()
	if w := sitetest.Do(t, e.Handler, "GET", "/healthz", ""); w.Code != 200 || w.Body.String() != "ok\n" {
		t.Errorf("/healthz with the store closed = %d %q", w.Code, w.Body)
	}
}

// The default readiness check queries the store: a closed SQLite store
// fails it, as a lost database does.
func TestReadyz_SQLiteClosed(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	if w := sitetest.Do(t, e.Handler, "GET", "/readyz", ""); w.Code != 200 || w.Body.String() != "ok\n" {
		t.Fatalf("/readyz = %d %q", w.Code, w.Body)
	}
	e.DB.Close()
	w := sitetest.Do(t, e.Handler, "GET", "/readyz", "")
	if w.Code != 503 || w.Body.String() != "not ready: store unreachable\n" || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("/readyz with the store closed = %d %q %v", w.Code, w.Body, w.Header())
	}
	if w := sitetest.Do(t, e.Handler, "HEAD", "/readyz", ""); w.Code != 503 || w.Body.Len() != 0 {
		t.Errorf("HEAD /readyz = %d with %d bytes", w.Code, w.Body.Len())
	}
}

// Config.Ready replaces the check; it fails and recovers, and the log says
// so once per change, with the whole error, while the client sees only
// the message of its *feed.Error.
func TestReadyz_Recovers(t *testing.T) {
	var logs testutil.LogBuffer
	var fail atomic.Bool
	e := sitetest.New(t, sitetest.Options{})
	r, _ := render.New(render.Options{Title: "t", BaseURL: sitetest.BaseURL})
	h := server.New(e.St, e.Cache, r, server.Config{Ready: func(ctx context.Context) error {
		if fail.Load() {
			return errors.Join(feed.Errorf(feed.EINTERNAL, "store unreachable"), errors.New("dial tcp 10.1.2.3:5432: secret-host"))
		}
		return nil
	}}, slog.New(slog.NewTextHandler(&logs, nil))).Handler()

	check := func(wantCode int, wantBody string) {
		t.Helper()
		if w := sitetest.Do(t, h, "GET", "/readyz", ""); w.Code != wantCode || w.Body.String() != wantBody {
			t.Errorf("/readyz = %d %q, want %d %q", w.Code, w.Body, wantCode, wantBody)
		}
	}
	check(200, "ok\n")
	fail.Store(true)
	check(503, "not ready: store unreachable\n")
	check(503, "not ready: store unreachable\n")
	fail.Store(false)
	check(200, "ok\n")
	check(200, "ok\n")

	out := logs.String()
	if n := strings.Count(out, `msg="not ready"`); n != 1 || !strings.Contains(out, "secret-host") {
		t.Errorf("%d not-ready lines, want one with the whole error:\n%s", n, out)
	}
	if n := strings.Count(out, `msg="ready again"`); n != 1 {
		t.Errorf("%d ready-again lines, want 1:\n%s", n, out)
	}
	// Each 503 is no failing request to log as well.
	if strings.Contains(out, `msg="http request"`) {
		t.Errorf("the probes are in the log:\n%s", out)
	}
}

// With a real PostgreSQL server reached through a TCP proxy of the test's,
// /readyz fails while the proxy is down and recovers once it is back,
// without a restart: the store's pool connects again.
func TestReadyz_PostgresUnreachable(t *testing.T) {
	base := pgtest.BaseDSN(t)
	ctx := context.Background()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("FEEDD_TEST_POSTGRES: %v", err)
	}
	schema := pgtest.NewSchema(t, base)
	p := startProxy(t, u.Host)
	u.Host = p.addr
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	st, err := postgres.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })

	r, _ := render.New(render.Options{Title: "t", BaseURL: sitetest.BaseURL})
	h := server.New(st, cache.New(st, r, cache.Options{}, nil), r, server.Config{}, nil).Handler()
	ready := func() (int, string) {
		w := sitetest.Do(t, h, "GET", "/readyz", "")
		return w.Code, w.Body.String()
	}
	if code, body := ready(); code != 200 {
		t.Fatalf("/readyz = %d %q", code, body)
	}

	p.stop()
	if code, body := ready(); code != 503 || body != "not ready: store unreachable\n" {
		t.Errorf("/readyz with the database unreachable = %d %q", code, body)
	}
	if w := sitetest.Do(t, h, "GET", "/healthz", ""); w.Code != 200 {
		t.Errorf("/healthz with the database unreachable = %d", w.Code)
	}

	p.start()
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, body := ready()
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still %d %q after the database came back", code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// proxy forwards TCP connections from a loopback port to target until
// stopped, and can be started again on the same port.
type proxy struct {
	t      *testing.T
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

func startProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, target: target, addr: "127.0.0.1:0", conns: map[net.Conn]struct{}{}}
	p.start()
	p.addr = p.ln.Addr().String()
	t.Cleanup(p.stop)
	return p
}

// start listens on the proxy's address and forwards what it accepts.
func (p *proxy) start() {
	p.t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("proxy listen: %v", err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Go(func() { p.forward(c) })
		}
	})
}

func (p *proxy) forward(c net.Conn) {
	up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	if !p.track(c, up) {
		return
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	c.Close()
	up.Close()
	<-done
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

// track records a forwarded pair, or closes it when the proxy stopped.
func (p *proxy) track(c, up net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		c.Close()
		up.Close()
		return false
	}
	p.conns[c], p.conns[up] = struct{}{}, struct{}{}
	return true
}

// stop closes the listener and every forwarded connection, as a database
// host that went away would, and waits for the forwarding to end.
func (p *proxy) stop() {
	p.mu.Lock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
