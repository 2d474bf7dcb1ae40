package poll_test

import (
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/testutil"
	"github.com/feedd/feedd/poll"
)

func TestPoll_ConditionalGet(t *testing.T) {
	u := newUpstream(t)
	now := time.Now().UTC()
	published := rfc3339(now.Add(-2 * time.Hour))
	var (
		mu       sync.Mutex
		etag     = `"v1"`
		modified = now.Add(-time.Hour).Format(http.TimeFormat)
		body     = atomFeed("Blog", atomEntry{ID: "urn:p1", Title: "First", Content: "<p>one</p>",
			Published: published, Updated: published})
		conditional []string // what each request sent, "etag|since"
	)
	u.handle("/feed", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		conditional = append(conditional, r.Header.Get("If-None-Match")+"|"+r.Header.Get("If-Modified-Since"))
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", modified)
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprint(w, body)
	})
	e := newEnv(t, poll.Options{UserAgent: "feedd/test (+https://mirror.example)"})
	src := poll.Source{Name: "blog", URL: u.url("/feed"), Comments: true}
	ctx := context.Background()

	if err := e.p.Poll(ctx, src); err != nil {
		t.Fatalf("first Poll: %v", err)
	}
	h := u.header("/feed")
	if got := h.Get("User-Agent"); got != "feedd/test (+https://mirror.example)" {
		t.Errorf("User-Agent = %q", got)
	}
	if got := h.Get("Accept"); !strings.Contains(got, "application/atom+xml") || !strings.Contains(got, "application/rss+xml") {
		t.Errorf("Accept = %q", got)
	}
	if got := h.Get("Accept-Encoding"); got != "gzip" {
		t.Errorf("Accept-Encoding = %q, want gzip (from the transport)", got)
	}
	first := e.posts(t, "blog")["urn:p1"]
	if first == nil {
		t.Fatal("post not stored")
	}
	f := e.fetch(t, "blog", "")
	if f.ETag != `"v1"` || f.LastModified != modified || f.LastStatus != 200 || f.LastSuccess.IsZero() {
		t.Errorf("after 200: fetch state %+v", f)
	}

	t.Run("NotModified", func(t *testing.T) {
		before, n := e.lastChange(t), e.changeCount(t)
		if err := e.p.Poll(ctx, src); err != nil {
			t.Fatalf("Poll: %v", err)
		}
		mu.Lock()
		got := conditional[len(conditional)-1]
		mu.Unlock()
		if want := `"v1"|` + modified; got != want {
			t.Errorf("second request sent If-None-Match|If-Modified-Since %q, want %q", got, want)
		}
		if got := e.lastChange(t); got != before {
			t.Errorf("LastChange moved from %d to %d on a 304", before, got)
		}
		if got := e.changeCount(t); got != n {
			t.Errorf("changed called %d times on a 304", got-n)
		}
		f := e.fetch(t, "blog", "")
		if f.LastStatus != 304 || f.ETag != `"v1"` || f.Failures != 0 || f.LastError != "" {
			t.Errorf("after 304: fetch state %+v", f)
		}
	})

	t.Run("Edited", func(t *testing.T) {
		mu.Lock()
		etag = `"v2"`
		body = atomFeed("Blog", atomEntry{ID: "urn:p1", Title: "First, edited", Content: "<p>one, edited</p>",
			Published: published, Updated: rfc3339(now.Add(-time.Minute))})
		mu.Unlock()
		n := e.changeCount(t)
		if err := e.p.Poll(ctx, src); err != nil {
			t.Fatalf("Poll: %v", err)
		}
		posts := e.posts(t, "blog")
		got := posts["urn:p1"]
		if len(posts) != 1 || got == nil {
			t.Fatalf("posts = %v, want the one post updated in place", posts)
		}
		if got.ID != first.ID {
			t.Errorf("our id changed from %q to %q", first.ID, got.ID)
		}
		if got.Title != "First, edited" || got.Content != "<p>one, edited</p>" {
			t.Errorf("post not updated: %q %q", got.Title, got.Content)
		}
		if !got.Updated.After(first.Updated) {
			t.Errorf("Updated %v did not move past %v", got.Updated, first.Updated)
		}
		if !got.Published.Equal(first.Published) {
			t.Errorf("Published moved from %v to %v", first.Published, got.Published)
		}
		if e.changeCount(t) != n+1 {
			t.Errorf("changed called %d times, want 1", e.changeCount(t)-n)
		}
		if f := e.fetch(t, "blog", ""); f.ETag != `"v2"` {
			t.Errorf("ETag = %q, want the new one", f.ETag)
		}
	})
}

