// Package sitetest wires feedd's HTTP stack as cmd/feedd does (the
// server with the JSON API, comment submission and a cache) over a fresh
// SQLite store seeded with two posts, for the tests of package server and
// package api, which share it, and checks what the stack serves
// (CheckFeedHarmless). It is imported by tests only.
package sitetest

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/feedd/feedd/api"
	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/httpjson"
	"github.com/feedd/feedd/server"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/sqlite"
	"github.com/feedd/feedd/submit"
)

// Token is the admin token of an Env, and BaseURL its site's base URL.
const (
	Token   = "s3cret-admin-token-0123456789"
	BaseURL = "https://blog.example.org"
)

// CountingStore wraps the real SQLite store and counts the calls made to
// it, by method. It delegates every call; it fakes nothing.
type CountingStore struct {
	store.Store

	mu    sync.Mutex
	calls map[string]int
}

func (s *CountingStore) count(method string) {
	s.mu.Lock()
	s.calls[method]++
	s.mu.Unlock()
}

// N returns the number of calls to method, or to every method for "".
func (s *CountingStore) N(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if method != "" {
		return s.calls[method]
	}
	total := 0
	for _, v := range s.calls {
		total += v
	}
	return total
}

func (s *CountingStore) CreatePost(ctx context.Context, p *feed.Post) error {
	s.count("CreatePost")
	return s.Store.CreatePost(ctx, p)
}

func (s *CountingStore) Post(ctx context.Context, id string) (*feed.Post, error) {
	s.count("Post")
	return s.Store.Post(ctx, id)
}

func (s *CountingStore) Posts(ctx context.Context, f store.PostFilter) ([]*feed.Post, error) {
	s.count("Posts")
	return s.Store.Posts(ctx, f)
}

func (s *CountingStore) CreateComment(ctx context.Context, c *feed.Comment) error {
	s.count("CreateComment")
	return s.Store.CreateComment(ctx, c)
}

func (s *CountingStore) Comment(ctx context.Context, id string) (*feed.Comment, error) {
	s.count("Comment")
	return s.Store.Comment(ctx, id)
}

func (s *CountingStore) Comments(ctx context.Context, f store.CommentFilter) ([]*feed.Comment, error) {
	s.count("Comments")
	return s.Store.Comments(ctx, f)
}

func (s *CountingStore) ThreadStats(ctx context.Context, ids []string) (map[string]feed.ThreadStats, error) {
	s.count("ThreadStats")
	return s.Store.ThreadStats(ctx, ids)
}

func (s *CountingStore) Tombstones(ctx context.Context, ref feed.Ref, limit int) ([]feed.Tombstone, error) {
	s.count("Tombstones")
	return s.Store.Tombstones(ctx, ref, limit)
}

func (s *CountingStore) UpdatePost(ctx context.Context, id string, u store.PostUpdate) (*feed.Post, error) {
	s.count("UpdatePost")
	return s.Store.UpdatePost(ctx, id, u)
}

func (s *CountingStore) DeletePost(ctx context.Context, id string) (*feed.Post, error) {
	s.count("DeletePost")
	return s.Store.DeletePost(ctx, id)
}

func (s *CountingStore) UpdateComment(ctx context.Context, id string, u store.CommentUpdate) (*feed.Comment, error) {
	s.count("UpdateComment")
	return s.Store.UpdateComment(ctx, id, u)
}

func (s *CountingStore) DeleteComment(ctx context.Context, id string) (*feed.Comment, error) {
	s.count("DeleteComment")
	return s.Store.DeleteComment(ctx, id)
}

func (s *CountingStore) HasApprovedAuthor(ctx context.Context, hash string) (bool, error) {
	s.count("HasApprovedAuthor")
	return s.Store.HasApprovedAuthor(ctx, hash)
}

// Writes returns the number of calls to the store's write methods.
func (s *CountingStore) Writes() int {
	n := 0
	for _, m := range []string{"CreatePost", "UpdatePost", "DeletePost", "CreateComment", "UpdateComment", "DeleteComment"} {
		n += s.N(m)
	}
	return n
}

// Env is a server over a fresh SQLite store in a temp dir, seeded with two
// posts ("alpha" with two comments, "beta" with one).
type Env struct {
	DB       *sqlite.DB     // the real store, for direct writes
	St       *CountingStore // what the cache and server use
	R        *render.Renderer
	Cache    *cache.Cache
	Srv      *server.Server
	Comments *submit.Submitter
	Handler  http.Handler
	// Cold returns the handler of a new stack over the same store, whose
	// cache is empty.
	Cold func() http.Handler
}

