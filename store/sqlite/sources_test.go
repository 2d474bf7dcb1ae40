package sqlite

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store/storetest"
)

func TestSources_QueryPlans(t *testing.T) {
	// The upstream key lookups run on every entry of every poll: they must
	// use the partial unique indexes, which SQLite picks only when the
	// query repeats their condition literally.
	db, _ := openTemp(t)
	for _, tt := range []struct {
		query, index string
		args         []any
	}{
		{postByOriginQuery, "posts_origin_idx", []any{"s", "x"}},
		{commentByOriginQuery, "comments_origin_idx", []any{"p", "s", "x"}},
		{parentByOriginQuery, "comments_origin_idx", []any{"p", "s", "x"}},
		{commentAndParentByOriginQuery, "comments_origin_idx", []any{"p", "s", "x", "y"}},
	} {
		plan := queryPlan(t, db, tt.query, tt.args...)
		if !strings.Contains(plan, tt.index) {
			t.Errorf("plan of\n%s\n=\n%s\nwant it to use %s", tt.query, plan, tt.index)
		}
	}
}

func TestDB_NowMirror(t *testing.T) {
	db, _ := openTemp(t)
	now := time.Date(2025, 2, 3, 4, 5, 6, 700_000_000, time.UTC)
	db.Now = func() time.Time { return now }
	clock := func() time.Time { return now.Truncate(time.Second) }
	upstream := func(content string, published, updated time.Time) *feed.Post {
		return &feed.Post{Title: "T", Content: content, Published: published, Updated: updated,
			Origin: &feed.Origin{Source: "s", ID: "1"}}
	}

	// Without dates, a new post is dated by the clock, and keeps that date.
	p := upstream("v1", time.Time{}, time.Time{})
	if _, err := db.UpsertPost(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	if !p.Published.Equal(clock()) || !p.Updated.Equal(clock()) {
		t.Errorf("times = %v, %v; want the clock's %v", p.Published, p.Updated, clock())
	}
	now = now.Add(time.Hour)
	p = upstream("v2", time.Time{}, time.Time{})
	if _, err := db.UpsertPost(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	if want := clock().Add(-time.Hour); !p.Published.Equal(want) || !p.Updated.Equal(clock()) {
		t.Errorf("after an edit: times = %v, %v; want %v, %v", p.Published, p.Updated, want, clock())
	}
	// A clock set back still moves Updated, by a second.
	now = now.Add(-2 * time.Hour)
	prev := p.Updated
	if _, err := db.UpsertPost(t.Context(), upstream("v3", time.Time{}, time.Time{})); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Post(t.Context(), p.ID); !got.Updated.Equal(prev.Add(time.Second)) {
		t.Errorf("Updated = %v with the clock behind, want %v", got.Updated, prev.Add(time.Second))
	}
	// Redated upstream past the clock and the stored Updated: Updated
	// follows Published, as on CreatePost.
	future := clock().Add(48 * time.Hour)
	p = upstream("v3", future, time.Time{})
	if _, err := db.UpsertPost(t.Context(), p); err != nil {
		t.Fatalf("UpsertPost redated to the future: %v", err)
	}
	if !p.Published.Equal(future) || !p.Updated.Equal(future) {
		t.Errorf("redated: times = %v, %v; want both %v", p.Published, p.Updated, future)
	}
}

func TestUpsertComment_SubtreeDepth(t *testing.T) {
	// A comment that finds its parent late takes its whole subtree down;
	// the foreign keys hold throughout, husks included.
	db, _ := openTemp(t)
	post := &feed.Post{Title: "P", Content: "c", Origin: &feed.Origin{Source: "s", ID: "post"}}
	if _, err := db.UpsertPost(t.Context(), post); err != nil {
		t.Fatal(err)
	}
	upsert := func(id, parent string) *feed.Comment {
		t.Helper()
		c := &feed.Comment{PostID: post.ID, AuthorName: "A", Content: "c " + id, Origin: &feed.Origin{Source: "s", ID: id}}
		if _, err := db.UpsertComment(t.Context(), c, parent); err != nil {
			t.Fatalf("UpsertComment(%q): %v", id, err)
		}
		return c
	}
	// b waits for a; c, d and e hang below b.
	upsert("b", "a")
	upsert("c", "b")
	d := upsert("d", "c")
	upsert("e", "b")
	if _, err := db.DeleteComment(t.Context(), d.ID); err != nil {
		t.Fatal(err)
	}
	upsert("f", "d") // a reply to the deleted d still finds it
	if _, err := db.Purge(t.Context(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err) // d stays as a husk, for f
	}
	upsert("a", "")
	upsert("b", "a")
	want := map[string]int{"a": 0, "b": 1, "c": 2, "d": 3, "e": 2, "f": 4}
	rows, err := db.db.QueryContext(t.Context(), `SELECT origin_id, depth FROM comments`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var (
			id    string
			depth int
		)
		if err := rows.Scan(&id, &depth); err != nil {
			t.Fatal(err)
		}
		if depth != want[id] {
			t.Errorf("comment %s: depth %d, want %d", id, depth, want[id])
		}
		n++
	}
	if n != len(want) {
		t.Errorf("%d comments, want %d", n, len(want))
	}
	checkForeignKeys(t, db)
	records, err := db.Changes(t.Context(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if last := records[len(records)-1].Change.Comment; last == nil || last.PostID != post.ID {
		t.Errorf("last change = %+v, want one of the thread", records[len(records)-1].Change)
	}
}

func TestUpsert_UnchangedWithoutWriteLock(t *testing.T) {
	// A re-poll of unchanged entries only reads: it neither waits for nor
	// fails on a writer holding the database's write lock.
	db, _ := openTemp(t)
	ctx := t.Context()
	post, parent, reply := storetest.MirroredThread(t, db)

	conn, err := db.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()

	// Well below busy_timeout: a write would wait for the lock until then.
	wctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	start := time.Now()
	again := &feed.Post{Title: "T", Content: "c", Origin: &feed.Origin{Source: "s", ID: "1"}}
	if changed, err := db.UpsertPost(wctx, again); err != nil || changed || again.ID != post.ID {
		t.Errorf("UpsertPost unchanged under a held write lock = %v, %v, ID %q; want false, nil, %q", changed, err, again.ID, post.ID)
	}
	for _, tt := range []struct {
		c      *feed.Comment
		parent string
	}{{parent, "c1"}, {reply, "c1"}} {
		in := &feed.Comment{PostID: post.ID, AuthorName: "A", Content: tt.c.Content, Origin: &feed.Origin{Source: "s", ID: tt.c.Origin.ID}}
		if changed, err := db.UpsertComment(wctx, in, tt.parent); err != nil || changed || in.ID != tt.c.ID || in.ParentID != tt.c.ParentID {
			t.Errorf("UpsertComment(%q) unchanged under a held write lock = %v, %v, ID %q, ParentID %q; want false, nil, %q, %q",
				tt.c.Origin.ID, changed, err, in.ID, in.ParentID, tt.c.ID, tt.c.ParentID)
		}
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("unchanged upserts took %v under a held write lock", d)
	}
}
