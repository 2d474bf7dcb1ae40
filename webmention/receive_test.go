package webmention_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/httpjson"
	"github.com/feedd/feedd/internal/sitetest"
	"github.com/feedd/feedd/internal/testutil"
	"github.com/feedd/feedd/netguard"
	"github.com/feedd/feedd/poll"
	"github.com/feedd/feedd/server"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/sqlite"
	"github.com/feedd/feedd/submit"
	"github.com/feedd/feedd/web"
	"github.com/feedd/feedd/webmention"
)

// The posts a test mentions: sitetest.Seed's, on sitetest.BaseURL.
const (
	alphaURL = sitetest.BaseURL + "/posts/alpha"
	betaURL  = sitetest.BaseURL + "/posts/beta"
)

// env is feedd's HTTP stack as cmd/feedd wires it, with the Webmention
// receiver, over a real SQLite store seeded by sitetest.Seed.
type env struct {
	db      *sqlite.DB
	r       *render.Renderer
	cache   *cache.Cache
	rc      *webmention.Receiver
	h       http.Handler
	logs    *testutil.LogBuffer
	results chan webmention.Result
}

type envOptions struct {
	allowPrivate bool
	moderation   string
	mentionRate  float64
	mentionBurst int
	maxBody      int64
	timeout      time.Duration
	queueSize    int
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	db := sitetest.OpenStore(t)
	sitetest.Seed(t, db)
	r, err := render.New(render.Options{Title: "Test blog", BaseURL: sitetest.BaseURL, TTL: 5 * time.Minute, Webmention: true})
	if err != nil {
		t.Fatal(err)
	}
	logs := &testutil.LogBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	c := cache.New(db, r, cache.Options{PageSize: 25}, log)
	if o.moderation == "" {
		o.moderation = submit.ModerationNone
	}
	if o.mentionRate == 0 {
		o.mentionRate = -1
	}
	sub := submit.New(db, c, httpjson.NewAdmin(sitetest.Token), submit.Config{
		CommentRate: -1, Moderation: o.moderation, MentionRate: o.mentionRate, MentionBurst: o.mentionBurst,
	}, log)
	if o.timeout == 0 {
		o.timeout = 10 * time.Second
	}
	p := poll.New(db, poll.Options{AllowPrivate: o.allowPrivate, Timeout: o.timeout, MaxBodyBytes: o.maxBody}, log)
	e := &env{db: db, r: r, cache: c, logs: logs, results: make(chan webmention.Result, 16)}
	e.rc = webmention.NewReceiver(db, sub, p, r, webmention.ReceiverOptions{
		AllowPrivate: o.allowPrivate,
		QueueSize:    o.queueSize,
		Observe:      func(res webmention.Result) { e.results <- res },
	}, log)
	srv := server.New(db, c, r, server.Config{Webmention: e.rc}, log)
	srv.SetPages(web.New(db, r, sub, web.Options{Title: "Test blog", Sync: c.Sync}, log))
	e.h = srv.Handler()
	if err := c.Sync(t.Context(), 0); err != nil {
		t.Fatal(err)
	}
	return e
}