func TestPoll_UndatedEntryKeepsFirstSeen(t *testing.T) {
	u := newUpstream(t)
	u.serveFeed("/feed", "application/rss+xml", `<rss version="2.0"><channel><title>T</title>
<item><title>No date</title><link>`+u.url("/a")+`</link><description>x</description></item>
<item><description>No title, link or date either</description></item>
</channel></rss>`)
	e := newEnv(t, poll.Options{})
	var storeNow atomic.Int64 // the store's clock, which dates undated entries
	storeNow.Store(time.Now().Unix())
	e.st.Now = func() time.Time { return time.Unix(storeNow.Load(), 0) }
	src := poll.Source{Name: "s", URL: u.url("/feed")}
	if err := e.p.Poll(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	posts := e.posts(t, "s")
	p := posts["link:"+u.url("/a")]
	if p == nil || len(posts) != 2 {
		t.Fatalf("posts = %v, want one keyed by link: and one by sha256:", posts)
	}
	for id, q := range posts {
		if id != "link:"+u.url("/a") && (!strings.HasPrefix(id, "sha256:") || len(id) != len("sha256:")+32) {
			t.Errorf("synthetic id %q", id)
		}
		if id != "link:"+u.url("/a") && q.Title != "No title, link or date either" {
			t.Errorf("untitled post titled %q, want the start of its text", q.Title)
		}
	}
	before := e.lastChange(t)
	storeNow.Add(60)
	if err := e.p.Poll(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	again := e.posts(t, "s")["link:"+u.url("/a")]
	if !again.Published.Equal(p.Published) || len(e.posts(t, "s")) != 2 {
		t.Errorf("re-poll: Published %v, was %v; %d posts", again.Published, p.Published, len(e.posts(t, "s")))
	}
	if got := e.lastChange(t); got != before {
		t.Errorf("re-poll of undated entries wrote (LastChange %d, was %d)", got, before)
	}
}

func TestPoll_JSONFeed(t *testing.T) {
	u := newUpstream(t)
	u.serveFeed("/feed.json", "application/feed+json", `{
  "version": "https://jsonfeed.org/version/1.1", "title": "J",
  "authors": [{"name": "Jay"}],
  "items": [
    {"id": "1", "url": "`+u.url("/1")+`", "title": "Text", "content_text": "a < b\n\nsecond", "date_published": "2024-01-02T03:04:05Z"},
    {"id": "2", "title": "HTML", "content_html": "<p><a href=\"/x\">x</a></p>", "summary": "S", "date_published": "2024-01-03T03:04:05Z",
     "authors": [{"name": "Kay", "url": "https://kay.example/"}], "tags": ["t1", "t1", " t2 "]}
  ]}`)
	e := newEnv(t, poll.Options{})
	if err := e.p.Poll(context.Background(), poll.Source{Name: "j", URL: u.url("/feed.json")}); err != nil {
		t.Fatal(err)
	}
	posts := e.posts(t, "j")
	if p := posts["1"]; p == nil || p.Content != "<p>a &lt; b</p><p>second</p>" || p.AuthorName != "Jay" {
		t.Errorf("text item = %+v", p)
	}
	p := posts["2"]
	if p == nil {
		t.Fatal("html item missing")
	}
	if p.Content != `<p><a href="`+u.url("/x")+`">x</a></p>` || p.Summary != "S" || p.AuthorName != "Kay" ||
		p.AuthorURI != "https://kay.example/" || strings.Join(p.Categories, ",") != "t1,t2" {
		t.Errorf("html item = %+v", p)
	}
	if want := time.Date(2024, 1, 3, 3, 4, 5, 0, time.UTC); !p.Published.Equal(want) {
		t.Errorf("Published = %v, want %v", p.Published, want)
	}
}

func TestPoll_SkipsWhileRunning(t *testing.T) {
	u := newUpstream(t)
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	u.handle("/feed", func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(started) })
		select {
		case <-release:
		case <-r.Context().Done():
		}
		fmt.Fprint(w, atomFeed("T", atomEntry{ID: "urn:1", Title: "x", Content: "x"}))
	})
	e := newEnv(t, poll.Options{})
	src := poll.Source{Name: "s", URL: u.url("/feed")}
	done := make(chan error, 1)
	go func() { done <- e.p.Poll(context.Background(), src) }()
	testutil.Receive(t, waitLimit, started, "timed out waiting for the first poll's request")
	if err := e.p.Poll(context.Background(), src); err != nil {
		t.Errorf("second Poll while the first runs: %v, want nil (skipped)", err)
	}
	close(release)
	if err := testutil.Receive(t, waitLimit, done, "timed out waiting for the first poll"); err != nil {
		t.Errorf("first Poll: %v", err)
	}
	if got := u.hitCount("/feed"); got != 1 {
		t.Errorf("upstream got %d requests, want 1", got)
	}
}

