package postgres

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
)

func TestChanges_PollerSkipsNothing(t *testing.T) {
	// Writers on several connections, and a poller that moves its position
	// to the newest seq it has read, as cache.Follow does. Were seqs to
	// become visible out of order (seq 8 committed before seq 7), the
	// poller would step past 7 and never see it.
	db, _ := openTemp(t)
	if err := db.CreatePost(t.Context(), &feed.Post{ID: "p", Title: "P", Content: "c"}); err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 40
	var (
		wg   sync.WaitGroup
		done = make(chan struct{})
		seen []int64
	)
	poll := func(after int64) int64 {
		records, err := db.Changes(context.Background(), after, 0)
		if err != nil {
			t.Errorf("Changes: %v", err)
			return after
		}
		for _, r := range records {
			seen = append(seen, r.Seq)
			after = r.Seq
		}
		return after
	}
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		var after int64
		for {
			select {
			case <-done:
				poll(after) // what committed last
				return
			default:
				after = poll(after)
			}
		}
	}()
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				c := &feed.Comment{ID: fmt.Sprintf("c%d-%d", w, i), PostID: "p", AuthorName: "A", Content: "c"}
				if err := db.CreateComment(t.Context(), c); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(done)
	<-polled

	all, err := db.Changes(t.Context(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1+writers*each {
		t.Fatalf("%d change records, want %d", len(all), 1+writers*each)
	}
	var want []int64
	for _, r := range all {
		want = append(want, r.Seq)
	}
	if !slices.Equal(seen, want) {
		var missed []int64
		for _, s := range want {
			if !slices.Contains(seen, s) {
				missed = append(missed, s)
			}
		}
		t.Errorf("the poller read %d records, missing %v", len(seen), missed)
	}
}

func TestLastChange_WaitsForWriter(t *testing.T) {
	// A writer holding the change log's lock has drawn its seq but not
	// committed. A poller starting now must not start past that seq: it
	// would miss the record. Changes, meanwhile, does not wait.
	db, _ := openTemp(t)
	if err := db.CreatePost(t.Context(), &feed.Post{ID: "p", Title: "P", Content: "c"}); err != nil {
		t.Fatal(err)
	}
	before, err := db.LastChange(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.sql.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(t.Context(), `LOCK TABLE changes IN EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	var seq int64
	if err := tx.QueryRowContext(t.Context(), `INSERT INTO changes (at, post_id) VALUES (0, 'p') RETURNING seq`).Scan(&seq); err != nil {
		t.Fatal(err)
	}

	records, err := db.Changes(t.Context(), 0, 0)
	if err != nil {
		t.Fatalf("Changes while a writer holds the lock: %v", err)
	}
	if len(records) != 1 || records[0].Seq != before {
		t.Errorf("Changes while a writer holds the lock = %d records, want the committed one", len(records))
	}

	last := make(chan int64, 1)
	go func() {
		seq, err := db.LastChange(context.Background())
		if err != nil {
			t.Errorf("LastChange: %v", err)
		}
		last <- seq
	}()
	select {
	case got := <-last:
		t.Fatalf("LastChange = %d while a writer with seq %d had not committed, want it to wait", got, seq)
	case <-time.After(200 * time.Millisecond):
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := <-last; got != seq {
		t.Errorf("LastChange = %d, want the writer's %d", got, seq)
	}
}

func TestLastChange_AfterPurge(t *testing.T) {
	// Purge may empty the log: LastChange is then the last seq handed out,
	// and the next record is past it.
	db, _ := openTemp(t)
	for _, id := range []string{"p", "q"} {
		if err := db.CreatePost(t.Context(), &feed.Post{ID: id, Title: "P", Content: "c"}); err != nil {
			t.Fatal(err)
		}
	}
	last, err := db.LastChange(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Purge(t.Context(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if records, _ := db.Changes(t.Context(), 0, 0); len(records) != 0 {
		t.Fatalf("%d records after purging all, want none", len(records))
	}
	if got, err := db.LastChange(t.Context()); got != last || err != nil {
		t.Errorf("LastChange of an emptied log = %d, %v; want %d", got, err, last)
	}
	if err := db.CreatePost(t.Context(), &feed.Post{ID: "r", Title: "R", Content: "c"}); err != nil {
		t.Fatal(err)
	}
	records, err := db.Changes(t.Context(), last, 0)
	if err != nil || len(records) != 1 || records[0].Seq <= last {
		t.Errorf("Changes after %d = %v, %v; want r's record past it", last, records, err)
	}
}
