package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/internal/testutil"
)

// TestServe_Webmention runs the daemon as configured: post pages and
// thread feeds advertise the endpoint, a mention POSTed to it from a page
// on loopback (poll.allow_private) is verified by the queue in the
// background and shows in the thread feed, and webmention.receive: false
// takes it all away.
func TestServe_Webmention(t *testing.T) {
	target := "https://blog.example.org/posts/" + demoPostID
	src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<article class="h-entry"><a class="p-author h-card" href="/">Lena Loopback</a>
			<a class="u-like-of" href="%s">liked</a></article>`, target)
	}))
	defer src.Close()

	dir := t.TempDir()
	d := startDaemon(t, writeConfig(t, dir, "poll: {allow_private: true}\ncomments: {moderation: none}\n"), freeAddr(t))
	defer d.stop(t)
	const link = `<https://blog.example.org/webmention>; rel="webmention"`
	for _, path := range []string{"/posts/" + demoPostID, "/feeds/posts/" + demoPostID + "/comments.atom"} {
		resp, err := http.Get(d.base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if !strings.Contains(strings.Join(resp.Header.Values("Link"), ", "), link) {
			t.Errorf("GET %s Link = %q, want %s", path, resp.Header.Values("Link"), link)
		}
	}
	resp, err := http.PostForm(d.base+"/webmention", url.Values{"source": {src.URL + "/likes/1"}, "target": {target}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /webmention = %d, want 202", resp.StatusCode)
	}
	testutil.Eventually(t, 20*time.Second, func() bool {
		f := get(t, d.base+"/feeds/posts/"+demoPostID+"/comments.atom")
		return bytes.Contains(f.body, []byte("Lena Loopback liked")) && bytes.Contains(f.body, []byte(src.URL+"/likes/1"))
	}, "the mention is not in the thread feed; logs:\n%s", d.logs)
	if m := get(t, d.base+"/metrics"); !bytes.Contains(m.body, []byte(`feedd_webmention_verifications_total{action="stored"} 1`)) {
		t.Errorf("/metrics does not count the verified mention")
	}

	// Off: 404, and nothing advertised.
	dir = t.TempDir()
	off := startDaemon(t, writeConfig(t, dir, "webmention: {receive: false}\n"), freeAddr(t))
	defer off.stop(t)
	resp, err = http.PostForm(off.base+"/webmention", url.Values{"source": {src.URL + "/likes/1"}, "target": {target}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST /webmention with webmention.receive false = %d, want 404", resp.StatusCode)
	}
	if f := get(t, off.base+"/posts/"+demoPostID); bytes.Contains(f.body, []byte("webmention")) {
		t.Error("the post page advertises a Webmention endpoint that is off")
	}
}
