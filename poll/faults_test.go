package poll_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/testutil"
	"github.com/feedd/feedd/poll"
)

// fault is an upstream misbehaving one way, and what polling it must leave
// in the fetch state.
type fault struct {
	name  string
	setup func(u *upstream, path string) // serve path (and others it needs)
	src   func(src *poll.Source)         // adjust the source, if not nil
	// check checks the error Poll returned and the fetch state after it.
	check func(t *testing.T, e *env, u *upstream, err error, f *feed.Fetch)
}

// errHas returns a check that Poll failed with an error holding s, and
// that the state counts one failure with that error.
func errHas(s string, status int) func(*testing.T, error, *feed.Fetch) {
	return func(t *testing.T, err error, f *feed.Fetch) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("Poll error = %v, want one mentioning %q", err, s)
		}
		if !strings.Contains(f.LastError, s) || f.LastStatus != status || f.Failures != 1 {
			t.Errorf("fetch state: error %q, status %d, failures %d; want %q, %d, 1", f.LastError, f.LastStatus, f.Failures, s, status)
		}
	}
}

// backedOff checks that a failure set NextPoll one back-off ahead: a
// minute after the first failure, with jitter between half and all of it.
func backedOff(t *testing.T, f *feed.Fetch, now time.Time) {
	t.Helper()
	lo, hi := now.Add(30*time.Second), now.Add(60*time.Second)
	if f.NextPoll.Before(lo) || f.NextPoll.After(hi) {
		t.Errorf("NextPoll = %v, want within [%v, %v]", f.NextPoll, lo, hi)
	}
}

// serveRSS routes path to an RSS document with one item titled title.
func serveRSS(u *upstream, path, contentType, prolog, title string) {
	u.handle(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		fmt.Fprintf(w, `%s<rss version="2.0"><channel><title>T</title><item><guid>urn:item</guid><title>%s</title><description>%s body</description></item></channel></rss>`,
			prolog, title, title)
	})
}

