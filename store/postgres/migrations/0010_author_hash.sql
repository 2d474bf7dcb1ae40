-- 0010: author_hash: first-time moderation recognizes a returning commenter
-- by a keyed hash of the e-mail address they give with their name
-- (HMAC-SHA256 keyed with the secret "author-hash"), which the public
-- cannot see, instead of author_key (name and URI, both shown on every
-- comment). '' for comments without an address: never recognized.

ALTER TABLE comments ADD COLUMN author_hash TEXT NOT NULL DEFAULT '';

CREATE INDEX comments_author_hash_idx ON comments (author_hash)
	WHERE status = 'approved' AND deleted_at IS NULL AND author_hash <> '';
