package render

import (
	"bytes"
	"encoding/json"

	"github.com/feedd/feedd/feed"
	"github.com/gorilla/feeds"
)

const jsonFeedVersion = "https://jsonfeed.org/version/1.1"

// jsonFeed is gorilla's JSONFeed with feedd's items. It shadows Items as
// well because JSON Feed 1.1 requires the items array even when empty,
// which gorilla omits.
type jsonFeed struct {
	feeds.JSONFeed
	Items []*jsonItem `json:"items"`
}

// jsonItem is gorilla's JSONItem with feedd's threading extension.
type jsonItem struct {
	feeds.JSONItem
	Thread *jsonThread `json:"_feedd,omitempty"`
}

// jsonThread is the _feedd extension object of JSON Feed items (extension
// names start with an underscore and readers that do not know one ignore
// it). It carries the threading that Atom and RSS express with RFC 4685
// and wfw/slash: on a comment, the id and URL of the entry it answers; on
// a post, its comment feed and, with Options.CommentCounts, its number of
// comments.
type jsonThread struct {
	InReplyTo    string `json:"in_reply_to,omitempty"`
	InReplyToURL string `json:"in_reply_to_url,omitempty"`
	CommentsFeed string `json:"comments_feed,omitempty"`
	CommentCount *int   `json:"comment_count,omitempty"`
}

// json writes d as a JSON Feed 1.1 document. Authors go in the authors
// arrays of version 1.1, never in the deprecated author objects.
func (r *Renderer) json(d *document) ([]byte, error) {
	f := &jsonFeed{
		JSONFeed: feeds.JSONFeed{
			Version:     jsonFeedVersion,
			Title:       d.title,
			HomePageUrl: r.alternateURL(d.ref),
			FeedUrl:     r.FeedURL(d.ref, feed.JSON),
			Description: d.description,
			Authors:     jsonAuthors(r.site),
		},
		Items: make([]*jsonItem, 0, len(d.entries)),
	}
	for _, e := range d.entries {
		f.Items = append(f.Items, r.jsonItem(e))
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

// jsonItem returns e as a JSON Feed item.
func (r *Renderer) jsonItem(e *entry) *jsonItem {
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
	switch {
	case e.thread.Kind != "":
		it.Thread = &jsonThread{CommentsFeed: r.FeedURL(e.thread, feed.JSON), CommentCount: e.count}
	case e.inReplyTo != "":
		it.Thread = &jsonThread{InReplyTo: e.inReplyTo, InReplyToURL: e.inReplyTo}
	}
	return it
}

func jsonAuthors(p person) []*feeds.JSONAuthor {
	return []*feeds.JSONAuthor{{Name: p.name, Url: p.uri}}
}
