package render

import (
	"bytes"
	"encoding/xml"
	"io"
	"testing"

	"github.com/feedd/feedd/feed"
)

// Every Atom and RSS document carries the same xml-stylesheet processing
// instruction right after the XML declaration; JSON Feed none.
func TestStylesheetPI(t *testing.T) {
	s := newSite()
	r := newTestRenderer(t, false)
	// root is https://example.com/blog: the href is its path.
	want := `<?xml-stylesheet type="text/xsl" href="/blog/static/feed.xsl"?>`
	if got := r.StylesheetURL(); got != root+StylesheetPath {
		t.Errorf("StylesheetURL() = %q", got)
	}
	if got := r.StylesheetHref(); got != "/blog"+StylesheetPath {
		t.Errorf("StylesheetHref() = %q", got)
	}
	for _, f := range feed.Formats {
		docs := map[string][]byte{}
		docs["posts"], _, _ = r.Posts(f, s.posts, nil, nil)
		docs["comments"], _, _ = r.Comments(f, s.comments, nil)
		docs["thread"], _, _ = r.Thread(f, s.p1, s.thread, nil)
		docs["empty"], _, _ = r.Thread(f, s.p2, nil, nil)
		for name, b := range docs {
			lines := bytes.SplitN(b, []byte("\n"), 3)
			if f == feed.JSON {
				if bytes.Contains(b, []byte("xml-stylesheet")) {
					t.Errorf("%s.%s names a stylesheet", name, f)
				}
				continue
			}
			if len(lines) < 3 || string(lines[0]) != `<?xml version="1.0" encoding="UTF-8"?>` || string(lines[1]) != want {
				t.Errorf("%s.%s starts %q, want the declaration and %s", name, f, bytes.Join(lines[:2], []byte("\n")), want)
			}
		}
	}
}

// A base URL whose path holds characters special in a processing
// instruction's pseudo-attribute is escaped there, and the document stays
// well-formed.
func TestStylesheetPI_Escaped(t *testing.T) {
	r, err := New(Options{Title: "x", BaseURL: `https://example.com/a&b/`})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := r.Posts(feed.Atom, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(b))
	var pis []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, b)
		}
		if pi, ok := tok.(xml.ProcInst); ok && pi.Target == "xml-stylesheet" {
			pis = append(pis, string(pi.Inst))
		}
	}
	if want := `type="text/xsl" href="/a&amp;b/static/feed.xsl"`; len(pis) != 1 || pis[0] != want {
		t.Errorf("stylesheet PI = %q, want %q", pis, want)
	}
}

// The feeds name the stylesheet by a root-relative path, which a browser
// resolves against the address it opened the feed at, whatever its host:
// the base URL's path, without its scheme, host or port.
func TestStylesheetHref(t *testing.T) {
	for base, want := range map[string]string{
		"https://blog.example.org":              "/static/feed.xsl",
		"https://blog.example.org/":             "/static/feed.xsl",
		"http://127.0.0.1:8080":                 "/static/feed.xsl",
		"https://example.org/blog/":             "/blog/static/feed.xsl",
		"https://example.org/My%20Blog/notes":   "/My%20Blog/notes/static/feed.xsl",
		"https://example.org/a/../b/./c/":       "/b/c/static/feed.xsl",
		"https://EXAMPLE.org:443/Blog?x=1#frag": "/Blog/static/feed.xsl",
	} {
		r, err := New(Options{Title: "x", BaseURL: base})
		if err != nil {
			t.Fatal(err)
		}
		if got := r.StylesheetHref(); got != want {
			t.Errorf("base %s: StylesheetHref() = %q, want %q", base, got, want)
		}
	}
}
