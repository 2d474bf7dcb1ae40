package store

import (
	"strings"
	"testing"

	"github.com/feedd/feedd/feed"
)

func TestNewIDAfter(t *testing.T) {
	prevs := []string{"", "2", "a", "y", "z", "zz", "Z", "_", "-", "9", "A-_9",
		strings.Repeat("z", 15), strings.Repeat("z", 15) + "y", strings.Repeat("z", 16),
		strings.Repeat("z", 16) + "y", strings.Repeat("z", 63), strings.Repeat("z", 15) + "_"}
	for i := 0; i < 200; i++ {
		prevs = append(prevs, NewID())
	}
	for _, prev := range prevs {
		for j := 0; j < 50; j++ {
			id := NewIDAfter(prev)
			if !feed.ValidID(id) || id <= prev {
				t.Fatalf("NewIDAfter(%q) = %q: not a valid id after it", prev, id)
			}
			if len(id) != 16 && !strings.HasPrefix(prev, strings.Repeat("z", 16)) {
				t.Fatalf("NewIDAfter(%q) = %q: not 16 characters", prev, id)
			}
		}
	}
	// Chained, as same-second entries get them: each after the last.
	prev := ""
	for i := 0; i < 1000; i++ {
		id := NewIDAfter(prev)
		if id <= prev || len(id) != 16 {
			t.Fatalf("chain step %d: %q after %q", i, id, prev)
		}
		prev = id
	}
	// Not always the same: random past the prefix.
	if a, b := NewIDAfter("m"), NewIDAfter("m"); a == b {
		t.Fatalf("NewIDAfter(m) twice: %q", a)
	}
}
