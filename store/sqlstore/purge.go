package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
	"github.com/feedd/feedd/store"
)

// Tombstones returns the deleted, not yet purged entries the feed ref
// showed, newest deletion first and then by id.
func (db *DB) Tombstones(ctx context.Context, ref feed.Ref, lim int) ([]feed.Tombstone, error) {
	n, err := db.limit(lim)
	if err != nil {
		return nil, err
	}
	if ref.Kind == feed.KindThread && ref.PostID == "" {
		return nil, feed.Errorf(feed.EINVALID, "post_id: required for a thread feed")
	}
	query, args := tombstonesQuery(ref, n)
	if query == "" {
		return nil, feed.Errorf(feed.EINVALID, "feed kind %q unknown", ref.Kind)
	}
	stones, err := list(ctx, db, query, args, func(row scanner) (feed.Tombstone, error) {
		var (
			s       feed.Tombstone
			deleted int64
		)
		err := row.Scan(&s.PostID, &s.CommentID, &deleted)
		s.Deleted = fromUnix(deleted)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("select tombstones of %s: %w", ref, err)
	}
	return stones, nil
}

// purgeQuery lists the comments that Purge takes, ?1 being the cutoff:
// those deleted before it and all those of posts deleted before it. For
// each it tells whether the comment must stay as a husk: a live reply, or
// one deleted later, still names it (directly or through other purged
// comments) as its parent, which the foreign key on parent_id enforces and
// the reply's Depth assumes. The comments of a purged post never stay: they
// were all deleted with it or before (the second half of purged only
// guards against a clock set back between the two deletions).
const purgeQuery = `WITH RECURSIVE
	purged_posts (id) AS (SELECT id FROM posts WHERE deleted_at < ?1),
	purged (id, post_id, tombstone) AS MATERIALIZED (
		SELECT id, post_id, tombstone FROM comments WHERE deleted_at < ?1
		UNION ALL
		SELECT id, post_id, tombstone FROM comments
		WHERE post_id IN (SELECT id FROM purged_posts) AND (deleted_at IS NULL OR deleted_at >= ?1)
	),
	-- The comments that stay, and then every ancestor of theirs.
	kept (post_id, id, parent_id) AS (
		SELECT post_id, id, parent_id FROM comments
		WHERE post_id IN (SELECT post_id FROM purged) AND id NOT IN (SELECT id FROM purged)
		UNION
		SELECT c.post_id, c.id, c.parent_id
		FROM kept k JOIN comments c ON c.post_id = k.post_id AND c.id = k.parent_id
	)
SELECT id, post_id, tombstone, id IN (SELECT id FROM kept) FROM purged`

// Purge removes the posts and comments deleted before cutoff, and the
// change-log records and job claims older than it, in one transaction. A
// purged comment that replies still name stays as a husk, erased, until
// they go. It logs a change for each post it removed and each post whose
// comment tombstones it removed.
func (db *DB) Purge(ctx context.Context, cutoff time.Time) (store.PurgeResult, error) {
	before := cutoff.Unix()
	if cutoff.Nanosecond() != 0 {
		before++ // deleted before 12:00:00.5 takes 12:00:00 too
	}
	var res store.PurgeResult
	err := db.Write(ctx, func(tx *Tx) error {
		res = store.PurgeResult{}
		// Two purges at once, from two processes' schedulers, would plan
		// the same removals and both report them.
		if err := tx.bulkLock(ctx); err != nil {
			return err
		}
		plan, err := db.planPurge(ctx, tx, before)
		if err != nil {
			return err
		}
		// One statement removes a comment with its purged replies: the
		// foreign keys are checked at its end. Then the posts, which no
		// comment names any more.
		in := func(column string) string { return fmt.Sprintf(db.d.InList, column) }
		for _, st := range []struct {
			query string
			ids   []string
		}{
			// A husk's text goes with its derived HTML, which is of
			// empty content under any version.
			{`UPDATE comments SET content = '', author_name = '', author_uri = '', author_hash = '',
				html = '', html_version = ` + strconv.Itoa(content.Version) + `, tombstone = 2 WHERE ` + in("id"), plan.husk},
			{`DELETE FROM comments WHERE ` + in("id"), plan.remove},
			{`DELETE FROM post_categories WHERE ` + in("post_id"), plan.posts},
			{`DELETE FROM posts WHERE ` + in("id"), plan.posts},
		} {
			if len(st.ids) == 0 {
				continue
			}
			if _, err := tx.exec(ctx, st.query, db.d.List(st.ids)); db.is(err, ForeignKey, "") {
				// A reply was stored under a comment planned for removal
				// after the plan was read (UpsertComment takes deleted
				// parents). Planned again, the comment stays as a husk.
				return Raced{err}
			} else if err != nil {
				return err
			}
		}
		// The old log goes before this purge's records are added, which a
		// cutoff in the future would otherwise take too.
		if _, err := tx.exec(ctx, `DELETE FROM changes WHERE at < ?`, before); err != nil {
			return fmt.Errorf("delete changes: %w", err)
		}
		// Job claims as old as that stop no claim of a job run more often
		// (WebSub leaves one per published version of a feed).
		if _, err := tx.exec(ctx, `DELETE FROM jobs WHERE claimed_at < ?`, cutoff.UnixMilli()); err != nil {
			return fmt.Errorf("delete job claims: %w", err)
		}
		res = store.PurgeResult{Posts: len(plan.posts), Comments: plan.comments}
		if len(plan.posts) > 0 {
			res.Touched = append(res.Touched, feed.PostsFeed)
		}
		if len(plan.threads) > 0 {
			res.Touched = append(res.Touched, feed.CommentsFeed)
		}
		now := db.now()
		for _, id := range slices.Sorted(maps.Keys(plan.threads)) {
			res.Touched = append(res.Touched, feed.ThreadFeed(id))
			if err := tx.change(ctx, now, id, plan.threads[id]); err != nil {
				return err
			}
		}
		for _, id := range plan.posts {
			if err := tx.change(ctx, now, id, ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return store.PurgeResult{}, fmt.Errorf("purge: %w", err)
	}
	return res, nil
}

// purgePlan is what a Purge removes.
type purgePlan struct {
	posts        []string // posts to remove, with their categories
	remove, husk []string // comments to remove, and to erase but keep
	comments     int      // comments removed or erased, not counting old husks
	// threads maps each post whose comment tombstones go to one of those
	// comments, for its change record.
	threads map[string]string
}

// planPurge reads in tx what a purge of the entries deleted before the
// unix time before removes.
func (db *DB) planPurge(ctx context.Context, tx *Tx, before int64) (purgePlan, error) {
	plan := purgePlan{threads: make(map[string]string)}
	err := db.each(ctx, tx, purgeQuery, []any{before}, func(rows *sql.Rows) error {
		var (
			id, postID string
			tombstone  int
			kept       bool
		)
		if err := rows.Scan(&id, &postID, &tombstone, &kept); err != nil {
			return err
		}
		switch {
		case kept && tombstone == 2: // a husk already: nothing to do
			return nil
		case kept:
			plan.husk = append(plan.husk, id)
		default:
			plan.remove = append(plan.remove, id)
		}
		if tombstone != 2 {
			plan.comments++
		}
		if tombstone == 1 {
			plan.threads[postID] = id
		}
		return nil
	})
	if err != nil {
		return plan, fmt.Errorf("select comments: %w", err)
	}
	err = db.each(ctx, tx, `SELECT id FROM posts WHERE deleted_at < ? ORDER BY id`, []any{before}, func(rows *sql.Rows) error {
		var id string
		err := rows.Scan(&id)
		plan.posts = append(plan.posts, id)
		return err
	})
	if err != nil {
		return plan, fmt.Errorf("select posts: %w", err)
	}
	return plan, nil
}

// subscriptionColumns selects a row of subscriptions, in
// scanSubscription's order.
const subscriptionColumns = `topic, callback, secret, expires, created`

// insertSubscription inserts the values of subscriptionColumns; the
// secret goes in as bytes (BLOB, BYTEA), byte for byte.
const insertSubscription = `INSERT INTO subscriptions (` + subscriptionColumns + `) VALUES (?, ?, ?, ?, ?)`

// scanSubscription reads a row of subscriptionColumns.
func scanSubscription(row scanner) (*feed.Subscription, error) {
	var (
		s                feed.Subscription
		secret           []byte
		expires, created int64
	)
	if err := row.Scan(&s.Topic, &s.Callback, &secret, &expires, &created); err != nil {
		return nil, err
	}
	s.Secret, s.Expires, s.Created = string(secret), fromUnix(expires), fromUnix(created)
	return &s, nil
}

// SaveSubscription stores s, renewing the lease of (s.Topic, s.Callback)
// but keeping its Created. It logs no change.
func (db *DB) SaveSubscription(ctx context.Context, s *feed.Subscription) error {
	if err := store.ValidateSubscription(db.now(), s); err != nil {
		return err
	}
	// One statement, which inserts or renews atomically, also against a
	// concurrent save of the same lease; RETURNING hands back the Created
	// a renewal kept.
	const upsert = insertSubscription + `
		ON CONFLICT (topic, callback) DO UPDATE SET secret = excluded.secret, expires = excluded.expires
		RETURNING created`
	var created int64
	err := db.Write(ctx, func(tx *Tx) error {
		return tx.row(ctx, upsert, s.Topic, s.Callback, []byte(s.Secret), s.Expires.Unix(), s.Created.Unix()).Scan(&created)
	})
	if err != nil {
		return fmt.Errorf("save subscription of %q to %q: %w", s.Callback, s.Topic, err)
	}
	s.Created = fromUnix(created)
	return nil
}

// deleteSubscriptions runs del and returns how many rows it removed.
func (db *DB) deleteSubscriptions(ctx context.Context, del string, args ...any) (int64, error) {
	var n int64
	err := db.Write(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, del, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// DeleteSubscription removes the subscription of (topic, callback).
func (db *DB) DeleteSubscription(ctx context.Context, topic, callback string) error {
	n, err := db.deleteSubscriptions(ctx, `DELETE FROM subscriptions WHERE topic = ? AND callback = ?`, topic, callback)
	if err != nil {
		return fmt.Errorf("delete subscription of %q to %q: %w", callback, topic, err)
	}
	if n == 0 {
		return feed.Errorf(feed.ENOTFOUND, "no subscription of %q to %q", callback, topic)
	}
	return nil
}

// Subscriptions returns the leases of topic (of every topic when empty)
// that end after now, by topic and callback.
func (db *DB) Subscriptions(ctx context.Context, topic string, now time.Time) ([]*feed.Subscription, error) {
	// Leases end on whole seconds, so comparing with now rounded down to
	// one is exact: expires > now.Unix() just when expires is after now.
	query, args := `SELECT `+subscriptionColumns+` FROM subscriptions WHERE expires > ?`, []any{now.Unix()}
	if topic != "" {
		query, args = query+` AND topic = ?`, append(args, topic)
	}
	subs, err := list(ctx, db, query+` ORDER BY topic, callback`, args, scanSubscription)
	if err != nil {
		return nil, fmt.Errorf("select subscriptions: %w", err)
	}
	return subs, nil
}

// ExpireSubscriptions removes the leases that ended at or before now.
func (db *DB) ExpireSubscriptions(ctx context.Context, now time.Time) (int, error) {
	n, err := db.deleteSubscriptions(ctx, `DELETE FROM subscriptions WHERE expires <= ?`, now.Unix())
	if err != nil {
		return 0, fmt.Errorf("expire subscriptions: %w", err)
	}
	return int(n), nil
}

// tombstonesQuery returns the query of Tombstones(ref, n), n a LIMIT
// value, and its arguments; "" for a kind without tombstones.
func tombstonesQuery(ref feed.Ref, n any) (string, []any) {
	// "tombstone = 1" is a literal, for the partial indexes on it: a
	// comment deleted without ever having been public (pending, or
	// pending then spam) is not one, nor is a purged husk.
	switch ref.Kind {
	case feed.KindPosts:
		return `SELECT id, '', deleted_at FROM posts WHERE deleted_at IS NOT NULL
			ORDER BY deleted_at DESC, id DESC LIMIT ?1`, []any{n}
	case feed.KindComments:
		return `SELECT post_id, id, deleted_at FROM comments WHERE tombstone = 1
			ORDER BY deleted_at DESC, id DESC LIMIT ?1`, []any{n}
	case feed.KindThread:
		// Whether the post is live or deleted (its thread feed is gone,
		// but may still be asked), or unknown (no tombstones).
		return `SELECT post_id, id, deleted_at FROM comments WHERE tombstone = 1 AND post_id = ?2
			ORDER BY deleted_at DESC, id DESC LIMIT ?1`, []any{n, ref.PostID}
	}
	return "", nil
}
