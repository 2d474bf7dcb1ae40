package render

import (
	"time"

	"github.com/feedd/feedd/feed"
)

// ModerationPath is the path under the site's base URL of the private
// moderation feed's id ({base}/admin/feed), and AdminPath the admin page
// each of its entries links as rel="edit".
const (
	ModerationPath = "/admin/feed"
	AdminPath      = "/admin/"
)

// ModerationID returns the Atom id of the moderation feed: {base}/admin/feed,
// the same whatever the secret key in its URL.
func (r *Renderer) ModerationID() string { return r.root + ModerationPath }

// Moderation renders, as Atom, the private moderation feed: the comments
// waiting for moderation (the caller selects them, pending, newest first)
// under the title "Pending comments — SITE TITLE". self is the feed's own
// (secret) URL, written as its rel="self" link. Each entry is the comment
// as the site comments feed renders it (author, the comment's derived HTML,
// its post's title, a link to the comment on its post's page) with a
// rel="edit" link to the admin page ({base}/admin/). The feed advertises no
// WebSub hub and carries no stylesheet. It returns the document and its last
// change, as Comments does.
func (r *Renderer) Moderation(comments []*feed.Comment, self string) ([]byte, time.Time, error) {
	doc := &document{
		ref:         feed.CommentsFeed,
		id:          r.ModerationID(),
		title:       "Pending comments \u2014 " + r.site.name,
		description: "Comments waiting for moderation on " + r.site.name,
		self:        line(self),
		alternate:   r.root + AdminPath,
		private:     true,
	}
	also := make([]time.Time, 0, len(comments))
	for _, c := range comments {
		if c != nil {
			e := r.commentEntry(c, c.PostID, c.PostTitle)
			e.edit = r.root + AdminPath
			doc.entries = append(doc.entries, e)
			also = append(also, c.PostUpdated)
		}
	}
	doc.finish(epoch, also...)
	b, err := r.atom(doc)
	if err != nil {
		return nil, time.Time{}, err
	}
	return b, doc.updated, nil
}

// ModerationSelf returns the moderation feed's URL for key:
// {base}/admin/feed/{key}.atom.
func (r *Renderer) ModerationSelf(key string) string {
	return r.root + ModerationPath + "/" + key + ".atom"
}
