-- 0006: websub: the verified subscriptions of feedd's built-in WebSub hub
-- (store.Store's SaveSubscription and the methods after it).
--
-- A subscriber holds one lease per (topic, callback): a renewal replaces
-- the row's secret and expiry and keeps created, the time it was first
-- verified. expires and created are unix seconds, as everywhere here.
-- secret is a BLOB: hub.secret is up to 200 bytes of whatever the
-- subscriber sent, which need not be text, and the HMAC keys on the
-- bytes; the empty BLOB means unsigned deliveries.

CREATE TABLE subscriptions (
	topic    TEXT    NOT NULL, -- the feed URL subscribed to
	callback TEXT    NOT NULL, -- where content is delivered
	secret   BLOB    NOT NULL,
	expires  INTEGER NOT NULL, -- unix seconds: the end of the lease
	created  INTEGER NOT NULL, -- unix seconds: the first verification
	PRIMARY KEY (topic, callback)
) STRICT, WITHOUT ROWID;

-- The expiry sweep (ExpireSubscriptions) deletes by expires without a scan.
CREATE INDEX subscriptions_expires_idx ON subscriptions (expires);
