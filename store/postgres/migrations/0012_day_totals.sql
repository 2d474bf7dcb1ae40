-- 0012: day_totals: the sizes of the two long selections, the posts feed
-- ('posts': live posts) and the site comments feed ('comments': live
-- approved comments), per day of publication, kept as they change like
-- totals (0007), so that a read deep into either (an archive in the
-- middle, a far start-index) finds the day its window starts on by
-- summing day rows, and skips only within that day, instead of skipping
-- up to half the table (see sqlstore's seek).
--
-- day is (published + 86400000000) / 86400: days counted from a million
-- days before 1970, so that every date feedd takes is a positive number
-- and the division floors. A row whose count falls to 0 stays.

CREATE TABLE day_totals (
	kind TEXT   NOT NULL,
	day  BIGINT NOT NULL,
	n    BIGINT NOT NULL,
	PRIMARY KEY (kind, day)
);

INSERT INTO day_totals (kind, day, n)
SELECT 'posts', (published + 86400000000) / 86400, COUNT(*) FROM posts WHERE deleted_at IS NULL
GROUP BY 2;
INSERT INTO day_totals (kind, day, n)
SELECT 'comments', (published + 86400000000) / 86400, COUNT(*) FROM comments
WHERE deleted_at IS NULL AND status = 'approved'
GROUP BY 2;

-- One function per table: the change of each day's count over the rows
-- a statement touched (transition tables are empty for the events that
-- lack them), applied in the order of the days, as totals' are.
CREATE FUNCTION comments_days() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO day_totals (kind, day, n)
		SELECT 'comments', (published + 86400000000) / 86400, COUNT(*) FROM new_rows
		WHERE deleted_at IS NULL AND status = 'approved' GROUP BY 2 ORDER BY 2
		ON CONFLICT (kind, day) DO UPDATE SET n = day_totals.n + excluded.n;
	ELSIF TG_OP = 'DELETE' THEN
		UPDATE day_totals t SET n = t.n - d.n FROM (
			SELECT (published + 86400000000) / 86400 AS day, COUNT(*) AS n FROM old_rows
			WHERE deleted_at IS NULL AND status = 'approved' GROUP BY 1 ORDER BY 1
		) d WHERE t.kind = 'comments' AND t.day = d.day;
	ELSE
		INSERT INTO day_totals (kind, day, n)
		SELECT 'comments', day, SUM(d) FROM (
			SELECT (published + 86400000000) / 86400 AS day, 1 AS d FROM new_rows
			WHERE deleted_at IS NULL AND status = 'approved'
			UNION ALL
			SELECT (published + 86400000000) / 86400, -1 FROM old_rows
			WHERE deleted_at IS NULL AND status = 'approved'
		) x GROUP BY day HAVING SUM(d) <> 0 ORDER BY day
		ON CONFLICT (kind, day) DO UPDATE SET n = day_totals.n + excluded.n;
	END IF;
	RETURN NULL;
END $$;

CREATE FUNCTION posts_days() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO day_totals (kind, day, n)
		SELECT 'posts', (published + 86400000000) / 86400, COUNT(*) FROM new_rows
		WHERE deleted_at IS NULL GROUP BY 2 ORDER BY 2
		ON CONFLICT (kind, day) DO UPDATE SET n = day_totals.n + excluded.n;
	ELSIF TG_OP = 'DELETE' THEN
		UPDATE day_totals t SET n = t.n - d.n FROM (
			SELECT (published + 86400000000) / 86400 AS day, COUNT(*) AS n FROM old_rows
			WHERE deleted_at IS NULL GROUP BY 1 ORDER BY 1
		) d WHERE t.kind = 'posts' AND t.day = d.day;
	ELSE
		INSERT INTO day_totals (kind, day, n)
		SELECT 'posts', day, SUM(d) FROM (
			SELECT (published + 86400000000) / 86400 AS day, 1 AS d FROM new_rows WHERE deleted_at IS NULL
			UNION ALL
			SELECT (published + 86400000000) / 86400, -1 FROM old_rows WHERE deleted_at IS NULL
		) x GROUP BY day HAVING SUM(d) <> 0 ORDER BY day
		ON CONFLICT (kind, day) DO UPDATE SET n = day_totals.n + excluded.n;
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER comments_days_insert AFTER INSERT ON comments
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION comments_days();
CREATE TRIGGER comments_days_delete AFTER DELETE ON comments
	REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION comments_days();
CREATE TRIGGER comments_days_update AFTER UPDATE ON comments
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION comments_days();
CREATE TRIGGER posts_days_insert AFTER INSERT ON posts
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION posts_days();
CREATE TRIGGER posts_days_delete AFTER DELETE ON posts
	REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION posts_days();
CREATE TRIGGER posts_days_update AFTER UPDATE ON posts
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION posts_days();
