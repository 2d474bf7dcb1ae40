package poll

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/feedd/feedd/feed"
)

// ImportResult counts what Import stored: posts and comments created or
// updated, and entries that were already stored as they are. Skipped
// counts the comments of a Disqus export left out because their thread
// matches no post (each such thread is logged with its link).
type ImportResult struct {
	Posts, Comments, Unchanged, Skipped int
}

// Import loads one document as source. It recognizes, by its root
// element:
//
//   - an ordinary feed (Atom, RSS, JSON Feed), whose entries become posts;
//   - a Blogger export (either the classic Atom export, whose entries carry
//     a kind#post or kind#comment category, or the 2018 Takeout format,
//     with blogger:type), whose comments are stored under their posts with
//     their threading. Entries that are neither posts nor comments (pages,
//     settings, templates), drafts and comments whose post is not in the
//     document are left out. Any entry with thr:in-reply-to is a comment;
//   - a WordPress export (WXR: RSS declaring a http://wordpress.org/export/
//     namespace): see parseWXR;
//   - a Disqus export (root <disqus xmlns="http://disqus.com">), whose
//     comments go under posts already in the store: see parseDisqus.
//
// Any other root element fails with an error naming the formats accepted,
// and a broken WordPress or Disqus export with one naming the format and
// the line.
//
// It is idempotent: entries are keyed by their upstream ids, so a second
// import of the same document changes nothing and counts every entry
// Unchanged. baseURL is where the document came from, against which
// relative URLs resolve ("" for a file). progress, if not nil, is called
// after each entry with the number done and the total.
//
// The whole document is read and mapped before anything is stored, so a
// document that turns out broken halfway writes nothing. A store failure
// while storing (not a refused entry, which is logged and skipped) stops
// the import with what was stored so far kept: running it again completes
// it.
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
	dec, err := decode(r, "")
	if errors.Is(err, errLongProlog) {
		return res, feed.Errorf(feed.EINVALID, "%v: import takes %s", err, acceptedFormats)
	}
	if err != nil {
		return res, fmt.Errorf("import: parse: %w", err)
	}
	in := bufio.NewReaderSize(dec, prologSize)
	head, err := in.Peek(prologSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return res, fmt.Errorf("import: read: %w", err)
	}
	format, err := sniff(head, len(head) < prologSize)
	if err != nil {
		return res, err
	}
	now := p.now()
	var set *importSet
	switch format {
	case formatWXR:
		set, err = parseWXR(in, base, source, now)
	case formatDisqus:
		set, err = p.parseDisqus(ctx, in, source, now)
	default:
		set, err = p.parseFeedImport(in, base, source, now)
	}
	if err != nil {
		return res, err
	}
	res.Skipped = set.skipped
	return p.storeImport(ctx, set, res, progress)
}

// importSet is an imported document mapped to what the store takes: its
// posts in the order to store them, each with its comments.
type importSet struct {
	posts []*importPost
	// skipped counts the comments left out for want of a post
	// (ImportResult.Skipped).
	skipped int
}

// importPost is a post of an import and its comments. A post already in
// the store (Disqus threads name them) is not written again: stored is
// set and post is nil.
type importPost struct {
	post     *feed.Post
	stored   *feed.Post
	comments []threaded // PostID is filled in once the post is stored
}

// storeImport upserts the posts of set, then the comments of each post,
// counting them into res and calling progress after each.
func (p *Poller) storeImport(ctx context.Context, set *importSet, res ImportResult, progress func(done, total int)) (ImportResult, error) {
	total, done := 0, 0
	for _, ip := range set.posts {
		if ip.post != nil {
			total++
		}
		total += len(ip.comments)
	}
	step := func() {
		done++
		if progress != nil {
			progress(done, total)
		}
	}
	for _, ip := range set.posts {
		if ip.post == nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
		post := ip.post
		changed, err := p.st.UpsertPost(ctx, post)
		switch {
		case feed.ErrorCode(err) == feed.EINVALID:
			p.log.Warn("import: entry skipped", "source", post.Origin.Source, "upstream_id", post.Origin.ID, "err", err)
		case err != nil:
			return res, fmt.Errorf("import: upsert post %q: %w", post.Origin.ID, err)
		case changed:
			res.Posts++
			ip.stored = post
		default:
			res.Unchanged++
			ip.stored = post
		}
		step()
	}

	for _, ip := range set.posts {
		if len(ip.comments) == 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
		post := ip.stored
		if post == nil { // the post was refused
			for range ip.comments {
				step()
			}
			continue
		}
		for _, t := range ip.comments {
			t.c.PostID = post.ID
		}
		_, err := p.upsertComments(ctx, post, ip.comments, func(changed, ok bool) {
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

// parseFeedImport maps a feed or a Blogger export (see Import).
func (p *Poller) parseFeedImport(r io.Reader, base *url.URL, source string, now time.Time) (*importSet, error) {
	d, err := parse(r, "", base)
	if err != nil {
		return nil, fmt.Errorf("import: parse: %w", err)
	}

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
	set := &importSet{}
	of := make(map[*entry]*importPost, len(posts))
	for _, e := range newestFirst(posts, now, 0, true) {
		ip := &importPost{post: d.post(e, source, now)}
		of[e] = ip
		set.posts = append(set.posts, ip)
	}
	for _, c := range comments {
		post := findPost(c, byID)
		if post == nil {
			p.log.Warn("import: comment without its post skipped", "source", source, "upstream_id", ids[c])
			continue
		}
		ip := of[post]
		ip.comments = append(ip.comments, threaded{c: d.comment(c, source, "", now), parent: c.inReplyTo()})
	}
	return set, nil
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
