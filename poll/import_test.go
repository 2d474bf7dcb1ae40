package poll_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/poll"
)

// importFile imports a file of testdata as source, checking that progress
// counts every entry up to its total.
func importFile(t *testing.T, e *env, name, source string) poll.ImportResult {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var calls, last, total int
	res, err := e.p.Import(context.Background(), f, "", source, func(done, n int) {
		calls++
		if done != calls || (total != 0 && n != total) {
			t.Errorf("progress(%d, %d) after %d calls with total %d", done, n, calls-1, total)
		}
		last, total = done, n
	})
	if err != nil {
		t.Fatalf("Import(%s): %v", name, err)
	}
	if last != total {
		t.Errorf("progress ended at %d of %d", last, total)
	}
	if got := res.Posts + res.Comments + res.Unchanged; got != total {
		t.Errorf("result %+v adds up to %d, progress total %d", res, got, total)
	}
	return res
}

func TestImport_BloggerExport(t *testing.T) {
	e := newEnv(t, poll.Options{})
	res := importFile(t, e, "blogger-export.xml", "old")
	if want := (poll.ImportResult{Posts: 2, Comments: 4}); res != want {
		t.Errorf("first import = %+v, want %+v (template, settings, draft, page and its comment left out)", res, want)
	}

	posts := e.posts(t, "old")
	if len(posts) != 2 {
		t.Fatalf("posts = %v, want 2", posts)
	}
	first, second := posts["tag:blogger.com,1999:blog-7.post-100"], posts["tag:blogger.com,1999:blog-7.post-200"]
	if first == nil || second == nil {
		t.Fatalf("posts by upstream id: %v", posts)
	}
	if first.Title != "First post" || first.AuthorName != "Owner" || strings.Join(first.Categories, ",") != "go,blogging" {
		t.Errorf("first post = %q by %q in %v", first.Title, first.AuthorName, first.Categories)
	}
	if want := `<img src="https://export.example.com/2024/01/images/hello.png" alt="hi">`; !strings.Contains(first.Content, want) {
		t.Errorf("first post content %q lacks %s", first.Content, want)
	}
	if want := `href="https://export.example.com/2024/02/trip.html"`; !strings.Contains(second.Content, want) {
		t.Errorf("second post content %q lacks %s", second.Content, want)
	}
	if want := time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC); !second.Published.Equal(want) {
		t.Errorf("second post published %v, want %v", second.Published, want)
	}
	if got, want := first.Origin.CommentsURL, "https://export.example.com/feeds/100/comments/default"; got != want {
		t.Errorf("comments URL %q, want %q", got, want)
	}

	checkThread(t, e.comments(t, first.ID), map[string]want{
		"tag:blogger.com,1999:blog-7.post-1001": {"Reader One", ""},
		"tag:blogger.com,1999:blog-7.post-1002": {"Owner", "tag:blogger.com,1999:blog-7.post-1001"},
		"tag:blogger.com,1999:blog-7.post-1003": {"Reader One", "tag:blogger.com,1999:blog-7.post-1002"},
	})
	checkThread(t, e.comments(t, second.ID), map[string]want{
		"tag:blogger.com,1999:blog-7.post-2001": {"Anonymous", ""},
	})
	if n := e.changeCount(t); n != 6 {
		t.Errorf("changed called %d times, want 6", n)
	}

	t.Run("Again", func(t *testing.T) {
		before := e.lastChange(t)
		res := importFile(t, e, "blogger-export.xml", "old")
		if want := (poll.ImportResult{Unchanged: 6}); res != want {
			t.Errorf("second import = %+v, want %+v", res, want)
		}
		if got := e.lastChange(t); got != before {
			t.Errorf("second import wrote: LastChange %d, was %d", got, before)
		}
	})
}

