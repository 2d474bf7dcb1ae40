-- 0003: mirrored sources: the upstream origin of posts and comments copied
-- from other blogs, and the polling state of the feeds they come from.
--
-- An entry written here has origin_source '' and no other origin: every
-- origin column is NOT NULL DEFAULT '', so existing rows need no backfill
-- and reads tell native entries by origin_source = ''.

ALTER TABLE posts ADD COLUMN origin_source       TEXT NOT NULL DEFAULT ''; -- the configured source's name
ALTER TABLE posts ADD COLUMN origin_id           TEXT NOT NULL DEFAULT ''; -- the upstream entry id
ALTER TABLE posts ADD COLUMN origin_url          TEXT NOT NULL DEFAULT ''; -- the upstream permalink
ALTER TABLE posts ADD COLUMN origin_comments_url TEXT NOT NULL DEFAULT ''; -- its comment feed, if found

-- UpsertPost finds a mirrored post by its upstream key, and the key names
-- at most one post, deleted ones included: a post deleted here keeps its
-- row (and key) until purged, so that a re-poll does not bring it back.
-- Partial, so that native posts (origin_source '') stay out of it.
CREATE UNIQUE INDEX posts_origin_idx ON posts (origin_source, origin_id) WHERE origin_source <> '';

ALTER TABLE comments ADD COLUMN origin_source TEXT NOT NULL DEFAULT '';
ALTER TABLE comments ADD COLUMN origin_id     TEXT NOT NULL DEFAULT '';
ALTER TABLE comments ADD COLUMN origin_url    TEXT NOT NULL DEFAULT '';

-- A mirrored comment is keyed within its post: comments come from each
-- post's own comment feed, and parents resolve among the comments of the
-- same post. Upstream comment ids are often unique only there (a per-post
-- number, a "#comment-1" fragment, a synthetic id); keyed by source alone,
-- the first comment of a second post would overwrite, or move, the first
-- comment of the first. The worst a per-post key allows is one upstream
-- comment mirrored under two posts, which only two posts mirroring one
-- upstream post could cause. The same index resolves parents.
CREATE UNIQUE INDEX comments_origin_idx ON comments (post_id, origin_source, origin_id)
	WHERE origin_source <> '';

-- The polling state of one upstream feed: a source's feed (post_id '') or
-- the comment feed of one mirrored post. Times are unix seconds, 0 for
-- never. No foreign key to posts: post_id '' names none, and the state may
-- outlive a purged post until the poller drops it.
CREATE TABLE fetches (
	source        TEXT    NOT NULL,
	post_id       TEXT    NOT NULL DEFAULT '',
	url           TEXT    NOT NULL DEFAULT '',
	etag          TEXT    NOT NULL DEFAULT '',
	last_modified TEXT    NOT NULL DEFAULT '', -- as the upstream sent it
	last_poll     INTEGER NOT NULL DEFAULT 0,
	last_success  INTEGER NOT NULL DEFAULT 0,
	next_poll     INTEGER NOT NULL DEFAULT 0,
	last_status   INTEGER NOT NULL DEFAULT 0,  -- HTTP status, 0 for none
	last_error    TEXT    NOT NULL DEFAULT '',
	failures      INTEGER NOT NULL DEFAULT 0,  -- consecutive
	disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
	PRIMARY KEY (source, post_id)
) STRICT;
