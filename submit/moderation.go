package submit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/feedd/feedd/feed"
)

// initialStatus decides the moderation status of a new comment from
// Config.Moderation. The admin's own comments are approved whatever the
// policy.
//
// First-time moderation recognizes a returning author by the e-mail
// address they give with their name (c.AuthorHash, see authorHash), which
// the public never sees, as WordPress does: a comment without an address,
// or under a known name with another address, is held. It spares regular
// readers the wait, it does not authenticate them. Moderators can still
// mark a comment spam after the fact.
func (s *Submitter) initialStatus(ctx context.Context, c *feed.Comment, admin bool) (feed.Status, error) {
	if admin {
		return feed.StatusApproved, nil
	}
	switch s.cfg.Moderation {
	case ModerationNone:
		return feed.StatusApproved, nil
	case ModerationFirstTime:
		known, err := s.st.HasApprovedAuthor(ctx, c.AuthorHash)
		if err != nil {
			return "", fmt.Errorf("first-time moderation of %q: %w", c.AuthorName, err)
		}
		if known {
			return feed.StatusApproved, nil
		}
	}
	return feed.StatusPending, nil
}

// checkCommentLimits applies the configured limits on a new comment, tighter
// than feed.Comment.Validate's: the lengths of content and author name (as
// Validate will trim it).
func (s *Submitter) checkCommentLimits(c *feed.Comment) error {
	if n := utf8.RuneCountInString(c.Content); n > s.cfg.MaxCommentLength {
		return feed.Errorf(feed.EINVALID, "content: longer than %d characters", s.cfg.MaxCommentLength)
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(c.AuthorName)); n > s.cfg.MaxAuthorLength {
		return feed.Errorf(feed.EINVALID, "author: longer than %d characters", s.cfg.MaxAuthorLength)
	}
	return nil
}

// checkParent checks that a reply answers an approved, live comment of the
// same post and stays within Config.MaxDepth, and sets c.Depth. The store
// checks the parent again when it writes; this check gives the reasons
// without telling whether a comment under moderation exists.
func (s *Submitter) checkParent(ctx context.Context, c *feed.Comment) error {
	if c.ParentID == "" {
		c.Depth = 0
		return nil
	}
	parent, err := s.st.Comment(ctx, c.ParentID)
	switch feed.ErrorCode(err) {
	case "":
	case feed.ENOTFOUND, feed.EGONE:
		parent = nil
	default:
		return fmt.Errorf("parent of a new comment: %w", err)
	}
	if parent == nil || parent.PostID != c.PostID || parent.Status != feed.StatusApproved {
		return feed.Errorf(feed.EINVALID, "parent_id: no comment %q on this post to reply to", c.ParentID)
	}
	if parent.Depth+1 >= s.cfg.MaxDepth {
		return feed.Errorf(feed.EINVALID, "parent_id: replies nest at most %d levels deep; answer an earlier comment of the thread", s.cfg.MaxDepth-1)
	}
	c.Depth = parent.Depth + 1
	return nil
}

// maxEmailBytes bounds an e-mail address (RFC 5321's path limit).
const maxEmailBytes = 254

// checkEmail validates the e-mail address a commenter gave, "" for none,
// and returns it trimmed: a bare address (net/mail; no display name), at
// most maxEmailBytes bytes.
func checkEmail(email string) (string, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return "", nil
	}
	if len(email) > maxEmailBytes {
		return "", feed.Errorf(feed.EINVALID, "author_email: longer than %d bytes", maxEmailBytes)
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Name != "" || a.Address != email || !strings.Contains(a.Address, "@") {
		return "", feed.Errorf(feed.EINVALID, "author_email: not an e-mail address")
	}
	return email, nil
}

// authorHashSecret names the store secret that keys authorHash.
const authorHashSecret = "author-hash"

// authorHash returns the hash that recognizes an author for first-time
// moderation: HMAC-SHA256, keyed with the install's secret, of the
// lower-cased trimmed e-mail address and the lower-cased name, joined by
// a newline. Only the hash is stored; without the key it cannot be
// checked against guessed addresses.
func (s *Submitter) authorHash(ctx context.Context, email, name string) (string, error) {
	key, err := s.authorHashKey(ctx)
	if err != nil {
		return "", fmt.Errorf("author hash key: %w", err)
	}
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(strings.ToLower(strings.TrimSpace(email)) + "\n" + strings.ToLower(strings.TrimSpace(name))))
	return hex.EncodeToString(m.Sum(nil)), nil
}

// authorHashKey returns the author-hash secret, read from the store the
// first time (and again after a failed read).
func (s *Submitter) authorHashKey(ctx context.Context) (string, error) {
	s.hashKeyMu.Lock()
	defer s.hashKeyMu.Unlock()
	if s.hashKey == "" {
		key, err := s.st.Secret(ctx, authorHashSecret, false)
		if err != nil {
			return "", err
		}
		s.hashKey = key
	}
	return s.hashKey, nil
}
