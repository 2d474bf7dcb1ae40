-- 0011: derived_images: the comment image mode (comments.images, see
-- content.SetCommentImages) the comments' HTML was derived under, beside
-- html_derived's version. The start-up pass (store.Deriver) re-derives the
-- comments that hold an image when the configured mode differs from it.
-- Rows derived before this migration dropped their images.
--
-- And comments.author_key goes: first-time moderation knows an author by
-- the keyed hash of the e-mail address given (0010, author_hash), and
-- nothing reads the name-and-URI key any more; its index cost every
-- comment written an index update.

ALTER TABLE html_derived ADD COLUMN comment_images TEXT NOT NULL DEFAULT 'drop';

DROP INDEX comments_author_idx;
ALTER TABLE comments DROP COLUMN author_key;
