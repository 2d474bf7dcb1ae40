-- 0002: authoring and moderation: post formats, soft deletion with
-- tombstones, comment moderation and depth, and a change log (the
-- PostgreSQL twin of store/sqlite/migrations/0002_authoring.sql).
--
-- A deleted post or comment keeps its row, with deleted_at set (unix
-- seconds), until Purge removes it: feeds carry its tombstone meanwhile.
-- Every read of live entries says "deleted_at IS NULL" (a literal, not a
-- parameter), which the partial indexes below match.

ALTER TABLE posts ADD COLUMN format TEXT NOT NULL DEFAULT 'html'
	CHECK (format IN ('html', 'markdown'));
ALTER TABLE posts ADD COLUMN deleted_at BIGINT; -- NULL while live

ALTER TABLE comments ADD COLUMN status TEXT NOT NULL DEFAULT 'approved'
	CHECK (status IN ('approved', 'pending', 'spam'));
-- 0 on the post, the parent's depth + 1 for a reply: stored, so that a
-- thread renders without walking it.
ALTER TABLE comments ADD COLUMN depth INTEGER NOT NULL DEFAULT 0 CHECK (depth >= 0);
ALTER TABLE comments ADD COLUMN deleted_at BIGINT; -- NULL while live
-- What the comment leaves behind when deleted:
--   0  nothing: live, or deleted without ever having been public (pending,
--      or pending then marked spam), so no feed showed it;
--   1  a tombstone: it was approved when deleted (or marked spam), so the
--      comments and thread feeds list it as deleted until it is purged;
--   2  a husk: purged, but kept, with its text and author erased, because
--      live replies still name it as their parent (the foreign key on
--      parent_id and their Depth need it). Purge removes it once they are
--      gone.
-- The status alone cannot tell 0 from 1: a spam comment may have been
-- approved before (1) or pending (0).
ALTER TABLE comments ADD COLUMN tombstone SMALLINT NOT NULL DEFAULT 0
	CHECK (tombstone IN (0, 1, 2));
-- lower(author name) || '|' || author URI: who wrote it, for first-time
-- moderation (HasApprovedComment). The store lowercases in Go, with
-- Unicode rules, as the SQLite store does.
ALTER TABLE comments ADD COLUMN author_key TEXT NOT NULL DEFAULT '';

UPDATE comments SET author_key = lower(trim(author_name)) || '|' || author_uri;

WITH RECURSIVE tree (post_id, id, depth) AS (
	SELECT post_id, id, 0 FROM comments WHERE parent_id IS NULL
	UNION ALL
	SELECT c.post_id, c.id, t.depth + 1
	FROM tree t JOIN comments c ON c.post_id = t.post_id AND c.parent_id = t.id
)
UPDATE comments SET depth = tree.depth FROM tree WHERE tree.id = comments.id AND tree.depth > 0;

-- Live reads replace the full indexes of 0001 with partial ones, which
-- deleted rows never slow down and cost nothing to keep out of. The status
-- leads the order so that one index serves the feeds (approved) and the
-- moderation queue (pending) alike, newest first.
DROP INDEX posts_published_idx;
DROP INDEX comments_post_published_idx;
DROP INDEX comments_published_idx;

-- The posts feed and its pages: ORDER BY published DESC, id DESC.
CREATE INDEX posts_live_idx ON posts (published DESC, id DESC) WHERE deleted_at IS NULL;
-- Tombstones of the posts feed, newest deletion first; also Purge.
CREATE INDEX posts_deleted_idx ON posts (deleted_at DESC, id DESC) WHERE deleted_at IS NOT NULL;

-- One thread newest first (the thread feed), and ThreadStats.
CREATE INDEX comments_thread_idx ON comments (post_id, status, published DESC, id DESC)
	WHERE deleted_at IS NULL;
-- Every comment of a status newest first: the site comments feed, and
-- the moderation queue.
CREATE INDEX comments_status_idx ON comments (status, published DESC, id DESC)
	WHERE deleted_at IS NULL;
-- HasApprovedComment.
CREATE INDEX comments_author_idx ON comments (author_key, status) WHERE deleted_at IS NULL;
-- Tombstones of the site comments feed and of one thread.
CREATE INDEX comments_tombstone_idx ON comments (deleted_at DESC, id DESC) WHERE tombstone = 1;
CREATE INDEX comments_thread_tombstone_idx ON comments (post_id, deleted_at DESC, id DESC)
	WHERE tombstone = 1;
-- Purge: deleted comments by age.
CREATE INDEX comments_deleted_idx ON comments (deleted_at) WHERE deleted_at IS NOT NULL;

-- The change log: one row per write, appended in the write's transaction,
-- so that other processes on the same database learn which feeds changed.
-- An identity never hands out a seq twice, even after Purge empties the
-- table, so a poller's position stays meaningful; a rolled-back write
-- leaves a gap, which pollers (seq > after) do not mind. Writers lock the
-- table before they append (see logChange), so seqs commit in order.
-- comment_id is '' for a post write. No foreign keys: a record outlives
-- the entry it names until purged.
CREATE TABLE changes (
	seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at         BIGINT NOT NULL,
	post_id    TEXT COLLATE "C" NOT NULL,
	comment_id TEXT COLLATE "C" NOT NULL DEFAULT ''
);

-- Purge: records by age.
CREATE INDEX changes_at_idx ON changes (at);