// post sends a Webmention to the endpoint.
func (e *env) post(t *testing.T, source, target string) *httptest.ResponseRecorder {
	t.Helper()
	form := url.Values{}
	if source != "" {
		form.Set("source", source)
	}
	if target != "" {
		form.Set("target", target)
	}
	return sitetest.Do(t, e.h, "POST", "/webmention", form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
}

// thread returns the thread of a post, every status.
func (e *env) thread(t *testing.T, postID string) []*feed.Comment {
	t.Helper()
	cs, err := e.db.Comments(t.Context(), store.CommentFilter{PostID: postID,
		Statuses: []feed.Status{feed.StatusApproved, feed.StatusPending, feed.StatusSpam}})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// mentions returns the mentions among a post's comments.
func (e *env) mentions(t *testing.T, postID string) []*feed.Comment {
	t.Helper()
	var ms []*feed.Comment
	for _, c := range e.thread(t, postID) {
		if c.Kind != "" {
			ms = append(ms, c)
		}
	}
	return ms
}

// source is a page served by an httptest server that a test changes.
type source struct {
	*httptest.Server
	mu          sync.Mutex
	status      int
	contentType string
	body        string
}

func newSource(t *testing.T) *source {
	s := &source{status: http.StatusOK, contentType: "text/html; charset=utf-8"}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		status, ct, body := s.status, s.contentType, s.body
		s.mu.Unlock()
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *source) set(status int, contentType, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.contentType, s.body = status, contentType, body
}

// TestReceive_BadRequests: every malformed or refused request gets its
// status and a plain-text reason naming the problem, and leaves nothing
// behind: no comment, nothing queued.
func TestReceive_BadRequests(t *testing.T) {
	e := newEnv(t, envOptions{})
	before := len(e.thread(t, "alpha"))
	const src = "https://other.example/notes/1"
	long := "https://other.example/" + strings.Repeat("a", webmention.MaxURLBytes)
	for _, tc := range []struct {
		name          string
		method, ctype string
		body          string
		status        int
		want          string
	}{
		{"missing source", "", "", "target=" + url.QueryEscape(alphaURL), 400, "source: required"},
		{"missing target", "", "", "source=" + url.QueryEscape(src), 400, "target: required"},
		{"empty body", "", "", "", 400, "source: required"},
		{"non-http source", "", "", form("ftp://other.example/1", alphaURL), 400, "source: must be an absolute http or https URL"},
		{"javascript source", "", "", form("javascript:alert(1)", alphaURL), 400, "source: must be an absolute http or https URL"},
		{"relative source", "", "", form("/notes/1", alphaURL), 400, "source: must be an absolute http or https URL"},
		{"non-http target", "", "", form(src, "mailto:ann@blog.example.org"), 400, "target: must be an absolute http or https URL"},
		{"source too long", "", "", form(long, alphaURL), 400, "source: longer than 2048 bytes"},
		{"target too long", "", "", form(src, alphaURL+"?"+strings.Repeat("a", 2048)), 400, "target: longer than 2048 bytes"},
		{"space in source", "", "", form("https://other.example/a b", alphaURL), 400, "source: contains a space or a control character"},
		{"same URL", "", "", form(alphaURL, alphaURL), 400, "source: the same URL as target"},
		{"target not ours", "", "", form(src, "https://elsewhere.example/posts/alpha"), 400, "target: not a URL of this site"},
		{"target ours, not a post", "", "", form(src, sitetest.BaseURL+"/feeds/posts.atom"), 400, "target: not a post of this site"},
		{"target home page", "", "", form(src, sitetest.BaseURL+"/"), 400, "target: not a post of this site"},
		{"target unknown post", "", "", form(src, sitetest.BaseURL+"/posts/nope"), 400, `target: no post "nope" on this site`},
		{"target with a query", "", "", form(src, alphaURL+"?x=1"), 400, "target: not a post of this site"},
		{"source on this site", "", "", form(betaURL, alphaURL), 400, "source: a page of this site"},
		{"source on a private address", "", "", form("http://127.0.0.1:9/x", alphaURL), 400, "source: 127.0.0.1 is a private address"},
		{"source on localhost", "", "", form("http://localhost/x", alphaURL), 400, "source: localhost is a private address"},
		{"source on a link-local address", "", "", form("http://[fe80::1]/x", alphaURL), 400, "source: fe80::1 is a private address"},
		{"JSON body", "", "application/json", `{"source":"` + src + `","target":"` + alphaURL + `"}`, 415, "content type: send application/x-www-form-urlencoded"},
		{"GET", "GET", "", "", 405, ""},
		{"body too large", "", "", form(src, alphaURL) + "&pad=" + strings.Repeat("a", 8192), 413, "body: larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method, ctype := tc.method, tc.ctype
			if method == "" {
				method = "POST"
			}
			if ctype == "" {
				ctype = "application/x-www-form-urlencoded"
			}
			w := sitetest.Do(t, e.h, method, "/webmention", tc.body, "Content-Type", ctype)
			if w.Code != tc.status {
				t.Fatalf("status = %d (%q), want %d", w.Code, w.Body.String(), tc.status)
			}
			if tc.want != "" && !strings.Contains(w.Body.String(), tc.want) {
				t.Errorf("body = %q, want it to say %q", w.Body.String(), tc.want)
			}
			if ct := w.Header().Get("Content-Type"); method == "POST" && ct != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
		})
	}
	if n := len(e.thread(t, "alpha")); n != before {
		t.Errorf("alpha has %d comments after bad requests, want %d", n, before)
	}
	select {
	case res := <-e.results:
		t.Errorf("a bad request was verified: %+v", res)
	default:
	}
	if m, err := e.db.ClaimMention(t.Context(), time.Minute); m != nil || err != nil {
		t.Errorf("a bad request was queued: %+v, %v", m, err)
	}
}

func form(source, target string) string {
	return url.Values{"source": {source}, "target": {target}}.Encode()
}

// TestReceive_Off: without a receiver the endpoint is not there.
func TestReceive_Off(t *testing.T) {
	db := sitetest.OpenStore(t)
	sitetest.Seed(t, db)
	r, _ := render.New(render.Options{BaseURL: sitetest.BaseURL})
	c := cache.New(db, r, cache.Options{}, nil)
	srv := server.New(db, c, r, server.Config{}, nil)
	srv.SetPages(web.New(db, r, submit.New(db, c, httpjson.NewAdmin(""), submit.Config{}, nil), web.Options{}, nil))
	h := srv.Handler()
	w := sitetest.Do(t, h, "POST", "/webmention", form("https://other.example/1", alphaURL), "Content-Type", "application/x-www-form-urlencoded")
	if w.Code != http.StatusNotFound {
		t.Errorf("POST /webmention without a receiver = %d, want 404", w.Code)
	}
	// Nothing advertises it.
	for _, path := range []string{"/posts/alpha", "/feeds/posts/alpha/comments.atom", "/feeds/posts/alpha/comments.json"} {
		w := sitetest.Do(t, h, "GET", path, "")
		if w.Code != http.StatusOK || strings.Contains(strings.Join(w.Header().Values("Link"), ","), "webmention") ||
			strings.Contains(w.Body.String(), "webmention") {
			t.Errorf("GET %s = %d, Link %q: advertises a Webmention endpoint that is off", path, w.Code, w.Header().Values("Link"))
		}
	}
}

// TestReceive_RateLimit: a source host past its burst gets 429 with
// Retry-After; another host does not.
func TestReceive_RateLimit(t *testing.T) {
	e := newEnv(t, envOptions{mentionRate: 1, mentionBurst: 2})
	for i := range 2 {
		if w := e.post(t, fmt.Sprintf("https://busy.example/%d", i), alphaURL); w.Code != http.StatusAccepted {
			t.Fatalf("mention %d = %d %q, want 202", i, w.Code, w.Body.String())
		}
	}
	w := e.post(t, "https://BUSY.example/3", alphaURL)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Fatalf("third mention = %d, Retry-After %q; want 429 with one", w.Code, w.Header().Get("Retry-After"))
	}
	if !strings.Contains(w.Body.String(), "too many webmentions from BUSY.example") {
		t.Errorf("body = %q", w.Body.String())
	}
	if w := e.post(t, "https://calm.example/1", alphaURL); w.Code != http.StatusAccepted {
		t.Errorf("another host = %d, want 202", w.Code)
	}
}