func TestPoll_OneRequestPerURL(t *testing.T) {
	// Two sources with the same URL: their polls take turns.
	u := newUpstream(t)
	var inFlight, most atomic.Int32
	u.handle("/feed", func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(20 * time.Millisecond) // widen the window for overlap
		fmt.Fprint(w, atomFeed("T", atomEntry{ID: "urn:1", Title: "x", Content: "x"}))
	})
	e := newEnv(t, poll.Options{})
	var wg sync.WaitGroup
	for _, name := range []string{"a", "b", "c"} {
		wg.Go(func() {
			if err := e.p.Poll(context.Background(), poll.Source{Name: name, URL: u.url("/feed")}); err != nil {
				t.Errorf("Poll %s: %v", name, err)
			}
		})
	}
	wg.Wait()
	if got := most.Load(); got != 1 {
		t.Errorf("%d requests to one URL at once, want 1", got)
	}
	if got := u.hitCount("/feed"); got != 3 {
		t.Errorf("%d requests, want 3", got)
	}
}

func TestPoll_MaxConcurrent(t *testing.T) {
	u := newUpstream(t)
	const sources, limit = 6, 2
	var inFlight, most atomic.Int32
	arrived := make(chan struct{}, sources)
	release := make(chan struct{})
	for i := range sources {
		u.handle(fmt.Sprintf("/feed%d", i), func(w http.ResponseWriter, r *http.Request) {
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			arrived <- struct{}{}
			<-release
			fmt.Fprint(w, atomFeed("T", atomEntry{ID: "urn:1", Title: "x", Content: "x"}))
		})
	}
	e := newEnv(t, poll.Options{MaxConcurrent: limit})
	var wg sync.WaitGroup
	for i := range sources {
		wg.Go(func() {
			src := poll.Source{Name: fmt.Sprintf("s%d", i), URL: u.url(fmt.Sprintf("/feed%d", i))}
			if err := e.p.Poll(context.Background(), src); err != nil {
				t.Errorf("Poll: %v", err)
			}
		})
	}
	for range limit {
		testutil.Receive(t, waitLimit, arrived, "timed out waiting for a request")
	}
	select {
	case <-arrived:
		t.Errorf("a request beyond MaxConcurrent=%d arrived", limit)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	wg.Wait()
	if got := most.Load(); got != limit {
		t.Errorf("at most %d requests in flight, want %d", got, limit)
	}
}

func TestPoll_BadSource(t *testing.T) {
	e := newEnv(t, poll.Options{})
	for _, src := range []poll.Source{
		{Name: "", URL: "https://example.com/feed"},
		{Name: "bad name", URL: "https://example.com/feed"},
		{Name: "ok", URL: "ftp://example.com/feed"},
		{Name: "ok", URL: "/feed"},
		{Name: "ok", URL: "https://example.com/feed", MaxEntries: -1},
	} {
		if err := e.p.Poll(context.Background(), src); feed.ErrorCode(err) != feed.EINVALID {
			t.Errorf("Poll(%+v) = %v, want EINVALID", src, err)
		}
	}
}

func TestPoll_Gzip(t *testing.T) {
	u := newUpstream(t)
	u.handle("/feed", func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			t.Errorf("Accept-Encoding = %q", r.Header.Get("Accept-Encoding"))
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "application/atom+xml")
		zw := gzip.NewWriter(w)
		fmt.Fprint(zw, atomFeed("Z", atomEntry{ID: "urn:z", Title: "Zipped", Content: "z"}))
		zw.Close()
	})
	e := newEnv(t, poll.Options{})
	if err := e.p.Poll(context.Background(), poll.Source{Name: "z", URL: u.url("/feed")}); err != nil {
		t.Fatal(err)
	}
	if p := e.posts(t, "z")["urn:z"]; p == nil || p.Title != "Zipped" {
		t.Errorf("post = %+v", p)
	}
}

