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
	kind TEXT    NOT NULL,
	day  INTEGER NOT NULL,
	n    INTEGER NOT NULL,
	PRIMARY KEY (kind, day)
) STRICT, WITHOUT ROWID;

INSERT INTO day_totals (kind, day, n)
SELECT 'posts', (published + 86400000000) / 86400, COUNT(*) FROM posts WHERE deleted_at IS NULL
GROUP BY (published + 86400000000) / 86400;
INSERT INTO day_totals (kind, day, n)
SELECT 'comments', (published + 86400000000) / 86400, COUNT(*) FROM comments
WHERE deleted_at IS NULL AND status = 'approved'
GROUP BY (published + 86400000000) / 86400;

CREATE TRIGGER comments_days_insert AFTER INSERT ON comments
WHEN NEW.deleted_at IS NULL AND NEW.status = 'approved'
BEGIN
	INSERT INTO day_totals (kind, day, n) VALUES ('comments', (NEW.published + 86400000000) / 86400, 1)
	ON CONFLICT (kind, day) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER comments_days_delete AFTER DELETE ON comments
WHEN OLD.deleted_at IS NULL AND OLD.status = 'approved'
BEGIN
	UPDATE day_totals SET n = n - 1 WHERE kind = 'comments' AND day = (OLD.published + 86400000000) / 86400;
END;

CREATE TRIGGER comments_days_update_old AFTER UPDATE OF status, deleted_at, published ON comments
WHEN OLD.deleted_at IS NULL AND OLD.status = 'approved'
BEGIN
	UPDATE day_totals SET n = n - 1 WHERE kind = 'comments' AND day = (OLD.published + 86400000000) / 86400;
END;

CREATE TRIGGER comments_days_update_new AFTER UPDATE OF status, deleted_at, published ON comments
WHEN NEW.deleted_at IS NULL AND NEW.status = 'approved'
BEGIN
	INSERT INTO day_totals (kind, day, n) VALUES ('comments', (NEW.published + 86400000000) / 86400, 1)
	ON CONFLICT (kind, day) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER posts_days_insert AFTER INSERT ON posts
WHEN NEW.deleted_at IS NULL
BEGIN
	INSERT INTO day_totals (kind, day, n) VALUES ('posts', (NEW.published + 86400000000) / 86400, 1)
	ON CONFLICT (kind, day) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER posts_days_delete AFTER DELETE ON posts
WHEN OLD.deleted_at IS NULL
BEGIN
	UPDATE day_totals SET n = n - 1 WHERE kind = 'posts' AND day = (OLD.published + 86400000000) / 86400;
END;

CREATE TRIGGER posts_days_update_old AFTER UPDATE OF deleted_at, published ON posts
WHEN OLD.deleted_at IS NULL
BEGIN
	UPDATE day_totals SET n = n - 1 WHERE kind = 'posts' AND day = (OLD.published + 86400000000) / 86400;
END;

CREATE TRIGGER posts_days_update_new AFTER UPDATE OF deleted_at, published ON posts
WHEN NEW.deleted_at IS NULL
BEGIN
	INSERT INTO day_totals (kind, day, n) VALUES ('posts', (NEW.published + 86400000000) / 86400, 1)
	ON CONFLICT (kind, day) DO UPDATE SET n = n + 1;
END;
