package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
)

// handleFeeds serves every feed URL: the catalogue (feed.ParsePath) says
// which feed, document and format the path names and how the query adds
// to them, so that the routes are written down once, in package feed.
func (s *Server) handleFeeds(w http.ResponseWriter, r *http.Request) {
	p := r.URL.EscapedPath()
	t, ok := feed.ParsePath(p)
	r.Pattern = routeLabel(p, t, ok)
	if !ok {
		s.feedNotFound(w)
		return
	}
	switch t.Query {
	case feed.NoQuery:
		s.serveFeed(w, r, t.Ref, t.View, t.Format)
	case feed.PeriodQuery:
		s.serveDigestQuery(w, r, t.Format)
	case feed.BloggerQuery:
		s.serveBlogger(w, r, t.Ref, t.View)
	default:
		s.serveFeedQuery(w, r, t.Ref, t.Format, t.View)
	}
}

// routeLabel returns the route a feed request is counted and logged under
// (feedd_http_requests_total{route}, the access log's route): the
// pattern each feed URL had when every feed had a route of its own, so
// that the series dashboards know keep their names. The labels are few
// whatever the path: one per feed route and format, and for a path
// that names no feed "GET /feeds/{seg1}/{seg2}/{seg3}" when it has three
// segments below /feeds/ (where thread feeds are) and "" (unmatched)
// otherwise. They are made once (routeLabels): a request allocates none.
func routeLabel(path string, t feed.Target, ok bool) string {
	const segs3 = "GET /feeds/{seg1}/{seg2}/{seg3}"
	switch {
	case !ok:
		if strings.Count(strings.TrimPrefix(path, "/feeds/"), "/") == 2 {
			return segs3
		}
		return ""
	case t.Ref.Kind == feed.KindThread && t.View.Archive == 0:
		return segs3
	case t.Query == feed.BloggerQuery && t.View.Summary:
		return "GET /feeds/posts/summary"
	case t.Query == feed.BloggerQuery && t.View.Category != "":
		return "GET /feeds/posts/default/-/{label}"
	}
	return routeLabels[labelKey{t.Ref.Kind, t.Format, t.Query, t.View.Archive > 0}]
}

// labelKey names a label of routeLabels.
type labelKey struct {
	kind    feed.Kind
	format  feed.Format // of a head's own URL; "" for the others
	query   feed.Query
	archive bool
}

// routeLabels holds the labels of routeLabel, for every kind and format
// of the catalogue.
var routeLabels = func() map[labelKey]string {
	m := make(map[labelKey]string)
	for _, k := range feed.Kinds {
		kind := string(k.Kind)
		m[labelKey{k.Kind, "", feed.BloggerQuery, false}] = "GET /feeds/" + kind + "/default"
		m[labelKey{k.Kind, "", feed.NoQuery, true}] = "GET /feeds/" + kind + "/archive/{file}"
		for _, f := range k.Formats {
			m[labelKey{k.Kind, f, feed.ViewQuery, false}] = "GET /feeds/" + kind + "." + string(f)
			m[labelKey{k.Kind, f, feed.PeriodQuery, false}] = "GET /feeds/" + kind + "." + string(f)
			m[labelKey{k.Kind, f, feed.NoQuery, false}] = "GET /feeds/" + kind + "/{file}"
			m[labelKey{k.Kind, f, feed.NoQuery, true}] = "GET /feeds/" + kind + "/archive/{file}"
		}
	}
	for _, f := range feed.Formats {
		m[labelKey{feed.KindThread, f, feed.NoQuery, true}] = "GET /feeds/posts/{post}/comments/archive/{file}"
	}
	return m
}()

// serveFeedQuery serves the document of ref that the request's query asks
// for, on top of base (a path's own selection, such as Blogger's
// /feeds/posts/summary or a label path).
func (s *Server) serveFeedQuery(w http.ResponseWriter, r *http.Request, ref feed.Ref, f feed.Format, base feed.View) {
	q, err := feedQuery(r)
	if err != nil {
		s.feedBadRequest(w, err)
		return
	}
	s.serveView(w, r, q, ref, f, base)
}

// serveView serves the document of ref that query q asks for, on top of
// base.
func (s *Server) serveView(w http.ResponseWriter, r *http.Request, q url.Values, ref feed.Ref, f feed.Format, base feed.View) {
	v, err := parseView(q, ref)
	if err != nil {
		s.feedBadRequest(w, err)
		return
	}
	if base.Category != "" {
		if v.Category != "" && v.Category != base.Category {
			s.feedBadRequest(w, badParam("category", "the path names the label %q already", base.Category))
			return
		}
		v.Category = base.Category
	}
	v.Summary = v.Summary || base.Summary
	s.serveFeed(w, r, ref, v, f)
}

