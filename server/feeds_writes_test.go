package server_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/internal/sitetest"
	"github.com/mmcdole/gofeed"
)

// item finds the entry with the given id in a feed document, parsed as a
// feed reader would with gofeed.
func item(t *testing.T, body []byte, id string) *gofeed.Item {
	t.Helper()
	f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("gofeed: %v", err)
	}
	for _, it := range f.Items {
		if it.GUID == id {
			return it
		}
	}
	return nil
}

// snapshot holds the answers of a set of feed paths.
type snapshot map[string][]byte

func fetchFeeds(t *testing.T, e *sitetest.Env, paths []string) (snapshot, map[string]string) {
	t.Helper()
	bodies, tags := snapshot{}, map[string]string{}
	for _, p := range paths {
		w := sitetest.Do(t, e.Handler, "GET", p, "")
		if w.Code != 200 {
			t.Fatalf("GET %s = %d", p, w.Code)
		}
		bodies[p], tags[p] = w.Body.Bytes(), w.Header().Get("ETag")
	}
	return bodies, tags
}

func pathsOf(names ...string) []string {
	var out []string
	for _, n := range names {
		for _, ext := range []string{"atom", "rss", "json"} {
			out = append(out, n+"."+ext)
		}
	}
	return out
}

// checkEdited checks that every path changed its ETag and that the entry
// id kept its identity and publication date while its update date moved
// (where the format has one).
func checkEdited(t *testing.T, e *sitetest.Env, paths []string, tags map[string]string, before snapshot, id string) {
	t.Helper()
	for _, p := range paths {
		w := sitetest.Do(t, e.Handler, "GET", p, "", "If-None-Match", tags[p])
		if w.Code != 200 || w.Header().Get("ETag") == tags[p] {
			t.Errorf("%s after the edit: %d, ETag unchanged %v", p, w.Code, w.Header().Get("ETag") == tags[p])
			continue
		}
		old, now := item(t, before[p], id), item(t, w.Body.Bytes(), id)
		if old == nil || now == nil {
			t.Errorf("%s: entry %s missing before (%v) or after (%v) the edit", p, id, old != nil, now != nil)
			continue
		}
		if old.PublishedParsed == nil || now.PublishedParsed == nil || !now.PublishedParsed.Equal(*old.PublishedParsed) {
			t.Errorf("%s: published %v → %v, want kept", p, old.Published, now.Published)
		}
		if !strings.HasSuffix(p, ".rss") { // RSS items have no update date
			if old.UpdatedParsed == nil || now.UpdatedParsed == nil || !now.UpdatedParsed.After(*old.UpdatedParsed) {
				t.Errorf("%s: updated %v → %v, want moved", p, old.Updated, now.Updated)
			}
		}
	}
}

func checkUnchanged(t *testing.T, e *sitetest.Env, paths []string, tags map[string]string) {
	t.Helper()
	for _, p := range paths {
		if w := sitetest.Do(t, e.Handler, "GET", p, "", "If-None-Match", tags[p]); w.Code != 304 {
			t.Errorf("%s = %d, want 304 (unchanged)", p, w.Code)
		}
	}
}

func TestEditPost_Feeds(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	touched := pathsOf("/feeds/posts", "/feeds/comments", "/feeds/posts/alpha/comments")
	other := pathsOf("/feeds/posts/beta/comments")
	before, tags := fetchFeeds(t, e, append(touched, other...))

	w := sitetest.Do(t, e.Handler, "PATCH", "/api/posts/alpha", `{"title":"Alpha, second edition","content":"<p>new body</p>"}`, sitetest.AdminAuth...)
	if w.Code != 200 {
		t.Fatalf("PATCH = %d %s", w.Code, w.Body)
	}
	postsOnly := pathsOf("/feeds/posts")
	checkEdited(t, e, postsOnly, tags, before, e.R.PostURL("alpha"))
	// The comment feeds repeat the post's title in their entries.
	for _, p := range touched {
		w := sitetest.Do(t, e.Handler, "GET", p, "", "If-None-Match", tags[p])
		if w.Code != 200 || !strings.Contains(w.Body.String(), "Alpha, second edition") {
			t.Errorf("%s after the edit: %d, new title present %v", p, w.Code, strings.Contains(w.Body.String(), "Alpha, second edition"))
		}
	}
	checkUnchanged(t, e, other, tags)
}

func TestEditComment_Feeds(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	touched := pathsOf("/feeds/comments", "/feeds/posts/alpha/comments")
	other := pathsOf("/feeds/posts", "/feeds/posts/beta/comments")
	before, tags := fetchFeeds(t, e, append(touched, other...))

	w := sitetest.Do(t, e.Handler, "PATCH", "/api/comments/a1", `{"content":"first on alpha, corrected"}`, sitetest.AdminAuth...)
	if w.Code != 200 {
		t.Fatalf("PATCH = %d %s", w.Code, w.Body)
	}
	checkEdited(t, e, touched, tags, before, e.R.CommentURL("alpha", "a1"))
	checkUnchanged(t, e, other, tags)
}