func TestImport_BloggerTakeout(t *testing.T) {
	e := newEnv(t, poll.Options{})
	res := importFile(t, e, "blogger-takeout.atom", "takeout")
	if want := (poll.ImportResult{Posts: 1, Comments: 2}); res != want {
		t.Errorf("import = %+v, want %+v (draft, page and spam left out)", res, want)
	}
	post := e.posts(t, "takeout")["tag:blogger.com,1999:blog-2018.post-101"]
	if post == nil {
		t.Fatalf("post missing: %v", e.posts(t, "takeout"))
	}
	if post.Origin.URL != "https://takeout.example.com/2024/06/modern-post.html" || strings.Join(post.Categories, ",") != "Technology" {
		t.Errorf("post = %+v, origin %+v", post, post.Origin)
	}
	checkThread(t, e.comments(t, post.ID), map[string]want{
		"tag:blogger.com,1999:blog-2018.post-301": {"Modern Reader", ""},
		"tag:blogger.com,1999:blog-2018.post-302": {"Modern Author", "tag:blogger.com,1999:blog-2018.post-301"},
	})
	if res := importFile(t, e, "blogger-takeout.atom", "takeout"); res != (poll.ImportResult{Unchanged: 3}) {
		t.Errorf("second import = %+v, want all 3 unchanged", res)
	}
}

func TestImport_Feed(t *testing.T) {
	// An ordinary feed, fetched with FetchURL: its entries are posts, its
	// relative links resolve against the URL it came from.
	u := newUpstream(t)
	u.serveFeed("/blog/feed.xml", "application/rss+xml", `<rss version="2.0"><channel><title>T</title>
<item><guid>urn:1</guid><title>One</title><description>&lt;a href="one.html"&gt;one&lt;/a&gt;</description></item>
<item><guid>urn:2</guid><title>Two</title><description>two</description></item>
</channel></rss>`)
	e := newEnv(t, poll.Options{})
	ctx := context.Background()
	body, err := e.p.FetchURL(ctx, u.url("/blog/feed.xml"))
	if err != nil {
		t.Fatalf("FetchURL: %v", err)
	}
	res, err := e.p.Import(ctx, body, u.url("/blog/feed.xml"), "plain", nil)
	body.Close()
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if res != (poll.ImportResult{Posts: 2}) {
		t.Errorf("Import = %+v, want 2 posts", res)
	}
	if p := e.posts(t, "plain")["urn:1"]; p == nil || p.Content != `<a href="`+u.url("/blog/one.html")+`">one</a>` {
		t.Errorf("post = %+v", p)
	}
	if h := u.header("/blog/feed.xml"); !strings.HasPrefix(h.Get("User-Agent"), "feedd/") {
		t.Errorf("FetchURL User-Agent = %q", h.Get("User-Agent"))
	}
}

func TestFetchURL_Errors(t *testing.T) {
	u := newUpstream(t)
	u.handle("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", 4096)))
	})
	e := newEnv(t, poll.Options{MaxBodyBytes: 1024})
	ctx := context.Background()
	body, err := e.p.FetchURL(ctx, u.url("/big"))
	if err != nil {
		t.Fatalf("FetchURL: %v", err)
	}
	_, err = io.ReadAll(body)
	body.Close()
	if err == nil || err.Error() != "body larger than 1024 bytes" {
		t.Errorf("reading an oversized body: %v", err)
	}
	if _, err := e.p.FetchURL(ctx, u.url("/missing")); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("FetchURL of a 404: %v", err)
	}
	if _, err := e.p.FetchURL(ctx, "file:///etc/passwd"); err == nil {
		t.Error("FetchURL of a file: URL succeeded")
	}
	if _, err := e.p.Import(ctx, strings.NewReader("<feed"), "", "x", nil); err == nil {
		t.Error("Import of a broken document succeeded")
	}
	if _, err := e.p.Import(ctx, strings.NewReader(""), "", "bad name", nil); err == nil {
		t.Error("Import under an invalid source name succeeded")
	}
}
