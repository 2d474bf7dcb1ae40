package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// adminAuth is the header pair of an admin request.
var adminAuth = []string{"Authorization", "Bearer " + testToken}

// withJSON appends a JSON Content-Type to header pairs.
func withJSON(header ...string) []string {
	return append(append([]string{}, header...), "Content-Type", "application/json")
}

// doFrom is do with the request coming from remoteAddr.
func doFrom(t testing.TB, h http.Handler, remoteAddr, method, target, body string, header ...string) *httptest.ResponseRecorder {
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

// apiPost and apiComment decode the API's representations. Content and
// Format are pointers, to tell an absent field from an empty one.
type apiPost struct {
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

type apiComment struct {
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

// decode unmarshals a JSON answer, failing the test on other status codes.
func decode[T any](t testing.TB, w *httptest.ResponseRecorder, status int) T {
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

// hasKey reports whether a JSON object has the key, at its top level or
// in any object nested in it.
func hasKey(t testing.TB, body []byte, key string) bool {
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

// lastChange returns the position of the store's change log, which moves
// with every write.
func lastChange(t testing.TB, st store.Store) int64 {
	t.Helper()
	n, err := st.LastChange(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// allComments returns every live comment of a post, whatever its status.
func allComments(t testing.TB, st store.Store, postID string) []*feed.Comment {
	t.Helper()
	cs, err := st.Comments(context.Background(), store.CommentFilter{PostID: postID,
		Statuses: []feed.Status{feed.StatusApproved, feed.StatusPending, feed.StatusSpam}})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// postComment posts a JSON comment on a post from remoteAddr.
func postComment(t testing.TB, e *env, remoteAddr, postID, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	return doFrom(t, e.handler, remoteAddr, "POST", "/api/posts/"+postID+"/comments", body, withJSON(header...)...)
}

// logBuffer is a log destination safe for concurrent writes.
type logBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
