package poll

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

// bomb returns a "billion laughs" document: ten levels of entities, each
// ten of the one before, 10^9 "lol"s if expanded.
func bomb(root string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?>` + "\n" + `<!DOCTYPE ` + root + ` [` + "\n" + `<!ENTITY lol0 "lol">`)
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "\n<!ENTITY lol%d \"%s\">", i, strings.Repeat(fmt.Sprintf("&lol%d;", i-1), 10))
	}
	b.WriteString("\n]>\n")
	return b.String()
}

func TestGofeed_DoesNotExpandEntities(t *testing.T) {
	// What the prolog check guards against cannot happen in gofeed as it
	// is: encoding/xml, which it parses with, expands no entity a
	// document declares, and in non-strict mode leaves the reference as
	// text. Should a new version change that, this fails.
	doc := bomb("rss") + `<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title><description>&lol9;</description></item></channel></rss>`
	start := time.Now()
	f, err := gofeed.NewParser().ParseString(doc)
	if err != nil {
		t.Fatalf("gofeed: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("gofeed took %v", time.Since(start))
	}
	if got := f.Items[0].Title + f.Items[0].Description + f.Title; len(got) > 100 {
		t.Errorf("gofeed expanded entities: %d bytes of text", len(got))
	}
}

func TestParse_RefusesEntityDeclarations(t *testing.T) {
	for name, doc := range map[string]string{
		"RSS":     bomb("rss") + `<rss version="2.0"><channel><title>&lol9;</title></channel></rss>`,
		"Atom":    bomb("feed") + `<feed xmlns="http://www.w3.org/2005/Atom"><title>&lol9;</title></feed>`,
		"NoDecl":  strings.TrimPrefix(bomb("rss"), `<?xml version="1.0"?>`) + `<rss version="2.0"/>`,
		"Comment": `<?xml version="1.0"?><!-- a <comment> --><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel><title>&x;</title></channel></rss>`,
		"Latin1":  `<?xml version="1.0" encoding="ISO-8859-1"?><!DOCTYPE rss [<!ENTITY x "caf` + "\xe9" + `">]><rss version="2.0"/>`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := parse(strings.NewReader(doc), "", nil); !errors.Is(err, ErrEntities) {
				t.Errorf("parse = %v, want ErrEntities", err)
			}
		})
	}
}

func TestParse_AllowsDoctype(t *testing.T) {
	// A DOCTYPE without entity declarations, as RSS 0.91 feeds have, is
	// fine, as is one whose subset declares other things.
	for name, doc := range map[string]string{
		"RSS091": `<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>T</title><item><title>x</title><link>http://x.example/</link></item></channel></rss>`,
		"Subset": `<!DOCTYPE rss [<!ELEMENT rss ANY>]><rss version="2.0"><channel><title>T</title><item><title>x</title></item></channel></rss>`,
	} {
		t.Run(name, func(t *testing.T) {
			d, err := parse(strings.NewReader(doc), "", nil)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if len(d.entries) != 1 || d.entries[0].item.Title != "x" {
				t.Errorf("entries = %v", d.feed.Items)
			}
		})
	}
}

