package webmention

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store/postgres"
	"github.com/feedd/feedd/store/postgres/pgtest"
)

// Two feedd processes on one PostgreSQL database (two stores, two pools,
// two senders) both follow the change log and plan every post, and step
// at once: every link is still told exactly once.
func TestSender_PostgresReplicas(t *testing.T) {
	dsn, _ := pgtest.Schema(t)
	ctx := context.Background()
	open := func() *postgres.DB {
		db, err := postgres.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	a, b := open(), open()
	r := newRemote(t)
	o := Options{SourceURL: func(id string) string { return base + "/posts/" + id }, Self: base, Concurrency: 2}
	sa, sb := New(a, testPoller(t, true), o, nil), New(b, testPoller(t, true), o, nil)
	if err := sa.Init(ctx); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 4 {
		id := fmt.Sprintf("p%d", i)
		content := ""
		for _, page := range []string{"a", "b", "c", "d"} {
			content += fmt.Sprintf(`<a href="%s/%s">%s</a> `, r.srv.URL, page, page)
			want = append(want, "/wm "+base+"/posts/"+id+" {r}/"+page)
		}
		if err := a.CreatePost(ctx, &feed.Post{ID: id, Title: id, Content: content}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for _, s := range []*Sender{sa, sb, sa, sb} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Step(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	wantReceived(t, r, want...)
}
