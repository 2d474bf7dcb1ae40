package cache

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
)

// Entry is one rendered feed document with everything needed to answer a
// request for it without touching the store. Entries are shared between
// requests and never modified after they are made.
type Entry struct {
	Body         []byte    // the document
	Gzip         []byte    // Body gzipped at gzip.BestCompression
	ETag         string    // strong, quoted validator of Body: "<hash>"
	GzipETag     string    // strong, quoted validator of Gzip: "<hash>-gzip"
	LastModified time.Time // the feed's last change, as the renderer reports it
	// LastModifiedHTTP is LastModified as an HTTP-date, the Last-Modified
	// field of every answer for the entry, 304s included, made once here
	// rather than per request; "" when LastModified is zero.
	LastModifiedHTTP string
	ContentType      string // media type with charset: render.ContentType, or HTML for a page (see Page)
	// Fields are the entry's header field values, made with it.
	Fields Fields
}

// Fields are the values of the header fields that answers for an Entry
// carry, made once when it is rendered so that a request assigns them
// into its header map as they are: no formatting, no canonicalization of
// the name, no allocation. Each is a slice whose length is its capacity,
// so that a later Add of the same field in one answer's header copies it
// rather than writing into the shared array; none may be modified.
type Fields struct {
	ETag, GzipETag                   []string // ETag of Body, of Gzip
	ContentLength, GzipContentLength []string // Content-Length of Body, of Gzip
	LastModified                     []string // Last-Modified; nil when LastModified is zero
	ContentType                      []string
	// Link are the Link fields of WebSub discovery (W3C WebSub §4) that
	// the document names in its own links: one rel="hub" per hub of the
	// renderer, then rel="self" with the document's URL; a thread's also
	// the Webmention endpoint (rel="webmention"), when it has one.
	Link []string
}

// one returns v as a header value, its length its capacity.
func one(v string) []string { return []string{v}[:1:1] }

// etagLen is the number of base64url characters of the SHA-256 of the body
// kept in an ETag: 132 bits, plenty to tell versions of one feed apart.
const etagLen = 22

// GzipETagSuffix marks the ETag of the gzip-encoded variant. A different
// content coding is a different representation and needs its own strong
// validator (RFC 9110 §8.8.3); the suffix lets both be traced to one body.
const GzipETagSuffix = "-gzip"

// newEntry returns the Entry of body, document k.
func (c *Cache) newEntry(k key, body []byte, mod time.Time) *Entry {
	return c.newEntryOf(k, body, mod, render.ContentType(k.format))
}

// newEntryOf returns the Entry of body, a representation of document k of
// media type contentType.
func (c *Cache) newEntryOf(k key, body []byte, mod time.Time, contentType string) *Entry {
	// The body and its gzip copy in one allocation of their size: one
	// object to free when the entry goes (see budget.go), and none of
	// the renderer's or the compressor's spare capacity kept.
	gz := gzipBuffers.Get().(*bytes.Buffer)
	gzipInto(gz, body)
	mem := make([]byte, len(body)+gz.Len())
	copy(mem, body)
	copy(mem[len(body):], gz.Bytes())
	if gz.Cap() <= 1<<20 {
		gzipBuffers.Put(gz)
	}
	body = mem[:len(body):len(body)]
	var lm string
	if !mod.IsZero() {
		lm = mod.UTC().Format(http.TimeFormat)
	}
	sum := sha256.Sum256(body)
	tag := base64.RawURLEncoding.EncodeToString(sum[:])[:etagLen]
	e := &Entry{
		Body:             body,
		Gzip:             mem[len(body):],
		ETag:             `"` + tag + `"`,
		GzipETag:         `"` + tag + GzipETagSuffix + `"`,
		LastModified:     mod,
		LastModifiedHTTP: lm,
		ContentType:      contentType,
	}
	hubs := c.r.Hubs()
	link := make([]string, 0, len(hubs)+1)
	for _, h := range hubs {
		link = append(link, "<"+h+`>; rel="hub"`)
	}
	link = append(link, "<"+c.r.ViewURL(k.ref, k.view, k.format)+`>; rel="self"`)
	if wm := c.r.WebmentionEndpoint(); wm != "" && k.ref.Kind == feed.KindThread {
		// A thread's documents, and their pages, name where mentions
		// of its post go (W3C Webmention §3.1.2).
		link = append(link, "<"+wm+`>; rel="webmention"`)
	}
	e.Fields = Fields{
		ETag:              one(e.ETag),
		GzipETag:          one(e.GzipETag),
		ContentLength:     one(strconv.Itoa(len(e.Body))),
		GzipContentLength: one(strconv.Itoa(len(e.Gzip))),
		ContentType:       one(contentType),
		Link:              link[:len(link):len(link)],
	}
	if lm != "" {
		e.Fields.LastModified = one(lm)
	}
	return e
}

// fieldBytes estimates the memory held by e's Fields beyond the strings
// counted with the entry (ETag, Last-Modified, Content-Type).
func (e *Entry) fieldBytes() int {
	n := 7 * 40 // the slices' arrays and headers
	for _, l := range e.Fields.Link {
		n += len(l) + 16
	}
	return n + len(e.Fields.ContentLength[0]) + len(e.Fields.GzipContentLength[0])
}

// gzipWriters reuses BestCompression writers, which allocate about a
// megabyte of state each, and gzipBuffers the buffers they write to.
var (
	gzipWriters = sync.Pool{New: func() any {
		w, _ := gzip.NewWriterLevel(nil, gzip.BestCompression) // level is valid
		return w
	}}
	gzipBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}
)

// gzipInto writes b gzipped to buf, emptied first.
func gzipInto(buf *bytes.Buffer, b []byte) {
	buf.Reset()
	w := gzipWriters.Get().(*gzip.Writer)
	w.Reset(buf)
	// Writes to a bytes.Buffer cannot fail.
	_, _ = w.Write(b)
	_ = w.Close()
	gzipWriters.Put(w)
}
