package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
	"github.com/feedd/feedd/store"
)

// CountRecords returns how many records Dump yields.
func (db *DB) CountRecords(ctx context.Context) (int, error) {
	const query = `SELECT (SELECT COUNT(*) FROM posts) + (SELECT COUNT(*) FROM comments) +
		(SELECT COUNT(*) FROM fetches) + (SELECT COUNT(*) FROM subscriptions) +
		(SELECT COUNT(*) FROM secrets)`
	var n int
	if err := db.one(ctx, query, nil, &n); err != nil {
		return 0, fmt.Errorf("count records: %w", err)
	}
	return n, nil
}

// Dump yields every record, in the order Load needs, from one snapshot
// (the dialect's DumpTx, which takes no write lock): posts by publication,
// then comments by depth (a reply is one deeper than its parent), fetch
// states, subscriptions, secrets. Ids compare bytewise (PostgreSQL's are COLLATE
// "C"), so both stores dump in one order. It is not retried, as reads are:
// the records yielded before a failure are gone to the caller.
func (db *DB) Dump(ctx context.Context, yield func(store.Record) error) error {
	tx, err := db.sql.BeginTx(ctx, db.d.DumpTx)
	if err != nil {
		return fmt.Errorf("dump: begin: %w", err)
	}
	defer tx.Rollback()

	// c.deleted_at is set for the comments of a deleted post as well:
	// DeletePost deletes them with it.
	for _, d := range []struct {
		what, query string
		yield       func(rows *sql.Rows) error
	}{
		{"posts", `SELECT ` + db.postCols + `, p.deleted_at FROM posts p ORDER BY p.published, p.id`, func(rows *sql.Rows) error {
			var deleted sql.NullInt64
			p, _, err := scanPost(extra{rows, []any{&deleted}})
			if err != nil {
				return err
			}
			return yield(store.Record{Post: &store.PostRecord{Post: *p, Deleted: fromNullUnix(deleted)}})
		}},
		{"comments", `SELECT ` + commentColumns + `, c.deleted_at, c.tombstone, c.author_hash
			FROM comments c JOIN posts p ON p.id = c.post_id ORDER BY c.depth, c.published, c.id`, func(rows *sql.Rows) error {
			var (
				deleted   sql.NullInt64
				tombstone int
				hash      string
			)
			c, _, err := scanComment(extra{rows, []any{&deleted, &tombstone, &hash}})
			if err != nil {
				return err
			}
			c.AuthorHash = hash
			// A husk (tombstone 2) goes as a deleted comment without a
			// tombstone, its author and text erased: see store.CommentRecord.
			return yield(store.Record{Comment: &store.CommentRecord{Comment: *c,
				Deleted: fromNullUnix(deleted), Tombstone: tombstone == 1}})
		}},
		{"fetches", `SELECT ` + fetchColumns + ` FROM fetches ORDER BY source, post_id`, func(rows *sql.Rows) error {
			f, err := scanFetch(rows)
			if err != nil {
				return err
			}
			return yield(store.Record{Fetch: f})
		}},
		{"subscriptions", `SELECT ` + subscriptionColumns + ` FROM subscriptions ORDER BY topic, callback`, func(rows *sql.Rows) error {
			sub, err := scanSubscription(rows)
			if err != nil {
				return err
			}
			return yield(store.Record{Subscription: sub})
		}},
		{"secrets", `SELECT ` + secretColumns + ` FROM secrets ORDER BY name`, func(rows *sql.Rows) error {
			var (
				s       store.SecretRecord
				created int64
			)
			if err := rows.Scan(&s.Name, &s.Value, &created); err != nil {
				return err
			}
			s.Created = fromUnix(created)
			return yield(store.Record{Secret: &s})
		}},
	} {
		if err := db.each(ctx, tx, d.query, nil, d.yield); err != nil {
			return fmt.Errorf("dump %s: %w", d.what, err)
		}
	}
	return nil
}

