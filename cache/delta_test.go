package cache_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
)

// addThreadComments creates n comments on alpha, a minute apart from
// 2026-03-10, and drops the feeds they change.
func addThreadComments(t *testing.T, e *testEnv, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		c := &feed.Comment{ID: fmt.Sprintf("n%02d", i), PostID: "alpha", AuthorName: "Newcomer", Content: "new",
			Published: date("2026-03-10T00:00:00Z").Add(time.Duration(i) * time.Minute)}
		if err := e.db.CreateComment(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		e.cache.Changed(feed.Change{Comment: c})
	}
}

// navMarks returns the RFC 5005 marks of a document: fh:complete, and the
// paging and archive links (JSON Feed: next_url and _archive).
func navMarks(f feed.Format, body []byte) []string {
	var marks []string
	for _, m := range []string{"fh:complete", `rel="first"`, `rel="next"`, `rel="last"`, `rel="prev-archive"`,
		`"next_url"`, `"_archive"`} {
		if bytes.Contains(body, []byte(m)) {
			marks = append(marks, m)
		}
	}
	return marks
}

// TestDelta_Unplaced checks that a delta document carries none of the
// head's RFC 5005 marks: no fh:complete where the head is the whole
// thread, no paging or archive links where it is not; and that it holds
// the new entries only and names the version it was asked against.
func TestDelta_Unplaced(t *testing.T) {
	for _, tc := range []struct {
		name     string
		pageSize int
		before   int // comments added before the client's copy
		head     string
	}{
		{"complete head", 25, 0, "fh:complete"},
		{"head with archives", 2, 4, `rel="prev-archive"`},
	} {
		for _, f := range feed.Formats {
			t.Run(tc.name+"/"+string(f), func(t *testing.T) {
				e := newTestEnv(t, cache.Options{PageSize: tc.pageSize})
				ref := feed.ThreadFeed("alpha")
				addThreadComments(t, e, 0, tc.before)
				old := e.get(t, ref, f)
				addThreadComments(t, e, tc.before, 2)
				cur := e.get(t, ref, f)
				if f != feed.JSON && !bytes.Contains(cur.Body, []byte(tc.head)) {
					t.Fatalf("the head has no %s:\n%s", tc.head, cur.Body)
				}
				if f == feed.JSON && len(navMarks(f, cur.Body)) == 0 && tc.before > 0 {
					t.Fatalf("the JSON head has no next_url or _archive:\n%s", cur.Body)
				}

				oldTag := `W/"` + strings.Trim(old.GzipETag, `"`) + `"`
				got, delta, base, err := e.cache.Delta(context.Background(), ref, f, []string{`"unknown"`, oldTag})
				if err != nil {
					t.Fatal(err)
				}
				if got != cur || delta == nil {
					t.Fatalf("Delta = current %v, delta %v; want the head and a delta", got == cur, delta != nil)
				}
				if base != oldTag {
					t.Errorf("base %s, want the tag that named the old version, %s", base, oldTag)
				}
				if m := navMarks(f, delta.Body); len(m) > 0 {
					t.Errorf("the delta carries %v:\n%s", m, delta.Body)
				}
				for _, id := range []string{fmt.Sprintf("n%02d", tc.before), fmt.Sprintf("n%02d", tc.before+1)} {
					if !bytes.Contains(delta.Body, []byte("#comment-"+id)) {
						t.Errorf("the delta lacks new comment %s", id)
					}
				}
				if bytes.Contains(delta.Body, []byte("#comment-a1")) {
					t.Error("the delta holds an old comment")
				}
			})
		}
	}
}

// TestDelta_NoDigest checks that the digest feeds, whose entries are
// periods that the remembered versions do not record, never answer with a
// delta, even against a version they had.
func TestDelta_NoDigest(t *testing.T) {
	clk := &clock{t: date("2026-03-04T12:00:00Z")}
	e := newTestEnv(t, cache.Options{Now: clk.Now})
	ctx := context.Background()
	ref := feed.DigestFeed(feed.PeriodDaily)
	old := e.get(t, ref, feed.Atom)
	clk.Set(date("2026-03-06T12:00:00Z")) // closes 2026-03-05, with b1
	e.cache.Invalidate(feed.DigestFeeds...)
	cur := e.get(t, ref, feed.Atom)
	if cur.ETag == old.ETag {
		t.Fatal("the digest did not change")
	}
	got, delta, base, err := e.cache.Delta(ctx, ref, feed.Atom, []string{old.ETag})
	if err != nil {
		t.Fatal(err)
	}
	if got != cur || delta != nil || base != "" {
		t.Errorf("Delta of a digest = current %v, delta %v, base %q; want the head alone", got == cur, delta != nil, base)
	}
}
