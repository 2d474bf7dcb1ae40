package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/submit"
	"github.com/feedd/feedd/web"
)

// The end-to-end test drives Debian's headless Chromium against a feedd
// server (the server with the pages mounted, over a real SQLite store) on
// a loopback port. It reads pages with --dump-dom, takes screenshots with
// --screenshot, and fills in and submits the comment form through the
// DevTools protocol (chromedp), as a reader would, without JavaScript on
// the page.
//
// It is skipped when Chromium is missing; web/testdata/install-chromium.sh
// installs it, and CI runs that first. FEEDD_CHROMIUM names another
// binary. Screenshots go to a temporary directory that is kept, whose path
// is logged; FEEDD_SCREENSHOTS names another.

// chromiumFlags are the flags of every Chromium run: headless, and quiet
// on the network, so that the browser talks to the test server only.
var chromiumFlags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
}

// chromium runs headless Chromium binaries for a test.
type chromium struct {
	t    *testing.T
	path string
}

// newChromium returns the test's browser, or skips the test.
func newChromium(t *testing.T) *chromium {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end browser test skipped in -short mode")
	}
	path := os.Getenv("FEEDD_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		t.Skipf("end-to-end browser test skipped: no Chromium at %s (install it with web/testdata/install-chromium.sh, or set FEEDD_CHROMIUM)", path)
	}
	return &chromium{t: t, path: path}
}

