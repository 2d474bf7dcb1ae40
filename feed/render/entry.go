package render

import (
	"net/url"
	"strings"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
)

// document is a feed in a format-neutral form, built once from the domain
// types and then written as Atom, RSS or JSON Feed. Its text is clean (see
// clean), its URLs absolute and its times normalized (see normTime).
type document struct {
	ref         feed.Ref
	view        feed.View // the document of ref: its self link is ViewURL(ref, view)
	id          string    // the Atom feed id: FeedID, with the selection
	title       string
	description string    // RSS channel description, JSON Feed description
	updated     time.Time // the newest entry update or deletion, or a fixed fallback
	entries     []*entry
	gone        []tombstone // deleted entries; Atom only (RFC 6721)

	// summaryOnly leaves content out: entries carry their summary alone
	// (View.Summary).
	summaryOnly bool
	// links are the documents next to this one (RFC 5005, Blogger's
	// start-index), in the order written; history is "complete" or
	// "archive" for fh:complete and fh:archive, else "".
	links   []navLink
	history string
	search  *openSearch // a query document's OpenSearch counts
	maxAge  time.Duration

	// self and alternate, when set, replace the links ref gives (the
	// moderation feed's secret URL); private leaves out WebSub hubs and
	// the stylesheet.
	self, alternate string
	private         bool
}

// tombstone is a deleted entry: its id (the permalink it had) and when it
// was deleted.
type tombstone struct {
	ref  string
	when time.Time
}

// entry is a post or a comment in a document.
type entry struct {
	id         string // permalink: the Atom id, RSS guid and JSON id
	link       string // the alternate link: id, or a mirrored post's upstream permalink
	title      string
	author     person
	published  time.Time
	updated    time.Time
	content    string // sanitized HTML (package content) with absolute URLs
	summary    string // plain text; posts only
	categories []string

	// thread is a post's comment feed (a zero Ref for comments), count
	// its number of comments and repliesUpdated the newest one's Updated
	// (zero when unknown), set with Options.CommentCounts only.
	thread         feed.Ref
	count          *int
	repliesUpdated time.Time

	// inReplyTo is a comment's parent: the id, which is also the
	// permalink, of its post or of the comment it answers; post is the
	// id of its post.
	inReplyTo string
	post      string

	// edit is where the entry is moderated (rel="edit"), or "".
	edit string

	// mention is a Webmention's kind (feed.Comment.Kind), "" for any
	// other entry: it is also the entry's one category, written with
	// MentionScheme, and link is then its source, related its permalink
	// here.
	mention string
	related string
}

// person is an entry's or a feed's author.
type person struct {
	name string
	uri  string // absolute, or empty
}

// epoch is the time of a site feed without entries: fixed, so that an empty
// feed renders the same bytes every time, and after 1990, which the W3C
// validator takes as the earliest plausible date.
var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Bounds of the times every format can write: RFC 3339 and RFC 822 need a
// four-digit year.
var (
	minTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

// normTime returns t in UTC, truncated to whole seconds (the precision of
// RFC 822 dates and of Last-Modified) and clamped to four-digit years. The
// zero time stays zero.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	t = t.UTC().Truncate(time.Second)
	switch {
	case t.Before(minTime):
		return time.Time{}
	case t.After(maxTime):
		return maxTime
	}
	return t
}

// entryDates returns the normalized published and updated times of an
// entry. Every format needs both, so a missing one takes the other's value,
// and an entry with neither gets the epoch rather than the clock.
func entryDates(published, updated time.Time) (time.Time, time.Time) {
	p, u := normTime(published), normTime(updated)
	switch {
	case p.IsZero() && u.IsZero():
		return epoch, epoch
	case p.IsZero():
		return u, u
	case u.IsZero():
		return p, p
	}
	return p, u
}

// finish sets d.updated to the feed's last change: the newest update among
// its entries, the newest deletion among its tombstones, and the times in
// also (changes that show in the feed without being an entry's update, such
// as a post title that every comment entry repeats), or fallback when there
// are none. The newest update need not be the first entry's, as entries
// come sorted by publication. Deletions count in every format: RSS and JSON
// Feed carry no tombstones, but the deleted entry left them.
func (d *document) finish(fallback time.Time, also ...time.Time) {
	d.updated = time.Time{}
	for _, e := range d.entries {
		if e.updated.After(d.updated) {
			d.updated = e.updated
		}
	}
	for _, t := range d.gone {
		if t.when.After(d.updated) {
			d.updated = t.when
		}
	}
	for _, t := range also {
		if t = normTime(t); t.After(d.updated) {
			d.updated = t
		}
	}
	if d.updated.IsZero() {
		d.updated = fallback
	}
}

// size estimates the bytes d takes in any format, so that the output buffer
// grows once: RSS writes content twice, and escaping adds a little.
func (d *document) size() int {
	n := 1024
	for _, e := range d.entries {
		n += 1024 + 2*len(e.content) + len(e.summary) + len(e.content)/8
	}
	return n + 160*len(d.gone)
}

