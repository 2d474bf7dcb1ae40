package web

import (
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
	"github.com/feedd/feedd/store"
)

// excerptLen is the length, in characters, of the excerpt the home page
// shows of a post without a summary.
const excerptLen = 280

// homeView is the data of the home page.
type homeView struct {
	Site  string
	Posts []postSummary
}

// postSummary is a post as the home page lists it.
type postSummary struct {
	Path         string
	Title        string
	Author       string
	Published    time.Time
	Excerpt      string // plain text
	Counted      bool   // Comments is known
	Comments     int    // approved comments
	CommentsPath string
}

// handleHome lists the newest posts with their comment counts.
func (h *Handler) handleHome(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	posts, err := h.st.Posts(ctx, store.PostFilter{Limit: h.opts.HomePosts})
	if err != nil {
		h.failed(w, r, err)
		return
	}
	ids := make([]string, len(posts))
	for i, p := range posts {
		ids[i] = p.ID
	}
	stats, err := h.st.ThreadStats(ctx, ids)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	v := homeView{Site: h.site, Posts: make([]postSummary, 0, len(posts))}
	for _, p := range posts {
		v.Posts = append(v.Posts, h.summary(p, stats[p.ID].Count, true))
	}
	h.render(w, r, pageHome, http.StatusOK, cacheHome, &page{
		Title:     h.site,
		Canonical: h.r.HomeURL(),
		Feeds:     h.siteFeeds(),
		Main:      v,
	})
}

// summary returns p as a list of posts shows it, with its number of
// comments when counted.
func (h *Handler) summary(p *feed.Post, comments int, counted bool) postSummary {
	excerpt := content.Line(p.Summary)
	if excerpt == "" {
		excerpt = content.Excerpt(content.PostHTML(p), excerptLen+1) // the ellipsis beyond excerptLen
	}
	return postSummary{
		Path:         h.postPath(p.ID),
		Title:        postTitle(p),
		Author:       content.Line(p.AuthorName),
		Published:    p.Published,
		Excerpt:      excerpt,
		Counted:      counted,
		Comments:     comments,
		CommentsPath: h.postPath(p.ID) + "#comments",
	}
}

// postView is the data of a post's page.
type postView struct {
	URL        string // the post's permalink (the h-entry's u-url)
	Title      string
	Author     string
	AuthorURI  string // linkable, or empty
	AuthorFeed string // the Atom feed of the author's posts, when there is an author
	Published  time.Time
	Updated    time.Time // zero unless edited after publication
	HTML       template.HTML
	Categories []categoryView
	Upstream   string // a mirrored post's original, or empty
	Source     string // the name of its source

	Comments []*commentNode // top-level, oldest first, replies nested
	Count    int            // every approved comment
	Form     formView
}

// handlePost shows a post with its comments and the comment form:
// ?reply={comment} makes the form a reply to that comment, ?held={comment}
// thanks the reader for a comment held for moderation.
func (h *Handler) handlePost(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := formView{}
	if id := q.Get("reply"); feed.ValidID(id) {
		f.Values.ParentID = id
	}
	if id := q.Get("held"); feed.ValidID(id) {
		f.Held = true
	}
	h.showPost(w, r, http.StatusOK, f)
}

