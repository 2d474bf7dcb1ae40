package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// A selection's size comes from its row of the totals table (migration
// 0007), which triggers keep in each write's transaction, when it has
// one: the selections that have heads (the posts feed and its category
// and author selections, the site comments feed, a thread). Others (the
// time bounds of queries, statuses other than approved alone) are
// counted, over the index range their bounds give.

// total names a selection's row of totals; kind is "" when it has none.
type total struct{ kind, key string }

// postsTotal returns the row of totals of the posts f selects.
func postsTotal(f store.PostFilter) total {
	switch {
	case len(store.TimeBounds(f.PublishedMin, f.PublishedMax, f.UpdatedMin, f.UpdatedMax)) > 0:
		return total{}
	case f.Category != "" && f.Author != "":
		return total{}
	case f.Category != "":
		return total{"category", f.Category}
	case f.Author != "":
		// Folded as lower() folds it in the triggers and posts_author_idx
		// (ASCII letters only, in both engines).
		return total{"author", strings.Map(func(r rune) rune {
			if 'A' <= r && r <= 'Z' {
				return r + 'a' - 'A'
			}
			return r
		}, f.Author)}
	}
	return total{"posts", ""}
}

// commentsTotal returns the row of totals of the comments f selects.
func commentsTotal(f store.CommentFilter) total {
	switch {
	case len(store.TimeBounds(f.PublishedMin, f.PublishedMax, f.UpdatedMin, f.UpdatedMax)) > 0:
		return total{}
	case len(f.Statuses) > 1 || len(f.Statuses) == 1 && f.Statuses[0] != feed.StatusApproved:
		return total{}
	case f.PostID != "":
		return total{"thread", f.PostID}
	}
	return total{"comments", ""}
}

// totalQuery reads the n of a row of totals, 0 when there is none.
const totalQuery = `SELECT COALESCE((SELECT n FROM totals WHERE kind = ? AND key = ?), 0)`

// totalColumn is the column that a placed read adds to each row: the
// size of the selection in the statement's own snapshot.
const totalColumn = `, COALESCE((SELECT n FROM totals WHERE kind = ? AND key = ?), 0)`

// count reads the size of a selection: its row of totals t, or else
// COUNT(*) over where.
func (db *DB) count(ctx context.Context, q Querier, t total, where string, args []any) (int, error) {
	query := `SELECT COUNT(*) ` + where
	if t.kind != "" {
		query, args = totalQuery, []any{t.kind, t.key}
	}
	var n int
	err := db.on(q).QueryRowContext(ctx, db.q(query), args...).Scan(&n)
	return n, err
}

// nearer turns window w of a selection of total entries into the read
// that gives it from the nearer end: skip entries of the order (newest
// first, or oldest first when ascending), then n of them. n ≤ 0 reads
// nothing.
func nearer(w store.Window, total int) (skip, n int, ascending bool) {
	off := max(w.Offset, 0)
	n = min(w.Limit, total-off)
	if n <= 0 {
		return 0, 0, false
	}
	fromNewest := off // entries before the window, newest first
	if w.Ascending {
		fromNewest = total - off - n
	}
	fromOldest := total - fromNewest - n
	if fromOldest < fromNewest {
		return fromOldest, n, true
	}
	return fromNewest, n, false
}

// selection is what a placed read reads: columns of table alias a over
// where (FROM and WHERE) and its arguments, in the order orderBy, with its
// row of totals.
type selection struct {
	columns, a, where string
	args              []any
	orderBy           string
	total             total
}

// windowQuery returns the query that reads skip then n entries of s in
// the order asked, with the selection's size as a last column when s has
// a row of totals, and its arguments.
func (db *DB) windowQuery(s selection, skip, n int, ascending bool) (string, []any, error) {
	columns, args := s.columns, s.args
	if s.total.kind != "" {
		// The column's placeholders come before the WHERE's.
		columns = columns + totalColumn
		args = append([]any{s.total.kind, s.total.key}, args...)
	}
	return db.paged(columns, s.a, s.where, args, n, skip, s.orderBy, ascending)
}

