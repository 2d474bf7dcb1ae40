-- 0008: html: the HTML derived from each post's and comment's content when
-- it is written (feed/content: DerivePost, DeriveComment), kept beside the
-- source, which stays as given for editing. Feeds, pages and the API show
-- it without sanitizing again.
--
-- html_version is the content.Version the row's html was derived under;
-- 0 (every row of a database older than this migration) is none. A feedd
-- whose Version differs derives a row's html afresh on reading it, and
-- re-derives the rows of an older version in a batched pass at start-up
-- (store.Deriver), which records in html_derived the version it finished:
-- a store whose mark is current skips the pass in one read. Adding a
-- column with a constant default rewrites no row.

ALTER TABLE posts ADD COLUMN html TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN html_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE comments ADD COLUMN html TEXT NOT NULL DEFAULT '';
ALTER TABLE comments ADD COLUMN html_version INTEGER NOT NULL DEFAULT 0;

-- One row: every row of posts and comments written before the pass that
-- set it was derived under this version or a newer one.
CREATE TABLE html_derived (
	version INTEGER NOT NULL
) STRICT;
INSERT INTO html_derived (version) VALUES (0);
