package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/feedd/feedd/feed"
)

// feedHandler serves one site feed, registered under its literal path.
func (s *Server) feedHandler(ref feed.Ref, f feed.Format) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.serveFeed(w, r, ref, f)
	}
}

// handleThreadFeed serves /feeds/posts/{post}/comments.<ext>.
func (s *Server) handleThreadFeed(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("post")
	ext, ok := strings.CutPrefix(r.PathValue("file"), "comments.")
	f, okf := feed.ParseFormat(ext)
	if !ok || !okf || !feed.ValidID(id) {
		s.feedNotFound(w)
		return
	}
	s.serveFeed(w, r, feed.ThreadFeed(id), f)
}

// serveFeed answers GET and HEAD for a feed from the cache: the entry's
// validators decide 304s, so a revalidation of a cached feed makes no store
// call. The gzip variant is the entry's precomputed bytes.
//
// An Atom or RSS feed asked for by a browser navigation (see prefersHTML)
// is sent as application/xml: Chromium shows application/atom+xml and
// application/rss+xml as plain text, but renders XML, applying the XSLT
// stylesheet the feed names, so that a reader who opens a feed link sees a
// page that explains it. The bytes are the same; the ETags get
// xmlETagSuffix, as a representation with another media type needs
// validators of its own, and the answers vary on Accept.
func (s *Server) serveFeed(w http.ResponseWriter, r *http.Request, ref feed.Ref, f feed.Format) {
	h := w.Header()
	// Every answer for a feed URL may depend on Accept-Encoding (and
	// Accept for XML feeds), including the error ones, which a cache
	// might otherwise reuse.
	asXML := false
	if f == feed.JSON {
		h.Set("Vary", "Accept-Encoding")
	} else {
		h.Set("Vary", "Accept, Accept-Encoding")
		asXML = prefersHTML(r.Header.Values("Accept"))
	}

	e, err := s.cache.Get(r.Context(), ref, f)
	if err != nil {
		switch feed.ErrorCode(err) {
		case feed.ENOTFOUND:
			s.feedNotFound(w)
			return
		case feed.EGONE:
			s.feedGone(w)
			return
		}
		if r.Context().Err() != nil {
			// The client went away; nobody reads the answer.
			markRoutine(w)
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		// The cache logged the failure, once for all requests waiting on it.
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}

	gz := acceptsGzip(r.Header.Values("Accept-Encoding"))
	var tags [2]string
	etags := tags[:1]
	body := e.Body
	if gz {
		tags[0], tags[1] = e.GzipETag, e.ETag
		etags = tags[:2]
		body = e.Gzip
	} else {
		tags[0] = e.ETag
	}
	contentType := e.ContentType
	if asXML {
		for i := range etags {
			etags[i] = xmlETag(etags[i])
		}
		contentType = xmlContentType
	}

	status, tag := checkConditions(r, etags, e.LastModified, time.Now())
	h.Set("ETag", tag)
	h.Set("Cache-Control", s.cacheControl)
	switch status {
	case condNotModified:
		// RFC 9110 §15.4.5: the validators and caching fields only; with an
		// ETag present, Last-Modified adds nothing.
		w.WriteHeader(http.StatusNotModified)
		return
	case condFailed:
		w.WriteHeader(http.StatusPreconditionFailed)
		return
	}

	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	if !e.LastModified.IsZero() {
		h.Set("Last-Modified", e.LastModified.UTC().Format(http.TimeFormat))
	}
	if gz {
		h.Set("Content-Encoding", "gzip")
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	// A write error means the client is gone; the logger sees the count.
	_, _ = w.Write(body)
}

// feedNotFound answers a feed URL that names no feed: an unknown post or
// format.
func (s *Server) feedNotFound(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-cache")
	http.Error(w, "404 page not found", http.StatusNotFound)
}

// feedGone answers the thread feed of a deleted post: 410 tells readers to
// stop polling it. Like a 404 it may be revalidated, as a post is deleted
// for good but the answer should not outlive a mistake by long.
func (s *Server) feedGone(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-cache")
	http.Error(w, "410 gone: the post was deleted", http.StatusGone)
}

// acceptsGzip reports whether Accept-Encoding field lines accept the gzip
// coding (RFC 9110 §12.5.3): "gzip" or its alias "x-gzip" with a non-zero
// weight or, when neither is listed, "*" with a non-zero weight. An explicit
// q=0 refuses gzip even when "*" is acceptable.
func acceptsGzip(lines []string) bool {
	star := false
	for _, line := range lines {
		for line != "" {
			var item string
			item, line, _ = strings.Cut(line, ",")
			coding, params, _ := strings.Cut(item, ";")
			coding = strings.TrimSpace(coding)
			isGzip := strings.EqualFold(coding, "gzip") || strings.EqualFold(coding, "x-gzip")
			if !isGzip && coding != "*" {
				continue
			}
			ok := qNonZero(params)
			if isGzip {
				return ok
			}
			star = ok
		}
	}
	return star
}

// qNonZero reports whether the parameters of an Accept-Encoding item give it
// a weight above zero. A missing or malformed weight counts as 1.
func qNonZero(params string) bool { return weight(params) > 0 }

// weight returns the weight (q) of an Accept or Accept-Encoding item from
// its parameters; a missing or malformed one counts as 1.
func weight(params string) float64 {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		name, val, _ := strings.Cut(p, "=")
		if !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil {
			return 1
		}
		return q
	}
	return 1
}
