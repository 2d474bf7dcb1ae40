-- 0011: reserved for the receiving side of Webmention (branch
-- webmention-recv), built in parallel with the sending side (0012): this
-- placeholder keeps the numbering without gaps on the sending branch alone.
-- Merging both branches drops this file for theirs.
SELECT 1;
