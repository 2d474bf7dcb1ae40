package webmention

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/sqlite"
)

// clock is a test's clock, moved by hand: the store's and the sender's.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// remote is a remote site: pages by path, each advertising an endpoint
// (or none) whose answers a test scripts, and a record of every
// Webmention received and every page fetched.
type remote struct {
	srv *httptest.Server

	mu       sync.Mutex
	answers  map[string][]int // endpoint path → statuses to answer in turn (the last repeats)
	received []string         // "endpoint source target", in order
	fetched  map[string]int   // page path → GETs
}

func newRemote(t *testing.T) *remote {
	r := &remote{answers: map[string][]int{}, fetched: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

// The remote's pages: /a, /b, /c and /d advertise /wm (in a Link header
// for /a, in the HTML for the others); /bad advertises /wm-400, /flaky
// /wm-flaky, /down /wm-503; /plain has no endpoint.
func (r *remote) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if req.Method == http.MethodPost {
		req.ParseForm()
		r.received = append(r.received, req.URL.Path+" "+req.PostForm.Get("source")+" "+req.PostForm.Get("target"))
		code := http.StatusAccepted
		if a := r.answers[req.URL.Path]; len(a) > 0 {
			code = a[0]
			if len(a) > 1 {
				r.answers[req.URL.Path] = a[1:]
			}
		}
		if code == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "7200")
		}
		w.WriteHeader(code)
		return
	}
	r.fetched[req.URL.Path]++
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	switch req.URL.Path {
	case "/a":
		w.Header().Set("Link", `</wm>; rel="webmention"`)
		io.WriteString(w, `<p>page a</p>`)
	case "/b", "/c", "/d":
		io.WriteString(w, `<link rel="webmention" href="/wm">`)
	case "/bad":
		io.WriteString(w, `<link rel="webmention" href="/wm-400">`)
	case "/flaky":
		io.WriteString(w, `<link rel="webmention" href="/wm-flaky">`)
	case "/down":
		io.WriteString(w, `<link rel="webmention" href="/wm-503">`)
	case "/huge":
		// Over the poller's body limit: the Link header still counts.
		w.Header().Set("Link", `</wm>; rel="webmention"`)
		io.WriteString(w, strings.Repeat("<p>big</p>", 200<<10))
	case "/busy":
		io.WriteString(w, `<link rel="webmention" href="/wm-429">`)
	case "/plain":
		io.WriteString(w, `<p>no endpoint here</p>`)
	default:
		http.NotFound(w, req)
	}
}

// take returns and forgets what the remote received so far, sorted.
func (r *remote) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	got := slices.Sorted(slices.Values(r.received))
	r.received = nil
	return got
}

func (r *remote) fetches(path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fetched[path]
}

const base = "https://blog.example"

// sendEnv is a sender over a SQLite store on a test clock, with its outcomes
// counted.
type sendEnv struct {
	t     *testing.T
	st    *sqlite.DB
	clock *clock
	s     *Sender

	mu       sync.Mutex
	outcomes map[string]int
}

func newSendEnv(t *testing.T, allowPrivate bool, o Options) *sendEnv {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "feedd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &sendEnv{t: t, st: st, clock: &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}, outcomes: map[string]int{}}
	st.Now = e.clock.Now
	o.SourceURL = func(id string) string { return base + "/posts/" + id }
	o.Self = base
	o.Now = e.clock.Now
	if o.Backoff == nil {
		o.Backoff = func(n int) time.Duration { return time.Duration(n) * time.Hour }
	}
	o.Observe = func(outcome string) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.outcomes[outcome]++
	}
	e.s = New(st, testPoller(t, allowPrivate), o, nil)
	e.step() // starts at the log's end
	return e
}

func (e *sendEnv) step() {
	e.t.Helper()
	if err := e.s.Step(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *sendEnv) counts() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return fmt.Sprintf("sent=%d retried=%d failed=%d no_endpoint=%d",
		e.outcomes[OutcomeSent], e.outcomes[OutcomeRetried], e.outcomes[OutcomeFailed], e.outcomes[OutcomeNoEndpoint])
}

