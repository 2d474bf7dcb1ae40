package server

import "strings"

// xmlContentType is the media type of an Atom or RSS feed sent to a
// browser: XML, which browsers render applying the feed's xml-stylesheet.
const xmlContentType = "application/xml; charset=utf-8"

// xmlETagSuffix marks the ETags of a feed sent as application/xml, appended
// to the tag of the same bytes as a feed ("<hash>-x", "<hash>-gzip-x"):
// another media type makes another representation, and a cache that keeps
// both must not take one's validator for the other's.
const xmlETagSuffix = "-x"

// xmlETag returns the ETag of the application/xml variant of the
// representation whose strong, quoted ETag is tag.
func xmlETag(tag string) string {
	return tag[:len(tag)-1] + xmlETagSuffix + `"`
}

// prefersHTML reports whether the Accept field lines are a browser's
// navigation: text/html is listed with a weight above zero that no other
// listed media range exceeds, and neither feed media type
// (application/atom+xml, application/rss+xml) is listed with a weight as
// high. Browsers send text/html first at q=1 (Chromium:
// "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
// feed readers list the feed types and no text/html, or send "*/*" or no
// Accept at all, and get the feed's own media type.
func prefersHTML(lines []string) bool {
	html, top, feedQ := 0.0, 0.0, -1.0
	for _, line := range lines {
		for line != "" {
			var item string
			item, line, _ = strings.Cut(line, ",")
			mediaRange, params, _ := strings.Cut(item, ";")
			mediaRange = strings.ToLower(strings.TrimSpace(mediaRange))
			if mediaRange == "" {
				continue
			}
			q := weight(params)
			top = max(top, q)
			switch mediaRange {
			case "text/html":
				html = max(html, q)
			case "application/atom+xml", "application/rss+xml":
				feedQ = max(feedQ, q)
			}
		}
	}
	return html > 0 && html >= top && html > feedQ
}
