package web

import (
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
)

// shape writes a comment tree as "a(b(c)) d".
func shape(ns []*commentNode) string {
	parts := make([]string, 0, len(ns))
	for _, n := range ns {
		p := n.ID
		if len(n.Replies) > 0 {
			p += "(" + shape(n.Replies) + ")"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " ")
}

func TestThread(t *testing.T) {
	at := func(m int) time.Time { return time.Date(2026, 3, 1, 0, m, 0, 0, time.UTC) }
	// c builds a comment; the store lists them newest first, so the
	// cases give them newest first too.
	c := func(id, parent string, m, depth int) *feed.Comment {
		return &feed.Comment{ID: id, ParentID: parent, AuthorName: "A " + id, Content: id, Published: at(m), Depth: depth}
	}
	h := &Handler{}
	for _, tc := range []struct {
		name     string
		comments []*feed.Comment
		want     string
		noReply  []string
	}{
		{"empty", nil, "", nil},
		{"flat", []*feed.Comment{c("b", "", 2, 0), c("a", "", 1, 0)}, "a b", nil},
		{"nested, oldest first at every level",
			[]*feed.Comment{c("d", "a", 4, 1), c("c", "b", 3, 2), c("b", "a", 2, 1), c("a", "", 1, 0)},
			"a(b(c) d)", []string{"c"}},
		{"parent not shown", []*feed.Comment{c("b", "gone", 2, 1), c("a", "", 1, 0)}, "a b", nil},
		{"self parent", []*feed.Comment{c("a", "a", 1, 0)}, "a", nil},
		{"cycle", []*feed.Comment{c("c", "", 3, 0), c("b", "a", 2, 1), c("a", "b", 1, 1)}, "c a(b)", nil},
		{"duplicate", []*feed.Comment{c("a", "", 1, 0), c("a", "", 1, 0)}, "a", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			roots, byID := h.thread("p", tc.comments, 3)
			if got := shape(roots); got != tc.want {
				t.Errorf("thread = %q, want %q", got, tc.want)
			}
			for _, id := range tc.noReply {
				if byID[id].CanReply {
					t.Errorf("%s at the deepest level takes replies", id)
				}
			}
		})
	}
}

func TestETagMatch(t *testing.T) {
	tag := `"abc"`
	for field, want := range map[string]bool{
		``: false, `"abc"`: true, `W/"abc"`: true, `"x", "abc"`: true, `*`: true, `"abcd"`: false, `abc`: false,
	} {
		if got := etagMatch(field, tag); got != want {
			t.Errorf("etagMatch(%q) = %v", field, got)
		}
	}
}
