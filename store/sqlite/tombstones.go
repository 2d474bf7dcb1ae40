package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// Tombstones returns the deleted, not yet purged entries the feed ref
// showed, newest deletion first and then by id, descending like the feeds.
func (db *DB) Tombstones(ctx context.Context, ref feed.Ref, lim int) ([]feed.Tombstone, error) {
	n, err := limit(lim)
	if err != nil {
		return nil, err
	}
	// "tombstone = 1" is a literal, for the partial indexes on it: a
	// comment deleted without ever having been public (pending, or
	// pending then spam) is not one, nor is a purged husk.
	var (
		query string
		args  []any
	)
	switch ref.Kind {
	case feed.KindPosts:
		query = `SELECT id, '', deleted_at FROM posts WHERE deleted_at IS NOT NULL
			ORDER BY deleted_at DESC, id DESC LIMIT ?`
	case feed.KindComments:
		query = `SELECT post_id, id, deleted_at FROM comments WHERE tombstone = 1
			ORDER BY deleted_at DESC, id DESC LIMIT ?`
	case feed.KindThread:
		if ref.PostID == "" {
			return nil, feed.Errorf(feed.EINVALID, "post_id: required for a thread feed")
		}
		// Whether the post is live or deleted (its thread feed is gone,
		// but may still be asked), or unknown (no tombstones).
		query = `SELECT post_id, id, deleted_at FROM comments WHERE tombstone = 1 AND post_id = ?
			ORDER BY deleted_at DESC, id DESC LIMIT ?`
		args = append(args, ref.PostID)
	default:
		return nil, feed.Errorf(feed.EINVALID, "feed kind %q unknown", ref.Kind)
	}
	rows, err := db.db.QueryContext(ctx, query, append(args, n)...)
	if err != nil {
		return nil, fmt.Errorf("select tombstones of %s: %w", ref, err)
	}
	defer rows.Close()
	var stones []feed.Tombstone
	for rows.Next() {
		var (
			s       feed.Tombstone
			deleted int64
		)
		if err := rows.Scan(&s.PostID, &s.CommentID, &deleted); err != nil {
			return nil, fmt.Errorf("select tombstones of %s: %w", ref, err)
		}
		s.Deleted = fromUnix(deleted)
		stones = append(stones, s)
	}
	if err := rows.Err(); err != nil {
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
		WHERE post_id IN purged_posts AND (deleted_at IS NULL OR deleted_at >= ?1)
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
// change-log records and job claims older than it, in one transaction.
//
// A purged comment that still has replies cannot leave: they name it as
// their parent. It stays as a husk instead, its text and author erased and
// its tombstone gone, and a later Purge removes it once they have gone.
// Purge logs one change for each post it removed and each post whose
// comment tombstones it removed, so that other processes drop the feeds
// it touched as well.
func (db *DB) Purge(ctx context.Context, cutoff time.Time) (store.PurgeResult, error) {
	before := cutoff.Unix()
	if cutoff.Nanosecond() != 0 {
		before++ // deleted before 12:00:00.5 takes 12:00:00 too
	}

	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return store.PurgeResult{}, fmt.Errorf("purge: begin: %w", err)
	}
	defer tx.Rollback()

	plan, err := planPurge(ctx, tx, before)
	if err != nil {
		return store.PurgeResult{}, fmt.Errorf("purge: %w", err)
	}
	// The ids go in as JSON arrays, like ThreadStats's, for any number.
	const erase = `UPDATE comments SET content = '', author_name = '', author_uri = '', author_key = '',
		tombstone = 2 WHERE id IN (SELECT value FROM json_each(?))`
	if err := execJSON(ctx, tx, erase, plan.husk); err != nil {
		return store.PurgeResult{}, fmt.Errorf("purge: erase comments: %w", err)
	}
	// One statement removes a comment with its purged replies: SQLite
	// checks the foreign keys at its end. Then the posts, which no comment
	// names any more.
	for _, del := range []struct {
		query string
		ids   []string
	}{
		{`DELETE FROM comments WHERE id IN (SELECT value FROM json_each(?))`, plan.remove},
		{`DELETE FROM post_categories WHERE post_id IN (SELECT value FROM json_each(?))`, plan.posts},
		{`DELETE FROM posts WHERE id IN (SELECT value FROM json_each(?))`, plan.posts},
	} {
		if err := execJSON(ctx, tx, del.query, del.ids); err != nil {
			return store.PurgeResult{}, fmt.Errorf("purge: %w", err)
		}
	}
	// The old log goes before this purge's records are added, which a
	// cutoff in the future would otherwise take too.
	if _, err := tx.ExecContext(ctx, `DELETE FROM changes WHERE at < ?`, before); err != nil {
		return store.PurgeResult{}, fmt.Errorf("purge: delete changes: %w", err)
	}
	// Job claims as old as that stop no claim of a job run more often
	// (WebSub leaves one per published version of a feed).
	if _, err := tx.ExecContext(ctx, `DELETE FROM jobs WHERE claimed_at < ?`, cutoff.UnixMilli()); err != nil {
		return store.PurgeResult{}, fmt.Errorf("purge: delete job claims: %w", err)
	}

	res := store.PurgeResult{Posts: len(plan.posts), Comments: plan.comments}
	if len(plan.posts) > 0 {
		res.Touched = append(res.Touched, feed.PostsFeed)
	}
	if len(plan.threads) > 0 {
		res.Touched = append(res.Touched, feed.CommentsFeed)
	}
	now := db.now()
	for _, id := range slices.Sorted(maps.Keys(plan.threads)) {
		res.Touched = append(res.Touched, feed.ThreadFeed(id))
		if err := logChange(ctx, tx, now, id, plan.threads[id]); err != nil {
			return store.PurgeResult{}, fmt.Errorf("purge: %w", err)
		}
	}
	for _, id := range plan.posts {
		if err := logChange(ctx, tx, now, id, ""); err != nil {
			return store.PurgeResult{}, fmt.Errorf("purge: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return store.PurgeResult{}, fmt.Errorf("purge: commit: %w", err)
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
func planPurge(ctx context.Context, tx *sql.Tx, before int64) (purgePlan, error) {
	plan := purgePlan{threads: make(map[string]string)}
	rows, err := tx.QueryContext(ctx, purgeQuery, before)
	if err != nil {
		return plan, fmt.Errorf("select comments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, postID string
			tombstone  int
			kept       bool
		)
		if err := rows.Scan(&id, &postID, &tombstone, &kept); err != nil {
			return plan, fmt.Errorf("select comments: %w", err)
		}
		switch {
		case kept && tombstone == 2: // a husk already: nothing to do
			continue
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
	}
	if err := rows.Err(); err != nil {
		return plan, fmt.Errorf("select comments: %w", err)
	}

	postRows, err := tx.QueryContext(ctx, `SELECT id FROM posts WHERE deleted_at < ? ORDER BY id`, before)
	if err != nil {
		return plan, fmt.Errorf("select posts: %w", err)
	}
	defer postRows.Close()
	for postRows.Next() {
		var id string
		if err := postRows.Scan(&id); err != nil {
			return plan, fmt.Errorf("select posts: %w", err)
		}
		plan.posts = append(plan.posts, id)
	}
	if err := postRows.Err(); err != nil {
		return plan, fmt.Errorf("select posts: %w", err)
	}
	return plan, nil
}

// execJSON runs query with ids as its one parameter, a JSON array, unless
// there are none.
func execJSON(ctx context.Context, tx *sql.Tx, query string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	b, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, query, string(b))
	return err
}
