-- 0007: totals: the size of each feed's selection, kept as it changes, so
-- that a render reads it in one row instead of counting the table (the
-- PostgreSQL twin of store/sqlite/migrations/0007_totals.sql, which says
-- what each row counts).
--
-- The triggers here are per statement, over its transition tables: a
-- statement that writes many rows (DeletePost's comments, Load, Purge)
-- changes each total once, by the sum of its rows' changes, instead of
-- updating one hot row once per row. The rows are written in key order,
-- so that concurrent writers lock them in one order. A row whose count
-- falls to 0 stays.

CREATE TABLE totals (
	kind TEXT COLLATE "C" NOT NULL,
	key  TEXT COLLATE "C" NOT NULL,
	n    BIGINT NOT NULL,
	PRIMARY KEY (kind, key)
);

INSERT INTO totals (kind, key, n)
SELECT 'posts', '', COUNT(*) FROM posts WHERE deleted_at IS NULL;
INSERT INTO totals (kind, key, n)
SELECT 'author', lower(author_name COLLATE "C"), COUNT(*) FROM posts WHERE deleted_at IS NULL
GROUP BY lower(author_name COLLATE "C");
INSERT INTO totals (kind, key, n)
SELECT 'category', pc.name, COUNT(*) FROM post_categories pc JOIN posts p ON p.id = pc.post_id
WHERE p.deleted_at IS NULL GROUP BY pc.name;
INSERT INTO totals (kind, key, n)
SELECT 'comments', '', COUNT(*) FROM comments WHERE deleted_at IS NULL AND status = 'approved';
INSERT INTO totals (kind, key, n)
SELECT 'thread', post_id, COUNT(*) FROM comments WHERE deleted_at IS NULL AND status = 'approved' GROUP BY post_id;

-- Comments: counted while live and approved. Transition tables cannot be
-- named by a trigger of several events, hence one function per event.
CREATE FUNCTION comments_totals_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO totals (kind, key, n)
	SELECT kind, key, SUM(d) FROM (
		SELECT 'comments' AS kind, '' AS key, 1 AS d FROM new_rows WHERE deleted_at IS NULL AND status = 'approved'
		UNION ALL
		SELECT 'thread', post_id, 1 FROM new_rows WHERE deleted_at IS NULL AND status = 'approved'
	) t GROUP BY kind, key ORDER BY kind, key
	ON CONFLICT (kind, key) DO UPDATE SET n = totals.n + excluded.n;
	RETURN NULL;
END $$;

CREATE FUNCTION comments_totals_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE totals t SET n = t.n - d.n FROM (
		SELECT kind, key, SUM(d) AS n FROM (
			SELECT 'comments' AS kind, '' AS key, 1 AS d FROM old_rows WHERE deleted_at IS NULL AND status = 'approved'
			UNION ALL
			SELECT 'thread', post_id, 1 FROM old_rows WHERE deleted_at IS NULL AND status = 'approved'
		) x GROUP BY kind, key ORDER BY kind, key
	) d WHERE t.kind = d.kind AND t.key = d.key;
	RETURN NULL;
END $$;

CREATE FUNCTION comments_totals_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO totals (kind, key, n)
	SELECT kind, key, SUM(d) FROM (
		SELECT 'comments' AS kind, '' AS key, 1 AS d FROM new_rows WHERE deleted_at IS NULL AND status = 'approved'
		UNION ALL
		SELECT 'thread', post_id, 1 FROM new_rows WHERE deleted_at IS NULL AND status = 'approved'
		UNION ALL
		SELECT 'comments', '', -1 FROM old_rows WHERE deleted_at IS NULL AND status = 'approved'
		UNION ALL
		SELECT 'thread', post_id, -1 FROM old_rows WHERE deleted_at IS NULL AND status = 'approved'
	) t GROUP BY kind, key HAVING SUM(d) <> 0 ORDER BY kind, key
	ON CONFLICT (kind, key) DO UPDATE SET n = totals.n + excluded.n;
	RETURN NULL;
END $$;

CREATE TRIGGER comments_totals_insert AFTER INSERT ON comments
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION comments_totals_insert();
CREATE TRIGGER comments_totals_delete AFTER DELETE ON comments
	REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION comments_totals_delete();
CREATE TRIGGER comments_totals_update AFTER UPDATE ON comments
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION comments_totals_update();

-- Posts: counted while live, under the feed, the author and each of
-- their categories (a post's categories are inserted after it and
-- deleted before it).
CREATE FUNCTION posts_totals_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO totals (kind, key, n)
	SELECT kind, key, SUM(d) FROM (
		SELECT 'posts' AS kind, '' AS key, 1 AS d FROM new_rows WHERE deleted_at IS NULL
		UNION ALL
		SELECT 'author', lower(author_name COLLATE "C"), 1 FROM new_rows WHERE deleted_at IS NULL
	) t GROUP BY kind, key ORDER BY kind, key
	ON CONFLICT (kind, key) DO UPDATE SET n = totals.n + excluded.n;
	RETURN NULL;
END $$;

CREATE FUNCTION posts_totals_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE totals t SET n = t.n - d.n FROM (
		SELECT kind, key, SUM(d) AS n FROM (
			SELECT 'posts' AS kind, '' AS key, 1 AS d FROM old_rows WHERE deleted_at IS NULL
			UNION ALL
			SELECT 'author', lower(author_name COLLATE "C"), 1 FROM old_rows WHERE deleted_at IS NULL
			UNION ALL
			SELECT 'category', pc.name, 1 FROM old_rows o JOIN post_categories pc ON pc.post_id = o.id
			WHERE o.deleted_at IS NULL
		) x GROUP BY kind, key ORDER BY kind, key
	) d WHERE t.kind = d.kind AND t.key = d.key;
	RETURN NULL;
END $$;

CREATE FUNCTION posts_totals_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO totals (kind, key, n)
	SELECT kind, key, SUM(d) FROM (
		SELECT 'posts' AS kind, '' AS key, 1 AS d FROM new_rows WHERE deleted_at IS NULL
		UNION ALL
		SELECT 'author', lower(author_name COLLATE "C"), 1 FROM new_rows WHERE deleted_at IS NULL
		UNION ALL
		SELECT 'category', pc.name, 1 FROM new_rows r JOIN post_categories pc ON pc.post_id = r.id
		WHERE r.deleted_at IS NULL
		UNION ALL
		SELECT 'posts', '', -1 FROM old_rows WHERE deleted_at IS NULL
		UNION ALL
		SELECT 'author', lower(author_name COLLATE "C"), -1 FROM old_rows WHERE deleted_at IS NULL
		UNION ALL
		SELECT 'category', pc.name, -1 FROM old_rows r JOIN post_categories pc ON pc.post_id = r.id
		WHERE r.deleted_at IS NULL
	) t GROUP BY kind, key HAVING SUM(d) <> 0 ORDER BY kind, key
	ON CONFLICT (kind, key) DO UPDATE SET n = totals.n + excluded.n;
	RETURN NULL;
END $$;

CREATE TRIGGER posts_totals_insert AFTER INSERT ON posts
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION posts_totals_insert();
CREATE TRIGGER posts_totals_delete AFTER DELETE ON posts
	REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION posts_totals_delete();
CREATE TRIGGER posts_totals_update AFTER UPDATE ON posts
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION posts_totals_update();

-- Categories: counted while their post is live.
CREATE FUNCTION post_categories_totals_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO totals (kind, key, n)
	SELECT 'category', r.name, COUNT(*) FROM new_rows r JOIN posts p ON p.id = r.post_id
	WHERE p.deleted_at IS NULL GROUP BY r.name ORDER BY r.name
	ON CONFLICT (kind, key) DO UPDATE SET n = totals.n + excluded.n;
	RETURN NULL;
END $$;

CREATE FUNCTION post_categories_totals_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE totals t SET n = t.n - d.n FROM (
		SELECT r.name, COUNT(*) AS n FROM old_rows r JOIN posts p ON p.id = r.post_id
		WHERE p.deleted_at IS NULL GROUP BY r.name ORDER BY r.name
	) d WHERE t.kind = 'category' AND t.key = d.name;
	RETURN NULL;
END $$;

CREATE FUNCTION post_categories_totals_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO totals (kind, key, n)
	SELECT 'category', name, SUM(d) FROM (
		SELECT r.name, 1 AS d FROM new_rows r JOIN posts p ON p.id = r.post_id WHERE p.deleted_at IS NULL
		UNION ALL
		SELECT r.name, -1 FROM old_rows r JOIN posts p ON p.id = r.post_id WHERE p.deleted_at IS NULL
	) t GROUP BY name HAVING SUM(d) <> 0 ORDER BY name
	ON CONFLICT (kind, key) DO UPDATE SET n = totals.n + excluded.n;
	RETURN NULL;
END $$;

CREATE TRIGGER post_categories_totals_insert AFTER INSERT ON post_categories
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION post_categories_totals_insert();
CREATE TRIGGER post_categories_totals_delete AFTER DELETE ON post_categories
	REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION post_categories_totals_delete();
CREATE TRIGGER post_categories_totals_update AFTER UPDATE ON post_categories
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION post_categories_totals_update();
