-- 0006: websub: the verified subscriptions of feedd's built-in WebSub hub
-- (store.Store's SaveSubscription and the methods after it; the PostgreSQL
-- twin of store/sqlite/migrations/0006_websub.sql).
--
-- A subscriber holds one lease per (topic, callback): a renewal replaces
-- the row's secret and expiry and keeps created, the time it was first
-- verified. expires and created are unix seconds, as everywhere here.
-- secret is BYTEA: hub.secret is up to 200 bytes of whatever the
-- subscriber sent, which need not be valid UTF-8 nor free of NUL (TEXT
-- would refuse both), and the HMAC keys on the bytes; the empty value
-- means unsigned deliveries. URLs are COLLATE "C" so that listings order
-- by bytes, as SQLite does.

CREATE TABLE subscriptions (
	topic    TEXT COLLATE "C" NOT NULL, -- the feed URL subscribed to
	callback TEXT COLLATE "C" NOT NULL, -- where content is delivered
	secret   BYTEA  NOT NULL,
	expires  BIGINT NOT NULL, -- unix seconds: the end of the lease
	created  BIGINT NOT NULL, -- unix seconds: the first verification
	PRIMARY KEY (topic, callback)
);

-- The expiry sweep (ExpireSubscriptions) deletes by expires without a scan.
CREATE INDEX subscriptions_expires_idx ON subscriptions (expires);
