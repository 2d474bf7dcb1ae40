-- 0007: totals: the size of each feed's selection, kept as it changes, so
-- that a render reads it in one row instead of counting the table (the
-- size places heads, pages and archives and is openSearch:totalResults).
--
-- One row per selection that has a head:
--   ('posts', '')            live posts: the posts feed
--   ('category', name)       live posts with that category
--   ('author', lower(name))  live posts by that author, folded as
--                            posts_author_idx folds it (ASCII letters)
--   ('comments', '')         live approved comments: the site comments feed
--   ('thread', post_id)      live approved comments of one post
-- A live comment's post is live (DeletePost deletes the comments with the
-- post, and nothing brings either back), so the comment rows alone say
-- what the comments feeds show.
--
-- Triggers keep the rows in the write's own transaction, whatever writes:
-- the store's writes, moderation, soft deletes, mirrored upserts, Purge
-- and Load. A row whose count falls to 0 stays.

CREATE TABLE totals (
	kind TEXT    NOT NULL,
	key  TEXT    NOT NULL,
	n    INTEGER NOT NULL,
	PRIMARY KEY (kind, key)
) STRICT, WITHOUT ROWID;

INSERT INTO totals (kind, key, n)
SELECT 'posts', '', COUNT(*) FROM posts WHERE deleted_at IS NULL;
INSERT INTO totals (kind, key, n)
SELECT 'author', lower(author_name), COUNT(*) FROM posts WHERE deleted_at IS NULL GROUP BY lower(author_name);
INSERT INTO totals (kind, key, n)
SELECT 'category', pc.name, COUNT(*) FROM post_categories pc JOIN posts p ON p.id = pc.post_id
WHERE p.deleted_at IS NULL GROUP BY pc.name;
INSERT INTO totals (kind, key, n)
SELECT 'comments', '', COUNT(*) FROM comments WHERE deleted_at IS NULL AND status = 'approved';
INSERT INTO totals (kind, key, n)
SELECT 'thread', post_id, COUNT(*) FROM comments WHERE deleted_at IS NULL AND status = 'approved' GROUP BY post_id;

-- Comments: counted while live and approved. Each statement names its
-- rows by the primary key, so that a write costs a few index probes.
CREATE TRIGGER comments_totals_insert AFTER INSERT ON comments
WHEN NEW.deleted_at IS NULL AND NEW.status = 'approved'
BEGIN
	INSERT INTO totals (kind, key, n) VALUES ('comments', '', 1), ('thread', NEW.post_id, 1)
	ON CONFLICT (kind, key) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER comments_totals_delete AFTER DELETE ON comments
WHEN OLD.deleted_at IS NULL AND OLD.status = 'approved'
BEGIN
	UPDATE totals SET n = n - 1 WHERE kind = 'comments' AND key = '';
	UPDATE totals SET n = n - 1 WHERE kind = 'thread' AND key = OLD.post_id;
END;

CREATE TRIGGER comments_totals_update_old AFTER UPDATE OF status, deleted_at, post_id ON comments
WHEN OLD.deleted_at IS NULL AND OLD.status = 'approved'
	AND NOT (NEW.deleted_at IS NULL AND NEW.status = 'approved' AND NEW.post_id = OLD.post_id)
BEGIN
	UPDATE totals SET n = n - 1 WHERE kind = 'comments' AND key = '';
	UPDATE totals SET n = n - 1 WHERE kind = 'thread' AND key = OLD.post_id;
END;

CREATE TRIGGER comments_totals_update_new AFTER UPDATE OF status, deleted_at, post_id ON comments
WHEN NEW.deleted_at IS NULL AND NEW.status = 'approved'
	AND NOT (OLD.deleted_at IS NULL AND OLD.status = 'approved' AND NEW.post_id = OLD.post_id)
BEGIN
	INSERT INTO totals (kind, key, n) VALUES ('comments', '', 1), ('thread', NEW.post_id, 1)
	ON CONFLICT (kind, key) DO UPDATE SET n = n + excluded.n;
END;

