package api_test

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/feedd/feedd/internal/sitetest"
	"github.com/feedd/feedd/submit"
)

func limited(o sitetest.Options, adjust func(*submit.Config)) sitetest.Options {
	o.Config = func(c *sitetest.Config) {
		c.Comments.CommentRate, c.Comments.CommentBurst = 6, 3
		if adjust != nil {
			adjust(&c.Comments)
		}
	}
	return o
}

// TestRateLimit_PerClient posts from client A until it is refused, while
// client B posts freely.
func TestRateLimit_PerClient(t *testing.T) {
	e := sitetest.New(t, limited(sitetest.Options{}, nil))
	const a, b = "198.51.100.1:4000", "198.51.100.2:4000"
	body := `{"author":"A","content":"hi"}`
	for i := 0; i < 3; i++ {
		if w := sitetest.PostComment(t, e, a, "alpha", body); w.Code != 201 {
			t.Fatalf("A's comment %d = %d %s", i, w.Code, w.Body)
		}
	}
	seq := sitetest.LastChange(t, e.DB)
	w := sitetest.PostComment(t, e, a, "alpha", body)
	if w.Code != 429 || !strings.Contains(sitetest.JSONError(t, w), "too many") {
		t.Fatalf("A's 4th comment = %d %s, want 429", w.Code, w.Body)
	}
	// 6 a minute: the next token comes within 10 seconds.
	if secs, err := strconv.Atoi(w.Header().Get("Retry-After")); err != nil || secs < 1 || secs > 10 {
		t.Errorf("Retry-After = %q, want 1 to 10 seconds", w.Header().Get("Retry-After"))
	}
	if sitetest.LastChange(t, e.DB) != seq {
		t.Error("the refused comment was stored")
	}
	// A refused request costs nothing: still refused, still not longer.
	if w := sitetest.PostComment(t, e, a, "alpha", body); w.Code != 429 {
		t.Errorf("A again = %d", w.Code)
	}
	// Another port of the same address is the same client.
	if w := sitetest.PostComment(t, e, "198.51.100.1:4001", "alpha", body); w.Code != 429 {
		t.Errorf("A from another port = %d", w.Code)
	}
	for i := 0; i < 3; i++ {
		if w := sitetest.PostComment(t, e, b, "alpha", body); w.Code != 201 {
			t.Errorf("B's comment %d = %d, want 201", i, w.Code)
		}
	}
	// The admin is not limited.
	if w := sitetest.PostComment(t, e, a, "alpha", body, sitetest.AdminAuth...); w.Code != 201 {
		t.Errorf("admin from A = %d", w.Code)
	}
	// Bad requests count too: they cost the server as much.
	const c = "198.51.100.3:4000"
	for i := 0; i < 3; i++ {
		sitetest.PostComment(t, e, c, "alpha", `{"author":"C"}`)
	}
	if w := sitetest.PostComment(t, e, c, "alpha", body); w.Code != 429 {
		t.Errorf("C after 3 bad requests = %d, want 429", w.Code)
	}
}

// TestRateLimit_IPv6Prefix checks that addresses of one /64 share a bucket.
func TestRateLimit_IPv6Prefix(t *testing.T) {
	e := sitetest.New(t, limited(sitetest.Options{}, nil))
	body := `{"author":"V6","content":"hi"}`
	for i := 1; i <= 3; i++ {
		if w := sitetest.PostComment(t, e, "[2001:db8:1:2::"+strconv.Itoa(i)+"]:443", "alpha", body); w.Code != 201 {
			t.Fatalf("comment %d = %d", i, w.Code)
		}
	}
	if w := sitetest.PostComment(t, e, "[2001:db8:1:2:ffff::9]:443", "alpha", body); w.Code != 429 {
		t.Errorf("4th from the same /64 = %d, want 429", w.Code)
	}
	if w := sitetest.PostComment(t, e, "[2001:db8:1:3::1]:443", "alpha", body); w.Code != 201 {
		t.Errorf("another /64 = %d, want 201", w.Code)
	}
}

// TestRateLimit_ForwardedFor checks that X-Forwarded-For names the client
// only on requests from a trusted proxy.
func TestRateLimit_ForwardedFor(t *testing.T) {
	e := sitetest.New(t, limited(sitetest.Options{}, func(c *submit.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	}))
	const proxy = "10.1.2.3:5555"
	body := `{"author":"X","content":"hi"}`
	xff := func(v string) []string { return []string{"X-Forwarded-For", v} }

	// Through the proxy, clients are told apart by X-Forwarded-For.
	for i := 0; i < 3; i++ {
		if w := sitetest.PostComment(t, e, proxy, "alpha", body, xff("203.0.113.1")...); w.Code != 201 {
			t.Fatalf("client 1 via proxy, comment %d = %d", i, w.Code)
		}
	}
	if w := sitetest.PostComment(t, e, proxy, "alpha", body, xff("203.0.113.1")...); w.Code != 429 {
		t.Errorf("client 1's 4th via proxy = %d, want 429", w.Code)
	}
	if w := sitetest.PostComment(t, e, proxy, "alpha", body, xff("203.0.113.2")...); w.Code != 201 {
		t.Errorf("client 2 via proxy = %d, want 201", w.Code)
	}
	// A client cannot escape by prepending addresses: the right-most
	// untrusted entry counts.
	if w := sitetest.PostComment(t, e, proxy, "alpha", body, xff("192.0.2.99, 203.0.113.1")...); w.Code != 429 {
		t.Errorf("client 1 with a forged entry = %d, want 429", w.Code)
	}
	// Chains of trusted proxies are skipped.
	if w := sitetest.PostComment(t, e, proxy, "alpha", body, xff("203.0.113.1, 10.9.9.9")...); w.Code != 429 {
		t.Errorf("client 1 via two proxies = %d, want 429", w.Code)
	}

	// From an untrusted peer X-Forwarded-For is ignored: the peer is the
	// client whatever the header claims.
	const direct = "192.0.2.50:1234"
	for i := 0; i < 3; i++ {
		sitetest.PostComment(t, e, direct, "alpha", body, xff("203.0.113."+strconv.Itoa(100+i))...)
	}
	if w := sitetest.PostComment(t, e, direct, "alpha", body, xff("203.0.113.200")...); w.Code != 429 {
		t.Errorf("untrusted peer with a fresh X-Forwarded-For = %d, want 429", w.Code)
	}
}
