package main

// Real feed consumers against a live feedd (issue 11): Debian's rss2email,
// Python's feedparser and newsboat poll a daemon started on loopback with
// a copy of the repo's config.yaml, as a new user would run it, while the
// blog changes through the admin API. The clients come from
// testdata/install-consumers.sh, which .ci/run runs first; each test skips
// with a message naming its client when that client is missing, and CI
// fails when any TestConsumers_ test skips.

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"go.yaml.in/yaml/v3"
	_ "modernc.org/sqlite"
)

const (
	// consumerPython is Debian's interpreter, which has python3-feedparser
	// (the python3 first on PATH may be another one).
	consumerPython   = "/usr/bin/python3"
	consumerR2E      = "/usr/bin/r2e"
	consumerNewsboat = "/usr/bin/newsboat"
	consumerToken    = "consumers-test-admin-token-0123456789"
	// consumerAgent names a client that handles 226 IM Used: feedparser
	// itself does, the programs built on it (rss2email) do not, and they
	// send feedparser's own agent.
	consumerAgent = "feedd-consumers-test/1.0 (+delta-aware)"
	installHint   = "run cmd/feedd/testdata/install-consumers.sh as root"
)

// needR2E, needFeedparser and needNewsboat skip the test when the client is
// missing, with a message .ci/run does not need: it fails on any skip of a
// TestConsumers_ test.
func needR2E(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(consumerR2E); err != nil {
		t.Skip("rss2email: " + consumerR2E + " missing (" + installHint + ")")
	}
}

func needFeedparser(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(consumerPython); err != nil {
		t.Skip("feedparser: " + consumerPython + " missing (" + installHint + ")")
	}
	if err := exec.Command(consumerPython, "-c", "import feedparser").Run(); err != nil {
		t.Skip("feedparser: python3-feedparser is not installed for " + consumerPython + " (" + installHint + ")")
	}
}

func needNewsboat(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(consumerNewsboat); err != nil {
		t.Skip("newsboat: " + consumerNewsboat + " missing (" + installHint + ")")
	}
}

// consumerSite is a feedd daemon serving the repo's configuration, with
// the admin token, and the helpers that change its blog through the API.
type consumerSite struct {
	d     *daemon
	base  string
	marks atomic.Int64
}

// startConsumerSite starts feedd with a copy of the repo's config.yaml in
// which only what a test must change is changed: the listen address and
// site.base_url (a free loopback port), the database (in a temporary
// directory) and the access log (on, for the conditional-request
// checks); set overrides more keys, by dotted path. The admin token comes
// from FEEDD_ADMIN_TOKEN.
func startConsumerSite(t *testing.T, set map[string]any) *consumerSite {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("repo config.yaml: %v", err)
	}
	dir := t.TempDir()
	addr := freeAddr(t)
	keys := map[string]any{
		"listen":        addr,
		"site.base_url": "http://" + addr,
		"store.dsn":     filepath.Join(dir, "feedd.db"),
		"log.access":    true,
	}
	for k, v := range set {
		keys[k] = v
	}
	for k, v := range keys {
		m := cfg
		parts := strings.Split(k, ".")
		for _, p := range parts[:len(parts)-1] {
			sub, ok := m[p].(map[string]any)
			if !ok {
				sub = map[string]any{}
				m[p] = sub
			}
			m = sub
		}
		m[parts[len(parts)-1]] = v
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	// Check the file as serve will, so that a key feedd does not know
	// fails here with its name instead of as a daemon that never answers.
	c, err := LoadConfig(path, true)
	if err == nil {
		err = c.Validate()
	}
	if err != nil {
		t.Fatalf("feedd refuses the repo's config.yaml with %v: %v", set, err)
	}
	d := startDaemon(t, path, addr, "FEEDD_ADMIN_TOKEN="+consumerToken)
	t.Cleanup(func() {
		if d.cmd.ProcessState == nil {
			d.stop(t)
		}
	})
	return &consumerSite{d: d, base: d.base}
}

