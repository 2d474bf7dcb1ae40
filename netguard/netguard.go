// Package netguard keeps feedd's outgoing requests out of its own
// network: the poller fetches URLs that upstream documents name, and the
// WebSub hub calls back URLs that anyone may subscribe with, so neither
// may be made to reach loopback, private, link-local or other non-public
// addresses (server-side request forgery). The check runs on the address
// actually dialed, after DNS, so names resolving there and redirects are
// caught too.
package netguard

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sync"
	"syscall"
)

// PrivateAddressError is the error of a connection refused because its
// address is not a public one (see Public).
type PrivateAddressError struct{ Addr netip.Addr }

func (e *PrivateAddressError) Error() string {
	return fmt.Sprintf("refusing to connect to private address %s", e.Addr)
}

// nonPublic are the prefixes, beyond what netip.Addr's methods tell, of
// addresses that are not reachable on the public internet or must not be
// reached from it (IANA special-purpose registries).
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // shared address space (CGNAT)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("::/96"),           // IPv4-compatible (deprecated), ::, ::1
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001::/23"),       // IETF protocol assignments (Teredo, ORCHIDs, ...)
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated)
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use IPv4/IPv6 translation
}

// embedsIPv4 are the IPv6 prefixes that reach an IPv4 address carried in
// the address's last or second to third bytes: NAT64 (RFC 6052) and 6to4.
var (
	nat64  = netip.MustParsePrefix("64:ff9b::/96")
	sixTo4 = netip.MustParsePrefix("2002::/16")
)

// Public reports whether a is a global unicast address on the public
// internet: not loopback, private (RFC 1918, fc00::/7), link-local
// (169.254/16 with cloud metadata services, fe80::/10), unspecified,
// multicast, CGNAT or otherwise reserved. An IPv4-mapped, NAT64 or 6to4
// IPv6 address is judged by the IPv4 address it reaches.
func Public(a netip.Addr) bool {
	a = a.Unmap()
	if a.Is6() {
		b := a.As16()
		switch {
		case nat64.Contains(a):
			return Public(netip.AddrFrom4([4]byte(b[12:16])))
		case sixTo4.Contains(a):
			return Public(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	if !a.IsValid() || !a.IsGlobalUnicast() || a.IsPrivate() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// Control is a net.Dialer Control: it runs on the resolved address
// actually dialed, after DNS, so that neither a name resolving to an
// internal address (DNS rebinding included) nor a redirect to one gets
// through.
func Control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("refusing to connect to unparsable address %q", address)
	}
	if !Public(ap.Addr()) {
		return &PrivateAddressError{Addr: ap.Addr().WithZone("")}
	}
	return nil
}

// Dialer dials as d, refusing non-public addresses, except those of
// the proxies the environment configures (HTTP_PROXY, HTTPS_PROXY): those
// the operator chose, and with a proxy the target is the proxy's to judge.
type Dialer struct {
	open    *net.Dialer // for proxies
	guarded *net.Dialer // with Control

	mu      sync.Mutex
	proxies map[string]bool // host:port of every proxy used so far
}

// NewDialer returns a Dialer over d, which it leaves unchanged.
func NewDialer(d *net.Dialer) *Dialer {
	g := *d
	g.Control = Control
	return &Dialer{open: d, guarded: &g, proxies: make(map[string]bool)}
}

// Proxy is the transport's Proxy: http.ProxyFromEnvironment, noting the
// address of the proxy it picks.
func (g *Dialer) Proxy(req *http.Request) (*url.URL, error) {
	u, err := http.ProxyFromEnvironment(req)
	if err != nil || u == nil {
		return u, err
	}
	g.mu.Lock()
	g.proxies[proxyAddr(u)] = true
	g.mu.Unlock()
	return u, nil
}

// DialContext dials addr: through the guard unless it is the address of a
// proxy that Proxy picked.
func (g *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	g.mu.Lock()
	isProxy := g.proxies[addr]
	g.mu.Unlock()
	if isProxy {
		return g.open.DialContext(ctx, network, addr)
	}
	return g.guarded.DialContext(ctx, network, addr)
}

// proxyAddr is the host:port the transport dials for proxy u.
func proxyAddr(u *url.URL) string {
	port := u.Port()
	if port == "" {
		switch u.Scheme {
		case "https":
			port = "443"
		case "socks5", "socks5h":
			port = "1080"
		default:
			port = "80"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// AllowProxy lets the dialer connect to hostPort unguarded, as it does to
// the proxies Proxy picks: for tests, whose servers listen on loopback.
func (g *Dialer) AllowProxy(hostPort string) {
	g.mu.Lock()
	g.proxies[hostPort] = true
	g.mu.Unlock()
}

// Transport returns the Proxy and DialContext of a transport dialing with
// d: unguarded when allowPrivate, else through a Dialer.
func Transport(d *net.Dialer, allowPrivate bool) (proxy func(*http.Request) (*url.URL, error), dial func(ctx context.Context, network, addr string) (net.Conn, error)) {
	if allowPrivate {
		return http.ProxyFromEnvironment, d.DialContext
	}
	g := NewDialer(d)
	return g.Proxy, g.DialContext
}