// run runs Chromium with the common flags, a fresh profile and args, and
// returns its standard output.
func (c *chromium) run(args ...string) string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	all := append(append(append([]string{}, chromiumFlags...), "--user-data-dir="+c.t.TempDir()), args...)
	cmd := exec.CommandContext(ctx, c.path, all...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		c.t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// dumpDOM returns the DOM of the page at url after it loaded, serialized.
func (c *chromium) dumpDOM(url string) string {
	c.t.Helper()
	return c.run("--dump-dom", url)
}

// screenshot saves a PNG of the page at url in a window of the given size.
func (c *chromium) screenshot(url, file string, width, height int) {
	c.t.Helper()
	c.run("--screenshot="+file, "--window-size="+strconv.Itoa(width)+","+strconv.Itoa(height), url)
	if fi, err := os.Stat(file); err != nil || fi.Size() == 0 {
		c.t.Fatalf("screenshot %s of %s: not written (%v)", file, url, err)
	}
}

// session starts a browser driven through the DevTools protocol, closed
// when the test ends.
func (c *chromium) session() context.Context {
	c.t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(c.path),
		chromedp.UserDataDir(c.t.TempDir()),
		chromedp.WindowSize(1200, 1600),
	}
	for _, f := range chromiumFlags {
		opts = append(opts, chromedp.Flag(strings.TrimPrefix(f, "--"), true))
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	c.t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first run starts the browser, which lives as long as the
	// context of that run: no timeout on it.
	if err := chromedp.Do(ctx); err != nil {
		c.t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// steps runs browser steps, each batch within a minute.
func steps(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// run runs one browser action and returns its value.
func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// screenshotDir returns the directory screenshots are kept in, and logs
// it: CI collects it as an artifact.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("FEEDD_SCREENSHOTS")
	var err error
	if dir == "" {
		dir, err = os.MkdirTemp("", "feedd-screenshots-")
	} else {
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots: %s", dir)
	return dir
}

// startSite serves a site on a loopback port, its base URL the server's
// own, so that the links the pages and feeds carry lead back to it. extra
// returns handlers of paths of the test's own, given the site.
func startSite(t *testing.T, cfg submit.Config, extra func(*site) map[string]http.Handler) (*site, string) {
	t.Helper()
	return startSiteWith(t, cfg, web.Options{Title: siteTitle}, extra)
}

// startSiteWith is startSite with the pages' options o.
func startSiteWith(t *testing.T, cfg submit.Config, o web.Options, extra func(*site) map[string]http.Handler) (*site, string) {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	base := "http://" + ts.Listener.Addr().String()
	s := newSiteWith(t, base, cfg, o)
	mux := http.NewServeMux()
	mux.Handle("/", s.handler)
	for p, h := range extra(s) {
		mux.Handle(p, h)
	}
	ts.Config.Handler = mux
	ts.Start()
	t.Cleanup(ts.Close)
	return s, base
}

func TestBrowser(t *testing.T) {
	browser := newChromium(t)
	shots := screenshotDir(t)

	_, base := startSite(t, submit.Config{}, func(s *site) map[string]http.Handler {
		return map[string]http.Handler{render.StylesheetPath: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			xslFetches.Add(1)
			s.handler.ServeHTTP(w, r)
		})}
	})
	postURL := base + "/posts/logbooks"

	t.Run("autodiscovery", func(t *testing.T) {
		doc := parseHTML(t, strings.NewReader(browser.dumpDOM(postURL)))
		links := findAll(doc, tagged("link", "rel", "alternate"))
		if len(links) != 11 {
			t.Fatalf("the post page has %d feed links, want 11 (posts, comments, thread × 3 formats, and its category and author in Atom)", len(links))
		}
		for _, l := range links {
			href, typ := attr(l, "href"), attr(l, "type")
			resp, err := http.Get(href)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			ct := resp.Header.Get("Content-Type")
			if resp.StatusCode != 200 || !strings.HasPrefix(ct, typ+";") || len(body) == 0 {
				t.Errorf("GET %s (type %s) = %d, Content-Type %q, %d bytes", href, typ, resp.StatusCode, ct, len(body))
			}
			if attr(l, "title") == "" {
				t.Errorf("link to %s has no title", href)
			}
		}
		browser.screenshot(postURL, filepath.Join(shots, "post.png"), 1200, 1600)
		browser.screenshot(postURL, filepath.Join(shots, "post-phone.png"), 412, 915)
		browser.screenshot(base+"/", filepath.Join(shots, "home.png"), 1200, 1600)
	})

	t.Run("comment form", func(t *testing.T) {
		ctx := browser.session()
		const words = "Posted from a real browser, without JavaScript."
		steps(t, ctx,
			chromedp.Navigate(postURL),
			chromedp.SendKeys(chromedp.ID("author"), "Browser Reader"),
			chromedp.SendKeys(chromedp.ID("author_uri"), "https://reader.example.net/"),
			chromedp.SendKeys(chromedp.ID("content"), words),
			chromedp.Click(chromedp.CSS(`#comment-form button[type="submit"]`)),
			waitLocation(atComment),
		)
		location := run(t, ctx, chromedp.Location())
		id, ok := strings.CutPrefix(location, postURL+"#comment-")
		if !ok || !feed.ValidID(id) {
			t.Fatalf("after posting, the browser is at %s, want %s#comment-{id}", location, postURL)
		}
		article := run(t, ctx, chromedp.OuterHTML(chromedp.ID("comment-"+id)))
		if !strings.Contains(article, words) || !strings.Contains(article, "Browser Reader") {
			t.Errorf("the page shows the new comment as %s", article)
		}
		// The comment is in the thread feed, its link the page's anchor.
		atom := get(t, base+"/feeds/posts/logbooks/comments.atom")
		if !strings.Contains(atom, words) || !strings.Contains(atom, `href="`+location+`"`) {
			t.Errorf("the thread feed lacks the comment or its link %s:\n%s", location, atom)
		}

		// A reply, through the comment's reply link: it nests under it.
		const reply = "And a reply to it, nested."
		steps(t, ctx,
			chromedp.Click(chromedp.CSS(`#comment-`+id+` .reply a`)),
			waitLocation(func(loc string) bool { return strings.Contains(loc, "?reply="+id) }),
			chromedp.WaitVisible(chromedp.ID("comment-form-heading")),
			chromedp.SendKeys(chromedp.ID("author"), "Second Reader"),
			chromedp.SendKeys(chromedp.ID("content"), reply),
			chromedp.Click(chromedp.CSS(`#comment-form button[type="submit"]`)),
			waitLocation(atComment),
		)
		location = run(t, ctx, chromedp.Location())
		nested := run(t, ctx, chromedp.OuterHTML(chromedp.ID("comment-"+id)))
		replyID := location[strings.LastIndex(location, "#comment-")+len("#comment-"):]
		if replyID == id || !strings.Contains(nested, `id="comment-`+replyID+`"`) || !strings.Contains(nested, reply) {
			t.Errorf("the reply %s is not nested in comment %s: %s", replyID, id, nested)
		}
		// The whole thread, new comments at its end; a screenshot of the
		// page scrolled to an anchor leaves the part above it blank.
		browser.screenshot(postURL, filepath.Join(shots, "after-comment.png"), 1200, 2400)
	})

	t.Run("feed page", func(t *testing.T) {
		// A reader who opens a feed's link gets a page feedd writes
		// itself: threaded as on the post's page, the address to copy,
		// and no XSLT involved (the stylesheet is never fetched, and
		// the document is HTML, not XML transformed).
		for _, f := range []feed.Format{feed.Atom, feed.RSS, feed.JSON} {
			path := "/feeds/posts/logbooks/comments." + string(f)
			before := xslFetches.Load()
			dom := browser.dumpDOM(base + path)
			for _, want := range []string{
				"This is a web feed",               // the explanation
				`value="` + base + path,            // the address to copy
				"<p>Who relieved the keepers?</p>", // content rendered as HTML
			} {
				if !strings.Contains(dom, want) {
					t.Errorf("%s in Chromium lacks %q:\n%s", path, want, dom)
				}
			}
			doc := parseHTML(t, strings.NewReader(dom))
			if n := findAll(doc, tagged("ol", "class", "replies")); len(n) == 0 {
				t.Errorf("%s: the conversation is not threaded (no replies nested):\n%s", path, dom)
			}
			if xslFetches.Load() != before {
				t.Errorf("%s: Chromium fetched the XSLT stylesheet", path)
			}
			browser.screenshot(base+path, filepath.Join(shots, "feed-"+string(f)+".png"), 1200, 1600)

			// A feed reader gets the feed's own media type and bytes.
			resp, err := http.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if got := resp.Header.Get("Content-Type"); got != render.ContentType(f) || strings.Contains(string(body), "<html") {
				t.Errorf("GET %s without Accept: Content-Type %q, want the feed's %q", path, got, render.ContentType(f))
			}
		}
		browser.screenshot(base+"/feeds/posts.atom", filepath.Join(shots, "feed-posts.png"), 1200, 1600)
		browser.screenshot(base+"/feeds/comments.rss", filepath.Join(shots, "feed-comments.png"), 1200, 1600)
	})
}

// xslFetches counts requests for the feeds' XSLT stylesheet, which the
// feed pages must not need.
var xslFetches atomic.Int64

// atComment reports whether a page URL is at a comment's anchor, where
// the form sends the reader after posting.
func atComment(loc string) bool {
	_, frag, _ := strings.Cut(loc, "#")
	return strings.HasPrefix(frag, "comment-") && frag != "comment-form" && !strings.Contains(loc, "?")
}

// waitLocation waits until the page's URL satisfies ok.
func waitLocation(ok func(string) bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for {
			loc, err := chromedp.Location()(ctx, t)
			if err != nil {
				return err
			}
			if ok(loc) {
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

// get returns the body of a 200 answer to GET url.
func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d, %v", url, resp.StatusCode, err)
	}
	return string(b)
}

// TestBrowser_AdminInbox signs in to the moderation inbox in Chromium,
// approves the held comment with its button, and finds it in the thread
// feed.
func TestBrowser_AdminInbox(t *testing.T) {
	browser := newChromium(t)
	_, base := startSiteWith(t, submit.Config{}, web.Options{Title: siteTitle, AdminToken: adminToken}, func(*site) map[string]http.Handler { return nil })
	ctx := browser.session()
	steps(t, ctx,
		chromedp.Navigate(base+"/admin/"),
		chromedp.SendKeys(chromedp.ID("admin-token"), adminToken),
		chromedp.Click(chromedp.CSS(`form[action="/admin/signin"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("pending-heading")),
	)
	if inbox := run(t, ctx, chromedp.OuterHTML(chromedp.ID("main"))); !strings.Contains(inbox, "Waiting for review.") {
		t.Fatalf("the inbox does not show the held comment: %s", inbox)
	}
	if strings.Contains(get(t, base+"/feeds/posts/logbooks/comments.atom"), "Waiting for review.") {
		t.Fatal("the held comment is in the thread feed before approval")
	}
	steps(t, ctx,
		chromedp.Click(chromedp.CSS(`form[action="/admin/comments/h1/approve"] button[type="submit"]`)),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			for {
				counts, err := chromedp.Text(chromedp.CSS("p.counts"))(ctx, tg)
				if err == nil && strings.HasPrefix(counts, "0 pending") {
					return nil
				}
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(50 * time.Millisecond):
				}
			}
		}),
	)
	if !strings.Contains(get(t, base+"/feeds/posts/logbooks/comments.atom"), "Waiting for review.") {
		t.Error("the approved comment is not in the thread feed")
	}
}
