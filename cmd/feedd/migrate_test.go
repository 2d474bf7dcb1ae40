package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/postgres"
	"github.com/feedd/feedd/store/postgres/pgtest"
	"github.com/feedd/feedd/store/sqlite"
)

// migrateSource builds a SQLite store worth copying: the demo, a Blogger
// export imported as mirrored posts with their comments, and the states
// the feeds and the API show or hide: an edited post and comment, a
// deleted comment (a tombstone), a deleted post with its thread, a held
// comment, spam, the polling state of a source, and a WebSub subscriber
// with a secret (migrateSubscription).
func migrateSource(t *testing.T) *cliEnv {
	t.Helper()
	e := newCLIEnv(t, true)
	if _, stderr, err := e.run(t, "", "import", exportFile); err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	st := e.open(t)
	defer st.Close()
	ctx := t.Context()
	title := "Welcome to the demo blog, edited"
	if _, err := st.UpdatePost(ctx, "welcome", store.PostUpdate{Title: &title}); err != nil {
		t.Fatal(err)
	}
	text := "<p>Is there a feed for new transcriptions? (Found it, thanks.)</p>"
	if _, err := st.UpdateComment(ctx, "c5-tomas", store.CommentUpdate{Content: &text}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DeleteComment(ctx, "c4-mei"); err != nil {
		t.Fatal(err)
	}
	held := feed.Comment{ID: "held-1", PostID: demoPostID, AuthorName: "Newcomer", Content: "first time here", Status: feed.StatusPending}
	spam := feed.Comment{ID: "spam-1", PostID: demoPostID, AuthorName: "Cheap Pills", Content: "buy now", Status: feed.StatusPending}
	shown := feed.Comment{ID: "spam-2", PostID: "welcome", AuthorName: "Sneaky", Content: "looked fine at first"}
	for _, c := range []*feed.Comment{&held, &spam, &shown} {
		if err := st.CreateComment(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	status := feed.StatusSpam
	for _, id := range []string{"spam-1", "spam-2"} {
		if _, err := st.UpdateComment(ctx, id, store.CommentUpdate{Status: &status}); err != nil {
			t.Fatal(err)
		}
	}
	doomed := feed.Post{ID: "doomed", Title: "A post that goes", Content: "<p>soon gone</p>", Published: demoTime("2026-03-05T09:00:00Z")}
	if err := st.CreatePost(ctx, &doomed); err != nil {
		t.Fatal(err)
	}
	reply := feed.Comment{ID: "on-doomed", PostID: "doomed", AuthorName: "Early Bird", Content: "first!"}
	if err := st.CreateComment(ctx, &reply); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DeletePost(ctx, "doomed"); err != nil {
		t.Fatal(err)
	}
	f := &feed.Fetch{Source: "friend", URL: "https://friend.example.org/feed", ETag: `"v7"`,
		LastPoll: demoTime("2026-03-10T11:00:00Z"), LastSuccess: demoTime("2026-03-10T10:00:00Z"),
		NextPoll: demoTime("2026-03-10T12:00:00Z"), LastStatus: 503, LastError: "upstream answered 503", Failures: 1}
	if err := st.SaveFetch(ctx, f); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveSubscription(ctx, migrateSubscription()); err != nil {
		t.Fatal(err)
	}
	waitSecondOver()
	return e
}

// waitSecondOver returns once the current second is over: feeds carry
// the Last-Modified of writes made before only from then on (see
// server's lastModified).
func waitSecondOver() {
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
}

// migrateSubscription is the WebSub subscriber of migrateSource: its
// secret holds a NUL byte, which a copy must keep for the signatures of
// its deliveries to verify.
func migrateSubscription() *feed.Subscription {
	return &feed.Subscription{Topic: "https://blog.example.org/feeds/posts.atom",
		Callback: "https://reader.example.net/websub/7", Secret: "k\x00ey",
		Expires: demoTime("2036-03-10T12:00:00Z"), Created: demoTime("2026-03-10T12:00:00Z")}
}

// checkSubscriptionKept fails the test unless st holds migrateSource's
// subscriber, secret and lease unchanged.
func checkSubscriptionKept(t *testing.T, st store.Store) {
	t.Helper()
	subs, err := st.Subscriptions(t.Context(), "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := migrateSubscription()
	if len(subs) != 1 || subs[0].Topic != want.Topic || subs[0].Callback != want.Callback ||
		subs[0].Secret != want.Secret || !subs[0].Expires.Equal(want.Expires) || !subs[0].Created.Equal(want.Created) {
		t.Errorf("subscriptions of the copy = %+v, want just %+v (secret %q)", subs, *want, want.Secret)
	}
}

// served is what one request to a feedd answered.
type served struct {
	status                          int
	contentType, etag, lastModified string
	body                            []byte
}

// serveAll answers every feed of st, and the public API, through a feedd
// wired in-process over st with the same site configuration each time:
// the posts and comments feeds and the thread of every post the store has
// ever held (a deleted one's answers 410), in the three formats, each also
// gzipped; the posts list and each thread in the API.
func serveAll(t *testing.T, st store.Store) map[string]served {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Site = SiteConfig{Title: "Migrated blog", BaseURL: "https://blog.example.org"}
	cfg.Feeds.CommentCounts = true // the posts feed shows comment counts too
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := newApp(cfg, st, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	err = st.(store.Copier).Dump(t.Context(), func(r store.Record) error {
		if r.Post != nil {
			ids = append(ids, r.Post.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	paths := []string{"/api/posts?limit=100"}
	for _, ext := range []string{"atom", "rss", "json"} {
		paths = append(paths, "/feeds/posts."+ext, "/feeds/comments."+ext)
		for _, id := range ids {
			paths = append(paths, "/feeds/posts/"+id+"/comments."+ext)
		}
	}
	for _, id := range ids {
		paths = append(paths, "/api/posts/"+id+"/comments", "/api/posts/"+id)
	}
	h := a.server.Handler()
	out := make(map[string]served)
	for _, path := range paths {
		for _, gz := range []bool{false, true} {
			req := httptest.NewRequest("GET", path, nil)
			key := path
			if gz {
				req.Header.Set("Accept-Encoding", "gzip")
				key += " (gzip)"
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			res := w.Result()
			body, _ := io.ReadAll(res.Body)
			out[key] = served{res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("ETag"), res.Header.Get("Last-Modified"), body}
		}
	}
	return out
}

// compareServed checks that two stores serve the same bytes with the same
// validators everywhere.
func compareServed(t *testing.T, want, got map[string]served) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d answers, want %d", len(got), len(want))
	}
	for key, w := range want {
		g, ok := got[key]
		switch {
		case !ok:
			t.Errorf("GET %s: not served", key)
		case g.status != w.status || g.contentType != w.contentType:
			t.Errorf("GET %s: %d %s, want %d %s", key, g.status, g.contentType, w.status, w.contentType)
		case g.etag != w.etag || g.lastModified != w.lastModified:
			t.Errorf("GET %s: ETag %s, Last-Modified %s; want %s, %s", key, g.etag, g.lastModified, w.etag, w.lastModified)
		case !bytes.Equal(g.body, w.body):
			t.Errorf("GET %s: body differs:\n got %.300q\nwant %.300q", key, g.body, w.body)
		}
	}
}

// checkServedContent checks that the source's answers hold what
// migrateSource wrote, so that comparing them tests something.
func checkServedContent(t *testing.T, s map[string]served) {
	t.Helper()
	thread := "/feeds/posts/" + demoPostID + "/comments.atom"
	plain := func(key string) string {
		b := s[key].body
		if strings.HasSuffix(key, "(gzip)") {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			b, _ = io.ReadAll(zr)
		}
		return string(b)
	}
	for _, tt := range []struct {
		key, want string
		has       bool
	}{
		{"/feeds/posts.atom", "Welcome to the demo blog, edited", true},
		{"/feeds/posts.atom", "Spring tides at the old pier", true}, // imported
		{"/feeds/posts.atom", "deleted-entry", true},                // the doomed post's tombstone
		{thread, "deleted-entry", true},                             // c4-mei's
		{thread, "Found it, thanks", true},
		{thread + " (gzip)", "Found it, thanks", true},
		{thread, "first time here", false},
		{thread, "buy now", false},
		{"/feeds/comments.json", "looked fine at first", false},
	} {
		if got := strings.Contains(plain(tt.key), tt.want); got != tt.has {
			t.Errorf("%s contains %q = %v, want %v", tt.key, tt.want, got, tt.has)
		}
	}
	for key, v := range s {
		if strings.HasPrefix(key, "/feeds/") && v.status == 200 && (v.etag == "" || v.lastModified == "") {
			t.Errorf("GET %s: no ETag or Last-Modified", key)
		}
	}
	if st := s["/feeds/posts/doomed/comments.rss"].status; st != 410 {
		t.Errorf("thread of the deleted post: %d, want 410", st)
	}
}

// migrateCmd runs 'feedd migrate' and returns its output.
func migrateCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = run(context.Background(), append([]string{"migrate"}, args...), strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), err
}

// checkMigrated checks the summary and the progress of a migrate of
// migrateSource's store.
func checkMigrated(t *testing.T, stdout, stderr string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("migrate: %v\n%s", err, stderr)
	}
	// 2 demo + 2 imported + doomed posts; 5 demo + 3 imported + held,
	// spam ×2 and on-doomed comments; one fetch state; one subscriber.
	if !strings.HasPrefix(stdout, "migrated 5 posts, 12 comments, 1 fetch states, 1 subscriptions from ") {
		t.Errorf("summary = %q", stdout)
	}
	if !strings.Contains(stderr, "migrated 19/19 records") {
		t.Errorf("progress = %q, want plain lines ending in 19/19", stderr)
	}
}

func TestMigrate_SQLiteToSQLite(t *testing.T) {
	e := migrateSource(t)
	src := e.open(t)
	want := serveAll(t, src)
	src.Close()
	checkServedContent(t, want)

	dst := filepath.Join(t.TempDir(), "copy.db")
	stdout, stderr, err := migrateCmd(t, "--from", "sqlite:"+e.db, "--to", "sqlite:"+dst)
	checkMigrated(t, stdout, stderr, err)
	st, err := sqlite.Open(t.Context(), dst)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	compareServed(t, want, serveAll(t, st))
	checkSubscriptionKept(t, st)
}

// TestMigrate_SQLiteToPostgres copies the SQLite store into a fresh
// PostgreSQL schema, then back into a new SQLite file: each of the three
// serves every feed byte for byte with the same validators.
func TestMigrate_SQLiteToPostgres(t *testing.T) {
	dsn, _ := pgtest.Schema(t)
	e := migrateSource(t)
	src := e.open(t)
	want := serveAll(t, src)
	src.Close()
	checkServedContent(t, want)

	stdout, stderr, err := migrateCmd(t, "--from", "sqlite:"+e.db, "--to", dsn)
	checkMigrated(t, stdout, stderr, err)
	pg, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	compareServed(t, want, serveAll(t, pg))
	checkSubscriptionKept(t, pg)

	// And back: PostgreSQL to SQLite.
	back := filepath.Join(t.TempDir(), "back.db")
	stdout, stderr, err = migrateCmd(t, "--from", dsn, "--to", "sqlite:"+back, "--json")
	if err != nil {
		t.Fatalf("migrate back: %v\n%s", err, stderr)
	}
	for _, want := range []string{`"subscriptions": 1`, `"records": 19`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("--json summary = %q, want %s", stdout, want)
		}
	}
	st, err := sqlite.Open(t.Context(), back)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	compareServed(t, want, serveAll(t, st))
	checkSubscriptionKept(t, st)
}

// TestMigrate_ProgressBar: on a terminal the progress is a bar, as for
// import.
func TestMigrate_ProgressBar(t *testing.T) {
	e := newCLIEnv(t, true)
	var out, stderr bytes.Buffer
	c := &cli{stdin: strings.NewReader(""), stdout: &out, stderr: &stderr, isTerminal: func(io.Writer) bool { return true }}
	dst := filepath.Join(t.TempDir(), "copy.db")
	if err := runMigrate(t.Context(), []string{"--from", "sqlite:" + e.db, "--to", "sqlite:" + dst}, c); err != nil {
		t.Fatalf("migrate: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "migrating") || strings.Contains(stderr.String(), "migrated 7/7") {
		t.Errorf("stderr = %q, want a bar", stderr.String())
	}
	if !strings.Contains(out.String(), "migrated 2 posts, 5 comments, 0 fetch states, 0 subscriptions") {
		t.Errorf("stdout = %q", out.String())
	}
}

// TestMigrate_Bad: usage mistakes exit with status 2, other failures with
// a clear message; neither writes to the destination.
func TestMigrate_Bad(t *testing.T) {
	src := newCLIEnv(t, true)        // the demo: 7 records
	full := newCLIEnv(t, true)       // a destination that is not empty
	emptyDir := t.TempDir()          // where a destination would be created
	fullBefore := full.lastChange(t) // moves on any write
	pg := "postgres://feedd:hunter22@127.0.0.1:1/nowhere?connect_timeout=2"
	for _, tt := range []struct {
		name  string
		args  []string
		usage bool
		want  string
	}{
		{"no flags", nil, true, "--from is required"},
		{"no --to", []string{"--from", "sqlite:" + src.db}, true, "--to is required"},
		{"no --from", []string{"--to", "sqlite:" + filepath.Join(emptyDir, "a.db")}, true, "--from is required"},
		{"stray argument", []string{"--from", "sqlite:" + src.db, "--to", "sqlite:x.db", "extra"}, true, "unexpected argument"},
		{"unknown flag", []string{"--from", "sqlite:" + src.db, "--to", "sqlite:x.db", "--fast"}, true, "fast"},
		{"bare path", []string{"--from", src.db, "--to", "sqlite:" + filepath.Join(emptyDir, "b.db")}, true, "--from: unsupported store"},
		{"mysql", []string{"--from", "sqlite:" + src.db, "--to", "mysql://u:hunter22@db/x"}, true, `--to: unsupported scheme "mysql:"`},
		{"empty sqlite path", []string{"--from", "sqlite:", "--to", "sqlite:" + filepath.Join(emptyDir, "c.db")}, true, "must name the SQLite database file"},
		{"bad postgres URL", []string{"--from", "sqlite:" + src.db, "--to", "postgres://u:hunter22@db:port/x"}, true, "--to: not a valid URL"},
		{"same store", []string{"--from", "sqlite:" + src.db, "--to", "sqlite:" + src.db}, true, "the same store"},
		{"missing source", []string{"--from", "sqlite:" + filepath.Join(emptyDir, "none.db"), "--to", "sqlite:" + filepath.Join(emptyDir, "d.db")}, false, "no such file"},
		{"non-empty destination", []string{"--from", "sqlite:" + src.db, "--to", "sqlite:" + full.db}, false, "is not empty"},
		{"unreachable source", []string{"--from", pg, "--to", "sqlite:" + filepath.Join(emptyDir, "e.db")}, false, "--from postgres://feedd:xxxxx@127.0.0.1:1/nowhere"},
		{"unreachable destination", []string{"--from", "sqlite:" + src.db, "--to", pg}, false, "--to postgres://feedd:xxxxx@127.0.0.1:1/nowhere"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, err := migrateCmd(t, tt.args...)
			if err == nil {
				t.Fatalf("migrate succeeded: %s", stdout)
			}
			if got := errors.Is(err, errUsage); got != tt.usage {
				t.Errorf("usage error = %v, want %v (err %v)", got, tt.usage, err)
			}
			if tt.usage && !strings.Contains(stderr, "Usage: feedd migrate") {
				t.Errorf("no usage printed: %q", stderr)
			}
			if msg := err.Error() + stderr; !strings.Contains(msg, tt.want) {
				t.Errorf("message %q / %q does not mention %q", err, stderr, tt.want)
			}
			if msg := err.Error() + stderr + stdout; strings.Contains(msg, "hunter22") {
				t.Errorf("output shows the password: %q", msg)
			}
		})
	}
	// No destination was created or written.
	if names, _ := filepath.Glob(filepath.Join(emptyDir, "*")); len(names) > 0 {
		t.Errorf("bad migrations created %q", names)
	}
	if after := full.lastChange(t); after != fullBefore {
		t.Errorf("the non-empty destination was written: change log %d → %d", fullBefore, after)
	}
	st := full.open(t)
	defer st.Close()
	if n, err := st.(store.Copier).CountRecords(t.Context()); err != nil || n != 7 {
		t.Errorf("the non-empty destination holds %d records (%v), want its 7", n, err)
	}
}

// TestMigrate_BadPostgres: a PostgreSQL destination that is not empty is
// refused and left as it was.
func TestMigrate_BadPostgres(t *testing.T) {
	dsn, _ := pgtest.Schema(t)
	src := newCLIEnv(t, true)
	pg, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	p := feed.Post{ID: "already-here", Title: "Already here", Content: "x", Published: time.Now()}
	if err := pg.CreatePost(t.Context(), &p); err != nil {
		t.Fatal(err)
	}
	before, _ := pg.LastChange(t.Context())
	_, stderr, err := migrateCmd(t, "--from", "sqlite:"+src.db, "--to", dsn)
	if err == nil || errors.Is(err, errUsage) || !strings.Contains(err.Error(), "is not empty") {
		t.Fatalf("migrate into a non-empty schema: %v\n%s", err, stderr)
	}
	if n, err := pg.CountRecords(t.Context()); err != nil || n != 1 {
		t.Errorf("destination holds %d records (%v), want its 1", n, err)
	}
	if after, _ := pg.LastChange(t.Context()); after != before {
		t.Errorf("destination written: change log %d → %d", before, after)
	}
}
