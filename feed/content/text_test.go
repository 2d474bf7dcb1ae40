package content

import (
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"plain text, é, 日本, \U0001F41F", "plain text, é, 日本, \U0001F41F"},
		{"tab\tnewline\ncr\r", "tab\tnewline\ncr\r"},
		{"nul\x00 soh\x01 esc\x1b del\x7f", "nul soh esc del"},
		{"c1\u0080\u0085\u009f", "c1"},
		{"nonchars\ufffe\uffff", "nonchars"},
		{"replacement\ufffd", "replacement"},
		{"invalid\xff\xfe bytes\xc3\x28", "invalid bytes("},
		{"surrogate\xed\xa0\x80!", "surrogate!"},
		{"truncated\xe2\x82", "truncated"},
		{"\x00", ""},
		{"bidi \u202e stays in multi-line text", "bidi \u202e stays in multi-line text"},
	} {
		if got := Clean(tc.in); got != tc.want {
			t.Errorf("Clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestClean_NoAllocation(t *testing.T) {
	s := strings.Repeat("Clean text with é and \U0001F41F.\n", 100)
	if n := testing.AllocsPerRun(10, func() { Clean(s) }); n != 0 {
		t.Errorf("Clean allocated %v times on clean text", n)
	}
}

func TestLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"  Title  ", "Title"},
		{"two\nlines\r\nand\ttab", "two lines  and tab"},
		{"\x00", ""},
		{"line\u2028sep\u2029para", "line sep para"},
		{"Eve\u202egnp.exe", "Evegnp.exe"},
		{"\u202bRTL\u202c \u202aLTR\u202c \u202dLRO\u202c", "RTL LTR LRO"},
		{"\u2067admin\u2069 \u2066x\u2069 \u2068y\u2069", "admin x y"},
		{"\u0410dmin", "\u0410dmin"}, // a look-alike stays: it is text
		{"\u062d\u0633\u0646 \u200f", "\u062d\u0633\u0646 \u200f"},
		{"<b>bold</b> &amp;", "<b>bold</b> &amp;"}, // text, escaped when written
	} {
		if got := Line(tc.in); got != tc.want {
			t.Errorf("Line(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLine_NoAllocation(t *testing.T) {
	s := "A plain title with é and \U0001F41F"
	if n := testing.AllocsPerRun(10, func() { Line(s) }); n != 0 {
		t.Errorf("Line allocated %v times on clean text", n)
	}
}
