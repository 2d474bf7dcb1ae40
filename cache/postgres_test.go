package cache_test

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/internal/testutil"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/postgres"
	"github.com/feedd/feedd/store/postgres/pgtest"
)

func openPostgres(tb testing.TB, dsn string) *postgres.DB {
	tb.Helper()
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// TestCache_PostgresReplicas: two stores on one PostgreSQL schema, as two
// feedd replicas have, each under a cache that follows it with an interval
// too long to matter. A comment written through either store shows in the
// other's cached feeds within a second: the store's write notices carry
// it. After B's connections are cut, B's cache starts over (Reset) and
// goes on.
func TestCache_PostgresReplicas(t *testing.T) {
	dsn, _ := pgtest.Schema(t)
	ctx := context.Background()
	// B's connections have a name of their own, so that the test can cut
	// them.
	bName := "feedd_test_b_" + strings.ToLower(rand.Text()[:8])
	a, b := openPostgres(t, dsn), openPostgres(t, pgtest.WithParams(t, dsn, map[string]string{"application_name": bName}))
	if _, ok := any(b).(store.Watcher); !ok {
		t.Fatal("the PostgreSQL store is not a store.Watcher")
	}
	post := feed.Post{ID: "shared", Title: "A shared post", Content: "on both replicas", Published: date("2026-03-01T10:00:00Z")}
	if err := a.CreatePost(ctx, &post); err != nil {
		t.Fatal(err)
	}
	r, err := render.New(render.Options{Title: "Test", BaseURL: "https://blog.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	follow := func(st store.Store) *cache.Cache {
		c := cache.New(st, r, cache.Options{}, slog.New(slog.DiscardHandler))
		fctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- c.Follow(fctx, time.Hour) }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("Follow returned %v, want context.Canceled", err)
			}
		})
		return c
	}
	ca, cb := follow(a), follow(b)

	// Probe until both caches applied a write: from then on they follow
	// (their start has dropped the cache) and notices arrive.
	// A probe every 200ms at most.
	var probed time.Time
	testutil.Eventually(t, 15*time.Second, func() bool {
		if ca.Stats().Changes > 0 && cb.Stats().Changes > 0 {
			return true
		}
		if time.Since(probed) >= 200*time.Millisecond {
			probe := feed.Comment{PostID: "shared", AuthorName: "Probe", Content: "probe"}
			if err := a.CreateComment(ctx, &probe); err != nil {
				t.Fatal(err)
			}
			probed = time.Now()
		}
		return false
	}, "the caches never applied a write")

	for i, tc := range []struct {
		name  string
		write store.Store
		read  *cache.Cache
		ref   feed.Ref
	}{
		{"A to B, thread", a, cb, feed.ThreadFeed("shared")},
		{"B to A, thread", b, ca, feed.ThreadFeed("shared")},
		{"A to B, comments", a, cb, feed.CommentsFeed},
	} {
		before := getEntry(t, tc.read, tc.ref, feed.Atom)
		text := "comment number " + strconv.Itoa(i+1)
		c := feed.Comment{PostID: "shared", AuthorName: "Reader", Content: text}
		start := time.Now()
		if err := tc.write.CreateComment(ctx, &c); err != nil {
			t.Fatal(err)
		}
		testutil.Eventually(t, time.Second, func() bool { return bodyHasEntry(getEntry(t, tc.read, tc.ref, feed.Atom), text) },
			"%s: the comment did not show", tc.name)
		t.Logf("%s: the comment showed after %v", tc.name, time.Since(start))
		if getEntry(t, tc.read, tc.ref, feed.Atom) == before {
			t.Errorf("%s: same entry", tc.name)
		}
	}

	// Cut every connection of B, the listening one included: B's watch
	// connects again and sends a Reset, which drops B's cache, and later
	// writes reach B as fast as before.
	admin, err := pgx.Connect(ctx, pgtest.BaseDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, bName); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 15*time.Second, func() bool { return cb.Stats().Resets > 0 }, "no Reset after B's connections were cut")
	thread := feed.ThreadFeed("shared")
	getEntry(t, cb, thread, feed.JSON)
	c := feed.Comment{PostID: "shared", AuthorName: "Reader", Content: "after the connections were cut"}
	if err := a.CreateComment(ctx, &c); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, time.Second, func() bool { return bodyHasEntry(getEntry(t, cb, thread, feed.JSON), c.Content) },
		"after a Reset, a write through A did not reach cache B")
}