// postEntry returns the entry of a post. stats is used only with counts
// (Options.CommentCounts, outside archives), so that the posts feed
// otherwise depends on posts alone.
func (r *Renderer) postEntry(p *feed.Post, stats map[string]feed.ThreadStats, counts bool) *entry {
	e := &entry{
		id:      r.PostURL(p.ID),
		link:    upstreamLink(p.Origin),
		title:   postTitle(p),
		author:  r.author(p.AuthorName, p.AuthorURI),
		summary: clean(p.Summary),
		thread:  feed.ThreadFeed(p.ID),
	}
	if e.link == "" {
		e.link = e.id
	}
	e.content = absolutize(content.PostHTML(p), e.id)
	e.published, e.updated = entryDates(p.Published, p.Updated)
	for _, c := range p.Categories {
		if c = line(c); c != "" {
			e.categories = append(e.categories, c)
		}
	}
	if counts {
		st := stats[p.ID] // absent means none
		e.count = &st.Count
		e.repliesUpdated = normTime(st.Updated)
	}
	return e
}

// postTitle returns the title of p as feeds show it: every format wants a
// title, and the validator a non-blank one.
func postTitle(p *feed.Post) string {
	if t := line(p.Title); t != "" {
		return t
	}
	return "Untitled"
}

// commentEntry returns the entry of a comment on the post with the given
// id and title.
func (r *Renderer) commentEntry(c *feed.Comment, postID, postTitle string) *entry {
	e := &entry{
		id:        r.CommentURL(postID, c.ID),
		link:      r.CommentURL(postID, c.ID),
		author:    r.author(c.AuthorName, c.AuthorURI),
		inReplyTo: r.PostURL(postID),
		post:      r.PostURL(postID),
	}
	if c.ParentID != "" {
		e.inReplyTo = r.CommentURL(postID, c.ParentID)
	}
	switch t := line(postTitle); {
	case c.Kind != "":
		r.mentionEntry(e, c, t)
	case t != "":
		e.title = "Comment on \u2018" + t + "\u2019 by " + e.author.name
	default:
		e.title = "Comment by " + e.author.name
	}
	e.content = absolutize(content.CommentHTML(c), e.id)
	e.published, e.updated = entryDates(c.Published, c.Updated)
	return e
}

// MentionScheme is the Atom category scheme (and RSS category domain) of
// a Webmention's kind, the entry's category term: reply, like, repost,
// bookmark or mention (feed.Comment.Kind).
const MentionScheme = "https://github.com/feedd/feedd#mention-kind"

// mentionVerbs are the titles' words for each kind of mention.
var mentionVerbs = map[string]string{
	feed.MentionReply:    "replied to",
	feed.MentionLike:     "liked",
	feed.MentionRepost:   "reposted",
	feed.MentionBookmark: "bookmarked",
	feed.MentionLink:     "mentioned",
}

// mentionEntry makes e, a comment's entry, a Webmention's: its kind as
// its category and in its title ("Ann liked ‘Hello’"), its source as the
// alternate link, its permalink here as the related one. A source that is
// not linkable (never stored so) leaves the permalink as the link.
func (r *Renderer) mentionEntry(e *entry, c *feed.Comment, postTitle string) {
	e.mention = c.Kind
	e.categories = []string{c.Kind}
	verb := mentionVerbs[c.Kind]
	if verb == "" {
		verb = mentionVerbs[feed.MentionLink]
	}
	if postTitle != "" {
		e.title = e.author.name + " " + verb + " \u2018" + postTitle + "\u2019"
	} else {
		e.title = e.author.name + " " + verb + " this post"
	}
	if src := line(c.SourceURL); linkable(src) && !strings.HasPrefix(src, "mailto:") {
		e.link, e.related = src, e.id
	}
}

// author returns the author with the given name and URI, or the site when
// the name is empty: Atom needs an author for every entry, and a URI alone
// names nobody. A URI that is not an absolute http or https URL with a
// host, or a mailto URL, is left out: readers link it, and a javascript:
// URI there would run when clicked.
func (r *Renderer) author(name, uri string) person {
	if name = line(name); name == "" {
		return r.site
	}
	if uri = line(uri); !linkable(uri) {
		uri = ""
	}
	return person{name: name, uri: uri}
}

// linkable reports whether s is an absolute http or https URL with a host,
// or a mailto URL.
func linkable(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	switch u.Scheme { // lower case, as url.Parse returns it
	case "http", "https":
		return u.Host != ""
	case "mailto":
		return u.Opaque != ""
	}
	return false
}

// tombstones returns the tombstones of the deleted posts and comments in
// gone, in the order given (stores give the newest deletion first). A
// tombstone's ref is the id its entry had: a comment's permalink when it
// names a comment, else its post's. postID stands in for an empty PostID
// (a thread's tombstones belong to its post); tombstones naming no post are
// skipped. A missing deletion time becomes the epoch, never the clock.
func (r *Renderer) tombstones(gone []feed.Tombstone, postID string) []tombstone {
	ts := make([]tombstone, 0, len(gone))
	for _, g := range gone {
		p := g.PostID
		if p == "" {
			p = postID
		}
		if p == "" {
			continue
		}
		t := tombstone{ref: r.PostURL(p), when: normTime(g.Deleted)}
		if g.CommentID != "" {
			t.ref = r.CommentURL(p, g.CommentID)
		}
		if t.when.IsZero() {
			t.when = epoch
		}
		ts = append(ts, t)
	}
	return ts
}

// upstreamLink returns the upstream permalink of a mirrored post, so that
// its entries link to the original, or "" when there is none usable.
func upstreamLink(o *feed.Origin) string {
	if o == nil || o.URL == "" {
		return ""
	}
	u, err := url.Parse(line(o.URL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}
