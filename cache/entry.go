package cache

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
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
}

// etagLen is the number of base64url characters of the SHA-256 of the body
// kept in an ETag: 132 bits, plenty to tell versions of one feed apart.
const etagLen = 22

// GzipETagSuffix marks the ETag of the gzip-encoded variant. A different
// content coding is a different representation and needs its own strong
// validator (RFC 9110 §8.8.3); the suffix lets both be traced to one body.
const GzipETagSuffix = "-gzip"

func newEntry(body []byte, mod time.Time, f feed.Format) *Entry {
	return newEntryOf(body, mod, render.ContentType(f))
}

// newEntryOf returns the Entry of body, a document of media type
// contentType.
func newEntryOf(body []byte, mod time.Time, contentType string) *Entry {
	var lm string
	if !mod.IsZero() {
		lm = mod.UTC().Format(http.TimeFormat)
	}
	sum := sha256.Sum256(body)
	tag := base64.RawURLEncoding.EncodeToString(sum[:])[:etagLen]
	return &Entry{
		Body:             body,
		Gzip:             gzipBytes(body),
		ETag:             `"` + tag + `"`,
		GzipETag:         `"` + tag + GzipETagSuffix + `"`,
		LastModified:     mod,
		LastModifiedHTTP: lm,
		ContentType:      contentType,
	}
}

// gzipWriters reuses BestCompression writers, which allocate about a
// megabyte of state each.
var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestCompression) // level is valid
	return w
}}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/4 + 64)
	w := gzipWriters.Get().(*gzip.Writer)
	w.Reset(&buf)
	// Writes to a bytes.Buffer cannot fail.
	_, _ = w.Write(b)
	_ = w.Close()
	gzipWriters.Put(w)
	return buf.Bytes()
}
