package cache_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/internal/seed"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/postgres"
	"github.com/feedd/feedd/store/postgres/pgtest"
	"github.com/feedd/feedd/store/sqlite"
)

// The scale fixtures of BenchmarkScaleCold: posts × 10 comments, made by
// internal/seed (seed 1), as cmd/feedd-seed makes them.
var scaleSizes = []struct {
	name  string
	posts int
	big   bool // only with FEEDD_SCALE=1
}{
	{"10k", 1_000, false},
	{"1M", 100_000, true},
}

const scaleCommentsPerPost = 10

// BenchmarkScaleCold measures the cold render of each kind of feed
// document through the real store and render path (cache.Get on a purged
// cache: the store reads, rendering, gzip), on a store of 10,000 comments
// and, with FEEDD_SCALE=1, of 1,000,000 (100,000 posts × 10), so that a
// cost that grows with the store shows as a ratio between the two:
//
//	FEEDD_SCALE=1 FEEDD_SCALE_DIR=/var/tmp/feedd-scale \
//		go test -run '^$' -bench ScaleCold -benchtime 20x -count 3 ./cache/
//
// The SQLite fixtures are files in FEEDD_SCALE_DIR, seeded when missing
// and reused by later runs (without it, in a temporary directory removed
// at the end). With FEEDD_TEST_POSTGRES set the same fixtures are loaded
// into schemas feedd_scale_<posts>x10 of that database, kept and reused
// likewise. Seeding 1M comments takes minutes; it is not timed.
func BenchmarkScaleCold(b *testing.B) {
	for _, size := range scaleSizes {
		if size.big && os.Getenv("FEEDD_SCALE") != "1" {
			continue
		}
		for _, engine := range []string{"sqlite", "postgres"} {
			b.Run(size.name+"/"+engine, func(b *testing.B) {
				if engine == "postgres" {
					pgtest.BaseDSN(b) // skips without FEEDD_TEST_POSTGRES
				}
				o := seed.Options{Seed: 1, Posts: size.posts, CommentsPerPost: scaleCommentsPerPost}
				st := scaleStore(b, engine, o)
				benchScaleKinds(b, st, o)
			})
		}
	}
}

// BenchmarkScaleWriteVisible measures a comment's way from its write to
// its thread feed, on the fixtures of BenchmarkScaleCold: the comment is
// stored (derived, placed, counted, logged), the cache applies the change
// log up to the write (Sync, as the API does before answering), and the
// thread feed, which was cached, is asked for again and rendered. The
// comments go to 100 posts of their own, so that the documents the cold
// benchmarks render stay as they were.
//
//	FEEDD_SCALE=1 FEEDD_SCALE_DIR=/var/tmp/feedd-scale \
//		go test -run '^$' -bench ScaleWriteVisible -benchtime 200x -count 5 ./cache/
func BenchmarkScaleWriteVisible(b *testing.B) {
	for _, size := range scaleSizes {
		if size.big && os.Getenv("FEEDD_SCALE") != "1" {
			continue
		}
		for _, engine := range []string{"sqlite", "postgres"} {
			b.Run(size.name+"/"+engine, func(b *testing.B) {
				if engine == "postgres" {
					pgtest.BaseDSN(b)
				}
				o := seed.Options{Seed: 1, Posts: size.posts, CommentsPerPost: scaleCommentsPerPost}
				st := scaleStore(b, engine, o)
				r, err := render.New(render.Options{Title: "Scale", BaseURL: "https://blog.example.org"})
				if err != nil {
					b.Fatal(err)
				}
				c := cache.New(st, r, cache.Options{}, slog.New(slog.DiscardHandler))
				ctx := context.Background()
				pick := rand.New(rand.NewPCG(3, 4))
				var threads []feed.Ref
				for range 100 {
					ps, err := st.Posts(ctx, store.PostFilter{Offset: pick.IntN(o.Posts), Limit: 1})
					if err != nil || len(ps) != 1 {
						b.Fatalf("pick a thread: %v", err)
					}
					ref := feed.ThreadFeed(ps[0].ID)
					if _, err := c.Get(ctx, ref, feed.Atom); err != nil { // cached, as a read one is
						b.Fatal(err)
					}
					threads = append(threads, ref)
				}
				i := 0
				var lat latencies
				b.ReportAllocs()
				for b.Loop() {
					ref := threads[i%len(threads)]
					start := time.Now()
					wctx, wrote := store.Track(ctx)
					cm := &feed.Comment{PostID: ref.PostID, AuthorName: "Bench", Content: fmt.Sprintf("A comment, number %d, to read at once.", i)}
					if err := st.CreateComment(wctx, cm); err != nil {
						b.Fatal(err)
					}
					if err := c.Sync(ctx, wrote.Seq()); err != nil {
						b.Fatal(err)
					}
					e, err := c.Get(ctx, ref, feed.Atom)
					if err != nil || !bytes.Contains(e.Body, []byte(cm.ID)) {
						b.Fatalf("the thread feed does not show comment %s: %v", cm.ID, err)
					}
					lat.add(time.Since(start))
					i++
				}
				lat.report(b)
			})
		}
	}
}