func TestPoll_Faults(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	u := newUpstream(t)
	// The body limit is 256 KiB rather than the default 10 MiB, so that
	// reading up to it takes well under the 1s timeout even with -race on
	// a loaded machine (at 1 MiB it did not always).
	const limit = 256 << 10
	e := newEnv(t, poll.Options{Timeout: time.Second, MaxBodyBytes: limit, Now: func() time.Time { return now }})
	u.serveFeed("/healthy", "application/atom+xml", atomFeed("Healthy",
		atomEntry{ID: "urn:healthy", Title: "Fine", Content: "fine", Published: rfc3339(now.Add(-time.Hour))}))

	faults := []fault{
		{
			name: "500",
			setup: func(u *upstream, path string) {
				u.handle(path, func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) })
			},
			check: func(t *testing.T, e *env, u *upstream, err error, f *feed.Fetch) {
				errHas("500 Internal Server Error", 500)(t, err, f)
				backedOff(t, f, now)
			},
		},
		{
			name: "Timeout",
			setup: func(u *upstream, path string) {
				u.handle(path, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
			},
			check: func(t *testing.T, e *env, u *upstream, err error, f *feed.Fetch) {
				errHas("timeout after 1s", 0)(t, err, f)
				backedOff(t, f, now)
			},
		},
		{
			name: "Body50MB",
			setup: func(u *upstream, path string) {
				u.handle(path, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/rss+xml")
					fmt.Fprint(w, `<rss version="2.0"><channel><title>`)
					chunk := []byte(strings.Repeat("a", 64<<10))
					for n := 0; n < 50<<20; n += len(chunk) {
						if _, err := w.Write(chunk); err != nil {
							return // the poller hung up, as it should
						}
					}
				})
			},
			check: func(t *testing.T, e *env, u *upstream, err error, f *feed.Fetch) {
				errHas(fmt.Sprintf("body larger than %d bytes", limit), 200)(t, err, f)
			},
		},
		{
			name: "MalformedXML",
			setup: func(u *upstream, path string) {
				u.serveFeed(path, "application/rss+xml", `<rss version="2.0"><channel><item><title>cut off`)
			},
			check: func(t *testing.T, e *env, u *upstream, err error, f *feed.Fetch) {
				errHas("parse: ", 200)(t, err, f)
				backedOff(t, f, now)
			},
		},
		{
			name: "NotAFeed",
			setup: func(u *upstream, path string) {
				u.serveFeed(path, "text/html", `<!DOCTYPE html><html><body>Hello</body></html>`)
			},
			check: func(t *testing.T, e *env, u *upstream, err error, f *feed.Fetch) {
				errHas("failed to detect feed type", 200)(t, err, f)
			},
		},
		{
			name: "EntityBomb",
			setup: func(u *upstream, path string) {
				var b strings.Builder
				b.WriteString(`<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol0 "lollollollollollollollollollol">`)
				for i := 1; i <= 9; i++ {
					fmt.Fprintf(&b, `<!ENTITY lol%d "%s">`, i, strings.Repeat(fmt.Sprintf("&lol%d;", i-1), 10))
				}
				b.WriteString(`]><rss version="2.0"><channel><title>&lol9;</title><item><guid>urn:bomb</guid><title>&lol9;</title><description>&lol9;</description></item></channel></rss>`)
				u.serveFeed(path, "application/rss+xml", b.String())
			},
			check: func(t *testing.T, e *env, u *upstream, err error, f *feed.Fetch) {
				errHas("declares entities", 200)(t, err, f)
				if n := len(e.posts(t, "EntityBomb")); n != 0 {
					t.Errorf("%d posts stored from a refused document", n)
				}
			},
		},
		{
			name: "InvalidUTF8",
			setup: func(u *upstream, path string) {
				serveRSS(u, path, "application/rss+xml", `<?xml version="1.0" encoding="UTF-8"?>`, "a\xff\xfeb\xc3")
			},
			check: func(t *testing.T, e *env, u *upstream, err error, f *feed.Fetch) {
				if err != nil {
					t.Fatalf("Poll: %v", err)
				}
				p := e.posts(t, "InvalidUTF8")["urn:item"]
				if p == nil {
					t.Fatal("post not stored")
				}
				if p.Title != "ab" || !utf8.ValidString(p.Content) || p.Content != "ab body" {
					t.Errorf("stored title %q, content %q; want the invalid bytes dropped", p.Title, p.Content)
				}
			},
		},
		{
			name: "Latin1Prolog",
			setup: func(u *upstream, path string) {
				// Content-Type says nothing of the charset; the XML
				// declaration does.
				serveRSS(u, path, "application/rss+xml", `<?xml version="1.0" encoding="ISO-8859-1"?>`, "Caf\xe9")
			},
			check: func(t *testing.T, e *env, u *upstream, err error, f *feed.Fetch) {
				checkTitle(t, e, "Latin1Prolog", err, "Café")
			},
		},
		{
			name: "Latin1ContentType",
			setup: func(u *upstream, path string) {
				serveRSS(u, path, "text/xml; charset=ISO-8859-1", "", "Caf\xe9 cr\xe8me")
			},
			check: func(t *testing.T, e *env, u *upstream, err error, f *feed.Fetch) {
				checkTitle(t, e, "Latin1ContentType", err, "Café crème")
			},
		},
		{
			name: "RedirectLoop",
			setup: func(u *upstream, path string) {
				u.handle(path, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, path+"/b", http.StatusFound) })
				u.handle(path+"/b", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, path, http.StatusFound) })
			},
			check: func(t *testing.T, e *env, u *upstream, err error, f *feed.Fetch) {
				errHas("redirect loop", 0)(t, err, f)
			},
		},
		{
			name: "TooManyRedirects",
			setup: func(u *upstream, path string) {
				for i := range 10 {
					u.handle(fmt.Sprintf("%s/%d", path, i), func(w http.ResponseWriter, r *http.Request) {
						http.Redirect(w, r, fmt.Sprintf("%s/%d", path, i+1), http.StatusFound)
					})
				}
				u.handle(path, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, path+"/0", http.StatusFound) })
			},
			check: func(t *testing.T, e *env, u *upstream, err error, f *feed.Fetch) {
				errHas("too many redirects", 0)(t, err, f)
			},
		},
		{
			name: "RetryAfterSeconds",
			setup: func(u *upstream, path string) {
				u.handle(path, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Retry-After", "120")
					http.Error(w, "slow down", http.StatusTooManyRequests)
				})
			},
			check: func(t *testing.T, e *env, u *upstream, err error, f *feed.Fetch) {
				errHas("429 Too Many Requests", 429)(t, err, f)
				if want := now.Add(120 * time.Second); !f.NextPoll.Equal(want) {
					t.Errorf("NextPoll = %v, want %v (Retry-After: 120)", f.NextPoll, want)
				}
				// Not due yet: polling again makes no request.
				if err := e.p.Poll(context.Background(), poll.Source{Name: "RetryAfterSeconds", URL: u.url("/RetryAfterSeconds")}); err != nil {
					t.Errorf("Poll before NextPoll: %v", err)
				}
				if n := u.hitCount("/RetryAfterSeconds"); n != 1 {
					t.Errorf("%d requests, want 1: polled before Retry-After passed", n)
				}
			},
		},
		{
			name: "RetryAfterDate",
			setup: func(u *upstream, path string) {
				u.handle(path, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Retry-After", now.Add(time.Hour).Format(http.TimeFormat))
					http.Error(w, "maintenance", http.StatusServiceUnavailable)
				})
			},
			check: func(t *testing.T, e *env, u *upstream, err error, f *feed.Fetch) {
				errHas("503 Service Unavailable", 503)(t, err, f)
				if want := now.Add(time.Hour); !f.NextPoll.Equal(want) {
					t.Errorf("NextPoll = %v, want %v (Retry-After as a date)", f.NextPoll, want)
				}
			},
		},
		{
			name: "Gone",
			setup: func(u *upstream, path string) {
				u.handle(path, func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusGone) })
			},
			check: func(t *testing.T, e *env, u *upstream, err error, f *feed.Fetch) {
				errHas("410", 410)(t, err, f)
				if !f.Disabled {
					t.Error("a 410 did not disable the feed")
				}
				if err := e.p.Poll(context.Background(), poll.Source{Name: "Gone", URL: u.url("/Gone")}); err != nil {
					t.Errorf("Poll of a disabled feed: %v", err)
				}
				if n := u.hitCount("/Gone"); n != 1 {
					t.Errorf("%d requests, want 1: a disabled feed was polled", n)
				}
			},
		},
		{
			name: "MovedPermanently",
			setup: func(u *upstream, path string) {
				u.handle(path, func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, "/moved/new", http.StatusMovedPermanently)
				})
				u.handle("/moved/new", func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, "/moved/newer", http.StatusPermanentRedirect)
				})
				serveRSS(u, "/moved/newer", "application/rss+xml", "", "Moved")
			},
			check: func(t *testing.T, e *env, u *upstream, err error, f *feed.Fetch) {
				checkTitle(t, e, "MovedPermanently", err, "Moved")
				if want := u.url("/moved/newer"); f.URL != want {
					t.Errorf("fetch URL = %q, want %q after 301 and 308", f.URL, want)
				}
				if err := e.p.Poll(context.Background(), poll.Source{Name: "MovedPermanently", URL: u.url("/MovedPermanently")}); err != nil {
					t.Errorf("second Poll: %v", err)
				}
				if old, moved := u.hitCount("/MovedPermanently"), u.hitCount("/moved/newer"); old != 1 || moved != 2 {
					t.Errorf("old URL got %d requests, new one %d; want 1 and 2", old, moved)
				}
			},
		},
		{
			name: "PermanentThenFound",
			setup: func(u *upstream, path string) {
				u.handle(path, func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, "/pf/new", http.StatusMovedPermanently)
				})
				u.handle("/pf/new", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/pf/newer", http.StatusFound) })
				serveRSS(u, "/pf/newer", "application/rss+xml", "", "Found")
			},
			check: func(t *testing.T, e *env, u *upstream, err error, f *feed.Fetch) {
				checkTitle(t, e, "PermanentThenFound", err, "Found")
				// The URL moves as far as the permanent redirects go.
				if want := u.url("/pf/new"); f.URL != want {
					t.Errorf("fetch URL = %q, want %q after 301 then 302", f.URL, want)
				}
			},
		},
		{
			name: "FoundThenPermanent",
			setup: func(u *upstream, path string) {
				u.handle(path, func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, "/fp/new", http.StatusTemporaryRedirect)
				})
				u.handle("/fp/new", func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, "/fp/newer", http.StatusMovedPermanently)
				})
				serveRSS(u, "/fp/newer", "application/rss+xml", "", "Found")
			},
			check: func(t *testing.T, e *env, u *upstream, err error, f *feed.Fetch) {
				checkTitle(t, e, "FoundThenPermanent", err, "Found")
				// A temporary redirect first: the URL stays.
				if want := u.url("/FoundThenPermanent"); f.URL != want {
					t.Errorf("fetch URL = %q, want %q after 307 then 301", f.URL, want)
				}
			},
		},
		{
			name: "MaxEntries",
			setup: func(u *upstream, path string) {
				var es []atomEntry
				for i := range 5 { // oldest first, to show order does not matter
					es = append(es, atomEntry{ID: fmt.Sprintf("urn:%d", i), Title: fmt.Sprint(i), Content: "x",
						Published: rfc3339(now.Add(time.Duration(i-10) * time.Hour))})
				}
				u.serveFeed(path, "application/atom+xml", atomFeed("Many", es...))
			},
			src: func(src *poll.Source) { src.MaxEntries = 2 },
			check: func(t *testing.T, e *env, u *upstream, err error, f *feed.Fetch) {
				if err != nil {
					t.Fatalf("Poll: %v", err)
				}
				posts := e.posts(t, "MaxEntries")
				if len(posts) != 2 || posts["urn:4"] == nil || posts["urn:3"] == nil {
					t.Errorf("stored %v, want the newest two, urn:4 and urn:3", posts)
				}
			},
		},
	}

	for _, fc := range faults {
		t.Run(fc.name, func(t *testing.T) {
			path := "/" + fc.name
			fc.setup(u, path)
			src := poll.Source{Name: fc.name, URL: u.url(path)}
			if fc.src != nil {
				fc.src(&src)
			}
			healthy := poll.Source{Name: "healthy-" + fc.name, URL: u.url("/healthy")}

			// The faulty source and a healthy one at once: the healthy one
			// must finish, and finish first when the faulty one hangs.
			faultDone, healthyDone := make(chan error, 1), make(chan error, 1)
			go func() { faultDone <- e.p.Poll(context.Background(), src) }()
			go func() { healthyDone <- e.p.Poll(context.Background(), healthy) }()
			if err := testutil.Receive(t, waitLimit, healthyDone, "timed out waiting for the healthy source"); err != nil {
				t.Errorf("healthy source: %v", err)
			}
			if fc.name == "Timeout" {
				select {
				case <-faultDone:
					t.Error("the hanging source finished before the healthy one")
				default:
				}
			}
			err := testutil.Receive(t, waitLimit, faultDone, "timed out waiting for the faulty source")
			if e.posts(t, healthy.Name)["urn:healthy"] == nil {
				t.Error("healthy source's post not stored")
			}
			f := e.fetch(t, fc.name, "")
			if f.LastPoll.IsZero() || !f.LastPoll.Equal(now) {
				t.Errorf("LastPoll = %v, want %v", f.LastPoll, now)
			}
			fc.check(t, e, u, err, f)
		})
	}
}

