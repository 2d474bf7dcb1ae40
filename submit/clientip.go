package submit

import (
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr returns the address of the client r comes from; see
// clientAddrFrom.
func (s *Submitter) clientAddr(r *http.Request) netip.Addr {
	return clientAddrFrom(r.RemoteAddr, r.Header.Values("X-Forwarded-For"), s.cfg.TrustedProxies)
}

// clientAddrFrom returns the client's address given the peer's address
// (http.Request.RemoteAddr), the X-Forwarded-For field lines and the
// trusted proxies.
//
// The peer is the client unless it is a trusted proxy. Then the client is
// the right-most X-Forwarded-For address that is not itself a trusted
// proxy: each proxy appends the address it received the request from, so
// the entries right of that one were written by trusted proxies, and those
// left of it by the client, who may write anything. When every entry is a
// trusted proxy the left-most one is the client. A malformed or empty
// X-Forwarded-For is not evidence of anything, and the peer is the client.
//
// IPv4-mapped IPv6 addresses are unmapped and zones dropped, so that one
// client has one address. An unparsable peer gives the zero Addr.
func clientAddrFrom(remoteAddr string, xff []string, trusted []netip.Prefix) netip.Addr {
	peer, ok := parseAddr(remoteAddr)
	if !ok || !isTrusted(peer, trusted) || len(xff) == 0 {
		return peer
	}
	var hops []netip.Addr
	for _, line := range xff {
		for _, item := range strings.Split(line, ",") {
			a, ok := parseAddr(strings.TrimSpace(item))
			if !ok {
				return peer
			}
			hops = append(hops, a)
		}
	}
	for i := len(hops) - 1; i >= 0; i-- {
		if !isTrusted(hops[i], trusted) {
			return hops[i]
		}
	}
	return hops[0]
}

// parseAddr parses an IP address, with or without a port (a peer address,
// or an X-Forwarded-For entry of a proxy that adds ports).
func parseAddr(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone(""), true
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientKey returns the key of a client address in the rate limiter: the
// address itself for IPv4, its /64 for IPv6, since one subscriber is
// usually given a whole /64 and could otherwise pick a fresh address for
// every comment.
func clientKey(a netip.Addr) netip.Addr {
	if a.Is6() {
		if p, err := a.Prefix(64); err == nil {
			return p.Addr()
		}
	}
	return a
}
