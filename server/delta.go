package server

import (
	"net/http"
	"strings"
)

// offersDelta reports whether a request for a feed's head may be answered
// with a delta (226 IM Used, RFC 3229): deltas are on (Config.Delta), the
// request asks for the feed instance-manipulation (A-IM: feed) and its
// User-Agent is not one of Config.DeltaExcludedAgents. The If-None-Match
// that names the client's copy is checked by the caller.
//
// An A-IM field alone does not show that a client handles 226:
// feedparser sends A-IM: feed with every ETag it holds, and the programs
// built on it see only a status they do not know (rss2email accepts 200,
// 301, 302, 304 and 307, and logs "HTTP status 226"). They get the whole
// feed, which is always a correct answer to a delta request.
func (s *Server) offersDelta(r *http.Request) bool {
	if !s.cfg.Delta || !wantsFeedDelta(r.Header.Values("A-IM")) {
		return false
	}
	return !s.deltaExcludedAgent(r.Header.Get("User-Agent"))
}

// deltaExcludedAgent reports whether User-Agent ua contains one of
// Config.DeltaExcludedAgents, ignoring case.
func (s *Server) deltaExcludedAgent(ua string) bool {
	ua = strings.ToLower(ua)
	for _, a := range s.deltaExcluded {
		if strings.Contains(ua, a) {
			return true
		}
	}
	return false
}
