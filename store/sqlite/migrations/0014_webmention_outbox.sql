-- 0014: webmention_outbox: the Webmentions this site sends about its own
-- posts (store.Webmentions), one row per post and link target. A row
-- records the post's version (a hash of what the post shows) it was last
-- planned for and whether the post linked to the target then (present = 0:
-- the link was removed by an edit, or the post deleted, and the target is
-- told so); state says where its notification stands. Senders claim due
-- rows (claimed_until) so that processes sharing the database send each
-- once. Not copied by feedd migrate: what was sent concerns the
-- deployment that sent it.

CREATE TABLE webmention_outbox (
	post_id       TEXT    NOT NULL,
	target        TEXT    NOT NULL,
	post_version  TEXT    NOT NULL,
	present       INTEGER NOT NULL CHECK (present IN (0, 1)),
	state         TEXT    NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'no_endpoint')),
	endpoint      TEXT    NOT NULL DEFAULT '',
	attempts      INTEGER NOT NULL DEFAULT 0,
	next_attempt  INTEGER NOT NULL, -- unix seconds
	claimed_until INTEGER NOT NULL DEFAULT 0, -- unix seconds
	last_status   INTEGER NOT NULL DEFAULT 0,
	last_error    TEXT    NOT NULL DEFAULT '',
	updated       INTEGER NOT NULL, -- unix seconds
	PRIMARY KEY (post_id, target)
) STRICT, WITHOUT ROWID;

CREATE INDEX webmention_outbox_due_idx ON webmention_outbox (next_attempt) WHERE state = 'pending';

-- The change-log position up to which posts' links were planned: one row,
-- moved forward only, shared by the processes.
CREATE TABLE webmention_cursor (
	id  INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
	seq INTEGER NOT NULL
) STRICT;
