package webmention

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/feedd/feedd/feed"
)

// Entry is what a mention's source says about itself: the h-entry's
// properties feedd shows.
type Entry struct {
	Name        string
	ContentHTML string // e-content's HTML, "" without one
	ContentText string // e-content's text (or p-content's)
	Summary     string
	URL         string
	Published   time.Time // zero when absent or unparsed
	Updated     time.Time
	Author      Card

	InReplyTo, LikeOf, RepostOf, BookmarkOf []string
}

// Card is an h-card, or an author given as text or a URL.
type Card struct {
	Name, URL, Photo string
}

// FindEntry returns the h-entry of d that a mention's source means: the
// one whose url is source, among top-level items, their children and
// nested items (an h-feed's entries), else the first h-entry in document
// order; nil when there is none.
func FindEntry(d *Data, source string) *Entry {
	var entries []*Item
	var walk func(items []*Item)
	walk = func(items []*Item) {
		for _, it := range items {
			if slices.Contains(it.Type, "h-entry") {
				entries = append(entries, it)
			}
			// Children (an h-feed's entries) count; entries nested as a
			// property (a p-comment h-entry, a quoted u-like-of h-entry)
			// are another page's, not the source's own.
			walk(it.Children)
		}
	}
	walk(d.Items)
	if len(entries) == 0 {
		return nil
	}
	pick := entries[0]
	for _, e := range entries {
		for _, u := range e.Properties["url"] {
			if sameURL(u.Text, source) {
				pick = e
				break
			}
		}
	}
	return entryOf(pick)
}

// entryOf reads an h-entry item.
func entryOf(it *Item) *Entry {
	e := &Entry{
		Name:    first(it, "name"),
		Summary: first(it, "summary"),
		URL:     first(it, "url"),
	}
	if cs := it.Properties["content"]; len(cs) > 0 {
		e.ContentHTML, e.ContentText = cs[0].HTML, cs[0].Text
	}
	e.Published = ParseTime(first(it, "published"))
	e.Updated = ParseTime(first(it, "updated"))
	if as := it.Properties["author"]; len(as) > 0 {
		e.Author = cardOf(as[0])
	}
	for _, p := range []struct {
		name string
		to   *[]string
	}{{"in-reply-to", &e.InReplyTo}, {"like-of", &e.LikeOf}, {"repost-of", &e.RepostOf}, {"bookmark-of", &e.BookmarkOf}} {
		for _, v := range it.Properties[p.name] {
			u := v.Text
			if v.Item != nil {
				if urls := v.Item.Properties["url"]; len(urls) > 0 {
					u = urls[0].Text
				}
			}
			if u != "" {
				*p.to = append(*p.to, u)
			}
		}
	}
	return e
}

// cardOf reads an author: an h-card, else a text that is a name or a URL.
func cardOf(v Value) Card {
	if v.Item != nil {
		return Card{Name: first(v.Item, "name"), URL: first(v.Item, "url"), Photo: first(v.Item, "photo")}
	}
	if u, err := url.Parse(v.Text); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return Card{URL: v.Text}
	}
	return Card{Name: v.Text}
}

// first returns the text of an item's first value of property name.
func first(it *Item, name string) string {
	if vs := it.Properties[name]; len(vs) > 0 {
		return strings.TrimSpace(vs[0].Text)
	}
	return ""
}

// Kind returns the kind of mention that e makes of target: a reply when
// it is in reply to target, a like, repost or bookmark of it, else a
// plain mention (feed.MentionLink).
func (e *Entry) Kind(target string) string {
	for _, k := range []struct {
		urls []string
		kind string
	}{
		{e.InReplyTo, feed.MentionReply},
		{e.LikeOf, feed.MentionLike},
		{e.RepostOf, feed.MentionRepost},
		{e.BookmarkOf, feed.MentionBookmark},
	} {
		for _, u := range k.urls {
			if sameURL(u, target) {
				return k.kind
			}
		}
	}
	return feed.MentionLink
}

// timeLayouts are the date forms of the mf2 spec's dt-* values (ISO 8601
// and RFC 3339 with a 'T' or a space, optional seconds, a zone as Z,
// ±hh:mm, ±hhmm or ±hh, or none: UTC), and a bare date.
var timeLayouts = []string{
	"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05-0700", "2006-01-02T15:04-0700", "2006-01-02T15:04:05-07", "2006-01-02T15:04-07",
	"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02",
}

// ParseTime parses an mf2 date; zero when it is none of timeLayouts. A
// date without a zone is taken as UTC.
func ParseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if len(s) > 10 && (s[10] == ' ' || s[10] == 't') {
		s = s[:10] + "T" + s[11:]
	}
	s = strings.Replace(s, "z", "Z", 1)
	// "2024-05-01T12:00:00 +02:00": the value-class join puts no space
	// before the zone, but authors do.
	s = strings.Replace(s, " +", "+", 1)
	s = strings.Replace(s, " -", "-", 1)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// sameURL reports whether two URLs name the same page: equal after
// lower-casing the scheme and host, dropping a default port and the
// fragment, and taking an empty path as "/".
func sameURL(a, b string) bool {
	na, oka := normalURL(a)
	nb, okb := normalURL(b)
	return oka && okb && na == nb
}

// normalURL returns u in the form sameURL compares.
func normalURL(s string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" {
		return "", false
	}
	u.Scheme, u.Host, u.Fragment, u.RawFragment = strings.ToLower(u.Scheme), strings.ToLower(u.Host), "", ""
	switch port := u.Port(); {
	case u.Scheme == "http" && port == "80", u.Scheme == "https" && port == "443":
		u.Host = strings.TrimSuffix(u.Host, ":"+port)
	}
	if u.Path == "" {
		u.Path, u.RawPath = "/", ""
	}
	return u.String(), true
}