// fromNullUnix reads a deletion time: NULL, while live, is the zero time.
func fromNullUnix(sec sql.NullInt64) time.Time {
	if !sec.Valid {
		return time.Time{}
	}
	return fromUnix(sec.Int64)
}

// nullUnix stores a deletion time: the zero time, live, is NULL.
func nullUnix(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

// derived returns recs with the HTML of their posts and comments derived
// under this content.Version where it was not: copies of those records,
// so that the caller's stay as given. It runs before Load's transaction,
// which then holds the write lock for the inserts alone, and once however
// often the transaction is retried.
func derived(recs []store.Record) []store.Record {
	out := recs
	for i, r := range recs {
		switch {
		case r.Post != nil && r.Post.HTMLVersion != content.Version:
			p := *r.Post
			content.DerivePost(&p.Post)
			r.Post = &p
		case r.Comment != nil && r.Comment.HTMLVersion != content.Version:
			c := *r.Comment
			content.DeriveComment(&c.Comment)
			r.Comment = &c
		default:
			continue
		}
		if &out[0] == &recs[0] {
			out = slices.Clone(recs)
		}
		out[i] = r
	}
	return out
}

// Load stores records as Dump yields them, as they are, in one
// transaction (see store.Copier); HTML of another content.Version than
// this feedd's is derived on the way. It logs no change, but notifies other
// processes where the dialect does, as they may serve the store.
func (db *DB) Load(ctx context.Context, recs []store.Record) error {
	if len(recs) == 0 {
		return nil
	}
	recs = derived(recs)
	rows := make([]loadRow, len(recs))
	for i, r := range recs {
		var err error
		if rows[i], err = recordRow(i, r); err != nil {
			return err
		}
	}
	err := db.load(ctx, recs, rows, refersAhead(recs))
	if class, _ := db.d.Classify(err); err != nil && (class == Duplicate || class == ForeignKey || class == Check) {
		// A statement of many rows does not say which broke the rule;
		// loaded a record a statement, the first that does is named.
		err = db.load(ctx, recs, rows, true)
	}
	if err != nil {
		return errorf(err, "load: %w", err)
	}
	return nil
}

// loadRow is what Load inserts for a record: the row of its table (and
// its post's categories), and what names it in an error.
type loadRow struct {
	insert string
	values []any
	what   string
}

// recordRow checks record i and returns its row.
func recordRow(i int, r store.Record) (loadRow, error) {
	switch {
	case !r.Single():
		return loadRow{}, feed.Errorf(feed.EINVALID, "record %d: exactly one of post, comment, fetch, subscription and secret must be set", i)
	case r.Post != nil:
		if r.Post.ID == "" {
			return loadRow{}, feed.Errorf(feed.EINVALID, "load post: id required")
		}
		return loadRow{insert: insertPost, values: postRow(&r.Post.Post, r.Post.Deleted), what: fmt.Sprintf("post %q", r.Post.ID)}, nil
	case r.Comment != nil:
		c := &r.Comment.Comment
		if c.ID == "" {
			return loadRow{}, feed.Errorf(feed.EINVALID, "load comment: id required")
		}
		tombstone, hash := 0, c.AuthorHash
		switch deleted := r.Comment.Deleted; {
		case r.Comment.Tombstone && deleted.IsZero():
			return loadRow{}, feed.Errorf(feed.EINVALID, "load comment %q: a tombstone needs a deletion time", c.ID)
		case r.Comment.Tombstone:
			tombstone = 1
		case !deleted.IsZero() && c.AuthorName == "":
			tombstone, hash = 2, "" // a husk, erased
		}
		return loadRow{insert: insertComment, values: commentRow(c, r.Comment.Deleted, tombstone, hash), what: fmt.Sprintf("comment %q", c.ID)}, nil
	case r.Fetch != nil:
		f := r.Fetch
		if f.Source == "" {
			return loadRow{}, feed.Errorf(feed.EINVALID, "load fetch state: source required")
		}
		return loadRow{insert: insertFetch, values: fetchArgs(f), what: fmt.Sprintf("fetch state of source %q post %q", f.Source, f.PostID)}, nil
	case r.Secret != nil:
		sec := r.Secret
		if !store.ValidSecretName(sec.Name) || sec.Value == "" {
			return loadRow{}, feed.Errorf(feed.EINVALID, "load secret %q: a name of a-z, 0-9, '_', '.', '-' and a value required", sec.Name)
		}
		return loadRow{insert: insertSecret, values: []any{sec.Name, sec.Value, sec.Created.Unix()},
			what: fmt.Sprintf("secret %q", sec.Name)}, nil
	default:
		sub := r.Subscription
		return loadRow{insert: insertSubscription,
			values: []any{sub.Topic, sub.Callback, []byte(sub.Secret), sub.Expires.Unix(), sub.Created.Unix()},
			what:   fmt.Sprintf("subscription of %q to %q", sub.Callback, sub.Topic)}, nil
	}
}

// refersAhead reports whether a record refers to a post or comment that
// comes after it in recs: stored a record a statement, as given, that is
// an error, which one statement for each table would hide.
func refersAhead(recs []store.Record) bool {
	at := make(map[string]int, len(recs)) // "p"+post id, "c"+comment id: its index
	for i, r := range recs {
		switch {
		case r.Post != nil:
			at["p"+r.Post.ID] = i
		case r.Comment != nil:
			at["c"+r.Comment.ID] = i
		}
	}
	ahead := func(key string, i int) bool {
		j, ok := at[key]
		return ok && j > i
	}
	for i, r := range recs {
		switch {
		case r.Comment != nil:
			if ahead("p"+r.Comment.PostID, i) || r.Comment.ParentID != "" && ahead("c"+r.Comment.ParentID, i) {
				return true
			}
		case r.Fetch != nil:
			if r.Fetch.PostID != "" && ahead("p"+r.Fetch.PostID, i) {
				return true
			}
		}
	}
	return false
}

// load inserts rows, those of recs, in one transaction: each a statement
// of its own that a failure names, or (not each) as multi-row INSERTs of
// each table in the order of Dump's tables, which keeps a record after
// those it refers to.
func (db *DB) load(ctx context.Context, recs []store.Record, rows []loadRow, each bool) error {
	return db.Write(ctx, func(tx *Tx) error {
		if err := tx.bulkLock(ctx); err != nil {
			return err
		}
		if each {
			for i, row := range rows {
				tx.queueRows(row.insert, [][]any{row.values})
				if p := recs[i].Post; p != nil {
					db.insertCategories(tx, p.ID, p.Categories)
				}
				if err := tx.flush(ctx); err != nil {
					return db.loadError(err, row.what)
				}
			}
		} else {
			tables := map[string][][]any{}
			for i, row := range rows {
				tables[row.insert] = append(tables[row.insert], row.values)
				if p := recs[i].Post; p != nil {
					tables[insertCategory] = append(tables[insertCategory], categoryRows(p.ID, p.Categories)...)
				}
			}
			for _, insert := range []string{insertPost, insertCategory, insertComment, insertFetch, insertSubscription, insertSecret} {
				tx.queueRows(insert, tables[insert])
			}
			if err := tx.flush(ctx); err != nil {
				return err
			}
		}
		if n := db.d.Notify; n != "" {
			_, err := tx.ExecContext(ctx, n)
			return err
		}
		return nil
	})
}

// loadError reports a failed insert of the record what names: a taken key
// as ECONFLICT, a broken rule of the schema (a missing post or parent, a
// status or format it does not know) as EINVALID. Other errors pass on
// wrapped, so that Write can tell a lost connection.
func (db *DB) loadError(err error, what string) error {
	switch class, _ := db.d.Classify(err); class {
	case Duplicate:
		return feed.Errorf(feed.ECONFLICT, "load %s: already exists", what)
	case ForeignKey:
		return feed.Errorf(feed.EINVALID, "load %s: its post or parent is not stored", what)
	case Check:
		return feed.Errorf(feed.EINVALID, "load %s: breaks a rule of the schema: %v", what, err)
	}
	return fmt.Errorf("load %s: %w", what, err)
}
