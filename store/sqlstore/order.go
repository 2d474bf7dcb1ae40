package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/feedd/feedd/store"
)

// maxClockStep is how far ahead of the clock the newest entry of a feed
// may be dated and still hold a new local entry back to its second (the
// clock stepped back). An entry dated further ahead was dated so by its
// caller or upstream, and new ones go before it.
const maxClockStep = time.Hour

// placeNew places a new local entry — one created with neither id nor
// published given (the store chose both) — after every entry of its
// feeds, so that it joins their newest page and no full archive page
// (RFC 5005) ever changes (issue 14 item 7). Entries are ordered by
// (published, id) with whole seconds and random ids: published becomes at
// least the newest entry's (a clock stepped back by up to maxClockStep
// does not date it before), and in the same second the id is drawn after
// the newest's (store.NewIDAfter). newest reads the newest entry's
// published and id of the feeds the entry will be in, given the bound on
// published; updated follows published when it was defaulted, and is
// never before it. On PostgreSQL the dialect's OrderLock, held to the
// commit, keeps two writers from both placing after the same newest.
func (db *DB) placeNew(ctx context.Context, tx *Tx, newest string, args []any,
	id *string, published, updated *time.Time, updatedDefault bool) error {
	if l := db.d.OrderLock; l != "" {
		if _, err := tx.ExecContext(ctx, l); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
	}
	now := db.now()
	var (
		sec    int64
		prevID string
	)
	err := tx.row(ctx, newest, append(args, now.Add(maxClockStep).Unix())...).Scan(&sec, &prevID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		sec = 0
	case err != nil:
		return fmt.Errorf("select newest: %w", err)
	}
	*published = now
	*id = store.NewID()
	if p := fromUnix(sec); err == nil && !p.Before(now) {
		*published = p
		*id = store.NewIDAfter(prevID)
	}
	if updatedDefault || updated.Before(*published) {
		*updated = *published
	}
	return nil
}

// newestPost reads the newest live post dated up to a bound: the posts
// feed's order.
const newestPost = `SELECT published, id FROM posts WHERE deleted_at IS NULL AND published <= ?
	ORDER BY published DESC, id DESC LIMIT 1`

// newestComment reads the newest live comment of a status dated up to a
// bound, over the site: the site comments feed's order (or the moderation
// queue's), which is after the newest of every thread too.
const newestComment = `SELECT published, id FROM comments WHERE deleted_at IS NULL AND status = ? AND published <= ?
	ORDER BY published DESC, id DESC LIMIT 1`
