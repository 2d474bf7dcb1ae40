package render

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
)

// benchWords make up the benchmark's prose.
var benchWords = strings.Fields(`the diaspora campaign lobbied governments and the
United Nations to publicize conditions in the special settlements while
delegations travelled to Asia meeting prime ministers and officials about
human rights records archives letters books pages names organizations`)

// benchText returns n words of deterministic prose, varied by seed.
func benchText(seed, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(benchWords[(seed*7+i*3)%len(benchWords)])
	}
	return b.String()
}

// benchSite returns 25 posts of about 4 KB of HTML each, a third of them
// with relative image URLs to rewrite, and 25 comments on the first post,
// some of them replies, their HTML derived as a store returns them.
func benchSite() ([]*feed.Post, []*feed.Comment) {
	start := time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)
	var posts []*feed.Post
	for i := range 25 {
		var content strings.Builder
		for p := range 6 {
			fmt.Fprintf(&content, "<p>%s <a href=\"https://example.org/ref/%d\">%s</a>, %s.</p>\n",
				benchText(i+p, 60), p, benchText(i, 3), benchText(i*p, 40))
		}
		img := "https://example.com/blog/images/%d.jpg"
		if i%3 == 0 {
			img = "/blog/images/%d.jpg"
		}
		fmt.Fprintf(&content, "<figure><img src=\""+img+"\" alt=\"%s\"><figcaption>%s</figcaption></figure>\n", i, benchText(i, 4), benchText(i, 12))
		posts = append(posts, &feed.Post{
			ID:         fmt.Sprintf("post-%02d", 25-i),
			Title:      strings.ToUpper(benchText(i, 1)[:1]) + benchText(i, 6)[1:],
			Content:    content.String(),
			Summary:    benchText(i, 25) + ".",
			AuthorName: "J. Otto Pohl",
			AuthorURI:  "https://example.com/blog/about",
			Categories: []string{"history", "human rights", "diaspora"},
			Published:  start.Add(time.Duration(25-i) * 24 * time.Hour),
			Updated:    start.Add(time.Duration(25-i)*24*time.Hour + time.Hour),
		})
	}
	var comments []*feed.Comment
	for i := range 25 {
		c := &feed.Comment{
			ID:         fmt.Sprintf("c%02d", 25-i),
			PostID:     posts[0].ID,
			PostTitle:  posts[0].Title,
			AuthorName: fmt.Sprintf("Reader %d", i%7),
			Content:    "<p>" + benchText(i, 50) + "?</p>\n<p>" + benchText(i+1, 30) + ".</p>",
			Published:  start.Add(time.Duration(25-i) * time.Hour),
			Updated:    start.Add(time.Duration(25-i) * time.Hour),
		}
		if i%3 == 1 {
			c.ParentID = fmt.Sprintf("c%02d", 25-i-1)
		}
		comments = append(comments, c)
	}
	for _, p := range posts {
		content.DerivePost(p)
	}
	for _, c := range comments {
		content.DeriveComment(c)
	}
	return posts, comments
}

func BenchmarkRender(b *testing.B) {
	posts, comments := benchSite()
	r := newTestRenderer(b, true)
	counts := map[string]feed.ThreadStats{posts[0].ID: {Count: len(comments), Updated: comments[0].Updated}}
	feeds := []struct {
		name   string
		render func(feed.Format) ([]byte, time.Time, error)
	}{
		{"posts", func(f feed.Format) ([]byte, time.Time, error) { return r.Posts(f, posts, counts, nil) }},
		{"comments", func(f feed.Format) ([]byte, time.Time, error) { return r.Comments(f, comments, nil) }},
		{"thread", func(f feed.Format) ([]byte, time.Time, error) { return r.Thread(f, posts[0], comments, nil) }},
	}
	for _, fd := range feeds {
		for _, f := range feed.Formats {
			b.Run(fd.name+"/"+string(f), func(b *testing.B) {
				out, _, err := fd.render(f)
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(out)))
				b.ReportAllocs()
				for b.Loop() {
					if _, _, err := fd.render(f); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
