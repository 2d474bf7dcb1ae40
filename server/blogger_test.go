package server_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/sitetest"
	"github.com/feedd/feedd/store"
)

// bloggerEnv is an env with 30 more posts, p00 (oldest) to p29, a day
// apart from 2026-04-01, with categories "even" or "odd", and authors
// "Ann" or "Bob".
func bloggerEnv(t *testing.T) *sitetest.Env { return bloggerEnvWith(t, sitetest.Options{}) }

// bloggerEnvWith is bloggerEnv over sitetest.New(t, o).
func bloggerEnvWith(t *testing.T, o sitetest.Options) *sitetest.Env {
	t.Helper()
	e := sitetest.New(t, o)
	ctx := context.Background()
	for i := range 30 {
		p := &feed.Post{ID: fmt.Sprintf("p%02d", i), Title: fmt.Sprintf("Post %d", i), Content: "<p>body</p>",
			Categories: []string{[]string{"even", "odd"}[i%2]}, AuthorName: []string{"Ann", "Bob"}[i%2],
			Published: sitetest.Date("2026-04-01T00:00:00Z").AddDate(0, 0, i)}
		if err := e.DB.CreatePost(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	e.Sync(t)
	return e
}

// get fetches path and parses it with gofeed, failing on anything but 200.
func get(t *testing.T, e *sitetest.Env, path string) (*gofeed.Feed, *http.Response, []byte) {
	t.Helper()
	w := sitetest.Do(t, e.Handler, "GET", path, "")
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
	}
	d, err := gofeed.NewParser().Parse(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatalf("GET %s: gofeed: %v", path, err)
	}
	return d, w.Result(), w.Body.Bytes()
}

// ids returns the last path segment of each item's id (the post or
// comment id).
func ids(d *gofeed.Feed) []string {
	var out []string
	for _, it := range d.Items {
		id := it.GUID
		if i := strings.LastIndexAny(id, "/-"); i >= 0 {
			id = id[i+1:]
		}
		out = append(out, id)
	}
	return out
}

// openSearch reads the OpenSearch elements of an Atom document.
func openSearch(t *testing.T, body []byte) (total, start, perPage string) {
	t.Helper()
	var doc struct {
		Total   string `xml:"totalResults"`
		Start   string `xml:"startIndex"`
		PerPage string `xml:"itemsPerPage"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Total, doc.Start, doc.PerPage
}

func TestBlogger_Params(t *testing.T) {
	e := bloggerEnv(t)
	q := url.QueryEscape

	t.Run("default is the posts feed", func(t *testing.T) {
		a := sitetest.Do(t, e.Handler, "GET", "/feeds/posts/default", "")
		b := sitetest.Do(t, e.Handler, "GET", "/feeds/posts.atom", "")
		if !bytes.Equal(a.Body.Bytes(), b.Body.Bytes()) || a.Header().Get("Content-Type") != b.Header().Get("Content-Type") {
			t.Error("/feeds/posts/default differs from /feeds/posts.atom")
		}
	})
	t.Run("alt", func(t *testing.T) {
		for alt, ct := range map[string]string{"atom": "application/atom+xml", "rss": "application/rss+xml", "json": "application/feed+json"} {
			_, res, _ := get(t, e, "/feeds/posts/default?alt="+alt)
			if got := res.Header.Get("Content-Type"); !strings.HasPrefix(got, ct) {
				t.Errorf("alt=%s: Content-Type %q", alt, got)
			}
		}
	})
	t.Run("max-results", func(t *testing.T) {
		d, _, body := get(t, e, "/feeds/posts/default?max-results=3")
		if got, want := ids(d), []string{"p29", "p28", "p27"}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
		if total, start, per := openSearch(t, body); total != "32" || start != "1" || per != "3" {
			t.Errorf("openSearch %s %s %s, want 32 1 3", total, start, per)
		}
		d, _, _ = get(t, e, "/feeds/posts/default?max-results=100000")
		if len(d.Items) != 32 {
			t.Errorf("max-results over the cap: %d items, want all 32", len(d.Items))
		}
	})
	t.Run("start-index", func(t *testing.T) {
		d, _, body := get(t, e, "/feeds/posts/default?max-results=2&start-index=3")
		if got, want := ids(d), []string{"p27", "p26"}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
		if _, start, _ := openSearch(t, body); start != "3" {
			t.Errorf("startIndex %s", start)
		}
		d, _, _ = get(t, e, "/feeds/posts/default?start-index=100")
		if len(d.Items) != 0 {
			t.Errorf("start-index past the end: %d items", len(d.Items))
		}
	})
	t.Run("published bounds", func(t *testing.T) {
		// min inclusive, max exclusive: p05 (Jan 6) .. p07 (Jan 8).
		d, _, _ := get(t, e, "/feeds/posts/default?published-min="+q("2026-04-06T00:00:00Z")+"&published-max="+q("2026-04-09T00:00:00Z"))
		if got, want := ids(d), []string{"p07", "p06", "p05"}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
		d, _, _ = get(t, e, "/feeds/posts/default?published-min=2026-04-29&published-max="+q("2026-04-30T00:00:01+00:00"))
		if got, want := ids(d), []string{"p29", "p28"}; !slices.Equal(got, want) {
			t.Errorf("dates and offsets: got %v, want %v", got, want)
		}
	})
	t.Run("updated-min returns exactly the entries updated since", func(t *testing.T) {
		time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second))) // a fresh second
		since := time.Now().UTC().Truncate(time.Second)
		ctx := context.Background()
		title := "Edited"
		var want []string
		for _, id := range []string{"p03", "p11", "p20"} {
			_, err := e.DB.UpdatePost(ctx, id, store.PostUpdate{Title: &title})
			if err != nil {
				t.Fatal(err)
			}
			e.Sync(t)
			want = append(want, id)
		}
		d, _, _ := get(t, e, "/feeds/posts/default?orderby=updated&updated-min="+q(since.Format(time.RFC3339)))
		got := ids(d)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("updated-min: got %v, want %v", got, want)
		}
		// updated-max is exclusive: nothing updated before since but the rest.
		d, _, _ = get(t, e, "/feeds/posts/default?max-results=500&updated-max="+q(since.Format(time.RFC3339)))
		if len(d.Items) != 32-3 {
			t.Errorf("updated-max: %d items, want 29", len(d.Items))
		}
		for _, id := range ids(d) {
			if slices.Contains(want, id) {
				t.Errorf("updated-max returned %s, updated after it", id)
			}
		}
	})
	t.Run("orderby updated", func(t *testing.T) {
		d, _, _ := get(t, e, "/feeds/posts/default?orderby=updated&max-results=3")
		for i := 1; i < len(d.Items); i++ {
			if d.Items[i].UpdatedParsed.After(*d.Items[i-1].UpdatedParsed) {
				t.Errorf("not newest updated first: %v", ids(d))
			}
		}
	})
	t.Run("summary", func(t *testing.T) {
		_, _, body := get(t, e, "/feeds/posts/summary?max-results=2")
		if bytes.Contains(body, []byte("<content")) {
			t.Errorf("summary feed carries content:\n%s", body)
		}
	})
	t.Run("label", func(t *testing.T) {
		d, _, _ := get(t, e, "/feeds/posts/default/-/odd?max-results=3")
		if got, want := ids(d), []string{"p29", "p27", "p25"}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
		a := sitetest.Do(t, e.Handler, "GET", "/feeds/posts/default/-/odd", "")
		b := sitetest.Do(t, e.Handler, "GET", "/feeds/posts.atom?category=odd", "")
		if !bytes.Equal(a.Body.Bytes(), b.Body.Bytes()) {
			t.Error("label path and category query differ")
		}
	})
	t.Run("author", func(t *testing.T) {
		d, _, _ := get(t, e, "/feeds/posts.atom?author=bob")
		for _, it := range d.Items {
			if it.Author == nil || it.Author.Name != "Bob" {
				t.Errorf("author=bob returned %v", it.Author)
			}
		}
		if len(d.Items) != 15 {
			t.Errorf("author=bob: %d posts, want 15", len(d.Items))
		}
	})
	t.Run("comments", func(t *testing.T) {
		d, _, _ := get(t, e, "/feeds/comments/default?alt=rss&max-results=2")
		if len(d.Items) != 2 {
			t.Errorf("%d comments, want 2", len(d.Items))
		}
		d, _, _ = get(t, e, "/feeds/alpha/comments/default?published-min=2026-03-04")
		if got, want := ids(d), []string{"a2"}; !slices.Equal(got, want) {
			t.Errorf("thread with published-min: got %v, want %v", got, want)
		}
		a := sitetest.Do(t, e.Handler, "GET", "/feeds/alpha/comments/default?alt=json", "")
		b := sitetest.Do(t, e.Handler, "GET", "/feeds/posts/alpha/comments.json", "")
		if !bytes.Equal(a.Body.Bytes(), b.Body.Bytes()) {
			t.Error("Blogger thread path differs from the thread feed")
		}
	})
	t.Run("next link by start-index", func(t *testing.T) {
		_, _, body := get(t, e, "/feeds/posts/default?max-results=10")
		next := docLinks(t, feed.Atom, body)["next"]
		if !strings.Contains(next, "start-index=11") || !strings.Contains(next, "max-results=10") {
			t.Errorf("next link %q", next)
		}
	})
}

// parse parses a feed document with gofeed.
func parse(t testing.TB, body []byte) *gofeed.Feed {
	t.Helper()
	d, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("gofeed: %v\n%s", err, body)
	}
	return d
}