func TestPoll_SourceURLChanged(t *testing.T) {
	// A 410 disables the feed until the configured URL changes, whether
	// the change reaches a running poller or one started afresh.
	u := newUpstream(t)
	u.handle("/old", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusGone) })
	u.serveFeed("/new", "application/atom+xml", atomFeed("New", atomEntry{ID: "urn:n", Title: "n", Content: "n"}))
	ctx := context.Background()
	for _, restart := range []bool{false, true} {
		t.Run(map[bool]string{false: "Running", true: "Restarted"}[restart], func(t *testing.T) {
			e := newEnv(t, poll.Options{})
			if err := e.p.Poll(ctx, poll.Source{Name: "s", URL: u.url("/old")}); err == nil {
				t.Fatal("Poll of a 410 succeeded")
			}
			p := e.p
			if restart {
				p = poll.New(e.st, poll.Options{AllowPrivate: true}, nil)
			}
			if err := p.Poll(ctx, poll.Source{Name: "s", URL: u.url("/new")}); err != nil {
				t.Fatalf("Poll at the new URL: %v", err)
			}
			f := e.fetch(t, "s", "")
			if f.Disabled || f.URL != u.url("/new") || f.LastStatus != 200 || f.Failures != 0 {
				t.Errorf("fetch state = %+v", f)
			}
			if e.posts(t, "s")["urn:n"] == nil {
				t.Error("post from the new URL not stored")
			}
		})
	}
}

func TestPoll_MovedAcrossRestart(t *testing.T) {
	// A poller started afresh cannot tell a moved feed from a changed
	// configuration: it starts from the configured URL and follows the
	// redirect again.
	u := newUpstream(t)
	u.handle("/old", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/new", http.StatusMovedPermanently) })
	u.serveFeed("/new", "application/atom+xml", atomFeed("New", atomEntry{ID: "urn:n", Title: "n", Content: "n"}))
	e := newEnv(t, poll.Options{})
	ctx := context.Background()
	src := poll.Source{Name: "s", URL: u.url("/old")}
	for range 2 {
		if err := e.p.Poll(ctx, src); err != nil {
			t.Fatal(err)
		}
	}
	if got := u.hitCount("/old"); got != 1 {
		t.Errorf("the old URL got %d requests from one poller, want 1", got)
	}
	if err := poll.New(e.st, poll.Options{AllowPrivate: true}, nil).Poll(ctx, src); err != nil {
		t.Fatal(err)
	}
	if got := u.hitCount("/old"); got != 2 {
		t.Errorf("the old URL got %d requests, want 2 after a restart", got)
	}
	if f := e.fetch(t, "s", ""); f.URL != u.url("/new") {
		t.Errorf("fetch URL = %q, want the moved one", f.URL)
	}
}
