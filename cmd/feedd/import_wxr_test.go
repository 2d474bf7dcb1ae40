package main

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"
)

// The exports poll's tests import too.
const (
	wordpressFile = "../../poll/testdata/wordpress.xml"
	disqusFile    = "../../poll/testdata/disqus.xml"
)

// TestCLI_ImportWordPressAndDisqus imports a WordPress export, then a
// Disqus export of the same blog's comments, each twice (the second run
// changes nothing), and reads the garlic post's thread feed as a reader
// would: every conversation threaded, with its original dates and
// authors, in the three formats.
func TestCLI_ImportWordPressAndDisqus(t *testing.T) {
	e := newCLIEnv(t, false)
	steps := []struct {
		args     []string
		out      string
		progress string
	}{
		{[]string{"import", wordpressFile}, "imported 3 posts, 9 comments, 0 unchanged", "imported 12/12 entries"},
		{[]string{"import", wordpressFile}, "imported 0 posts, 0 comments, 12 unchanged", "imported 12/12 entries"},
		{[]string{"import", disqusFile, "--source", "disqus"}, "imported 0 posts, 6 comments, 0 unchanged, 2 skipped (their Disqus thread links to no post in the store)", "imported 6/6 entries"},
		{[]string{"import", disqusFile, "--source", "disqus"}, "imported 0 posts, 0 comments, 6 unchanged, 2 skipped (their Disqus thread links to no post in the store)", "imported 6/6 entries"},
	}
	for i, s := range steps {
		before := e.lastChange(t)
		out, stderr, err := e.run(t, "", s.args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", s.args, err, stderr)
		}
		if got := strings.TrimSpace(out); got != s.out {
			t.Errorf("%v = %q, want %q", s.args, got, s.out)
		}
		if !strings.Contains(stderr, s.progress) {
			t.Errorf("%v: progress %q lacks %q", s.args, stderr, s.progress)
		}
		if strings.Contains(s.args[1], "disqus") && !strings.Contains(stderr, "https://garden.example.org/2018/01/lost-post/") {
			t.Errorf("%v: the thread without a post is not reported by its link: %q", s.args, stderr)
		}
		if i%2 == 1 && e.lastChange(t) != before {
			t.Errorf("%v again wrote to the store", s.args)
		}
	}
	out, _, err := e.run(t, "", "import", disqusFile, "--source", "disqus", "--json")
	if got := strings.Join(strings.Fields(out), ""); err != nil || got != `{"comments":0,"posts":0,"skipped":2,"unchanged":6}` {
		t.Errorf("import --json = %s, %v", out, err)
	}

	garlic := mirrored(t, e, defaultImportSource)["Planting garlic in autumn"]
	if garlic == nil {
		t.Fatal("the garlic post was not imported")
	}
	st := e.open(t)
	defer st.Close()
	cfg := DefaultConfig()
	cfg.Site = SiteConfig{Title: "Kitchen Garden", BaseURL: "https://blog.example.org"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := newApp(cfg, st, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.server.Handler())
	defer srv.Close()

	type want struct {
		author, published, parent string // parent: the author replied to; "" on the post
	}
	wants := map[string]want{
		"Ann Reader":        {"Ann Reader", "2019-10-06T08:00:00Z", ""}, // and 203, below
		"Jane Doe":          {"Jane Doe", "2019-10-06T10:15:00Z", "Ann Reader"},
		"Bob Gardener":      {"Bob Gardener", "2019-10-06T10:00:00Z", "Ann Reader"},
		"Carol":             {"Carol", "2019-10-07T09:00:00Z", ""},
		"Allotment Diaries": {"Allotment Diaries", "2019-10-09T06:00:00Z", ""},
		"Bob Allotment":     {"Bob Allotment", "2019-10-10T08:00:00Z", ""},
		"Fay":               {"Fay", "2019-10-10T10:00:00Z", "Bob Allotment"},
		"Guest Gardener":    {"Guest Gardener", "2019-10-10T11:00:00Z", "Fay"},
		"boballot":          {"boballot", "2019-10-10T12:00:00Z", "Guest Gardener"},
		"Hal":               {"Hal", "2019-10-11T09:00:00Z", ""},
	}
	for _, format := range []string{"atom", "rss", "json"} {
		path := "/feeds/posts/" + garlic.ID + "/comments." + format
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		d, err := gofeed.NewParser().ParseString(string(body))
		if err != nil {
			t.Fatalf("GET %s: gofeed: %v", path, err)
		}
		if len(d.Items) != 12 {
			t.Errorf("%s: %d items, want 12 (7 from WordPress, 5 from Disqus)", path, len(d.Items))
		}
		byGUID := map[string]*gofeed.Item{}
		byAuthor := map[string]*gofeed.Item{}
		// gofeed reads neither JSON Feed 1.1's authors into Author nor
		// the _thread extension: read them from the document.
		var jf struct {
			Items []struct {
				ID      string `json:"id"`
				Authors []struct {
					Name string `json:"name"`
				} `json:"authors"`
				Thread struct {
					InReplyTo struct {
						ID string `json:"id"`
					} `json:"in_reply_to"`
				} `json:"_thread"`
			} `json:"items"`
		}
		if format == "json" {
			if err := json.Unmarshal(body, &jf); err != nil {
				t.Fatal(err)
			}
			for i, it := range d.Items {
				if i < len(jf.Items) && it.Author == nil && len(jf.Items[i].Authors) > 0 {
					it.Author = &gofeed.Person{Name: jf.Items[i].Authors[0].Name}
				}
				if i < len(jf.Items) && jf.Items[i].Thread.InReplyTo.ID != "" {
					it.Extensions = map[string]map[string][]ext.Extension{"thr": {"in-reply-to": {{Attrs: map[string]string{"ref": jf.Items[i].Thread.InReplyTo.ID}}}}}
				}
			}
		}
		for _, it := range d.Items {
			byGUID[it.GUID] = it
			if it.PublishedParsed == nil {
				if t, err := time.Parse(time.RFC3339, it.Published); err == nil {
					it.PublishedParsed = &t
				}
			}
			if it.Author == nil || it.PublishedParsed == nil {
				t.Errorf("%s: item %s has no author or date", path, it.GUID)
				continue
			}
			// Ann Reader wrote two: keep the first.
			if old := byAuthor[it.Author.Name]; old == nil || it.PublishedParsed.Before(*old.PublishedParsed) {
				byAuthor[it.Author.Name] = it
			}
		}
		for _, addr := range []string{"@mail.example.com", "@reader.example.net", "@example.com", "203.0.113.7"} {
			if strings.Contains(string(body), addr) {
				t.Errorf("%s shows %q from the exports", path, addr)
			}
		}
		if !strings.Contains(string(body), "Seed Swap Weekly » Garlic roundup") || (format != "rss" && !strings.Contains(string(body), "https://seeds.example.com/2019/10/garlic-roundup/")) {
			t.Errorf("%s: the pingback, by its page, is missing", path)
		}
		for name, w := range wants {
			it := byAuthor[name]
			if it == nil {
				t.Errorf("%s: no comment by %q", path, name)
				continue
			}
			if it.PublishedParsed == nil || it.PublishedParsed.UTC().Format(time.RFC3339) != w.published {
				t.Errorf("%s: %q published %v, want %s", path, name, it.PublishedParsed, w.published)
			}
			ref := ""
			if x := it.Extensions["thr"]["in-reply-to"]; len(x) > 0 {
				ref = x[0].Attrs["ref"]
			}
			parent := ""
			if p := byGUID[ref]; p != nil && p.Author != nil {
				parent = p.Author.Name
			} else if ref == "" {
				t.Errorf("%s: %q has no thr:in-reply-to", path, name)
			}
			if parent != w.parent {
				t.Errorf("%s: %q replies to %q (ref %q), want %q", path, name, parent, ref, w.parent)
			}
		}
	}
}

// TestCLI_ImportBadExports: a broken or unknown export names the format
// and the line, and writes nothing.
func TestCLI_ImportBadExports(t *testing.T) {
	e := newCLIEnv(t, true)
	wxr, err := os.ReadFile(wordpressFile)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, s string) string {
		p := filepath.Join(e.dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cut := strings.Index(string(wxr), "<title><![CDATA[About]]></title>")
	before := e.lastChange(t)
	for _, tt := range []struct {
		name, file string
		want       []string
	}{
		{"truncated WXR", write("truncated.xml", string(wxr[:cut])), []string{"WordPress export (WXR): line 254:", "unexpected end of file"}},
		{"unknown root", write("page.xml", "<?xml version=\"1.0\"?>\n<html/>"), []string{"line 2: root element <html>", "WordPress export (WXR)", "Disqus export"}},
		{"WXR without channel", write("nochannel.xml", "<rss xmlns:wp=\"http://wordpress.org/export/1.2/\"></rss>"), []string{"WordPress export (WXR): no <channel>"}},
		{"Disqus post of an unknown thread", write("orphan.xml", "<disqus xmlns=\"http://disqus.com\" xmlns:dsq=\"http://disqus.com/disqus-internals\">\n<post dsq:id=\"1\"><thread dsq:id=\"9\"/></post></disqus>"),
			[]string{"Disqus export: line 2:", `thread dsq:id="9"`}},
		{"empty", write("empty.xml", ""), []string{"empty document"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, err := e.run(t, "", "import", tt.file)
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, errUsage) {
				t.Errorf("a usage error: %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q (stderr %q) lacks %q", err, stderr, w)
				}
			}
			if !strings.HasPrefix(err.Error(), "import "+tt.file+": ") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
	if after := e.lastChange(t); after != before {
		t.Errorf("bad imports wrote to the store: change log %d → %d", before, after)
	}
}
