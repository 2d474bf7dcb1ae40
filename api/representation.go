package api

import (
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
)

// apiPost is a post as the API shows it. content_html is the sanitized HTML
// that the feeds carry too; the content as stored, which may hold anything
// its author typed, and its format are shown to the admin only.
type apiPost struct {
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	Title       string    `json:"title"`
	Summary     string    `json:"summary,omitempty"` // plain text
	AuthorName  string    `json:"author,omitempty"`
	AuthorURI   string    `json:"author_uri,omitempty"`
	Categories  []string  `json:"categories,omitempty"`
	Published   time.Time `json:"published"` // RFC 3339
	Updated     time.Time `json:"updated"`
	ContentHTML string    `json:"content_html"`
	Content     *string   `json:"content,omitempty"` // admin only
	Format      string    `json:"format,omitempty"`  // admin only
	// Origin tells where a mirrored post came from.
	Origin *feed.Origin `json:"origin,omitempty"`
}

// apiComment is a comment as the API shows it; see apiPost for content.
// parent_id is null for a comment on the post itself.
type apiComment struct {
	ID          string      `json:"id"`
	URL         string      `json:"url"`
	PostID      string      `json:"post_id"`
	ParentID    *string     `json:"parent_id"`
	AuthorName  string      `json:"author"`
	AuthorURI   string      `json:"author_uri,omitempty"`
	Status      feed.Status `json:"status"`
	Depth       int         `json:"depth"`
	Published   time.Time   `json:"published"` // RFC 3339
	Updated     time.Time   `json:"updated"`
	ContentHTML string      `json:"content_html"`
	Content     *string     `json:"content,omitempty"` // admin only
	// Origin tells where a mirrored comment came from.
	Origin *feed.Origin `json:"origin,omitempty"`
}

// apiPostList is the answer of GET /api/posts.
type apiPostList struct {
	Posts      []apiPost `json:"posts"`
	NextCursor string    `json:"next_cursor,omitempty"`
}

// apiThread is the answer of GET /api/posts/{post}/comments.
type apiThread struct {
	PostID   string       `json:"post_id"`
	Comments []apiComment `json:"comments"`
}

// newAPIPost returns the representation of p; admin adds the raw content.
func (s *API) newAPIPost(p *feed.Post, admin bool) apiPost {
	a := apiPost{
		ID:          p.ID,
		URL:         s.r.PostURL(p.ID),
		Title:       p.Title,
		Summary:     p.Summary,
		AuthorName:  p.AuthorName,
		AuthorURI:   p.AuthorURI,
		Categories:  p.Categories,
		Published:   p.Published.UTC(),
		Updated:     p.Updated.UTC(),
		ContentHTML: content.PostHTML(p),
		Origin:      p.Origin,
	}
	if admin {
		raw := p.Content
		a.Content, a.Format = &raw, p.Format
	}
	return a
}

// newAPIComment returns the representation of c; admin adds the raw
// content.
func (s *API) newAPIComment(c *feed.Comment, admin bool) apiComment {
	a := apiComment{
		ID:          c.ID,
		URL:         s.r.CommentURL(c.PostID, c.ID),
		PostID:      c.PostID,
		AuthorName:  c.AuthorName,
		AuthorURI:   c.AuthorURI,
		Status:      c.Status,
		Depth:       c.Depth,
		Published:   c.Published.UTC(),
		Updated:     c.Updated.UTC(),
		ContentHTML: content.CommentHTML(c),
		Origin:      c.Origin,
	}
	if c.ParentID != "" {
		parent := c.ParentID
		a.ParentID = &parent
	}
	if admin {
		raw := c.Content
		a.Content = &raw
	}
	return a
}