// placed reads the window of s that place picks from the selection's
// size, newest first (see store.PostFilter.Place). With a row of totals,
// the size and the entries come from one statement, hence one snapshot:
// when the size it reads is not the one the window was placed by, a write
// came between, and the read is placed again. empty runs when the
// selection has no entries.
//
// A selection with a row of totals is read first from its newest entry,
// headRead entries with the size: a head, or the whole of a short
// selection (a thread), is then in hand after one statement.
func placed[T any](ctx context.Context, db *DB, s selection, place func(int) (store.Window, error),
	empty func(q Querier) error, scan func(scanner) (T, error)) ([]T, error) {
	var out []T
	err := db.Read(ctx, func(q Querier) error {
		// read reads skip then n entries, and the size where s has a
		// row of totals (else it keeps size).
		read := func(skip, n int, ascending bool, size int) ([]T, int, error) {
			s, skip, err := db.seek(ctx, q, s, skip, ascending)
			if err != nil {
				return nil, 0, err
			}
			query, args, err := db.windowQuery(s, skip, n, ascending)
			if err != nil {
				return nil, 0, err
			}
			var rows []T
			err = db.each(ctx, q, query, args, func(r *sql.Rows) error {
				var row scanner = r
				if s.total.kind != "" {
					row = extra{r, []any{&size}}
				}
				v, err := scan(row)
				rows = append(rows, v)
				return err
			})
			return rows, size, err
		}
		var total int
		if s.total.kind != "" {
			first, seen, err := read(0, headRead, false, 0)
			if err != nil {
				return err
			}
			if len(first) == 0 {
				seen = 0 // none in this snapshot: the selection is empty
			}
			if seen == 0 && empty != nil {
				if err := empty(q); err != nil {
					return err
				}
			}
			w, err := place(seen)
			if err != nil {
				return err
			}
			skip, n, ascending := nearer(w, seen)
			if ascending {
				skip = seen - skip - n // from the newest
			}
			if n <= 0 || skip+n <= len(first) {
				out = first[skip : skip+max(n, 0)]
				return nil
			}
			total = seen
		} else {
			var err error
			if total, err = db.count(ctx, q, s.total, s.where, s.args); err != nil {
				return fmt.Errorf("count: %w", err)
			}
		}
		for attempt := 0; ; attempt++ {
			if total == 0 && empty != nil {
				if err := empty(q); err != nil {
					return err
				}
			}
			w, err := place(total)
			if err != nil {
				return err
			}
			skip, n, ascending := nearer(w, total)
			if n <= 0 {
				out = nil
				return nil
			}
			rows, seen, err := read(skip, n, ascending, total)
			if err != nil {
				return err
			}
			if len(rows) == 0 && s.total.kind != "" {
				// No row to read the size from: read it again.
				if seen, err = db.count(ctx, q, s.total, s.where, s.args); err != nil {
					return fmt.Errorf("count: %w", err)
				}
			}
			if seen == total || attempt == maxPlacings {
				if ascending {
					slices.Reverse(rows)
				}
				out = rows
				return nil
			}
			total = seen
		}
	})
	return out, err
}

// headRead is how many of its newest entries placed reads of a selection
// first: the largest head of pages of 25 (49), and some.
const headRead = 64

// maxPlacings bounds how often placed places a read again: each time,
// writes to the very selection came between two statements. The last
// read stands, as a read of two statements always did.
const maxPlacings = 8

// SeekAfter is how many entries a read of the posts feed or of the site
// comments feed skips before it seeks instead (see seek). It is a
// variable for the tests, which lower it to seek on small stores.
var SeekAfter = 1000

// dayShift and daySeconds spell the day of a time in day_totals
// (migration 0012): (unix + dayShift) / daySeconds, which floors for every
// date feedd takes.
const (
	dayShift   = 86400000000
	daySeconds = 86400
)

// seek turns a read of s that skips many entries into one that skips few:
// for the two long selections with per-day sizes (day_totals: the posts
// feed and the site comments feed, in order of publication), it sums the
// sizes of the days from the end the read starts at until the day that
// holds the first entry of the window, and returns s bounded to that day
// and what remains to skip within it, so that the read's index walk
// starts at that day instead of stepping over every entry before it. Any
// other selection, or a short skip, is returned as it is. The day rows
// are read apart from the window, as the size of a selection once was: a
// write between the two that moves an entry across the window's start
// shifts that one read by an entry, and the read placed again by the
// write's new size (placed) or the next render after the write's
// invalidation gets it right.
func (db *DB) seek(ctx context.Context, q Querier, s selection, skip int, ascending bool) (selection, int, error) {
	kind := s.total.kind
	if skip < SeekAfter || (kind != "posts" && kind != "comments") || (s.orderBy != "" && s.orderBy != feed.OrderPublished) {
		return s, skip, nil
	}
	var day sql.NullInt64
	var before int64
	err := db.on(q).QueryRowContext(ctx, db.q(daysQuery(ascending)), skip, skip, kind).Scan(&day, &before)
	switch {
	case err != nil:
		return s, skip, fmt.Errorf("seek: %w", err)
	case !day.Valid:
		return s, skip, nil // past the end of the days: the read finds nothing either way
	}
	left := int64(skip) - before
	return fromDay(s, day.Int64, ascending), int(left), nil
}

// daysQuery finds, in the day sizes of a kind of day_totals summed in
// the order of a read (seek), the first day whose sum passes a number of
// entries to skip (the day that holds the entry after them; NULL past the
// end), and the sum of the days before it. The database sums them in one
// pass (a window function, then an aggregate: no sort): a feed's history
// is a few thousand days. Its arguments are the skip twice, then the kind.
func daysQuery(ascending bool) string {
	dir, first := ` DESC`, `MAX`
	if ascending {
		dir, first = ` ASC`, `MIN`
	}
	return `SELECT ` + first + `(CASE WHEN seen > ? THEN day END), COALESCE(MAX(CASE WHEN seen <= ? THEN seen END), 0)
		FROM (SELECT day, SUM(n) OVER (ORDER BY day` + dir + `) AS seen FROM day_totals WHERE kind = ?) d`
}

// fromDay returns s without the entries before day (ascending: older), or
// else after it (newer).
func fromDay(s selection, day int64, ascending bool) selection {
	bound, op := day*daySeconds-dayShift, ` >= ?` // the day's first second
	if !ascending {
		bound, op = bound+daySeconds, ` < ?` // after the day's last
	}
	s.where += ` AND ` + s.a + `.published` + op
	s.args = append(slices.Clip(s.args), bound)
	return s
}
