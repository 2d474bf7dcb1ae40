package poll_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/poll"
)

// blogger serves a Blogger-shaped blog: a posts feed whose entries link
// their comment feeds (rel="replies", or only Blogger's id pattern), and
// comment feeds threaded with thr:in-reply-to and, as Blogger does,
// rel="related" links.
func blogger(u *upstream, now time.Time) {
	srv := u.url("")
	recent := rfc3339(now.Add(-time.Hour))
	u.serveFeed("/feeds/posts/default", "application/atom+xml; charset=UTF-8", atomFeed("A Blog",
		atomEntry{
			ID: "tag:blogger.com,1999:blog-42.post-111", Title: "Post A", Link: srv + "/2024/05/a.html",
			Author: "Ann Author", AuthorURI: srv + "/profile/ann",
			Published: recent, Updated: recent,
			Content: `<p>Hello <img src="/img/a.png" srcset="/img/a.png 1x, /img/a@2x.png 2x"> <a href="b.html">next</a> <a href="#top">top</a></p>`,
			Extra: `<category scheme="http://www.blogger.com/atom/ns#" term="Go"/>` +
				`<link rel="replies" type="application/atom+xml" href="` + srv + `/feeds/111/comments/default" title="Post Comments"/>` +
				`<link rel="replies" type="text/html" href="` + srv + `/2024/05/a.html#comment-form" title="3 Comments"/>`,
		},
		atomEntry{
			ID: "tag:blogger.com,1999:blog-42.post-222", Title: "Post B", Link: srv + "/2024/05/b.html",
			Author: "Ann Author", Published: recent, Updated: recent, Content: "<p>B</p>",
		},
	))
	// Post A's comments, newest first as feeds list them: Carol replies to
	// Bob, who replies to Alice.
	postA := `<thr:in-reply-to ref="tag:blogger.com,1999:blog-42.post-111" href="` + srv + `/2024/05/a.html" type="text/html"/>`
	u.serveFeed("/feeds/111/comments/default", "application/atom+xml", atomFeed("Comments on Post A",
		atomEntry{ID: "urn:c3", Title: "c3", Author: "Carol", Content: "Carol agrees with Bob",
			Published: rfc3339(now.Add(-10 * time.Minute)), Link: srv + "/2024/05/a.html#c3",
			Extra: `<thr:in-reply-to ref="urn:c2"/>`},
		atomEntry{ID: "urn:c2", Title: "c2", Author: "Bob", AuthorURI: "https://bob.example/", Content: "Bob answers Alice",
			Published: rfc3339(now.Add(-20 * time.Minute)), Extra: `<thr:in-reply-to ref="urn:c1"/>`},
		atomEntry{ID: "urn:c1", Title: "c1", Author: "Alice", Content: "<p>Alice <b>first</b></p>",
			Published: rfc3339(now.Add(-30 * time.Minute)), Extra: postA},
	))
	// Post B's comments the way Blogger threads them: every in-reply-to
	// names the post, a reply's parent is its rel="related" link.
	postB := `<thr:in-reply-to ref="tag:blogger.com,1999:blog-42.post-222" href="` + srv + `/2024/05/b.html" type="text/html"/>`
	u.serveFeed("/feeds/222/comments/default", "application/atom+xml", atomFeed("Comments on Post B",
		atomEntry{ID: "tag:blogger.com,1999:blog-42.post-5555", Title: "c5", Author: "Erin", Content: "Erin replies",
			Published: rfc3339(now.Add(-5 * time.Minute)),
			Extra:     postB + `<link rel="related" type="application/atom+xml" href="https://www.blogger.com/feeds/42/222/comments/default/4444"/>`},
		atomEntry{ID: "tag:blogger.com,1999:blog-42.post-4444", Title: "c4", Author: "Dave", Content: "Dave starts",
			Published: rfc3339(now.Add(-6 * time.Minute)), Extra: postB},
	))
}

// want describes a mirrored comment: its author and the upstream id of
// its parent ("" for a comment on the post).
type want struct{ author, parent string }

