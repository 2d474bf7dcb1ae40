package store

import (
	"net/url"
	"time"
	"unicode/utf8"

	"github.com/feedd/feedd/feed"
)

// MaxSecretLen is the longest hub.secret, in bytes, that a subscription
// may carry: W3C WebSub §5.1 has hubs refuse longer ones.
const MaxSecretLen = 200

// ValidateSubscription checks s as SaveSubscription documents (Topic and
// Callback absolute http(s) URLs within feed.MaxURILen characters, Secret
// within MaxSecretLen bytes) and readies its times for storing: a zero
// Created becomes now (the first verification is the save), and both
// times come back in UTC, truncated to whole seconds. Backends keep
// the stored Created on a renewal.
func ValidateSubscription(now time.Time, s *feed.Subscription) error {
	if s == nil {
		return feed.Errorf(feed.EINVALID, "subscription: required")
	}
	if err := checkHTTPURL("topic", s.Topic); err != nil {
		return err
	}
	if err := checkHTTPURL("callback", s.Callback); err != nil {
		return err
	}
	if len(s.Secret) > MaxSecretLen {
		return feed.Errorf(feed.EINVALID, "secret: longer than %d bytes", MaxSecretLen)
	}
	if s.Created.IsZero() {
		s.Created = now
	}
	s.Created = s.Created.UTC().Truncate(time.Second)
	s.Expires = s.Expires.UTC().Truncate(time.Second)
	return nil
}

// checkHTTPURL rejects a value that is not an absolute http or https URL
// of at most feed.MaxURILen characters. Invalid UTF-8 is refused too: no
// URL is spelt so, and PostgreSQL's TEXT would not take it.
func checkHTTPURL(field, s string) error {
	switch {
	case s == "":
		return feed.Errorf(feed.EINVALID, "%s: required", field)
	case !utf8.ValidString(s):
		return feed.Errorf(feed.EINVALID, "%s: not valid UTF-8", field)
	case utf8.RuneCountInString(s) > feed.MaxURILen:
		return feed.Errorf(feed.EINVALID, "%s: longer than %d characters", field, feed.MaxURILen)
	}
	// url.Parse refuses ASCII control characters, NUL among them.
	if u, err := url.Parse(s); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return feed.Errorf(feed.EINVALID, "%s: must be an absolute http or https URL", field)
	}
	return nil
}