// TestReceive_Refused: sources that fail verification leave nothing
// behind, and the reason is logged.
func TestReceive_Refused(t *testing.T) {
	linking := `<html><body><div class="h-entry"><p class="e-content">see <a href="` + alphaURL + `">alpha</a></p></div></body></html>`

	t.Run("private address", func(t *testing.T) {
		e := newEnv(t, envOptions{allowPrivate: false})
		src := newSource(t)
		src.set(200, "text/html", linking)
		// The endpoint refuses a literal private address at once; a name
		// that resolves to one is refused by the fetch, as here.
		res := e.rc.Verify(t.Context(), src.URL+"/note", alphaURL)
		var pe *netguard.PrivateAddressError
		if res.Action != "failed" || !errors.As(res.Err, &pe) {
			t.Errorf("Verify = %+v, want a failure with a PrivateAddressError", res)
		}
		checkNothing(t, e, "alpha")
		if !strings.Contains(e.logs.String(), "refusing to connect to private address") {
			t.Errorf("log does not give the reason:\n%s", e.logs.String())
		}
	})

	t.Run("oversized", func(t *testing.T) {
		e := newEnv(t, envOptions{allowPrivate: true, maxBody: 1024})
		src := newSource(t)
		src.set(200, "text/html", linking+strings.Repeat("<p>padding</p>", 200))
		res := e.rc.Verify(t.Context(), src.URL+"/note", alphaURL)
		var tl *poll.TooLargeError
		if res.Action != "failed" || !errors.As(res.Err, &tl) {
			t.Errorf("Verify = %+v, want a failure with a TooLargeError", res)
		}
		checkNothing(t, e, "alpha")
		if !strings.Contains(e.logs.String(), "body larger than 1024 bytes") {
			t.Errorf("log does not give the reason:\n%s", e.logs.String())
		}
	})

	t.Run("slow", func(t *testing.T) {
		e := newEnv(t, envOptions{allowPrivate: true, timeout: 300 * time.Millisecond})
		stop := make(chan struct{})
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, linking)
			// Then a byte at a time, past the poller's timeout.
			for {
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
					fmt.Fprint(w, " ")
				}
			}
		}))
		defer slow.Close()
		defer close(stop)
		res := e.rc.Verify(t.Context(), slow.URL+"/note", alphaURL)
		if res.Action != "failed" || res.Err == nil || !strings.Contains(res.Err.Error(), "timeout") {
			t.Errorf("Verify = %+v, want a timeout", res)
		}
		checkNothing(t, e, "alpha")
	})

	t.Run("not linking", func(t *testing.T) {
		e := newEnv(t, envOptions{allowPrivate: true})
		src := newSource(t)
		// Links to another post, names the target only in text, an
		// attribute that is no link, and a prefix of it.
		src.set(200, "text/html", `<div class="h-entry"><a href="`+betaURL+`">beta</a> `+alphaURL+
			` <span data-x="`+alphaURL+`"></span><a href="`+alphaURL+`x">x</a></div>`)
		res := e.rc.Verify(t.Context(), src.URL+"/note", alphaURL)
		if res.Action != "none" || res.Err == nil {
			t.Errorf("Verify = %+v, want action none with the reason", res)
		}
		checkNothing(t, e, "alpha")
	})

	t.Run("not found", func(t *testing.T) {
		e := newEnv(t, envOptions{allowPrivate: true})
		src := newSource(t)
		src.set(404, "text/html", linking)
		if res := e.rc.Verify(t.Context(), src.URL+"/note", alphaURL); res.Action != "failed" {
			t.Errorf("Verify = %+v, want failed", res)
		}
		checkNothing(t, e, "alpha")
	})
}

