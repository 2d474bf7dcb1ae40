package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/sitetest"
)

// TestFeedQuery_PagingBounds sends start-index and max-results at and
// past the ends of what an int holds, and past the end of the posts feed
// (two posts), in every format. A value an int cannot hold is 400 naming
// the parameter; any other start-index past the end is an empty page with
// no next link, and no link carries a negative start-index.
func TestFeedQuery_PagingBounds(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	const maxInt = "9223372036854775807"
	const overInt = "9223372036854775808"
	for _, tc := range []struct {
		name, query string
		status      int
		items       int    // entries on a 200
		next        bool   // a next link on a 200
		mention     string // in a 400's body
	}{
		{"start-index huge", "start-index=" + maxInt, 200, 0, false, ""},
		{"start-index huge and max-results", "start-index=" + maxInt + "&max-results=7", 200, 0, false, ""},
		{"start-index just past the end", "start-index=3", 200, 0, false, ""},
		{"start-index far past the end", "start-index=1000000", 200, 0, false, ""},
		{"start-index on the last entry", "start-index=2&max-results=1", 200, 1, false, ""},
		{"first of two pages", "start-index=1&max-results=1", 200, 1, true, ""},
		{"max-results huge", "max-results=" + maxInt, 200, 2, false, ""},
		{"max-results huge from the second", "start-index=2&max-results=" + maxInt, 200, 1, false, ""},
		{"both huge", "start-index=" + maxInt + "&max-results=" + maxInt, 200, 0, false, ""},
		{"start-index overflows", "start-index=" + overInt, 400, 0, false, "start-index: out of range"},
		{"start-index overflows negative", "start-index=-" + overInt + "0", 400, 0, false, "start-index: out of range"},
		{"max-results overflows", "max-results=" + overInt, 400, 0, false, "max-results: out of range"},
		{"start-index overflows, max-results huge", "start-index=" + overInt + "&max-results=" + maxInt, 400, 0, false, "start-index: out of range"},
		{"max-results overflows, start-index huge", "start-index=" + maxInt + "&max-results=" + overInt, 400, 0, false, "max-results: out of range"},
	} {
		for _, f := range feed.Formats {
			path := "/feeds/posts." + string(f) + "?" + tc.query
			t.Run(tc.name+"/"+string(f), func(t *testing.T) {
				w := sitetest.Do(t, e.Handler, "GET", path, "")
				if w.Code != tc.status {
					t.Fatalf("%s: status %d, want %d; body %.300q", path, w.Code, tc.status, w.Body)
				}
				body := w.Body.String()
				if tc.status != http.StatusOK {
					if !strings.Contains(body, tc.mention) {
						t.Errorf("%s: body %q does not say %q", path, body, tc.mention)
					}
					return
				}
				d, _, _ := get(t, e, path)
				if len(d.Items) != tc.items {
					t.Errorf("%s: %d entries, want %d", path, len(d.Items), tc.items)
				}
				next := strings.Contains(body, `rel="next"`) || strings.Contains(body, `"next_url"`)
				if next != tc.next {
					t.Errorf("%s: next link %v, want %v; body %s", path, next, tc.next, body)
				}
				if strings.Contains(body, "start-index=-") {
					t.Errorf("%s: a negative start-index in %s", path, body)
				}
			})
		}
	}
}