func TestPoll_BloggerThreads(t *testing.T) {
	u := newUpstream(t)
	now := time.Now()
	blogger(u, now)
	e := newEnv(t, poll.Options{})
	src := poll.Source{Name: "blog", URL: u.url("/feeds/posts/default"), Comments: true}
	if err := e.p.Poll(context.Background(), src); err != nil {
		t.Fatalf("Poll: %v", err)
	}

	posts := e.posts(t, "blog")
	if len(posts) != 2 {
		t.Fatalf("got %d posts, want 2", len(posts))
	}
	a, b := posts["tag:blogger.com,1999:blog-42.post-111"], posts["tag:blogger.com,1999:blog-42.post-222"]
	if a == nil || b == nil {
		t.Fatalf("posts by upstream id: %v", posts)
	}
	srv := u.url("")
	t.Run("Post", func(t *testing.T) {
		if got, want := a.Origin.CommentsURL, srv+"/feeds/111/comments/default"; got != want {
			t.Errorf("A's comments URL = %q, want %q (the Atom-typed replies link)", got, want)
		}
		if got, want := b.Origin.CommentsURL, srv+"/feeds/222/comments/default"; got != want {
			t.Errorf("B's comments URL = %q, want %q (Blogger's pattern)", got, want)
		}
		if got, want := a.Origin.URL, srv+"/2024/05/a.html"; got != want {
			t.Errorf("A's upstream URL = %q, want %q", got, want)
		}
		for _, s := range []string{
			`src="` + srv + `/img/a.png"`,
			`srcset="` + srv + `/img/a.png 1x, ` + srv + `/img/a@2x.png 2x"`,
			`href="` + srv + `/2024/05/b.html"`,
			// A fragment keeps pointing into the upstream page.
			`href="` + srv + `/2024/05/a.html#top"`,
		} {
			if !strings.Contains(a.Content, s) {
				t.Errorf("A's content %q lacks %s", a.Content, s)
			}
		}
		if a.AuthorName != "Ann Author" || a.AuthorURI != srv+"/profile/ann" {
			t.Errorf("A's author = %q <%s>", a.AuthorName, a.AuthorURI)
		}
		if got := strings.Join(a.Categories, ","); got != "Go" {
			t.Errorf("A's categories = %q, want Go", got)
		}
		if a.Format != feed.FormatHTML || a.Title != "Post A" {
			t.Errorf("A: format %q, title %q", a.Format, a.Title)
		}
	})

	for _, tc := range []struct {
		name string
		post *feed.Post
		want map[string]want
	}{
		{"ThrInReplyTo", a, map[string]want{
			"urn:c1": {"Alice", ""},
			"urn:c2": {"Bob", "urn:c1"},
			"urn:c3": {"Carol", "urn:c2"},
		}},
		{"BloggerRelated", b, map[string]want{
			"tag:blogger.com,1999:blog-42.post-4444": {"Dave", ""},
			"tag:blogger.com,1999:blog-42.post-5555": {"Erin", "tag:blogger.com,1999:blog-42.post-4444"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := e.comments(t, tc.post.ID)
			checkThread(t, got, tc.want)
			checkRendered(t, tc.post, got, tc.want)
			f := e.fetch(t, "blog", tc.post.ID)
			if f.LastStatus != 200 || f.URL != tc.post.Origin.CommentsURL || f.Failures != 0 {
				t.Errorf("comment feed state = %+v", f)
			}
		})
	}

	t.Run("Changes", func(t *testing.T) {
		posts, comments := 0, 0
		for _, c := range e.changes(t) {
			switch {
			case c.Post != nil:
				posts++
			case c.Comment != nil && c.Comment.PostID != "" && c.Comment.ID != "":
				comments++
			}
		}
		if posts != 2 || comments != 5 {
			t.Errorf("changed got %d posts and %d comments, want 2 and 5", posts, comments)
		}
	})

	t.Run("RepollUnchanged", func(t *testing.T) {
		before, n := e.lastChange(t), e.changeCount(t)
		if err := e.p.Poll(context.Background(), src); err != nil {
			t.Fatalf("Poll: %v", err)
		}
		if got := e.lastChange(t); got != before {
			t.Errorf("LastChange = %d, want %d: an unchanged upstream wrote", got, before)
		}
		if got := e.changeCount(t); got != n {
			t.Errorf("changed called %d more times", got-n)
		}
		if got := u.hitCount("/feeds/111/comments/default"); got != 2 {
			t.Errorf("recent post's comment feed polled %d times, want 2 (every run)", got)
		}
	})
}

// checkThread compares stored comments, by upstream id, with want: the
// same comments, authors and parents, and depths that follow.
func checkThread(t *testing.T, got map[string]*feed.Comment, want map[string]want) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d comments, want %d", len(got), len(want))
	}
	byID := make(map[string]*feed.Comment)
	for _, c := range got {
		byID[c.ID] = c
	}
	for id, w := range want {
		c := got[id]
		if c == nil {
			t.Errorf("comment %q missing", id)
			continue
		}
		if c.AuthorName != w.author {
			t.Errorf("comment %q: author %q, want %q", id, c.AuthorName, w.author)
		}
		parent := ""
		if p := byID[c.ParentID]; p != nil {
			parent = p.Origin.ID
		} else if c.ParentID != "" {
			t.Errorf("comment %q: parent %q is not a comment of the post", id, c.ParentID)
		}
		if parent != w.parent {
			t.Errorf("comment %q: parent %q, want %q", id, parent, w.parent)
		}
		depth := 0
		for p := w.parent; p != ""; p = want[p].parent {
			depth++
		}
		if c.Depth != depth {
			t.Errorf("comment %q: depth %d, want %d", id, c.Depth, depth)
		}
		if c.Status != feed.StatusApproved {
			t.Errorf("comment %q: status %q", id, c.Status)
		}
	}
}