// outbox returns the post's rows as "path:state" (path of the target on
// the remote), with the last error of failed ones.
func (e *sendEnv) outbox(postID string, r *remote) string {
	e.t.Helper()
	ws, err := e.st.OutboundWebmentions(context.Background(), postID)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, w := range ws {
		out = append(out, strings.TrimPrefix(w.Target, r.srv.URL)+":"+w.State)
	}
	return strings.Join(out, " ")
}

func (e *sendEnv) post(id, content string) {
	e.t.Helper()
	if err := e.st.CreatePost(context.Background(), &feed.Post{ID: id, Title: "A post", Content: content}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *sendEnv) edit(id string, u store.PostUpdate) {
	e.t.Helper()
	if _, err := e.st.UpdatePost(context.Background(), id, u); err != nil {
		e.t.Fatal(err)
	}
}

func wantReceived(t *testing.T, r *remote, want ...string) {
	t.Helper()
	for i, w := range want {
		want[i] = strings.ReplaceAll(w, "{r}", r.srv.URL)
	}
	slices.Sort(want)
	if got := r.take(); !slices.Equal(got, want) {
		t.Fatalf("received\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

func textPtr[T any](v T) *T { return &v }

// A local post's links are told once each; an edit that changes the post
// (its title or content) tells every link it has and those it removed,
// once, and one that does not change them tells no one; a deletion tells
// every link still there.
func TestSender_PublishEditDelete(t *testing.T) {
	r := newRemote(t)
	e := newSendEnv(t, true, Options{})
	src := base + "/posts/p1"
	e.post("p1", fmt.Sprintf(`<p>See <a href="%[1]s/a">a</a>, <a href="%[1]s/b#frag">b</a> and <a href="%[1]s/a">a again</a>,
		<a href="/relative">mine</a>, <a href="%[2]s/posts/other">mine too</a>, <a href="mailto:x@example.com">mail</a>.</p>`, r.srv.URL, base))
	e.step()
	wantReceived(t, r, "/wm "+src+" {r}/a", "/wm "+src+" {r}/b")
	e.step()
	e.clock.Advance(48 * time.Hour)
	e.step()
	wantReceived(t, r)

	// Drop b, add c: b and c are told, and a again, as the post it is
	// mentioned by changed.
	e.clock.Advance(time.Minute)
	e.edit("p1", store.PostUpdate{Content: textPtr(fmt.Sprintf(`<a href="%[1]s/a">a</a> <a href="%[1]s/c">c</a>`, r.srv.URL))})
	e.step()
	wantReceived(t, r, "/wm "+src+" {r}/a", "/wm "+src+" {r}/b", "/wm "+src+" {r}/c")
	// A new title is a new version: the links are told again, once.
	e.clock.Advance(time.Minute)
	e.edit("p1", store.PostUpdate{Title: textPtr("A new title")})
	e.step()
	e.step()
	wantReceived(t, r, "/wm "+src+" {r}/a", "/wm "+src+" {r}/c")
	// An edit of what a mention does not show tells no one.
	e.clock.Advance(time.Minute)
	e.edit("p1", store.PostUpdate{Categories: &[]string{"x"}})
	e.step()
	wantReceived(t, r)
	if got, want := e.outbox("p1", r), "/a:sent /b:sent /c:sent"; got != want {
		t.Fatalf("outbox %s, want %s", got, want)
	}

	// Deleted: a and c are told (b was told of its removal already).
	e.clock.Advance(time.Minute)
	if _, err := e.st.DeletePost(context.Background(), "p1"); err != nil {
		t.Fatal(err)
	}
	e.step()
	wantReceived(t, r, "/wm "+src+" {r}/a", "/wm "+src+" {r}/c")
	if got := e.counts(); got != "sent=9 retried=0 failed=0 no_endpoint=0" {
		t.Fatalf("outcomes %s", got)
	}
}

// A failure worth retrying (500) is retried after the backoff, not
// before; a 4xx is given up at once; a target without an endpoint is
// recorded and not fetched again; an endpoint that keeps failing is
// given up after MaxAttempts.
func TestSender_Outcomes(t *testing.T) {
	r := newRemote(t)
	r.answers["/wm-flaky"] = []int{500, 202}
	r.answers["/wm-400"] = []int{400}
	r.answers["/wm-503"] = []int{503}
	e := newSendEnv(t, true, Options{MaxAttempts: 3})
	src := base + "/posts/p1"
	e.post("p1", fmt.Sprintf(`<a href="%[1]s/flaky">1</a> <a href="%[1]s/bad">2</a> <a href="%[1]s/plain">3</a> <a href="%[1]s/down">4</a> <a href="%[1]s/missing">5</a>`, r.srv.URL))
	e.step()
	wantReceived(t, r, "/wm-flaky "+src+" {r}/flaky", "/wm-400 "+src+" {r}/bad", "/wm-503 "+src+" {r}/down")
	if got, want := e.outbox("p1", r), "/bad:failed /down:pending /flaky:pending /missing:failed /plain:no_endpoint"; got != want {
		t.Fatalf("outbox %s, want %s", got, want)
	}
	// Not due yet (the first backoff is an hour here).
	e.clock.Advance(59 * time.Minute)
	e.step()
	wantReceived(t, r)
	e.clock.Advance(time.Minute)
	e.step()
	wantReceived(t, r, "/wm-flaky "+src+" {r}/flaky", "/wm-503 "+src+" {r}/down")
	// The third and last attempt at /down, two hours later.
	e.clock.Advance(2 * time.Hour)
	e.step()
	wantReceived(t, r, "/wm-503 "+src+" {r}/down")
	e.clock.Advance(100 * time.Hour)
	e.step()
	wantReceived(t, r)
	if got, want := e.outbox("p1", r), "/bad:failed /down:failed /flaky:sent /missing:failed /plain:no_endpoint"; got != want {
		t.Fatalf("outbox %s, want %s", got, want)
	}
	if n := r.fetches("/plain"); n != 1 {
		t.Fatalf("the page without endpoint was fetched %d times, want 1", n)
	}
	ws, _ := e.st.OutboundWebmentions(context.Background(), "p1")
	for _, w := range ws {
		switch strings.TrimPrefix(w.Target, r.srv.URL) {
		case "/bad":
			if w.LastStatus != 400 || !strings.Contains(w.LastError, "400") || w.Attempts != 1 {
				t.Errorf("/bad: %+v", w)
			}
		case "/down":
			if w.LastStatus != 503 || w.Attempts != 3 {
				t.Errorf("/down: %+v", w)
			}
		case "/missing":
			if w.LastStatus != 404 || w.Endpoint != "" {
				t.Errorf("/missing: %+v", w)
			}
		case "/flaky":
			if w.LastStatus != 202 || w.Endpoint != r.srv.URL+"/wm-flaky" || w.LastError != "" {
				t.Errorf("/flaky: %+v", w)
			}
		}
	}
	if got := e.counts(); got != "sent=1 retried=3 failed=3 no_endpoint=1" {
		t.Fatalf("outcomes %s", got)
	}
}

// Without allow_private a target on a private address (loopback here) is
// not fetched at all, and given up.
func TestSender_PrivateTarget(t *testing.T) {
	r := newRemote(t)
	e := newSendEnv(t, false, Options{})
	e.post("p1", fmt.Sprintf(`<a href="%s/a">a</a>`, r.srv.URL))
	e.step()
	e.clock.Advance(48 * time.Hour)
	e.step()
	if n := r.fetches("/a"); n != 0 {
		t.Fatalf("a private target was fetched %d times", n)
	}
	wantReceived(t, r)
	ws, _ := e.st.OutboundWebmentions(context.Background(), "p1")
	if len(ws) != 1 || ws[0].State != store.WebmentionFailed || !strings.Contains(ws[0].LastError, "private address") {
		t.Fatalf("outbox %+v", ws)
	}
}

// Posts mirrored from upstream (or imported) are not this site's: their
// links are told nothing, and no outbox row is made.
func TestSender_MirroredPost(t *testing.T) {
	r := newRemote(t)
	e := newSendEnv(t, true, Options{})
	p := &feed.Post{Title: "Upstream", Content: fmt.Sprintf(`<a href="%s/a">a</a>`, r.srv.URL),
		Origin: &feed.Origin{Source: "up", ID: "u1", URL: "https://upstream.example/1"}}
	if _, err := e.st.UpsertPost(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	p.Content += " edited"
	if _, err := e.st.UpsertPost(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	e.step()
	wantReceived(t, r)
	if got := e.outbox(p.ID, r); got != "" {
		t.Fatalf("outbox %s", got)
	}
	if n := r.fetches("/a"); n != 0 {
		t.Fatalf("a mirrored post's link was fetched %d times", n)
	}
}

// A sender that starts on a store whose log holds writes past its stored
// position (feedd was stopped, or the CLI wrote) plans them; a second
// sender on the same store (another process) sends nothing twice.
func TestSender_RestartAndSecondProcess(t *testing.T) {
	r := newRemote(t)
	e := newSendEnv(t, true, Options{})
	e.post("p1", fmt.Sprintf(`<a href="%s/a">a</a>`, r.srv.URL))
	// Another sender on the store, as after a restart or in another
	// process: it plans from the stored position.
	other := New(e.st, testPoller(t, true), Options{SourceURL: e.s.o.SourceURL, Self: base, Now: e.clock.Now}, nil)
	if err := other.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.step()
	wantReceived(t, r, "/wm "+base+"/posts/p1 {r}/a")
}

// A post's links: absolute http(s) <a> hrefs, without fragments, once
// each, in order; not the site's own, not other elements, not in
// comments.
func TestSender_Links(t *testing.T) {
	s := New(nil, nil, Options{Self: "https://blog.example/"}, nil)
	got := s.links(`<p><a href="https://x.example/1#c">x</a> <A HREF=" http://y.example/?q=1 ">y</A>
		<a href="https://x.example/1">again</a> <a href="/rel">rel</a> <a href="//z.example/p">scheme-relative</a>
		<a href="https://blog.example/posts/2">self</a> <a href="https://blog.example.evil/">not self</a>
		<!-- <a href="https://hidden.example/">x</a> --> <img src="https://img.example/i.png">
		<a name="n">no href</a> <a href="javascript:alert(1)">js</a> <a href="https://` + strings.Repeat("l", feed.MaxURILen) + `/">long</a>
		<link rel="me" href="https://link.example/"></p>`)
	want := []string{"https://x.example/1", "http://y.example/?q=1", "https://blog.example.evil/"}
	if !slices.Equal(got, want) {
		t.Fatalf("links %q, want %q", got, want)
	}
}

// A target larger than the body limit is still told when its headers
// advertise the endpoint; a 429 with Retry-After waits as long as it
// asks, past the backoff's wait.
func TestSender_HugeTargetAndRetryAfter(t *testing.T) {
	r := newRemote(t)
	r.answers["/wm-429"] = []int{429, 202}
	e := newSendEnv(t, true, Options{})
	src := base + "/posts/p1"
	e.post("p1", fmt.Sprintf(`<a href="%[1]s/huge">huge</a> <a href="%[1]s/busy">busy</a>`, r.srv.URL))
	e.step()
	wantReceived(t, r, "/wm "+src+" {r}/huge", "/wm-429 "+src+" {r}/busy")
	// The backoff says an hour, Retry-After two.
	e.clock.Advance(time.Hour + time.Minute)
	e.step()
	wantReceived(t, r)
	e.clock.Advance(time.Hour)
	e.step()
	wantReceived(t, r, "/wm-429 "+src+" {r}/busy")
	if got, want := e.outbox("p1", r), "/busy:sent /huge:sent"; got != want {
		t.Fatalf("outbox %s, want %s", got, want)
	}
}
