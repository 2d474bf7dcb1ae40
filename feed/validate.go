package feed

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on user-supplied text, counted in characters (runes).
const (
	MaxTitleLen    = 300
	MaxNameLen     = 100
	MaxURILen      = 2048
	MaxCategoryLen = 100
	MaxCategories  = 50
	MaxContentLen  = 1 << 20 // 1 MiB of post content
	MaxCommentLen  = 1 << 16 // 64 KiB of comment content
	MaxIDLen       = 64
)

// Validate checks a post before it is stored: required fields are present,
// all text is valid UTF-8 without control characters, and lengths are within
// limits. It trims surrounding space from single-line fields.
func (p *Post) Validate() error {
	p.Title = CleanLine(p.Title)
	p.AuthorName = CleanLine(p.AuthorName)
	p.Content, p.Summary = CleanText(p.Content), CleanText(p.Summary)
	p.AuthorURI = strings.TrimSpace(p.AuthorURI)
	if err := checkLine("title", p.Title, MaxTitleLen, true); err != nil {
		return err
	}
	if err := checkText("content", p.Content, MaxContentLen, true); err != nil {
		return err
	}
	if err := checkText("summary", p.Summary, MaxContentLen, false); err != nil {
		return err
	}
	if err := checkLine("author", p.AuthorName, MaxNameLen, false); err != nil {
		return err
	}
	if err := checkURI("author_uri", p.AuthorURI); err != nil {
		return err
	}
	if len(p.Categories) > MaxCategories {
		return Errorf(EINVALID, "categories: at most %d allowed", MaxCategories)
	}
	seen := make(map[string]bool, len(p.Categories))
	cats := p.Categories[:0:0]
	for _, c := range p.Categories {
		c = CleanLine(c)
		if err := checkLine("categories", c, MaxCategoryLen, true); err != nil {
			return err
		}
		if !seen[c] {
			seen[c] = true
			cats = append(cats, c)
		}
	}
	p.Categories = cats
	return checkDates(p.Published, p.Updated)
}

// Validate checks a comment before it is stored, like Post.Validate. That the
// post exists and the parent belongs to it is for the store to check.
func (c *Comment) Validate() error {
	c.AuthorName = CleanLine(c.AuthorName)
	c.Content = CleanText(c.Content)
	c.AuthorURI = strings.TrimSpace(c.AuthorURI)
	if err := checkLine("author", c.AuthorName, MaxNameLen, true); err != nil {
		return err
	}
	if err := checkURI("author_uri", c.AuthorURI); err != nil {
		return err
	}
	if strings.TrimSpace(c.Content) == "" {
		return Errorf(EINVALID, "content: required")
	}
	if err := checkText("content", c.Content, MaxCommentLen, true); err != nil {
		return err
	}
	if c.ParentID != "" && !ValidID(c.ParentID) {
		return Errorf(EINVALID, "parent_id: not a valid id")
	}
	c.SourceURL = strings.TrimSpace(c.SourceURL)
	switch {
	case c.Kind == "" && c.SourceURL != "":
		return Errorf(EINVALID, "source_url: only a mention (kind set) has one")
	case c.Kind != "" && !ValidMentionKind(c.Kind):
		return Errorf(EINVALID, "kind: %q is not one of reply, like, repost, bookmark, mention", c.Kind)
	case c.Kind != "" && c.SourceURL == "":
		return Errorf(EINVALID, "source_url: required for a mention")
	}
	if len(c.SourceURL) > MaxURILen {
		// Bytes, not characters: it is a key of an index.
		return Errorf(EINVALID, "source_url: longer than %d bytes", MaxURILen)
	}
	if err := checkURI("source_url", c.SourceURL); err != nil {
		return err
	}
	if u, err := url.Parse(c.SourceURL); c.SourceURL != "" && (err != nil || u.Scheme == "mailto") {
		return Errorf(EINVALID, "source_url: must be an absolute http or https URL")
	}
	return checkDates(c.Published, c.Updated)
}

// ValidID reports whether s can be an entry id: 1 to MaxIDLen characters from
// the URL-safe set [A-Za-z0-9_-].
func ValidID(s string) bool {
	if s == "" || len(s) > MaxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func checkDates(published, updated time.Time) error {
	if !published.IsZero() && (published.Year() < 1970 || published.Year() > 9999) {
		return Errorf(EINVALID, "published: out of range")
	}
	if !updated.IsZero() && !published.IsZero() && updated.Before(published) {
		return Errorf(EINVALID, "updated: before published")
	}
	return nil
}

// checkLine validates a single-line field: no control characters at all.
// CleanText is the one rule for what text keeps of the characters that
// say nothing, applied before storage so that the API, pages and every
// feed format show the same text: U+FFFD, the replacement character that
// decoding \ud800 or broken UTF-8 leaves, is dropped (it only says that
// something was lost; feeds dropped it already).
func CleanText(s string) string {
	if !strings.ContainsRune(s, utf8.RuneError) {
		return s
	}
	return strings.ReplaceAll(s, "\ufffd", "")
}

// Shorten cuts s to at most n characters (runes), the last an ellipsis
// when it was cut, white space before the ellipsis trimmed: text taken
// from elsewhere (an upstream feed, a Webmention's source) that is
// longer than a limit is shown shortened rather than refused.
func Shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "\u2026"
}

// CleanLine is CleanText for single-line fields (titles, names,
// categories), which also lose the explicit bidirectional controls (see
// IsBidiControl) that could make a line read as something else, and
// surrounding space.
func CleanLine(s string) string {
	s = CleanText(s)
	if strings.IndexFunc(s, IsBidiControl) >= 0 {
		s = strings.Map(func(r rune) rune {
			if IsBidiControl(r) {
				return -1
			}
			return r
		}, s)
	}
	return strings.TrimSpace(s)
}

// IsBidiControl reports whether r is an explicit bidirectional formatting
// character: LRE, RLE, PDF, LRO, RLO (U+202A to U+202E) or LRI, RLI, FSI,
// PDI (U+2066 to U+2069).
func IsBidiControl(r rune) bool {
	return '\u202a' <= r && r <= '\u202e' || '\u2066' <= r && r <= '\u2069'
}

func checkLine(field, s string, max int, required bool) error {
	if err := checkText(field, s, max, required); err != nil {
		return err
	}
	if strings.ContainsAny(s, "\t\n\r") {
		return Errorf(EINVALID, "%s: must be a single line", field)
	}
	return nil
}

// checkText validates multi-line text: valid UTF-8, no control characters
// other than tab, newline and carriage return, and nothing XML 1.0 forbids.
func checkText(field, s string, max int, required bool) error {
	if required && strings.TrimSpace(s) == "" {
		return Errorf(EINVALID, "%s: required", field)
	}
	if !utf8.ValidString(s) {
		return Errorf(EINVALID, "%s: not valid UTF-8", field)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return Errorf(EINVALID, "%s: longer than %d characters", field, max)
	}
	for _, r := range s {
		if r == '\t' || r == '\n' || r == '\r' {
			continue
		}
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) || r == 0xfffe || r == 0xffff {
			return Errorf(EINVALID, "%s: contains control character %U", field, r)
		}
	}
	return nil
}

func checkURI(field, s string) error {
	if s == "" {
		return nil
	}
	if err := checkLine(field, s, MaxURILen, false); err != nil {
		return err
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "mailto") || (u.Scheme != "mailto" && u.Host == "") {
		return Errorf(EINVALID, "%s: must be an absolute http, https or mailto URL", field)
	}
	return nil
}
