package export

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/store"
)

// CSSPath is the path of the pages' stylesheet (package web serves it).
const CSSPath = "/static/feedd.css"

// Paths returns the URL paths of everything feedd serves from st, as
// Write takes them, sorted and without repeats: the home page, the
// stylesheets, each live post's page, and the documents of every feed
// that have a path of their own (feed.Files): the posts, site comments,
// thread and digest feeds in each of their formats and the archive
// documents of the paged ones (cut by pageSize, the feeds' page size:
// cache.DefaultPageSize when zero or negative). The paths are those of
// the URLs r builds, below its base URL (see RequestPath).
//
// A post deleted while Paths runs may be left out, or its paths kept; an
// export of them fails and the next one removes them.
func Paths(ctx context.Context, st store.Store, r *render.Renderer, pageSize int) ([]string, error) {
	if pageSize <= 0 {
		pageSize = cache.DefaultPageSize
	}
	urls := []string{r.HomeURL(), r.HomeURL() + strings.TrimPrefix(CSSPath, "/"), r.StylesheetURL()}
	var paths []string
	// feeds adds the files of ref, a feed of total entries.
	feeds := func(ref feed.Ref, total int) {
		for v, f := range feed.Files(ref, feed.Layout{Total: total, Size: pageSize}.Archives()) {
			paths = append(paths, feed.Path(ref, v, f))
		}
	}

	n, err := st.CountPosts(ctx, store.PostFilter{})
	if err != nil {
		return nil, fmt.Errorf("count posts: %w", err)
	}
	feeds(feed.PostsFeed, n)
	if n, err = st.CountComments(ctx, store.CommentFilter{}); err != nil {
		return nil, fmt.Errorf("count comments: %w", err)
	}
	feeds(feed.CommentsFeed, n)
	posts, err := st.Posts(ctx, store.PostFilter{})
	if err != nil {
		return nil, fmt.Errorf("list posts: %w", err)
	}
	for _, p := range posts {
		n, err := st.CountComments(ctx, store.CommentFilter{PostID: p.ID})
		switch feed.ErrorCode(err) {
		case "":
		case feed.ENOTFOUND, feed.EGONE:
			continue // deleted since Posts
		default:
			return nil, fmt.Errorf("count comments of post %q: %w", p.ID, err)
		}
		urls = append(urls, r.PostURL(p.ID))
		feeds(feed.ThreadFeed(p.ID), n)
	}
	for _, ref := range feed.DigestFeeds {
		feeds(ref, 0)
	}

	for _, u := range urls {
		p, err := RequestPath(r, u)
		if err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return slices.Compact(paths), nil
}

// RequestPath returns the request target that asks feedd for u, a URL r
// built: u without r's base URL (scheme, host and path: feedd is served
// at the base URL's path by a proxy that strips it) and without its
// fragment, as clients send it; "/" for the home page. So under the base
// URL https://example.org/blog, https://example.org/blog/posts/abc#comments
// is /posts/abc. A query stays. A URL that is not below the base URL is an
// error.
func RequestPath(r *render.Renderer, u string) (string, error) {
	root := strings.TrimSuffix(r.HomeURL(), "/")
	rest, ok := strings.CutPrefix(u, root)
	if !ok || (rest != "" && !strings.ContainsRune("/?#", rune(rest[0]))) {
		return "", fmt.Errorf("URL %s is not below the base URL %s", u, r.HomeURL())
	}
	rest, _, _ = strings.Cut(rest, "#")
	if !strings.HasPrefix(rest, "/") {
		rest = "/" + rest
	}
	return rest, nil
}
