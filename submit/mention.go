package submit

import (
	"context"
	"net/url"
	"strings"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// Mention stores a verified Webmention (package webmention) as a comment
// of its post: c carries PostID, Kind, SourceURL, the author, content and
// the dates its source gives (zero for the store's clock). Content and
// author name longer than Config's limits are cut short, with an
// ellipsis, rather than refused: they are the source's, not a reader's.
//
// A new mention gets its status from the moderation policy as a reader's
// comment does, never the admin's: under first-time moderation a site
// (the source's host) whose earlier mention was approved is known. A
// mention of the post from the same source that is there already is
// updated in place instead (content, author, kind; its id, status and
// dates kept, Updated moved), and nothing is written when nothing
// differs. It returns the mention as stored and whether it wrote; the
// write is in the cached feeds when it returns.
func (s *Submitter) Mention(ctx context.Context, c *feed.Comment) (*feed.Comment, bool, error) {
	q := *c
	q.AuthorName = feed.Shorten(strings.TrimSpace(feed.CleanLine(q.AuthorName)), s.cfg.MaxAuthorLength)
	q.Content = feed.Shorten(q.Content, s.cfg.MaxCommentLength)
	if err := q.Validate(); err != nil {
		return nil, false, err
	}
	ctx, wrote := store.Track(ctx)
	old, err := s.st.Mention(ctx, q.PostID, q.SourceURL)
	switch feed.ErrorCode(err) {
	case "":
		if old.Content == q.Content && old.AuthorName == q.AuthorName && old.AuthorURI == q.AuthorURI && old.Kind == q.Kind {
			return old, false, nil
		}
		stored, err := s.st.UpdateComment(ctx, old.ID, store.CommentUpdate{
			Content: &q.Content, AuthorName: &q.AuthorName, AuthorURI: &q.AuthorURI, Kind: &q.Kind,
		})
		if err != nil {
			return nil, false, err
		}
		s.sync(ctx, wrote, stored)
		return stored, true, nil
	case feed.ENOTFOUND:
	default:
		return nil, false, err
	}
	u, err := url.Parse(q.SourceURL)
	if err != nil {
		return nil, false, feed.Errorf(feed.EINVALID, "source_url: %v", err)
	}
	// The hash of a site, not of an e-mail address: a name no address
	// can have, so that no reader's hash equals it.
	if q.AuthorHash, err = s.authorHash(ctx, "webmention from "+strings.ToLower(u.Hostname()), ""); err != nil {
		return nil, false, err
	}
	if q.Status, err = s.initialStatus(ctx, &q, false); err != nil {
		return nil, false, err
	}
	q.ID = ""
	if err := s.st.CreateComment(ctx, &q); err != nil {
		return nil, false, err
	}
	s.sync(ctx, wrote, &q)
	return &q, true, nil
}

// sync waits for the cache to have applied the writes of wrote.
func (s *Submitter) sync(ctx context.Context, wrote *store.Writes, c *feed.Comment) {
	if err := s.cache.Sync(ctx, wrote.Seq()); err != nil && ctx.Err() == nil {
		s.log.Warn("mention stored, but the cache did not catch up", "comment_id", c.ID, "err", err)
	}
}
