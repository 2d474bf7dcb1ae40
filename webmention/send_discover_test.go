package webmention

import (
	"cmp"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedd/feedd/poll"
	"github.com/feedd/feedd/store/sqlite"
)

// testPoller returns a poller over a throwaway store, allowed to reach
// loopback (the httptest servers) when allowPrivate.
func testPoller(t *testing.T, allowPrivate bool) *poll.Poller {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "poller.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return poll.New(st, poll.Options{AllowPrivate: allowPrivate, MaxBodyBytes: 1 << 20}, nil)
}

// TestDiscover runs discovery cases modelled on webmention.rocks'
// discovery tests 1–23, each a page of an httptest server; want is the
// endpoint's path and query on that server ("" for none), or an absolute
// URL.
func TestDiscover(t *testing.T) {
	type page struct {
		links []string // Link header values, one header each
		ctype string   // default text/html
		body  string
	}
	p := testPoller(t, true)
	for _, tc := range []struct {
		name string
		page page
		want string
	}{
		{"1 Link header, unquoted rel, relative URL", page{links: []string{`</test/1/webmention?head=true>; rel=webmention`}}, "/test/1/webmention?head=true"},
		{"2 Link header, unquoted rel, absolute URL", page{links: []string{`<{srv}/test/2/webmention?head=true>; rel=webmention`}}, "/test/2/webmention?head=true"},
		{"3 <link>, relative URL", page{body: `<html><head><link rel="webmention" href="/test/3/webmention"></head></html>`}, "/test/3/webmention"},
		{"4 <link>, absolute URL", page{body: `<link rel="webmention" href="{srv}/test/4/webmention">`}, "/test/4/webmention"},
		{"5 <a>, relative URL", page{body: `<p>An <a rel="webmention" href="/test/5/webmention">endpoint</a></p>`}, "/test/5/webmention"},
		{"6 <a>, absolute URL", page{body: `<a rel="webmention" href="{srv}/test/6/webmention">x</a>`}, "/test/6/webmention"},
		{"7 Link header, strange casing", page{links: []string{`<{srv}/test/7/webmention?head=true>; rel=webmention`}}, "/test/7/webmention?head=true"},
		{"8 Link header, quoted rel", page{links: []string{`<{srv}/test/8/webmention?head=true>; rel="webmention"`}}, "/test/8/webmention?head=true"},
		{"9 multiple rel values on <link>", page{body: `<link rel="webmention somethingelse" href="/test/9/webmention">`}, "/test/9/webmention"},
		{"10 multiple rel values in Link header", page{links: []string{`<{srv}/test/10/webmention?head=true>; rel="webmention somethingelse"`}}, "/test/10/webmention?head=true"},
		{"11 Link header before <link> and <a>", page{
			links: []string{`</test/11/webmention?head=true>; rel="webmention"`},
			body:  `<link rel="webmention" href="/test/11/webmention/error"><a rel="webmention" href="/test/11/webmention/error">x</a>`,
		}, "/test/11/webmention?head=true"},
		{"12 exact match of rel=webmention", page{body: `<link rel="not-webmention" href="/test/12/webmention/error"><link rel="webmention" href="/test/12/webmention">`}, "/test/12/webmention"},
		{"13 false endpoint in an HTML comment", page{body: `<!-- <link rel="webmention" href="/test/13/webmention/error"> --><link rel="webmention" href="/test/13/webmention">`}, "/test/13/webmention"},
		{"14 false endpoint in escaped HTML", page{body: `<code>&lt;a href="/test/14/webmention/error" rel="webmention"&gt;&lt;/a&gt;</code><a href="/test/14/webmention" rel="webmention">x</a>`}, "/test/14/webmention"},
		{"15 empty href is the page itself", page{body: `<link rel="webmention" href="">`}, "/page"},
		{"16 <a> before <link>: document order", page{body: `<a href="/test/16/webmention" rel="webmention">x</a><link rel="webmention" href="/test/16/webmention/error">`}, "/test/16/webmention"},
		{"17 <link> before <a>: document order", page{body: `<link rel="webmention" href="/test/17/webmention"><a href="/test/17/webmention/error" rel="webmention">x</a>`}, "/test/17/webmention"},
		{"18 multiple Link headers", page{links: []string{`<{srv}/test/18/error>; rel="other"`, `<{srv}/test/18/webmention?head=true>; rel="webmention"`}}, "/test/18/webmention?head=true"},
		{"19 one Link header with several links", page{links: []string{`<{srv}/test/19/error>; rel="other", <{srv}/test/19/webmention?head=true>; rel="webmention"`}}, "/test/19/webmention?head=true"},
		{"20 <link> without href skipped", page{body: `<link rel="webmention"><a href="/test/20/webmention" rel="webmention">x</a>`}, "/test/20/webmention"},
		{"21 query string kept", page{body: `<link rel="webmention" href="/test/21/webmention?query=yes">`}, "/test/21/webmention?query=yes"},
		{"22 relative to the path", page{body: `<link rel="webmention" href="22/webmention">`}, "/22/webmention"},
		{"23 redirect, then relative endpoint", page{body: "redirect"}, "/final/23/webmention"},

		// Beyond webmention.rocks.
		{"quoted params with commas and semicolons", page{links: []string{`<{srv}/a>; title="a, b; c"; rel="preload", <{srv}/wm>; title="x,y"; rel="WebMention other"`}}, "/wm"},
		{"escaped quote in a param", page{links: []string{`<{srv}/a>; title="say \"rel=webmention\", x"; rel=other, </wm2>; rel=webmention`}}, "/wm2"},
		{"rel in upper case and single-quoted href", page{body: `<LINK REL="WEBMENTION" HREF='/upper'>`}, "/upper"},
		{"fragment dropped", page{body: `<link rel="webmention" href="/frag?x=1#y">`}, "/frag?x=1"},
		{"non-http endpoint skipped", page{body: `<link rel="webmention" href="mailto:x@example.com"><a rel="webmention" href="/next">x</a>`}, "/next"},
		{"no endpoint", page{body: `<html><body><a href="/elsewhere">no</a></body></html>`}, ""},
		{"not HTML: body ignored", page{ctype: "text/plain", body: `<link rel="webmention" href="/nope">`}, ""},
		{"absolute on another host", page{body: `<link rel="webmention" href="https://webmention.example/e?t=1">`}, "https://webmention.example/e?t=1"},
		{"endpoint in <head> after <script> text", page{body: `<script>var s = '<link rel="webmention" href="/bad">';</script><link rel="webmention" href="/good">`}, "/good"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var srv *httptest.Server
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/page":
				case "/start/redirect":
					http.Redirect(w, r, "/final/23/page", http.StatusFound)
					return
				case "/final/23/page":
					w.Header().Set("Content-Type", "text/html")
					io.WriteString(w, `<link rel="webmention" href="webmention">`)
					return
				default:
					http.NotFound(w, r)
					return
				}
				for _, l := range tc.page.links {
					w.Header().Add("Link", strings.ReplaceAll(l, "{srv}", srv.URL))
				}
				w.Header().Set("Content-Type", cmp.Or(tc.page.ctype, "text/html; charset=utf-8"))
				io.WriteString(w, strings.ReplaceAll(tc.page.body, "{srv}", srv.URL))
			}))
			defer srv.Close()
			target := srv.URL + "/page"
			if tc.page.body == "redirect" {
				target = srv.URL + "/start/redirect"
			}
			got, err := Discover(context.Background(), p, target)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if want != "" && want[0] == '/' {
				want = srv.URL + want
			}
			if got != want {
				t.Fatalf("endpoint %q, want %q", got, want)
			}
		})
	}
}

