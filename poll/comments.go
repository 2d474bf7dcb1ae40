package poll

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	ext "github.com/mmcdole/gofeed/extensions"

	"github.com/feedd/feedd/feed"
)

// Blogger's markers: the kind of an entry in its feeds and exports, and its
// ids, tag:blogger.com,1999:blog-BLOGID.post-POSTID for posts and comments
// alike.
const (
	bloggerKindScheme = "http://schemas.google.com/g/2005#kind"
	bloggerKindPrefix = "http://schemas.google.com/blogger/2008/kind#"
	bloggerNS2018     = "http://schemas.google.com/blogger/2018"
)

var (
	bloggerIDRe = regexp.MustCompile(`^(tag:blogger\.com,1999:blog-\d+)\.post-(\d+)$`)
	// bloggerCommentRe matches the API URL of a Blogger comment, which a
	// reply's rel="related" link names its parent by.
	bloggerCommentRe = regexp.MustCompile(`/feeds/\d+/\d+/comments/default/(\d+)$`)
)

// commentsURL discovers the comment feed of an entry: an Atom link
// rel="replies" of a feed type (an untyped one will do), else RSS
// wfw:commentRss, else, for a Blogger post, the comment feed Blogger serves
// for it on the blog's host: /feeds/POSTID/comments/default.
func (d *document) commentsURL(e *entry, link string) string {
	if e.atom != nil {
		untyped := ""
		for _, l := range e.atom.Links {
			if l == nil || !strings.EqualFold(l.Rel, "replies") {
				continue
			}
			t := strings.ToLower(l.Type)
			switch {
			case strings.Contains(t, "atom"), strings.Contains(t, "rss"), strings.Contains(t, "xml"), strings.Contains(t, "json"):
				if u := resolveLink(l.Href, d.base); u != "" {
					return u
				}
			case t == "" && untyped == "":
				untyped = resolveLink(l.Href, d.base)
			}
		}
		if untyped != "" {
			return untyped
		}
	}
	for _, name := range []string{"commentRss", "commentRSS", "commentrss"} {
		if x := extension(e.item.Extensions, name, "wfw"); x != nil {
			if u := resolveLink(x.Value, d.base); u != "" {
				return u
			}
		}
	}
	if m := bloggerIDRe.FindStringSubmatch(strings.TrimSpace(e.item.GUID)); m != nil {
		host := d.base
		if host == nil && link != "" {
			host, _ = url.Parse(link)
		}
		if host != nil && host.Host != "" {
			u := url.URL{Scheme: host.Scheme, Host: host.Host, Path: "/feeds/" + m[2] + "/comments/default"}
			return u.String()
		}
	}
	return ""
}

// inReplyTo returns the upstream id that a comment entry replies to: its
// thr:in-reply-to ref (RFC 4685). A Blogger comment's ref names the post
// even for a reply, whose parent comment is the one its rel="related" link
// names; that one is returned instead.
func (e *entry) inReplyTo() string {
	ref := ""
	if x := extension(e.item.Extensions, "in-reply-to", "thr"); x != nil {
		ref = normID(x.Attrs["ref"])
	} else if x := extension(e.item.Extensions, "in-reply-to"); x != nil {
		ref = normID(x.Attrs["ref"])
	}
	if x := e.blogger("inReplyTo"); x != nil && strings.TrimSpace(x.Value) != "" {
		return normID(x.Value)
	}
	if e.atom != nil {
		if m := bloggerIDRe.FindStringSubmatch(strings.TrimSpace(e.item.GUID)); m != nil {
			for _, l := range e.atom.Links {
				if l == nil || l.Rel != "related" {
					continue
				}
				if c := bloggerCommentRe.FindStringSubmatch(l.Href); c != nil {
					return m[1] + ".post-" + c[1]
				}
			}
		}
	}
	return ref
}

// blogger returns the entry's element of Blogger's 2018 export namespace
// called name, or nil.
func (e *entry) blogger(name string) *ext.Extension {
	return extension(e.item.Extensions, name, "blogger", bloggerNS2018)
}

