package poll

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

func TestPublicAddr(t *testing.T) {
	for _, c := range []struct {
		addr   string
		public bool
	}{
		{"127.0.0.1", false},
		{"127.1.2.3", false},
		{"::1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"172.31.255.255", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"fe80::1", false},
		{"fe80::1%eth0", false},
		{"fc00::1", false},
		{"fd00:ec2::254", false}, // AWS metadata over IPv6
		{"0.0.0.0", false},
		{"::", false},
		{"224.0.0.1", false},
		{"ff02::1", false},
		{"255.255.255.255", false},
		{"100.64.0.1", false}, // CGNAT
		{"198.18.0.1", false},
		{"240.0.0.1", false},
		{"::ffff:127.0.0.1", false},   // IPv4-mapped
		{"::ffff:10.0.0.5", false},    // IPv4-mapped
		{"64:ff9b::a9fe:a9fe", false}, // NAT64 of 169.254.169.254
		{"2002:a00:1::1", false},      // 6to4 of 10.0.0.1
		{"2001:db8::1", false},
		{"8.8.8.8", true},
		{"1.1.1.1", true},
		{"172.32.0.1", true},
		{"100.128.0.1", true},
		{"2001:4860:4860::8888", true},
		{"::ffff:8.8.8.8", true},
		{"64:ff9b::808:808", true}, // NAT64 of 8.8.8.8
	} {
		a := netip.MustParseAddr(c.addr)
		if got := publicAddr(a); got != c.public {
			t.Errorf("publicAddr(%s) = %v, want %v", c.addr, got, c.public)
		}
		// The dial-time check agrees.
		err := refusePrivate("tcp", netip.AddrPortFrom(a, 443).String(), nil)
		if (err == nil) != c.public {
			t.Errorf("refusePrivate(%s) = %v", c.addr, err)
		}
	}
	if publicAddr(netip.Addr{}) {
		t.Error("the zero Addr is public")
	}
	err := refusePrivate("tcp", "10.0.0.5:80", nil)
	var pe *PrivateAddressError
	if !errors.As(err, &pe) || err.Error() != "refusing to connect to private address 10.0.0.5" {
		t.Errorf("refusePrivate(10.0.0.5:80) = %v", err)
	}
}

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

	p := New(nil, nil, Options{}, nil)
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
	p = New(nil, nil, Options{AllowPrivate: true}, nil)
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
	d := newGuardedDialer(&net.Dialer{Timeout: p.o.ConnectTimeout})
	d.proxies[hostPort] = true
	tr.DialContext = d.DialContext
}
