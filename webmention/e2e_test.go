package webmention_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/sitetest"
	"github.com/feedd/feedd/internal/testutil"
	"github.com/feedd/feedd/webmention"
)

// replyPage is a source page with microformats2 markup: an h-entry in
// reply to alpha, by an h-card, with its date and content.
func replyPage(self string) string {
	return `<!doctype html><html><head><title>A note – Ann's site</title></head><body>
<article class="h-entry">
  <a class="u-url" href="` + self + `">permalink</a>
  <div class="p-author h-card"><img class="u-photo" src="/me.jpg" alt=""><a class="p-name u-url" href="/">Ann Other</a></div>
  <p>In reply to <a class="u-in-reply-to" href="` + alphaURL + `">Alpha post</a></p>
  <time class="dt-published" datetime="2026-03-10T08:00:00+01:00">10 March</time>
  <div class="e-content"><p>Great <b>post</b>!</p></div>
</article></body></html>`
}

// likePage is the same note edited into a like.
func likePage(self string) string {
	return `<article class="h-entry"><a class="u-url" href="` + self + `">#</a>
  <a class="p-author h-card" href="/">Ann Other</a> <a class="u-like-of" href="` + alphaURL + `">liked alpha</a>
  <time class="dt-published" datetime="2026-03-10T08:00:00+01:00">10 March</time>
  <p class="e-content">Liked it, on reflection.</p></article>`
}

// TestReceive_EndToEnd: a mention posted to the endpoint is verified by
// the queue and shows in the thread feed in every format, in the site
// comments feed and on the post's page, attributed from the h-entry; it
// is updated when sent again, and removed with a tombstone when its
// source answers 410. Every response of a thread feed and the post's page
// advertise the endpoint.
func TestReceive_EndToEnd(t *testing.T) {
	e := newEnv(t, envOptions{allowPrivate: true})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.rc.Run(ctx) }()
	defer func() { cancel(); <-done }()

	src := newSource(t)
	note := src.URL + "/notes/1"
	src.set(200, "text/html; charset=utf-8", replyPage(note))

	send := func(want string) webmention.Result {
		t.Helper()
		w := e.post(t, note, alphaURL)
		if w.Code != http.StatusAccepted || !strings.Contains(w.Body.String(), "queued") {
			t.Fatalf("POST /webmention = %d %q, want 202", w.Code, w.Body.String())
		}
		res := testutil.Receive(t, 10*time.Second, e.results, "the mention was not verified")
		if res.Action != want || res.Source != note || res.Target != alphaURL || res.PostID != "alpha" {
			t.Fatalf("verification = %+v, want %s", res, want)
		}
		return res
	}

	res := send("stored")
	id := res.Comment.ID
	permalink := sitetest.BaseURL + "/posts/alpha#comment-" + id
	published := time.Date(2026, 3, 10, 7, 0, 0, 0, time.UTC)
	checkFeeds(t, e, "/feeds/posts/alpha/comments", note, wantMention{
		id: permalink, author: "Ann Other", authorURI: src.URL + "/", content: "<p>Great <b>post</b>!</p>",
		kind: feed.MentionReply, published: published, title: "Ann Other replied to \u2018Alpha post\u2019",
	})
	checkFeeds(t, e, "/feeds/comments", note, wantMention{
		id: permalink, author: "Ann Other", authorURI: src.URL + "/", content: "<p>Great <b>post</b>!</p>",
		kind: feed.MentionReply, published: published, title: "Ann Other replied to \u2018Alpha post\u2019",
	})
	page := checkPostPage(t, e, "alpha")
	for _, s := range []string{`id="comment-` + id + `"`, `class="comment mention mention-reply"`, "Ann Other",
		`replied on <a href="` + note + `" rel="nofollow ugc">127.0.0.1</a>`, "<b>post</b>"} {
		if !strings.Contains(page, s) {
			t.Errorf("post page lacks %q", s)
		}
	}

	// Sent again unchanged: nothing written.
	send("unchanged")
	// Edited into a like: the same entry, updated.
	src.set(200, "text/html", likePage(note))
	res = send("stored")
	if res.Comment.ID != id || res.Comment.Kind != feed.MentionLike {
		t.Fatalf("updated mention = %+v, want %s, a like", res.Comment, id)
	}
	if ms := e.mentions(t, "alpha"); len(ms) != 1 {
		t.Fatalf("%d mentions after the update, want 1", len(ms))
	}
	checkFeeds(t, e, "/feeds/posts/alpha/comments", note, wantMention{
		id: permalink, author: "Ann Other", authorURI: src.URL + "/", content: "Liked it, on reflection.",
		kind: feed.MentionLike, published: published, title: "Ann Other liked \u2018Alpha post\u2019", updated: true,
	})
	if page := checkPostPage(t, e, "alpha"); !strings.Contains(page, "liked this on") {
		t.Error("post page does not show the like")
	}

	// Gone: removed, with a tombstone.
	src.set(http.StatusGone, "text/html", "gone")
	send("deleted")
	checkRemoved(t, e, "alpha", permalink, note)

	// Received again, and then its source stops linking: removed again.
	src.set(200, "text/html", replyPage(note))
	res = send("stored")
	if res.Comment.ID == id {
		t.Error("a mention received after its removal has the removed one's id")
	}
	src.set(200, "text/html", `<div class="h-entry"><p class="e-content">No link any more.</p></div>`)
	send("deleted")
	checkRemoved(t, e, "alpha", sitetest.BaseURL+"/posts/alpha#comment-"+res.Comment.ID, note)
	// Nothing to remove: nothing happens.
	res = send("none")
	if !strings.Contains(res.Err.Error(), "does not link") {
		t.Errorf("reason = %v", res.Err)
	}
}

