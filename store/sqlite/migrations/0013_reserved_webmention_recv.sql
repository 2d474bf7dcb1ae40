-- 0013: reserved for the receiving side of Webmention (branch
-- webmention-recv, whose 0011_mentions main's own 0011 and 0012 push to
-- 0013), built in parallel with the sending side (0014): this placeholder
-- keeps the numbering without gaps on the sending branch alone. Merging
-- both branches drops this file for theirs.
SELECT 1;