// serveBlogger serves a Blogger path: the format comes from alt, the
// document from the query as on feedd's own URLs. The documents are the
// same as there, bytes and self links included.
func (s *Server) serveBlogger(w http.ResponseWriter, r *http.Request, ref feed.Ref, base feed.View) {
	q, err := feedQuery(r)
	if err != nil {
		s.feedBadRequest(w, err)
		return
	}
	f, err := parseAlt(q)
	if err != nil {
		s.feedBadRequest(w, err)
		return
	}
	s.serveView(w, r, q, ref, f, base)
}

// serveDigestQuery serves /feeds/digest.<ext>?period=daily|weekly.
func (s *Server) serveDigestQuery(w http.ResponseWriter, r *http.Request, f feed.Format) {
	q, err := feedQuery(r)
	if err != nil {
		s.feedBadRequest(w, err)
		return
	}
	period, err := parsePeriod(q)
	if err != nil {
		s.feedBadRequest(w, err)
		return
	}
	s.serveFeed(w, r, feed.DigestFeed(period), feed.View{}, f)
}

// serveFeed answers GET and HEAD for document v of a feed from the cache:
// the entry's validators decide 304s, so a revalidation of a cached feed
// makes no store call. The gzip variant is the entry's precomputed bytes.
//
// A feed's URL opened in a browser (a request that prefers text/html,
// see prefersHTML) answers the HTML page of the document (Cache.Page,
// written by the pages' FeedPages) when the pages are mounted: it says
// what a feed is, gives the address to copy and shows the entries, with
// no XSLT involved. The page is another representation of the URL, with
// its own ETag, so every answer varies on Accept; feed readers, which do
// not prefer text/html, get the feed's bytes as they are.
//
// With Config.Delta, a head document asked for with A-IM: feed by a
// client whose If-None-Match names an older version the cache remembers
// is answered 226 IM Used with the entries added or changed since (RFC
// 3229; see Cache.Delta), unless its User-Agent is excluded (see
// offersDelta); an unknown version gets the whole feed.
//
// A cached document's answer costs no store access, and nothing in
// proportion to its size but the one Write of its bytes: its header
// values were made with it (cache.Fields) and are assigned into the
// header map as they are, with the field names in canonical form (which
// Header.Set would check and copy each time); so are the values that
// depend on the server only (fieldVary, s.cacheControl).
func (s *Server) serveFeed(w http.ResponseWriter, r *http.Request, ref feed.Ref, v feed.View, f feed.Format) {
	h := w.Header()
	// Every answer for a feed URL may depend on Accept and
	// Accept-Encoding, including the error ones, which a cache might
	// otherwise reuse.
	h["Vary"] = fieldVary
	var pages FeedPages
	if prefersHTML(r.Header["Accept"]) {
		pages = s.feedPages()
	}

	var e, delta *cache.Entry
	var deltaBase string
	var err error
	if pages != nil {
		e, err = s.cache.Page(r.Context(), ref, v, f, pages)
	} else if inm := r.Header["If-None-Match"]; len(inm) > 0 && v == (feed.View{}) && s.offersDelta(r) {
		e, delta, deltaBase, err = s.cache.Delta(r.Context(), ref, f, entityTags(inm))
	} else {
		e, err = s.cache.GetView(r.Context(), ref, v, f)
	}
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

	gz := acceptsGzip(r.Header["Accept-Encoding"])
	var tags [2]string
	etags := tags[:1]
	body, length := e.Body, e.Fields.ContentLength
	if gz {
		tags[0], tags[1] = e.GzipETag, e.ETag
		etags = tags[:2]
		body, length = e.Gzip, e.Fields.GzipContentLength
	} else {
		tags[0] = e.ETag
	}

	now := time.Now()
	lastMod, lastModField := lastModified(e, now)
	status, tag := checkConditions(r, etags, lastMod, now)
	// A 304 carries what the 200 it stands for would (RFC 9110 §15.4.5):
	// the caching fields (Vary, set above, and Cache-Control), the ETag
	// (the one the client named, if any), and Last-Modified, which guides
	// the update of its copy: feed readers store the validators of every
	// answer, 304s included, and one that revalidates by
	// If-Modified-Since alone would lose its date. Nothing that describes
	// the body (Content-Type, -Length, -Encoding), which a 304 has none of
	// and which could differ from the copy it refreshes (identity, when
	// the client asks for gzip).
	if tag == e.GzipETag {
		h["Etag"] = e.Fields.GzipETag
	} else {
		h["Etag"] = e.Fields.ETag
	}
	h["Cache-Control"] = s.feedCacheControl(v)
	if lastModField != nil {
		h["Last-Modified"] = lastModField
	}
	switch status {
	case condNotModified:
		w.WriteHeader(http.StatusNotModified)
		return
	case condFailed:
		w.WriteHeader(http.StatusPreconditionFailed)
		return
	}

	code := http.StatusOK
	if delta != nil {
		// RFC 3229 §10.4.1: the ETag is the current instance's, which the
		// client's next request names, and so is Last-Modified (set
		// above): the client's copy merged with the delta is that
		// instance. Delta-Base names the copy the delta applies to, which
		// §10.5.1 asks for when If-None-Match named several. The body is
		// the delta, which no cache may store in place of the instance
		// (the im directive, §10.5.3, for caches that know deltas;
		// no-store for the rest), and which depends on A-IM, If-None-Match
		// and, with excluded agents, User-Agent. Date is net/http's.
		code = http.StatusIMUsed
		body, length = delta.Body, delta.Fields.ContentLength
		if gz {
			body, length = delta.Gzip, delta.Fields.GzipContentLength
		}
		h.Set("IM", "feed")
		h.Set("Delta-Base", deltaBase)
		h.Set("Cache-Control", "no-store, im")
		if len(s.deltaExcluded) > 0 {
			h.Add("Vary", "A-IM, If-None-Match, User-Agent")
		} else {
			h.Add("Vary", "A-IM, If-None-Match")
		}
	}
	h["Content-Type"] = e.Fields.ContentType
	h["Content-Length"] = length
	h["X-Content-Type-Options"] = fieldNosniff
	if pages != nil {
		pages.PageHeaders(h)
	}
	// The hubs and the document's URL (W3C WebSub §4), as the document
	// names them.
	h["Link"] = e.Fields.Link
	if gz {
		h["Content-Encoding"] = fieldGzip
	}
	w.WriteHeader(code)
	if r.Method == http.MethodHead {
		return
	}
	// A write error means the client is gone; the logger sees the count.
	_, _ = w.Write(body)
}

