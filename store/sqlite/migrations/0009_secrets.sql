-- 0009: secrets: this install's own random secrets, by name (store.Secrets):
-- the key of the private moderation feed's URL, the key that hashes
-- commenters' e-mail addresses. Made the first time they are asked for,
-- replaced when rotated, copied by feedd migrate.

CREATE TABLE secrets (
	name    TEXT PRIMARY KEY,
	value   TEXT NOT NULL,
	created INTEGER NOT NULL -- unix seconds
) STRICT;