// benchScaleKinds renders, cold, one document of each kind from st, which
// holds fixture o.
func benchScaleKinds(b *testing.B, st store.Store, o seed.Options) {
	r, err := render.New(render.Options{Title: "Scale", BaseURL: "https://blog.example.org", CommentCounts: true})
	if err != nil {
		b.Fatal(err)
	}
	// The digests' days close after the fixture's last comments.
	now := seed.DefaultEnd.Add(5 * 24 * time.Hour)
	c := cache.New(st, r, cache.Options{CommentCounts: true, Now: func() time.Time { return now }},
		slog.New(slog.DiscardHandler))
	threads := scaleThreads(b, st, o)
	comments := o.Posts * o.CommentsPerPost
	for _, d := range []struct {
		name string
		ref  func(i int) feed.Ref
		view feed.View
	}{
		{"posts", func(int) feed.Ref { return feed.PostsFeed }, feed.View{}},
		{"comments", func(int) feed.Ref { return feed.CommentsFeed }, feed.View{}},
		{"thread", func(int) feed.Ref { return feed.ThreadFeed(threads.next()) }, feed.View{}},
		{"digest", func(int) feed.Ref { return feed.DigestFeed("daily") }, feed.View{}},
		{"posts-page2", func(int) feed.Ref { return feed.PostsFeed }, feed.View{Page: 2}},
		{"posts-category", func(int) feed.Ref { return feed.PostsFeed }, feed.View{Category: "books"}},
		{"comments-archive-mid", func(int) feed.Ref { return feed.CommentsFeed }, feed.View{Archive: comments / cache.DefaultPageSize / 2}},
	} {
		b.Run(d.name, func(b *testing.B) {
			ctx := context.Background()
			var size int
			var lat latencies
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				c.Purge()
				start := time.Now()
				e, err := c.GetView(ctx, d.ref(i), d.view, feed.Atom)
				lat.add(time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				size = len(e.Body)
				i++
			}
			b.ReportMetric(float64(size), "B/doc")
			lat.report(b)
		})
	}
}

// latencies collects the times of a benchmark's operations, to report
// their median and 99th percentile beside the mean that -bench prints:
// the targets are percentiles.
type latencies []time.Duration

func (l *latencies) add(d time.Duration) { *l = append(*l, d) }

func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	slices.Sort(l)
	b.ReportMetric(float64(l[len(l)/2])/1e6, "p50-ms")
	b.ReportMetric(float64(l[len(l)*99/100])/1e6, "p99-ms")
}

// threadPicks are the threads a thread benchmark renders, per fixture:
// scaleThreadPicks posts spread over the fixture (the same each run),
// taken in turn across the rounds of a -count, so that no round renders
// a thread an earlier one read (whose pages SQLite or PostgreSQL would
// still hold): each render reaches its rows cold, as a crawler's does.
type threadPicks struct {
	ids []string
	pos int
}

