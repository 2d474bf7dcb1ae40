package server_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/feedd/feedd/internal/sitetest"
)

// A client that revalidates with If-Modified-Since as libcurl does (under
// newsboat, among others) takes a 200 whose Last-Modified is not after
// the date it sent for a 304, and drops its body. So no 200 of a changed
// document may carry a Last-Modified at or before one a client was given
// for an earlier version, even when the feed changes several times in
// one second (Last-Modified has whole seconds).
func TestServeFeed_LastModifiedOnlyMovesOn(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	for _, path := range []string{"/feeds/posts/alpha/comments.atom", "/feeds/comments.rss", "/feeds/posts/alpha/comments.json"} {
		t.Run(path, func(t *testing.T) {
			var etag, lastMod string
			for i := range 12 {
				w := sitetest.PostComment(t, e, "192.0.2.1:4000", "alpha",
					fmt.Sprintf(`{"author":"Ann","content":"change %d of %s"}`, i, path))
				if w.Code != http.StatusCreated {
					t.Fatalf("comment: %d %s", w.Code, w.Body)
				}
				header := []string{"If-None-Match", etag}
				if lastMod != "" {
					header = append(header, "If-Modified-Since", lastMod)
				}
				if etag == "" {
					header = nil
				}
				w = sitetest.Do(t, e.Handler, "GET", path, "", header...)
				if w.Code != http.StatusOK {
					t.Fatalf("GET %s after change %d: %d, want 200", path, i, w.Code)
				}
				if lm := w.Header().Get("Last-Modified"); lm != "" {
					got, err := http.ParseTime(lm)
					if err != nil {
						t.Fatalf("Last-Modified %q: %v", lm, err)
					}
					if lastMod != "" {
						if held, _ := http.ParseTime(lastMod); !got.After(held) {
							t.Fatalf("change %d: Last-Modified %s, not after %s the client holds: libcurl drops the body", i, lm, lastMod)
						}
					}
					if date, _ := http.ParseTime(w.Header().Get("Date")); !date.IsZero() && !got.Before(date.Truncate(time.Second)) {
						t.Errorf("change %d: Last-Modified %s is not before the second of Date %s", i, lm, w.Header().Get("Date"))
					}
					lastMod = lm
				}
				etag = w.Header().Get("ETag")
			}
		})
	}
}