// Discovery of a target that fails: its status as a *StatusError; a
// private address refused by the fetch guard without allow_private.
func TestDiscover_Errors(t *testing.T) {
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		if r.URL.Path == "/gone" {
			http.Error(w, "gone", http.StatusGone)
			return
		}
		io.WriteString(w, `<link rel="webmention" href="/wm">`)
	}))
	defer srv.Close()
	ctx := context.Background()

	_, err := Discover(ctx, testPoller(t, true), srv.URL+"/gone")
	var se *StatusError
	if !errors.As(err, &se) || se.Code != http.StatusGone {
		t.Fatalf("got %v, want a 410 StatusError", err)
	}
	hits = 0
	_, err = Discover(ctx, testPoller(t, false), srv.URL+"/page")
	var pe *poll.PrivateAddressError
	if !errors.As(err, &pe) || hits != 0 {
		t.Fatalf("got %v with %d requests, want *PrivateAddressError and none", err, hits)
	}
	if _, err := Discover(ctx, testPoller(t, true), "gopher://x/"); err == nil {
		t.Fatal("a gopher target was fetched")
	}
}

// Link headers parse per RFC 8288: links, parameters, quoting.
func TestParseLinkHeader(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []link
	}{
		{``, nil},
		{`<a>`, []link{{"a", ""}}},
		{`<a>; rel=x`, []link{{"a", "x"}}},
		{`<a>;rel="x y" , <b>; rel=z`, []link{{"a", "x y"}, {"b", "z"}}},
		{`<a>; rel="x"; rel="second ignored"`, []link{{"a", "x"}}},
		{`<a,b>; title="1,2;3"; REL=webmention`, []link{{"a,b", "webmention"}}},
		{`<a>; crossorigin; rel=x`, []link{{"a", "x"}}},
		{`<a>; rel="unterminated`, []link{{"a", "unterminated"}}},
		{`garbage, <b>; rel=x`, nil},
		{`<a>; rel=x junk, <b>; rel=y`, nil},
	} {
		got := parseLinkHeader(tc.in)
		if len(got) != len(tc.want) {
			t.Errorf("parseLinkHeader(%q) = %v, want %v", tc.in, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("parseLinkHeader(%q) = %v, want %v", tc.in, got, tc.want)
			}
		}
	}
	// Endpoint with a base and no body.
	base, _ := url.Parse("https://example.com/a/b")
	h := http.Header{"Link": {`<c>; rel="webmention"`}}
	if got := Endpoint(base, h, nil); got != "https://example.com/a/c" {
		t.Fatalf("Endpoint = %q", got)
	}
}