// api sends a JSON request and decodes the JSON answer into out (when not
// nil), failing unless the status is want.
func (s *consumerSite) api(t *testing.T, method, path string, admin bool, body any, want int, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if admin {
		req.Header.Set("Authorization", "Bearer "+consumerToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
}

// apiEntry is a post or comment as the API shows it: what the feeds must
// say about it.
type apiEntry struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	PostID    string    `json:"post_id"`
	ParentID  *string   `json:"parent_id"`
	Status    string    `json:"status"`
	Published time.Time `json:"published"`
	Updated   time.Time `json:"updated"`
}

// readerComment posts a comment as a reader the blog has never seen, which
// the repo's first-time moderation holds (202), and returns it.
func (s *consumerSite) readerComment(t *testing.T, post, author, text string) apiEntry {
	t.Helper()
	var c apiEntry
	s.api(t, "POST", "/api/posts/"+post+"/comments", false,
		map[string]string{"author": author, "content": text}, http.StatusAccepted, &c)
	if c.Status != "pending" {
		t.Fatalf("a first-time author's comment is %q, want pending", c.Status)
	}
	return c
}

// approve publishes a held comment through the admin API.
func (s *consumerSite) approve(t *testing.T, id string) apiEntry {
	t.Helper()
	var c apiEntry
	s.api(t, "POST", "/api/comments/"+id+"/approve", true, nil, http.StatusOK, &c)
	if c.Status != "approved" {
		t.Fatalf("approved comment is %q", c.Status)
	}
	return c
}

// adminComment posts a comment (a reply when parent is not empty) with the
// admin token, which publishes it at once.
func (s *consumerSite) adminComment(t *testing.T, post, parent, text string) apiEntry {
	t.Helper()
	body := map[string]string{"author": "Agnes Tulloch", "content": text}
	if parent != "" {
		body["parent_id"] = parent
	}
	var c apiEntry
	s.api(t, "POST", "/api/posts/"+post+"/comments", true, body, http.StatusCreated, &c)
	return c
}

func (s *consumerSite) newPost(t *testing.T, title, text string) apiEntry {
	t.Helper()
	var p apiEntry
	s.api(t, "POST", "/api/posts", true,
		map[string]string{"title": title, "content": text, "format": "markdown"}, http.StatusCreated, &p)
	return p
}

func (s *consumerSite) editComment(t *testing.T, id, text string) {
	t.Helper()
	s.api(t, "PATCH", "/api/comments/"+id, true, map[string]string{"content": text}, http.StatusOK, nil)
}

func (s *consumerSite) editPost(t *testing.T, id, text string) {
	t.Helper()
	s.api(t, "PATCH", "/api/posts/"+id, true, map[string]string{"content": text}, http.StatusOK, nil)
}

// truth returns what the feed at path (one of consumerFeeds') must hold,
// by entry id, from the public API.
func (s *consumerSite) truth(t *testing.T, path string) map[string]apiEntry {
	t.Helper()
	var list struct {
		Posts []apiEntry `json:"posts"`
	}
	s.api(t, "GET", "/api/posts?limit=100", false, nil, http.StatusOK, &list)
	out := map[string]apiEntry{}
	comments := func(post string) {
		var th struct {
			Comments []apiEntry `json:"comments"`
		}
		s.api(t, "GET", "/api/posts/"+post+"/comments", false, nil, http.StatusOK, &th)
		for _, c := range th.Comments {
			out[c.URL] = c
		}
	}
	switch base := strings.TrimSuffix(path, filepath.Ext(path)); {
	case base == "/feeds/posts":
		for _, p := range list.Posts {
			out[p.URL] = p
		}
	case base == "/feeds/comments":
		for _, p := range list.Posts {
			comments(p.ID)
		}
	case strings.HasPrefix(base, "/feeds/posts/") && strings.HasSuffix(base, "/comments"):
		comments(strings.TrimSuffix(strings.TrimPrefix(base, "/feeds/posts/"), "/comments"))
	default:
		t.Fatalf("no truth for %s", path)
	}
	return out
}

// parentURL is the thr:in-reply-to ref a comment's entry must carry: its
// parent comment's URL, or its post's.
func (s *consumerSite) parentURL(c apiEntry) string {
	if c.ParentID != nil {
		return s.base + "/posts/" + c.PostID + "#comment-" + *c.ParentID
	}
	return s.base + "/posts/" + c.PostID
}

// accessLine matches the access log's line of one request (log.format:
// text, as in the repo's config).
var accessLine = regexp.MustCompile(`msg="http request" method=(\S+) path=(\S+) .*?status=(\d+)`)

// access is one request of the access log.
type access struct {
	path   string
	status int
}

// mark makes a request of a path of its own and waits until its line is in
// the daemon's log, returning the log's length there. The log reaches the
// test through a pipe, after the answer at times; a request's line is
// written before it is answered, so once the mark's line is in, so are
// those of every request answered before it, and the requests between two
// marks are exactly those made between them.
func (s *consumerSite) mark(t *testing.T) int {
	t.Helper()
	path := fmt.Sprintf("/consumers-test-mark/%d", s.marks.Add(1))
	resp, err := http.Get(s.base + path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := "path=" + path + " "
	deadline := time.Now().Add(10 * time.Second)
	for {
		logs := s.d.logs.String()
		if i := strings.Index(logs, want); i >= 0 {
			if j := strings.IndexByte(logs[i:], '\n'); j >= 0 {
				return i + j + 1
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("access log has no line for %s (log.access on?); logs:\n%s", path, logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// accessBetween returns the feed requests logged between two marks.
func (s *consumerSite) accessBetween(from, to int) []access {
	var out []access
	for _, m := range accessLine.FindAllStringSubmatch(s.d.logs.String()[from:to], -1) {
		if strings.HasPrefix(m[2], "/consumers-test-mark/") {
			continue
		}
		n, _ := strconv.Atoi(m[3])
		out = append(out, access{m[2], n})
	}
	return out
}

// consumerFeed is one of the feeds the tests subscribe to.
type consumerFeed struct {
	name string // rss2email's name for it
	path string
}

// consumerFeeds are the Atom and RSS forms of the posts feed, the site's
// comments feed and the demo post's thread. (Neither rss2email's
// feedparser nor newsboat 2.21 reads JSON Feed; the JSON forms are
// checked elsewhere.)
func consumerFeeds() []consumerFeed {
	var out []consumerFeed
	for _, f := range []string{"atom", "rss"} {
		out = append(out,
			consumerFeed{"thread-" + f, "/feeds/posts/" + demoPostID + "/comments." + f},
			consumerFeed{"comments-" + f, "/feeds/comments." + f},
			consumerFeed{"posts-" + f, "/feeds/posts." + f})
	}
	return out
}

func isCommentFeed(path string) bool {
	return strings.Contains(path, "comments")
}

// docEntry is an entry as the feed document says, read by gofeed.
type docEntry struct {
	ID, Title, Link string
	Published       time.Time
}

// fetchEntries GETs the feed at path and reads its entries, failing unless
// they are exactly those of truth.
func (s *consumerSite) fetchEntries(t *testing.T, path string) []docEntry {
	t.Helper()
	f := get(t, s.base+path)
	if f.status != http.StatusOK {
		t.Fatalf("GET %s: %d", path, f.status)
	}
	entries := parseFeedDoc(t, path, f.body)
	var ids []string
	for _, e := range entries {
		ids = append(ids, e.ID)
	}
	slices.Sort(ids)
	var want []string
	for id := range s.truth(t, path) {
		want = append(want, id)
	}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("%s holds %v, the API %v", path, ids, want)
	}
	return entries
}

// parseFeedDoc reads the entries of an Atom or RSS document with gofeed,
// as the other tests of the formats do.
func parseFeedDoc(t *testing.T, path string, body []byte) []docEntry {
	t.Helper()
	doc, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []docEntry
	for _, it := range doc.Items {
		e := docEntry{ID: it.GUID, Title: it.Title, Link: it.Link}
		if it.PublishedParsed != nil {
			e.Published = *it.PublishedParsed
		}
		out = append(out, e)
	}
	return out
}

// ---------------------------------------------------------------- rss2email

// rss2email is an rss2email setup of its own (configuration and data file)
// whose mail goes to a sendmail stand-in that writes each message to a
// file.
type rss2email struct {
	dir, cfg, data, outbox string
	feeds                  map[string]consumerFeed // by URL
	runs                   int
}

func newRSS2Email(t *testing.T, s *consumerSite, feeds []consumerFeed) *rss2email {
	t.Helper()
	dir := t.TempDir()
	r := &rss2email{dir: dir, cfg: filepath.Join(dir, "r2e.cfg"), data: filepath.Join(dir, "r2e.json"),
		outbox: filepath.Join(dir, "outbox"), feeds: map[string]consumerFeed{}}
	if err := os.Mkdir(r.outbox, 0o700); err != nil {
		t.Fatal(err)
	}
	sendmail := filepath.Join(dir, "sendmail")
	script := "#!/bin/sh\n# rss2email's sendmail: keeps each message as a file.\nset -e\ncat >\"$(mktemp " + shellQuote(r.outbox+"/msg.XXXXXXXX") + ")\"\n"
	if err := os.WriteFile(sendmail, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	r.r2e(t, "new", "reader@example.org")
	cfg, err := os.ReadFile(r.cfg)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(cfg), "\n")
	set := map[string]string{"email-protocol": "sendmail", "sendmail": sendmail}
	for i, l := range lines {
		k, _, ok := strings.Cut(l, " = ")
		if v, mine := set[k]; ok && mine {
			lines[i] = k + " = " + v
			delete(set, k)
		}
	}
	if len(set) > 0 {
		t.Fatalf("r2e new wrote no %v to its configuration:\n%s", set, cfg)
	}
	if err := os.WriteFile(r.cfg, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range feeds {
		r.r2e(t, "add", f.name, s.base+f.path)
		r.feeds[s.base+f.path] = f
	}
	return r
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// r2e runs rss2email with the setup's files, failing on an exit status
// other than 0 or on any line it logs at level WARNING or above.
func (r *rss2email) r2e(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(consumerR2E, append([]string{"-c", r.cfg, "-d", r.data}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+r.dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("r2e %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "[ERROR]") || strings.Contains(l, "[CRITICAL]") || strings.Contains(l, "[WARNING]") {
			t.Errorf("r2e %s logged: %s", strings.Join(args, " "), l)
		}
	}
	return string(out)
}

// mailed is one message rss2email sent: its X-RSS- header fields.
type mailed struct {
	feed, id, url string
}

// run polls every feed once and returns the messages mailed by that run,
// by feed name.
func (r *rss2email) run(t *testing.T) map[string][]mailed {
	t.Helper()
	r.runs++
	r.r2e(t, "run")
	files, err := filepath.Glob(filepath.Join(r.outbox, "msg.*"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]mailed{}
	var dec mime.WordDecoder
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("rss2email mailed a malformed message (%v):\n%s", err, b)
		}
		h := func(k string) string {
			v, err := dec.DecodeHeader(msg.Header.Get(k))
			if err != nil {
				t.Fatalf("header %s: %v", k, err)
			}
			return v
		}
		m := mailed{feed: h("X-RSS-Feed"), id: h("X-RSS-ID"), url: h("X-RSS-URL")}
		f, ok := r.feeds[m.feed]
		if !ok {
			t.Fatalf("message of an unknown feed %q:\n%s", m.feed, b)
		}
		out[f.name] = append(out[f.name], m)
		if err := os.Remove(name); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// expect checks that run mailed exactly the entries of want (ids by feed
// name), each once.
func (r *rss2email) expect(t *testing.T, step string, got map[string][]mailed, want map[string][]string) {
	t.Helper()
	for _, f := range r.feeds {
		var ids []string
		for _, m := range got[f.name] {
			ids = append(ids, m.id)
		}
		slices.Sort(ids)
		w := slices.Clone(want[f.name])
		slices.Sort(w)
		if !slices.Equal(ids, w) {
			t.Errorf("run %d (%s): rss2email mailed %d messages for %s: %q, want %q", r.runs, step, len(ids), f.path, ids, w)
		}
	}
}

// rss2emailPolls subscribes rss2email to every feed of consumerFeeds and
// polls them while the blog changes: the first run mails every entry once,
// re-polls mail nothing, a new comment or post is mailed once by the feeds
// it is in, and edits mail nothing.
func rss2emailPolls(t *testing.T, s *consumerSite) {
	feeds := consumerFeeds()
	r := newRSS2Email(t, s, feeds)
	none := map[string][]string{}
	only := func(id string, filter func(path string) bool) map[string][]string {
		out := map[string][]string{}
		for _, f := range feeds {
			if filter(f.path) {
				out[f.name] = []string{id}
			}
		}
		return out
	}
	threadAndSite := func(p string) bool { return isCommentFeed(p) }
	siteComments := func(p string) bool { return strings.HasPrefix(p, "/feeds/comments.") }
	posts := func(p string) bool { return strings.HasPrefix(p, "/feeds/posts.") }

	// First poll: every entry, once, with its link.
	got := r.run(t)
	want := map[string][]string{}
	for _, f := range feeds {
		links := map[string]string{}
		for _, e := range s.fetchEntries(t, f.path) {
			want[f.name] = append(want[f.name], e.ID)
			links[e.ID] = e.Link
		}
		for _, m := range got[f.name] {
			if links[m.id] != "" && m.url != links[m.id] {
				t.Errorf("%s: message for %s links %q, the feed %q", f.path, m.id, m.url, links[m.id])
			}
		}
	}
	r.expect(t, "first poll", got, want)
	for range 2 {
		r.expect(t, "re-poll", r.run(t), none)
	}

	// A first-time reader's comment is held: nothing to mail until it is
	// approved, then it is mailed once by the thread and the site's
	// comments feed, and the posts feeds (whose comment counts change)
	// mail nothing.
	c := s.readerComment(t, demoPostID, "Isla Rendall", "The 1887 logbook mentions a relief boat in February.")
	r.expect(t, "held comment", r.run(t), none)
	s.approve(t, c.ID)
	r.expect(t, "approved comment", r.run(t), only(c.URL, threadAndSite))
	r.expect(t, "re-poll", r.run(t), none)

	// A reply, posted by the admin.
	reply := s.adminComment(t, demoPostID, c.ID, "Thank you, Isla: I will look for it.")
	r.expect(t, "reply", r.run(t), only(reply.URL, threadAndSite))

	// A new post, then a comment on it: the demo thread's feeds mail
	// neither.
	p := s.newPost(t, "Keepers' handwriting", "Four hands in four years, *one* of them a child's.")
	r.expect(t, "new post", r.run(t), only(p.URL, posts))
	pc := s.adminComment(t, p.ID, "", "Which year was the child's?")
	r.expect(t, "comment on the new post", r.run(t), only(pc.URL, siteComments))
	r.expect(t, "re-poll", r.run(t), none)

	// Edits move updated under the same id: nothing is mailed twice.
	s.editComment(t, c.ID, "The 1887 logbook mentions a relief boat in February (and again in March).")
	s.editComment(t, "c2-agnes", "They do, sometimes: the relief is noted as \"boat came off\".")
	s.editPost(t, p.ID, "Four hands in four years, one of them a child's, one a substitute's.")
	s.editPost(t, demoPostID, "<p>Edited: the dull entries are the record.</p>")
	for range 2 {
		r.expect(t, "after edits", r.run(t), none)
	}
}

// TestConsumers_RSS2Email has Debian's rss2email (r2e) mail the thread
// feed, the site's comments feed and the posts feed, Atom and RSS, of a
// feedd run on the repo's config, poll after poll while comments and posts
// are added and edited.
func TestConsumers_RSS2Email(t *testing.T) {
	needR2E(t)
	t.Parallel()
	s := startConsumerSite(t, nil)
	rss2emailPolls(t, s)
}

// ---------------------------------------------------------------- feedparser

// feedparserScript fetches each request of a JSON list on stdin with
// feedparser.parse and prints what feedparser made of it.
const feedparserScript = `
import calendar, json, sys
import feedparser

def ts(v):
    return calendar.timegm(v) if v else None

out = []
for req in json.load(sys.stdin):
    kw = {}
    if req.get("etag"):
        kw["etag"] = req["etag"]
    if req.get("agent"):
        kw["agent"] = req["agent"]
    d = feedparser.parse(req["url"], **kw)
    entries = []
    for e in d.entries:
        r = e.get("thr_in-reply-to") or {}
        entries.append({
            "id": e.get("id"), "title": e.get("title"), "link": e.get("link"),
            "published": ts(e.get("published_parsed")),
            "updated": ts(e.get("updated_parsed")),
            "in_reply_to": r.get("ref"),
            "thr_keys": sorted(k for k in e.keys() if "reply" in k),
        })
    exc = d.get("bozo_exception")
    out.append({
        "status": d.get("status"), "bozo": bool(d.get("bozo")),
        "bozo_exception": repr(exc) if exc else "",
        "version": d.get("version"), "etag": d.get("etag"),
        "content_type": {k.lower(): v for k, v in d.get("headers", {}).items()}.get("content-type", ""),
        "entries": entries,
    })
json.dump(out, sys.stdout)
`

type fpRequest struct {
	URL   string `json:"url"`
	ETag  string `json:"etag,omitempty"`
	Agent string `json:"agent,omitempty"`
}

type fpEntry struct {
	ID        string   `json:"id"`
	Title     string   `json:"title"`
	Link      string   `json:"link"`
	Published *int64   `json:"published"`
	Updated   *int64   `json:"updated"`
	InReplyTo *string  `json:"in_reply_to"`
	ThrKeys   []string `json:"thr_keys"`
}

type fpResult struct {
	Status        int       `json:"status"`
	Bozo          bool      `json:"bozo"`
	BozoException string    `json:"bozo_exception"`
	Version       string    `json:"version"`
	ETag          string    `json:"etag"`
	ContentType   string    `json:"content_type"`
	Entries       []fpEntry `json:"entries"`
}

func (r fpResult) ids() []string {
	var out []string
	for _, e := range r.Entries {
		out = append(out, e.ID)
	}
	slices.Sort(out)
	return out
}

// feedparse runs feedparser over the requests in one Python process.
func feedparse(t *testing.T, reqs []fpRequest) []fpResult {
	t.Helper()
	in, err := json.Marshal(reqs)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(consumerPython, "-c", feedparserScript)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("feedparser: %v\n%s", err, stderr.Bytes())
	}
	var res []fpResult
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(reqs) {
		t.Fatalf("feedparser printed %q (%v)", out, err)
	}
	return res
}

// TestConsumers_Feedparser has Python's feedparser (Debian's
// python3-feedparser) read the posts, comments and thread feeds, Atom and
// RSS, of a feedd run on the repo's config: no bozo, every date parsed and
// equal to the API's, threading (thr:in-reply-to) read on every comment
// and naming its parent. With the default configuration a client that
// asks for a delta (A-IM: feed) and handles 226 still gets the whole feed:
// deltas are opt-in.
func TestConsumers_Feedparser(t *testing.T) {
	needFeedparser(t)
	t.Parallel()
	s := startConsumerSite(t, nil)
	// Beyond the demo: a reply to a reply, an edited comment (updated
	// after published) and a second post with a comment.
	c := s.readerComment(t, demoPostID, "Isla Rendall", "Does the 1887 logbook name the relief boat?")
	s.approve(t, c.ID)
	s.adminComment(t, demoPostID, "c3-ruaridh", "J.F. appears in 1886 too.")
	p := s.newPost(t, "Keepers' handwriting", "Four hands in four years.")
	s.adminComment(t, p.ID, "", "Which year was the child's?")
	// Published and updated are whole seconds: make the edit's updated
	// differ from published.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Truncate(time.Second).Equal(c.Published.Truncate(time.Second)) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	s.editComment(t, c.ID, "Does the 1887 logbook name the relief boat? (It does.)")

	var reqs []fpRequest
	for _, f := range consumerFeeds() {
		reqs = append(reqs, fpRequest{URL: s.base + f.path})
	}
	for i, res := range feedparse(t, reqs) {
		path := strings.TrimPrefix(reqs[i].URL, s.base)
		t.Run(strings.TrimPrefix(path, "/feeds/"), func(t *testing.T) {
			checkFeedparsed(t, s, path, res)
		})
	}

	t.Run("no delta by default", func(t *testing.T) {
		var reqs []fpRequest
		for _, f := range consumerFeeds() {
			reqs = append(reqs, fpRequest{URL: s.base + f.path, Agent: consumerAgent})
		}
		first := feedparse(t, reqs)
		s.adminComment(t, demoPostID, "", "A comment after the first fetch.")
		s.newPost(t, "A post after the first fetch", "Posted.")
		for i := range reqs {
			reqs[i].ETag = first[i].ETag
		}
		for i, res := range feedparse(t, reqs) {
			path := strings.TrimPrefix(reqs[i].URL, s.base)
			if res.Status != http.StatusOK {
				t.Errorf("%s with A-IM: feed and an old ETag (%s), agent %q: status %d, want 200 (feeds.delta defaults to false)", path, first[i].ETag, consumerAgent, res.Status)
				continue
			}
			if want := s.truth(t, path); len(res.Entries) != len(want) {
				t.Errorf("%s: feedparser read %d entries, want the whole feed's %d", path, len(res.Entries), len(want))
			}
		}
	})
}

// checkFeedparsed checks what feedparser read of the feed at path against
// the API.
func checkFeedparsed(t *testing.T, s *consumerSite, path string, res fpResult) {
	t.Helper()
	wantVersion := map[string]string{".atom": "atom10", ".rss": "rss20"}[filepath.Ext(path)]
	if res.Status != http.StatusOK || res.Version != wantVersion {
		t.Errorf("status %d, version %q; want 200, %q", res.Status, res.Version, wantVersion)
	}
	if res.Bozo {
		t.Errorf("feedparser found the feed malformed (bozo): %s", res.BozoException)
	}
	if strings.Contains(res.ContentType, "html") {
		t.Errorf("feedparser was sent %q", res.ContentType)
	}
	truth := s.truth(t, path)
	var want []string
	for id := range truth {
		want = append(want, id)
	}
	slices.Sort(want)
	if got := res.ids(); !slices.Equal(got, want) {
		t.Errorf("feedparser read entries %q, want %q", got, want)
	}
	for _, e := range res.Entries {
		a, ok := truth[e.ID]
		if !ok {
			continue
		}
		if e.Title == "" || e.Link != a.URL {
			t.Errorf("%s: title %q, link %q; want a title and the link %q", e.ID, e.Title, e.Link, a.URL)
		}
		if e.Published == nil || *e.Published != a.Published.Unix() {
			t.Errorf("%s: published_parsed %v, want %s", e.ID, fmtUnix(e.Published), a.Published.Format(time.RFC3339))
		}
		if e.Updated == nil || *e.Updated != a.Updated.Unix() {
			t.Errorf("%s: updated_parsed %v, want %s", e.ID, fmtUnix(e.Updated), a.Updated.Format(time.RFC3339))
		}
		comment := strings.Contains(e.ID, "#comment-")
		if comment != isCommentFeed(path) {
			t.Errorf("%s in %s", e.ID, path)
		}
		if !comment {
			continue
		}
		if e.InReplyTo == nil {
			t.Errorf("%s: feedparser read no thr:in-reply-to (keys %v)", e.ID, e.ThrKeys)
		} else if want := s.parentURL(a); *e.InReplyTo != want {
			t.Errorf("%s: thr:in-reply-to ref %q, want %q", e.ID, *e.InReplyTo, want)
		}
	}
}

func fmtUnix(v *int64) string {
	if v == nil {
		return "none"
	}
	return time.Unix(*v, 0).UTC().Format(time.RFC3339)
}

// ---------------------------------------------------------------- newsboat

// newsboat is a newsboat subscribed to one feed, with a cache, a
// configuration and a HOME of its own. Each feed gets its own cache:
// newsboat keys its items by guid alone, so an entry in two feeds (a post
// in the Atom and the RSS feed) is stored once, under the feed read last.
type newsboat struct {
	dir, urls, cache, conf, log string
	url                         string
}

func newNewsboat(t *testing.T, url string) *newsboat {
	t.Helper()
	dir := t.TempDir()
	n := &newsboat{dir: dir, urls: filepath.Join(dir, "urls"), cache: filepath.Join(dir, "cache.db"),
		conf: filepath.Join(dir, "config"), log: filepath.Join(dir, "newsboat.log"), url: url}
	if err := os.WriteFile(n.urls, []byte(url+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(n.conf, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return n
}

// reload runs 'newsboat -x reload', failing on an exit status other than
// 0 or anything newsboat logs at level warning or above.
func (n *newsboat) reload(t *testing.T) {
	t.Helper()
	os.Remove(n.log)
	cmd := exec.Command(consumerNewsboat, "-u", n.urls, "-c", n.cache, "-C", n.conf, "-x", "reload", "-d", n.log, "-l", "4")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "XDG_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "HOME="+n.dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("newsboat reload: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(n.log); len(bytes.TrimSpace(b)) > 0 {
		t.Errorf("newsboat logged:\n%s", b)
	}
}

type nbItem struct {
	title, url string
	pubDate    int64
}

// items returns the items newsboat stored for its feed, by guid, and the
// validators it keeps for the feed.
func (n *newsboat) items(t *testing.T) (map[string]nbItem, string, int64) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+n.cache+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT guid, title, url, pubDate FROM rss_item WHERE feedurl = ? AND deleted = 0`, n.url)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]nbItem{}
	for rows.Next() {
		var guid string
		var it nbItem
		if err := rows.Scan(&guid, &it.title, &it.url, &it.pubDate); err != nil {
			t.Fatal(err)
		}
		if _, dup := out[guid]; dup {
			t.Errorf("newsboat stored %s twice", guid)
		}
		out[guid] = it
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var etag string
	var lm int64
	err = db.QueryRow(`SELECT etag, lastmodified FROM rss_feed WHERE rssurl = ?`, n.url).Scan(&etag, &lm)
	if err == sql.ErrNoRows {
		t.Fatalf("newsboat stored no feed %s (could not read it?)", n.url)
	}
	if err != nil {
		t.Fatal(err)
	}
	return out, etag, lm
}

// checkItems checks that newsboat holds every entry of the feed, and only
// those, each with the feed's title, link and date (Atom's published, RSS's
// pubDate).
func (n *newsboat) checkItems(t *testing.T, s *consumerSite, path string) {
	t.Helper()
	entries := s.fetchEntries(t, path)
	items, _, _ := n.items(t)
	for _, e := range entries {
		it, ok := items[e.ID]
		if !ok {
			t.Errorf("newsboat did not store %s", e.ID)
			continue
		}
		if it.title != e.Title || it.url != e.Link || it.pubDate != e.Published.Unix() {
			t.Errorf("newsboat stored %s as %q, %q, %s; the feed says %q, %q, %s", e.ID,
				it.title, it.url, time.Unix(it.pubDate, 0).UTC().Format(time.RFC3339),
				e.Title, e.Link, e.Published.Format(time.RFC3339))
		}
		delete(items, e.ID)
	}
	for guid := range items {
		t.Errorf("newsboat stored %s, which is not in the feed", guid)
	}
}

// newsboatReloads subscribes a newsboat to each feed of consumerFeeds: it
// stores every item with its title, link and date; once it holds the
// feed's validators its reload is conditional and answered 304; after a
// new comment (and post) its reload gets changedStatus (200, or 226 with
// deltas on) and it holds the new entries beside the old.
func newsboatReloads(t *testing.T, s *consumerSite, changedStatus int) {
	feeds := consumerFeeds()
	// The site's last writes, just before, must be of an earlier second
	// for newsboat to be given a Last-Modified to keep.
	waitSecondOver()
	nbs := map[string]*newsboat{}
	for _, f := range feeds {
		n := newNewsboat(t, s.base+f.path)
		nbs[f.path] = n
		n.reload(t)
		// newsboat 2.21 writes a feed's ETag and Last-Modified only when
		// it has the feed in its cache already: from the second reload.
		if _, etag, _ := n.items(t); etag == "" {
			n.reload(t)
		}
		n.checkItems(t, s, f.path)
		if _, etag, lm := n.items(t); etag == "" || lm == 0 {
			t.Errorf("%s: newsboat kept no validators (ETag %q, Last-Modified %d)", f.path, etag, lm)
		}
	}
	reloadAll := func(want int) {
		t.Helper()
		for _, f := range feeds {
			from := s.mark(t)
			nbs[f.path].reload(t)
			got := s.accessBetween(from, s.mark(t))
			if len(got) != 1 || got[0].path != f.path || got[0].status != want {
				t.Errorf("newsboat's reload of %s: requests %+v, want one answered %d", f.path, got, want)
			}
		}
	}
	reloadAll(http.StatusNotModified)

	c := s.adminComment(t, demoPostID, "c4-mei", "Weather diaries: yes, and tide tables.")
	p := s.newPost(t, "Tide tables and logbooks", "Two records of one coast.")
	reloadAll(changedStatus)
	for _, f := range feeds {
		nbs[f.path].checkItems(t, s, f.path)
		items, _, _ := nbs[f.path].items(t)
		want := p.URL
		if isCommentFeed(f.path) {
			want = c.URL
		}
		if _, ok := items[want]; !ok {
			t.Errorf("%s: newsboat has no item for the new entry %s", f.path, want)
		}
	}
	reloadAll(http.StatusNotModified)
}

// TestConsumers_Newsboat has newsboat reload the thread, comments and posts
// feeds, Atom and RSS, of a feedd run on the repo's config, and checks its
// cache: every item with its title, link and date; conditional reloads
// answered 304 (seen in feedd's access log), and no delta (226) although
// newsboat asks for one, since deltas are opt-in.
func TestConsumers_Newsboat(t *testing.T) {
	needNewsboat(t)
	t.Parallel()
	s := startConsumerSite(t, nil)
	newsboatReloads(t, s, http.StatusOK)
}

// ---------------------------------------------------------------- deltas

// TestConsumers_DeltaOn turns feeds.delta on in the repo's config: the
// rss2email cases still pass (rss2email fetches with feedparser's agent,
// sends A-IM: feed and cannot handle 226, and feedparser's agents are
// excluded by default); feedparser under an agent of its own gets 226 and
// only the new entries; under its default agent, the whole feed; newsboat
// gets 226 and keeps the old entries beside the new.
func TestConsumers_DeltaOn(t *testing.T) {
	t.Parallel()
	s := startConsumerSite(t, map[string]any{"feeds.delta": true})

	t.Run("rss2email", func(t *testing.T) {
		needR2E(t)
		rss2emailPolls(t, s)
	})

	t.Run("feedparser", func(t *testing.T) {
		needFeedparser(t)
		feeds := consumerFeeds()
		fetch := func(agent string, etags []string) []fpResult {
			var reqs []fpRequest
			for i, f := range feeds {
				r := fpRequest{URL: s.base + f.path, Agent: agent}
				if etags != nil {
					r.ETag = etags[i]
				}
				reqs = append(reqs, r)
			}
			return feedparse(t, reqs)
		}
		etags := func(res []fpResult) []string {
			var out []string
			for i, r := range res {
				if r.Status != http.StatusOK || r.ETag == "" {
					t.Fatalf("%s: status %d, ETag %q", feeds[i].path, r.Status, r.ETag)
				}
				out = append(out, r.ETag)
			}
			return out
		}
		// Before a new comment, then before a new post (the comment
		// changes the posts feed's comment counts).
		beforeComment := etags(fetch(consumerAgent, nil))
		defaultBefore := etags(fetch("", nil))
		c := s.adminComment(t, demoPostID, "", "A comment for the delta readers.")
		beforePost := etags(fetch(consumerAgent, nil))
		p := s.newPost(t, "A post for the delta readers", "Posted.")

		delta := fetch(consumerAgent, beforeComment)
		deltaPosts := fetch(consumerAgent, beforePost)
		for i, f := range feeds {
			res, want := delta[i], c.URL
			if !isCommentFeed(f.path) {
				res, want = deltaPosts[i], p.URL
			}
			if res.Status != http.StatusIMUsed {
				t.Errorf("%s, agent %q, old ETag: status %d, want 226", f.path, consumerAgent, res.Status)
				continue
			}
			if res.Bozo {
				t.Errorf("%s: feedparser found the delta malformed: %s", f.path, res.BozoException)
			}
			if got := res.ids(); !slices.Equal(got, []string{want}) {
				t.Errorf("%s: the delta holds %q, want only the new entry %s", f.path, got, want)
			}
		}

		for i, res := range fetch("", defaultBefore) {
			path := feeds[i].path
			if res.Status != http.StatusOK {
				t.Errorf("%s with feedparser's own agent and an old ETag: status %d, want 200 (feedparser/ is excluded from deltas)", path, res.Status)
				continue
			}
			checkFeedparsed(t, s, path, res)
		}
	})

	t.Run("newsboat", func(t *testing.T) {
		needNewsboat(t)
		newsboatReloads(t, s, http.StatusIMUsed)
	})
}
