package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/sitetest"
)

// docLinks are the links of a feed document by rel, as a consumer reads
// them: Atom's link elements, RSS's atom:link elements, JSON Feed's
// next_url (as "next").
func docLinks(t testing.TB, f feed.Format, body []byte) map[string]string {
	t.Helper()
	links := map[string]string{}
	if f == feed.JSON {
		var doc struct {
			NextURL string `json:"next_url"`
			Archive struct {
				Current string `json:"current_url"`
				Prev    string `json:"prev_archive_url"`
				Next    string `json:"next_archive_url"`
			} `json:"_archive"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatalf("json: %v", err)
		}
		for rel, u := range map[string]string{"next": doc.NextURL, "current": doc.Archive.Current,
			"prev-archive": doc.Archive.Prev, "next-archive": doc.Archive.Next} {
			if u != "" {
				links[rel] = u
			}
		}
		return links
	}
	type link struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	}
	var doc struct {
		Links   []link `xml:"http://www.w3.org/2005/Atom link"`
		Channel struct {
			Links []link `xml:"http://www.w3.org/2005/Atom link"`
		} `xml:"channel"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("xml: %v", err)
	}
	for _, l := range append(doc.Links, doc.Channel.Links...) {
		if _, dup := links[l.Rel]; dup && l.Rel != "hub" {
			t.Errorf("two links rel=%q", l.Rel)
		}
		links[l.Rel] = l.Href
	}
	return links
}

// entryIDs parses a document with gofeed, as a feed reader would, and
// returns its entries' ids.
func entryIDs(t testing.TB, body []byte) []string {
	t.Helper()
	d, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("gofeed: %v\n%s", err, body)
	}
	ids := make([]string, len(d.Items))
	for i, it := range d.Items {
		ids[i] = it.GUID
	}
	return ids
}

// pathOf turns a URL the feeds name into the request path below sitetest.BaseURL.
func pathOf(t testing.TB, u string) string {
	t.Helper()
	p, ok := strings.CutPrefix(u, sitetest.BaseURL)
	if !ok {
		t.Fatalf("link %q is not below %s", u, sitetest.BaseURL)
	}
	return p
}