// checkRendered renders the thread feed of post as feedd serves it and
// checks, reading it back, that each entry replies to what want says, by
// our permalinks, with the same author.
func checkRendered(t *testing.T, post *feed.Post, got map[string]*feed.Comment, want map[string]want) {
	t.Helper()
	r, err := render.New(render.Options{Title: "Mirror", BaseURL: "https://mirror.example"})
	if err != nil {
		t.Fatal(err)
	}
	var list []*feed.Comment
	for _, c := range got {
		list = append(list, c)
	}
	doc, _, err := r.Thread(feed.Atom, post, list, nil)
	if err != nil {
		t.Fatalf("render thread: %v", err)
	}
	f, err := gofeed.NewParser().ParseString(string(doc))
	if err != nil {
		t.Fatalf("parse rendered thread: %v", err)
	}
	if len(f.Items) != len(want) {
		t.Errorf("rendered %d entries, want %d", len(f.Items), len(want))
	}
	for id, w := range want {
		c := got[id]
		if c == nil {
			continue
		}
		var item *gofeed.Item
		for _, it := range f.Items {
			if it.GUID == r.CommentURL(post.ID, c.ID) {
				item = it
			}
		}
		if item == nil {
			t.Errorf("comment %q not rendered", id)
			continue
		}
		wantRef := r.PostURL(post.ID)
		if w.parent != "" {
			wantRef = r.CommentURL(post.ID, got[w.parent].ID)
		}
		refs := item.Extensions["thr"]["in-reply-to"]
		if len(refs) != 1 || refs[0].Attrs["ref"] != wantRef {
			t.Errorf("rendered %q: in-reply-to %v, want ref %s", id, refs, wantRef)
		}
		if len(item.Authors) == 0 || item.Authors[0].Name != w.author {
			t.Errorf("rendered %q: authors %v, want %q", id, item.Authors, w.author)
		}
	}
}

func TestPoll_CommentsDue(t *testing.T) {
	u := newUpstream(t)
	start := time.Now()
	var (
		mu  sync.Mutex
		now = start
	)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }

	srv := u.url("")
	replies := func(n string) string {
		return `<link rel="replies" type="application/atom+xml" href="` + srv + `/c/` + n + `"/>`
	}
	u.serveFeed("/feed", "application/atom+xml", atomFeed("Blog",
		atomEntry{ID: "urn:old", Title: "Old", Content: "old", Published: rfc3339(start.Add(-10 * 24 * time.Hour)), Extra: replies("old")},
		atomEntry{ID: "urn:new", Title: "New", Content: "new", Published: rfc3339(start.Add(-time.Hour)), Extra: replies("new")},
	))
	for _, n := range []string{"old", "new"} {
		u.serveFeed("/c/"+n, "application/atom+xml", atomFeed("Comments",
			atomEntry{ID: "urn:c-" + n, Title: "c", Author: "A", Content: "hi", Published: rfc3339(start.Add(-time.Minute))}))
	}
	e := newEnv(t, poll.Options{Now: clock})
	src := poll.Source{Name: "blog", URL: u.url("/feed"), Comments: true}
	run := func() {
		t.Helper()
		if err := e.p.Poll(context.Background(), src); err != nil {
			t.Fatalf("Poll: %v", err)
		}
	}
	check := func(oldHits, newHits int) {
		t.Helper()
		if got := u.hitCount("/c/old"); got != oldHits {
			t.Errorf("old post's comment feed polled %d times, want %d", got, oldHits)
		}
		if got := u.hitCount("/c/new"); got != newHits {
			t.Errorf("new post's comment feed polled %d times, want %d", got, newHits)
		}
	}
	run() // both polled at once: new to the poller
	check(1, 1)
	advance(time.Hour)
	run() // only the recent post's
	check(1, 2)
	advance(23 * time.Hour)
	run() // 24h since the old one's last poll
	check(2, 3)
	advance(72 * time.Hour)
	run() // the new post is no longer recent, but 72h passed
	check(3, 4)
	advance(time.Hour)
	run()
	check(3, 4)
}

