package server

import (
	"net/http"
	"strings"
	"time"
)

// The outcomes of evaluating a request's preconditions.
const (
	condProceed     = 0                             // send the representation
	condNotModified = http.StatusNotModified        // 304: the client's copy is current
	condFailed      = http.StatusPreconditionFailed // 412: If-Match or If-Unmodified-Since failed
)

// checkConditions evaluates the preconditions of a GET or HEAD request in the
// order of RFC 9110 §13.2.2: If-Match, then If-Unmodified-Since when
// If-Match is absent, then If-None-Match, then If-Modified-Since when
// If-None-Match is absent.
//
// etags holds the strong ETags of the representations the client may hold a
// copy of, the selected one first. It has more than one member when
// representations differ only in content coding: a client that cached the
// identity document may revalidate it while asking for gzip, and the
// identity bytes are still an acceptable answer. The returned tag is the
// member of etags that the request matched, to be sent with a 304 so that
// the client's cache can identify the stored response to refresh
// (RFC 9111 §4.3.4); it is etags[0] when nothing named a tag.
//
// lastMod is the representation's last modification, zero when unknown;
// now bounds If-Modified-Since dates, which are invalid in the future.
func checkConditions(r *http.Request, etags []string, lastMod, now time.Time) (status int, tag string) {
	tag = etags[0]
	lastMod = lastMod.Truncate(time.Second) // HTTP dates have whole seconds
	h := r.Header

	// Steps 1 and 2: the client's copy must still be current.
	if im := h.Values("If-Match"); len(im) > 0 {
		if _, ok := matchETags(im, etags, false); !ok {
			return condFailed, tag
		}
	} else if t, ok := headerTime(h, "If-Unmodified-Since", now); ok && !lastMod.IsZero() && lastMod.After(t) {
		return condFailed, tag
	}

	// Step 3: If-None-Match, compared weakly. It makes If-Modified-Since
	// irrelevant whether or not it matches (§13.1.3).
	if inm := h.Values("If-None-Match"); len(inm) > 0 {
		if m, ok := matchETags(inm, etags, true); ok {
			return condNotModified, m
		}
		return condProceed, tag
	}

	// Step 4: If-Modified-Since, for GET and HEAD only.
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return condProceed, tag
	}
	if t, ok := headerTime(h, "If-Modified-Since", now); ok && !lastMod.IsZero() && !lastMod.After(t) {
		return condNotModified, tag
	}
	return condProceed, tag
}

// matchETags reports whether any entity-tag of the header lines lists
// matches a member of etags, and which. "*" matches the first member, since
// the representation exists. Weak comparison ignores W/ prefixes; strong
// comparison lets no weak tag match (RFC 9110 §8.8.3.2). Parsing stops at
// the first malformed element.
func matchETags(lists []string, etags []string, weak bool) (string, bool) {
	for _, s := range lists {
		for {
			s = strings.TrimLeft(s, " \t,")
			if s == "" {
				break
			}
			if s[0] == '*' {
				return etags[0], true
			}
			isWeak := strings.HasPrefix(s, "W/")
			if isWeak {
				s = s[2:]
			}
			if len(s) < 2 || s[0] != '"' {
				break
			}
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				break
			}
			opaque := s[:end+2]
			s = s[end+2:]
			if isWeak && !weak {
				continue
			}
			for _, e := range etags {
				if opaque == strings.TrimPrefix(e, "W/") {
					return e, true
				}
			}
		}
	}
	return "", false
}

// headerTime parses a date precondition field. Per RFC 9110 §13.1.3 and
// §13.1.4 a field that is repeated, is not a valid HTTP-date, or names a time
// after now is ignored.
func headerTime(h http.Header, name string, now time.Time) (time.Time, bool) {
	v := h.Values(name)
	if len(v) != 1 {
		return time.Time{}, false
	}
	t, err := http.ParseTime(strings.TrimSpace(v[0]))
	if err != nil || t.After(now) {
		return time.Time{}, false
	}
	return t, true
}
