package server

import (
	"testing"

	"github.com/feedd/feedd/feed"
)

// TestRouteLabel pins the route labels of feed URLs: those the series of
// feedd_http_requests_total have had since each feed had a route of its
// own, few whatever the path.
func TestRouteLabel(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"/feeds/posts.atom", "GET /feeds/posts.atom"},
		{"/feeds/comments.json", "GET /feeds/comments.json"},
		{"/feeds/digest.rss", "GET /feeds/digest.rss"},
		{"/feeds/posts/p1/comments.rss", "GET /feeds/{seg1}/{seg2}/{seg3}"},
		{"/feeds/p1/comments/default", "GET /feeds/{seg1}/{seg2}/{seg3}"},
		{"/feeds/posts/archive/2.atom", "GET /feeds/posts/archive/{file}"},
		{"/feeds/comments/archive/1.json", "GET /feeds/comments/archive/{file}"},
		{"/feeds/posts/p1/comments/archive/3.atom", "GET /feeds/posts/{post}/comments/archive/{file}"},
		{"/feeds/digest/weekly.atom", "GET /feeds/digest/{file}"},
		{"/feeds/posts/default", "GET /feeds/posts/default"},
		{"/feeds/posts/summary", "GET /feeds/posts/summary"},
		{"/feeds/posts/default/-/go", "GET /feeds/posts/default/-/{label}"},
		{"/feeds/comments/default", "GET /feeds/comments/default"},
		// Paths that name no feed.
		{"/feeds/posts/no%20such/comments.atom", "GET /feeds/{seg1}/{seg2}/{seg3}"},
		{"/feeds/x/y/z", "GET /feeds/{seg1}/{seg2}/{seg3}"},
		{"/feeds/posts.xml", ""},
		{"/feeds/a/b/c/d/e", ""},
	} {
		target, ok := feed.ParsePath(tc.path)
		if got := routeLabel(tc.path, target, ok); got != tc.want {
			t.Errorf("routeLabel(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

// TestRouteLabel_NoAllocation checks that labelling a feed request
// allocates nothing: every request of every feed URL pays it.
func TestRouteLabel_NoAllocation(t *testing.T) {
	target, ok := feed.ParsePath("/feeds/comments.json")
	if n := testing.AllocsPerRun(100, func() { routeLabel("/feeds/comments.json", target, ok) }); n != 0 {
		t.Errorf("routeLabel allocates %v times a call, want 0", n)
	}
}
