package render

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"html"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	ext "github.com/mmcdole/gofeed/extensions"
	"github.com/mmcdole/gofeed/rss"
)

// wantFeed is what a reader must get back from a rendered feed. URLs in
// self and links hold "{ext}" where the format's extension goes.
type wantFeed struct {
	ref     feed.Ref
	title   string
	updated time.Time
	entries []wantEntry
	gone    []wantGone // Atom tombstones

	self  string     // the document's own URL; "" for feedPath(ref).{ext}
	id    string     // the Atom feed id; "" for feedPath(ref)
	links []wantLink // every link but self and alternate, in order (RFC 5005, queries, hubs)
	// history is "complete", "archive" or "" (fh elements); search the
	// OpenSearch counts of a query document, or nil.
	history string
	search  *wantSearch
	// ttl, syPeriod and syFreq are the cache hints: RSS <ttl> and the sy
	// elements; "" for those of the test renderer's 15 minutes.
	ttl, syPeriod, syFreq string
	summaryOnly           bool // entries carry summaries, no content
}

// wantLink is a link of a document: relation and URL (with "{ext}").
type wantLink struct{ rel, href string }

type wantSearch struct{ total, start, perPage string }

// withExt returns u with the extension of format f in place of {ext}.
func withExt(u string, f feed.Format) string { return strings.ReplaceAll(u, "{ext}", string(f)) }

func (w wantFeed) selfURL(f feed.Format) string {
	if w.self == "" {
		return feedPath(w.ref) + "." + string(f)
	}
	return withExt(w.self, f)
}

func (w wantFeed) feedID() string {
	if w.id == "" {
		return feedPath(w.ref)
	}
	return w.id
}

// hints returns the expected RSS ttl and sy period and frequency.
func (w wantFeed) hints() (ttl, period, freq string) {
	if w.ttl == "" {
		return "15", "hourly", "4"
	}
	return w.ttl, w.syPeriod, w.syFreq
}

// wantGone is an RFC 6721 tombstone: the deleted entry's id and when.
type wantGone struct {
	ref  string
	when time.Time
}

type wantEntry struct {
	id, title         string
	author, authorURI string
	published         time.Time
	updated           time.Time
	content, summary  string
	categories        []string
	thread            feed.Ref // a post's comment feed
	count             string   // a post's comment count, "" without CommentCounts
	repliesUpdated    string   // a post's newest comment (thr:updated), "" without
	inReplyTo         string   // a comment's parent entry
	post              string   // a comment's post
	noLink            bool     // no alternate link, and the id is no permalink (digests)
	// link is the alternate link when it is not the id (a mention's
	// source), and mention the mention's kind: its category's term, with
	// MentionScheme, and the related link is then the id.
	link, mention string
}

// alternateOf is the alternate link e wants.
func (e wantEntry) alternateOf() string {
	switch {
	case e.noLink:
		return ""
	case e.link != "":
		return e.link
	}
	return e.id
}

// wantPosts derives the expectations of a posts feed from its posts. counts
// is nil without CommentCounts.
func wantPosts(posts []*feed.Post, counts map[string]feed.ThreadStats) wantFeed {
	w := wantFeed{ref: feed.PostsFeed, title: siteTitle}
	for _, p := range posts {
		e := wantEntry{
			id:         root + "/posts/" + p.ID,
			title:      p.Title,
			author:     p.AuthorName,
			authorURI:  p.AuthorURI,
			published:  p.Published.UTC().Truncate(time.Second),
			updated:    p.Updated.UTC().Truncate(time.Second),
			content:    p.Content,
			summary:    p.Summary,
			categories: p.Categories,
			thread:     feed.ThreadFeed(p.ID),
		}
		if e.author == "" {
			e.author, e.authorURI = siteTitle, root+"/"
		}
		if counts != nil {
			e.count = strconv.Itoa(counts[p.ID].Count)
			if u := counts[p.ID].Updated; !u.IsZero() {
				e.repliesUpdated = u.UTC().Format(time.RFC3339)
			}
			w.updated = latest(w.updated, counts[p.ID].Updated)
		}
		w.updated = latest(w.updated, e.updated)
		w.entries = append(w.entries, e)
	}
	return w
}

