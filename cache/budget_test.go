package cache_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/sqlite"
)

// loadThreads fills st through its bulk path (store.Copier.Load) with
// posts posts of comments comments each and returns the post ids.
func loadThreads(t testing.TB, st store.Store, posts, comments int) []string {
	t.Helper()
	ctx := context.Background()
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var recs []store.Record
	var ids []string
	for i := range posts {
		id := fmt.Sprintf("post-%06d", i)
		ids = append(ids, id)
		pub := t0.Add(time.Duration(i) * time.Minute)
		recs = append(recs, store.Record{Post: &store.PostRecord{Post: feed.Post{
			ID: id, Title: "Post " + id, Content: strings.Repeat("<p>Some text of the post.</p>", 8),
			Format: feed.FormatHTML, AuthorName: "Author", Published: pub, Updated: pub,
		}}})
		for j := range comments {
			cp := pub.Add(time.Duration(j+1) * time.Second)
			recs = append(recs, store.Record{Comment: &store.CommentRecord{Comment: feed.Comment{
				ID: fmt.Sprintf("%s-c%d", id, j), PostID: id, AuthorName: "Reader",
				Content: strings.Repeat("A comment of some length. ", 6), Status: feed.StatusApproved,
				Published: cp, Updated: cp,
			}}})
		}
	}
	for len(recs) > 0 {
		n := min(len(recs), 20000)
		if err := st.Load(ctx, recs[:n]); err != nil {
			t.Fatal(err)
		}
		recs = recs[n:]
	}
	return ids
}

// pageWriter writes a feed document's HTML page: its title and entries'
// count, enough to be a page of its own size.
type pageWriter struct{}

func (pageWriter) FeedPage(f feed.Format, d *render.Doc) ([]byte, error) {
	return fmt.Appendf(nil, "<!doctype html><title>%s %s</title><p>%d comments%s",
		d.Ref, f, len(d.Comments), strings.Repeat(" ", 2000)), nil
}

// TestBudget_NeverExceeded walks every kind of document of many feeds
// (heads in every format, pages, archives, queries, HTML pages, deltas)
// through a cache whose budget holds a few of them, and checks after
// every request that the bytes it holds stay within the budget; then that
// an evicted document renders again to the same bytes and ETag.
func TestBudget_NeverExceeded(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "feedd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ids := loadThreads(t, db, 150, 9)
	r, err := render.New(render.Options{Title: "Test", BaseURL: "https://blog.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	const budget = 200 << 10
	c := cache.New(db, r, cache.Options{PageSize: 3, MaxBytes: budget}, slog.New(slog.DiscardHandler))
	if err := c.Sync(ctx, 0); err != nil { // start following the log
		t.Fatal(err)
	}

	check := func(what string) {
		t.Helper()
		s := c.Stats()
		if s.MaxBytes != budget {
			t.Fatalf("%s: MaxBytes %d, want %d", what, s.MaxBytes, budget)
		}
		if s.Bytes > s.MaxBytes || s.Bytes < 0 {
			t.Fatalf("%s: %d bytes held, budget %d", what, s.Bytes, s.MaxBytes)
		}
	}
	first, err := c.Get(ctx, feed.ThreadFeed(ids[0]), feed.Atom)
	if err != nil {
		t.Fatal(err)
	}
	requested := 0
	for i, id := range ids {
		ref := feed.ThreadFeed(id)
		for _, f := range feed.Formats {
			if _, err := c.Get(ctx, ref, f); err != nil {
				t.Fatalf("%s.%s: %v", ref, f, err)
			}
			check(ref.String())
			requested++
		}
		for _, v := range []feed.View{{Archive: 1}, {Page: 2}, {MaxResults: 1 + i%5, StartIndex: 1 + i%3}} {
			if _, err := c.GetView(ctx, ref, v, feed.RSS); err != nil {
				t.Fatalf("%s %+v: %v", ref, v, err)
			}
			check(fmt.Sprintf("%s %+v", ref, v))
			requested++
		}
		if _, err := c.Page(ctx, ref, feed.View{}, feed.Atom, pageWriter{}); err != nil {
			t.Fatal(err)
		}
		check(ref.String() + " page")
		if _, err := c.GetView(ctx, feed.PostsFeed, feed.View{Archive: 1 + i%30}, feed.JSON); err != nil {
			t.Fatal(err)
		}
		check("posts archive")
		requested++
	}
	// Deltas: a head remembered, then changed by a comment.
	ref := feed.ThreadFeed(ids[len(ids)-1])
	old, err := c.Get(ctx, ref, feed.Atom)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateComment(ctx, &feed.Comment{PostID: ids[len(ids)-1], AuthorName: "Late", Content: "late"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if _, delta, _, err := c.Delta(ctx, ref, feed.Atom, []string{old.ETag}); err != nil || delta == nil {
		t.Fatalf("delta: %v, %v", delta, err)
	}
	check("delta")

	s := c.Stats()
	if s.Evictions == 0 || s.Entries >= requested {
		t.Errorf("%d documents requested, %d held, %d evictions: the budget evicted nothing", requested, s.Entries, s.Evictions)
	}
	t.Logf("%d documents requested: %d held in %d bytes (budget %d), %d evictions", requested, s.Entries, s.Bytes, s.MaxBytes, s.Evictions)

	// The first document was evicted long ago; it renders again, the same.
	before := c.Stats().Renders
	again, err := c.Get(ctx, feed.ThreadFeed(ids[0]), feed.Atom)
	if err != nil {
		t.Fatal(err)
	}
	if c.Stats().Renders == before {
		t.Fatal("the first document was never evicted")
	}
	if again.ETag != first.ETag || again.GzipETag != first.GzipETag || !bytes.Equal(again.Body, first.Body) ||
		again.LastModifiedHTTP != first.LastModifiedHTTP {
		t.Errorf("evicted and rendered again: ETag %s, was %s", again.ETag, first.ETag)
	}
}

// TestBudget_Counts checks the accounting against the documents: with a
// budget that evicts nothing, the bytes counted are at least those of the
// bodies and gzip copies held, and an invalidation gives them back.
func TestBudget_Counts(t *testing.T) {
	e := newTestEnv(t, cache.Options{})
	if s := e.cache.Stats(); s.MaxBytes != cache.DefaultMaxBytes || s.Bytes != 0 {
		t.Fatalf("new cache: %+v, want no bytes and the default budget", s)
	}
	var held int64
	for _, ref := range allRefs {
		for _, f := range feed.Formats {
			en := e.get(t, ref, f)
			held += int64(len(en.Body) + len(en.Gzip))
		}
	}
	s := e.cache.Stats()
	if s.Bytes < held || s.Evictions != 0 {
		t.Errorf("%d bytes counted, %d evictions; the bodies and gzip copies alone hold %d", s.Bytes, s.Evictions, held)
	}
	// The heads' delta histories stay; the documents' bytes go.
	e.cache.Purge()
	if after := e.cache.Stats().Bytes; after > s.Bytes-held || after <= 0 {
		t.Errorf("%d bytes counted after a purge, %d before; the documents held %d", after, s.Bytes, held)
	}
}