// pollComments polls the due comment feeds of the source's posts, one
// after another, so that the run holds one slot of the pool. A comment
// feed is due when its back-off is over and, unless its post was published
// within RecentWindow, it was last polled at least OldInterval ago. Of the
// due ones, those polled longest ago go first (never-polled ones first),
// the newest posts first among equals; at most MaxCommentFeedsPerRun are
// fetched, and only those whose host has a token of its budget
// (MaxHostRequestsPerMinute) and, unless src.CrossHostComments, is the
// host of the source's feed. The rest wait for later runs, and are
// reported to ObserveSkipped.
func (p *Poller) pollComments(ctx context.Context, src Source) error {
	fetches, err := p.st.Fetches(ctx, src.Name)
	if err != nil {
		if stopped(ctx) {
			return ctx.Err()
		}
		return fmt.Errorf("source %q: read fetch states: %w", src.Name, err)
	}
	now := p.now()
	// The hosts comment feeds may be on: the configured feed's, and the
	// one a permanent redirect moved it to.
	var allowed map[string]bool
	if !src.CrossHostComments {
		allowed = map[string]bool{hostKey(src.URL): true}
		for _, f := range fetches {
			if f.PostID == "" {
				allowed[hostKey(f.URL)] = true
			}
		}
	}
	skipped := make(map[string]int)
	type job struct {
		f    *feed.Fetch
		post *feed.Post
	}
	var jobs []job
	for _, f := range fetches {
		if f.PostID == "" || f.Disabled || f.URL == "" || now.Before(f.NextPoll) {
			continue
		}
		post, err := p.st.Post(ctx, f.PostID)
		switch code := feed.ErrorCode(err); {
		case code == feed.ENOTFOUND || code == feed.EGONE:
			continue // deleted here: its comments are not wanted
		case err != nil:
			if stopped(ctx) {
				return ctx.Err()
			}
			return fmt.Errorf("source %q: read post %q: %w", src.Name, f.PostID, err)
		}
		recent := p.o.RecentWindow > 0 && now.Sub(post.Published) < p.o.RecentWindow
		if !recent && now.Sub(f.LastPoll) < p.o.OldInterval {
			continue
		}
		if allowed != nil && !allowed[hostKey(f.URL)] {
			skipped[SkipCrossHost]++
			continue
		}
		jobs = append(jobs, job{f, post})
	}
	sort.SliceStable(jobs, func(i, j int) bool {
		a, b := jobs[i], jobs[j]
		if !a.f.LastPoll.Equal(b.f.LastPoll) {
			return a.f.LastPoll.Before(b.f.LastPoll)
		}
		return a.post.Published.After(b.post.Published)
	})

	var errs []error
	fetched := 0
	for i, j := range jobs {
		if fetched >= p.o.MaxCommentFeedsPerRun {
			skipped[SkipRunLimit] += len(jobs) - i
			break
		}
		if ctx.Err() != nil {
			skipped[SkipDeadline] += len(jobs) - i
			break
		}
		host := hostKey(j.f.URL)
		if !p.hosts.allow(host, p.o.Now()) {
			skipped[SkipHostLimit]++
			continue
		}
		fetched++
		jctx := context.WithValue(ctx, hostPolicyKey{}, &hostPolicy{source: src.Name, allowed: allowed, from: host})
		err := p.pollURL(jctx, j.f, func(ctx context.Context, d *document) error {
			return p.storeComments(ctx, src.Name, j.post, d)
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	if stopped(ctx) {
		return ctx.Err()
	}
	for _, reason := range []string{SkipRunLimit, SkipHostLimit, SkipCrossHost, SkipDeadline} {
		n := skipped[reason]
		if n == 0 {
			continue
		}
		p.log.Info("comment feeds not fetched in this run", "source", src.Name, "reason", reason, "count", n)
		if p.o.ObserveSkipped != nil {
			p.o.ObserveSkipped(src.Name, reason, n)
		}
	}
	if n := skipped[SkipDeadline]; n > 0 {
		errs = append(errs, fmt.Errorf("source %q: %w: %d comment feeds left for the next run", src.Name, context.Cause(ctx), n))
	}
	return errors.Join(errs...)
}

// storeComments upserts the comments of a post's comment feed, parents
// before their replies.
func (p *Poller) storeComments(ctx context.Context, source string, post *feed.Post, d *document) error {
	now := p.now()
	cs := make([]threaded, 0, len(d.entries))
	for _, e := range d.entries {
		c := d.comment(e, source, post.ID, now)
		cs = append(cs, threaded{c: c, parent: e.inReplyTo()})
	}
	_, err := p.upsertComments(ctx, post, cs, nil)
	return err
}

// threaded is a comment to upsert with the upstream id of its parent.
type threaded struct {
	c      *feed.Comment
	parent string
}

// upsertComments upserts the comments of one post, parents first, and
// calls after (if not nil) for every comment:
// whether it changed, and whether it was stored at all. A comment the store
// refuses as invalid, or because its post was deleted here, is logged and
// skipped; any other error stops.
func (p *Poller) upsertComments(ctx context.Context, post *feed.Post, cs []threaded, after func(changed, ok bool)) (int, error) {
	n := 0
	ordered := threadOrder(cs)
	err := p.storeEach(ctx, len(ordered), func(ctx context.Context, i int) (bool, error) {
		t := ordered[i]
		parent := t.parent
		if post.Origin != nil && parent == post.Origin.ID {
			parent = "" // a comment on the post itself
		}
		changed, err := p.st.UpsertComment(ctx, t.c, parent)
		switch feed.ErrorCode(err) {
		case "":
		case feed.EINVALID, feed.EGONE, feed.ENOTFOUND:
			p.log.Warn("comment skipped", "source", t.c.Origin.Source, "post_id", post.ID,
				"upstream_id", t.c.Origin.ID, "err", err)
			if after != nil {
				after(false, false)
			}
			return false, nil
		default:
			return false, fmt.Errorf("upsert comment %q: %w", t.c.Origin.ID, err)
		}
		if changed {
			n++
		}
		if after != nil {
			after(changed, true)
		}
		return changed, nil
	})
	return n, err
}

// threadOrder returns the comments oldest first, except that a reply comes
// after its parent when both are there, whatever their dates, so that the
// store can resolve the parent.
func threadOrder(cs []threaded) []threaded {
	sorted := append([]threaded(nil), cs...)
	sort.SliceStable(sorted, func(i, j int) bool {
		return published(sorted[i].c).Before(published(sorted[j].c))
	})
	index := make(map[string]int, len(sorted))
	for i, t := range sorted {
		if _, dup := index[t.c.Origin.ID]; !dup {
			index[t.c.Origin.ID] = i
		}
	}
	out := make([]threaded, 0, len(sorted))
	const (
		fresh = iota
		visiting
		done
	)
	state := make([]int, len(sorted))
	var visit func(i int)
	visit = func(i int) {
		if state[i] != fresh {
			return // out already, or a cycle, which ends here
		}
		state[i] = visiting
		if j, ok := index[sorted[i].parent]; ok {
			visit(j)
		}
		state[i] = done
		out = append(out, sorted[i])
	}
	for i := range sorted {
		visit(i)
	}
	return out
}

// published returns the time a comment sorts by; undated ones come last,
// as the newest.
func published(c *feed.Comment) time.Time {
	if c.Published.IsZero() {
		return time.Unix(1<<40, 0)
	}
	return c.Published
}

// ensureCommentFetch makes sure a mirrored post with a comment feed has a
// polling state for it, so that pollComments finds it, and says whether it
// saved one. An existing state keeps its URL, which a permanent redirect
// may have moved. next is the first time to poll it (zero: at once).
func (p *Poller) ensureCommentFetch(ctx context.Context, post *feed.Post, next time.Time) (bool, error) {
	if post.Origin == nil || post.Origin.CommentsURL == "" || post.ID == "" {
		return false, nil
	}
	_, err := p.st.Fetch(ctx, post.Origin.Source, post.ID)
	switch feed.ErrorCode(err) {
	case "":
		return false, nil
	case feed.ENOTFOUND:
		f := &feed.Fetch{Source: post.Origin.Source, PostID: post.ID, URL: post.Origin.CommentsURL, NextPoll: next}
		if err := p.st.SaveFetch(ctx, f); err != nil {
			return false, fmt.Errorf("save comment feed of post %q: %w", post.ID, err)
		}
		return true, nil
	}
	return false, fmt.Errorf("read comment feed state of post %q: %w", post.ID, err)
}
