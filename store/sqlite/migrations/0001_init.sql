-- 0001: posts, their categories, and threaded comments.
--
-- Times are INTEGER unix seconds in UTC: the store truncates to whole seconds
-- on write, and integers sort and compare without any parsing. STRICT tables
-- make SQLite reject a value of the wrong type instead of storing it.

CREATE TABLE posts (
	id          TEXT    NOT NULL PRIMARY KEY,
	title       TEXT    NOT NULL,
	content     TEXT    NOT NULL,
	summary     TEXT    NOT NULL DEFAULT '',
	author_name TEXT    NOT NULL DEFAULT '',
	author_uri  TEXT    NOT NULL DEFAULT '',
	published   INTEGER NOT NULL,
	updated     INTEGER NOT NULL,
	CHECK (updated >= published)
) STRICT;

-- Newest-first reads of the posts feed: ORDER BY published DESC, id DESC
-- walks this index and stops at the LIMIT.
CREATE INDEX posts_published_idx ON posts (published DESC, id DESC);

-- Categories in their own table, in the order the author gave them, so that
-- category feeds can later select posts by name. Rows are small, hence
-- WITHOUT ROWID: the primary key is the table.
CREATE TABLE post_categories (
	post_id  TEXT    NOT NULL REFERENCES posts (id),
	position INTEGER NOT NULL,
	name     TEXT    NOT NULL,
	PRIMARY KEY (post_id, position),
	UNIQUE (post_id, name)
) STRICT, WITHOUT ROWID;

-- Posts by category name, for category feeds.
CREATE INDEX post_categories_name_idx ON post_categories (name, post_id);

CREATE TABLE comments (
	id          TEXT    NOT NULL PRIMARY KEY,
	post_id     TEXT    NOT NULL REFERENCES posts (id),
	parent_id   TEXT,   -- NULL for a comment on the post itself
	author_name TEXT    NOT NULL,
	author_uri  TEXT    NOT NULL DEFAULT '',
	content     TEXT    NOT NULL,
	published   INTEGER NOT NULL,
	updated     INTEGER NOT NULL,
	CHECK (updated >= published),
	-- The target of the composite key below.
	UNIQUE (post_id, id),
	-- A reply's parent is a comment of the same post. The store checks this
	-- first to report EINVALID; the key keeps the rule even for other writers.
	-- A NULL parent_id satisfies it, as SQL foreign keys do.
	FOREIGN KEY (post_id, parent_id) REFERENCES comments (post_id, id)
) STRICT;

-- One thread newest first (the thread feed), also comment counts per post.
CREATE INDEX comments_post_published_idx ON comments (post_id, published DESC, id DESC);
-- Every comment newest first (the site comments feed).
CREATE INDEX comments_published_idx ON comments (published DESC, id DESC);
-- Replies to a comment: lets foreign key checks find children without a scan.
CREATE INDEX comments_parent_idx ON comments (post_id, parent_id);
