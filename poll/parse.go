package poll

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"regexp"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	jsonfeed "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"
	"golang.org/x/net/html/charset"
)

// document is a parsed feed: gofeed's universal feed, with each item beside
// the format's own entry, which keeps what the universal one drops (Atom
// link relations and category schemes, author URIs, JSON Feed's text
// content).
type document struct {
	feed    *gofeed.Feed
	entries []*entry
	// base is the URL the document came from, against which relative
	// links resolve; nil for a file.
	base *url.URL
}

// entry is one item of a document.
type entry struct {
	item *gofeed.Item
	atom *atom.Entry    // Atom feeds only
	json *jsonfeed.Item // JSON feeds only
	rss  *rss.Item      // RSS feeds only
}

// prologSize is how much of a document is searched for its XML declaration
// and DOCTYPE. gofeed looks no further for the root element either.
const prologSize = 8 << 10

// ErrEntities is the error for a document that declares entities.
var ErrEntities = errors.New("document declares entities in its DOCTYPE (refused: entity expansion)")

// parse reads a feed document from r. contentType is the response's
// Content-Type, if any, and base where the document came from, if known.
//
// Before gofeed sees the document, parse decodes it to UTF-8 (see
// decode), so that the document's own encoding is never applied twice
// and invalid UTF-8 becomes U+FFFD instead of failing the parse; and it
// refuses a DOCTYPE that declares entities. encoding/xml, under gofeed,
// expands no entity declared in a document (non-strict mode leaves
// "&name;" as text), so an entity bomb could not blow up in any case; but
// a feed that needs its entities would come out garbled, and refusing it
// says so.
func parse(r io.Reader, contentType string, base *url.URL) (*document, error) {
	dec, err := decode(r, contentType)
	if err != nil {
		return nil, err
	}
	fp := gofeed.NewParser()
	fp.KeepOriginalFeed = true
	f, err := fp.Parse(dec)
	if err != nil {
		return nil, err
	}
	d := &document{feed: f, base: base}
	d.entries = make([]*entry, len(f.Items))
	for i, it := range f.Items {
		d.entries[i] = &entry{item: it}
	}
	// The translators make one item per entry, in order.
	switch orig := f.OriginalFeed().(type) {
	case *atom.Feed:
		if len(orig.Entries) == len(d.entries) {
			for i, e := range orig.Entries {
				d.entries[i].atom = e
			}
		}
	case *rss.Feed:
		if len(orig.Items) == len(d.entries) {
			for i, e := range orig.Items {
				d.entries[i].rss = e
			}
		}
	case *jsonfeed.Feed:
		if len(orig.Items) == len(d.entries) {
			for i, e := range orig.Items {
				d.entries[i].json = e
			}
		}
	}
	d.dropRepeatedIDs()
	return d, nil
}

// dropRepeatedIDs keeps the first entry of each upstream id (feeds list
// the newest first). Stored under one id, each entry of a repeated id
// would overwrite the one before, and every poll of an unchanged
// document would write twice and change the feeds.
func (d *document) dropRepeatedIDs() {
	seen := make(map[string]bool, len(d.entries))
	kept := d.entries[:0]
	for _, e := range d.entries {
		if id := d.upstreamID(e, d.link(e)); !seen[id] {
			seen[id] = true
			kept = append(kept, e)
		}
	}
	clear(d.entries[len(kept):])
	d.entries = kept
}

var (
	xmlDeclRe = regexp.MustCompile(`^<\?xml\s[^>]*?\?>`)
	encAttrRe = regexp.MustCompile(`\sencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']`)
	bomUTF8   = []byte{0xef, 0xbb, 0xbf}
)