func TestParse_Encodings(t *testing.T) {
	utf16 := func(s string, big bool) string {
		var b strings.Builder
		if big {
			b.WriteString("\xfe\xff")
		} else {
			b.WriteString("\xff\xfe")
		}
		for _, r := range s { // BMP only
			hi, lo := byte(r>>8), byte(r)
			if big {
				b.WriteByte(hi)
				b.WriteByte(lo)
			} else {
				b.WriteByte(lo)
				b.WriteByte(hi)
			}
		}
		return b.String()
	}
	rss := func(title string) string {
		return `<rss version="2.0"><channel><title>T</title><item><title>` + title + `</title></item></channel></rss>`
	}
	for _, tc := range []struct {
		name, contentType, doc, want string
	}{
		{"UTF8", "", `<?xml version="1.0" encoding="utf-8"?>` + rss("café"), "café"},
		{"UTF8BOM", "", "\xef\xbb\xbf" + `<?xml version="1.0"?>` + rss("café"), "café"},
		{"Latin1Decl", "", `<?xml version="1.0" encoding="ISO-8859-1"?>` + rss("caf\xe9"), "café"},
		{"Latin1DeclWins", "application/xml; charset=utf-8", `<?xml version='1.0' encoding='iso-8859-1'?>` + rss("caf\xe9"), "café"},
		{"Latin1ContentType", "text/xml; charset=ISO-8859-1", rss("caf\xe9"), "café"},
		{"Windows1252", "", `<?xml version="1.0" encoding="windows-1252"?>` + rss("\x93quoted\x94"), "\u201cquoted\u201d"},
		{"UTF16LE", "", utf16(`<?xml version="1.0" encoding="UTF-16"?>`+rss("café"), false), "café"},
		{"UTF16BE", "", utf16(`<?xml version="1.0" encoding="UTF-16"?>`+rss("café"), true), "café"},
		{"UnknownCharset", "", `<?xml version="1.0" encoding="x-unknown"?>` + rss("café"), "café"},
		{"InvalidUTF8", "", rss("caf\xe9"), "caf\ufffd"},
		{"JSON", "application/feed+json; charset=iso-8859-1", `{"version":"https://jsonfeed.org/version/1.1","title":"T","items":[{"id":"1","title":"caf` + "\xe9" + `"}]}`, "café"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := parse(strings.NewReader(tc.doc), tc.contentType, nil)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if len(d.entries) != 1 {
				t.Fatalf("%d entries", len(d.entries))
			}
			if got := d.entries[0].item.Title; got != tc.want {
				t.Errorf("title = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParse_ReaderError(t *testing.T) {
	// A body that fails while the prolog is read fails the parse with
	// that error.
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("<rss"), &failing{boom})
	if _, err := parse(r, "", nil); !errors.Is(err, boom) {
		t.Errorf("parse = %v, want %v", err, boom)
	}
}

type failing struct{ err error }

func (f *failing) Read([]byte) (int, error) { return 0, f.err }

func TestLimitedReader(t *testing.T) {
	for _, tc := range []struct {
		size    int
		wantErr bool
	}{{99, false}, {100, false}, {101, true}, {5000, true}} {
		l := newLimitedReader(strings.NewReader(strings.Repeat("x", tc.size)), 100)
		b, err := io.ReadAll(l)
		var tl *TooLargeError
		if got := errors.As(err, &tl); got != tc.wantErr {
			t.Errorf("size %d: err %v", tc.size, err)
		}
		if len(b) > 100 {
			t.Errorf("size %d: read %d bytes past the limit", tc.size, len(b))
		}
		if tc.wantErr && err.Error() != "body larger than 100 bytes" {
			t.Errorf("message %q", err)
		}
	}
}

func TestParse_XMLBase(t *testing.T) {
	// gofeed resolves Atom content against xml:base; the mapping resolves
	// what is left against the entry's link, then the feed's URL.
	doc := `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://base.example/blog/">
<entry xml:base="posts/"><id>urn:1</id><title>t</title><link href="one.html"/>
<content type="html">&lt;img src="x.png"&gt;</content></entry>
<entry><id>urn:2</id><title>t</title><content type="html">&lt;a href="y.html"&gt;y&lt;/a&gt;</content></entry>
</feed>`
	d, err := parse(strings.NewReader(doc), "", mustURL(t, "https://feeds.example/atom.xml"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i, want := range []struct{ link, content string }{
		{"https://base.example/blog/posts/one.html", `<img src="https://base.example/blog/posts/x.png"/>`},
		{"", `<a href="https://base.example/blog/y.html">y</a>`},
	} {
		p := d.post(d.entries[i], "s", now)
		if p.Origin.URL != want.link || p.Content != want.content {
			t.Errorf("entry %d: link %q, content %q; want %q, %q", i, p.Origin.URL, p.Content, want.link, want.content)
		}
	}
}

func TestParse_RSS10(t *testing.T) {
	doc := `<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://rdf.example/"><title>RDF</title><link>https://rdf.example/</link><description>d</description></channel>
<item rdf:about="https://rdf.example/1"><title>One</title><link>https://rdf.example/1</link><description>first</description><dc:date>2024-01-01T00:00:00Z</dc:date><dc:creator>Dee</dc:creator></item>
</rdf:RDF>`
	d, err := parse(strings.NewReader(doc), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	p := d.post(d.entries[0], "s", time.Now())
	if p.Title != "One" || p.Origin.ID != "link:https://rdf.example/1" || p.AuthorName != "Dee" || p.Published.IsZero() {
		t.Errorf("post = %+v, origin %+v", p, p.Origin)
	}
}
