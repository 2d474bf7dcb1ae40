// Package feed holds feedd's domain types: posts, threaded comments, the
// feeds they appear in, and the error kinds shared by every layer. It imports
// only the standard library.
package feed

import (
	"time"
)

// Post is an entry of the site's posts feed. Its ID is opaque, URL-safe and
// never changes, even when the post is edited.
type Post struct {
	ID         string    `json:"id"`
	Title      string    `json:"title"`
	Content    string    `json:"content"` // as given; see Format
	Format     string    `json:"format"`  // FormatHTML or FormatMarkdown
	Summary    string    `json:"summary,omitempty"`
	AuthorName string    `json:"author,omitempty"`
	AuthorURI  string    `json:"author_uri,omitempty"`
	Categories []string  `json:"categories,omitempty"`
	Published  time.Time `json:"published"`
	Updated    time.Time `json:"updated"`
	// Origin is set on posts mirrored from an upstream source.
	Origin *Origin `json:"origin,omitempty"`

	// HTML is Content as safe HTML, derived from Content and Format by
	// package feed/content when the post is written, under the policy
	// version HTMLVersion (0: not derived); see content.DerivePost.
	// Stores keep it beside the source and fill it in on reads.
	HTML        string `json:"-"`
	HTMLVersion int    `json:"-"`
}

// Post content formats. Content is stored as given; the sanitized HTML
// feeds and pages show is derived from it when it is written (see package
// feed/content and Post.HTML).
const (
	FormatHTML     = "html"
	FormatMarkdown = "markdown"
)

// Status is a comment's moderation state. Only approved comments appear in
// feeds and the public API.
type Status string

// The moderation states.
const (
	StatusApproved Status = "approved"
	StatusPending  Status = "pending"
	StatusSpam     Status = "spam"
)

// Comment is a reader's comment on a post. ParentID is empty for a comment on
// the post itself and names another comment of the same post for a reply.
type Comment struct {
	ID         string `json:"id"`
	PostID     string `json:"post_id"`
	ParentID   string `json:"parent_id,omitempty"`
	AuthorName string `json:"author"`
	AuthorURI  string `json:"author_uri,omitempty"`
	// AuthorHash is the keyed hash of the e-mail address and name the
	// author gave (submit's first-time moderation), '' without an address.
	// Private: never encoded, rendered or read back but by Dump.
	AuthorHash string    `json:"-"`
	Content    string    `json:"content"` // as given: HTML or plain text
	Status     Status    `json:"status"`
	Published  time.Time `json:"published"`
	Updated    time.Time `json:"updated"`

	// Depth is the comment's place in its thread: 0 for a comment on the
	// post, its parent's Depth+1 for a reply. Stores fill it in.
	Depth int `json:"depth"`

	// Kind is "" for a comment written here (or mirrored), and one of the
	// Mention kinds for a Webmention received from another site: how
	// the source page refers to the post (MentionReply, MentionLike, ...).
	// SourceURL is then the mention's source, the page that links to the
	// post, which feeds link as the entry's alternate; it is set exactly
	// when Kind is, and a post has at most one live mention per
	// SourceURL (a re-sent Webmention updates it).
	Kind      string `json:"kind,omitempty"`
	SourceURL string `json:"source_url,omitempty"`

	// Origin is set on comments mirrored from an upstream source.
	Origin *Origin `json:"origin,omitempty"`

	// HTML and HTMLVersion are Content as safe HTML, as for Post.HTML
	// (see content.DeriveComment).
	HTML        string `json:"-"`
	HTMLVersion int    `json:"-"`

	// PostTitle and PostUpdated describe the post the comment belongs to.
	// Stores fill them in on reads so that feeds can name the post without
	// a second query, and date a feed that changes when the post's title does.
	PostTitle   string    `json:"-"`
	PostUpdated time.Time `json:"-"`
}

// The kinds of a mention (Comment.Kind): what the source's h-entry does
// with the post it links to, from its microformats2 properties
// (in-reply-to, like-of, repost-of, bookmark-of), else MentionLink, a
// page that merely links to the post (a pingback is one too).
const (
	MentionReply    = "reply"
	MentionLike     = "like"
	MentionRepost   = "repost"
	MentionBookmark = "bookmark"
	MentionLink     = "mention"
)

// ValidMentionKind reports whether k is one of the mention kinds.
func ValidMentionKind(k string) bool {
	switch k {
	case MentionReply, MentionLike, MentionRepost, MentionBookmark, MentionLink:
		return true
	}
	return false
}

// Tombstone records a deleted post or comment (RFC 6721), so that feeds can
// tell consumers to drop their copy. CommentID is empty for a post.
type Tombstone struct {
	PostID    string
	CommentID string
	Deleted   time.Time
}

// ThreadStats summarizes the approved comments of one post.
type ThreadStats struct {
	Count   int       // number of comments
	Updated time.Time // the newest Updated among them
}

// Ref names one feed independently of its format: the posts feed, the site
// comments feed, or the thread feed of one post.
type Ref struct {
	Kind   Kind
	PostID string // only for KindThread
	Period string // only for KindDigest: PeriodDaily or PeriodWeekly
}

// String returns a stable key for the feed, used in logs and cache keys.
func (r Ref) String() string {
	switch r.Kind {
	case KindThread:
		return string(r.Kind) + "/" + r.PostID
	case KindDigest:
		return string(r.Kind) + "/" + r.Period
	}
	return string(r.Kind)
}

// PostsFeed, CommentsFeed and ThreadFeed build Refs.
var (
	PostsFeed    = Ref{Kind: KindPosts}
	CommentsFeed = Ref{Kind: KindComments}
)

// ThreadFeed names the comment feed of one post.
func ThreadFeed(postID string) Ref { return Ref{Kind: KindThread, PostID: postID} }

// Change describes a write to the store. Touched derives from it the feeds
// whose bytes the write can change; it is the one place that knows.
type Change struct {
	Post    *Post    // a post was created, edited or deleted
	Comment *Comment // a comment was created, edited or deleted
}

// Touched returns the feeds a change can alter: their heads, and with
// them every page, archive and selection (View) of them. commentCounts says whether
// the posts feed carries live comment counts (feeds.comment_counts), in which
// case a comment changes the posts feed too.
func Touched(c Change, commentCounts bool) []Ref {
	var refs []Ref
	if c.Post != nil {
		// A post shows in the posts feed; its title shows in every comment
		// entry about it (thread and site comments feeds).
		refs = append(refs, PostsFeed, CommentsFeed, ThreadFeed(c.Post.ID))
	}
	if c.Comment != nil {
		refs = append(refs, ThreadFeed(c.Comment.PostID), CommentsFeed)
		if commentCounts {
			refs = append(refs, PostsFeed)
		}
	}
	if c.Post != nil || c.Comment != nil {
		// The digests list posts and comments of closed periods: an edit
		// or deletion of one, or a mirrored entry dated back into one,
		// changes them. (A new entry of the open period does not, but the
		// change log does not tell new from old.)
		refs = append(refs, DigestFeeds...)
	}
	return dedupe(refs)
}

func dedupe(refs []Ref) []Ref {
	out := refs[:0]
	seen := make(map[Ref]bool, len(refs))
	for _, r := range refs {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}