// wantComments derives the expectations of a comment feed. postTitle
// overrides the comments' PostTitle, as in a thread feed.
func wantComments(ref feed.Ref, title string, comments []*feed.Comment, postTitle string) wantFeed {
	w := wantFeed{ref: ref, title: title}
	for _, c := range comments {
		pt := c.PostTitle
		if postTitle != "" {
			pt = postTitle
		}
		e := wantEntry{
			id:        root + "/posts/" + c.PostID + "#comment-" + c.ID,
			title:     "Comment on \u2018" + pt + "\u2019 by " + c.AuthorName,
			author:    c.AuthorName,
			authorURI: c.AuthorURI,
			published: c.Published.UTC().Truncate(time.Second),
			updated:   c.Updated.UTC().Truncate(time.Second),
			content:   c.Content,
			inReplyTo: root + "/posts/" + c.PostID,
			post:      root + "/posts/" + c.PostID,
		}
		if c.ParentID != "" {
			e.inReplyTo = root + "/posts/" + c.PostID + "#comment-" + c.ParentID
		}
		w.updated = latest(w.updated, latest(e.updated, c.PostUpdated))
		w.entries = append(w.entries, e)
	}
	return w
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// feedPath returns the URL of a feed without its extension, built here
// independently of FeedID.
func feedPath(ref feed.Ref) string {
	switch ref.Kind {
	case feed.KindThread:
		return root + "/feeds/posts/" + ref.PostID + "/comments"
	case feed.KindDigest:
		return root + "/feeds/digest/" + ref.Period
	case feed.KindComments:
		return root + "/feeds/comments"
	}
	return root + "/feeds/posts"
}

func alternate(ref feed.Ref) string {
	if ref.Kind == feed.KindThread {
		return root + "/posts/" + ref.PostID
	}
	return root + "/"
}

// checkFeed reads a rendered document back and compares it with w.
func checkFeed(t *testing.T, f feed.Format, data []byte, w wantFeed) {
	t.Helper()
	switch f {
	case feed.Atom:
		checkWellFormed(t, data)
		checkAtom(t, data, w)
		checkTombstones(t, data, w.gone)
	case feed.RSS:
		checkWellFormed(t, data)
		checkRSS(t, data, w)
	case feed.JSON:
		checkJSON(t, data, w)
	}
	if f != feed.Atom && bytes.Contains(data, []byte("deleted-entry")) {
		t.Errorf("tombstones in %s, which has no standard for them", f)
	}
	checkUniversal(t, f, data, w)
}

// checkTombstones reads the RFC 6721 at:deleted-entry elements of an Atom
// feed with encoding/xml, by namespace, and wants exactly those of want,
// in order, after every entry; without tombstones the feed declares no
// tombstone namespace.
func checkTombstones(t *testing.T, data []byte, want []wantGone) {
	t.Helper()
	var doc struct {
		Deleted []struct {
			Ref  string `xml:"ref,attr"`
			When string `xml:"when,attr"`
		} `xml:"http://purl.org/atompub/tombstones/1.0 deleted-entry"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Deleted) != len(want) {
		t.Fatalf("%d tombstones, want %d", len(doc.Deleted), len(want))
	}
	for i, d := range doc.Deleted {
		when, err := time.Parse(time.RFC3339, d.When)
		if d.Ref != want[i].ref || err != nil || !when.Equal(want[i].when) {
			t.Errorf("tombstone %d = ref %q when %q, want %q %s", i, d.Ref, d.When, want[i].ref, want[i].when.Format(time.RFC3339))
		}
	}
	ns := bytes.Contains(data, []byte(`xmlns:at="http://purl.org/atompub/tombstones/1.0"`))
	if ns != (len(want) > 0) {
		t.Errorf("tombstone namespace declared: %v, with %d tombstones", ns, len(want))
	}
	if len(want) > 0 && bytes.LastIndex(data, []byte("<entry>")) > bytes.Index(data, []byte("<at:deleted-entry")) {
		t.Error("tombstones before an entry")
	}
}

// checkWellFormed reads every token with encoding/xml, which rejects
// malformed XML and characters XML forbids.
func checkWellFormed(t *testing.T, data []byte) {
	t.Helper()
	if !bytes.HasPrefix(data, []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")) {
		t.Errorf("document does not start with the XML declaration: %.60q", data)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
	}
}

// checkUniversal parses data with gofeed's format detection and universal
// model, as an application using gofeed would see the feed.
func checkUniversal(t *testing.T, f feed.Format, data []byte, w wantFeed) {
	t.Helper()
	got, err := gofeed.NewParser().Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("gofeed: %v", err)
	}
	if got.FeedType != string(f) {
		t.Errorf("gofeed detected %q, want %q", got.FeedType, f)
	}
	if got.Title != w.title {
		t.Errorf("feed title = %q, want %q", got.Title, w.title)
	}
	if got.Link != alternate(w.ref) {
		t.Errorf("feed link = %q, want %q", got.Link, alternate(w.ref))
	}
	if want := w.selfURL(f); got.FeedLink != want {
		t.Errorf("feed self link = %q, want %q", got.FeedLink, want)
	}
	if f != feed.JSON { // gofeed takes a JSON feed's time from its first item
		checkTime(t, "feed updated", got.UpdatedParsed, w.updated)
	}
	if len(got.Items) != len(w.entries) {
		t.Fatalf("%d items, want %d", len(got.Items), len(w.entries))
	}
	for i, it := range got.Items {
		e := w.entries[i]
		if it.GUID != e.id {
			t.Errorf("item %d id = %q, want %q", i, it.GUID, e.id)
		}
		if wantLink := e.alternateOf(); it.Link != wantLink {
			t.Errorf("item %d link = %q, want %q", i, it.Link, e.alternateOf())
		}
		if it.Title != e.title {
			t.Errorf("item %d title = %q, want %q", i, it.Title, e.title)
		}
		if len(it.Authors) != 1 || it.Authors[0].Name != e.author {
			t.Errorf("item %d authors = %v, want %q", i, persons(it.Authors), e.author)
		}
		checkTime(t, "item published", it.PublishedParsed, e.published)
		checkTime(t, "item updated", it.UpdatedParsed, e.updated)
		wantContent, wantDesc := e.content, e.summary // Atom summary, JSON summary
		switch {
		case w.summaryOnly && f == feed.JSON:
			wantContent = e.summary // content_text
		case w.summaryOnly && f == feed.RSS:
			wantDesc = html.EscapeString(e.summary) // as HTML
		case w.summaryOnly:
		case f == feed.RSS:
			wantDesc = e.content // RSS description carries the full content
		}
		if w.summaryOnly && f != feed.JSON {
			wantContent = ""
		}
		if it.Content != wantContent {
			t.Errorf("item %d content = %q, want %q", i, it.Content, wantContent)
		}
		if it.Description != wantDesc {
			t.Errorf("item %d description = %q, want %q", i, it.Description, wantDesc)
		}
		if !slices.Equal(it.Categories, e.categories) {
			t.Errorf("item %d categories = %q, want %q", i, it.Categories, e.categories)
		}
		if f != feed.JSON {
			checkInReplyTo(t, i, it.Extensions, e)
		}
	}
}

func persons(ps []*gofeed.Person) []string {
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	return names
}

func checkTime(t *testing.T, what string, got *time.Time, want time.Time) {
	t.Helper()
	if got == nil || !got.Equal(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// checkInReplyTo checks the RFC 4685 element of an Atom entry or RSS item:
// present on comments only, naming the parent by id and permalink.
func checkInReplyTo(t *testing.T, i int, exts ext.Extensions, e wantEntry) {
	t.Helper()
	irt := exts["thr"]["in-reply-to"]
	if e.inReplyTo == "" {
		if len(irt) != 0 {
			t.Errorf("item %d: thr:in-reply-to on a post", i)
		}
		return
	}
	if len(irt) != 1 {
		t.Fatalf("item %d: %d thr:in-reply-to, want 1", i, len(irt))
	}
	a := irt[0].Attrs
	if a["ref"] != e.inReplyTo || a["href"] != e.inReplyTo || a["type"] != "text/html" {
		t.Errorf("item %d thr:in-reply-to = %v, want ref and href %q, type text/html", i, a, e.inReplyTo)
	}
}

// checkAtom checks what gofeed's universal model leaves out of Atom:
// ids, link relations and types, author URIs, threading links and counts.
func checkAtom(t *testing.T, data []byte, w wantFeed) {
	t.Helper()
	got, err := (&atom.Parser{}).Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("gofeed atom: %v", err)
	}
	if got.ID != w.feedID() {
		t.Errorf("feed id = %q, want %q", got.ID, w.feedID())
	}
	checkAtomLink(t, "feed", got.Links, "self", w.selfURL(feed.Atom), "application/atom+xml")
	checkAtomLink(t, "feed", got.Links, "alternate", alternate(w.ref), "text/html")
	var links []wantLink
	for _, l := range got.Links {
		if l.Rel != "self" && l.Rel != "alternate" {
			links = append(links, wantLink{l.Rel, l.Href})
			typ := "application/atom+xml"
			if l.Rel == "hub" {
				typ = ""
			}
			if l.Type != typ {
				t.Errorf("feed link rel=%s type %q, want %q", l.Rel, l.Type, typ)
			}
		}
	}
	checkLinks(t, feed.Atom, links, w.links)
	checkFeedExtensions(t, feed.Atom, got.Extensions, w)
	if len(got.Authors) != 1 || got.Authors[0].Name != siteTitle {
		t.Errorf("feed authors = %v, want %q", got.Authors, siteTitle)
	}
	if bytes.Contains(data, []byte("<updated></updated>")) {
		t.Error("empty <updated>")
	}

	// thr:count and thr:updated are extension attributes gofeed drops.
	var counts struct {
		Entries []struct {
			Links []struct {
				Rel     string  `xml:"rel,attr"`
				Count   *int    `xml:"http://purl.org/syndication/thread/1.0 count,attr"`
				Updated *string `xml:"http://purl.org/syndication/thread/1.0 updated,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(data, &counts); err != nil {
		t.Fatal(err)
	}

	for i, en := range got.Entries {
		e := w.entries[i]
		if a := en.Authors; len(a) != 1 || a[0].URI != e.authorURI {
			t.Errorf("entry %d authors = %v, want uri %q", i, a, e.authorURI)
		}
		if e.noLink {
			if len(en.Links) != 0 {
				t.Errorf("entry %d links = %v, want none", i, en.Links)
			}
		} else {
			checkAtomLink(t, "entry", en.Links, "alternate", e.alternateOf(), "text/html")
		}
		if e.mention != "" {
			checkAtomLink(t, "entry", en.Links, "related", e.id, "text/html")
			if len(en.Categories) != 1 || en.Categories[0].Term != e.mention || en.Categories[0].Scheme != MentionScheme {
				t.Errorf("entry %d categories = %+v, want %q in %s", i, en.Categories, e.mention, MentionScheme)
			}
		}
		switch {
		case w.summaryOnly && en.Content != nil:
			t.Errorf("entry %d content = %+v in a summary view", i, en.Content)
		case !w.summaryOnly && (en.Content == nil || en.Content.Type != "html"):
			t.Errorf("entry %d content = %+v, want type html", i, en.Content)
		}
		var replies []string
		for _, l := range en.Links {
			if l.Rel == "replies" {
				replies = append(replies, l.Href+" "+l.Type)
			}
		}
		var wantReplies []string
		if e.thread.Kind != "" {
			wantReplies = []string{feedPath(e.thread) + ".atom application/atom+xml"}
		}
		if !slices.Equal(replies, wantReplies) {
			t.Errorf("entry %d replies links = %q, want %q", i, replies, wantReplies)
		}
		var count, updated string
		for _, l := range counts.Entries[i].Links {
			if l.Rel == "replies" && l.Count != nil {
				count = strconv.Itoa(*l.Count)
			}
			if l.Rel == "replies" && l.Updated != nil {
				updated = *l.Updated
			}
		}
		if count != e.count || updated != e.repliesUpdated {
			t.Errorf("entry %d thr:count, thr:updated = %q, %q; want %q, %q", i, count, updated, e.count, e.repliesUpdated)
		}
	}
}

func checkAtomLink(t *testing.T, where string, links []*atom.Link, rel, href, typ string) {
	t.Helper()
	n := 0
	for _, l := range links {
		if l.Rel == rel {
			n++
			if l.Href != href || l.Type != typ {
				t.Errorf("%s link rel=%s = %s (%s), want %s (%s)", where, rel, l.Href, l.Type, href, typ)
			}
		}
	}
	if n != 1 {
		t.Errorf("%s has %d links rel=%s, want 1", where, n, rel)
	}
}

// checkRSS checks the RSS specifics: guid permalinks, no <author>, names
// in dc:creator, RFC 822 dates, ttl, self link and comment extensions.
func checkRSS(t *testing.T, data []byte, w wantFeed) {
	t.Helper()
	got, err := (&rss.Parser{}).Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("gofeed rss: %v", err)
	}
	if got.Version != "2.0" {
		t.Errorf("version = %q, want 2.0", got.Version)
	}
	if ttl, _, _ := w.hints(); got.TTL != ttl {
		t.Errorf("ttl = %q, want %s", got.TTL, ttl)
	}
	if want := w.updated.Format("Mon, 02 Jan 2006 15:04:05 +0000"); got.LastBuildDate != want {
		t.Errorf("lastBuildDate = %q, want %q", got.LastBuildDate, want)
	}
	atomLinks := got.Extensions["atom"]["link"]
	if len(atomLinks) == 0 || atomLinks[0].Attrs["rel"] != "self" || atomLinks[0].Attrs["type"] != "application/rss+xml" || atomLinks[0].Attrs["href"] != w.selfURL(feed.RSS) {
		t.Errorf("atom:link = %+v, want a self link to %s of type application/rss+xml first", atomLinks, w.selfURL(feed.RSS))
	}
	var links []wantLink
	for i, l := range atomLinks {
		if i == 0 {
			continue
		}
		if l.Attrs["rel"] == "self" || l.Attrs["rel"] == "alternate" {
			t.Errorf("a second atom:link rel=%s", l.Attrs["rel"])
		}
		links = append(links, wantLink{l.Attrs["rel"], l.Attrs["href"]})
		typ := "application/rss+xml"
		if l.Attrs["rel"] == "hub" {
			typ = ""
		}
		if l.Attrs["type"] != typ {
			t.Errorf("atom:link rel=%s type %q, want %q", l.Attrs["rel"], l.Attrs["type"], typ)
		}
	}
	checkLinks(t, feed.RSS, links, w.links)
	checkFeedExtensions(t, feed.RSS, got.Extensions, w)
	if bytes.Contains(data, []byte("<author>")) {
		t.Error("RSS <author> must be an e-mail address, and feedd has none")
	}
	for i, it := range got.Items {
		e := w.entries[i]
		permalink := "true"
		if e.noLink {
			permalink = "false"
		}
		if it.GUID == nil || it.GUID.Value != e.id || it.GUID.IsPermalink != permalink {
			t.Errorf("item %d guid = %+v, want %q, isPermaLink %s", i, it.GUID, e.id, permalink)
		}
		if want := e.published.Format("Mon, 02 Jan 2006 15:04:05 +0000"); it.PubDate != want {
			t.Errorf("item %d pubDate = %q, want %q", i, it.PubDate, want)
		}
		if it.DublinCoreExt == nil || !slices.Equal(it.DublinCoreExt.Creator, []string{e.author}) {
			t.Errorf("item %d dc:creator = %+v, want %q", i, it.DublinCoreExt, e.author)
		}
		var comments, commentRSS, count string
		if e.thread.Kind != "" {
			comments, commentRSS = e.id+"#comments", feedPath(e.thread)+".rss"
		}
		if it.Comments != comments {
			t.Errorf("item %d comments = %q, want %q", i, it.Comments, comments)
		}
		if got := extValue(it.Extensions, "wfw", "commentRss"); got != commentRSS {
			t.Errorf("item %d wfw:commentRss = %q, want %q", i, got, commentRSS)
		}
		if count = extValue(it.Extensions, "slash", "comments"); count != e.count {
			t.Errorf("item %d slash:comments = %q, want %q", i, count, e.count)
		}
	}
}