// decode returns the document in r as UTF-8 without an XML declaration,
// having checked its prolog (see checkProlog). The encoding is the one a
// byte order mark gives, else the XML declaration's, else the charset of
// the Content-Type, else UTF-8: the declaration travels with the bytes (it
// is there in a file imported, and an upstream may send a wrong server-wide
// default charset). An unknown encoding is read as UTF-8. Bytes that are
// not valid in the encoding become U+FFFD, which the mapping drops.
//
// The declaration goes because encoding/xml would apply its encoding again
// to the decoded text.
func decode(r io.Reader, contentType string) (io.Reader, error) {
	raw := bufio.NewReaderSize(r, prologSize)
	head, err := raw.Peek(prologSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	label := "utf-8"
	switch {
	case bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		label = "utf-16be"
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}):
		label = "utf-16le"
	case bytes.HasPrefix(head, bomUTF8):
	default:
		if m := encAttrRe.FindSubmatch(xmlDecl(head)); m != nil {
			label = string(m[1])
		} else if _, params, err := mime.ParseMediaType(contentType); err == nil && params["charset"] != "" {
			label = params["charset"]
		}
	}
	if e, _ := charset.Lookup(label); e == nil {
		label = "utf-8"
	}
	conv, err := charset.NewReaderLabel(label, raw)
	if err != nil {
		return nil, fmt.Errorf("charset %q: %w", label, err)
	}

	out := bufio.NewReaderSize(conv, prologSize)
	head, err = out.Peek(prologSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	skip := 0
	if bytes.HasPrefix(head, bomUTF8) { // U+FEFF, from any of the encodings
		skip = len(bomUTF8)
	}
	if d := xmlDecl(head[skip:]); d != nil {
		skip += len(d)
	}
	if rest := bytes.TrimLeft(head[skip:], " \t\r\n"); len(rest) > 0 && rest[0] == '<' {
		if err := checkProlog(rest); err != nil {
			return nil, err
		}
	}
	out.Discard(skip)
	return out, nil
}

// xmlDecl returns the XML declaration that b starts with, after white
// space, or nil.
func xmlDecl(b []byte) []byte {
	t := bytes.TrimLeft(b, " \t\r\n")
	if loc := xmlDeclRe.FindIndex(t); loc != nil {
		return b[:len(b)-len(t)+loc[1]]
	}
	return nil
}

// checkProlog scans the start of a document up to its root element,
// skipping comments and processing instructions, and fails with
// ErrEntities when a DOCTYPE's internal subset declares entities. A prolog
// that does not end within head is refused too, as gofeed would not find
// the root element.
func checkProlog(head []byte) error {
	s := head
	for {
		i := bytes.IndexByte(s, '<')
		if i < 0 {
			return nil // not XML (JSON), or no element at all
		}
		s = s[i:]
		switch {
		case bytes.HasPrefix(s, []byte("<!--")):
			end := bytes.Index(s, []byte("-->"))
			if end < 0 {
				return errLongProlog
			}
			s = s[end+3:]
		case bytes.HasPrefix(s, []byte("<?")):
			end := bytes.Index(s, []byte("?>"))
			if end < 0 {
				return errLongProlog
			}
			s = s[end+2:]
		case bytes.HasPrefix(s, []byte("<!")):
			// A DOCTYPE: its internal subset, if any, is in brackets.
			open, end := bytes.IndexByte(s, '['), bytes.IndexByte(s, '>')
			if end < 0 {
				return errLongProlog
			}
			if open >= 0 && open < end {
				close := bytes.Index(s[open:], []byte("]"))
				if close < 0 {
					if bytes.Contains(s, []byte("<!ENTITY")) {
						return ErrEntities
					}
					return errLongProlog
				}
				if bytes.Contains(s[open:open+close], []byte("<!ENTITY")) {
					return ErrEntities
				}
				s = s[open+close:]
				end = bytes.IndexByte(s, '>')
				if end < 0 {
					return errLongProlog
				}
			}
			s = s[end+1:]
		default:
			return nil // the root element
		}
	}
}

var errLongProlog = fmt.Errorf("no root element: the document ends (truncated?), or its prolog runs past %d bytes, before one", prologSize)