// Sync waits for the cache to have applied every write to the store so
// far: the way writes made directly to e.DB reach the feeds.
func (e *Env) Sync(t testing.TB) {
	t.Helper()
	if err := e.Cache.Sync(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
}

// Config is the configuration of the whole HTTP stack that cmd/feedd
// wires: the server, the API and comment submission, and the settings they
// share.
type Config struct {
	Server       server.Config
	API          api.Config
	Comments     submit.Config
	AdminToken   string
	MaxBodyBytes int64
}

// NewStack wires the server with the API and comment submission, as
// cmd/feedd does.
func NewStack(st store.Store, c *cache.Cache, r *render.Renderer, cfg Config, log *slog.Logger) (*server.Server, *submit.Submitter) {
	admin := httpjson.NewAdmin(cfg.AdminToken)
	cfg.Comments.MaxBodyBytes, cfg.API.MaxBodyBytes = cfg.MaxBodyBytes, cfg.MaxBodyBytes
	sub := submit.New(st, c, admin, cfg.Comments, log)
	cfg.Server.API = api.New(st, c, r, admin, sub, cfg.API, log)
	return server.New(st, c, r, cfg.Server, log), sub
}

// Options shape a new Env.
type Options struct {
	CommentCounts bool
	MaxBodyBytes  int64
	AdminToken    *string // Token when nil
	PageSize      int     // entries per feed; 25 when zero
	// Config adjusts the stack's config. Without it, comment posting is
	// not rate limited and moderation is off.
	Config func(*Config)
}

// OpenStore opens an empty SQLite store in a temporary directory, closed
// when the test ends.
func OpenStore(t testing.TB) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "feedd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// New returns the stack of o over a fresh, seeded store.
func New(t testing.TB, o Options) *Env {
	t.Helper()
	db := OpenStore(t)
	Seed(t, db)

	r, err := render.New(render.Options{
		Title:         "Test blog",
		BaseURL:       BaseURL,
		TTL:           5 * time.Minute,
		CommentCounts: o.CommentCounts,
	})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	st := &CountingStore{Store: db, calls: map[string]int{}}
	if o.PageSize == 0 {
		o.PageSize = 25
	}
	copts := cache.Options{PageSize: o.PageSize, CommentCounts: o.CommentCounts}
	c := cache.New(st, r, copts, log)
	token := Token
	if o.AdminToken != nil {
		token = *o.AdminToken
	}
	cfg := Config{
		AdminToken:   token,
		MaxBodyBytes: o.MaxBodyBytes,
		Comments:     submit.Config{CommentRate: -1, Moderation: submit.ModerationNone},
	}
	if o.Config != nil {
		o.Config(&cfg)
	}
	srv, sub := NewStack(st, c, r, cfg, log)
	cold := func() http.Handler {
		srv, _ := NewStack(st, cache.New(st, r, copts, log), r, cfg, log)
		return srv.Handler()
	}
	e := &Env{DB: db, St: st, R: r, Cache: c, Srv: srv, Comments: sub, Handler: srv.Handler(), Cold: cold}
	// The cache starts following the change log here, after the seed, as
	// the daemon's does at its start.
	e.Sync(t)
	return e
}

// Date parses an RFC 3339 time, panicking on a malformed one.
func Date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Seed stores the two posts and three comments of a new Env.
func Seed(t testing.TB, st store.Store) {
	t.Helper()
	ctx := context.Background()
	for _, p := range []feed.Post{
		{ID: "alpha", Title: "Alpha post", Content: "<p>alpha body</p>", AuthorName: "Ann",
			Categories: []string{"one"}, Published: Date("2026-03-01T10:00:00Z")},
		{ID: "beta", Title: "Beta post", Content: "<p>beta body</p>", AuthorName: "Ann",
			Published: Date("2026-03-02T10:00:00Z")},
	} {
		if err := st.CreatePost(ctx, &p); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []feed.Comment{
		{ID: "a1", PostID: "alpha", AuthorName: "Bob", Content: "first on alpha", Published: Date("2026-03-03T10:00:00Z")},
		{ID: "a2", PostID: "alpha", ParentID: "a1", AuthorName: "Cy", Content: "reply on alpha", Published: Date("2026-03-04T10:00:00Z")},
		{ID: "b1", PostID: "beta", AuthorName: "Dee", Content: "first on beta", Published: Date("2026-03-05T10:00:00Z")},
	} {
		if err := st.CreateComment(ctx, &c); err != nil {
			t.Fatal(err)
		}
	}
}

// Do runs one request through h. Header pairs follow the body.
func Do(t testing.TB, h http.Handler, method, target, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	var rb io.Reader
	if body != "" {
		rb = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rb)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// FeedPaths maps each of the demo's nine feed paths to its Content-Type.
func FeedPaths(postID string) map[string]string {
	m := map[string]string{}
	for ext, ct := range map[string]string{
		"atom": "application/atom+xml; charset=utf-8",
		"rss":  "application/rss+xml; charset=utf-8",
		"json": "application/feed+json; charset=utf-8",
	} {
		m["/feeds/posts."+ext] = ct
		m["/feeds/comments."+ext] = ct
		m["/feeds/posts/"+postID+"/comments."+ext] = ct
	}
	return m
}

// JSONError returns the message of an API error answer.
func JSONError(t testing.TB, w *httptest.ResponseRecorder) string {
	t.Helper()
	var v struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("error body %q: %v", w.Body.String(), err)
	}
	return v.Error
}

// AdminAuth is the header pair of an admin request.
var AdminAuth = []string{"Authorization", "Bearer " + Token}

// WithJSON appends a JSON Content-Type to header pairs.
func WithJSON(header ...string) []string {
	return append(append([]string{}, header...), "Content-Type", "application/json")
}

// DoFrom is Do with the request coming from remoteAddr.
func DoFrom(t testing.TB, h http.Handler, remoteAddr, method, target, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.RemoteAddr = remoteAddr
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// Post and Comment decode the API's representations. Content and
// Format are pointers, to tell an absent field from an empty one.
type Post struct {
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	Title       string    `json:"title"`
	Summary     string    `json:"summary"`
	Author      string    `json:"author"`
	Categories  []string  `json:"categories"`
	Published   time.Time `json:"published"`
	Updated     time.Time `json:"updated"`
	ContentHTML string    `json:"content_html"`
	Content     *string   `json:"content"`
	Format      *string   `json:"format"`
}

type Comment struct {
	ID          string      `json:"id"`
	URL         string      `json:"url"`
	PostID      string      `json:"post_id"`
	ParentID    *string     `json:"parent_id"`
	Author      string      `json:"author"`
	AuthorURI   string      `json:"author_uri"`
	Status      feed.Status `json:"status"`
	Depth       int         `json:"depth"`
	Published   time.Time   `json:"published"`
	Updated     time.Time   `json:"updated"`
	ContentHTML string      `json:"content_html"`
	Content     *string     `json:"content"`
}

// Decode unmarshals a JSON answer, failing the test on other status codes.
func Decode[T any](t testing.TB, w *httptest.ResponseRecorder, status int) T {
	t.Helper()
	var v T
	if w.Code != status {
		t.Fatalf("status = %d, want %d; body %s", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type = %q", ct)
	}
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("body %s: %v", w.Body, err)
	}
	return v
}

// HasKey reports whether a JSON object has the key, at its top level or
// in any object nested in it.
func HasKey(t testing.TB, body []byte, key string) bool {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	var walk func(any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case map[string]any:
			if _, ok := v[key]; ok {
				return true
			}
			for _, x := range v {
				if walk(x) {
					return true
				}
			}
		case []any:
			for _, x := range v {
				if walk(x) {
					return true
				}
			}
		}
		return false
	}
	return walk(v)
}

// LastChange returns the position of the store's change log, which moves
// with every write.
func LastChange(t testing.TB, st store.Store) int64 {
	t.Helper()
	n, err := st.LastChange(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// AllComments returns every live comment of a post, whatever its status.
func AllComments(t testing.TB, st store.Store, postID string) []*feed.Comment {
	t.Helper()
	cs, err := st.Comments(context.Background(), store.CommentFilter{PostID: postID,
		Statuses: []feed.Status{feed.StatusApproved, feed.StatusPending, feed.StatusSpam}})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// PostComment posts a JSON comment on a post from remoteAddr.
func PostComment(t testing.TB, e *Env, remoteAddr, postID, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	return DoFrom(t, e.Handler, remoteAddr, "POST", "/api/posts/"+postID+"/comments", body, WithJSON(header...)...)
}

// FeedVary is the Vary of every answer for a feed URL: a browser gets
// the feed's page (Accept), gzip is served when accepted.
const FeedVary = "Accept, Accept-Encoding"

// PostList decodes the answer of GET /api/posts.
type PostList struct {
	Posts      []Post  `json:"posts"`
	NextCursor *string `json:"next_cursor"`
}

// CheckFeedWellFormed checks that a feed document is well-formed (XML
// decoded to the end, or valid JSON) and parses with gofeed, and returns
// what gofeed read, or nil after reporting the error.
func CheckFeedWellFormed(t testing.TB, path string, body []byte, ext string) *gofeed.Feed {
	t.Helper()
	if ext == "json" {
		if !json.Valid(body) {
			t.Errorf("%s: not valid JSON", path)
			return nil
		}
	} else {
		dec := xml.NewDecoder(bytes.NewReader(body))
		for {
			_, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Errorf("%s: not well-formed XML: %v", path, err)
				return nil
			}
		}
	}
	f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		t.Errorf("%s: gofeed: %v", path, err)
		return nil
	}
	return f
}

// CheckFeedHarmless checks that a feed document is well-formed
// (CheckFeedWellFormed), has entries, and that the HTML of every entry, as
// a feed reader gets it, passes content.CheckHarmless.
func CheckFeedHarmless(t testing.TB, path string, body []byte, ext string) {
	t.Helper()
	f := CheckFeedWellFormed(t, path, body, ext)
	if f == nil {
		return
	}
	if len(f.Items) == 0 {
		t.Errorf("%s: no entries", path)
	}
	for _, it := range f.Items {
		for _, html := range []string{it.Content, it.Description} {
			if err := content.CheckHarmless(html); err != nil {
				t.Errorf("%s: entry %s: %q: %v", path, it.GUID, html, err)
			}
		}
		for _, a := range it.Authors {
			if strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Email)), "javascript:") {
				t.Errorf("%s: entry %s: author %+v", path, it.GUID, a)
			}
		}
	}
}
