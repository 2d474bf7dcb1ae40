package postgres

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

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
		args  = []any{n}
	)
	switch ref.Kind {
	case feed.KindPosts:
		query = `SELECT id, '', deleted_at FROM posts WHERE deleted_at IS NOT NULL
			ORDER BY deleted_at DESC, id DESC LIMIT $1`
	case feed.KindComments:
		query = `SELECT post_id, id, deleted_at FROM comments WHERE tombstone = 1
			ORDER BY deleted_at DESC, id DESC LIMIT $1`
	case feed.KindThread:
		if ref.PostID == "" {
			return nil, feed.Errorf(feed.EINVALID, "post_id: required for a thread feed")
		}
		// Whether the post is live or deleted (its thread feed is gone,
		// but may still be asked), or unknown (no tombstones).
		query = `SELECT post_id, id, deleted_at FROM comments WHERE tombstone = 1 AND post_id = $2
			ORDER BY deleted_at DESC, id DESC LIMIT $1`
		args = append(args, ref.PostID)
	default:
		return nil, feed.Errorf(feed.EINVALID, "feed kind %q unknown", ref.Kind)
	}
	var stones []feed.Tombstone
	err = db.read(ctx, func(q querier) error {
		stones = nil
		rows, err := q.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				s       feed.Tombstone
				deleted int64
			)
			if err := rows.Scan(&s.PostID, &s.CommentID, &deleted); err != nil {
				return err
			}
			s.Deleted = fromUnix(deleted)
			stones = append(stones, s)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("select tombstones of %s: %w", ref, err)
	}
	return stones, nil
}

// purgeQuery lists the comments that Purge takes, $1 being the cutoff:
// those deleted before it and all those of posts deleted before it. For
// each it tells whether the comment must stay as a husk: a live reply, or
// one deleted later, still names it (directly or through other purged
// comments) as its parent, which the foreign key on parent_id enforces and
// the reply's Depth assumes. The comments of a purged post never stay: they
// were all deleted with it or before (the second half of purged only
// guards against a clock set back between the two deletions).
const purgeQuery = `WITH RECURSIVE
	purged_posts (id) AS (SELECT id FROM posts WHERE deleted_at < $1),
	purged (id, post_id, tombstone) AS MATERIALIZED (
		SELECT id, post_id, tombstone FROM comments WHERE deleted_at < $1
		UNION ALL
		SELECT id, post_id, tombstone FROM comments
		WHERE post_id IN (SELECT id FROM purged_posts) AND (deleted_at IS NULL OR deleted_at >= $1)
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

// purgeLock is the first key of the advisory lock that Purge takes (the
// second is a hash of the schema's name, as for migrationLock): two purges
// at once, from two processes' schedulers, would plan the same removals and
// both report them.
const purgeLock = 0x66656465

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

	var res store.PurgeResult
	err := db.write(ctx, func(tx pgx.Tx) error {
		res = store.PurgeResult{}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))`, purgeLock); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		plan, err := planPurge(ctx, tx, before)
		if err != nil {
			return err
		}
		b := &pgx.Batch{}
		if len(plan.husk) > 0 {
			b.Queue(`UPDATE comments SET content = '', author_name = '', author_uri = '', author_key = '',
				tombstone = 2 WHERE id = ANY ($1)`, plan.husk)
		}
		// One statement removes a comment with its purged replies: the
		// foreign keys are checked at its end. Then the posts, which no
		// comment names any more.
		if len(plan.remove) > 0 {
			b.Queue(`DELETE FROM comments WHERE id = ANY ($1)`, plan.remove)
		}
		if len(plan.posts) > 0 {
			b.Queue(`DELETE FROM post_categories WHERE post_id = ANY ($1)`, plan.posts)
			b.Queue(`DELETE FROM posts WHERE id = ANY ($1)`, plan.posts)
		}
		// The old log goes before this purge's records are added, which a
		// cutoff in the future would otherwise take too.
		b.Queue(`DELETE FROM changes WHERE at < $1`, before)
		// Job claims as old as that stop no claim of a job run more often
		// (WebSub leaves one per published version of a feed).
		b.Queue(`DELETE FROM jobs WHERE claimed_at < $1`, cutoff.UnixMilli())

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
			queueChange(b, now, id, plan.threads[id])
		}
		for _, id := range plan.posts {
			queueChange(b, now, id, "")
		}
		err = tx.SendBatch(ctx, b).Close()
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23503" {
			// foreign_key_violation: a reply was stored under a comment
			// planned for removal after the plan was read (UpsertComment
			// takes deleted parents). Planned again, the comment stays as
			// a husk.
			return raced{err}
		}
		return err
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
func planPurge(ctx context.Context, tx pgx.Tx, before int64) (purgePlan, error) {
	plan := purgePlan{threads: make(map[string]string)}
	rows, err := tx.Query(ctx, purgeQuery, before)
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

	postRows, err := tx.Query(ctx, `SELECT id FROM posts WHERE deleted_at < $1 ORDER BY id`, before)
	if err != nil {
		return plan, fmt.Errorf("select posts: %w", err)
	}
	plan.posts, err = pgx.CollectRows(postRows, pgx.RowTo[string])
	if err != nil {
		return plan, fmt.Errorf("select posts: %w", err)
	}
	return plan, nil
}