// checkTitle checks that a poll succeeded and stored its one item with
// the title want.
func checkTitle(t *testing.T, e *env, source string, err error, want string) {
	t.Helper()
	if err != nil {
		t.Fatalf("Poll: %v", err)
	}
	p := e.posts(t, source)["urn:item"]
	if p == nil {
		t.Fatal("post not stored")
	}
	if p.Title != want {
		t.Errorf("title = %q, want %q", p.Title, want)
	}
	if f := e.fetch(t, source, ""); f.LastStatus != 200 || f.Failures != 0 || f.LastError != "" {
		t.Errorf("fetch state after success: %+v", f)
	}
}

func TestPoll_TimeoutHealthyFirst(t *testing.T) {
	// The hanging source is already hanging when the healthy one starts,
	// and the healthy one is done while it still hangs.
	u := newUpstream(t)
	hanging := make(chan struct{})
	u.handle("/slow", func(w http.ResponseWriter, r *http.Request) {
		close(hanging)
		<-r.Context().Done()
	})
	u.serveFeed("/fast", "application/atom+xml", atomFeed("Fast", atomEntry{ID: "urn:f", Title: "f", Content: "f"}))
	e := newEnv(t, poll.Options{Timeout: time.Second, MaxConcurrent: 2})
	slowDone := make(chan error, 1)
	go func() { slowDone <- e.p.Poll(context.Background(), poll.Source{Name: "slow", URL: u.url("/slow")}) }()
	testutil.Receive(t, waitLimit, hanging, "timed out waiting for the slow request")
	if err := e.p.Poll(context.Background(), poll.Source{Name: "fast", URL: u.url("/fast")}); err != nil {
		t.Fatalf("fast source: %v", err)
	}
	select {
	case err := <-slowDone:
		t.Fatalf("slow source finished (%v) before the fast one", err)
	default:
	}
	if err := testutil.Receive(t, waitLimit, slowDone, "timed out waiting for the slow source"); err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Errorf("slow source: %v, want a timeout", err)
	}
}

