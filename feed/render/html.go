package render

import (
	"net/url"

	"github.com/feedd/feedd/feed/content"
)

// absolutize returns content with its relative URLs resolved against
// permalink, that of the entry the content belongs to (see
// content.Absolutize); the W3C validator also warns about relative ones.
func absolutize(html, permalink string) string {
	base, err := url.Parse(permalink)
	if err != nil {
		return html
	}
	return content.Absolutize(html, base)
}
