package poll

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/feedd/feedd/feed"
)

// importFormat is the kind of document Import was given.
type importFormat int

const (
	formatFeed   importFormat = iota // a feed or a Blogger export: gofeed parses it
	formatWXR                        // a WordPress export
	formatDisqus                     // a Disqus export
)

// Namespaces that tell the exports apart.
const (
	wxrNSPrefix = "http://wordpress.org/export/" // then 1.0/, 1.1/ or 1.2/
	disqusNS    = "http://disqus.com"
	// disqusInternalsNS is the namespace of the dsq:id attributes.
	disqusInternalsNS = "http://disqus.com/disqus-internals"
)

// acceptedFormats names what Import takes, for the error about a document
// that is none of them.
const acceptedFormats = "Atom, RSS, RSS 1.0 (RDF) or JSON Feed, a Blogger export, a WordPress export (WXR) or a Disqus export"

// sniff tells the format of a document from its start, head, which decode
// left as UTF-8 without an XML declaration: the root element and the
// namespaces it declares. JSON, and a start that encoding/xml cannot read
// to its root element, go to gofeed, which reports its own errors; an
// empty document, a whole document (whole) that ends before its root
// element, and an unknown root element fail here.
func sniff(head []byte, whole bool) (importFormat, error) {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(head, bomUTF8), " \t\r\n")
	if len(trimmed) == 0 {
		return 0, feed.Errorf(feed.EINVALID, "empty document: import takes %s", acceptedFormats)
	}
	if trimmed[0] != '<' {
		return formatFeed, nil // JSON Feed, or not a feed at all: gofeed says which
	}
	d := xml.NewDecoder(bytes.NewReader(head))
	d.Strict = false // only the root's start tag matters here
	for {
		tok, err := d.RawToken()
		if err != nil {
			if whole && (errors.Is(err, io.EOF) || strings.Contains(err.Error(), "unexpected EOF")) {
				line, _ := d.InputPos()
				return 0, feed.Errorf(feed.EINVALID, "line %d: the document ends before its root element (truncated?): import takes %s", line, acceptedFormats)
			}
			return formatFeed, nil
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		line, _ := d.InputPos()
		switch strings.ToLower(se.Name.Local) {
		case "rss":
			for _, a := range se.Attr {
				if (a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns")) && strings.HasPrefix(a.Value, wxrNSPrefix) {
					return formatWXR, nil
				}
			}
			return formatFeed, nil
		case "feed", "rdf":
			return formatFeed, nil
		case "disqus":
			ns := ""
			for _, a := range se.Attr {
				if a.Name.Space == "" && a.Name.Local == "xmlns" {
					ns = a.Value
				}
			}
			if se.Name.Local == "disqus" && strings.TrimRight(ns, "/") == disqusNS {
				return formatDisqus, nil
			}
		}
		name := se.Name.Local
		if se.Name.Space != "" {
			name = se.Name.Space + ":" + name
		}
		return 0, feed.Errorf(feed.EINVALID, "line %d: root element <%s> is not a format import takes: %s (a Disqus export's root is <disqus xmlns=%q>)",
			line, name, acceptedFormats, disqusNS)
	}
}

// newImportDecoder returns a strict encoding/xml decoder over r (UTF-8,
// as decode leaves it) that knows HTML's named entities, which exports
// carry in their text, and reads past the C0 control characters that XML
// forbids and old exports hold.
func newImportDecoder(r io.Reader) *xml.Decoder {
	d := xml.NewDecoder(&controlFilter{r: r})
	d.Strict = true
	d.Entity = xml.HTMLEntity
	return d
}

// controlFilter drops the bytes of C0 control characters but tab, line
// feed and carriage return, which XML 1.0 forbids even escaped and
// encoding/xml refuses: databases exported by WordPress hold them (a form
// feed pasted from a word processor) and nothing is lost by dropping them,
// as feed.Comment.Validate would refuse them anyway. In UTF-8 these bytes
// are never part of another character, so the filter works on bytes.
type controlFilter struct{ r io.Reader }

func (f *controlFilter) Read(p []byte) (int, error) {
	for {
		n, err := f.r.Read(p)
		k := 0
		for _, b := range p[:n] {
			if b < 0x20 && b != '\t' && b != '\n' && b != '\r' {
				continue
			}
			p[k] = b
			k++
		}
		if k > 0 || err != nil || n == 0 {
			return k, err
		}
	}
}

// formatError returns err, from reading an export of the format named,
// as an EINVALID error naming the format and the line when it is the
// document's fault (an XML syntax error, or one of ours carrying a line).
func formatError(format string, err error) error {
	var se *xml.SyntaxError
	switch {
	case errors.As(err, &se):
		msg := se.Msg
		if msg == "unexpected EOF" {
			msg = "unexpected end of file (truncated?)"
		}
		return feed.Errorf(feed.EINVALID, "%s: line %d: %s", format, se.Line, msg)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return feed.Errorf(feed.EINVALID, "%s: unexpected end of file (truncated?)", format)
	case feed.ErrorCode(err) == feed.EINVALID:
		return feed.Errorf(feed.EINVALID, "%s: %s", format, feed.ErrorMessage(err))
	}
	return fmt.Errorf("%s: %w", format, err)
}

// docError is a fault of an export found at a line (not an XML syntax
// error: a reference to nothing, a missing element).
func docError(line int, format string, args ...any) error {
	return feed.Errorf(feed.EINVALID, "line %d: %s", line, fmt.Sprintf(format, args...))
}

// saneTime returns t in UTC to the second, or zero when it is before 1970
// or more than futureSkew ahead of now: the rule of entry.dates.
func saneTime(t time.Time, now time.Time) time.Time {
	if t.IsZero() || t.Year() < 1970 || t.After(now.Add(futureSkew)) {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Second)
}

// normalizeLink returns a URL in the form Import compares posts' links in:
// scheme and host in lower case without a default port, no fragment, no
// trailing slash on the path, so that http://Example.org/a/#c and
// http://example.org/a compare equal. "" when it is no absolute http(s)
// URL.
func normalizeLink(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" {
		return ""
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return ""
	}
	u.Host = strings.ToLower(u.Host)
	switch port := u.Port(); {
	case u.Scheme == "http" && port == "80", u.Scheme == "https" && port == "443":
		u.Host = strings.TrimSuffix(u.Host, ":"+port)
	}
	u.Fragment, u.RawFragment = "", ""
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	u.User = nil
	return u.String()
}

// commentLink returns the permalink of comment id on the page link, as
// WordPress and Disqus spell it: the page's URL with the fragment
// comment-ID in place of any it had; "" without a page.
func commentLink(link, id string) string {
	u, err := url.Parse(link)
	if link == "" || err != nil {
		return ""
	}
	u.Fragment, u.RawFragment = "comment-"+id, ""
	if s := u.String(); len(s) <= feed.MaxURILen {
		return s
	}
	return ""
}