// checkNothing fails unless post has no mention.
func checkNothing(t *testing.T, e *env, postID string) {
	t.Helper()
	if ms := e.mentions(t, postID); len(ms) != 0 {
		t.Errorf("post %s has mentions %+v, want none", postID, ms[0])
	}
	stones, err := e.db.Tombstones(t.Context(), feed.ThreadFeed(postID), 0)
	if err != nil || len(stones) != 0 {
		t.Errorf("tombstones = %v, %v; want none", stones, err)
	}
}

// TestReceive_Links: what counts as a link to the target.
func TestReceive_Links(t *testing.T) {
	e := newEnv(t, envOptions{allowPrivate: true})
	src := newSource(t)
	for _, tc := range []struct {
		name, ctype, body string
		links             bool
	}{
		{"a href", "text/html", `<a href="` + alphaURL + `">x</a>`, true},
		{"relative, through base", "text/html", `<base href="` + sitetest.BaseURL + `/posts/"><a href="alpha">x</a>`, true},
		{"img src", "text/html", `<img src="` + alphaURL + `">`, true},
		{"link href", "text/html", `<link rel="in-reply-to" href="` + alphaURL + `">`, true},
		{"case and fragment", "text/html", `<a href="HTTPS://Blog.Example.org:443/posts/alpha#comments">x</a>`, true},
		{"plain text", "text/plain", "I liked " + alphaURL + " a lot", true},
		{"JSON", "application/json", `{"url":"` + alphaURL + `"}`, true},
		{"text only in HTML", "text/html", `<p>` + alphaURL + `</p>`, false},
		{"another post", "text/html", `<a href="` + betaURL + `">x</a>`, false},
		{"plain text without", "text/plain", "nothing here", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src.set(200, tc.ctype, tc.body)
			res := e.rc.Verify(t.Context(), src.URL+"/"+url.PathEscape(tc.name), alphaURL)
			if got := res.Action == "stored"; got != tc.links {
				t.Errorf("Verify = %+v; linked %v, want %v", res, got, tc.links)
			}
		})
	}
}