const scaleThreadPicks = 2000

func (t *threadPicks) next() string {
	id := t.ids[t.pos%len(t.ids)]
	t.pos++
	return id
}

// scaleThreads returns the thread picks of st, which holds fixture o.
func scaleThreads(b *testing.B, st store.Store, o seed.Options) *threadPicks {
	scaleMu.Lock()
	defer scaleMu.Unlock()
	if t := scalePicks[st]; t != nil {
		return t
	}
	pick := rand.New(rand.NewPCG(1, 2))
	t := &threadPicks{}
	for _, offset := range pick.Perm(o.Posts)[:min(scaleThreadPicks, o.Posts)] {
		ps, err := st.Posts(context.Background(), store.PostFilter{Offset: offset, Limit: 1})
		if err != nil || len(ps) != 1 {
			b.Fatalf("pick a thread: %v", err)
		}
		t.ids = append(t.ids, ps[0].ID)
	}
	scalePicks[st] = t
	return t
}

var (
	scalePicks  = map[store.Store]*threadPicks{}
	scaleMu     sync.Mutex
	scaleStores = map[string]store.Store{} // open fixtures, by engine and size
	scaleTemp   string                     // the temporary FEEDD_SCALE_DIR
)

// TestMain removes the temporary directory of the SQLite fixtures, if a
// benchmark made one.
func TestMain(m *testing.M) {
	code := m.Run()
	scaleMu.Lock()
	for _, st := range scaleStores {
		st.Close()
	}
	if scaleTemp != "" {
		os.RemoveAll(scaleTemp)
	}
	scaleMu.Unlock()
	os.Exit(code)
}

// scaleStore returns the store of engine holding fixture o, seeding it
// when it is empty, once per process (and across processes when kept).
func scaleStore(b *testing.B, engine string, o seed.Options) store.Store {
	b.Helper()
	scaleMu.Lock()
	defer scaleMu.Unlock()
	name := fmt.Sprintf("feedd_scale_%dx%d", o.Posts, o.CommentsPerPost)
	if st := scaleStores[engine+"/"+name]; st != nil {
		return st
	}
	ctx := context.Background()
	var (
		st  store.Store
		err error
	)
	switch engine {
	case "sqlite":
		dir := os.Getenv("FEEDD_SCALE_DIR")
		if dir == "" {
			if scaleTemp == "" {
				if scaleTemp, err = os.MkdirTemp("", "feedd-scale-"); err != nil {
					b.Fatal(err)
				}
			}
			dir = scaleTemp
		}
		st, err = sqlite.Open(ctx, filepath.Join(dir, name+".db"))
	default:
		base := pgtest.BaseDSN(b)
		pgtest.Exec(b, base, `CREATE SCHEMA IF NOT EXISTS `+name)
		st, err = postgres.Open(ctx, pgtest.WithParams(b, base, map[string]string{"search_path": name}))
	}
	if err != nil {
		b.Fatal(err)
	}
	switch n, err := st.CountRecords(ctx); {
	case err != nil:
		b.Fatal(err)
	case n == 0:
		start := time.Now()
		workers := 1
		if engine == "postgres" {
			workers = 4
		}
		if _, err := seed.Fill(ctx, st, o, 2000, workers, nil); err != nil {
			b.Fatal(err)
		}
		if engine == "postgres" { // plans need statistics
			pgtest.Exec(b, pgtest.WithParams(b, pgtest.BaseDSN(b), map[string]string{"search_path": name}), "ANALYZE")
		}
		b.Logf("seeded %s %s in %s", engine, name, time.Since(start).Round(time.Millisecond))
	case n != o.Records():
		b.Fatalf("%s %s holds %d records, not the fixture's %d: remove it", engine, name, n, o.Records())
	}
	scaleStores[engine+"/"+name] = st
	return st
}
