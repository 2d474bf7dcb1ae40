// Package render turns feedd's domain types into Atom, RSS 2.0 and JSON Feed
// 1.1 documents. It is the only place feed bytes are produced.
//
// Documents are built with the structs of github.com/gorilla/feeds, embedded
// in this package's own types where a feed needs more (threading, several
// links, categories, JSON Feed extensions) and written with encoding/xml and
// encoding/json. Rendering is deterministic: the same input gives the same
// bytes, with no clock and no random ids. Every string is cleaned of
// characters XML forbids, so any stored text gives well-formed XML and valid
// JSON, and the output is meant to pass the W3C Feed Validation Service
// without errors or warnings.
//
// Content is made safe by package content (posts under a rich HTML policy,
// Markdown converted first; comments under a small one), then its relative
// URLs are resolved; the same HTML goes to every format. Names and titles
// are written as text, cleaned by content.Line. Atom feeds carry deleted
// entries as RFC 6721 tombstones.
//
// Render renders any document of a feed (Doc): its head, a page or archive
// of it (RFC 5005, see nav.go), a category, author or summary selection, a
// Blogger-style query (OpenSearch counts, start-index links), or a digest
// (digest.go). Every document advertises the WebSub hubs of Options.Hubs
// and carries cache hints that agree with MaxAge (hints.go).
package render

import (
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/feedd/feedd/feed"
)

// Options configure a Renderer.
type Options struct {
	Title         string        // site.title
	BaseURL       string        // site.base_url: absolute http(s) URL
	TTL           time.Duration // feeds.max_age: MaxAge of every document but archives
	CommentCounts bool          // feeds.comment_counts: thr:count / slash:comments on posts
	// Hubs are the WebSub hubs every document advertises (rel="hub"):
	// absolute http or https URLs, in the order given.
	Hubs []string
	// Webmention advertises the Webmention endpoint (WebmentionURL) in
	// every thread feed, for the post it comments (webmention.receive).
	Webmention bool
	// Location is the site's time zone (site.timezone), in which digest
	// periods are dated (entry ids and titles); nil means UTC.
	Location *time.Location
}

// Renderer renders feeds for one site. It is safe for concurrent use.
type Renderer struct {
	opts Options
	root string // canonical base URL that every URL starts with, see canonicalBase
	site person // the site as an author: its title (or host) and home page
	hubs []string
	loc  *time.Location // Options.Location, or UTC
}

// New returns a Renderer, or an error if the options are unusable.
func New(o Options) (*Renderer, error) {
	u, err := url.Parse(o.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("base URL %q: must be an absolute http or https URL", o.BaseURL)
	}
	r := &Renderer{opts: o, root: canonicalBase(u), loc: o.Location}
	if r.loc == nil {
		r.loc = time.UTC
	}
	for _, h := range o.Hubs {
		hu, err := url.Parse(h)
		// The hub is written as given, so it must be in the form url
		// writes it (no spaces, no stray characters).
		if err != nil || (hu.Scheme != "http" && hu.Scheme != "https") || hu.Host == "" || hu.Fragment != "" || hu.String() != h || line(h) != h {
			return nil, fmt.Errorf("hub URL %q: must be an absolute http or https URL", h)
		}
		r.hubs = append(r.hubs, h)
	}
	r.opts.Hubs = r.hubs
	r.site = person{name: line(o.Title), uri: r.HomeURL()}
	if r.site.name == "" {
		r.site.name = u.Hostname() // feeds and Atom authors need a non-blank name
	}
	return r, nil
}

// WebmentionEndpoint returns the Webmention endpoint that post pages and
// thread feeds advertise (rel="webmention"), "" without Options.Webmention.
func (r *Renderer) WebmentionEndpoint() string {
	if !r.opts.Webmention {
		return ""
	}
	return r.WebmentionURL()
}

// Hubs returns the WebSub hubs that every document advertises
// (Options.Hubs), as a copy.
func (r *Renderer) Hubs() []string { return slices.Clone(r.hubs) }

// ttlMinutes returns d in whole minutes, rounded up and at least 1, as RSS
// <ttl> wants a positive number of minutes.
func ttlMinutes(d time.Duration) int {
	m := int((d + time.Minute - 1) / time.Minute)
	return max(m, 1)
}

// Posts renders the head of the posts feed: Render with a Doc of only
// posts, stats and tombstones, and no Nav, so without RFC 5005 markup.
// stats holds each post's comment count and newest comment and is used
// only with Options.CommentCounts. gone lists deleted posts, which Atom
// feeds carry as RFC 6721 tombstones. It returns the document and the
// feed's last change: the newest Updated among its entries, the newest
// deletion in gone and, with comment counts, the newest comment of each
// post, so that it moves whenever the bytes change (in any format: a
// deletion removes an entry from RSS and JSON Feed too).
//
// The posts are rendered in the order given, which should be newest first,
// and so are the tombstones. Without entries and tombstones the feed's last
// change is a fixed date (2000-01-01). Times are returned as rendered: in
// UTC, truncated to seconds.
//
// Content is the HTML sanitized when the post was written, which it
// carries (content.PostHTML: derived on the way only for a post that
// carries none of this content.Version), its relative URLs resolved
// against the entry's permalink.
func (r *Renderer) Posts(f feed.Format, posts []*feed.Post, stats map[string]feed.ThreadStats, gone []feed.Tombstone) ([]byte, time.Time, error) {
	return r.Render(f, &Doc{Ref: feed.PostsFeed, Posts: posts, Stats: stats, Gone: gone})
}

