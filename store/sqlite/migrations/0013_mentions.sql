-- 0013: mentions: Webmentions received from other sites are comments of
-- their post's thread, marked by kind ('' for an ordinary comment; reply,
-- like, repost, bookmark or mention: see feed.Comment.Kind) and carrying
-- the page that mentions the post, source_url ('' for an ordinary
-- comment). A post has at most one live mention per source: a re-sent
-- Webmention finds it by (post_id, source_url) and updates it, and one
-- whose source stopped linking deletes it, which frees the key.

ALTER TABLE comments ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE comments ADD COLUMN source_url TEXT NOT NULL DEFAULT '';

CREATE UNIQUE INDEX comments_mention_idx ON comments (post_id, source_url)
	WHERE source_url <> '' AND deleted_at IS NULL;

-- The Webmentions received and waiting for verification (store.MentionQueue),
-- one row per (source, target), keyed by the hex SHA-256 of the two joined
-- by a newline (two URLs of up to 2048 bytes each would exceed
-- PostgreSQL's limit on an index entry): a mention received again while it waits is not
-- queued twice. claimed is the unix milliseconds of the claim of the
-- process verifying it, 0 while none does; a claim older than the lease
-- (a process that died) is taken over. received (unix seconds) orders the
-- queue.
CREATE TABLE mention_queue (
	key      TEXT NOT NULL PRIMARY KEY,
	source   TEXT NOT NULL,
	target   TEXT NOT NULL,
	received INTEGER NOT NULL,
	claimed  INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;

CREATE INDEX mention_queue_received_idx ON mention_queue (received, key);