func extValue(exts ext.Extensions, prefix, name string) string {
	if es := exts[prefix][name]; len(es) > 0 {
		return es[0].Value
	}
	return ""
}

// jsonDoc is a JSON Feed 1.1 document as encoding/json reads it. The
// deprecated author objects are kept raw to check their absence.
type jsonDoc struct {
	Version     string           `json:"version"`
	Title       string           `json:"title"`
	HomePageURL string           `json:"home_page_url"`
	FeedURL     string           `json:"feed_url"`
	NextURL     string           `json:"next_url"`
	Authors     []jsonDocAuthor  `json:"authors"`
	Author      *json.RawMessage `json:"author"`
	Hubs        []struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	} `json:"hubs"`
	Archive *struct {
		CurrentURL     string `json:"current_url"`
		PrevArchiveURL string `json:"prev_archive_url"`
		NextArchiveURL string `json:"next_archive_url"`
	} `json:"_archive"`
	Items *[]struct {
		ID            string           `json:"id"`
		URL           string           `json:"url"`
		Title         string           `json:"title"`
		ContentHTML   *string          `json:"content_html"`
		ContentText   *string          `json:"content_text"`
		Summary       string           `json:"summary"`
		DatePublished string           `json:"date_published"`
		DateModified  string           `json:"date_modified"`
		Authors       []jsonDocAuthor  `json:"authors"`
		Author        *json.RawMessage `json:"author"`
		Tags          []string         `json:"tags"`
		Thread        *struct {
			InReplyTo *jsonDocRef `json:"in_reply_to"`
			Post      *jsonDocRef `json:"post"`
			Replies   *struct {
				FeedURL string `json:"feed_url"`
				Count   *int   `json:"count"`
				Updated string `json:"updated"`
			} `json:"replies"`
		} `json:"_thread"`
		Feedd   *json.RawMessage `json:"_feedd"` // the old name, gone
		Mention *struct {
			Kind   string `json:"kind"`
			Source string `json:"source"`
		} `json:"_mention"`
	} `json:"items"`
}

