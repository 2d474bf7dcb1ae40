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
	want := `<?xml-stylesheet type="text/xsl" href="` + root + `/static/feed.xsl"?>`
	if got := r.StylesheetURL(); got != root+StylesheetPath {
		t.Errorf("StylesheetURL() = %q", got)
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
	if want := `type="text/xsl" href="https://example.com/a&amp;b/static/feed.xsl"`; len(pis) != 1 || pis[0] != want {
		t.Errorf("stylesheet PI = %q, want %q", pis, want)
	}
}