// Comments renders the head of the site-wide comments feed. Each comment's
// PostTitle names its post in the entry title. gone lists deleted comments
// (and the comments of deleted posts). Like Posts, it returns the document
// and its last change, which counts each comment's PostUpdated too, as an
// edit of a post's title changes its comments' entry titles. Content is
// the HTML sanitized when the comment was written (content.CommentHTML).
func (r *Renderer) Comments(f feed.Format, comments []*feed.Comment, gone []feed.Tombstone) ([]byte, time.Time, error) {
	return r.Render(f, &Doc{Ref: feed.CommentsFeed, Comments: comments, Gone: gone})
}

// Thread renders the head of the comment feed of one post. The comments
// are taken to belong to post, whose id and title their entries use; gone
// lists the post's deleted comments. Like Posts, it returns the document
// and its last change: the newest of the post's and the comments' Updated
// and of the deletions, as the post's title shows in the feed.
func (r *Renderer) Thread(f feed.Format, post *feed.Post, comments []*feed.Comment, gone []feed.Tombstone) ([]byte, time.Time, error) {
	if post == nil {
		return nil, time.Time{}, feed.Errorf(feed.EINVALID, "thread feed: no post")
	}
	return r.Render(f, &Doc{Ref: feed.ThreadFeed(post.ID), Post: post, Comments: comments, Gone: gone})
}

// postsDoc returns the document of a posts feed. Archives leave comment
// counts out (see Doc), so they count no stats either.
func (r *Renderer) postsDoc(d *Doc) *document {
	doc := &document{
		title:       r.site.name,
		description: "Latest posts on " + r.site.name,
	}
	counts := r.opts.CommentCounts && d.View.Archive == 0
	for _, p := range d.Posts {
		if p != nil {
			doc.entries = append(doc.entries, r.postEntry(p, d.Stats, counts))
		}
	}
	var also []time.Time
	if counts {
		for _, p := range d.Posts {
			if p != nil {
				also = append(also, d.Stats[p.ID].Updated)
			}
		}
	}
	doc.gone = r.tombstones(d.Gone, "")
	doc.finish(epoch, also...)
	return doc
}

// commentsDoc returns the document of the site comments feed.
func (r *Renderer) commentsDoc(d *Doc) *document {
	doc := &document{
		title:       "Comments on " + r.site.name,
		description: "Latest comments on " + r.site.name,
	}
	also := make([]time.Time, 0, len(d.Comments))
	for _, c := range d.Comments {
		if c != nil {
			doc.entries = append(doc.entries, r.commentEntry(c, c.PostID, c.PostTitle))
			also = append(also, c.PostUpdated)
		}
	}
	doc.gone = r.tombstones(d.Gone, "")
	doc.finish(epoch, also...)
	return doc
}

// threadDoc returns the document of a thread feed, or an error without
// d.Post.
func (r *Renderer) threadDoc(d *Doc) (*document, error) {
	post := d.Post
	if post == nil {
		return nil, feed.Errorf(feed.EINVALID, "thread feed: no post")
	}
	if post.ID != d.Ref.PostID {
		return nil, feed.Errorf(feed.EINVALID, "thread feed of %q: post %q", d.Ref.PostID, post.ID)
	}
	title := postTitle(post)
	doc := &document{
		title:       "Comments on \u2018" + title + "\u2019",
		description: "Comments on \u2018" + title + "\u2019 on " + r.site.name,
	}
	for _, c := range d.Comments {
		if c != nil {
			doc.entries = append(doc.entries, r.commentEntry(c, post.ID, title))
		}
	}
	doc.gone = r.tombstones(d.Gone, post.ID)
	_, updated := entryDates(post.Published, post.Updated)
	doc.finish(updated, updated)
	return doc, nil
}

// render writes d in format f and returns it with its last change.
func (r *Renderer) render(f feed.Format, d *document) ([]byte, time.Time, error) {
	var (
		b   []byte
		err error
	)
	switch f {
	case feed.Atom:
		b, err = r.atom(d)
	case feed.RSS:
		b, err = r.rss(d)
	case feed.JSON:
		b, err = r.json(d)
	default:
		return nil, time.Time{}, feed.Errorf(feed.EINVALID, "unknown feed format %q", f)
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("render %s feed as %s: %w", d.ref, f, err)
	}
	return b, d.updated, nil
}
