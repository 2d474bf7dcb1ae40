package poll

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
	"github.com/feedd/feedd/store"
)

// disqusFormat names the format in errors.
const disqusFormat = "Disqus export"

// disqusRef is an element naming a thread or post by its dsq:id
// attribute (<thread dsq:id="…"/> in a post, <parent dsq:id="…"/>).
type disqusRef struct {
	ID string `xml:"http://disqus.com/disqus-internals id,attr"`
}

// disqusThread is what Import reads of a <thread>.
type disqusThread struct {
	ID         string `xml:"http://disqus.com/disqus-internals id,attr"`
	Identifier string `xml:"id"`
	Link       string `xml:"link"`
	Title      string `xml:"title"`
	IsDeleted  bool   `xml:"isDeleted"`
	line       int
}

// disqusPost is what Import reads of a <post>. The author's e-mail
// address (and IP address) is not even read.
type disqusPost struct {
	ID        string     `xml:"http://disqus.com/disqus-internals id,attr"`
	Message   string     `xml:"message"`
	CreatedAt string     `xml:"createdAt"`
	IsDeleted bool       `xml:"isDeleted"`
	IsSpam    bool       `xml:"isSpam"`
	Name      string     `xml:"author>name"`
	Username  string     `xml:"author>username"`
	Thread    *disqusRef `xml:"thread"`
	Parent    *disqusRef `xml:"parent"`
	line      int
}

