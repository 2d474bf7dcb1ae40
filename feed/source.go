package feed

import "time"

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