// TestReceive_Moderation: a held mention stays pending until approved,
// and the site it came from is then known to first-time moderation.
func TestReceive_Moderation(t *testing.T) {
	e := newEnv(t, envOptions{allowPrivate: true, moderation: submit.ModerationFirstTime})
	src := newSource(t)
	src.set(200, "text/html", `<div class="h-entry"><a href="`+alphaURL+`">alpha</a> and <a href="`+betaURL+`">beta</a></div>`)
	res := e.rc.Verify(t.Context(), src.URL+"/1", alphaURL)
	if res.Comment == nil || res.Comment.Status != feed.StatusPending {
		t.Fatalf("first mention = %+v, want held", res)
	}
	if body := get(t, e, "/feeds/posts/alpha/comments.atom"); strings.Contains(body, src.URL+"/1") {
		t.Error("a held mention is in the thread feed")
	}
	if _, err := e.db.UpdateComment(t.Context(), res.Comment.ID, store.CommentUpdate{Status: ptr(feed.StatusApproved)}); err != nil {
		t.Fatal(err)
	}
	res = e.rc.Verify(t.Context(), src.URL+"/2", betaURL)
	if res.Comment == nil || res.Comment.Status != feed.StatusApproved {
		t.Errorf("a known site's mention = %+v, want approved", res)
	}
}

func ptr[T any](v T) *T { return &v }

// get fetches a path of the site, failing unless it answers 200.
func get(t *testing.T, e *env, path string) string {
	t.Helper()
	if err := e.cache.Sync(t.Context(), 0); err != nil {
		t.Fatal(err)
	}
	w := sitetest.Do(t, e.h, "GET", path, "")
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s = %d", path, w.Code)
	}
	return w.Body.String()
}

