-- Run once by the postgres image on an empty data directory: the schema
-- that feedd's DSN names in its search_path. feedd creates its tables in it.
CREATE SCHEMA IF NOT EXISTS blog;
