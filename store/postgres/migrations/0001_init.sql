-- 0001: posts, their categories, and threaded comments (the PostgreSQL twin
-- of store/sqlite/migrations/0001_init.sql).
--
-- Times are BIGINT unix seconds in UTC, as in SQLite: the store truncates to
-- whole seconds on write, integers sort and compare without any time zone
-- in play, and both stores hand back identical values, so feeds rendered
-- from either are byte for byte the same.
--
-- Ids are TEXT COLLATE "C": byte order, as SQLite compares, whatever the
-- database's locale. Feeds and cursors order by id, so a locale-aware
-- collation (en_US sorts "B" between "a" and "c") would change both.

CREATE TABLE posts (
	id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
	title       TEXT   NOT NULL,
	content     TEXT   NOT NULL,
	summary     TEXT   NOT NULL DEFAULT '',
	author_name TEXT   NOT NULL DEFAULT '',
	author_uri  TEXT   NOT NULL DEFAULT '',
	published   BIGINT NOT NULL,
	updated     BIGINT NOT NULL,
	CHECK (updated >= published)
);

-- Newest-first reads of the posts feed: ORDER BY published DESC, id DESC
-- walks this index and stops at the LIMIT.
CREATE INDEX posts_published_idx ON posts (published DESC, id DESC);

-- Categories in their own table, in the order the author gave them, so that
-- category feeds can later select posts by name.
CREATE TABLE post_categories (
	post_id  TEXT COLLATE "C" NOT NULL REFERENCES posts (id),
	position INTEGER NOT NULL,
	name     TEXT COLLATE "C" NOT NULL,
	PRIMARY KEY (post_id, position),
	UNIQUE (post_id, name)
);

-- Posts by category name, for category feeds.
CREATE INDEX post_categories_name_idx ON post_categories (name, post_id);

CREATE TABLE comments (
	id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
	post_id     TEXT COLLATE "C" NOT NULL REFERENCES posts (id),
	parent_id   TEXT COLLATE "C", -- NULL for a comment on the post itself
	author_name TEXT   NOT NULL,
	author_uri  TEXT   NOT NULL DEFAULT '',
	content     TEXT   NOT NULL,
	published   BIGINT NOT NULL,
	updated     BIGINT NOT NULL,
	CHECK (updated >= published),
	-- The target of the composite key below.
	UNIQUE (post_id, id),
	-- A reply's parent is a comment of the same post. The store checks this
	-- first to report EINVALID; the key keeps the rule even for other writers.
	-- A NULL parent_id satisfies it (MATCH SIMPLE). NO ACTION, the default,
	-- checks at the end of each statement, so one DELETE may remove a
	-- comment together with its replies.
	FOREIGN KEY (post_id, parent_id) REFERENCES comments (post_id, id)
);

-- One thread newest first (the thread feed), also comment counts per post.
CREATE INDEX comments_post_published_idx ON comments (post_id, published DESC, id DESC);
-- Every comment newest first (the site comments feed).
CREATE INDEX comments_published_idx ON comments (published DESC, id DESC);
-- Replies to a comment: lets foreign key checks find children without a scan.
CREATE INDEX comments_parent_idx ON comments (post_id, parent_id);
