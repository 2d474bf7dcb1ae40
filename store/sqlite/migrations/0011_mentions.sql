-- 0011: mentions: Webmentions received from other sites are comments of
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
