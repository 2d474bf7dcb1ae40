package render

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
	"github.com/feedd/feedd/feed/content/contenttest"
	"github.com/mmcdole/gofeed"
)

// TestXSSCorpus renders every corpus input as a post's title, author,
// category, summary and content (HTML and Markdown) and as a comment's
// author and content, in the posts, comments and thread feeds and in every
// format. Every document must be well-formed (XML to EOF, valid JSON) and
// parse with gofeed; every entry's content, as a reader decodes it, must
// pass content.CheckHarmless and be the same in every field and format;
// titles and names must come back as the text that went in, cleaned by
// content.Line: text, never markup.
func TestXSSCorpus(t *testing.T) {
	c := contenttest.XSSCorpus(t)
	r := newTestRenderer(t, true)
	type input struct{ name, text, body string }
	var inputs []input
	for _, tc := range c.Cases {
		inputs = append(inputs, input{tc.Name, tc.Input, tc.Input})
	}
	for i, a := range c.Authors {
		inputs = append(inputs, input{"author " + string(rune('a'+i)), a, "<p>Plain.</p>"})
	}
	at := date("2024-06-01T00:00:00Z")
	for _, in := range inputs {
		post := &feed.Post{ID: "p", Title: in.text, Content: in.body, Summary: in.text, AuthorName: in.text,
			AuthorURI: in.text, Categories: []string{in.text}, Published: at, Updated: at}
		md := *post
		md.ID, md.Format = "m", feed.FormatMarkdown
		comment := &feed.Comment{ID: "c", PostID: "p", PostTitle: in.text, AuthorName: in.text, AuthorURI: in.text,
			Content: in.body, Published: at, Updated: at}
		gone := []feed.Tombstone{{PostID: "p", CommentID: "x", Deleted: at}}

		title := postTitle(post)
		name := line(in.text)
		if name == "" {
			name = siteTitle
		}
		commentTitle := "Comment by " + name
		if t := line(in.text); t != "" {
			commentTitle = "Comment on \u2018" + t + "\u2019 by " + name
		}
		threadTitle := "Comment on \u2018" + title + "\u2019 by " + name

		feeds := []struct {
			name   string
			render func(feed.Format) ([]byte, time.Time, error)
			titles []string // of the entries
		}{
			{"posts", func(f feed.Format) ([]byte, time.Time, error) {
				return r.Posts(f, []*feed.Post{post, &md}, nil, gone)
			}, []string{title, title}},
			{"comments", func(f feed.Format) ([]byte, time.Time, error) {
				return r.Comments(f, []*feed.Comment{comment}, gone)
			}, []string{commentTitle}},
			{"thread", func(f feed.Format) ([]byte, time.Time, error) {
				return r.Thread(f, post, []*feed.Comment{comment}, gone)
			}, []string{threadTitle}},
		}
		for _, fd := range feeds {
			var contents []string // of the entries, from Atom
			for _, f := range feed.Formats {
				b, _, err := fd.render(f)
				if err != nil {
					t.Fatalf("%s: %s/%s: %v", in.name, fd.name, f, err)
				}
				entries, ok := decodeEntries(t, f, b)
				if !ok {
					t.Errorf("%s: %s/%s: malformed document:\n%s", in.name, fd.name, f, b)
					continue
				}
				if _, err := gofeed.NewParser().Parse(bytes.NewReader(b)); err != nil {
					t.Errorf("%s: %s/%s: gofeed: %v", in.name, fd.name, f, err)
				}
				if len(entries) != len(fd.titles) {
					t.Fatalf("%s: %s/%s: %d entries, want %d", in.name, fd.name, f, len(entries), len(fd.titles))
				}
				for i, e := range entries {
					where := in.name + ": " + fd.name + "/" + string(f)
					if e.title != fd.titles[i] {
						t.Errorf("%s: title %q, want %q", where, e.title, fd.titles[i])
					}
					if e.author != name {
						t.Errorf("%s: author %q, want %q", where, e.author, name)
					}
					for _, h := range e.html {
						if err := content.CheckHarmless(h); err != nil {
							t.Errorf("%s: content %q: %v", where, h, err)
						}
						if f == feed.Atom {
							contents = append(contents, h)
						} else if h != contents[i] {
							t.Errorf("%s: content %q differs from Atom's %q", where, h, contents[i])
						}
					}
					if fd.name == "posts" && f != feed.RSS {
						if want := clean(in.text); e.summary != want {
							t.Errorf("%s: summary %q, want %q", where, e.summary, want)
						}
					}
				}
			}
		}
	}
}

// decodedEntry is what a reader decodes from an entry: its title, author
// name, summary (Atom and JSON) and every field that holds its HTML.
type decodedEntry struct {
	title, author, summary string
	html                   []string
}

// decodeEntries decodes a document as encoding/xml or encoding/json reads
// it; ok is false when it is not well-formed XML (read to EOF) or valid
// JSON.
func decodeEntries(t *testing.T, f feed.Format, b []byte) (entries []decodedEntry, ok bool) {
	t.Helper()
	switch f {
	case feed.JSON:
		var doc jsonDoc
		if !json.Valid(b) || json.Unmarshal(b, &doc) != nil || doc.Items == nil {
			return nil, false
		}
		for _, it := range *doc.Items {
			var content string
			if it.ContentHTML != nil {
				content = *it.ContentHTML
			}
			e := decodedEntry{title: it.Title, summary: it.Summary, html: []string{content}}
			if len(it.Authors) == 1 {
				e.author = it.Authors[0].Name
			}
			entries = append(entries, e)
		}
		return entries, true
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		if _, err := d.Token(); err != nil {
			if !errors.Is(err, io.EOF) {
				return nil, false
			}
			break
		}
	}
	if f == feed.Atom {
		var doc struct {
			Entries []struct {
				Title   string `xml:"title"`
				Author  string `xml:"author>name"`
				Summary string `xml:"summary"`
				Content string `xml:"content"`
			} `xml:"entry"`
		}
		if xml.Unmarshal(b, &doc) != nil {
			return nil, false
		}
		for _, e := range doc.Entries {
			entries = append(entries, decodedEntry{title: e.Title, author: e.Author, summary: e.Summary, html: []string{e.Content}})
		}
		return entries, true
	}
	var doc struct {
		Items []struct {
			Title       string `xml:"title"`
			Creator     string `xml:"http://purl.org/dc/elements/1.1/ creator"`
			Description string `xml:"description"`
			Encoded     string `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
		} `xml:"channel>item"`
	}
	if xml.Unmarshal(b, &doc) != nil {
		return nil, false
	}
	for _, it := range doc.Items {
		entries = append(entries, decodedEntry{title: it.Title, author: it.Creator, html: []string{it.Description, it.Encoded}})
	}
	return entries, true
}
