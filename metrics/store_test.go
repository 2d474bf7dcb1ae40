package metrics_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/metrics"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/sqlite"
	"github.com/feedd/feedd/store/storetest"
)

// The decorated SQLite store passes the whole store suite: every method
// is forwarded with its arguments and results, the optional interfaces
// (ClaimJob) included.
func TestStore_Suite(t *testing.T) {
	if testing.Short() {
		t.Skip("the store suite takes seconds")
	}
	m := metrics.New()
	var (
		mu    sync.Mutex
		paths = make(map[*testing.T]string)
	)
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		mu.Lock()
		path, ok := paths[t]
		if !ok {
			path = filepath.Join(t.TempDir(), "feedd.db")
			paths[t] = path
		}
		mu.Unlock()
		db := openSQLite(t, path)
		db.Now = now
		return m.Store(db)
	})
	fams := scrape(t, m.Handler())
	for _, op := range []string{"CreatePost", "Posts", "UpsertComment", "Purge", "ClaimJob", "Close"} {
		if n := histogramCount(t, fams, "feedd_store_operation_duration_seconds", labels{"operation": op}); n == 0 {
			t.Errorf("no %s calls timed", op)
		}
	}
}

// A whole-store copy through decorated stores (store.Copier) keeps
// everything.
func TestStore_Copy(t *testing.T) {
	m := metrics.New()
	dir := t.TempDir()
	from := m.Store(openSQLite(t, filepath.Join(dir, "from.db")))
	to := m.Store(openSQLite(t, filepath.Join(dir, "to.db")))
	storetest.RunCopy(t, from, to)
	fams := scrape(t, m.Handler())
	for _, op := range []string{"CountRecords", "Dump", "Load"} {
		if n := histogramCount(t, fams, "feedd_store_operation_duration_seconds", labels{"operation": op}); n == 0 {
			t.Errorf("no %s calls timed", op)
		}
	}
}

func openSQLite(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// fakeBase is a store whose only method is LastChange, which fails.
type fakeBase struct{ store.Store }

func (fakeBase) LastChange(context.Context) (int64, error) {
	return 0, errors.New("connection refused")
}

// fakeStore adds to fakeBase the methods that were optional interfaces
// once (store.JobClaimer, store.Watcher, store.Copier): every store has
// them now, and so the wrapper, which has no combinations of them left to
// build.
type fakeStore struct{ fakeBase }

func (fakeStore) ClaimJob(context.Context, string, time.Duration) (bool, error) { return true, nil }
func (fakeStore) Watch(context.Context) <-chan store.WatchEvent                 { return nil }
func (fakeStore) CountRecords(context.Context) (int, error)                     { return 7, nil }

// The decorated store forwards and times the methods of the once optional
// interfaces like the others, counts failures, and unwraps.
func TestStore_OptionalInterfaces(t *testing.T) {
	st := fakeStore{}
	m := metrics.New()
	w := m.Store(st)
	ctx := context.Background()
	want := map[string]int{"LastChange": 1, "ClaimJob": 1, "Watch": 1, "CountRecords": 1}

	if got, err := w.ClaimJob(ctx, "job", time.Minute); !got || err != nil {
		t.Errorf("ClaimJob = %v, %v", got, err)
	}
	w.Watch(ctx)
	if n, err := w.CountRecords(ctx); n != 7 || err != nil {
		t.Errorf("CountRecords = %d, %v", n, err)
	}
	if _, err := w.LastChange(ctx); err == nil {
		t.Error("LastChange's error is lost")
	}
	if u, ok := w.(interface{ Unwrap() store.Store }); !ok || u.Unwrap() != st {
		t.Error("Unwrap does not return the wrapped store")
	}

	fams := scrape(t, m.Handler())
	for op, n := range want {
		if got := histogramCount(t, fams, "feedd_store_operation_duration_seconds", labels{"operation": op}); got != uint64(n) {
			t.Errorf("%s timed %d times, want %d", op, got, n)
		}
	}
	if got := value(t, fams, "feedd_store_operation_errors_total", labels{"operation": "LastChange"}); got != 1 {
		t.Errorf("LastChange errors = %v, want 1", got)
	}
}

// Answers that the store's contract gives as errors are not failures.
func TestStore_ErrorsCounted(t *testing.T) {
	m := metrics.New()
	st := m.Store(openSQLite(t, filepath.Join(t.TempDir(), "feedd.db")))
	ctx := context.Background()
	if _, err := st.Post(ctx, "nope"); feed.ErrorCode(err) != feed.ENOTFOUND {
		t.Fatalf("Post(nope) = %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, _ = st.Posts(cctx, store.PostFilter{})
	st.Close()
	if _, err := st.Posts(ctx, store.PostFilter{}); err == nil {
		t.Fatal("Posts on a closed store: no error")
	}
	fams := scrape(t, m.Handler())
	if got := value(t, fams, "feedd_store_operation_errors_total", labels{"operation": "Post"}); got != 0 {
		t.Errorf("not found counted as an error: %v", got)
	}
	if got := value(t, fams, "feedd_store_operation_errors_total", labels{"operation": "Posts"}); got != 1 {
		t.Errorf("Posts errors = %v, want 1 (the closed store, not the cancelled call)", got)
	}
}