// seedThread adds a post "long" with n comments, a minute apart.
func seedThread(t testing.TB, e *sitetest.Env, n int) {
	t.Helper()
	ctx := context.Background()
	start := sitetest.Date("2026-04-01T00:00:00Z")
	if err := e.DB.CreatePost(ctx, &feed.Post{ID: "long", Title: "Long thread", Content: "<p>long</p>", Published: start}); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		c := &feed.Comment{ID: fmt.Sprintf("c%04d", i), PostID: "long", AuthorName: "Reader", Content: fmt.Sprintf("comment %d", i),
			Published: start.Add(time.Duration(i+1) * time.Minute)}
		if err := e.DB.CreateComment(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
}

// TestArchives_Walk1000 walks a thread of 1,000 comments from its head,
// along next (paged feeds, RFC 5005 §3) and along prev-archive (archived
// feeds, §4; JSON Feed's _archive object) in every format, and checks that each
// walk sees every comment exactly once; then that archive documents keep
// their bytes and ETag when new comments arrive.
func TestArchives_Walk1000(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	const n = 1000
	seedThread(t, e, n)
	e.Sync(t)
	head := "/feeds/posts/long/comments."

	walk := func(t *testing.T, f feed.Format, rel string) map[string]int {
		seen := map[string]int{}
		path := head + string(f)
		for steps := 0; path != ""; steps++ {
			if steps > n {
				t.Fatalf("%s walk along %s does not end", f, rel)
			}
			w := sitetest.Do(t, e.Handler, "GET", path, "")
			if w.Code != http.StatusOK {
				t.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
			}
			for _, id := range entryIDs(t, w.Body.Bytes()) {
				seen[id]++
			}
			next := docLinks(t, f, w.Body.Bytes())[rel]
			path = ""
			if next != "" {
				path = pathOf(t, next)
			}
		}
		return seen
	}
	check := func(t *testing.T, seen map[string]int) {
		t.Helper()
		if len(seen) != n {
			t.Errorf("saw %d comments, want %d", len(seen), n)
		}
		for id, k := range seen {
			if k != 1 {
				t.Errorf("%s seen %d times", id, k)
			}
		}
	}
	for _, f := range feed.Formats {
		t.Run("next/"+string(f), func(t *testing.T) { check(t, walk(t, f, "next")) })
	}
	for _, f := range feed.Formats {
		t.Run("prev-archive/"+string(f), func(t *testing.T) { check(t, walk(t, f, "prev-archive")) })
	}

	// The archive documents, before and after two new comments.
	type version struct {
		body []byte
		etag string
	}
	archives := map[string]version{}
	for _, f := range feed.Formats {
		for k := 1; k <= n/25; k++ {
			path := fmt.Sprintf("/feeds/posts/long/comments/archive/%d.%s", k, f)
			w := sitetest.Do(t, e.Handler, "GET", path, "")
			if w.Code != http.StatusOK {
				t.Fatalf("GET %s: %d", path, w.Code)
			}
			if cc := w.Header().Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") {
				t.Errorf("%s: Cache-Control %q, want a long max-age", path, cc)
			}
			if f != feed.JSON && !bytes.Contains(w.Body.Bytes(), []byte("archive")) {
				t.Errorf("%s: no fh:archive", path)
			}
			archives[path] = version{w.Body.Bytes(), w.Header().Get("ETag")}
		}
	}
	if w := sitetest.Do(t, e.Handler, "GET", fmt.Sprintf("/feeds/posts/long/comments/archive/%d.atom", n/25+1), ""); w.Code != http.StatusNotFound {
		t.Errorf("archive past the last full chunk: %d, want 404", w.Code)
	}
	for i := range 2 {
		c := &feed.Comment{PostID: "long", AuthorName: "Late", Content: fmt.Sprintf("late %d", i)}
		if err := e.DB.CreateComment(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		e.Sync(t)
	}
	for path, old := range archives {
		w := sitetest.Do(t, e.Handler, "GET", path, "")
		if !bytes.Equal(w.Body.Bytes(), old.body) || w.Header().Get("ETag") != old.etag {
			t.Errorf("%s changed after new comments", path)
		}
		if w := sitetest.Do(t, e.Handler, "GET", path, "", "If-None-Match", old.etag); w.Code != http.StatusNotModified {
			t.Errorf("%s: revalidation %d, want 304", path, w.Code)
		}
	}
}

// TestPaging_CompleteThread checks that a thread that fits on one page is
// marked fh:complete and has no paging links, and that a longer one is not.
func TestPaging_CompleteThread(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{PageSize: 3})
	for _, f := range []feed.Format{feed.Atom, feed.RSS} {
		w := sitetest.Do(t, e.Handler, "GET", "/feeds/posts/alpha/comments."+string(f), "")
		if !bytes.Contains(w.Body.Bytes(), []byte("complete")) {
			t.Errorf("%s: a two-comment thread is not fh:complete:\n%s", f, w.Body)
		}
		if l := docLinks(t, f, w.Body.Bytes()); l["next"] != "" || l["prev-archive"] != "" {
			t.Errorf("%s: complete thread has paging links %v", f, l)
		}
	}
	seedThread(t, e, 7) // 7 comments, pages of 3: archives 1 (and 2, in the head)
	e.Sync(t)
	w := sitetest.Do(t, e.Handler, "GET", "/feeds/posts/long/comments.atom", "")
	if bytes.Contains(w.Body.Bytes(), []byte("fh:complete")) {
		t.Errorf("a thread of 7 in pages of 3 is marked complete")
	}
	l := docLinks(t, feed.Atom, w.Body.Bytes())
	if got, want := l["prev-archive"], sitetest.BaseURL+"/feeds/posts/long/comments/archive/1.atom"; got != want {
		t.Errorf("prev-archive %q, want %q", got, want)
	}
	if got := len(entryIDs(t, w.Body.Bytes())); got != 4 {
		t.Errorf("head holds %d comments, want 4 (the open chunk and the newest full one)", got)
	}
}
