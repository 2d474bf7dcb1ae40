package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

// site is one feedd of TestWebmention_TwoInstances: a daemon on its own
// loopback address, which is its base URL, with its admin token.
type site struct {
	d     *daemon
	token string
}

func startSite(t *testing.T, name string) *site {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	token := name + "-webmention-exchange-admin-token-0123456789"
	// Mentions are published at once (no moderation), and each instance
	// may fetch the other's pages on loopback.
	cfg := writeConfig(t, dir, fmt.Sprintf("admin_token: %q\npoll: {allow_private: true}\ncomments: {moderation: none}\n", token))
	addr := freeAddr(t)
	return &site{d: startDaemon(t, cfg, addr, "FEEDD_SITE_BASE_URL=http://"+addr), token: token}
}

// api calls the site's JSON API as its admin.
func (s *site) api(t *testing.T, method, path string, body any, want int) map[string]any {
	t.Helper()
	return adminAPI(t, s.d.base, s.token, method, path, body, want)
}

// adminAPI calls the JSON API of the feedd at base with the admin token,
// failing t unless it answers want, and returns the answer's object.
func adminAPI(t *testing.T, base, token, method, path string, body any, want int) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s%s: %d %s", method, base, path, resp.StatusCode, out)
	}
	var v map[string]any
	json.Unmarshal(out, &v)
	return v
}

// post creates a post by author and returns its permalink and id.
func (s *site) post(t *testing.T, title, author, content string) (url, id string) {
	t.Helper()
	p := s.api(t, "POST", "/api/posts", map[string]string{"title": title, "author": author, "format": "html", "content": content}, http.StatusCreated)
	id, _ = p["id"].(string)
	return s.d.base + "/posts/" + id, id
}

// mention is the entry a thread feed holds for the mention from source.
type mention struct {
	author, content, inReplyTo string // inReplyTo: the URL of what it replies to
	published                  time.Time
}

// mentionIn reads the thread feed of post in format with gofeed and
// returns the entry whose link is source, if any.
func (s *site) mentionIn(t *testing.T, post, format, source string) (mention, bool) {
	t.Helper()
	f := get(t, s.d.base+"/feeds/posts/"+post+"/comments."+format)
	if f.status != http.StatusOK {
		t.Fatalf("thread feed %s.%s: %d", post, format, f.status)
	}
	doc, err := gofeed.NewParser().Parse(bytes.NewReader(f.body))
	if err != nil {
		t.Fatalf("thread feed %s.%s: %v", post, format, err)
	}
	for _, it := range doc.Items {
		links := append([]string{it.Link}, it.Links...)
		for _, l := range links {
			if l != source {
				continue
			}
			m := mention{content: it.Content + it.Description}
			if it.Author != nil {
				m.author = it.Author.Name
			} else if len(it.Authors) > 0 {
				m.author = it.Authors[0].Name
			}
			if it.PublishedParsed != nil {
				m.published = *it.PublishedParsed
			}
			m.inReplyTo = inReplyTo(t, format, f.body, it)
			return m, true
		}
	}
	return mention{}, false
}

// inReplyTo returns the URL of what item replies to: its thr:in-reply-to
// (Atom, RSS), or its _thread.in_reply_to (JSON Feed, read apart: gofeed
// keeps no extension of JSON).
func inReplyTo(t *testing.T, format string, doc []byte, it *gofeed.Item) string {
	t.Helper()
	if format != "json" {
		for _, e := range it.Extensions["thr"]["in-reply-to"] {
			return e.Attrs["href"]
		}
		return ""
	}
	var d struct {
		Items []struct {
			ID     string `json:"id"`
			Thread struct {
				InReplyTo struct {
					URL string `json:"url"`
				} `json:"in_reply_to"`
			} `json:"_thread"`
		} `json:"items"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	for _, e := range d.Items {
		if e.ID == it.GUID {
			return e.Thread.InReplyTo.URL
		}
	}
	return ""
}

// waitMention polls the thread feed (Atom) of post until the mention from
// source is there (present) or gone (!present).
func (s *site) waitMention(t *testing.T, other *site, post, source string, present bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if _, ok := s.mentionIn(t, post, "atom", source); ok == present {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the mention from %s is %s in %s's thread %s after 60s; logs of the receiver:\n%s\nof the sender:\n%s",
		source, map[bool]string{true: "not", false: "still"}[present], s.d.base, post, s.d.logs, other.d.logs)
}

// TestWebmention_TwoInstances: two feedd daemons on loopback, each
// mentioning a post of the other. A post on one that links a post on the
// other becomes, through the sender's discovery and the receiver's
// verification, an entry of the linked post's thread (Atom, RSS, JSON) and
// of its page, attributed from the linking post's h-entry; editing the
// link out removes it, with a tombstone.
func TestWebmention_TwoInstances(t *testing.T) {
	a, b := startSite(t, "a"), startSite(t, "b")
	published := time.Now().UTC().Truncate(time.Second)
	bURL, bID := b.post(t, "Lighthouses of the north", "Bea", "<p>On lights.</p>")
	aURL, aID := a.post(t, "A reply from A", "Alice",
		fmt.Sprintf(`<p>Read <a href="%s">Bea's post on lights</a>: it is good.</p>`, bURL))
	// And the other way: B's post of its own links A's.
	b2URL, _ := b.post(t, "Back to A", "Bea", fmt.Sprintf(`<p>As <a href="%s">Alice says</a>.</p>`, aURL))

	b.waitMention(t, a, bID, aURL, true)
	a.waitMention(t, b, aID, b2URL, true)

	for _, format := range []string{"atom", "rss", "json"} {
		m, ok := b.mentionIn(t, bID, format, aURL)
		if !ok {
			t.Fatalf("%s: no mention from %s in B's thread", format, aURL)
		}
		if m.author != "Alice" {
			t.Errorf("%s: the mention's author is %q, want Alice (from A's h-card)", format, m.author)
		}
		if !strings.Contains(m.content, "it is good") {
			t.Errorf("%s: the mention's content is %q, want A's post's", format, m.content)
		}
		if d := m.published.Sub(published); d < -time.Minute || d > time.Minute {
			t.Errorf("%s: the mention is dated %v, want A's post's date, about %v", format, m.published, published)
		}
		// Threaded under B's post: thr:in-reply-to (Atom, RSS) or
		// _thread (JSON) names it.
		if m.inReplyTo != bURL {
			t.Errorf("%s: the mention replies to %q, want B's post %s", format, m.inReplyTo, bURL)
		}
	}
	page := get(t, bURL)
	if page.status != http.StatusOK || !strings.Contains(string(page.body), aURL) || !strings.Contains(string(page.body), "Alice") {
		t.Errorf("B's post page (%d) does not show the mention from %s by Alice", page.status, aURL)
	}

	// A drops the link: B removes the mention, and its thread feed says
	// so with a tombstone.
	a.api(t, "PATCH", "/api/posts/"+aID, map[string]string{"content": "<p>No link any more.</p>"}, http.StatusOK)
	b.waitMention(t, a, bID, aURL, false)
	atom := get(t, b.d.base+"/feeds/posts/"+bID+"/comments.atom")
	if !strings.Contains(string(atom.body), "deleted-entry") {
		t.Errorf("B's thread feed has no tombstone for the removed mention:\n%s", atom.body)
	}
	a.d.stop(t)
	b.d.stop(t)
}
