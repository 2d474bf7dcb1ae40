package poll

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/feedd/feedd/feed"
)

// ImportResult counts what Import stored: posts and comments created or
// updated, and entries that were already stored as they are.
type ImportResult struct {
	Posts, Comments, Unchanged int
}

// Import loads one feed document as source: an ordinary feed, whose
// entries become posts, or a Blogger export (either the classic Atom export,
// whose entries carry a kind#post or kind#comment category, or the 2018
// Takeout format, with blogger:type), whose comments are stored under their
// posts with their threading. Entries that are neither posts nor comments
// (pages, settings, templates), drafts and comments whose post is not in
// the document are left out. Any entry with thr:in-reply-to is a comment.
//
// It is idempotent: entries are keyed by their upstream ids, so a second
// import of the same document changes nothing and counts every entry
// Unchanged. baseURL is where the document came from, against which
// relative URLs resolve ("" for a file). progress, if not nil, is called
// after each entry with the number done and the total.
//
// Import stores no polling state: the posts' comment feeds are polled once
// Poll finds the posts in the source's feed.
func (p *Poller) Import(ctx context.Context, r io.Reader, baseURL, source string, progress func(done, total int)) (ImportResult, error) {
	var res ImportResult
	if !feed.ValidID(source) {
		return res, feed.Errorf(feed.EINVALID, "source name %q: must be 1 to %d characters of A-Z, a-z, 0-9, - and _", source, feed.MaxIDLen)
	}
	var base *url.URL
	if baseURL != "" {
		u, err := url.Parse(baseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return res, feed.Errorf(feed.EINVALID, "base URL %q: must be an absolute http(s) URL", baseURL)
		}
		base = u
	}
	d, err := parse(r, "", base)
	if err != nil {
		return res, fmt.Errorf("import: parse: %w", err)
	}
	now := p.now()

	// Sort the entries into posts and comments, and find each comment's
	// post.
	var posts, comments []*entry
	ids := make(map[*entry]string, len(d.entries))
	byID := make(map[string]*entry, len(d.entries))
	for _, e := range d.entries {
		k := e.exportKind()
		if k == kindSkip {
			continue
		}
		id := d.upstreamID(e, d.link(e))
		ids[e] = id
		byID[id] = e
		if k == kindPost {
			posts = append(posts, e)
		} else {
			comments = append(comments, e)
		}
	}
	postOf := make(map[*entry]*entry, len(comments))
	for _, c := range comments {
		if post := findPost(c, byID); post != nil {
			postOf[c] = post
		} else {
			p.log.Warn("import: comment without its post skipped", "source", source, "upstream_id", ids[c])
		}
	}

	total, done := len(posts)+len(postOf), 0
	step := func() {
		done++
		if progress != nil {
			progress(done, total)
		}
	}
	stored := make(map[*entry]*feed.Post, len(posts))
	for _, e := range newestFirst(posts, now, 0, true) {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		post := d.post(e, source, now)
		changed, err := p.st.UpsertPost(ctx, post)
		switch {
		case feed.ErrorCode(err) == feed.EINVALID:
			p.log.Warn("import: entry skipped", "source", source, "upstream_id", post.Origin.ID, "err", err)
		case err != nil:
			return res, fmt.Errorf("import: upsert post %q: %w", post.Origin.ID, err)
		case changed:
			res.Posts++
			stored[e] = post
		default:
			res.Unchanged++
			stored[e] = post
		}
		step()
	}

	// The comments of each post, in the order of the posts.
	groups := make(map[*entry][]threaded)
	var order []*entry
	for _, c := range comments {
		pe := postOf[c]
		if pe == nil {
			continue
		}
		if _, ok := groups[pe]; !ok {
			order = append(order, pe)
		}
		post := stored[pe]
		postID := ""
		if post != nil {
			postID = post.ID
		}
		groups[pe] = append(groups[pe], threaded{c: d.comment(c, source, postID, now), parent: c.inReplyTo()})
	}
	for _, pe := range order {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		post := stored[pe]
		if post == nil { // the post was refused
			for range groups[pe] {
				step()
			}
			continue
		}
		_, err := p.upsertComments(ctx, post, groups[pe], func(changed, ok bool) {
			switch {
			case changed:
				res.Comments++
			case ok:
				res.Unchanged++
			}
			step()
		})
		if err != nil {
			return res, fmt.Errorf("import: %w", err)
		}
	}
	return res, nil
}

// exportKind says what an entry of an imported document is.
type exportKind int

const (
	kindPost exportKind = iota
	kindComment
	kindSkip
)

// exportKind classifies an entry of an imported document: by blogger:type
// and blogger:status (Takeout), by the Blogger kind category (classic
// export), as a draft (app:draft), as a reply (thr:in-reply-to), or else
// as a post.
func (e *entry) exportKind() exportKind {
	if t := e.blogger("type"); t != nil {
		if s := e.blogger("status"); s != nil && s.Value != "" && !strings.EqualFold(s.Value, "LIVE") {
			return kindSkip // a draft, scheduled, or deleted
		}
		if t := e.blogger("trashed"); t != nil && t.Value != "" {
			return kindSkip
		}
		switch strings.ToUpper(strings.TrimSpace(t.Value)) {
		case "POST":
			return kindPost
		case "COMMENT":
			return kindComment
		}
		return kindSkip // PAGE and whatever else
	}
	if x := extension(e.item.Extensions, "control", "app"); x != nil {
		if ds := x.Children["draft"]; len(ds) > 0 && strings.EqualFold(strings.TrimSpace(ds[0].Value), "yes") {
			return kindSkip
		}
	}
	if e.atom != nil {
		for _, c := range e.atom.Categories {
			if c == nil || c.Scheme != bloggerKindScheme || !strings.HasPrefix(c.Term, bloggerKindPrefix) {
				continue
			}
			switch strings.TrimPrefix(c.Term, bloggerKindPrefix) {
			case "post":
				return kindPost
			case "comment":
				return kindComment
			}
			return kindSkip // kind#page, kind#settings, kind#template
		}
	}
	if extension(e.item.Extensions, "in-reply-to") != nil {
		return kindComment
	}
	return kindPost
}

// postRef returns the upstream id of the entry a comment belongs to, as
// written: blogger:parent, else its thr:in-reply-to ref, which may name
// the post or another comment.
func (e *entry) postRef() string {
	if x := e.blogger("parent"); x != nil && strings.TrimSpace(x.Value) != "" {
		return normID(x.Value)
	}
	if x := extension(e.item.Extensions, "in-reply-to", "thr"); x != nil {
		return normID(x.Attrs["ref"])
	}
	if x := extension(e.item.Extensions, "in-reply-to"); x != nil {
		return normID(x.Attrs["ref"])
	}
	return ""
}

// findPost follows a comment's references up to the post it belongs to,
// through the comments it replies to; nil if none is in the document.
func findPost(c *entry, byID map[string]*entry) *entry {
	e := c
	for range len(byID) + 1 { // a longer walk is a cycle
		next, ok := byID[e.postRef()]
		if !ok {
			return nil
		}
		if next.exportKind() == kindPost {
			return next
		}
		e = next
	}
	return nil
}
