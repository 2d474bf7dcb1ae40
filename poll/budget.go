package poll

import (
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// hostKey is the host a URL's requests go to, as the budgets count them:
// its name, lower case, and its port unless the scheme's default. "" for a
// URL that does not parse or has no host.
func hostKey(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return ""
	}
	return urlHostKey(u)
}

func urlHostKey(u *url.URL) string {
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if port == "" {
		return host
	}
	return host + ":" + port
}

// maxIdleHosts is how many hosts' buckets hostLimits keeps before it drops
// the full ones, which are no different from new ones.
const maxIdleHosts = 1024

// hostLimits is a token bucket per host: perMinute tokens, refilled at
// that rate. Times come from the poller's clock, so tests can drive it.
type hostLimits struct {
	perMinute int

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

func newHostLimits(perMinute int) hostLimits {
	return hostLimits{perMinute: perMinute, buckets: make(map[string]*rate.Limiter)}
}

// allow takes a token of host's bucket at now; false when there is none.
func (h *hostLimits) allow(host string, now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	b := h.buckets[host]
	if b == nil {
		if len(h.buckets) >= maxIdleHosts {
			for k, v := range h.buckets {
				if v.TokensAt(now) >= float64(h.perMinute) {
					delete(h.buckets, k)
				}
			}
		}
		b = rate.NewLimiter(rate.Every(time.Minute/time.Duration(h.perMinute)), h.perMinute)
		h.buckets[host] = b
	}
	return b.AllowN(now, 1)
}
