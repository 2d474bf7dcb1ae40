-- 0004: cluster: the claims of scheduled jobs, so that feedd processes
-- sharing one database run each job once per period (store.JobClaimer).
--
-- claimed_at is unix MILLISECONDS, unlike the other times here: a job may
-- run every second, and whole seconds could not tell 0.9 s from 1.4 s.
-- A row is written by the first claim of its job and moved by each later
-- successful one; nothing else reads it, and a whole-store copy leaves it
-- behind (claims concern the processes of one deployment).

CREATE TABLE jobs (
	name       TEXT    NOT NULL PRIMARY KEY,
	claimed_at INTEGER NOT NULL -- unix milliseconds of the last claim
) STRICT, WITHOUT ROWID;
