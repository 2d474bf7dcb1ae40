package poll_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/feedd/feedd/poll"
)

// TestPoll_RefusesPrivate checks that, without AllowPrivate, a poll of an
// upstream on loopback fails before any request is made, with the refusal
// recorded in the fetch state like any other failure.
func TestPoll_RefusesPrivate(t *testing.T) {
	u := newUpstream(t)
	u.serveFeed("/feed", "application/atom+xml", atomFeed("Feed", atomEntry{ID: "urn:a", Title: "a", Content: "a"}))
	e := newEnvAsIs(t, poll.Options{})
	err := e.p.Poll(context.Background(), poll.Source{Name: "s", URL: u.url("/feed")})
	const want = "refusing to connect to private address 127.0.0.1"
	var pe *poll.PrivateAddressError
	if err == nil || !strings.Contains(err.Error(), want) || !errors.As(err, &pe) {
		t.Fatalf("Poll error = %v, want one with %q", err, want)
	}
	f := e.fetch(t, "s", "")
	if f.LastError != want || f.LastStatus != 0 || f.Failures != 1 || !f.NextPoll.After(f.LastPoll) {
		t.Errorf("fetch state: error %q, status %d, failures %d, next poll %v after %v", f.LastError, f.LastStatus, f.Failures, f.NextPoll, f.LastPoll)
	}
	if n := u.hitCount("/feed"); n != 0 {
		t.Errorf("the upstream got %d requests", n)
	}
	if len(e.posts(t, "s")) != 0 {
		t.Error("posts stored")
	}
}
