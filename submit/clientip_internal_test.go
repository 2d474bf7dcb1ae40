package submit

import (
	"net/netip"
	"testing"
)

func TestClientAddrFrom(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:ffff::/48")}
	for _, tc := range []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"direct", "192.0.2.1:80", nil, "192.0.2.1"},
		{"direct ignores xff", "192.0.2.1:80", []string{"203.0.113.9"}, "192.0.2.1"},
		{"trusted without xff", "10.0.0.1:80", nil, "10.0.0.1"},
		{"trusted", "10.0.0.1:80", []string{"203.0.113.9"}, "203.0.113.9"},
		{"right-most untrusted", "10.0.0.1:80", []string{"1.1.1.1, 203.0.113.9"}, "203.0.113.9"},
		{"skips trusted hops", "10.0.0.1:80", []string{"203.0.113.9, 10.0.0.2", "10.0.0.3"}, "203.0.113.9"},
		{"several lines", "10.0.0.1:80", []string{"1.1.1.1", "203.0.113.9"}, "203.0.113.9"},
		{"all trusted", "10.0.0.1:80", []string{"10.0.0.5, 10.0.0.6"}, "10.0.0.5"},
		{"malformed", "10.0.0.1:80", []string{"203.0.113.9, bogus"}, "10.0.0.1"},
		{"empty element", "10.0.0.1:80", []string{"203.0.113.9,,"}, "10.0.0.1"},
		{"empty header", "10.0.0.1:80", []string{""}, "10.0.0.1"},
		{"with port", "10.0.0.1:80", []string{"203.0.113.9:1234"}, "203.0.113.9"},
		{"ipv6", "[2001:db8:ffff::1]:443", []string{"2001:db8:1::5"}, "2001:db8:1::5"},
		{"ipv6 bracketed with port", "[2001:db8:ffff::1]:443", []string{"[2001:db8:1::5]:99"}, "2001:db8:1::5"},
		{"mapped peer", "[::ffff:10.0.0.1]:80", []string{"203.0.113.9"}, "203.0.113.9"},
		{"mapped client", "10.0.0.1:80", []string{"::ffff:203.0.113.9"}, "203.0.113.9"},
		{"zone dropped", "[fe80::1%eth0]:80", nil, "fe80::1"},
		{"peer without port", "192.0.2.1", nil, "192.0.2.1"},
		{"bad peer", "pipe", []string{"203.0.113.9"}, "invalid IP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := clientAddrFrom(tc.peer, tc.xff, trusted).String(); got != tc.want {
				t.Errorf("clientAddrFrom(%q, %q) = %s, want %s", tc.peer, tc.xff, got, tc.want)
			}
		})
	}
}

func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1":            "192.0.2.1",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::",
		"2001:db8:1:2:ffff::":  "2001:db8:1:2::",
		"invalid":              "invalid IP",
	} {
		a, _ := netip.ParseAddr(in)
		if got := clientKey(a).String(); got != want {
			t.Errorf("clientKey(%s) = %s, want %s", in, got, want)
		}
	}
}