func TestPoll_RSSCommentRss(t *testing.T) {
	u := newUpstream(t)
	now := time.Now().UTC()
	u.serveFeed("/rss", "application/rss+xml", `<?xml version="1.0"?>
<rss version="2.0" xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>WP</title><link>`+u.url("/")+`</link><description>d</description>
<item><title>Hello</title><link>/2024/hello/</link><guid isPermaLink="false">`+u.url("/?p=1")+`</guid>
<pubDate>`+now.Add(-time.Hour).Format(time.RFC1123Z)+`</pubDate><dc:creator>Wendy</dc:creator>
<description>Short</description><content:encoded xmlns:content="http://purl.org/rss/1.0/modules/content/"><![CDATA[<p>Full <img src="pic.png"></p>]]></content:encoded>
<wfw:commentRss>/2024/hello/feed/</wfw:commentRss></item>
</channel></rss>`)
	u.serveFeed("/2024/hello/feed/", "application/rss+xml", `<?xml version="1.0"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Comments</title>
<item><title>By: Rita</title><link>`+u.url("/2024/hello/#comment-7")+`</link><guid isPermaLink="false">`+u.url("/?p=1#comment-7")+`</guid>
<pubDate>`+now.Add(-time.Minute).Format(time.RFC1123Z)+`</pubDate><dc:creator>Rita</dc:creator><description>Nice post</description></item>
</channel></rss>`)
	e := newEnv(t, poll.Options{})
	if err := e.p.Poll(context.Background(), poll.Source{Name: "wp", URL: u.url("/rss"), Comments: true}); err != nil {
		t.Fatalf("Poll: %v", err)
	}
	p := e.posts(t, "wp")[u.url("/?p=1")]
	if p == nil {
		t.Fatalf("post not stored: %v", e.posts(t, "wp"))
	}
	if got, want := p.Origin.CommentsURL, u.url("/2024/hello/feed/"); got != want {
		t.Errorf("comments URL = %q, want %q", got, want)
	}
	if want := `<img src="` + u.url("/2024/hello/pic.png") + `">`; !strings.Contains(p.Content, want) {
		t.Errorf("content = %q, want it to hold %s", p.Content, want)
	}
	if p.Summary != "Short" || p.AuthorName != "Wendy" || p.Origin.URL != u.url("/2024/hello/") {
		t.Errorf("post = summary %q, author %q, url %q", p.Summary, p.AuthorName, p.Origin.URL)
	}
	checkThread(t, e.comments(t, p.ID), map[string]want{u.url("/?p=1#comment-7"): {"Rita", ""}})
}

func TestPoll_CommentsOff(t *testing.T) {
	u := newUpstream(t)
	blogger(u, time.Now())
	e := newEnv(t, poll.Options{})
	if err := e.p.Poll(context.Background(), poll.Source{Name: "blog", URL: u.url("/feeds/posts/default")}); err != nil {
		t.Fatalf("Poll: %v", err)
	}
	if got := u.hitCount("/feeds/111/comments/default") + u.hitCount("/feeds/222/comments/default"); got != 0 {
		t.Errorf("comment feeds polled %d times without Comments", got)
	}
	fs, err := e.st.Fetches(context.Background(), "blog")
	if err != nil || len(fs) != 1 {
		t.Errorf("Fetches = %d states, %v; want the source's only", len(fs), err)
	}
}
