package poll_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/poll"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/sqlite"
)

// upstream is a fake upstream site: handlers by path, with a count of the
// requests to each path and the headers of the last one.
type upstream struct {
	srv *httptest.Server

	mu     sync.Mutex
	routes map[string]http.HandlerFunc
	hits   map[string]int
	last   map[string]http.Header
}

func newUpstream(t *testing.T) *upstream {
	t.Helper()
	u := &upstream{routes: map[string]http.HandlerFunc{}, hits: map[string]int{}, last: map[string]http.Header{}}
	u.srv = httptest.NewServer(http.HandlerFunc(u.serve))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *upstream) serve(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	h := u.routes[r.URL.Path]
	u.hits[r.URL.Path]++
	u.last[r.URL.Path] = r.Header.Clone()
	u.mu.Unlock()
	if h == nil {
		http.NotFound(w, r)
		return
	}
	h(w, r)
}

// handle routes path to h, replacing any earlier handler.
func (u *upstream) handle(path string, h http.HandlerFunc) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.routes[path] = h
}

// serveFeed routes path to a handler serving body as contentType.
func (u *upstream) serveFeed(path, contentType, body string) {
	u.handle(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		fmt.Fprint(w, body)
	})
}

func (u *upstream) url(path string) string { return u.srv.URL + path }

func (u *upstream) hitCount(path string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.hits[path]
}

func (u *upstream) header(path string) http.Header {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.last[path]
}

// env is a poller over a fresh SQLite store.
type env struct {
	st *sqlite.DB
	p  *poll.Poller
}

// newEnv is a poller with options o and AllowPrivate, as every test
// upstream is an httptest server on 127.0.0.1.
func newEnv(t *testing.T, o poll.Options) *env {
	t.Helper()
	o.AllowPrivate = true
	return newEnvAsIs(t, o)
}

// newEnvAsIs is a poller with options o as given.
func newEnvAsIs(t testing.TB, o poll.Options) *env {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "feedd.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{st: st}
	e.p = poll.New(st, o, nil)
	return e
}

// changes returns the changes the store's log holds: every write the poller
// made that changed a feed, the way the cache learns of them.
func (e *env) changes(t *testing.T) []feed.Change {
	t.Helper()
	recs, err := e.st.Changes(context.Background(), 0, 1<<20)
	if err != nil {
		t.Fatalf("Changes: %v", err)
	}
	out := make([]feed.Change, len(recs))
	for i, r := range recs {
		out[i] = r.Change
	}
	return out
}

func (e *env) changeCount(t *testing.T) int { return len(e.changes(t)) }

// fetch returns the polling state of a source's feed or a post's comment
// feed, failing the test when there is none.
func (e *env) fetch(t *testing.T, source, postID string) *feed.Fetch {
	t.Helper()
	f, err := e.st.Fetch(context.Background(), source, postID)
	if err != nil {
		t.Fatalf("Fetch(%q, %q): %v", source, postID, err)
	}
	return f
}

// posts returns the stored posts of a source by upstream id.
func (e *env) posts(t *testing.T, source string) map[string]*feed.Post {
	t.Helper()
	ps, err := e.st.Posts(context.Background(), store.PostFilter{})
	if err != nil {
		t.Fatalf("Posts: %v", err)
	}
	m := make(map[string]*feed.Post)
	for _, p := range ps {
		if p.Origin != nil && p.Origin.Source == source {
			m[p.Origin.ID] = p
		}
	}
	return m
}

// comments returns the stored comments of a post by upstream id.
func (e *env) comments(t *testing.T, postID string) map[string]*feed.Comment {
	t.Helper()
	cs, err := e.st.Comments(context.Background(), store.CommentFilter{PostID: postID})
	if err != nil {
		t.Fatalf("Comments(%q): %v", postID, err)
	}
	m := make(map[string]*feed.Comment)
	for _, c := range cs {
		if c.Origin == nil {
			t.Fatalf("comment %s has no origin", c.ID)
		}
		m[c.Origin.ID] = c
	}
	return m
}

func (e *env) lastChange(t *testing.T) int64 {
	t.Helper()
	n, err := e.st.LastChange(context.Background())
	if err != nil {
		t.Fatalf("LastChange: %v", err)
	}
	return n
}

// atomEntry describes an entry of a test Atom feed.
type atomEntry struct {
	ID, Title, Link, Content string
	Author, AuthorURI        string
	Published, Updated       string
	Extra                    string // raw XML inside the entry
}

// atomFeed returns an Atom feed document of the entries, with the threading
// and Blogger namespaces declared.
func atomFeed(title string, entries ...atomEntry) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">
<id>tag:example.com,2024:feed</id><title>` + html.EscapeString(title) + `</title><updated>2024-05-01T00:00:00Z</updated>
`)
	for _, e := range entries {
		b.WriteString("<entry>")
		if e.ID != "" {
			b.WriteString("<id>" + html.EscapeString(e.ID) + "</id>")
		}
		b.WriteString("<title>" + html.EscapeString(e.Title) + "</title>")
		if e.Link != "" {
			b.WriteString(`<link rel="alternate" type="text/html" href="` + html.EscapeString(e.Link) + `"/>`)
		}
		if e.Author != "" {
			b.WriteString("<author><name>" + html.EscapeString(e.Author) + "</name>")
			if e.AuthorURI != "" {
				b.WriteString("<uri>" + html.EscapeString(e.AuthorURI) + "</uri>")
			}
			b.WriteString("</author>")
		}
		if e.Published != "" {
			b.WriteString("<published>" + e.Published + "</published>")
		}
		if e.Updated != "" {
			b.WriteString("<updated>" + e.Updated + "</updated>")
		}
		b.WriteString(`<content type="html">` + html.EscapeString(e.Content) + "</content>")
		b.WriteString(e.Extra)
		b.WriteString("</entry>\n")
	}
	b.WriteString("</feed>\n")
	return b.String()
}

// rfc3339 formats a time as Atom dates are written.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// waitLimit bounds the tests' waits for a channel (testutil.Receive): long
// enough never to fire on a slow machine, short enough to end a hung test.
const waitLimit = 30 * time.Second
