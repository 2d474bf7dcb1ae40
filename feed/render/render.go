// Package render turns feedd's domain types into Atom, RSS 2.0 and JSON Feed
// 1.1 documents. It is the only place feed bytes are produced.
package render

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/feedd/feedd/feed"
)

// Options configure a Renderer.
type Options struct {
	Title         string        // site.title
	BaseURL       string        // site.base_url: absolute http(s) URL
	TTL           time.Duration // feeds.max_age; RSS <ttl> in minutes
	CommentCounts bool          // feeds.comment_counts: thr:count / slash:comments on posts
}

// Renderer renders feeds for one site. It is safe for concurrent use.
type Renderer struct {
	opts Options
	base *url.URL // BaseURL parsed, without a trailing slash in Path
}

// New returns a Renderer, or an error if the options are unusable.
func New(o Options) (*Renderer, error) {
	u, err := url.Parse(o.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("base URL %q: must be an absolute http or https URL", o.BaseURL)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	return &Renderer{opts: o, base: u}, nil
}

// Posts renders the posts feed. counts holds comment counts per post and is
// used only with Options.CommentCounts. It returns the document and the
// feed's last change (the newest Updated among its entries).
func (r *Renderer) Posts(f feed.Format, posts []*feed.Post, counts map[string]int) ([]byte, time.Time, error) {
	panic("TODO")
}

// Comments renders the site-wide comments feed.
func (r *Renderer) Comments(f feed.Format, comments []*feed.Comment) ([]byte, time.Time, error) {
	panic("TODO")
}

// Thread renders the comment feed of one post.
func (r *Renderer) Thread(f feed.Format, post *feed.Post, comments []*feed.Comment) ([]byte, time.Time, error) {
	panic("TODO")
}
