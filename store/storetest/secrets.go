package storetest

import (
	"sync"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// testSecrets: a secret is made once and kept (across a reopen too), the
// first calls at once agree on one, rotate replaces it, and a bad name is
// EINVALID.
func testSecrets(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	secret := func(name string, rotate bool) string {
		t.Helper()
		v, err := s.Secret(ctx, name, rotate)
		if err != nil {
			t.Fatalf("Secret(%q, %v): %v", name, rotate, err)
		}
		return v
	}

	// Concurrent first calls: one value for all.
	const n = 8
	got := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			v, err := s.Secret(ctx, "feed-key", false)
			if err != nil {
				t.Errorf("Secret, call %d: %v", i, err)
			}
			got[i] = v
		})
	}
	wg.Wait()
	first := got[0]
	if len(first) != 52 {
		t.Fatalf("secret %q: %d characters, want 52", first, len(first))
	}
	for i, v := range got {
		if v != first {
			t.Errorf("call %d got %q, call 0 %q: concurrent first calls must agree", i, v, first)
		}
	}
	if again := secret("feed-key", false); again != first {
		t.Errorf("asked again: %q, want the kept %q", again, first)
	}
	if other := secret("hash-key", false); other == first {
		t.Errorf("another name got the same secret %q", other)
	}

	rotated := secret("feed-key", true)
	if rotated == first || len(rotated) != 52 {
		t.Errorf("rotated: %q, want a new 52-character secret (was %q)", rotated, first)
	}
	if again := secret("feed-key", false); again != rotated {
		t.Errorf("after rotating: %q, want %q", again, rotated)
	}

	for _, name := range []string{"", "Upper", "a b", "x/y", string(make([]byte, 65))} {
		if _, err := s.Secret(ctx, name, false); feed.ErrorCode(err) != feed.EINVALID {
			t.Errorf("Secret(%q): %v, want EINVALID", name, err)
		}
	}
}