func TestPoll_ContextCanceled(t *testing.T) {
	// A poll stopped by its caller (shutdown) is not a failure of the
	// upstream: nothing is recorded.
	u := newUpstream(t)
	hanging := make(chan struct{})
	u.handle("/slow", func(w http.ResponseWriter, r *http.Request) {
		close(hanging)
		<-r.Context().Done()
	})
	e := newEnv(t, poll.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.p.Poll(ctx, poll.Source{Name: "slow", URL: u.url("/slow")}) }()
	testutil.Receive(t, waitLimit, hanging, "timed out waiting for the request")
	cancel()
	if err := testutil.Receive(t, waitLimit, done, "timed out waiting for the poll"); err != context.Canceled {
		t.Errorf("Poll = %v, want context.Canceled", err)
	}
	if _, err := e.st.Fetch(context.Background(), "slow", ""); feed.ErrorCode(err) != feed.ENOTFOUND {
		t.Errorf("fetch state after a canceled poll: %v, want none", err)
	}
}

func TestPoll_BackoffGrowsAndResets(t *testing.T) {
	u := newUpstream(t)
	var fail atomic.Bool
	fail.Store(true)
	u.handle("/feed", func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		fmt.Fprint(w, atomFeed("T", atomEntry{ID: "urn:1", Title: "x", Content: "x"}))
	})
	now := time.Now().UTC().Truncate(time.Second)
	e := newEnv(t, poll.Options{Now: func() time.Time { return now }, MaxBackoff: 10 * time.Minute})
	src := poll.Source{Name: "s", URL: u.url("/feed")}
	// Failure n waits base·2^(n-1) = 1, 2, 4, 8, then the 10 minute cap,
	// times [0.5, 1).
	for n, full := range []time.Duration{1, 2, 4, 8, 10, 10} {
		if err := e.p.Poll(context.Background(), src); err == nil {
			t.Fatalf("failure %d: Poll succeeded", n+1)
		}
		f := e.fetch(t, "s", "")
		wait := f.NextPoll.Sub(now)
		if f.Failures != n+1 || wait < full*time.Minute/2 || wait > full*time.Minute {
			t.Errorf("failure %d: failures %d, wait %v; want %d, within [%v, %v]", n+1, f.Failures, wait, n+1, full*time.Minute/2, full*time.Minute)
		}
		now = f.NextPoll // due again
	}
	fail.Store(false)
	if err := e.p.Poll(context.Background(), src); err != nil {
		t.Fatalf("Poll after recovery: %v", err)
	}
	if f := e.fetch(t, "s", ""); f.Failures != 0 || f.LastError != "" || f.LastStatus != 200 || f.NextPoll.After(now) {
		t.Errorf("after recovery: %+v", f)
	}
}
