package netguard

import (
	"errors"
	"net/netip"
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
		if got := Public(a); got != c.public {
			t.Errorf("Public(%s) = %v, want %v", c.addr, got, c.public)
		}
		// The dial-time check agrees.
		err := Control("tcp", netip.AddrPortFrom(a, 443).String(), nil)
		if (err == nil) != c.public {
			t.Errorf("Control(%s) = %v", c.addr, err)
		}
	}
	if Public(netip.Addr{}) {
		t.Error("the zero Addr is public")
	}
	err := Control("tcp", "10.0.0.5:80", nil)
	var pe *PrivateAddressError
	if !errors.As(err, &pe) || err.Error() != "refusing to connect to private address 10.0.0.5" {
		t.Errorf("Control(10.0.0.5:80) = %v", err)
	}
}
