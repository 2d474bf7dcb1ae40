package web

import (
	"html/template"
	"net/url"
	"slices"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
)

// commentNode is a comment as a post's page shows it, with its replies.
type commentNode struct {
	ID        string // its anchor is comment-{ID}, the fragment of its permalink
	Author    string
	AuthorURI string // linkable, or empty
	Published time.Time
	HTML      template.HTML
	Replies   []*commentNode // oldest first
	// On names the comment's post where the page is not the post's own
	// (the site comments feed's page); nil on a post's page.
	On *postLink
	// Permalink is where its date links to: the comment on its post's
	// page, where the page is another (a feed's page); "" links the
	// comment's anchor on this page.
	Permalink string
	// CanReply is false at the deepest level the server takes replies to.
	CanReply bool
	// ReplyPath opens the page with the form replying to this comment.
	ReplyPath string
	// Mention is set for a Webmention from another site.
	Mention *mentionView

	parentID string
}

// newCommentNode returns c as a page shows it, without replies; maxDepth
// is the server's limit of replies (0: it takes none).
func newCommentNode(c *feed.Comment, maxDepth int) *commentNode {
	author := content.Line(c.AuthorName)
	if author == "" {
		author = "Anonymous"
	}
	n := &commentNode{
		ID:        c.ID,
		Author:    author,
		AuthorURI: linkable(c.AuthorURI),
		Published: c.Published,
		HTML:      template.HTML(content.CommentHTML(c)), // sanitized, as in the feeds
		CanReply:  c.Depth+1 < maxDepth,
		ReplyPath: "?reply=" + c.ID + "#comment-form",
		parentID:  c.ParentID,
	}
	if c.Kind != "" {
		n.Mention = newMentionView(c)
		// A like, repost or bookmark is no conversation to answer.
		n.CanReply = n.CanReply && (c.Kind == feed.MentionReply || c.Kind == feed.MentionLink)
	}
	return n
}

// mentionView is how a page marks a Webmention: its kind, in words and as
// a class, and the page it came from.
type mentionView struct {
	Kind   string // the class: reply, like, repost, bookmark, mention
	Verb   string // "liked this", "mentioned this"...
	Source string // the source, linkable, or ""
	Site   string // the source's host, the link's text
}

// mentionVerbs are the words of each kind of mention on a page.
var mentionVerbs = map[string]string{
	feed.MentionReply:    "replied",
	feed.MentionLike:     "liked this",
	feed.MentionRepost:   "reposted this",
	feed.MentionBookmark: "bookmarked this",
	feed.MentionLink:     "mentioned this",
}

// newMentionView returns how a page marks c, a mention.
func newMentionView(c *feed.Comment) *mentionView {
	v := &mentionView{Kind: c.Kind, Verb: mentionVerbs[c.Kind], Source: linkableHTTP(c.SourceURL)}
	if v.Verb == "" {
		v.Kind, v.Verb = feed.MentionLink, mentionVerbs[feed.MentionLink]
	}
	if u, err := url.Parse(v.Source); err == nil && v.Source != "" {
		v.Site = u.Hostname()
	}
	return v
}

// thread arranges the approved comments of a post, which the store lists
// newest first, into a tree: each comment under its parent, oldest first
// at every level. A comment whose parent is not shown (deleted, or held)
// goes to the top level, as does any comment caught in a cycle of parents,
// which only a broken mirror could make, so that every comment is shown
// once. maxDepth is the server's limit: a comment whose Depth+1 reaches it
// takes no replies. It returns the top level and every node by id.
func (h *Handler) thread(postID string, comments []*feed.Comment, maxDepth int) ([]*commentNode, map[string]*commentNode) {
	byID := make(map[string]*commentNode, len(comments))
	nodes := make([]*commentNode, 0, len(comments))
	for _, c := range slices.Backward(comments) {
		if c == nil || byID[c.ID] != nil {
			continue
		}
		n := newCommentNode(c, maxDepth)
		byID[c.ID] = n
		nodes = append(nodes, n)
	}
	var roots []*commentNode
	for _, n := range nodes {
		if p := byID[n.parentID]; p != nil && n.parentID != n.ID {
			p.Replies = append(p.Replies, n)
		} else {
			roots = append(roots, n)
		}
	}
	// A cycle of parents hangs off no root: walk the tree from the roots,
	// and lift what the walk does not reach to the top level, out of its
	// parent's replies.
	seen := make(map[*commentNode]bool, len(nodes))
	var walk func(ns []*commentNode)
	walk = func(ns []*commentNode) {
		for _, n := range ns {
			if !seen[n] {
				seen[n] = true
				walk(n.Replies)
			}
		}
	}
	walk(roots)
	for _, n := range nodes {
		if seen[n] {
			continue
		}
		if p := byID[n.parentID]; p != nil {
			p.Replies = slices.DeleteFunc(p.Replies, func(x *commentNode) bool { return x == n })
		}
		roots = append(roots, n)
		walk([]*commentNode{n})
	}
	return roots, byID
}