type jsonDocRef struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

type jsonDocAuthor struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

func checkJSON(t *testing.T, data []byte, w wantFeed) {
	t.Helper()
	var doc jsonDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("not valid JSON: %v", err)
	}
	if doc.Version != "https://jsonfeed.org/version/1.1" {
		t.Errorf("version = %q", doc.Version)
	}
	if doc.HomePageURL != alternate(w.ref) || doc.FeedURL != w.selfURL(feed.JSON) {
		t.Errorf("home_page_url, feed_url = %q, %q; want %q, %q", doc.HomePageURL, doc.FeedURL, alternate(w.ref), w.selfURL(feed.JSON))
	}
	// JSON Feed has next_url for rel="next", hubs for rel="hub" and, in
	// archives, the _archive object for the RFC 5005 links.
	var links []wantLink
	if doc.Archive != nil {
		if w.history == "archive" {
			links = append(links, wantLink{"current", doc.Archive.CurrentURL})
		} else if doc.Archive.CurrentURL != w.selfURL(feed.JSON) {
			t.Errorf("head's _archive.current_url = %q, want its own URL", doc.Archive.CurrentURL)
		}
		if doc.Archive.PrevArchiveURL != "" {
			links = append(links, wantLink{"prev-archive", doc.Archive.PrevArchiveURL})
		}
		if doc.Archive.NextArchiveURL != "" || w.history == "archive" {
			links = append(links, wantLink{"next-archive", doc.Archive.NextArchiveURL})
		}
	}
	if doc.NextURL != "" {
		links = append(links, wantLink{"next", doc.NextURL})
	}
	for _, h := range doc.Hubs {
		if h.Type != "WebSub" {
			t.Errorf("hub %q of type %q, want WebSub", h.URL, h.Type)
		}
		links = append(links, wantLink{"hub", h.URL})
	}
	var want []wantLink
	for _, l := range w.links {
		switch l.rel {
		case "next", "hub":
			want = append(want, l)
		case "current", "next-archive":
			if w.history == "archive" {
				want = append(want, l)
			}
		case "prev-archive":
			want = append(want, l) // heads too, in _archive
		}
	}
	// The order in JSON: _archive, next_url, hubs.
	slices.SortStableFunc(want, func(a, b wantLink) int { return jsonLinkOrder(a.rel) - jsonLinkOrder(b.rel) })
	checkLinks(t, feed.JSON, links, want)
	if len(doc.Authors) != 1 || doc.Authors[0] != (jsonDocAuthor{siteTitle, root + "/"}) || doc.Author != nil {
		t.Errorf("feed authors = %+v, author = %s; want the site in authors only", doc.Authors, raw(doc.Author))
	}
	if doc.Items == nil {
		t.Fatal("no items array: JSON Feed requires one, empty or not")
	}
	for i, it := range *doc.Items {
		e := w.entries[i]
		wantURL := e.alternateOf()
		if it.ID != e.id || it.URL != wantURL || it.Title != e.title || it.Summary != e.summary {
			t.Errorf("item %d id, url, title, summary = %q, %q, %q, %q", i, it.ID, it.URL, it.Title, it.Summary)
		}
		if w.summaryOnly {
			if it.ContentHTML != nil || it.ContentText == nil || *it.ContentText != e.summary {
				t.Errorf("item %d content_html %v, content_text %v; want the summary as content_text alone", i, it.ContentHTML, it.ContentText)
			}
		} else if it.ContentHTML == nil || *it.ContentHTML != e.content || it.ContentText != nil {
			t.Errorf("item %d content_html %v, content_text %v; want content_html %q alone", i, it.ContentHTML, it.ContentText, e.content)
		}
		if it.DatePublished != e.published.Format(time.RFC3339) || it.DateModified != e.updated.Format(time.RFC3339) {
			t.Errorf("item %d dates = %q, %q, want %s, %s", i, it.DatePublished, it.DateModified, e.published.Format(time.RFC3339), e.updated.Format(time.RFC3339))
		}
		wantAuthor := jsonDocAuthor{e.author, e.authorURI}
		if len(it.Authors) != 1 || it.Authors[0] != wantAuthor || it.Author != nil {
			t.Errorf("item %d authors = %+v, author = %s; want %+v in authors only", i, it.Authors, raw(it.Author), wantAuthor)
		}
		if !slices.Equal(it.Tags, e.categories) {
			t.Errorf("item %d tags = %q, want %q", i, it.Tags, e.categories)
		}
		switch m := it.Mention; {
		case e.mention == "" && m != nil:
			t.Errorf("item %d _mention = %+v, want none", i, m)
		case e.mention != "" && (m == nil || m.Kind != e.mention || m.Source != e.link):
			t.Errorf("item %d _mention = %+v, want kind %q, source %q", i, m, e.mention, e.link)
		}
		if it.Feedd != nil {
			t.Errorf("item %d has the old _feedd object", i)
		}
		var inReplyTo, post, commentsFeed, count, updated string
		if x := it.Thread; x != nil {
			if r := x.InReplyTo; r != nil {
				if r.ID != r.URL {
					t.Errorf("item %d _thread in_reply_to id %q and url %q differ", i, r.ID, r.URL)
				}
				inReplyTo = r.ID
			}
			if p := x.Post; p != nil {
				if p.ID != p.URL {
					t.Errorf("item %d _thread post id %q and url %q differ", i, p.ID, p.URL)
				}
				post = p.ID
			}
			if rp := x.Replies; rp != nil {
				commentsFeed, updated = rp.FeedURL, rp.Updated
				if rp.Count != nil {
					count = strconv.Itoa(*rp.Count)
				}
			}
		}
		var wantFeed string
		if e.thread.Kind != "" {
			wantFeed = feedPath(e.thread) + ".json"
		}
		if inReplyTo != e.inReplyTo || post != e.post || commentsFeed != wantFeed || count != e.count || updated != e.repliesUpdated {
			t.Errorf("item %d _thread = %q, %q, %q, %q, %q; want %q, %q, %q, %q, %q", i, inReplyTo, post, commentsFeed, count, updated,
				e.inReplyTo, e.post, wantFeed, e.count, e.repliesUpdated)
		}
	}
}

