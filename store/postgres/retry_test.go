package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/postgres/pgtest"
	"github.com/feedd/feedd/store/sqlstore"
)

// terminateBackends ends every server process of the store whose
// connections carry application_name, as a server restart or an
// administrator would, and waits until they are gone.
func terminateBackends(t *testing.T, admin *pgx.Conn, applicationName string) int {
	t.Helper()
	var n int
	const terminate = `SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = $1 AND pid <> pg_backend_pid()) t`
	if err := admin.QueryRow(t.Context(), terminate, applicationName).Scan(&n); err != nil {
		t.Fatalf("terminate backends: %v", err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		var left int
		const count = `SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1`
		if err := admin.QueryRow(t.Context(), count, applicationName).Scan(&left); err != nil {
			t.Fatalf("count backends: %v", err)
		}
		if left == 0 {
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d backends still there after pg_terminate_backend", left)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// warm makes the pool open n connections, by holding them at once, and
// then hand each out again: a connection's first reuse is always pinged
// (pgx's stdlib counts its idle time from the last reuse), later ones only
// after a second idle.
func warm(t *testing.T, db *DB, n int) {
	t.Helper()
	for range 2 {
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				err := db.Read(t.Context(), func(q sqlstore.Querier) error {
					_, err := q.ExecContext(t.Context(), `SELECT pg_sleep(0.05)`)
					return err
				})
				if err != nil {
					t.Errorf("warm: %v", err)
				}
			})
		}
		wg.Wait()
	}
}

func TestRetry_TerminatedBackends(t *testing.T) {
	dsn, schema := pgtest.Schema(t)
	db := mustOpen(t, dsn)
	defer db.Close()
	admin := adminConn(t, pgtest.BaseDSN(t))
	defer admin.Close(context.Background())

	if err := db.CreatePost(t.Context(), &feed.Post{ID: "p", Title: "P", Content: "c"}); err != nil {
		t.Fatal(err)
	}

	// The calls below run right after every connection of the pool was
	// killed, well within the second after which an idle connection is
	// pinged before it is handed out: the first attempt of each meets a
	// dead connection, and succeeds only because that is noticed and the
	// call runs again (database/sql on the driver's ErrBadConn, before
	// anything was sent; retry.go once a statement was).
	t.Run("DeadConnectionHandedOut", func(t *testing.T) {
		// The premise: right after the kill, the pool hands out a dead
		// connection, and a statement on it fails.
		warm(t, db, 4)
		if n := terminateBackends(t, admin, schema); n == 0 {
			t.Fatal("no backend to terminate")
		}
		c, err := db.sql.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.ExecContext(t.Context(), `SELECT 1`); err == nil {
			t.Fatal("a statement on a killed connection succeeded; the test proves nothing")
		}
	})

	calls := []struct {
		name string
		call func(i int) error
	}{
		{"Post", func(int) error { _, err := db.Post(t.Context(), "p"); return err }},
		{"Posts", func(int) error { _, err := db.Posts(t.Context(), store.PostFilter{}); return err }},
		{"CreatePost", func(i int) error {
			return db.CreatePost(t.Context(), &feed.Post{ID: fmt.Sprint("q", i), Title: "Q", Content: "c"})
		}},
		{"CreateComment", func(i int) error {
			return db.CreateComment(t.Context(), &feed.Comment{ID: fmt.Sprint("c", i), PostID: "p", AuthorName: "A", Content: "c"})
		}},
		{"UpdatePost", func(int) error {
			_, err := db.UpdatePost(t.Context(), "p", store.PostUpdate{Content: ptr("again")})
			return err
		}},
		{"Comments", func(int) error { _, err := db.Comments(t.Context(), store.CommentFilter{PostID: "p"}); return err }},
		{"LastChange", func(int) error { _, err := db.LastChange(t.Context()); return err }},
		{"Purge", func(int) error { _, err := db.Purge(t.Context(), time.Unix(0, 0)); return err }},
	}
	for i, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			warm(t, db, 4)
			if n := terminateBackends(t, admin, schema); n == 0 {
				t.Fatal("no backend to terminate")
			}
			if err := c.call(i); err != nil {
				t.Fatalf("%s after the pool's connections were killed: %v", c.name, err)
			}
		})
	}

	// Every write above happened once: a retried write leaves nothing of
	// its failed attempt.
	records, err := db.Changes(t.Context(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(records), 1+3; got != want { // p, then q, c and the edit
		t.Errorf("%d change records, want %d", got, want)
	}
}

func TestWrite_RetriesBeforeCommit(t *testing.T) {
	// The first attempt writes, then loses its connection before COMMIT:
	// the server rolls it back, and the second attempt is the only one
	// that stays.
	db, _ := openTemp(t)
	if _, err := db.sql.ExecContext(t.Context(), `CREATE TABLE attempts (n INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	attempts := 0
	err := db.Write(t.Context(), func(tx *sqlstore.Tx) error {
		attempts++
		if _, err := tx.ExecContext(t.Context(), `INSERT INTO attempts (n) VALUES ($1)`, attempts); err != nil {
			return err
		}
		if attempts == 1 {
			_, err := tx.ExecContext(t.Context(), `SELECT pg_terminate_backend(pg_backend_pid())`)
			if err == nil {
				t.Error("a backend that terminated itself answered")
			}
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatalf("write: %v", err)
	}
	if attempts != 2 {
		t.Errorf("ran %d attempts, want 2", attempts)
	}
	var got []int
	rows, err := db.sql.QueryContext(t.Context(), `SELECT n FROM attempts`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		got = append(got, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != 2 {
		t.Errorf("stored attempts %v, want [2]", got)
	}
}

func TestWrite_NoRetryOnceCommitSent(t *testing.T) {
	// The connection breaks during COMMIT: a deferred trigger, which runs
	// when COMMIT arrives, kills its own backend. The client cannot tell
	// whether the COMMIT took effect, so the write must fail, and must not
	// run again.
	db, _ := openTemp(t)
	const trap = `
		CREATE TABLE trap (n INTEGER NOT NULL);
		CREATE FUNCTION die() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			PERFORM pg_terminate_backend(pg_backend_pid());
			PERFORM pg_sleep(1); -- the signal arrives meanwhile
			RETURN NULL;
		END $$;
		CREATE CONSTRAINT TRIGGER die AFTER INSERT ON trap
			DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION die();`
	if _, err := db.sql.ExecContext(t.Context(), trap); err != nil {
		t.Fatal(err)
	}
	attempts := 0
	err := db.Write(t.Context(), func(tx *sqlstore.Tx) error {
		attempts++
		_, err := tx.ExecContext(t.Context(), `INSERT INTO trap (n) VALUES ($1)`, attempts)
		return err
	})
	if err == nil {
		t.Fatal("write whose COMMIT lost its connection succeeded")
	}
	if attempts != 1 {
		t.Errorf("ran %d attempts, want 1: the outcome of a COMMIT sent is unknown", attempts)
	}
	var n int
	if err := db.sql.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM trap`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("trap holds %d rows, want 0: the backend died before committing", n)
	}
}

func TestWrite_ApplicationErrorNotRetried(t *testing.T) {
	db, _ := openTemp(t)
	for _, want := range []error{
		feed.Errorf(feed.ECONFLICT, "taken"),
		&pgconn.PgError{Code: "23505"},
		errors.New("plain"),
	} {
		attempts := 0
		err := db.Write(t.Context(), func(*sqlstore.Tx) error { attempts++; return want })
		if !errors.Is(err, want) || attempts != 1 {
			t.Errorf("write failing with %v: ran %d attempts, returned %v; want 1, the error", want, attempts, err)
		}
	}
	// A constraint violation by the server itself, on a live connection.
	attempts := 0
	err := db.Write(t.Context(), func(tx *sqlstore.Tx) error {
		attempts++
		_, err := tx.ExecContext(t.Context(), `INSERT INTO posts (id, title, content, published, updated) VALUES ('x', 'T', 'c', 1, 0)`)
		return err
	})
	if err == nil || attempts != 1 {
		t.Errorf("write breaking a CHECK: ran %d attempts, returned %v; want 1, an error", attempts, err)
	}
}

func TestRetry_GivesUp(t *testing.T) {
	db, _ := openTemp(t)
	db.backoff = time.Millisecond
	attempts := 0
	err := db.Write(t.Context(), func(*sqlstore.Tx) error { attempts++; return io.ErrUnexpectedEOF })
	if !errors.Is(err, io.ErrUnexpectedEOF) || attempts != 1+db.retries {
		t.Errorf("write failing for good: ran %d attempts, returned %v; want %d, the error", attempts, err, 1+db.retries)
	}
	// A done context stops the retries at once.
	ctx, cancel := context.WithCancel(t.Context())
	attempts = 0
	err = db.Write(ctx, func(*sqlstore.Tx) error { attempts++; cancel(); return io.ErrUnexpectedEOF })
	if err == nil || attempts != 1 {
		t.Errorf("write with its context cancelled: ran %d attempts, returned %v; want 1, an error", attempts, err)
	}
}

func TestTransient(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{io.EOF, true},
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{&pgconn.PgError{Code: "57P01"}, true}, // admin_shutdown
		{&pgconn.PgError{Code: "08006"}, true}, // connection_failure
		{&pgconn.PgError{Code: "40001"}, true}, // serialization_failure
		{&pgconn.PgError{Code: "40P01"}, true}, // deadlock_detected
		{&pgconn.PgError{Code: "23505"}, false},
		{&pgconn.PgError{Code: "28P01"}, false}, // invalid_password
		{&pgconn.PgError{Code: "42P01"}, false}, // undefined_table
		{feed.Errorf(feed.EGONE, "gone"), false},
		{context.Canceled, false},
		{errors.New("other"), false},
	} {
		if got := transient(tt.err); got != tt.want {
			t.Errorf("transient(%#v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// ptr returns a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }
