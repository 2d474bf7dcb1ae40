-- 0005: views: indexes for the orders and selections of feed views
-- (feed.View): pages and archives, category and author feeds, and
-- Blogger-style queries ordered by updated (store.PostFilter and
-- store.CommentFilter).
--
-- Each index holds one order newest first; Ascending reads (archives,
-- oldest first) walk the same index backwards. Like those of 0002 they
-- are partial: every live read says "deleted_at IS NULL" literally.
-- Time bounds are ranges on the leading time column (after the equality
-- columns), and an Offset skips rows of the index in order instead of
-- sorting the whole selection. Category feeds need no new index: each
-- post the walk meets is probed on the (post_id, name) key of
-- post_categories.

-- The posts feed by Updated (orderby=updated): ORDER BY updated DESC, id DESC.
CREATE INDEX posts_updated_idx ON posts (updated DESC, id DESC) WHERE deleted_at IS NULL;
-- Author feeds, newest first: lower(author_name) is the very expression
-- the query compares (SQLite uses an index on an expression only for the
-- same expression); SQLite's lower() folds ASCII letters only, as
-- store.PostFilter.Author asks.
CREATE INDEX posts_author_idx ON posts (lower(author_name), published DESC, id DESC)
	WHERE deleted_at IS NULL;

-- One thread by Updated, the twin of comments_thread_idx (0002): the
-- status is an equality column there too, so that the feeds (approved)
-- read it in order and stop at the LIMIT.
CREATE INDEX comments_thread_updated_idx ON comments (post_id, status, updated DESC, id DESC)
	WHERE deleted_at IS NULL;
-- Every comment of a status by Updated, the twin of comments_status_idx:
-- the site comments feed with orderby=updated.
CREATE INDEX comments_status_updated_idx ON comments (status, updated DESC, id DESC)
	WHERE deleted_at IS NULL;
