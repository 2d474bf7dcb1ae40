package render

import (
	"net/url"
	"path"
	"strings"

	"github.com/feedd/feedd/feed"
)

// The URL scheme, relative to Options.BaseURL (called base):
//
//	{base}/                                    home page, the site feeds' alternate link
//	{base}/posts/{post}                        post permalink and entry id
//	{base}/posts/{post}#comment-{comment}      comment permalink and entry id
//	{base}/feeds/...                           the feeds, their pages and archives: see feed.Path
//	{base}/feeds/digest/{period}/{yyyy-mm-dd}  id of a digest entry (not served)
//	{base}/static/feed.xsl                     XSLT stylesheet of Atom and RSS feeds
//
// A feed's Atom id is its URL without the extension, the same for every
// format (feed.ID).

// canonicalBase returns u as the canonical prefix of every URL built: scheme
// and host in lower case, no default port, no dot segments, no trailing
// slash, no query or fragment. The W3C validator warns about ids that are
// not in canonical form.
func canonicalBase(u *url.URL) string {
	c := url.URL{Scheme: strings.ToLower(u.Scheme), Host: strings.ToLower(u.Host)}
	switch port := c.Port(); {
	case port == "", c.Scheme == "http" && port == "80", c.Scheme == "https" && port == "443":
		c.Host = strings.TrimSuffix(c.Host, ":"+port) // also "host:" with an empty port
	}
	if p := u.Path; p != "" && p != "/" {
		c.Path = strings.TrimRight(path.Clean("/"+p), "/")
	}
	return c.String()
}

// HomeURL returns the site's home page, {base}/: the alternate link of the
// posts and site comments feeds.
func (r *Renderer) HomeURL() string { return r.root + "/" }

// PostURL returns a post's permalink, {base}/posts/{id}, which is also the
// id of its entry in every format.
func (r *Renderer) PostURL(id string) string {
	return r.root + "/posts/" + url.PathEscape(id)
}

// CommentURL returns a comment's permalink, {base}/posts/{post}#comment-{id},
// which is also the id of its entry in every format.
func (r *Renderer) CommentURL(postID, id string) string {
	return r.PostURL(postID) + "#comment-" + url.PathEscape(id)
}

// CommentsURL returns where a post's comments are shown, the post
// permalink with the fragment #comments: the RSS <comments> element.
func (r *Renderer) CommentsURL(postID string) string {
	return r.PostURL(postID) + "#comments"
}

// StylesheetPath is the path, below the base URL, of the XSLT stylesheet
// that Atom and RSS feeds name in their xml-stylesheet processing
// instruction; the server serves it there.
const StylesheetPath = "/static/feed.xsl"

// StylesheetURL returns the URL of the feeds' XSLT stylesheet,
// {base}/static/feed.xsl. Browsers load such a stylesheet from the feed's
// own origin only, so it is served by feedd beside the feeds.
func (r *Renderer) StylesheetURL() string { return r.root + StylesheetPath }

// StylesheetHref returns the reference to the stylesheet that Atom and
// RSS feeds carry: StylesheetURL without its scheme and host, the base
// URL's path followed by StylesheetPath ("/static/feed.xsl",
// "/blog/static/feed.xsl"). A browser resolves it against the URL it
// opened the feed at, so the stylesheet comes from that same origin, as
// browsers require, whatever host name reached feedd (a replica's own
// address, localhost through a tunnel), while the feed's bytes stay the
// same for every host.
func (r *Renderer) StylesheetHref() string {
	u, err := url.Parse(r.StylesheetURL())
	if err != nil { // canonicalBase made it; it parses
		return StylesheetPath
	}
	return u.EscapedPath()
}

// FeedURL returns the URL a feed is served at in format f, e.g.
// {base}/feeds/posts/{post}/comments.atom for a thread feed in Atom.
func (r *Renderer) FeedURL(ref feed.Ref, f feed.Format) string {
	return r.ViewURL(ref, feed.View{}, f)
}

// FeedID returns the Atom id of a feed, {base}/feeds/posts,
// {base}/feeds/comments or {base}/feeds/posts/{post}/comments: its URL
// without the format extension (feed.ID).
func (r *Renderer) FeedID(ref feed.Ref) string {
	return feed.ID(r.root, ref)
}

