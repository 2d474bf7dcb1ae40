package content

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestExcerpt(t *testing.T) {
	long := strings.Repeat("word ", 100) // 500 characters
	for _, tc := range []struct {
		html string
		n    int
		want string
	}{
		{"<p>Cod &amp; chips, with <em>lots</em> of vinegar.</p>", 300, "Cod & chips, with lots of vinegar."},
		{"<p>One</p><p>Two<br/>three</p><ul><li>a</li><li>b</li></ul>", 300, "One Two three a b"},
		{"<p>x &lt;3 <a href=\"https://e.example/\">link</a>s</p>", 300, "x <3 links"},
		{`<p>See <img src="x.png" alt="a fish"/> here</p>`, 300, "See a fish here"},
		{"", 300, ""},
		{"<p>  \n </p>", 300, ""},
		{"<p>Hello brave new world</p>", 15, "Hello brave\u2026"},
		{"<p>Hello, brave new world</p>", 9, "Hello\u2026"},
		{"<p>Supercalifragilistic</p>", 10, "Supercali\u2026"},
		{"<p>\U0001F41F\U0001F41F\U0001F41F\U0001F41F</p>", 3, "\U0001F41F\U0001F41F\u2026"},
	} {
		if got := Excerpt(tc.html, tc.n); got != tc.want {
			t.Errorf("Excerpt(%q, %d) = %q, want %q", tc.html, tc.n, got, tc.want)
		}
	}
	got := Excerpt("<p>"+long+"</p>", 300)
	if n := utf8.RuneCountInString(got); n > 300 || n < 300-10 || !strings.HasSuffix(got, "word\u2026") {
		t.Errorf("excerpt of 500 characters: %d characters, %q", n, got)
	}
}

// TestExcerpt_PageCases are the cases of the home page's excerpts (package
// web), whose length counts the text before the ellipsis: n+1 here.
func TestExcerpt_PageCases(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"<p>Short.</p>", 20, "Short."},
		{"<p>One</p>\n<p>two  three</p>", 20, "One two three"},
		{"<p>alpha beta gamma delta</p>", 12, "alpha beta…"},
		{"<p>ééééééééééé</p>", 4, "éééé…"},
		{"<p>x &amp; y</p>", 10, "x & y"},
		{`<p>the <a href="/x">posts</a>, or <em>not</em></p><ul><li>a</li><li>b</li></ul>`, 40, "the posts, or not a b"},
	} {
		if got := Excerpt(tc.in, tc.n+1); got != tc.want {
			t.Errorf("Excerpt(%q, %d) = %q, want %q", tc.in, tc.n+1, got, tc.want)
		}
	}
}
