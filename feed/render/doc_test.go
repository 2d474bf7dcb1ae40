package render

import (
	"fmt"
	"time"

	"github.com/feedd/feedd/feed"
)

// Hubs of the golden cases that advertise WebSub hubs.
var testHubs = []string{"https://hub.example.net/", "https://example.com/blog/hub?x=1&y=2"}

// pagedPosts returns n posts, newest first, one a day from 2025-01-01 on:
// a feed to cut into pages and archives. Post i (1 for the oldest) has id
// "p01" and so on.
func pagedPosts(n int) []*feed.Post {
	var posts []*feed.Post
	for i := n; i >= 1; i-- {
		day := time.Date(2025, 1, i, 9, 0, 0, 0, time.UTC)
		posts = append(posts, &feed.Post{
			ID:         fmt.Sprintf("p%02d", i),
			Title:      fmt.Sprintf("Post %d", i),
			Content:    fmt.Sprintf("<p>Entry number %d.</p>", i),
			AuthorName: "Ana Lima",
			Published:  day,
			Updated:    day,
		})
	}
	return posts
}

// chunk returns the posts at ascending offsets [off, off+n) of all (which
// is newest first), newest first: what a Layout gives a document.
func chunk(all []*feed.Post, off, n int) []*feed.Post {
	total := len(all)
	return all[total-off-n : total-off]
}

// The feed of the paging cases: 10 posts in chunks of 3, so 3 archives,
// the head holding the newest 4 (offsets 6 to 9) and prev-archive 2, and 3
// pages: the head, page 2 (archive 2), page 3 (archive 1).
var pagedLayout = feed.Layout{Total: 10, Size: 3}

// ext placeholders for wantFeed URLs.
const (
	postsURL    = root + "/feeds/posts.{ext}"
	archiveURL  = root + "/feeds/posts/archive/%d.{ext}"
	commentsURL = root + "/feeds/comments.{ext}"
)

func hubLinks() []wantLink {
	return []wantLink{{"hub", testHubs[0]}, {"hub", testHubs[1]}}
}