type wantMention struct {
	id, author, authorURI, content, kind, title string
	published                                   time.Time
	updated                                     bool // Updated is after Published
}

// checkFeeds reads the feed at base in every format with gofeed and checks
// the mention from source, its threading and the endpoint's advertising.
func checkFeeds(t *testing.T, e *env, base, source string, want wantMention) {
	t.Helper()
	thread := strings.HasPrefix(base, "/feeds/posts/")
	for _, ext := range []string{"atom", "rss", "json"} {
		w := sitetest.Do(t, e.h, "GET", base+"."+ext, "")
		if err := e.cache.Sync(t.Context(), 0); err != nil {
			t.Fatal(err)
		}
		w = sitetest.Do(t, e.h, "GET", base+"."+ext, "")
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s.%s = %d", base, ext, w.Code)
		}
		advertised := slices.Contains(w.Header().Values("Link"), "<"+sitetest.BaseURL+`/webmention>; rel="webmention"`)
		if advertised != thread {
			t.Errorf("%s.%s Link = %q; advertises the endpoint: %v, want %v", base, ext, w.Header().Values("Link"), advertised, thread)
		}
		f, err := gofeed.NewParser().Parse(bytes.NewReader(w.Body.Bytes()))
		if err != nil {
			t.Fatalf("%s.%s: %v", base, ext, err)
		}
		var it *gofeed.Item
		for _, i := range f.Items {
			if i.Link == source {
				it = i
			}
		}
		if it == nil {
			t.Fatalf("%s.%s: no item links to %s", base, ext, source)
		}
		if it.GUID != want.id || it.Title != want.title {
			t.Errorf("%s.%s: id, title = %q, %q; want %q, %q", base, ext, it.GUID, it.Title, want.id, want.title)
		}
		if len(it.Authors) != 1 || it.Authors[0].Name != want.author {
			t.Errorf("%s.%s: authors = %+v, want %q", base, ext, it.Authors, want.author)
		}
		content := it.Content
		if content == "" {
			content = it.Description
		}
		if !strings.Contains(content, want.content) {
			t.Errorf("%s.%s: content = %q, want %q", base, ext, content, want.content)
		}
		if it.PublishedParsed == nil || !it.PublishedParsed.Equal(want.published) {
			t.Errorf("%s.%s: published = %v, want %v", base, ext, it.PublishedParsed, want.published)
		}
		if it.UpdatedParsed == nil || it.UpdatedParsed.After(want.published) != want.updated {
			t.Errorf("%s.%s: updated = %v (published %v), want later: %v", base, ext, it.UpdatedParsed, want.published, want.updated)
		}
		if !slices.Equal(it.Categories, []string{want.kind}) {
			t.Errorf("%s.%s: categories = %q, want %q", base, ext, it.Categories, want.kind)
		}
		switch ext {
		case "json":
			var doc struct {
				Items []struct {
					ID     string `json:"id"`
					Thread struct {
						InReplyTo struct{ ID string } `json:"in_reply_to"`
					} `json:"_thread"`
					Mention struct{ Kind, Source string } `json:"_mention"`
				} `json:"items"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			for _, i := range doc.Items {
				if i.ID == want.id && (i.Thread.InReplyTo.ID != alphaURL || i.Mention.Kind != want.kind || i.Mention.Source != source) {
					t.Errorf("json: _thread, _mention = %+v, %+v", i.Thread, i.Mention)
				}
			}
		default:
			irt := it.Extensions["thr"]["in-reply-to"]
			if len(irt) != 1 || irt[0].Attrs["ref"] != alphaURL {
				t.Errorf("%s.%s: thr:in-reply-to = %+v, want %s", base, ext, irt, alphaURL)
			}
		}
		if ext == "atom" && thread && !strings.Contains(w.Body.String(), `<link href="`+sitetest.BaseURL+`/webmention" rel="webmention">`) {
			t.Errorf("the Atom thread feed has no rel=webmention link")
		}
	}
	if thread {
		// The thread feed's HTML page too.
		w := sitetest.Do(t, e.h, "GET", base+".atom", "", "Accept", "text/html")
		if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") ||
			!slices.Contains(w.Header().Values("Link"), "<"+sitetest.BaseURL+`/webmention>; rel="webmention"`) {
			t.Errorf("the thread feed's page (%s) Link = %q", ct, w.Header().Values("Link"))
		}
	}
}

// checkPostPage returns a post's page, checking that it advertises the
// endpoint.
func checkPostPage(t *testing.T, e *env, postID string) string {
	t.Helper()
	w := sitetest.Do(t, e.h, "GET", "/posts/"+postID, "")
	if w.Code != http.StatusOK {
		t.Fatalf("GET /posts/%s = %d", postID, w.Code)
	}
	if got := w.Header().Values("Link"); !slices.Equal(got, []string{"<" + sitetest.BaseURL + `/webmention>; rel="webmention"`}) {
		t.Errorf("post page Link = %q", got)
	}
	body := w.Body.String()
	if !strings.Contains(body, `<link rel="webmention" href="`+sitetest.BaseURL+`/webmention">`) {
		t.Error(`post page has no <link rel="webmention">`)
	}
	return body
}

// checkRemoved checks that the mention with permalink is gone from the
// thread, a tombstone in its Atom feed, out of the other formats and the
// post's page.
func checkRemoved(t *testing.T, e *env, postID, permalink, source string) {
	t.Helper()
	if ms := e.mentions(t, postID); len(ms) != 0 {
		t.Errorf("mentions after the removal: %+v", ms[0])
	}
	atom := get(t, e, "/feeds/posts/"+postID+"/comments.atom")
	if !strings.Contains(atom, `<at:deleted-entry ref="`+permalink+`"`) {
		t.Errorf("no tombstone for %s in the thread feed:\n%s", permalink, atom)
	}
	for _, ext := range []string{"atom", "rss", "json"} {
		f, err := gofeed.NewParser().ParseString(get(t, e, "/feeds/posts/"+postID+"/comments."+ext))
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range f.Items {
			if it.Link == source {
				t.Errorf("%s: the removed mention is still there", ext)
			}
		}
	}
	if page := checkPostPage(t, e, postID); strings.Contains(page, source) {
		t.Error("the removed mention is still on the post's page")
	}
}
