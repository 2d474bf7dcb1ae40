package poll_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
	"github.com/feedd/feedd/feed/content/contenttest"
	"github.com/feedd/feedd/poll"
	"github.com/feedd/feedd/store"
)

// docTransport answers every request with the document it holds: the
// source's feed and every comment feed its entries link to, wherever they
// point.
type docTransport struct {
	doc atomic.Pointer[upstreamDoc]
}

type upstreamDoc struct {
	body        []byte
	contentType string
}

func (d *docTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	doc := d.doc.Load()
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{"Content-Type": {doc.contentType}},
		Body:    io.NopCloser(bytes.NewReader(doc.body)),
		Request: req, ContentLength: int64(len(doc.body)),
	}, nil
}

// fuzzContentTypes are the Content-Types an upstream document comes as.
var fuzzContentTypes = []string{"application/atom+xml", "application/rss+xml", "application/feed+json",
	"text/xml; charset=iso-8859-1", "application/json", "text/html", ""}

// mirrored is what the store holds of the posts a poll touched and their
// comments, as compared across polls.
type mirrored struct {
	Posts    map[string]*feed.Post
	Comments map[string][]*feed.Comment
}

// FuzzUpstreamDocument polls a source whose feed, and every comment feed
// its entries name, is the fuzzed document, into a SQLite store, twice at
// the same time. Polling must not panic; the content of
// every post and comment stored, sanitized as readers get it
// (content.PostHTML, content.CommentHTML), must pass
// content.CheckHarmless, and titles, names and author URIs must be as
// content.Line leaves them (one clean line); and the second poll of the
// same document must change nothing: no change-log record, the same rows.
// The seeds are the Blogger documents of testdata, a sample of the XSS
// corpus as Atom entries, and small RSS, JSON Feed and Atom documents
// (one with an id repeated, which every poll wrote twice).
func FuzzUpstreamDocument(f *testing.F) {
	for _, name := range []string{"testdata/blogger-takeout.atom", "testdata/blogger-export.xml"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(0))
	}
	corpus := contenttest.XSSCorpus(f)
	for i := 0; i < len(corpus.Cases); i += 8 {
		c := corpus.Cases[i]
		f.Add([]byte(atomFeed("XSS "+c.Name, atomEntry{
			ID: "tag:x," + c.Name, Title: c.Input, Link: "https://upstream.example/p/" + c.Name,
			Content: c.Input, Author: c.Input, AuthorURI: c.Input, Published: "2026-05-01T10:00:00Z",
			Extra: `<link rel="replies" type="application/atom+xml" href="https://upstream.example/c/` + c.Name + `.atom" thr:count="1"/>`,
		})), uint8(i))
	}
	f.Add([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>R</title><link>https://upstream.example/</link>
<item><title>One &amp; two</title><link>/p/1</link><guid>1</guid><description>&lt;p onclick="x()"&gt;Hi&lt;/p&gt;</description><pubDate>Fri, 01 May 2026 10:00:00 GMT</pubDate><category>a</category><category>a</category></item>
<item><title>One &amp; two</title><link>/p/1</link><guid>1</guid><description>duplicate id</description></item>
</channel></rss>`), uint8(1))
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{"id":"1","content_text":"a <script>x</script> b","date_published":"2026-05-01T10:00:00Z"},{"id":"2","content_html":"<img src=x onerror=alert(1)>","authors":[{"name":"\u202eevil","url":"javascript:alert(1)"}]}]}`), uint8(2))
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><b>x</b></div></title><content type="text">a &lt; b</content></entry></feed>`), uint8(0))

	// One store for the inputs of a worker, each polled as a source of
	// its own: the rows an input's polls wrote are those the change log
	// names after the position it started at.
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	upstream := &docTransport{}
	e := newEnvAsIs(f, poll.Options{Now: func() time.Time { return now }, Transport: upstream})
	var sources atomic.Int64
	f.Fuzz(func(t *testing.T, doc []byte, ct uint8) {
		upstream.doc.Store(&upstreamDoc{doc, fuzzContentTypes[int(ct)%len(fuzzContentTypes)]})
		ctx := context.Background()
		src := poll.Source{Name: fmt.Sprintf("s%d", sources.Add(1)), URL: "https://upstream.example/feed", Comments: true}
		start := e.lastChange(t)

		e.p.Poll(ctx, src) // a document refused is an error recorded, no failure
		first := snapshot(t, e, start)
		// Content is sanitized as every reader gets it: through
		// content.PostHTML and CommentHTML, which the feeds and pages
		// render it with.
		for id, p := range first.Posts {
			checkStoredText(t, "post "+id, p.Title, p.AuthorName, p.AuthorURI)
			if h := content.PostHTML(p); content.CheckHarmless(h) != nil {
				t.Errorf("post %s: content %q sanitized as %q: %v", id, p.Content, h, content.CheckHarmless(h))
			}
			for _, c := range first.Comments[id] {
				checkStoredText(t, "comment "+c.ID, c.AuthorName, c.AuthorURI)
				if h := content.CommentHTML(c); content.CheckHarmless(h) != nil {
					t.Errorf("comment %s: content %q sanitized as %q: %v", c.ID, c.Content, h, content.CheckHarmless(h))
				}
			}
		}

		seq := e.lastChange(t)
		e.p.Poll(ctx, src)
		if after := e.lastChange(t); after != seq {
			recs, _ := e.st.Changes(ctx, seq, 100)
			var what []string
			for _, r := range recs {
				b, _ := json.Marshal(r.Change)
				what = append(what, string(b))
			}
			t.Errorf("polling the same document again logged %d changes: %s", after-seq, what)
		}
		if second := snapshot(t, e, start); !reflect.DeepEqual(first, second) {
			a, _ := json.Marshal(first)
			b, _ := json.Marshal(second)
			t.Errorf("polling the same document again changed the store:\n%s\n%s", a, b)
		}
	})
}

// snapshot reads the posts the change log names after seq, and their
// comments.
func snapshot(t *testing.T, e *env, seq int64) mirrored {
	t.Helper()
	ctx := context.Background()
	recs, err := e.st.Changes(ctx, seq, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	m := mirrored{Posts: map[string]*feed.Post{}, Comments: map[string][]*feed.Comment{}}
	for _, r := range recs {
		id := ""
		switch {
		case r.Change.Post != nil:
			id = r.Change.Post.ID
		case r.Change.Comment != nil:
			id = r.Change.Comment.PostID
		}
		if _, seen := m.Posts[id]; seen || id == "" {
			continue
		}
		p, err := e.st.Post(ctx, id)
		if err != nil {
			t.Fatalf("post %s, in the change log: %v", id, err)
		}
		m.Posts[id] = p
		cs, err := e.st.Comments(ctx, store.CommentFilter{PostID: id})
		if err != nil {
			t.Fatal(err)
		}
		m.Comments[id] = cs
	}
	return m
}

// checkStoredText checks one-line text fields as stored: as content.Line
// leaves them.
func checkStoredText(t *testing.T, what string, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if s != content.Line(s) {
			t.Errorf("%s: text %q is not one clean line (content.Line gives %q)", what, s, content.Line(s))
		}
	}
}
