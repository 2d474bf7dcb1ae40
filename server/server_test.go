package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedd/feedd/api"
	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/httpjson"
	"github.com/feedd/feedd/server"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/sqlite"
	"github.com/feedd/feedd/submit"
)

const (
	testToken = "s3cret-admin-token-0123456789"
	baseURL   = "https://blog.example.org"
)

// countingStore wraps the real SQLite store and counts the calls made to
// it, by method. It delegates every call; it fakes nothing.
type countingStore struct {
	store.Store

	mu    sync.Mutex
	calls map[string]int
}

func (s *countingStore) count(method string) {
	s.mu.Lock()
	s.calls[method]++
	s.mu.Unlock()
}

// n returns the number of calls to method, or to every method for "".
func (s *countingStore) n(method string) int {
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

func (s *countingStore) CreatePost(ctx context.Context, p *feed.Post) error {
	s.count("CreatePost")
	return s.Store.CreatePost(ctx, p)
}

func (s *countingStore) Post(ctx context.Context, id string) (*feed.Post, error) {
	s.count("Post")
	return s.Store.Post(ctx, id)
}

func (s *countingStore) Posts(ctx context.Context, f store.PostFilter) ([]*feed.Post, error) {
	s.count("Posts")
	return s.Store.Posts(ctx, f)
}

func (s *countingStore) CreateComment(ctx context.Context, c *feed.Comment) error {
	s.count("CreateComment")
	return s.Store.CreateComment(ctx, c)
}

func (s *countingStore) Comment(ctx context.Context, id string) (*feed.Comment, error) {
	s.count("Comment")
	return s.Store.Comment(ctx, id)
}

func (s *countingStore) Comments(ctx context.Context, f store.CommentFilter) ([]*feed.Comment, error) {
	s.count("Comments")
	return s.Store.Comments(ctx, f)
}

func (s *countingStore) ThreadStats(ctx context.Context, ids []string) (map[string]feed.ThreadStats, error) {
	s.count("ThreadStats")
	return s.Store.ThreadStats(ctx, ids)
}

func (s *countingStore) Tombstones(ctx context.Context, ref feed.Ref, limit int) ([]feed.Tombstone, error) {
	s.count("Tombstones")
	return s.Store.Tombstones(ctx, ref, limit)
}

func (s *countingStore) UpdatePost(ctx context.Context, id string, u store.PostUpdate) (*feed.Post, error) {
	s.count("UpdatePost")
	return s.Store.UpdatePost(ctx, id, u)
}

func (s *countingStore) DeletePost(ctx context.Context, id string) (*feed.Post, error) {
	s.count("DeletePost")
	return s.Store.DeletePost(ctx, id)
}

func (s *countingStore) UpdateComment(ctx context.Context, id string, u store.CommentUpdate) (*feed.Comment, error) {
	s.count("UpdateComment")
	return s.Store.UpdateComment(ctx, id, u)
}

func (s *countingStore) DeleteComment(ctx context.Context, id string) (*feed.Comment, error) {
	s.count("DeleteComment")
	return s.Store.DeleteComment(ctx, id)
}

func (s *countingStore) HasApprovedComment(ctx context.Context, name, uri string) (bool, error) {
	s.count("HasApprovedComment")
	return s.Store.HasApprovedComment(ctx, name, uri)
}

// writes returns the number of calls to the store's write methods.
func (s *countingStore) writes() int {
	n := 0
	for _, m := range []string{"CreatePost", "UpdatePost", "DeletePost", "CreateComment", "UpdateComment", "DeleteComment"} {
		n += s.n(m)
	}
	return n
}

// env is a server over a fresh SQLite store in a temp dir, seeded with two
// posts ("alpha" with two comments, "beta" with one).
type env struct {
	db       *sqlite.DB     // the real store, for direct writes
	st       *countingStore // what the cache and server use
	r        *render.Renderer
	cache    *cache.Cache
	srv      *server.Server
	comments *submit.Submitter
	handler  http.Handler
	// cold returns the handler of a new stack over the same store, whose
	// cache is empty.
	cold func() http.Handler
}

// sync waits for the cache to have applied every write to the store so
// far: the way writes made directly to e.db reach the feeds.
func (e *env) sync(t testing.TB) {
	t.Helper()
	if err := e.cache.Sync(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
}

// stackConfig is the configuration of the whole HTTP stack that cmd/feedd
// wires: the server, the API and comment submission, and the settings they
// share.
type stackConfig struct {
	Server       server.Config
	API          api.Config
	Comments     submit.Config
	AdminToken   string
	MaxBodyBytes int64
}

// newStack wires the server with the API and comment submission, as
// cmd/feedd does.
func newStack(st store.Store, c *cache.Cache, r *render.Renderer, cfg stackConfig, log *slog.Logger) (*server.Server, *submit.Submitter) {
	admin := httpjson.NewAdmin(cfg.AdminToken)
	cfg.Comments.MaxBodyBytes, cfg.API.MaxBodyBytes = cfg.MaxBodyBytes, cfg.MaxBodyBytes
	sub := submit.New(st, c, admin, cfg.Comments, log)
	cfg.Server.API = api.New(st, c, r, admin, sub, cfg.API, log)
	return server.New(st, c, r, cfg.Server, log), sub
}

type envOptions struct {
	commentCounts bool
	maxBodyBytes  int64
	adminToken    *string // testToken when nil
	pageSize      int     // entries per feed; 25 when zero
	// config adjusts the stack's config. Without it, comment posting is
	// not rate limited and moderation is off.
	config func(*stackConfig)
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "feedd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	seed(t, db)

	r, err := render.New(render.Options{
		Title:         "Test blog",
		BaseURL:       baseURL,
		TTL:           5 * time.Minute,
		CommentCounts: o.commentCounts,
	})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	st := &countingStore{Store: db, calls: map[string]int{}}
	if o.pageSize == 0 {
		o.pageSize = 25
	}
	copts := cache.Options{PageSize: o.pageSize, CommentCounts: o.commentCounts}
	c := cache.New(st, r, copts, log)
	token := testToken
	if o.adminToken != nil {
		token = *o.adminToken
	}
	cfg := stackConfig{
		AdminToken:   token,
		MaxBodyBytes: o.maxBodyBytes,
		Comments:     submit.Config{CommentRate: -1, Moderation: submit.ModerationNone},
	}
	if o.config != nil {
		o.config(&cfg)
	}
	srv, sub := newStack(st, c, r, cfg, log)
	cold := func() http.Handler {
		srv, _ := newStack(st, cache.New(st, r, copts, log), r, cfg, log)
		return srv.Handler()
	}
	e := &env{db: db, st: st, r: r, cache: c, srv: srv, comments: sub, handler: srv.Handler(), cold: cold}
	// The cache starts following the change log here, after the seed, as
	// the daemon's does at its start.
	e.sync(t)
	return e
}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func seed(t testing.TB, st store.Store) {
	t.Helper()
	ctx := context.Background()
	for _, p := range []feed.Post{
		{ID: "alpha", Title: "Alpha post", Content: "<p>alpha body</p>", AuthorName: "Ann",
			Categories: []string{"one"}, Published: date("2026-03-01T10:00:00Z")},
		{ID: "beta", Title: "Beta post", Content: "<p>beta body</p>", AuthorName: "Ann",
			Published: date("2026-03-02T10:00:00Z")},
	} {
		if err := st.CreatePost(ctx, &p); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []feed.Comment{
		{ID: "a1", PostID: "alpha", AuthorName: "Bob", Content: "first on alpha", Published: date("2026-03-03T10:00:00Z")},
		{ID: "a2", PostID: "alpha", ParentID: "a1", AuthorName: "Cy", Content: "reply on alpha", Published: date("2026-03-04T10:00:00Z")},
		{ID: "b1", PostID: "beta", AuthorName: "Dee", Content: "first on beta", Published: date("2026-03-05T10:00:00Z")},
	} {
		if err := st.CreateComment(ctx, &c); err != nil {
			t.Fatal(err)
		}
	}
}

// do runs one request through h. Header pairs follow the body.
func do(t testing.TB, h http.Handler, method, target, body string, header ...string) *httptest.ResponseRecorder {
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

// feedPaths maps each of the demo's nine feed paths to its Content-Type.
func feedPaths(postID string) map[string]string {
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

func jsonError(t testing.TB, w *httptest.ResponseRecorder) string {
	t.Helper()
	var v struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("error body %q: %v", w.Body.String(), err)
	}
	return v.Error
}

func TestHealthz(t *testing.T) {
	e := newEnv(t, envOptions{})
	w := do(t, e.handler, "GET", "/healthz", "")
	if w.Code != 200 || strings.TrimSpace(w.Body.String()) != "ok" {
		t.Errorf("GET /healthz = %d %q, want 200 ok", w.Code, w.Body.String())
	}
	if n := e.st.n(""); n != 0 {
		t.Errorf("healthz made %d store calls", n)
	}
}

func TestRoutes_NotFoundAndMethods(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/feeds/posts.xml", 404},
		{"GET", "/feeds/posts.atom/", 404},
		{"GET", "/feeds/post.atom", 404},
		{"GET", "/feeds/posts/nope/comments.atom", 404},
		{"GET", "/feeds/posts/alpha/comments.xml", 404},
		{"GET", "/feeds/posts/alpha/comments", 404},
		{"GET", "/feeds/posts/alpha/replies.atom", 404},
		{"GET", "/feeds/posts/alpha/comments.atom.gz", 404},
		{"GET", "/feeds/posts/al%20pha/comments.atom", 404},
		{"GET", "/feeds/posts/alpha/comments.atom/x", 404},
		{"GET", "/", 404},
		{"PUT", "/feeds/posts.atom", 405},
		{"DELETE", "/feeds/posts/alpha/comments.rss", 405},
		{"PUT", "/api/posts", 405},
		{"GET", "/api/comments/a1", 405},
		{"PUT", "/api/posts/alpha", 405},
		{"GET", "/api/comments/a1/approve", 405},
		{"GET", "/api/posts", 200},
		{"GET", "/feeds/posts/alpha/comments.atom", 200},
	} {
		w := do(t, e.handler, tc.method, tc.path, "")
		if w.Code != tc.want {
			t.Errorf("%s %s = %d, want %d", tc.method, tc.path, w.Code, tc.want)
		}
	}
}

func TestMiddleware_LogsWithoutToken(t *testing.T) {
	var buf strings.Builder
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	}), nil))
	e := newEnv(t, envOptions{})
	r, _ := render.New(render.Options{Title: "t", BaseURL: baseURL})
	srv, _ := newStack(e.st, e.cache, r, stackConfig{AdminToken: testToken, Server: server.Config{AccessLog: true}}, log)
	h := srv.Handler()
	do(t, h, "POST", "/api/posts", `{"title":"t","content":"c"}`, "Authorization", "Bearer "+testToken)
	do(t, h, "POST", "/api/posts", `{"title":"t","content":"c"}`, "Authorization", "Bearer wrong-"+testToken)
	do(t, h, "GET", "/feeds/posts.atom?x=1", "")
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	for _, want := range []string{"method=POST", "path=/api/posts", "status=201", "status=401", "path=/feeds/posts.atom", "bytes=", "duration="} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, testToken) || strings.Contains(out, "Bearer") {
		t.Errorf("log shows the token:\n%s", out)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
