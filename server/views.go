package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/httpjson"
)

// viewError is a malformed feed query parameter: the answer is 400 with a
// message naming the parameter.
type viewError struct{ msg string }

func (e *viewError) Error() string { return e.msg }

func badParam(name, format string, args ...any) error {
	return &viewError{msg: name + ": " + fmt.Sprintf(format, args...)}
}

// parseView reads the query of a feed URL into the document it asks for
// (feed.View). It understands page (RFC 5005 paging), category and author
// (selections of the posts feed), and Blogger's parameters: max-results
// (1 or more, capped at feed.MaxResultsCap), start-index (1 or more),
// published-min, published-max, updated-min and updated-max (RFC 3339
// timestamps, or dates, taken as midnight UTC), orderby (published or
// updated). Other parameters are ignored, as readers add their own (cache
// busters); a malformed one of these, a selection of a feed that has none,
// or a page combined with a query is an error naming the parameter.
func parseView(q url.Values, ref feed.Ref) (feed.View, error) {
	var v feed.View
	var err error
	for _, name := range viewParams {
		if len(q[name]) > 1 {
			return v, badParam(name, "given more than once")
		}
	}
	if v.Page, err = intParam(q, "page", 1, 0); err != nil {
		return v, err
	}
	for _, p := range []struct {
		name string
		dst  *string
	}{{"category", &v.Category}, {"author", &v.Author}} {
		if !q.Has(p.name) {
			continue
		}
		s := q.Get(p.name)
		if ref.Kind != feed.KindPosts {
			return v, badParam(p.name, "only the posts feed has one")
		}
		if strings.TrimSpace(s) == "" || len(s) > feed.MaxNameLen {
			return v, badParam(p.name, "want 1 to %d characters, got %q", feed.MaxNameLen, httpjson.Clip(s))
		}
		*p.dst = s
	}
	if v.MaxResults, err = intParam(q, "max-results", 1, 0); err != nil {
		return v, err
	}
	v.MaxResults = min(v.MaxResults, feed.MaxResultsCap)
	if v.StartIndex, err = intParam(q, "start-index", 1, 0); err != nil {
		return v, err
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"published-min", &v.PublishedMin}, {"published-max", &v.PublishedMax}, {"updated-min", &v.UpdatedMin}, {"updated-max", &v.UpdatedMax}} {
		if *p.dst, err = timeParam(q, p.name); err != nil {
			return v, err
		}
	}
	if q.Has("orderby") {
		switch s := q.Get("orderby"); s {
		case feed.OrderPublished, feed.OrderUpdated:
			v.OrderBy = s
		default:
			return v, badParam("orderby", "want published or updated, got %q", httpjson.Clip(s))
		}
	}
	if v.Page > 1 && v.IsQuery() {
		return v, badParam("page", "cannot be combined with max-results, start-index, the date bounds or orderby; page with start-index instead")
	}
	if v.Page == 1 {
		v.Page = 0 // the head
	}
	return v, nil
}

// viewParams are the query parameters parseView reads.
var viewParams = []string{"page", "category", "author", "max-results", "start-index",
	"published-min", "published-max", "updated-min", "updated-max", "orderby", "alt", "period"}

// feedQuery parses the query of a feed request; a malformed one is an
// error.
func feedQuery(r *http.Request) (url.Values, error) {
	if r.URL.RawQuery == "" {
		return nil, nil // reads as empty, without a map made
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, badParam("query", "malformed: %v", err)
	}
	return q, nil
}

// intParam returns the whole-number parameter name, 0 when absent: at
// least lo, and at most hi when hi > 0.
func intParam(q url.Values, name string, lo, hi int) (int, error) {
	if !q.Has(name) {
		return 0, nil
	}
	s := q.Get(name)
	n, err := strconv.Atoi(s)
	if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(s, "+") {
		return 0, badParam(name, "out of range, got %q", httpjson.Clip(s))
	}
	if err != nil || n < lo || (hi > 0 && n > hi) || strings.HasPrefix(s, "+") {
		if hi > 0 {
			return 0, badParam(name, "want a whole number from %d to %d, got %q", lo, hi, httpjson.Clip(s))
		}
		return 0, badParam(name, "want a whole number of at least %d, got %q", lo, httpjson.Clip(s))
	}
	return n, nil
}

// timeParam returns the timestamp parameter name, zero when absent.
func timeParam(q url.Values, name string) (time.Time, error) {
	if !q.Has(name) {
		return time.Time{}, nil
	}
	s := q.Get(name)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil && t.Year() >= 1 && t.Year() <= 9999 {
			return t.UTC(), nil
		}
	}
	return time.Time{}, badParam(name, "want an RFC 3339 timestamp such as 2026-12-01T00:00:00Z, or a date such as 2026-12-01, got %q", httpjson.Clip(s))
}

// parseAlt reads Blogger's alt parameter: atom (the default), rss or json.
func parseAlt(q url.Values) (feed.Format, error) {
	if !q.Has("alt") {
		return feed.Atom, nil
	}
	s := q.Get("alt")
	if f, ok := feed.ParseFormat(s); ok {
		return f, nil
	}
	return "", badParam("alt", "want atom, rss or json, got %q", httpjson.Clip(s))
}

// parsePeriod reads the digest feeds' period parameter: daily (the
// default) or weekly.
func parsePeriod(q url.Values) (string, error) {
	if !q.Has("period") {
		return feed.PeriodDaily, nil
	}
	switch s := q.Get("period"); s {
	case feed.PeriodDaily, feed.PeriodWeekly:
		return s, nil
	default:
		return "", badParam("period", "want daily or weekly, got %q", httpjson.Clip(s))
	}
}

// feedBadRequest answers a feed URL with a malformed parameter.
func (s *Server) feedBadRequest(w http.ResponseWriter, err error) {
	w.Header().Set("Cache-Control", "no-cache")
	http.Error(w, "400 bad request: "+err.Error(), http.StatusBadRequest)
}