func TestDeleteComment_Feeds(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	touched := pathsOf("/feeds/comments", "/feeds/posts/alpha/comments")
	other := pathsOf("/feeds/posts", "/feeds/posts/beta/comments")
	_, tags := fetchFeeds(t, e, append(touched, other...))

	if w := sitetest.Do(t, e.Handler, "DELETE", "/api/comments/a1", "", sitetest.AdminAuth...); w.Code != 204 {
		t.Fatalf("DELETE = %d %s", w.Code, w.Body)
	}
	id := e.R.CommentURL("alpha", "a1")
	for _, p := range touched {
		w := sitetest.Do(t, e.Handler, "GET", p, "", "If-None-Match", tags[p])
		if w.Code != 200 {
			t.Errorf("%s after the delete = %d, want 200", p, w.Code)
			continue
		}
		if strings.Contains(w.Body.String(), "first on alpha") || item(t, w.Body.Bytes(), id) != nil {
			t.Errorf("%s still has the deleted comment", p)
		}
		if !strings.Contains(w.Body.String(), "reply on alpha") {
			t.Errorf("%s lost the reply of the deleted comment", p)
		}
		if strings.HasSuffix(p, ".atom") {
			if refs := deletedEntries(t, w.Body.Bytes()); len(refs) != 1 || refs[0] != id {
				t.Errorf("%s tombstones %v, want [%s]", p, refs, id)
			}
		}
	}
	checkUnchanged(t, e, other, tags)
}

func TestDeletePost_Feeds(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{CommentCounts: true})
	_, tags := fetchFeeds(t, e, pathsOf("/feeds/posts", "/feeds/comments", "/feeds/posts/alpha/comments", "/feeds/posts/beta/comments"))

	if w := sitetest.Do(t, e.Handler, "DELETE", "/api/posts/alpha", "", sitetest.AdminAuth...); w.Code != 204 {
		t.Fatalf("DELETE = %d %s", w.Code, w.Body)
	}
	for _, p := range pathsOf("/feeds/posts/alpha/comments") {
		if w := sitetest.Do(t, e.Handler, "GET", p, "", "If-None-Match", tags[p]); w.Code != 410 {
			t.Errorf("%s = %d, want 410", p, w.Code)
		}
	}
	for _, p := range pathsOf("/feeds/posts") {
		body := sitetest.Do(t, e.Handler, "GET", p, "").Body.Bytes()
		if bytes.Contains(body, []byte("Alpha post")) || !bytes.Contains(body, []byte("Beta post")) {
			t.Errorf("%s: alpha still in, or beta gone", p)
		}
		if strings.HasSuffix(p, ".atom") {
			if refs := deletedEntries(t, body); len(refs) != 1 || refs[0] != e.R.PostURL("alpha") {
				t.Errorf("%s tombstones %v, want alpha's", p, refs)
			}
		}
	}
	for _, p := range pathsOf("/feeds/comments") {
		body := sitetest.Do(t, e.Handler, "GET", p, "").Body.String()
		if strings.Contains(body, "on alpha") || !strings.Contains(body, "first on beta") {
			t.Errorf("%s: alpha's comments still in, or beta's gone", p)
		}
		if strings.HasSuffix(p, ".atom") {
			refs := strings.Join(deletedEntries(t, []byte(body)), " ")
			for _, id := range []string{"a1", "a2"} {
				if !strings.Contains(refs, e.R.CommentURL("alpha", id)) {
					t.Errorf("%s lacks the tombstone of %s: %s", p, id, refs)
				}
			}
		}
	}
	checkUnchanged(t, e, pathsOf("/feeds/posts/beta/comments"), tags)
}

// deletedEntries returns the ref of every RFC 6721 at:deleted-entry of an
// Atom document, decoding it to the end.
func deletedEntries(t *testing.T, body []byte) []string {
	t.Helper()
	const tombNS = "http://purl.org/atompub/tombstones/1.0"
	var refs []string
	dec := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return refs
		}
		if err != nil {
			t.Fatalf("Atom document: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Space == tombNS && se.Name.Local == "deleted-entry" {
			var ref, when string
			for _, a := range se.Attr {
				switch a.Name.Local {
				case "ref":
					ref = a.Value
				case "when":
					when = a.Value
				}
			}
			if _, err := time.Parse(time.RFC3339, when); err != nil {
				t.Errorf("deleted-entry %s: when %q: %v", ref, when, err)
			}
			refs = append(refs, ref)
		}
	}
}
