package web

import (
	"testing"
	"time"
)

// TestAdminSessions_ExpiryAndBound: a session ends at its expiry, and the
// store never holds more than adminMaxSessions, dropping the oldest.
func TestAdminSessions_ExpiryAndBound(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	s := newAdminSessions()
	s.now = func() time.Time { return now }
	id, v := s.create()
	if got, ok := s.get(id); !ok || got.csrf != v.csrf || v.csrf == "" || id == v.csrf {
		t.Fatalf("get(new session) = %v, %v", got, ok)
	}
	if _, ok := s.get(""); ok {
		t.Error("the empty id opens a session")
	}
	now = now.Add(adminSessionTTL)
	if _, ok := s.get(id); ok {
		t.Error("an expired session still opens the inbox")
	}
	if len(s.m) != 0 {
		t.Errorf("expired session kept: %d", len(s.m))
	}
	first, _ := s.create()
	for i := 0; i < adminMaxSessions+5; i++ {
		now = now.Add(time.Second)
		s.create()
	}
	if len(s.m) > adminMaxSessions {
		t.Errorf("%d sessions, want at most %d", len(s.m), adminMaxSessions)
	}
	if _, ok := s.get(first); ok {
		t.Error("the oldest session survived the bound")
	}
}
