package content

import (
	"net/url"
	"strings"
	"testing"
)

func TestMayHoldRelativeURL(t *testing.T) {
	for s, want := range map[string]bool{
		"":                                       false,
		"<p>plain</p>":                           false,
		`<a href="https://x.example/">`:          false,
		`<A HREF = 'HTTP://x.example/'>`:         false,
		`<img src=data:image/png;base64,AAA=>`:   false,
		`<a href=" mailto:a@x.example">`:         false,
		`<a href="x">`:                           true,
		`<a href="/x">`:                          true,
		`<a href="//x.example/">`:                true,
		`<a href="#top">`:                        true,
		`<a href="">`:                            true,
		`<a href>`:                               true,
		`<a href="&#104;ttp://x.example/">`:      true,
		`<IMG SRC=x>`:                            true,
		`<img srcset="https://x.example/ 1x">`:   true,
		`<a href="https://x" title="src here">`:  true,
		`<a href="https://x">a</a><img src="y">`: true,
		"sr":                                     false,
		"hre":                                    false,
		`<video poster="p.jpg">`:                 true,
		`<blockquote cite="/src">`:               true,
		`<video poster="https://x/p.jpg">`:       false,
	} {
		if got := mayHoldRelativeURL(s); got != want {
			t.Errorf("mayHoldRelativeURL(%q) = %v, want %v", s, got, want)
		}
	}
}

func BenchmarkAbsolutize(b *testing.B) {
	html := strings.Repeat(`<p>Some text with <a href="/relative">a link</a> and <img src="i.png" alt="">.</p>`+"\n", 20)
	base, _ := url.Parse("https://example.com/blog/posts/p1")
	for b.Loop() {
		Absolutize(html, base)
	}
}
