package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store/storetest"
)

func TestUpsert_UnchangedWithoutLocks(t *testing.T) {
	// A re-poll of unchanged entries only reads: it does not wait for a
	// transaction holding the rows it would lock.
	db, _ := openTemp(t)
	ctx := t.Context()
	post, parent, reply := storetest.MirroredThread(t, db)

	// FOR UPDATE conflicts with every lock the write transactions take
	// (FOR NO KEY UPDATE, FOR SHARE, FOR KEY SHARE).
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM posts FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM comments FOR UPDATE`); err != nil {
		t.Fatal(err)
	}

	wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	again := &feed.Post{Title: "T", Content: "c", Origin: &feed.Origin{Source: "s", ID: "1"}}
	if changed, err := db.UpsertPost(wctx, again); err != nil || changed || again.ID != post.ID {
		t.Errorf("UpsertPost unchanged under a held lock = %v, %v, ID %q; want false, nil, %q", changed, err, again.ID, post.ID)
	}
	for _, c := range []*feed.Comment{parent, reply} {
		in := &feed.Comment{PostID: post.ID, AuthorName: "A", Content: c.Content, Origin: &feed.Origin{Source: "s", ID: c.Origin.ID}}
		if changed, err := db.UpsertComment(wctx, in, "c1"); err != nil || changed || in.ID != c.ID || in.ParentID != c.ParentID {
			t.Errorf("UpsertComment(%q) unchanged under a held lock = %v, %v, ID %q, ParentID %q; want false, nil, %q, %q",
				c.Origin.ID, changed, err, in.ID, in.ParentID, c.ID, c.ParentID)
		}
	}
}
