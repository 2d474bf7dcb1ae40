package feed

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Origin ties a mirrored post or comment to its copy on an upstream site.
// Stores key mirrored entries by (Source, ID), so that a re-poll updates
// rather than duplicates them.
type Origin struct {
	Source string `json:"source"`                 // the configured source's name
	ID     string `json:"upstream_id"`            // the upstream entry id, or a synthetic one
	URL    string `json:"upstream_url,omitempty"` // the upstream permalink
	// CommentsURL is the upstream comment feed of a mirrored post, when
	// one was discovered.
	CommentsURL string `json:"upstream_comments_url,omitempty"`
}

// Fetch is the polling state of one upstream URL: a source's feed (PostID
// empty) or the comment feed of one mirrored post.
type Fetch struct {
	Source string `json:"source"`
	PostID string `json:"post_id,omitempty"`
	// URL is where the feed is fetched now: permanent redirects (301, 308)
	// replace it.
	URL string `json:"url"`
	// ETag and LastModified are the upstream's validators, sent back as
	// If-None-Match and If-Modified-Since.
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`

	LastPoll    time.Time `json:"last_poll"`
	LastSuccess time.Time `json:"last_success"`
	// NextPoll is the earliest time to poll again (back-off, Retry-After).
	NextPoll   time.Time `json:"next_poll"`
	LastStatus int       `json:"http_status,omitempty"`
	LastError  string    `json:"last_error,omitempty"`
	Failures   int       `json:"consecutive_failures"`
	// Disabled stops polling for good (410 Gone), until the source's URL
	// changes in the configuration.
	Disabled bool `json:"disabled,omitempty"`
}

// SourceCounts are the entries a store holds from one source.
type SourceCounts struct {
	Posts    int `json:"entries"`
	Comments int `json:"comments"`
}

// Validate checks the origin of a mirrored entry, for every store: its key (Source, ID)
// is required, every field is one line of valid UTF-8 within
// MaxURILen, and the URLs, when set, are absolute http or https URLs,
// since feeds and pages link to them.
func (o *Origin) Validate() error {
	for _, f := range []struct {
		name, value string
		required    bool
	}{
		{"origin.source", o.Source, true},
		{"origin.upstream_id", o.ID, true},
		{"origin.upstream_url", o.URL, false},
		{"origin.upstream_comments_url", o.CommentsURL, false},
	} {
		switch {
		case strings.TrimSpace(f.value) == "":
			if f.required {
				return Errorf(EINVALID, "%s: required", f.name)
			}
			if f.value != "" {
				return Errorf(EINVALID, "%s: must be empty or a URL", f.name)
			}
			continue
		case !utf8.ValidString(f.value):
			return Errorf(EINVALID, "%s: not valid UTF-8", f.name)
		case utf8.RuneCountInString(f.value) > MaxURILen:
			return Errorf(EINVALID, "%s: longer than %d characters", f.name, MaxURILen)
		case strings.ContainsFunc(f.value, func(r rune) bool { return r < 0x20 || (r >= 0x7f && r <= 0x9f) }):
			return Errorf(EINVALID, "%s: contains a control character", f.name)
		}
	}
	for _, f := range []struct{ name, value string }{
		{"origin.upstream_url", o.URL},
		{"origin.upstream_comments_url", o.CommentsURL},
	} {
		if f.value == "" {
			continue
		}
		if u, err := url.Parse(f.value); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Errorf(EINVALID, "%s: must be an absolute http or https URL", f.name)
		}
	}
	return nil
}
