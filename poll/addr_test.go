package poll

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/feedd/feedd/netguard"
)

// TestRefusePrivate_RedirectToName checks the check is made at connect
// time, on the resolved address: a redirect to a name that resolves to
// loopback is refused, and no request reaches its server. The origin (on
// loopback too, as every test server) is let through the way a proxy is.
func TestRefusePrivate_RedirectToName(t *testing.T) {
	var hits atomic.Int32
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("secret"))
	}))
	defer internal.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(internal.URL, "http://"))
	target := "http://localhost:" + port + "/latest/meta-data/"
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target, http.StatusFound)
	}))
	defer origin.Close()

	p := New(nil, Options{}, nil)
	o, _ := url.Parse(origin.URL)
	allowOrigin(t, p, o.Host)

	body, err := p.FetchURL(context.Background(), origin.URL+"/feed")
	if err == nil {
		body.Close()
		t.Fatal("FetchURL followed a redirect to loopback")
	}
	var pe *PrivateAddressError
	if !errors.As(err, &pe) || !pe.Addr.IsLoopback() || !strings.Contains(err.Error(), "refusing to connect to private address") {
		t.Errorf("FetchURL error = %v, want a refusal of a loopback address", err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the internal server got %d requests", n)
	}

	// With AllowPrivate, the same redirect is followed.
	p = New(nil, Options{AllowPrivate: true}, nil)
	body, err = p.FetchURL(context.Background(), origin.URL+"/feed")
	if err != nil {
		t.Fatalf("FetchURL with AllowPrivate: %v", err)
	}
	body.Close()
	if n := hits.Load(); n != 1 {
		t.Errorf("the internal server got %d requests with AllowPrivate, want 1", n)
	}
}

// allowOrigin lets p's guarded dialer connect to hostPort, as it does to
// the proxies of the environment.
func allowOrigin(t *testing.T, p *Poller, hostPort string) {
	t.Helper()
	tr, ok := p.o.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("transport is a %T", p.o.Transport)
	}
	// Install a guarded dialer like the one newTransport makes, with
	// hostPort noted as a proxy's.
	d := netguard.NewDialer(&net.Dialer{Timeout: p.o.ConnectTimeout})
	d.AllowProxy(hostPort)
	tr.DialContext = d.DialContext
}