-- Posts: counted while live, under the feed, the author and each of
-- their categories.
CREATE TRIGGER posts_totals_insert AFTER INSERT ON posts
WHEN NEW.deleted_at IS NULL
BEGIN
	INSERT INTO totals (kind, key, n) VALUES ('posts', '', 1), ('author', lower(NEW.author_name), 1)
	ON CONFLICT (kind, key) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER posts_totals_delete AFTER DELETE ON posts
WHEN OLD.deleted_at IS NULL
BEGIN
	UPDATE totals SET n = n - 1 WHERE kind = 'posts' AND key = '';
	UPDATE totals SET n = n - 1 WHERE kind = 'author' AND key = lower(OLD.author_name);
	UPDATE totals SET n = n - 1 WHERE kind = 'category'
		AND key IN (SELECT name FROM post_categories WHERE post_id = OLD.id);
END;

CREATE TRIGGER posts_totals_update_old AFTER UPDATE OF deleted_at, author_name ON posts
WHEN OLD.deleted_at IS NULL
	AND NOT (NEW.deleted_at IS NULL AND lower(NEW.author_name) = lower(OLD.author_name))
BEGIN
	UPDATE totals SET n = n - 1 WHERE kind = 'author' AND key = lower(OLD.author_name);
	UPDATE totals SET n = n - 1 WHERE kind = 'posts' AND key = '' AND NEW.deleted_at IS NOT NULL;
	UPDATE totals SET n = n - 1 WHERE kind = 'category' AND NEW.deleted_at IS NOT NULL
		AND key IN (SELECT name FROM post_categories WHERE post_id = OLD.id);
END;

CREATE TRIGGER posts_totals_update_new AFTER UPDATE OF deleted_at, author_name ON posts
WHEN NEW.deleted_at IS NULL
	AND NOT (OLD.deleted_at IS NULL AND lower(NEW.author_name) = lower(OLD.author_name))
BEGIN
	INSERT INTO totals (kind, key, n) VALUES ('author', lower(NEW.author_name), 1)
	ON CONFLICT (kind, key) DO UPDATE SET n = n + excluded.n;
	INSERT INTO totals (kind, key, n)
	SELECT 'posts', '', 1 WHERE OLD.deleted_at IS NOT NULL
	ON CONFLICT (kind, key) DO UPDATE SET n = n + excluded.n;
	INSERT INTO totals (kind, key, n)
	SELECT 'category', name, 1 FROM post_categories WHERE post_id = NEW.id AND OLD.deleted_at IS NOT NULL
	ON CONFLICT (kind, key) DO UPDATE SET n = n + excluded.n;
END;

-- Categories: counted while their post is live. A post's categories are
-- inserted after it and deleted before it.
CREATE TRIGGER post_categories_totals_insert AFTER INSERT ON post_categories
WHEN EXISTS (SELECT 1 FROM posts WHERE id = NEW.post_id AND deleted_at IS NULL)
BEGIN
	INSERT INTO totals (kind, key, n) VALUES ('category', NEW.name, 1)
	ON CONFLICT (kind, key) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER post_categories_totals_delete AFTER DELETE ON post_categories
WHEN EXISTS (SELECT 1 FROM posts WHERE id = OLD.post_id AND deleted_at IS NULL)
BEGIN
	UPDATE totals SET n = n - 1 WHERE kind = 'category' AND key = OLD.name;
END;

CREATE TRIGGER post_categories_totals_update AFTER UPDATE OF name, post_id ON post_categories
BEGIN
	UPDATE totals SET n = n - 1 WHERE kind = 'category' AND key = OLD.name
		AND EXISTS (SELECT 1 FROM posts WHERE id = OLD.post_id AND deleted_at IS NULL);
	INSERT INTO totals (kind, key, n)
	SELECT 'category', NEW.name, 1 WHERE EXISTS (SELECT 1 FROM posts WHERE id = NEW.post_id AND deleted_at IS NULL)
	ON CONFLICT (kind, key) DO UPDATE SET n = n + excluded.n;
END;
