package web

import (
	"net/http"
	"net/url"
	"strings"
)

// originGuard refuses cross-origin posts of the comment form (CSRF: a page
// elsewhere posting the form in the reader's browser). It is Go's
// http.CrossOriginProtection (Sec-Fetch-Site, else Origin against the
// request's Host) with the site's base URL as a trusted origin, so that a
// proxy that rewrites Host still works; and, when a request carries neither
// Sec-Fetch-Site nor Origin (old browsers), its Referer, if any, must be of
// the same host or of the base URL. A request with none of the three is
// not from a browser (curl, scripts) and is let through, as the API is.
type originGuard struct {
	cop     *http.CrossOriginProtection
	trusted string // the base URL's origin, "scheme://host", or ""
}

func newOriginGuard(baseURL string) *originGuard {
	g := &originGuard{cop: http.NewCrossOriginProtection()}
	if u, err := url.Parse(baseURL); err == nil && u.Scheme != "" && u.Host != "" {
		g.trusted = strings.ToLower(u.Scheme + "://" + u.Host)
		_ = g.cop.AddTrustedOrigin(g.trusted) // valid by construction
	}
	return g
}

// check reports whether r may be served.
func (g *originGuard) check(r *http.Request) bool {
	if err := g.cop.Check(r); err != nil {
		return false
	}
	if r.Header.Get("Sec-Fetch-Site") != "" || r.Header.Get("Origin") != "" {
		return true // CrossOriginProtection decided on these
	}
	ref := r.Header.Get("Referer")
	if ref == "" {
		return true
	}
	u, err := url.Parse(ref)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	return g.trusted != "" && strings.EqualFold(u.Scheme+"://"+u.Host, g.trusted)
}