// docCases are the golden cases of documents other than plain heads:
// RFC 5005 heads, pages and archives, a query, a summary view and hubs.
func docCases() []goldenCase {
	all := pagedPosts(10)
	s := newSite()
	return []goldenCase{
		{
			name: "posts_head_paged",
			render: func(r *Renderer, f feed.Format) ([]byte, time.Time, error) {
				off, n := pagedLayout.Head()
				return r.Render(f, &Doc{Ref: feed.PostsFeed, Posts: chunk(all, off, n), Nav: Nav{Layout: pagedLayout}})
			},
			want: func() wantFeed {
				w := wantPosts(chunk(all, 6, 4), nil)
				w.links = []wantLink{
					{"first", postsURL},
					{"next", postsURL + "?page=2"},
					{"last", postsURL + "?page=3"},
					{"prev-archive", fmt.Sprintf(archiveURL, 2)},
				}
				return w
			}(),
		},
		{
			name: "posts_page2",
			render: func(r *Renderer, f feed.Format) ([]byte, time.Time, error) {
				k, _ := pagedLayout.PageArchive(2)
				off, n, _ := pagedLayout.Archive(k)
				return r.Render(f, &Doc{Ref: feed.PostsFeed, View: feed.View{Page: 2}, Posts: chunk(all, off, n), Nav: Nav{Layout: pagedLayout}})
			},
			want: func() wantFeed {
				w := wantPosts(chunk(all, 3, 3), nil)
				w.self = postsURL + "?page=2"
				w.links = []wantLink{
					{"first", postsURL},
					{"previous", postsURL},
					{"next", postsURL + "?page=3"},
					{"last", postsURL + "?page=3"},
				}
				return w
			}(),
		},
		{
			// An archive of a feed with comment counts and deletions:
			// neither shows, nor anything of the feed's size.
			name:          "posts_archive",
			commentCounts: true,
			render: func(r *Renderer, f feed.Format) ([]byte, time.Time, error) {
				off, n, _ := pagedLayout.Archive(2)
				return r.Render(f, &Doc{
					Ref: feed.PostsFeed, View: feed.View{Archive: 2}, Posts: chunk(all, off, n),
					Stats: map[string]feed.ThreadStats{"p05": {Count: 2, Updated: date("2026-01-01T00:00:00Z")}},
					Gone:  gonePosts(),
					Nav:   Nav{Layout: pagedLayout},
				})
			},
			want: func() wantFeed {
				w := wantPosts(chunk(all, 3, 3), nil)
				w.self = fmt.Sprintf(archiveURL, 2)
				w.history = "archive"
				w.links = []wantLink{
					{"current", postsURL},
					{"prev-archive", fmt.Sprintf(archiveURL, 1)},
					{"next-archive", fmt.Sprintf(archiveURL, 3)},
				}
				w.ttl, w.syPeriod, w.syFreq = "525600", "yearly", "1"
				return w
			}(),
		},
		{
			name: "comments_complete",
			render: func(r *Renderer, f feed.Format) ([]byte, time.Time, error) {
				return r.Render(f, &Doc{Ref: feed.CommentsFeed, Comments: s.comments, Nav: Nav{Layout: feed.Layout{Total: 4, Size: 25}}})
			},
			want: func() wantFeed {
				w := wantComments(feed.CommentsFeed, "Comments on "+siteTitle, s.comments, "")
				w.history = "complete"
				return w
			}(),
		},
		{
			// Entries 3 and 4 of 7 by update: a previous and a next page.
			name: "posts_query",
			render: func(r *Renderer, f feed.Format) ([]byte, time.Time, error) {
				v := feed.View{MaxResults: 2, StartIndex: 3, OrderBy: feed.OrderUpdated, UpdatedMin: date("2025-01-01T00:00:00+01:00")}
				return r.Render(f, &Doc{Ref: feed.PostsFeed, View: v, Posts: all[2:4], Nav: Nav{Total: 7, Layout: feed.Layout{Total: 10, Size: 25}}})
			},
			want: func() wantFeed {
				w := wantPosts(all[2:4], nil)
				q := "?max-results=2&orderby=updated&start-index=%d&updated-min=2024-12-31T23%%3A00%%3A00Z"
				w.self = postsURL + fmt.Sprintf(q, 3)
				w.links = []wantLink{{"previous", postsURL + fmt.Sprintf(q, 1)}, {"next", postsURL + fmt.Sprintf(q, 5)}}
				w.search = &wantSearch{"7", "3", "2"}
				return w
			}(),
		},
		{
			// Summaries only: the post's own, else an excerpt of its
			// content; a category selection is a feed of its own.
			name: "posts_summary",
			render: func(r *Renderer, f feed.Format) ([]byte, time.Time, error) {
				return r.Render(f, &Doc{Ref: feed.PostsFeed, View: feed.View{Summary: true}, Posts: s.posts, Nav: Nav{Layout: feed.Layout{Total: 3, Size: 25}}})
			},
			want: func() wantFeed {
				w := wantPosts(s.posts, nil)
				w.self = postsURL + "?summary=true"
				w.id = root + "/feeds/posts?summary=true"
				w.summaryOnly = true
				w.history = "complete"
				w.entries[0].summary = "Cod & chips, with lots of vinegar."
				w.entries[2].summary = "First post of Field Notes. More to come."
				return w
			}(),
		},
		{
			name: "thread_hubs",
			opts: func(o *Options) { o.Hubs = testHubs },
			render: func(r *Renderer, f feed.Format) ([]byte, time.Time, error) {
				return r.Render(f, &Doc{Ref: feed.ThreadFeed("hello"), Post: s.p1, Comments: s.thread})
			},
			want: func() wantFeed {
				w := wantComments(feed.ThreadFeed("hello"), "Comments on \u2018Hello, world\u2019", s.thread, s.p1.Title)
				w.links = hubLinks()
				return w
			}(),
		},
		{
			// An archive advertises hubs too, and a category's page links
			// pages but no archives.
			name: "posts_category_page_hubs",
			opts: func(o *Options) { o.Hubs = testHubs },
			render: func(r *Renderer, f feed.Format) ([]byte, time.Time, error) {
				return r.Render(f, &Doc{Ref: feed.PostsFeed, View: feed.View{Category: "meta & more", Page: 2}, Posts: s.posts[1:],
					Nav: Nav{Layout: feed.Layout{Total: 4, Size: 2}}})
			},
			want: func() wantFeed {
				w := wantPosts(s.posts[1:], nil)
				w.self = postsURL + "?category=meta+%26+more&page=2"
				w.id = root + "/feeds/posts?category=meta+%26+more"
				w.links = append([]wantLink{{"first", postsURL + "?category=meta+%26+more"}, {"previous", postsURL + "?category=meta+%26+more"},
					{"last", postsURL + "?category=meta+%26+more&page=2"}}, hubLinks()...)
				return w
			}(),
		},
	}
}
