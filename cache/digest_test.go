package cache_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/store/sqlite"
)

var update = flag.Bool("update", false, "rewrite testdata/ from the current output")

// clock is a settable clock for the cache's digests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// TestDigest_FixedClock renders the digests of a store for a fixed clock
// in Europe/Berlin and pins them with golden files; then checks that a
// late comment (published in the open period) leaves every closed
// period's entry alone, that one dated into a closed period changes that
// entry's content but not its id, and that when the clock closes the next
// day its entry appears with an id of its own.
func TestDigest_FixedClock(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "feedd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, p := range []*feed.Post{
		{ID: "fog", Title: "Fog week", Content: "<p>Fog.</p>", Published: at("2026-11-25 08:00")},
		{ID: "harbour", Title: "The harbour light", Content: "<p>On the light.</p>", AuthorName: "Ann", Published: at("2026-11-30 09:00")},
		{ID: "storm", Title: "Storm & signal", Content: "<p>On storms.</p>", AuthorName: "Ann", Published: at("2026-12-02 23:30")},
	} {
		if err := db.CreatePost(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []*feed.Comment{
		{ID: "f1", PostID: "fog", AuthorName: "Eve", Content: "Thick here too.", Published: at("2026-11-29 23:59")},
		{ID: "c1", PostID: "harbour", AuthorName: "Bob", Content: "Lovely <b>light</b>.", Published: at("2026-11-30 10:00")},
		{ID: "c2", PostID: "harbour", ParentID: "c1", AuthorName: "Cy", Content: "Agreed.", Published: at("2026-12-01 00:10")},
		{ID: "c3", PostID: "storm", AuthorName: "Dee", Content: "Stay safe.", Published: at("2026-12-02 23:59")},
	} {
		if err := db.CreateComment(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	r, err := render.New(render.Options{Title: "Lighthouse", BaseURL: "https://blog.example.org", TTL: 5 * time.Minute, Location: berlin})
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: at("2026-12-03 10:00")}
	c := cache.New(db, r, cache.Options{Now: clk.Now, Location: berlin}, nil)

	entries := func(ref feed.Ref) map[string]*gofeed.Item {
		e, err := c.Get(ctx, ref, feed.Atom)
		if err != nil {
			t.Fatal(err)
		}
		d, err := gofeed.NewParser().Parse(bytes.NewReader(e.Body))
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]*gofeed.Item{}
		for _, it := range d.Items {
			m[it.GUID] = it
		}
		return m
	}

	for _, ref := range feed.DigestFeeds {
		for _, f := range []feed.Format{feed.Atom, feed.RSS} {
			e, err := c.Get(ctx, ref, f)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "digest_"+ref.Period+"."+string(f))
			if *update {
				if err := os.WriteFile(golden, e.Body, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(e.Body, want) {
				t.Errorf("%s differs from %s (run with -update and review the diff):\n%s", ref, golden, e.Body)
			}
		}
	}

	daily := feed.DigestFeed(feed.PeriodDaily)
	before := entries(daily)
	dec2 := "https://blog.example.org/feeds/digest/daily/2026-12-02"
	for _, id := range []string{"https://blog.example.org/feeds/digest/daily/2026-11-30", "https://blog.example.org/feeds/digest/daily/2026-12-01", dec2} {
		if before[id] == nil {
			t.Fatalf("no entry %s; have %v", id, before)
		}
	}
	if len(before) != 5 {
		t.Errorf("%d daily entries, want 5 (empty days have none)", len(before))
	}

	// A late comment: published now, in the open day.
	late := &feed.Comment{PostID: "storm", AuthorName: "Late", Content: "Late to this.", Published: at("2026-12-03 09:55")}
	if err := db.CreateComment(ctx, late); err != nil {
		t.Fatal(err)
	}
	c.Changed(feed.Change{Comment: late})
	after := entries(daily)
	for id, it := range before {
		if a := after[id]; a == nil || a.Content != it.Content || a.Updated != it.Updated {
			t.Errorf("the late comment changed the closed period %s", id)
		}
	}
	if len(after) != len(before) {
		t.Errorf("the late comment added an entry before its day closed")
	}

	// One dated into 2 December (as a mirrored entry may be): same id, new content.
	back := &feed.Comment{PostID: "storm", AuthorName: "Backdated", Content: "From the archive.", Published: at("2026-12-02 12:00")}
	if err := db.CreateComment(ctx, back); err != nil {
		t.Fatal(err)
	}
	c.Changed(feed.Change{Comment: back})
	after = entries(daily)
	if a := after[dec2]; a == nil || !strings.Contains(a.Content, "Backdated") {
		t.Errorf("the entry of 2 December does not list the comment dated into it")
	}
	if len(after) != 5 {
		t.Errorf("%d entries after a backdated comment, want 5", len(after))
	}

	// The next day closes: its entry appears; the others keep their ids.
	clk.Set(at("2026-12-04 00:01"))
	c.Invalidate(feed.DigestFeeds...)
	after = entries(daily)
	dec3 := after["https://blog.example.org/feeds/digest/daily/2026-12-03"]
	if dec3 == nil || !strings.Contains(dec3.Content, "Late") {
		t.Errorf("the closed 3 December has no entry listing the late comment: %v", after)
	}
	for id := range before {
		if after[id] == nil {
			t.Errorf("entry %s vanished", id)
		}
	}
}