func raw(m *json.RawMessage) string {
	if m == nil {
		return "absent"
	}
	return string(*m)
}

func jsonLinkOrder(rel string) int {
	switch rel {
	case "next":
		return 1
	case "hub":
		return 2
	}
	return 0
}

// checkLinks compares a document's links, in order, with want, whose URLs
// hold {ext}.
func checkLinks(t *testing.T, f feed.Format, got, want []wantLink) {
	t.Helper()
	w := make([]wantLink, len(want))
	for i, l := range want {
		w[i] = wantLink{l.rel, withExt(l.href, f)}
	}
	if !slices.Equal(got, w) {
		t.Errorf("%s links =\n%v\nwant\n%v", f, got, w)
	}
}

// checkFeedExtensions checks the feed-level extension elements of an Atom
// feed or RSS channel as gofeed reads them: RFC 5005's fh:complete and
// fh:archive, OpenSearch counts, and the sy update schedule.
func checkFeedExtensions(t *testing.T, f feed.Format, exts ext.Extensions, w wantFeed) {
	t.Helper()
	var history []string
	for name := range exts["fh"] {
		history = append(history, name)
	}
	want := []string(nil)
	if w.history != "" {
		want = []string{w.history}
	}
	if !slices.Equal(history, want) {
		t.Errorf("%s: fh elements %q, want %q", f, history, want)
	}
	var search *wantSearch
	if os := exts["openSearch"]; os != nil {
		search = &wantSearch{extValue(exts, "openSearch", "totalResults"), extValue(exts, "openSearch", "startIndex"), extValue(exts, "openSearch", "itemsPerPage")}
		if len(os) != 3 {
			t.Errorf("%s: openSearch elements %v", f, os)
		}
	}
	if (search == nil) != (w.search == nil) || search != nil && *search != *w.search {
		t.Errorf("%s: openSearch = %+v, want %+v", f, search, w.search)
	}
	_, period, freq := w.hints()
	if p, fr := extValue(exts, "sy", "updatePeriod"), extValue(exts, "sy", "updateFrequency"); p != period || fr != freq {
		t.Errorf("%s: sy:updatePeriod %q, sy:updateFrequency %q; want %q, %q", f, p, fr, period, freq)
	}
}
