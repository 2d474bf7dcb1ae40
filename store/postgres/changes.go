package postgres

// Change-log order. A seq comes from the identity's sequence when the
// record is inserted, but becomes visible only when its transaction
// commits, and transactions commit in any order: without care, a poller
// could read seq 8, committed first, move its position to 8, and never see
// seq 7, committed a moment later.
//
// So every writer locks the changes table IN EXCLUSIVE MODE just before it
// appends its record (changeLock, which the core runs before a write's
// first record, its last statements), and holds the lock until it commits
// (PostgreSQL releases locks only at the end of a transaction, after the
// commit is visible). EXCLUSIVE conflicts with itself and with the ROW
// EXCLUSIVE lock an INSERT takes, but not with the ACCESS SHARE of a
// SELECT: writers take turns from their append to their commit, readers
// never wait. A writer draws its seq only once the writer before it has
// committed (or rolled back), so seqs become visible in increasing order,
// and every snapshot that shows seq n shows all the records below n that
// will ever exist. Rolled-back writes leave gaps, which Changes' "seq >
// after" passes over.
//
// The lock serializes only the tail of each write: the append and the
// COMMIT (its WAL flush). At a blog's write rates that is no cost; the
// alternative, pg_advisory_xact_lock on a constant, would do the same but
// collide with every other store or application that picked the same key
// in the database, where a table lock is scoped to this schema's table.
// Writers take no row locks after it, so it cannot take part in a deadlock.
const changeLock = `LOCK TABLE changes IN EXCLUSIVE MODE`

// appendChange appends a record (at, post_id, comment_id) and returns its
// seq; in the same statement it queues the notice that tells watchers of
// the store (see watch.go) of the write once it commits.
const appendChange = `WITH c AS (INSERT INTO changes (at, post_id, comment_id) VALUES (?, ?, ?) RETURNING seq)
	SELECT c.seq FROM c, (SELECT pg_notify('` + notifyChannel + `', current_schema())) n`

// lastChange is the newest seq, or after Purge has emptied the log the
// last one handed out, which the next record will exceed (an identity
// never hands out a seq twice).
//
// It runs after lastChangeLock, which takes the table in SHARE mode and
// waits for the writer that holds the EXCLUSIVE lock to commit: that
// writer has drawn a seq already, and a poller starting at it must not
// miss its record. (MAX(seq) alone would be safe, but not the sequence's
// value, read when Purge emptied the table.)
const (
	lastChange = `SELECT COALESCE(
		(SELECT MAX(seq) FROM changes),
		(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM changes_seq_seq))`
	lastChangeLock = `LOCK TABLE changes IN SHARE MODE`
)
