package content

import (
	"strings"
	"unicode/utf8"

	"github.com/feedd/feedd/feed"
)

// Clean returns s without the characters that XML 1.0 forbids or that the
// W3C Feed Validation Service flags, so that any stored text renders as
// well-formed, warning-free XML and the same text in JSON:
//
//   - C0 controls other than tab, newline and carriage return, and DEL;
//   - C1 controls U+0080 to U+009F (the validator's "BadCharacters");
//   - U+FFFE and U+FFFF;
//   - bytes that are not valid UTF-8, lone surrogates included, and U+FFFD
//     itself, which the validator also flags: a replacement character only
//     says that something was lost, so dropping it loses nothing more.
//
// Its result is always valid UTF-8. Text that needs no change is returned
// as is, without allocating.
func Clean(s string) string {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if !keepASCII(c) {
				return cleanFrom(s, i)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !keepRune(r) {
			return cleanFrom(s, i)
		}
		i += n
	}
	return s
}

// cleanFrom is Clean's slow path: s[:i] is known to be clean.
func cleanFrom(s string, i int) string {
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if keepASCII(c) {
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if keepRune(r) {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func keepASCII(c byte) bool {
	return c >= 0x20 && c != 0x7f || c == '\t' || c == '\n' || c == '\r'
}

// keepRune reports whether a non-ASCII rune may stay. Invalid UTF-8 decodes
// as utf8.RuneError, so it goes with U+FFFD.
func keepRune(r rune) bool {
	return !(r <= 0x9f || r == utf8.RuneError || r == 0xfffe || r == 0xffff)
}

// Line cleans single-line text, such as titles, names and categories, that
// feeds and pages show as text (escaped, never as markup): it applies Clean,
// drops the Unicode bidirectional embedding, override and isolate controls
// (U+202A to U+202E, U+2066 to U+2069), turns tabs, line breaks and the
// Unicode line and paragraph separators into spaces, and trims surrounding
// space.
//
// The bidi controls go because a name such as "Eve\u202Egnp.exe" would
// otherwise reorder what follows it on screen, so that a title like
// "Comment on ‘X’ by <name>" could be made to read as something else;
// single-line text never needs them, at worst mixed-direction text shows
// its parts in a less natural order. Look-alike characters (a Cyrillic "А"
// in "Аdmin") cannot be told from legitimate text and stay: they are
// harmless as escaped text, and only a reader's judgement can catch them.
func Line(s string) string {
	s = Clean(s)
	if strings.IndexFunc(s, lineChange) >= 0 {
		s = strings.Map(func(r rune) rune {
			switch {
			case feed.IsBidiControl(r):
				return -1
			case r == '\t' || r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029':
				return ' '
			}
			return r
		}, s)
	}
	return strings.TrimSpace(s)
}

// lineChange reports whether Line maps r to something else.
func lineChange(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029' || feed.IsBidiControl(r)
}
