package render

import (
	"html"
	"strings"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
)

// A digest feed (KindDigest) has one entry per closed period, daily or
// weekly, that saw new posts or comments:
//
//	id         {base}/feeds/digest/{period}/{start date}, the date in the
//	           site zone (Options.Location): stable forever, whatever
//	           the content and the clock
//	title      "Daily digest: Wednesday, 2 December 2026",
//	           "Weekly digest: week of 30 November 2026"
//	published  the period's end
//	updated    the later of its end and the newest Updated among its
//	           posts and comments, so that edits show
//	content    HTML: the period's posts as linked titles, then its
//	           comments grouped by post, each with its author, a link to
//	           its permalink and a plain-text excerpt
//
// Digest entries have no page of their own: they carry no alternate link,
// and their RSS guid is no permalink. The feed's alternate link is the
// home page.

// digestDoc returns the document of a digest feed.
func (r *Renderer) digestDoc(d *Doc) (*document, error) {
	var name string
	switch d.Ref.Period {
	case feed.PeriodDaily:
		name = "Daily"
	case feed.PeriodWeekly:
		name = "Weekly"
	default:
		return nil, feed.Errorf(feed.EINVALID, "render: unknown digest period %q", d.Ref.Period)
	}
	doc := &document{
		title:       name + " digest of " + r.site.name,
		description: name + " digest of the posts and comments on " + r.site.name,
	}
	var also []time.Time
	for _, p := range d.Digest {
		if e := r.digestEntry(d.Ref, p); e != nil {
			doc.entries = append(doc.entries, e)
			for _, c := range p.Comments {
				if c != nil {
					also = append(also, c.PostUpdated) // its title shows
				}
			}
		}
	}
	doc.finish(epoch, also...)
	return doc, nil
}

// digestEntry returns the entry of period p of a digest feed, or nil when
// p has no posts and no comments.
func (r *Renderer) digestEntry(ref feed.Ref, p DigestPeriod) *entry {
	var posts []*feed.Post
	for _, x := range p.Posts {
		if x != nil {
			posts = append(posts, x)
		}
	}
	var comments []*feed.Comment
	for _, c := range p.Comments {
		if c != nil {
			comments = append(comments, c)
		}
	}
	if len(posts) == 0 && len(comments) == 0 {
		return nil
	}
	start := p.Span.Start.In(r.loc)
	e := &entry{
		id:     r.FeedID(ref) + "/" + start.Format("2006-01-02"),
		author: r.site,
	}
	if ref.Period == feed.PeriodWeekly {
		e.title = "Weekly digest: week of " + start.Format("2 January 2006")
	} else {
		e.title = "Daily digest: " + start.Format("Monday, 2 January 2006")
	}
	e.published, _ = entryDates(p.Span.End, time.Time{})
	e.updated = e.published
	for _, x := range posts {
		if _, u := entryDates(x.Published, x.Updated); u.After(e.updated) {
			e.updated = u
		}
	}
	for _, c := range comments {
		if _, u := entryDates(c.Published, c.Updated); u.After(e.updated) {
			e.updated = u
		}
	}
	e.content = r.digestHTML(posts, comments)
	return e
}

// digestHTML returns the content of a digest entry. Every text in it is
// cleaned (line) and escaped once, here; comment excerpts come from the
// sanitized comment HTML (content.CommentHTML) as plain text, so none of
// a comment's markup gets through, and every URL is one this package
// built.
func (r *Renderer) digestHTML(posts []*feed.Post, comments []*feed.Comment) string {
	var b strings.Builder
	esc := html.EscapeString
	if len(posts) > 0 {
		b.WriteString("<h2>New posts</h2>\n<ul>\n")
		for _, p := range posts {
			b.WriteString(`<li><a href="` + esc(r.PostURL(p.ID)) + `">` + esc(postTitle(p)) + `</a>`)
			if name := line(p.AuthorName); name != "" {
				b.WriteString(" by " + esc(name))
			}
			b.WriteString("</li>\n")
		}
		b.WriteString("</ul>\n")
	}
	if len(comments) > 0 {
		b.WriteString("<h2>Comments</h2>\n")
		// Group by post, the posts in the order of their first comment.
		var order []string
		byPost := make(map[string][]*feed.Comment)
		for _, c := range comments {
			if _, ok := byPost[c.PostID]; !ok {
				order = append(order, c.PostID)
			}
			byPost[c.PostID] = append(byPost[c.PostID], c)
		}
		for _, id := range order {
			cs := byPost[id]
			title := line(cs[0].PostTitle)
			if title == "" {
				title = "Untitled"
			}
			b.WriteString(`<h3><a href="` + esc(r.PostURL(id)) + `">` + esc(title) + "</a></h3>\n<ul>\n")
			for _, c := range cs {
				when, _ := entryDates(c.Published, c.Updated)
				b.WriteString("<li>" + esc(r.author(c.AuthorName, "").name) + `, <a href="` + esc(r.CommentURL(id, c.ID)) + `">` +
					esc(when.In(r.loc).Format("Mon 2 Jan 15:04")) + "</a>")
				if q := content.Excerpt(content.CommentHTML(c), digestQuote); q != "" {
					b.WriteString(": " + esc(q))
				}
				b.WriteString("</li>\n")
			}
			b.WriteString("</ul>\n")
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}
