package render

import (
	"bytes"
	"encoding/json"

	"github.com/feedd/feedd/feed"
	"github.com/gorilla/feeds"
)

const jsonFeedVersion = "https://jsonfeed.org/version/1.1"

// jsonFeed is gorilla's JSONFeed with feedd's items and the _archive
// extension object. It shadows Items as well because JSON Feed 1.1
// requires the items array even when empty, which gorilla omits.
type jsonFeed struct {
	feeds.JSONFeed
	Archive *jsonArchive `json:"_archive,omitempty"`
	Items   []*jsonItem  `json:"items"`
}

// jsonArchive is the _archive extension object of an RFC 5005 archive
// document, which JSON Feed has no words for (its next_url pages toward
// older items, but archives chain both ways): the links Atom and RSS
// write as rel="current", "prev-archive" and "next-archive". The feed's
// feed_url is the archive's own URL.
//
//	"_archive": {
//	  "current_url": "{base}/feeds/posts.json",
//	  "prev_archive_url": "{base}/feeds/posts/archive/2.json",
//	  "next_archive_url": "{base}/feeds/posts/archive/4.json"
//	}
//
// prev_archive_url is absent from the oldest archive, 1; next_archive_url
// is always there, as an archive's bytes cannot wait for the next one.
// A head with archives before it carries the object too, with its own URL
// as current_url and the newest archive as prev_archive_url, so that a
// JSON Feed reader can walk the archives from the URL it subscribed to.
type jsonArchive struct {
	CurrentURL     string `json:"current_url"`
	PrevArchiveURL string `json:"prev_archive_url,omitempty"`
	NextArchiveURL string `json:"next_archive_url,omitempty"`
}

// jsonItem is gorilla's JSONItem with feedd's threading extension. It
// shadows content_text so that a summary view can write it even when
// empty: JSON Feed wants content_html or content_text in every item.
type jsonItem struct {
	feeds.JSONItem
	ContentText *string      `json:"content_text,omitempty"`
	Thread      *jsonThread  `json:"_thread,omitempty"`
	Mention     *jsonMention `json:"_mention,omitempty"`
}

// jsonThread is the _thread extension object of JSON Feed items
// (extension names start with an underscore, and readers that do not
// know one ignore it). It carries the threading that Atom and RSS express
// with RFC 4685 and wfw/slash. On a comment it names the entry it answers
// (its post, or the comment it replies to) and its post, each by id and
// URL (a permalink, so the same):
//
//	"_thread": {
//	  "in_reply_to": {"id": "{base}/posts/p#comment-c1", "url": "{base}/posts/p#comment-c1"},
//	  "post": {"id": "{base}/posts/p", "url": "{base}/posts/p"}
//	}
//
// On a post it gives the post's comment feed and, with
// Options.CommentCounts (outside archives), the number of comments and
// when the newest of them last changed (RFC 3339, absent without
// comments), as thr:count and thr:updated do in Atom:
//
//	"_thread": {
//	  "replies": {"feed_url": "{base}/feeds/posts/p/comments.json", "count": 3, "updated": "2026-04-02T08:00:00Z"}
//	}
type jsonThread struct {
	InReplyTo *jsonRef     `json:"in_reply_to,omitempty"`
	Post      *jsonRef     `json:"post,omitempty"`
	Replies   *jsonReplies `json:"replies,omitempty"`
}

// jsonMention is the _mention extension of a Webmention's item: its kind
// (also the item's one tag) and its source (also its url).
type jsonMention struct {
	Kind   string `json:"kind"`
	Source string `json:"source"`
}

// jsonRef names an entry by id and URL.
type jsonRef struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

// jsonReplies is the _thread object's comment feed of a post.
type jsonReplies struct {
	FeedURL string `json:"feed_url"`
	Count   *int   `json:"count,omitempty"`
	Updated string `json:"updated,omitempty"`
}

// json writes d as a JSON Feed 1.1 document. Authors go in the authors
// arrays of version 1.1, never in the deprecated author objects. feed_url
// is the document's own URL, next_url the next page or query page, hubs
// the WebSub hubs.
func (r *Renderer) json(d *document) ([]byte, error) {
	f := &jsonFeed{
		JSONFeed: feeds.JSONFeed{
			Version:     jsonFeedVersion,
			Title:       d.title,
			HomePageUrl: r.alternateURL(d.ref),
			FeedUrl:     r.ViewURL(d.ref, d.view, feed.JSON),
			Description: d.description,
			Authors:     jsonAuthors(r.site),
		},
		Items: make([]*jsonItem, 0, len(d.entries)),
	}
	if v, ok := d.link("next"); ok {
		f.NextUrl = r.ViewURL(d.ref, v, feed.JSON)
	}
	if _, prev := d.link("prev-archive"); d.history == historyArchive || prev {
		f.Archive = &jsonArchive{}
		if d.history != historyArchive {
			f.Archive.CurrentURL = f.FeedUrl // a head is the current document
		}
		for _, l := range d.links {
			u := r.ViewURL(d.ref, l.view, feed.JSON)
			switch l.rel {
			case "current":
				f.Archive.CurrentURL = u
			case "prev-archive":
				f.Archive.PrevArchiveURL = u
			case "next-archive":
				f.Archive.NextArchiveURL = u
			}
		}
	}
	for _, h := range r.hubs {
		f.Hubs = append(f.Hubs, &feeds.JSONHub{Type: "WebSub", Url: h})
	}
	for _, e := range d.entries {
		f.Items = append(f.Items, r.jsonItem(d, e))
	}
	var b bytes.Buffer
	b.Grow(d.size())
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // content is HTML; \u003c everywhere only obscures it
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// jsonItem returns entry e of d as a JSON Feed item: in a summary view
// with its summary as content_text too, and no content_html.
func (r *Renderer) jsonItem(d *document, e *entry) *jsonItem {
	published, updated := e.published, e.updated
	it := &jsonItem{JSONItem: feeds.JSONItem{
		Id:            e.id,
		Url:           e.link,
		Title:         e.title,
		ContentHTML:   e.content,
		Summary:       e.summary,
		PublishedDate: &published,
		ModifiedDate:  &updated,
		Authors:       jsonAuthors(e.author),
		Tags:          e.categories,
	}}
	if d.summaryOnly {
		text := e.summary
		it.ContentHTML, it.ContentText = "", &text
	}
	switch {
	case e.thread.Kind != "":
		rp := &jsonReplies{FeedURL: r.FeedURL(e.thread, feed.JSON), Count: e.count}
		if e.count != nil && !e.repliesUpdated.IsZero() {
			rp.Updated = atomTime(e.repliesUpdated)
		}
		it.Thread = &jsonThread{Replies: rp}
	case e.inReplyTo != "":
		it.Thread = &jsonThread{InReplyTo: &jsonRef{e.inReplyTo, e.inReplyTo}, Post: &jsonRef{e.post, e.post}}
	}
	if e.mention != "" {
		it.Mention = &jsonMention{Kind: e.mention, Source: e.link}
	}
	return it
}

func jsonAuthors(p person) []*feeds.JSONAuthor {
	return []*feeds.JSONAuthor{{Name: p.name, Url: p.uri}}
}
