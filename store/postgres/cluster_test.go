package postgres

import (
	"context"
	"net"
	"net/url"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/postgres/pgtest"
	"github.com/feedd/feedd/store/sqlite"
	"github.com/feedd/feedd/store/storetest"
)

// openSQLite opens a SQLite store in t's temporary directory and closes it
// when t ends.
func openSQLite(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "feedd.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// The copies feedd migrate makes, both ways, and within PostgreSQL.

func TestCopy_SQLiteToPostgres(t *testing.T) {
	pg, _ := openTemp(t)
	storetest.RunCopy(t, openSQLite(t), pg)
}

func TestCopy_PostgresToSQLite(t *testing.T) {
	pg, _ := openTemp(t)
	storetest.RunCopy(t, pg, openSQLite(t))
}

func TestCopy_PostgresToPostgres(t *testing.T) {
	from, _ := openTemp(t)
	to, _ := openTemp(t)
	storetest.RunCopy(t, from, to)
}

func TestClaimJob_Processes(t *testing.T) {
	// Five processes on one schema, four claimers in each, on one clock
	// that moves only when the test moves it, so that how long a round
	// takes on a loaded machine does not matter.
	dsn, _ := pgtest.Schema(t)
	clock := storetest.NewClock(time.Now())
	var dbs []*DB
	for range 5 {
		db := mustOpen(t, dsn)
		db.Now = clock.Now
		t.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	race := func(name string, period time.Duration) int32 {
		var (
			won atomic.Int32
			wg  sync.WaitGroup
		)
		for i := range 20 {
			wg.Go(func() {
				ok, err := dbs[i%len(dbs)].ClaimJob(t.Context(), name, period)
				if err != nil {
					t.Errorf("ClaimJob: %v", err)
				}
				if ok {
					won.Add(1)
				}
			})
		}
		wg.Wait()
		return won.Load()
	}
	const period = time.Second
	for round := range 2 {
		if n := race("sweep", period); n != 1 {
			t.Errorf("round %d: %d of 20 claims succeeded, want 1", round, n)
		}
		if n := race("sweep", period); n != 0 {
			t.Errorf("round %d, again at once: %d of 20 claims succeeded, want 0", round, n)
		}
		clock.Advance(period)
	}
}

// nextEvent waits up to d for an event of events; ok is false if none
// came. It fails the test if the channel is closed.
func nextEvent(t *testing.T, events <-chan store.WatchEvent, d time.Duration) (ev store.WatchEvent, ok bool) {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case ev, open := <-events:
		if !open {
			t.Fatal("watch channel closed")
		}
		return ev, true
	case <-timer.C:
		return store.WatchEvent{}, false
	}
}

// wantEvent fails the test unless an event with the given Reset comes
// within d.
func wantEvent(t *testing.T, events <-chan store.WatchEvent, d time.Duration, reset bool, what string) {
	t.Helper()
	ev, ok := nextEvent(t, events, d)
	switch {
	case !ok:
		t.Fatalf("%s: no event within %v", what, d)
	case ev.Reset != reset:
		t.Fatalf("%s: event %+v, want Reset %v", what, ev, reset)
	}
}

// wantNoEvent fails the test if an event comes within d.
func wantNoEvent(t *testing.T, events <-chan store.WatchEvent, d time.Duration, what string) {
	t.Helper()
	if ev, ok := nextEvent(t, events, d); ok {
		t.Fatalf("%s: event %+v, want none", what, ev)
	}
}

// wantClosed fails the test unless events is closed within d, after any
// events still in it.
func wantClosed(t *testing.T, events <-chan store.WatchEvent, d time.Duration) {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case _, open := <-events:
			if !open {
				return
			}
		case <-timer.C:
			t.Fatalf("watch channel still open after %v", d)
		}
	}
}

