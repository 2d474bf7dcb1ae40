package feed

import (
	"iter"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The catalogue of feedd's feeds: the kinds of feed, the formats they are
// rendered in, the documents (views) each kind has and the URL path of
// every document. It is the one place that writes these down: the
// renderer builds its URLs from it (URL, ID), the server parses
// request paths with it (ParsePath), the static export walks it (Files)
// and the cache checks its keys against it (CheckDoc).
//
// The URL paths are Routes, below the site's base URL. A feed's head is
// at its kind's first route; its pages, selections (category, author)
// and Blogger queries at the same path with the query View.Encode
// spells. A feed's id (ID) is its head's path without the
// extension, the same for every format; its archives are below it.

// Kind says which of feedd's feeds a Ref names.
type Kind string

// The feeds feedd serves.
const (
	KindPosts    Kind = "posts"    // the site's posts
	KindComments Kind = "comments" // every comment on the site
	KindThread   Kind = "thread"   // the comments of one post
	KindDigest   Kind = "digest"   // one entry per closed period (daily, weekly)
)

// KindSpec says what a kind of feed has: its formats and the documents
// (View fields) it serves.
type KindSpec struct {
	Kind    Kind
	Formats []Format // the formats it is rendered in
	// Paged: pages (View.Page), archive documents (View.Archive, RFC
	// 5005) and Blogger queries (View.IsQuery). Without it the head is
	// the only document.
	Paged bool
	// Selections: category, author and summary views (View.Selection).
	Selections bool
}

// Kinds lists every kind of feed.
var Kinds = []KindSpec{
	{Kind: KindPosts, Formats: Formats, Paged: true, Selections: true},
	{Kind: KindComments, Formats: Formats, Paged: true},
	{Kind: KindThread, Formats: Formats, Paged: true},
	{Kind: KindDigest, Formats: Formats},
}

// SpecOf returns the spec of kind k, and false for an unknown kind.
func SpecOf(k Kind) (KindSpec, bool) {
	for _, s := range Kinds {
		if s.Kind == k {
			return s, true
		}
	}
	return KindSpec{}, false
}

// Format is a syndication format a feed is rendered in.
type Format string

// The formats feedd renders, named by their URL extension.
const (
	Atom Format = "atom"
	RSS  Format = "rss"
	JSON Format = "json"
)

// Formats lists every format, in the order feedd renders them.
var Formats = []Format{Atom, RSS, JSON}

// mediaTypes are the formats' media types, without parameters.
var mediaTypes = map[Format]string{
	Atom: "application/atom+xml",
	RSS:  "application/rss+xml",
	JSON: "application/feed+json",
}

// Ext returns the file extension of format f in URLs and file names,
// without the dot.
func (f Format) Ext() string { return string(f) }

// MediaType returns the media type of format f without parameters
// ("application/atom+xml"), "" for an unknown format.
func (f Format) MediaType() string { return mediaTypes[f] }

// ParseFormat returns the format whose extension is s.
func ParseFormat(s string) (Format, bool) {
	for _, f := range Formats {
		if f.Ext() == s {
			return f, true
		}
	}
	return "", false
}

// Digest periods, the values of Ref.Period for KindDigest.
const (
	PeriodDaily  = "daily"
	PeriodWeekly = "weekly"
)

// DigestFeed names the digest feed of a period (PeriodDaily, PeriodWeekly).
func DigestFeed(period string) Ref { return Ref{Kind: KindDigest, Period: period} }

// DigestFeeds lists the digest feeds.
var DigestFeeds = []Ref{DigestFeed(PeriodDaily), DigestFeed(PeriodWeekly)}

// ValidPeriod reports whether s names a digest period: PeriodDaily or
// PeriodWeekly.
func ValidPeriod(s string) bool {
	return s == PeriodDaily || s == PeriodWeekly
}

// Valid reports whether r names a feed that can exist: a known kind, a
// valid post id for a thread feed and a period for a digest feed, and no
// field its kind does not have.
func (r Ref) Valid() bool {
	switch r.Kind {
	case KindPosts, KindComments:
		return r.PostID == "" && r.Period == ""
	case KindThread:
		return ValidID(r.PostID) && r.Period == ""
	case KindDigest:
		return ValidPeriod(r.Period) && r.PostID == ""
	}
	return false
}

// CheckDoc returns an ENOTFOUND error when document v of feed ref in
// format f cannot exist whatever the store holds: an unknown format or
// feed, a malformed document (a negative page, an archive with anything
// else, a page with a query), a selection or page of a feed that has
// none, the thread feed of an invalid post id. Pages and archives past a
// feed's end, and unknown posts, are for the store to tell.
func CheckDoc(ref Ref, v View, f Format) error {
	spec, ok := SpecOf(ref.Kind)
	if _, okf := ParseFormat(string(f)); !okf || (ok && !slices.Contains(spec.Formats, f)) {
		return Errorf(ENOTFOUND, "unknown feed format %q", f)
	}
	if v.Page < 0 || v.Archive < 0 || (v.Archive > 0 && v != (View{Archive: v.Archive})) ||
		(v.Page > 1 && v.IsQuery()) {
		return Errorf(ENOTFOUND, "no such document of feed %q", ref.String())
	}
	if v.Selection() != (View{}) && ok && !spec.Selections {
		return Errorf(ENOTFOUND, "feed %q has no categories, authors or summaries", ref.String())
	}
	if !ref.Valid() {
		if ref.Kind == KindThread {
			return Errorf(ENOTFOUND, "post not found")
		}
		return Errorf(ENOTFOUND, "unknown feed %q", ref.String())
	}
	if !spec.Paged && (v.Page != 0 || v.Archive != 0 || v.IsQuery()) {
		return Errorf(ENOTFOUND, "feed %q has no pages, archives or queries", ref.String())
	}
	return nil
}

// Query says what the query string of a request for a Route's path
// selects.
type Query int

// The readings of a route's query.
const (
	// ViewQuery: the query names the document of the feed (a page, a
	// selection, a Blogger query; see View.Encode), on top of the
	// route's own selection. No query is the head.
	ViewQuery Query = iota
	// NoQuery: the path alone names the document (archives, the digest
	// feeds); a query is ignored.
	NoQuery
	// BloggerQuery: as ViewQuery, and the format is the alt parameter's
	// (atom, rss, json; Atom when absent): Blogger's URLs.
	BloggerQuery
	// PeriodQuery: the digest feed of the period parameter (daily when
	// absent); its head.
	PeriodQuery
)

// Route is one URL path pattern of the feeds, below the base URL.
// Pattern's segments are literals or hold one wildcard, {post} (a
// post id), {period} (a digest period), {k} (an archive number from 1,
// without leading zeros) or {label} (a category), optionally followed by
// .{ext}, a format's extension. A route is canonical when Path builds
// it: the head and archive routes; the others are aliases the server
// answers too.
type Route struct {
	Pattern string
	Kind    Kind
	Query   Query
	Archive bool // the route of a kind's archive documents, {k}
	// Alias marks a route Path never builds.
	Alias bool
	// View is the selection the path itself makes (Summary for
	// /feeds/posts/summary).
	View View

	segs []segment
}

// segment is one parsed segment of a Route's pattern.
type segment struct {
	lit  string // the literal, when wild is ""
	wild string // the wildcard's name, without braces
	ext  bool   // followed by .{ext}
}

// The wildcards of route patterns.
const (
	wildPost   = "post"
	wildPeriod = "period"
	wildK      = "k"
	wildLabel  = "label"
)

// Routes lists every URL path pattern of the feeds. No path matches two
// of them.
var Routes = []Route{
	{Pattern: "/feeds/posts.{ext}", Kind: KindPosts},
	{Pattern: "/feeds/comments.{ext}", Kind: KindComments},
	{Pattern: "/feeds/posts/{post}/comments.{ext}", Kind: KindThread},
	{Pattern: "/feeds/digest/{period}.{ext}", Kind: KindDigest, Query: NoQuery},
	{Pattern: "/feeds/posts/archive/{k}.{ext}", Kind: KindPosts, Query: NoQuery, Archive: true},
	{Pattern: "/feeds/comments/archive/{k}.{ext}", Kind: KindComments, Query: NoQuery, Archive: true},
	{Pattern: "/feeds/posts/{post}/comments/archive/{k}.{ext}", Kind: KindThread, Query: NoQuery, Archive: true},
	{Pattern: "/feeds/digest.{ext}", Kind: KindDigest, Query: PeriodQuery, Alias: true},
	{Pattern: "/feeds/posts/default", Kind: KindPosts, Query: BloggerQuery, Alias: true},
	{Pattern: "/feeds/posts/summary", Kind: KindPosts, Query: BloggerQuery, Alias: true, View: View{Summary: true}},
	{Pattern: "/feeds/posts/default/-/{label}", Kind: KindPosts, Query: BloggerQuery, Alias: true},
	{Pattern: "/feeds/comments/default", Kind: KindComments, Query: BloggerQuery, Alias: true},
	{Pattern: "/feeds/{post}/comments/default", Kind: KindThread, Query: BloggerQuery, Alias: true},
}

func init() {
	for i := range Routes {
		Routes[i].segs = parsePattern(Routes[i].Pattern)
	}
}

// parsePattern splits a route's pattern into segments.
func parsePattern(p string) []segment {
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	segs := make([]segment, len(parts))
	for i, s := range parts {
		s, segs[i].ext = strings.CutSuffix(s, ".{ext}")
		if name, ok := strings.CutPrefix(s, "{"); ok {
			segs[i].wild = strings.TrimSuffix(name, "}")
		} else {
			segs[i].lit = s
		}
	}
	return segs
}

// Target is what a feed URL's path names: a feed, a document of it and a
// format, and how the request's query adds to them (Query).
type Target struct {
	Ref Ref // for PeriodQuery, Period is empty: the query names it
	// View is the document the path names: an archive (View.Archive),
	// or the path's own selection (Summary, a label's Category).
	View   View
	Format Format // empty for BloggerQuery: the alt parameter names it
	Query  Query
}

// ParsePath returns what the URL path p names, p as sent (escaped: each
// segment is unescaped on its own, so that %2F stays inside one), below
// the base URL, without the query; false when p is no feed's. A post id,
// period, archive number, label and format are checked; that the post
// exists is not.
func ParsePath(p string) (Target, bool) {
	rest, ok := strings.CutPrefix(p, "/")
	if !ok {
		return Target{}, false
	}
	var buf [maxSegments]string // on the stack: no allocation but to unescape
	parts := buf[:0]
	for more := true; more; {
		if len(parts) == maxSegments {
			return Target{}, false
		}
		var s string
		s, rest, more = strings.Cut(rest, "/")
		if strings.IndexByte(s, '%') >= 0 {
			u, err := url.PathUnescape(s)
			if err != nil {
				return Target{}, false
			}
			s = u
		}
		parts = append(parts, s)
	}
	for i := range Routes {
		if t, ok := Routes[i].match(parts); ok {
			return t, true
		}
	}
	return Target{}, false
}

// maxSegments bounds the segments of a route's pattern.
const maxSegments = 8

// match returns the target of parts, a path's unescaped segments, under
// route r.
func (r *Route) match(parts []string) (Target, bool) {
	if len(parts) != len(r.segs) {
		return Target{}, false
	}
	t := Target{Ref: Ref{Kind: r.Kind}, View: r.View, Query: r.Query}
	for i, seg := range r.segs {
		s := parts[i]
		if seg.ext {
			dot := strings.LastIndexByte(s, '.')
			if dot < 0 {
				return Target{}, false
			}
			f, ok := ParseFormat(s[dot+1:])
			if !ok {
				return Target{}, false
			}
			t.Format, s = f, s[:dot]
		}
		switch seg.wild {
		case "":
			if s != seg.lit {
				return Target{}, false
			}
		case wildPost:
			if !ValidID(s) {
				return Target{}, false
			}
			t.Ref.PostID = s
		case wildPeriod:
			if !ValidPeriod(s) {
				return Target{}, false
			}
			t.Ref.Period = s
		case wildK:
			k, err := strconv.Atoi(s)
			if err != nil || k < 1 || strconv.Itoa(k) != s {
				return Target{}, false
			}
			t.View.Archive = k
		case wildLabel:
			if strings.TrimSpace(s) == "" || len(s) > MaxNameLen {
				return Target{}, false
			}
			t.View.Category = s
		default:
			return Target{}, false
		}
	}
	return t, true
}

// Build returns the path of t under route r (escaped, without a query),
// the inverse of ParsePath.
func (r *Route) Build(t Target) string { return r.build("", t, "") }

// build returns base, the path of t under r and suffix, in one
// allocation.
func (r *Route) build(base string, t Target, suffix string) string {
	var b strings.Builder
	b.Grow(len(base) + len(r.Pattern) + len(t.Ref.PostID) + len(t.Ref.Period) + len(t.View.Category) + len(suffix) + 8)
	b.WriteString(base)
	for _, seg := range r.segs {
		b.WriteByte('/')
		switch seg.wild {
		case "":
			b.WriteString(seg.lit)
		case wildPost:
			b.WriteString(url.PathEscape(t.Ref.PostID))
		case wildPeriod:
			b.WriteString(url.PathEscape(t.Ref.Period))
		case wildK:
			b.WriteString(strconv.Itoa(t.View.Archive))
		case wildLabel:
			b.WriteString(url.PathEscape(t.View.Category))
		}
		if seg.ext && t.Format != "" {
			b.WriteByte('.')
			b.WriteString(t.Format.Ext())
		}
	}
	b.WriteString(suffix)
	return b.String()
}

// route returns the canonical route of kind k's heads, or of its archive
// documents; that of the posts feed for an unknown kind.
func route(k Kind, archive bool) *Route {
	for i := range Routes {
		if r := &Routes[i]; !r.Alias && r.Kind == k && r.Archive == archive {
			return r
		}
	}
	return route(KindPosts, archive)
}

// Path returns the path, below the base URL, of document v of feed ref in
// format f: its archive's path for an archive document, else the feed's
// path with v's canonical query (View.Encode), if any. E.g.
// /feeds/posts/{post}/comments.atom, /feeds/posts.rss?page=2,
// /feeds/comments/archive/3.json.
func Path(ref Ref, v View, f Format) string { return URL("", ref, v, f) }

// URL returns base followed by Path(ref, v, f): the document's URL under
// the base URL base (without a trailing slash).
func URL(base string, ref Ref, v View, f Format) string {
	if v.Archive > 0 {
		return route(ref.Kind, true).build(base, Target{Ref: ref, View: View{Archive: v.Archive}, Format: f}, "")
	}
	q := v.Encode()
	if q != "" {
		q = "?" + q
	}
	return route(ref.Kind, false).build(base, Target{Ref: ref, Format: f}, q)
}

// ID returns the Atom id of feed ref under the base URL base: its head's
// URL without the extension ({base}/feeds/posts,
// {base}/feeds/posts/{post}/comments, {base}/feeds/digest/{period}), the
// same for every format. Archive documents are below it.
func ID(base string, ref Ref) string {
	return route(ref.Kind, false).build(base, Target{Ref: ref}, "")
}

// Files returns the documents of feed ref that have a path of their own,
// no query: its head in each format of its kind, then, for a paged kind,
// archive documents 1 to archives in each format. A static export holds
// these as files.
func Files(ref Ref, archives int) iter.Seq2[View, Format] {
	return func(yield func(View, Format) bool) {
		spec, ok := SpecOf(ref.Kind)
		if !ok {
			return
		}
		if !spec.Paged {
			archives = 0
		}
		for k := range archives + 1 {
			for _, f := range spec.Formats {
				if !yield(View{Archive: k}, f) {
					return
				}
			}
		}
	}
}
