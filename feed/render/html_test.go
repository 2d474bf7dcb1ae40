package render

import (
	"testing"
)

const permalink = "https://example.com/blog/posts/p1#comment-c1"

func TestAbsolutize(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"no links", "<p>Just <em>text</em> &amp; an unclosed <b>tag", ""},
		{"absolute links", `<p><a href="https://example.org/x">x</a> <img src='http://example.org/i.png'> <a HREF="mailto:a@example.org">m</a> <img src="data:image/png;base64,AAA="></p>`, ""},
		{"srcset all absolute", `<img srcset="https://a.example/1.png 1x,https://a.example/2.png 2x">`, ""},
		{"words only", "<p>The src of the href</p>", ""},
		{"relative href", `<p><a href="../about">About</a></p>`, `<p><a href="https://example.com/blog/about">About</a></p>`},
		{"root-relative src", `<img src="/i.png" alt="x">`, `<img src="https://example.com/i.png" alt="x">`},
		{"fragment", `<a href="#top">top</a>`, `<a href="https://example.com/blog/posts/p1#top">top</a>`},
		{"query", `<a href="?page=2">next</a>`, `<a href="https://example.com/blog/posts/p1?page=2">next</a>`},
		{"protocol-relative", `<img src="//cdn.example.net/i.png">`, `<img src="https://cdn.example.net/i.png">`},
		{"spaces around", `<a href="  x.html ">x</a>`, `<a href="https://example.com/blog/posts/x.html">x</a>`},
		{"upper-case attribute", `<A HREF="x.html">x</A>`, `<a href="https://example.com/blog/posts/x.html">x</A>`},
		{"srcset", `<img srcset="a.png, b.png 2x,c.png 640w , https://x.example/d.png 3x">`,
			`<img srcset="https://example.com/blog/posts/a.png, https://example.com/blog/posts/b.png 2x, https://example.com/blog/posts/c.png 640w, https://x.example/d.png 3x">`},
		{"srcset data URL", `<img srcset="data:image/png;base64,A,B= 1x, b.png 2x">`,
			`<img srcset="data:image/png;base64,A,B= 1x, https://example.com/blog/posts/b.png 2x">`},
		{"source in picture", `<picture><source srcset="w.webp"><img src="w.png"></picture>`,
			`<picture><source srcset="https://example.com/blog/posts/w.webp"><img src="https://example.com/blog/posts/w.png"></picture>`},
		{"self-closing", `<p>a<br/><img src="x.png" /></p>`, `<p>a<br/><img src="https://example.com/blog/posts/x.png"/></p>`},
		{"only changed tags", "<P CLASS=a>]]> &amp; <3 <a  href='x' title=\"&quot;q&quot; &amp; &#233;\">x</a>",
			"<P CLASS=a>]]> &amp; <3 <a href=\"https://example.com/blog/posts/x\" title=\"&#34;q&#34; &amp; é\">x</a>"},
		{"script untouched", `<script>var s = '<a href="x">'</script><a href="y">y</a>`,
			`<script>var s = '<a href="x">'</script><a href="https://example.com/blog/posts/y">y</a>`},
		// A rewritten tag's attributes are decoded and escaped again; a
		// reference to a control character must not come out raw.
		{"control reference", `<p>a&#1;b <a href="x" title="a&#1;b">x</a></p>`, `<p>a&#1;b <a href="https://example.com/blog/posts/x" title="ab">x</a></p>`},
	} {
		want := tc.want
		if want == "" {
			want = tc.in // unchanged, byte for byte
		}
		if got := absolutize(tc.in, permalink); got != want {
			t.Errorf("%s:\ngot  %s\nwant %s", tc.name, got, want)
		}
	}
}