// listenerPID returns the server process of the one listening connection
// of the store whose connections carry application_name. A backend just
// terminated stays in pg_stat_activity for a moment beside its
// successor, so the count is read again until it is one, for a few
// seconds at most.
func listenerPID(t *testing.T, admin *pgx.Conn, applicationName string) int {
	t.Helper()
	const query = `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN%'`
	deadline := time.Now().Add(5 * time.Second)
	for {
		rows, err := admin.Query(t.Context(), query, applicationName)
		if err != nil {
			t.Fatalf("select listener: %v", err)
		}
		pids, err := pgx.CollectRows(rows, pgx.RowTo[int])
		if err != nil {
			t.Fatalf("select listener: %v", err)
		}
		if len(pids) == 1 {
			return pids[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("listening connections: %v, want one", pids)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestWatch(t *testing.T) {
	dsn, schema := pgtest.Schema(t)
	writer := mustOpen(t, dsn)
	t.Cleanup(func() { writer.Close() })
	watched := mustOpen(t, dsn)
	t.Cleanup(func() { watched.Close() })
	other, _ := openTemp(t)
	admin := adminConn(t, pgtest.BaseDSN(t))
	defer admin.Close(context.Background())

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	events := watched.Watch(ctx)
	wantNoEvent(t, events, 100*time.Millisecond, "before any write")

	// Listening when Watch returns: the first write is signalled.
	if err := writer.CreatePost(t.Context(), &feed.Post{ID: "p", Title: "P", Content: "c"}); err != nil {
		t.Fatal(err)
	}
	wantEvent(t, events, time.Second, false, "CreatePost")
	// Writes in quick succession come as one event or more, never lost.
	for _, id := range []string{"c1", "c2", "c3"} {
		if err := writer.CreateComment(t.Context(), &feed.Comment{ID: id, PostID: "p", AuthorName: "A", Content: "c"}); err != nil {
			t.Fatal(err)
		}
	}
	wantEvent(t, events, time.Second, false, "CreateComment")
	for {
		if _, ok := nextEvent(t, events, 200*time.Millisecond); !ok {
			break
		}
	}
	// A failed write sends nothing; Load does, logging no change.
	if err := writer.CreatePost(t.Context(), &feed.Post{ID: "p", Title: "P", Content: "c"}); feed.ErrorCode(err) != feed.ECONFLICT {
		t.Fatalf("CreatePost duplicate: %v", err)
	}
	wantNoEvent(t, events, 200*time.Millisecond, "failed write")
	rec := store.Record{Post: &store.PostRecord{Post: feed.Post{ID: "loaded", Title: "L", Content: "c",
		Format: feed.FormatHTML, Published: time.Unix(0, 0).UTC(), Updated: time.Unix(0, 0).UTC()}}}
	if err := writer.Load(t.Context(), []store.Record{rec}); err != nil {
		t.Fatal(err)
	}
	wantEvent(t, events, time.Second, false, "Load")
	// A write to another schema of the database is not this store's.
	if err := other.CreatePost(t.Context(), &feed.Post{ID: "p", Title: "P", Content: "c"}); err != nil {
		t.Fatal(err)
	}
	wantNoEvent(t, events, 300*time.Millisecond, "write to another schema")

	// The listening connection is lost: once listening again, the watch
	// says that notices may have been missed, and goes on.
	pid := listenerPID(t, admin, schema)
	if _, err := admin.Exec(t.Context(), `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	wantEvent(t, events, 5*time.Second, true, "after pg_terminate_backend")
	if again := listenerPID(t, admin, schema); again == pid {
		t.Errorf("listener pid %d after termination, want a new one", again)
	}
	if _, err := writer.DeleteComment(t.Context(), "c1"); err != nil {
		t.Fatal(err)
	}
	wantEvent(t, events, time.Second, false, "DeleteComment after reconnection")

	cancel()
	wantClosed(t, events, 2*time.Second)
}

func TestWatch_Close(t *testing.T) {
	db, dsn := openTemp(t)
	events := db.Watch(t.Context())
	second := db.Watch(context.Background())
	writer := mustOpen(t, dsn)
	t.Cleanup(func() { writer.Close() })
	if err := writer.CreatePost(t.Context(), &feed.Post{ID: "p", Title: "P", Content: "c"}); err != nil {
		t.Fatal(err)
	}
	wantEvent(t, events, time.Second, false, "CreatePost")
	wantEvent(t, second, time.Second, false, "CreatePost, second watch")
	// Close ends every watch, also one whose context never ends.
	db.Close()
	wantClosed(t, events, 2*time.Second)
	wantClosed(t, second, 2*time.Second)
	wantClosed(t, db.Watch(t.Context()), time.Second)
}

// proxy relays TCP connections to a server, and can refuse new ones or
// silence the ones it relays, as a failing network does.
type proxy struct {
	addr, target string

	mu    sync.Mutex
	ln    net.Listener
	conns []*relay
}

// relay is one relayed connection.
type relay struct {
	client, server net.Conn
	silent         atomic.Bool // drop what either side sends
}

// startProxy relays a local port to target until t ends.
func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{addr: ln.Addr().String(), target: target}
	p.serve(ln)
	t.Cleanup(p.refuse)
	return p
}

// serve accepts and relays connections on ln.
func (p *proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", p.target)
			if err != nil {
				client.Close()
				continue
			}
			r := &relay{client: client, server: server}
			p.mu.Lock()
			p.conns = append(p.conns, r)
			p.mu.Unlock()
			go r.pipe(server, client)
			go r.pipe(client, server)
		}
	}()
}

// pipe copies from src to dst until either fails, dropping what comes
// while the relay is silent.
func (r *relay) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !r.silent.Load() {
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// refuse stops accepting connections and closes those relayed.
func (p *proxy) refuse() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, r := range p.conns {
		r.client.Close()
		r.server.Close()
	}
	p.conns = nil
}

// accept accepts connections again, on the same port.
func (p *proxy) accept(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", p.addr, err)
	}
	p.serve(ln)
}

// silence makes the relayed connections drop everything, without closing
// them; new connections are relayed as before.
func (p *proxy) silence() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.conns {
		r.silent.Store(true)
	}
	p.conns = nil
}

// proxied returns dsn, a URL, with its host replaced by addr; it skips t
// for a key=value DSN.
func proxied(t *testing.T, dsn string) (string, string) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		t.Skipf("%s is not a URL with a host: cannot put a proxy in between", pgtest.Env)
	}
	target := u.Host
	if u.Port() == "" {
		target = net.JoinHostPort(u.Hostname(), "5432")
	}
	return u.String(), target
}

// shortWatchTimes shortens the listener's timing until t ends.
func shortWatchTimes(t *testing.T) {
	ping, timeout, backoff := watchPing, watchTimeout, watchMaxBackoff
	watchPing, watchTimeout, watchMaxBackoff = 200*time.Millisecond, 500*time.Millisecond, 200*time.Millisecond
	t.Cleanup(func() { watchPing, watchTimeout, watchMaxBackoff = ping, timeout, backoff })
}

func TestWatch_Unreachable(t *testing.T) {
	shortWatchTimes(t)
	dsn, _ := pgtest.Schema(t)
	writer := mustOpen(t, dsn)
	t.Cleanup(func() { writer.Close() })
	raw, target := proxied(t, dsn)
	p := startProxy(t, target)
	u, _ := url.Parse(raw)
	u.Host = p.addr
	watched := mustOpen(t, u.String())
	t.Cleanup(func() { watched.Close() })

	// The server is unreachable when Watch starts: it returns all the
	// same, and keeps trying.
	p.refuse()
	events := watched.Watch(t.Context())
	if err := writer.CreatePost(t.Context(), &feed.Post{ID: "p", Title: "P", Content: "c"}); err != nil {
		t.Fatal(err)
	}
	wantNoEvent(t, events, 500*time.Millisecond, "while unreachable")
	// Reachable again: the write above was missed, and Reset says so.
	p.accept(t)
	wantEvent(t, events, 5*time.Second, true, "once reachable")
	if err := writer.CreatePost(t.Context(), &feed.Post{ID: "q", Title: "Q", Content: "c"}); err != nil {
		t.Fatal(err)
	}
	wantEvent(t, events, time.Second, false, "CreatePost once reachable")
}

func TestWatch_SilentNetwork(t *testing.T) {
	shortWatchTimes(t)
	dsn, _ := pgtest.Schema(t)
	writer := mustOpen(t, dsn)
	t.Cleanup(func() { writer.Close() })
	raw, target := proxied(t, dsn)
	p := startProxy(t, target)
	u, _ := url.Parse(raw)
	u.Host = p.addr
	watched := mustOpen(t, u.String())
	t.Cleanup(func() { watched.Close() })

	events := watched.Watch(t.Context())
	if err := writer.CreatePost(t.Context(), &feed.Post{ID: "p", Title: "P", Content: "c"}); err != nil {
		t.Fatal(err)
	}
	wantEvent(t, events, time.Second, false, "CreatePost")
	// The network drops the listening connection's packets without a
	// word: no error comes, but the check after watchPing fails, and the
	// watcher connects afresh.
	p.silence()
	wantEvent(t, events, 5*time.Second, true, "after the network fell silent")
	if err := writer.CreatePost(t.Context(), &feed.Post{ID: "q", Title: "Q", Content: "c"}); err != nil {
		t.Fatal(err)
	}
	wantEvent(t, events, time.Second, false, "CreatePost after reconnection")
}
