package server

import "strings"

// prefersHTML reports whether the Accept field lines are a browser's
// navigation: text/html is listed with a weight above zero that no other
// listed media range exceeds, and no feed media type
// (application/atom+xml, application/rss+xml, application/feed+json,
// application/json) is listed with a weight as high. Browsers send text/html first at q=1 (Chromium:
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
			case "application/atom+xml", "application/rss+xml", "application/feed+json", "application/json":
				feedQ = max(feedQ, q)
			}
		}
	}
	return html > 0 && html >= top && html > feedQ
}