// parseDisqus reads a Disqus export, streaming into the few fields kept,
// and maps its posts to comments of the posts its threads discuss.
//
// A thread is matched to a post of the store, of any source, by its link:
// a mirrored post's upstream URL, or a local post's permalink
// (Options.PostURL), compared in normalizeLink's form (scheme and host
// case, default port, trailing slash and fragment do not matter); failing
// that by the URL its identifier ends in, as WordPress's Disqus plugin
// writes it ("12 https://example.org/?p=12"), against the posts' upstream
// ids, which a WordPress import keys that way. The comments of a thread
// that matches no post are left out, counted in ImportResult.Skipped and
// logged with the thread's link: Import never makes up a post. Deleted
// threads are left out with their comments, and a thread's isClosed does
// not matter.
//
// Deleted and spam posts are left out; a reply to one is threaded under
// its nearest kept ancestor (on the post when there is none). Comments are
// keyed by "disqus:" and their dsq:id, keep their createdAt and their
// author's name (else username); the author's e-mail address is never
// read. A post naming a thread the export does not define, or none, fails
// the import, naming the line.
func (p *Poller) parseDisqus(ctx context.Context, r io.Reader, source string, now time.Time) (*importSet, error) {
	d := newImportDecoder(r)
	threads := make(map[string]*disqusThread)
	var posts []*disqusPost
	for depth := 0; ; {
		tok, err := d.Token()
		if err == io.EOF {
			if depth != 0 {
				return nil, formatError(disqusFormat, io.ErrUnexpectedEOF)
			}
			break
		}
		if err != nil {
			return nil, formatError(disqusFormat, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			line, _ := d.InputPos()
			switch {
			case depth == 0:
				depth++
				continue
			case depth == 1 && t.Name.Local == "thread":
				th := &disqusThread{line: line}
				if err := d.DecodeElement(th, &t); err != nil {
					return nil, formatError(disqusFormat, err)
				}
				if th.ID = strings.TrimSpace(th.ID); th.ID == "" {
					return nil, formatError(disqusFormat, docError(line, "<thread> without dsq:id"))
				}
				threads[th.ID] = th
				continue
			case depth == 1 && t.Name.Local == "post":
				po := &disqusPost{line: line}
				if err := d.DecodeElement(po, &t); err != nil {
					return nil, formatError(disqusFormat, err)
				}
				if po.ID = strings.TrimSpace(po.ID); po.ID == "" {
					return nil, formatError(disqusFormat, docError(line, "<post> without dsq:id"))
				}
				if po.Thread == nil || strings.TrimSpace(po.Thread.ID) == "" {
					return nil, formatError(disqusFormat, docError(line, "<post> dsq:id=%q names no <thread dsq:id>", po.ID))
				}
				posts = append(posts, po)
				continue
			}
			// <category> and whatever else: nothing to keep.
			if err := d.Skip(); err != nil {
				return nil, formatError(disqusFormat, err)
			}
		case xml.EndElement:
			depth--
		}
	}
	for _, po := range posts {
		if threads[strings.TrimSpace(po.Thread.ID)] == nil {
			return nil, formatError(disqusFormat, docError(po.line, "<post> dsq:id=%q names thread dsq:id=%q, which the export does not define", po.ID, po.Thread.ID))
		}
	}

	index, err := p.postsByLink(ctx)
	if err != nil {
		return nil, err
	}
	// Each thread's post, and the comments of each post.
	matched := make(map[string]*importPost) // by thread dsq:id
	byPost := make(map[string]*importPost)  // by post id
	set := &importSet{}
	unmatched := make(map[string]int)
	var unmatchedOrder []*disqusThread
	byID := make(map[string]*disqusPost, len(posts))
	for _, po := range posts {
		byID[po.ID] = po
	}
	kept := func(po *disqusPost) bool { return po != nil && !po.IsDeleted && !po.IsSpam }
	key := func(id string) string { return normID("disqus:" + id) }
	for _, po := range posts {
		th := threads[strings.TrimSpace(po.Thread.ID)]
		if !kept(po) || th.IsDeleted {
			continue
		}
		ip, ok := matched[th.ID]
		if !ok {
			if post := index.match(th); post != nil {
				if ip = byPost[post.ID]; ip == nil {
					ip = &importPost{stored: post}
					byPost[post.ID] = ip
					set.posts = append(set.posts, ip)
				}
			}
			matched[th.ID] = ip
		}
		if ip == nil {
			if unmatched[th.ID] == 0 {
				unmatchedOrder = append(unmatchedOrder, th)
			}
			unmatched[th.ID]++
			set.skipped++
			continue
		}
		parent := ""
		for up, n := po.Parent, 0; up != nil && n <= len(posts); n++ {
			pp := byID[strings.TrimSpace(up.ID)]
			if pp == nil {
				break // not in the export: on the post
			}
			if kept(pp) {
				parent = key(pp.ID)
				break
			}
			up = pp.Parent
		}
		link := resolveLink(th.Link, nil)
		var base *url.URL
		if link != "" {
			base, _ = url.Parse(link)
		}
		name, _ := cleanAuthor(firstOf(strings.TrimSpace(po.Name), strings.TrimSpace(po.Username)), "")
		c := &feed.Comment{
			AuthorName: name,
			Content:    truncate(content.Absolutize(content.Clean(po.Message), base), feed.MaxCommentLen),
			Status:     feed.StatusApproved,
			Origin:     &feed.Origin{Source: source, ID: key(po.ID)},
		}
		if strings.TrimSpace(c.Content) == "" {
			continue // the store would refuse it
		}
		c.Origin.URL = commentLink(link, po.ID)
		if t, err := time.Parse(time.RFC3339, strings.TrimSpace(po.CreatedAt)); err == nil {
			c.Published = saneTime(t, now)
			c.Updated = c.Published
		}
		ip.comments = append(ip.comments, threaded{c: c, parent: parent})
	}
	for _, th := range unmatchedOrder {
		p.log.Warn("import: Disqus thread matches no post; its comments are skipped",
			"source", source, "link", th.Link, "thread", th.ID, "comments", unmatched[th.ID])
	}
	return set, nil
}

// linkIndex finds stored posts by link (see parseDisqus).
type linkIndex map[string]*feed.Post

// postsByLink indexes the live posts of the store by their normalized
// links: a mirrored post's upstream URL and upstream id (when a URL), a
// local post's permalink when Options.PostURL is set. The posts hold only
// their ID and Origin.
func (p *Poller) postsByLink(ctx context.Context) (linkIndex, error) {
	index := make(linkIndex)
	var before *store.Cursor
	for {
		page, err := p.st.Posts(ctx, store.PostFilter{Limit: 500, Before: before})
		if err != nil {
			return nil, fmt.Errorf("import: read posts: %w", err)
		}
		for _, post := range page {
			slim := &feed.Post{ID: post.ID, Origin: post.Origin}
			add := func(link string) {
				if k := normalizeLink(link); k != "" {
					if _, dup := index[k]; !dup {
						index[k] = slim
					}
				}
			}
			if post.Origin != nil {
				add(post.Origin.URL)
				add(post.Origin.ID)
			} else if p.o.PostURL != nil {
				add(p.o.PostURL(post.ID))
			}
		}
		if len(page) < 500 {
			return index, nil
		}
		last := page[len(page)-1]
		before = &store.Cursor{Published: last.Published, ID: last.ID}
	}
}

// match returns the post a thread discusses, or nil.
func (x linkIndex) match(th *disqusThread) *feed.Post {
	if post := x[normalizeLink(th.Link)]; post != nil {
		return post
	}
	if f := strings.Fields(th.Identifier); len(f) > 0 {
		if post := x[normalizeLink(f[len(f)-1])]; post != nil {
			return post
		}
	}
	return nil
}