// alternateURL returns the page a feed stands for: the home page for the
// site feeds, the post's permalink for a thread.
func (r *Renderer) alternateURL(ref feed.Ref) string {
	if ref.Kind == feed.KindThread {
		return r.PostURL(ref.PostID)
	}
	return r.HomeURL()
}

// ContentType returns the media type a feed in format f is served with.
// The server sets it; Atom and RSS feeds declare UTF-8 in their XML
// declaration too.
func ContentType(f feed.Format) string {
	if t := f.MediaType(); t != "" {
		return t + "; charset=utf-8"
	}
	return "application/octet-stream"
}

// ArchiveURL returns the URL of archive document k of a feed in format f,
// {feed id}/archive/{k}.{ext}: e.g. {base}/feeds/posts/{post}/comments/archive/3.atom.
func (r *Renderer) ArchiveURL(ref feed.Ref, k int, f feed.Format) string {
	return r.ViewURL(ref, feed.View{Archive: k}, f)
}

// ViewURL returns the URL of document v of feed ref in format f: the
// feed's URL with v's canonical query (feed.View.Encode), or ArchiveURL
// for an archive document (feed.URL).
func (r *Renderer) ViewURL(ref feed.Ref, v feed.View, f feed.Format) string {
	return feed.URL(r.root, ref, v, f)
}

// ParseFeedURL returns the feed and format whose head document is served
// at u (as FeedURL builds it: any format, without a query), and false for
// any other URL. The WebSub hub takes these as its topics.
func (r *Renderer) ParseFeedURL(u string) (feed.Ref, feed.Format, bool) {
	rest, ok := strings.CutPrefix(u, r.root)
	if !ok || strings.ContainsAny(rest, "?#") {
		return feed.Ref{}, "", false
	}
	t, ok := feed.ParsePath(rest)
	if !ok || t.View != (feed.View{}) || (t.Query != feed.ViewQuery && t.Query != feed.NoQuery) ||
		feed.Path(t.Ref, t.View, t.Format) != rest { // not in canonical form
		return feed.Ref{}, "", false
	}
	return t.Ref, t.Format, true
}

// WebmentionPath is the path, below the base URL, of the Webmention
// endpoint (package webmention) that post pages and thread feeds
// advertise.
const WebmentionPath = "/webmention"

// WebmentionURL returns the Webmention endpoint, {base}/webmention.
func (r *Renderer) WebmentionURL() string { return r.root + WebmentionPath }

// OnSite reports whether u, an absolute URL, is on this site: its scheme
// and host are the base URL's and its path is at or below the base's.
func (r *Renderer) OnSite(u *url.URL) bool {
	_, ok := r.sitePath(u)
	return ok
}

// sitePath returns the path of u below the base URL, "" for the base
// itself, and whether u is on this site (see OnSite).
func (r *Renderer) sitePath(u *url.URL) (string, bool) {
	if u == nil || u.Host == "" {
		return "", false
	}
	c := canonicalBase(&url.URL{Scheme: u.Scheme, Host: u.Host})
	root, _ := url.Parse(r.root)
	if c != canonicalBase(&url.URL{Scheme: root.Scheme, Host: root.Host}) {
		return "", false
	}
	p := u.EscapedPath()
	rest, ok := strings.CutPrefix(p, root.EscapedPath())
	if !ok || rest != "" && rest[0] != '/' {
		return "", false
	}
	return rest, true
}

// ParsePostURL returns the id of the post whose permalink (PostURL) u is,
// and false for any other URL. Its scheme and host match case-insensitively
// and with or without their default port, and a fragment (a comment's
// permalink) is ignored; a query is not: it is another page.
func (r *Renderer) ParsePostURL(u *url.URL) (string, bool) {
	rest, ok := r.sitePath(u)
	if !ok || u.RawQuery != "" || u.ForceQuery {
		return "", false
	}
	esc, ok := strings.CutPrefix(rest, "/posts/")
	if !ok || esc == "" || strings.Contains(esc, "/") {
		return "", false
	}
	id, err := url.PathUnescape(esc)
	if err != nil || !feed.ValidID(id) {
		return "", false
	}
	return id, true
}
