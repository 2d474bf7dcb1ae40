package web

import (
	"net/http"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
	"github.com/feedd/feedd/feed/render"
)

// The page of a feed document: what a person gets who opens a feed's URL
// in a browser (the server asks the cache for it, see cache.Page, when a
// request prefers text/html). It says what a feed is, gives the address to
// copy into a feed reader, and shows the document's entries as the site's
// pages do: a thread feed's comments threaded as on the post's page, with
// dates in words. It is written from the same data as the feed, with the
// title and paging links the feed itself carries (render.Outline), and
// needs neither XSLT nor JavaScript.

// feedView is the data of a feed document's page.
type feedView struct {
	Title     string
	Kind      feed.Kind
	Format    string // "Atom", "RSS", "JSON Feed"
	Subscribe string // the feed's address in Format, to copy
	Others    []feedLink
	Archive   bool // an archive document, which stays as it is

	Post     *postLink      // a thread feed's post
	Posts    []postSummary  // the posts feed
	Comments []*commentNode // a thread, threaded; the site's comments, newest first
	Periods  []periodView   // a digest feed, newest first
	Nav      []navView
}

// postLink is a post a page links to.
type postLink struct {
	Title string
	Path  string
}

// periodView is one day or week of a digest feed.
type periodView struct {
	Day      string // its first day, in the site's time zone (site.timezone)
	Weekly   bool
	Posts    []postLink
	Comments []*commentNode
}

// navView is a link to another document of the feed.
type navView struct {
	Label string
	URL   string
}

// navLabels name the links of RFC 5005 and Blogger's paging for readers.
var navLabels = map[string]string{
	"first":        "Newest entries",
	"previous":     "Newer entries",
	"next":         "Older entries",
	"last":         "Oldest entries",
	"current":      "Newest entries",
	"prev-archive": "Older entries (archive)",
	"next-archive": "Newer entries (archive)",
}

// FeedPage returns the HTML page of document d of a feed as format f
// shows it (cache.PageRenderer).
func (h *Handler) FeedPage(f feed.Format, d *render.Doc) ([]byte, error) {
	o, err := h.r.Outline(f, d)
	if err != nil {
		return nil, err
	}
	title := content.Line(o.Title)
	// The feed itself, whatever page or archive of it this is: what a
	// reader subscribes to.
	group := h.viewGroup(title, title, d.Ref, d.View.Selection())
	v := feedView{Title: title, Kind: d.Ref.Kind, Format: formatNames[f], Archive: o.Archive}
	for _, l := range group.Links {
		if l.Format == v.Format {
			v.Subscribe = l.URL
		} else {
			v.Others = append(v.Others, l)
		}
	}
	for _, l := range o.Links {
		if label, ok := navLabels[l.Rel]; ok {
			v.Nav = append(v.Nav, navView{Label: label, URL: l.URL})
		}
	}
	switch d.Ref.Kind {
	case feed.KindPosts:
		for _, p := range d.Posts {
			if p != nil {
				st, counted := d.Stats[p.ID]
				v.Posts = append(v.Posts, h.summary(p, st.Count, counted))
			}
		}
	case feed.KindComments:
		for _, c := range d.Comments {
			if c != nil {
				n := h.feedComment(c)
				v.Comments = append(v.Comments, n)
			}
		}
	case feed.KindThread:
		if d.Post != nil {
			v.Post = &postLink{Title: postTitle(d.Post), Path: h.postPath(d.Post.ID)}
		}
		var byID map[string]*commentNode
		v.Comments, byID = h.thread(d.Ref.PostID, d.Comments, 0)
		for _, n := range byID {
			n.Permalink = h.commentPath(d.Ref.PostID, n.ID)
		}
	case feed.KindDigest:
		for _, p := range d.Digest {
			pv := periodView{Day: p.Span.Start.Format("2 January 2006"), Weekly: d.Ref.Period == feed.PeriodWeekly}
			for _, post := range p.Posts {
				pv.Posts = append(pv.Posts, postLink{Title: postTitle(post), Path: h.postPath(post.ID)})
			}
			for _, c := range p.Comments {
				n := h.feedComment(c)
				pv.Comments = append(pv.Comments, n)
			}
			v.Periods = append(v.Periods, pv)
		}
	}
	groups := h.siteFeeds()
	if d.Ref.Kind == feed.KindThread || d.Ref.Kind == feed.KindDigest || d.View.Selection() != (feed.View{}) {
		groups = append(groups, group)
	}
	b, err := h.execute(pageFeed, &page{
		Title: v.Title + " – " + h.site,
		Feeds: groups,
		Main:  v,
	})
	if err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// PageHeaders sets the header fields every page carries, for the feed
// pages the server sends: the Content-Security-Policy that lets no script
// run, and the rest of setSecurityHeaders.
func (h *Handler) PageHeaders(hd http.Header) { setSecurityHeaders(hd) }

// feedComment returns c as the page of a feed with the comments of many
// posts shows it: naming its post, its date linking to it there.
func (h *Handler) feedComment(c *feed.Comment) *commentNode {
	n := newCommentNode(c, 0)
	n.On = &postLink{Title: commentPostTitle(c), Path: h.postPath(c.PostID)}
	n.Permalink = h.commentPath(c.PostID, c.ID)
	return n
}

// commentPostTitle returns the title of a comment's post as pages show
// it.
func commentPostTitle(c *feed.Comment) string { return shownTitle(c.PostTitle) }
