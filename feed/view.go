package feed

import (
	"net/url"
	"strconv"
	"time"
)

// View selects one document of a feed (a Ref): the head, which is the
// zero View and the document subscribers poll, a page of it, an archive
// document, a category or author selection of the posts feed, or a
// Blogger-style query. Views are comparable, so that with the Ref and the
// format they key the cache; Encode spells one as a canonical query string.
//
// Paging and archives (RFC 5005) cut a feed's live entries, oldest first by
// (Published, ID), into chunks of the page size: archive document k holds
// chunk k (1 is the oldest), and only full chunks are archive documents.
// The head holds the newest entries from the start of the newest full chunk
// on (at least a page when the feed has that many, under two pages), so
// that the head and the archives it chains to with prev-archive hold every
// entry exactly once; page p ≥ 2 is the chunk the head's p-1th
// prev-archive step reaches, newest first.
type View struct {
	// Page is a paged document's number, 2 or more; 0 (or 1) is the head.
	Page int
	// Archive is an archive document's number, 1 for the oldest; 0 when
	// the document is not one. An archive has no other field set.
	Archive int
	// Category and Author select posts (the posts feed only): those with
	// a category of exactly this name, those whose author name equals this
	// (case-insensitively).
	Category string
	Author   string
	// Summary leaves content out and carries summaries only, as Blogger's
	// /feeds/posts/summary does.
	Summary bool
	// The Blogger query parameters. MaxResults and StartIndex page by
	// offset (StartIndex counts from 1); zero means absent. The time
	// bounds are inclusive for -min and exclusive for -max; zero means
	// absent. OrderBy is "", OrderPublished or OrderUpdated.
	MaxResults                 int
	StartIndex                 int
	PublishedMin, PublishedMax time.Time
	UpdatedMin, UpdatedMax     time.Time
	OrderBy                    string
}

// The orders of View.OrderBy (Blogger's orderby) and of store filters.
const (
	OrderPublished = "published"
	OrderUpdated   = "updated"
)

// MaxResultsCap bounds View.MaxResults, as Blogger does.
const MaxResultsCap = 500

// IsHead reports whether v is the head document of its feed (or of a
// category or author selection of it).
func (v View) IsHead() bool {
	return v.Page <= 1 && v.Archive == 0 && !v.IsQuery()
}

// IsQuery reports whether v carries a Blogger query parameter: such a
// document is an ad-hoc selection, paged by start-index, never archived.
func (v View) IsQuery() bool {
	return v.MaxResults != 0 || v.StartIndex != 0 || !v.PublishedMin.IsZero() || !v.PublishedMax.IsZero() ||
		!v.UpdatedMin.IsZero() || !v.UpdatedMax.IsZero() || v.OrderBy != ""
}

// Selection returns v's category, author and summary alone: the feed that
// v's pages, archives and queries belong to.
func (v View) Selection() View {
	return View{Category: v.Category, Author: v.Author, Summary: v.Summary}
}

// Encode returns v as a canonical query string, keys in a fixed order,
// without the leading "?": "" for the head. Archive numbers are not part
// of it (archives have URLs of their own).
func (v View) Encode() string {
	q := url.Values{}
	set := func(k, val string) {
		if val != "" {
			q.Set(k, val)
		}
	}
	set("category", v.Category)
	set("author", v.Author)
	if v.Summary {
		q.Set("summary", "true")
	}
	if v.Page > 1 {
		q.Set("page", strconv.Itoa(v.Page))
	}
	if v.MaxResults != 0 {
		q.Set("max-results", strconv.Itoa(v.MaxResults))
	}
	if v.StartIndex != 0 {
		q.Set("start-index", strconv.Itoa(v.StartIndex))
	}
	for _, t := range []struct {
		k string
		v time.Time
	}{{"published-min", v.PublishedMin}, {"published-max", v.PublishedMax}, {"updated-min", v.UpdatedMin}, {"updated-max", v.UpdatedMax}} {
		if !t.v.IsZero() {
			q.Set(t.k, t.v.UTC().Format(time.RFC3339))
		}
	}
	set("orderby", v.OrderBy)
	return q.Encode() // sorted by key
}

// Subscription is a WebSub subscriber's lease on one topic (a feed URL)
// of feedd's built-in hub.
type Subscription struct {
	Topic    string `json:"topic"`    // the feed URL subscribed to
	Callback string `json:"callback"` // where content is delivered
	// Secret keys the HMAC-SHA256 of X-Hub-Signature; empty: unsigned.
	Secret  string    `json:"-"`
	Expires time.Time `json:"expires"` // the end of the lease
	Created time.Time `json:"created"` // when the lease was first verified
}