// wantsFeedDelta reports whether A-IM field lines list the feed
// instance-manipulation (RFC 3229 §10.5.2; feedparser sends "feed").
func wantsFeedDelta(lines []string) bool {
	for _, line := range lines {
		for _, item := range strings.Split(line, ",") {
			im, params, _ := strings.Cut(item, ";")
			if strings.EqualFold(strings.TrimSpace(im), "feed") && qNonZero(params) {
				return true
			}
		}
	}
	return false
}

// entityTags returns the entity-tags of If-None-Match field lines, as
// sent (quoted, W/ kept).
func entityTags(lines []string) []string {
	var tags []string
	for _, line := range lines {
		for _, t := range strings.Split(line, ",") {
			if t = strings.TrimSpace(t); t != "" {
				tags = append(tags, t)
			}
		}
	}
	return tags
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

// lastModified returns e's Last-Modified as a validator at now, and its
// header value: none while now is still in the second it names, nor
// after (an entry dated ahead). HTTP dates have whole seconds, so a
// document changed again within that second would carry the same date
// with other bytes, and a client holding the earlier version would take
// the later for the same: libcurl, under newsboat among others, turns a
// 200 whose Last-Modified is not after its If-Modified-Since into a 304
// and drops the body (RFC 9110 §8.8.2.2 calls such a date a weak
// validator). A date a client holds is thus of a second that had ended,
// and every later write is dated after it; the ETag validates meanwhile.
func lastModified(e *cache.Entry, now time.Time) (time.Time, []string) {
	if e.LastModified.IsZero() || e.LastModified.Unix() >= now.Unix() {
		return time.Time{}, nil
	}
	return e.LastModified, e.Fields.LastModified
}

// Header values of feed answers that depend on nothing, each a slice
// whose length is its capacity (see cache.Fields): never modified.
var (
	fieldVary    = []string{"Accept, Accept-Encoding"}[:1:1]
	fieldNosniff = []string{"nosniff"}[:1:1]
	fieldGzip    = []string{"gzip"}[:1:1]
)

// feedCacheControl returns the Cache-Control of document v: the
// renderer's MaxAge for it (feeds.max_age; a year for archives), which its
// ttl and sy:updatePeriod state too. The values are made once, in New
// (cacheControls).
func (s *Server) feedCacheControl(v feed.View) []string {
	if v.Archive > 0 {
		return s.cacheControl.archive
	}
	return s.cacheControl.head
}

// cacheControls returns the Cache-Control values of r's documents: the
// archives', and every other's. render.Renderer.MaxAge tells only these
// two apart.
func cacheControls(r *render.Renderer) (head, archive []string) {
	value := func(v feed.View) []string {
		return []string{"public, max-age=" + strconv.FormatInt(int64(max(r.MaxAge(v), 0)/time.Second), 10)}[:1:1]
	}
	return value(feed.View{}), value(feed.View{Archive: 1})
}