// TestReceive_Pages: what a mention takes from pages of every shape.
func TestReceive_Pages(t *testing.T) {
	e := newEnv(t, envOptions{allowPrivate: true})
	src := newSource(t)
	host := strings.TrimPrefix(src.URL, "http://")
	host = host[:strings.LastIndex(host, ":")]

	t.Run("no h-entry: the title, the host", func(t *testing.T) {
		src.set(200, "text/html", `<html><head><title>Links of the week</title></head><body><a href="`+alphaURL+`">alpha</a></body></html>`)
		res := e.rc.Verify(t.Context(), src.URL+"/week", alphaURL)
		c := res.Comment
		if c == nil || c.Content != "Links of the week" || c.AuthorName != host || c.AuthorURI != src.URL+"/" || c.Kind != feed.MentionLink {
			t.Errorf("mention = %+v", c)
		}
	})
	t.Run("plain text: the source URL", func(t *testing.T) {
		src.set(200, "text/plain", "see "+alphaURL)
		res := e.rc.Verify(t.Context(), src.URL+"/note.txt", alphaURL)
		if c := res.Comment; c == nil || c.Content != src.URL+"/note.txt" || c.AuthorName != host {
			t.Errorf("mention = %+v", c)
		}
	})
	t.Run("latin-1", func(t *testing.T) {
		src.set(200, "text/html; charset=iso-8859-1", "<div class=\"h-entry\"><a class=\"p-author h-card\" href=\"/\">Zo\xeb</a>"+
			"<p class=\"e-content\">Tr\xe8s bien: <a href=\""+alphaURL+"\">alpha</a></p></div>")
		res := e.rc.Verify(t.Context(), src.URL+"/latin", alphaURL)
		if c := res.Comment; c == nil || c.AuthorName != "Zoë" || !strings.Contains(c.Content, "Très bien") {
			t.Errorf("mention = %+v", c)
		}
	})
	t.Run("a future date is the store's clock", func(t *testing.T) {
		src.set(200, "text/html", `<div class="h-entry"><time class="dt-published" datetime="2999-01-01T00:00:00Z"></time><a class="u-like-of" href="`+alphaURL+`">a</a></div>`)
		res := e.rc.Verify(t.Context(), src.URL+"/future", alphaURL)
		if c := res.Comment; c == nil || c.Published.Year() == 2999 || c.Kind != feed.MentionLike {
			t.Errorf("mention = %+v", c)
		}
	})
	t.Run("long content is cut", func(t *testing.T) {
		src.set(200, "text/html", `<div class="h-entry"><p class="e-content">`+strings.Repeat("word ", 5000)+`<a href="`+alphaURL+`">a</a></p></div>`)
		res := e.rc.Verify(t.Context(), src.URL+"/long", alphaURL)
		if c := res.Comment; c == nil || len([]rune(c.Content)) > submit.DefaultMaxCommentLength || !strings.HasSuffix(c.Content, "…") {
			t.Errorf("mention = %+v, %v", c, res.Err)
		}
	})
	t.Run("nested too deep: kept as it was", func(t *testing.T) {
		src.set(200, "text/html", `<a href="`+alphaURL+`">a</a>`)
		before := e.rc.Verify(t.Context(), src.URL+"/deep", alphaURL)
		if before.Comment == nil {
			t.Fatalf("Verify = %+v", before)
		}
		src.set(200, "text/html", strings.Repeat("<div>", 1000)+`<a href="`+alphaURL+`">a</a>`)
		res := e.rc.Verify(t.Context(), src.URL+"/deep", alphaURL)
		if res.Action != "failed" || !strings.Contains(res.Err.Error(), "unreadable HTML") {
			t.Errorf("Verify = %+v, want a failure", res)
		}
		if m, err := e.db.Mention(t.Context(), "alpha", src.URL+"/deep"); err != nil || m.ID != before.Comment.ID {
			t.Errorf("Mention = %+v, %v; want it kept", m, err)
		}
	})
}

// TestReceive_Queue: the queue is the store's: bounded (503 with
// Retry-After when full), one entry per source and target, and kept for
// a receiver started later, as after a restart.
func TestReceive_Queue(t *testing.T) {
	e := newEnv(t, envOptions{allowPrivate: true, queueSize: 2})
	src := newSource(t)
	src.set(200, "text/html", `<a href="`+alphaURL+`">alpha</a>`)
	for _, path := range []string{"/1", "/2", "/1"} {
		if w := e.post(t, src.URL+path, alphaURL); w.Code != http.StatusAccepted {
			t.Fatalf("POST %s = %d %q", path, w.Code, w.Body.String())
		}
	}
	w := e.post(t, src.URL+"/3", alphaURL)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), "queue is full") {
		t.Fatalf("POST past the bound = %d %q, Retry-After %q; want 503", w.Code, w.Body.String(), w.Header().Get("Retry-After"))
	}
	// Another receiver over the store (a restarted feedd) verifies them.
	results := make(chan webmention.Result, 4)
	p := poll.New(e.db, poll.Options{AllowPrivate: true}, nil)
	rc := webmention.NewReceiver(e.db, submit.New(e.db, e.cache, httpjson.NewAdmin(""), submit.Config{Moderation: submit.ModerationNone}, nil),
		p, e.r, webmention.ReceiverOptions{AllowPrivate: true, Poll: 10 * time.Millisecond, Observe: func(r webmention.Result) { results <- r }}, nil)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- rc.Run(ctx) }()
	got := map[string]string{}
	for range 2 {
		res := testutil.Receive(t, 10*time.Second, results, "the queued mentions were not verified")
		got[res.Source] = res.Action
	}
	cancel()
	<-done
	if got[src.URL+"/1"] != "stored" || got[src.URL+"/2"] != "stored" {
		t.Errorf("verified %v, want /1 and /2 stored", got)
	}
	if ms := e.mentions(t, "alpha"); len(ms) != 2 {
		t.Errorf("%d mentions, want 2", len(ms))
	}
	if m, err := e.db.ClaimMention(t.Context(), time.Minute); m != nil || err != nil {
		t.Errorf("the queue is not empty: %+v, %v", m, err)
	}
}