// showPost answers with the page of the post named by the request's path,
// its form as given, or with the 404 or 410 page.
func (h *Handler) showPost(w http.ResponseWriter, r *http.Request, status int, f formView) {
	id := r.PathValue("post")
	if !feed.ValidID(id) {
		h.notFound(w, r)
		return
	}
	ctx := r.Context()
	p, err := h.st.Post(ctx, id)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	comments, err := h.st.Comments(ctx, store.CommentFilter{PostID: id})
	if err != nil {
		h.failed(w, r, err)
		return
	}
	rules := h.comments.Rules()
	roots, byID := h.thread(id, comments, rules.MaxDepth)
	v := postView{
		URL:       h.r.PostURL(id),
		Title:     postTitle(p),
		Author:    content.Line(p.AuthorName),
		AuthorURI: linkable(p.AuthorURI),
		Published: p.Published,
		HTML:      template.HTML(content.PostHTML(p)), // sanitized, as in the feeds
		Comments:  roots,
		Count:     len(comments),
	}
	if p.Updated.After(p.Published) {
		v.Updated = p.Updated
	}
	var alternates []feedLink
	seen := make(map[string]bool, len(p.Categories))
	for _, c := range p.Categories {
		name := content.Line(c)
		if name == "" || seen[c] {
			continue
		}
		seen[c] = true
		// The feed selects the category by its stored name, which
		// content.Line may have changed for display.
		u := h.r.ViewURL(feed.PostsFeed, feed.View{Category: c}, feed.Atom)
		v.Categories = append(v.Categories, categoryView{Name: name, FeedURL: u})
		alternates = append(alternates, feedLink{
			Title: "Posts in \u2018" + name + "\u2019",
			Type:  feedTypes[feed.Atom],
			URL:   u,
		})
	}
	if v.Author != "" {
		// The author's feed, selected by the stored name like a category.
		v.AuthorFeed = h.r.ViewURL(feed.PostsFeed, feed.View{Author: p.AuthorName}, feed.Atom)
		alternates = append(alternates, feedLink{
			Title: "Posts by " + v.Author,
			Type:  feedTypes[feed.Atom],
			URL:   v.AuthorFeed,
		})
	}
	if p.Origin != nil {
		v.Upstream, v.Source = linkableHTTP(p.Origin.URL), content.Line(p.Origin.Source)
	}
	f.Action = h.postPath(id) + "#comment-form"
	f.CancelPath = h.postPath(id) + "#comment-form"
	f.Honeypot = rules.HoneypotField
	f.MaxAuthor, f.MaxContent = rules.MaxAuthorLength, rules.MaxCommentLength
	// Only a comment shown, and open to replies, can be replied to; any
	// other parent_id is dropped, so that the form can still be sent.
	if n := byID[f.Values.ParentID]; n != nil && n.CanReply {
		f.ReplyTo = n
	} else {
		f.Values.ParentID = ""
	}
	v.Form = f
	cache := cachePost
	if status != http.StatusOK || f.Held {
		cache = cacheNone
	}
	h.render(w, r, pagePost, status, cache, &page{
		Title:     v.Title + " – " + h.site,
		Canonical: v.URL,
		Feeds: append(h.siteFeeds(), h.feedGroup("Comments on this post",
			"Comments on \u2018"+v.Title+"\u2019", feed.ThreadFeed(id))),
		Alternates: alternates,
		Webmention: h.r.WebmentionEndpoint(),
		Main:       v,
	})
}

// categoryView is one of a post's categories as its page shows it: the
// name, linked to the Atom feed of the posts in the category.
type categoryView struct {
	Name    string
	FeedURL string
}

// postTitle returns the title of p as pages show it, as the feeds do.
func postTitle(p *feed.Post) string { return shownTitle(p.Title) }

// shownTitle returns a post's title as pages show it: on one line, and
// "Untitled" when there is none.
func shownTitle(title string) string {
	if t := content.Line(title); t != "" {
		return t
	}
	return "Untitled"
}

// linkable returns s when it is a URL a page may link a name to: an
// absolute http or https URL with a host, or a mailto URL; else "".
// Validation allows no other, but mirrored entries and old rows are not
// trusted for it.
func linkable(s string) string {
	s = content.Line(s)
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return ""
	case u.Scheme == "mailto" && u.Opaque != "":
		return s
	}
	return linkableHTTP(s)
}

// linkableHTTP returns s when it is an absolute http or https URL with a
// host, else "".
func linkableHTTP(s string) string {
	s = content.Line(s)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return s
}
