package content

import (
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content/contenttest"
)

func TestCheckHarmless(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, s := range []string{
			"",
			"plain &lt;script&gt; text",
			`<p><a href="https://x.example/" rel="nofollow ugc">x</a> <img src="/i.png" srcset="a.png 1x, https://x/b.png 2x" alt="Figure 1: data: a map"></p>`,
			`<a href="mailto:x@example.org">m</a> <a href="relative/data:x">r</a>`,
			`<pre><code class="language-go">onerror=alert(1) javascript:x</code></pre>`,
			"<b>unclosed",
		} {
			if err := CheckHarmless(s); err != nil {
				t.Errorf("CheckHarmless(%q) = %v, want nil", s, err)
			}
		}
	})
	t.Run("Harmful", func(t *testing.T) {
		for _, s := range []string{
			"\xff",
			"<script>alert(1)</script>",
			"<SCRIPT/src=x>",
			"a<!-- c -->b",
			"<![CDATA[x]]>",
			`<img src=x onerror=alert(1)>`,
			`<p ONCLICK="x">`,
			`<p style="color:red">`,
			`<a href="javascript:alert(1)">`,
			`<a href=" JaVaScRiPt:alert(1)">`,
			`<a href="jav&#x09;ascript:alert(1)">`,
			`<a href="&#106;avascript:alert(1)">`,
			`<a href="java&#0;script:x">`, // NUL becomes U+FFFD: not javascript:, but see below
			`<a href="vbscript:msgbox(1)">`,
			`<img src="data:image/png;base64,AA">`,
			`<img srcset="a.png 1x, data:image/png;base64,AA 2x">`,
			`<iframe src="https://x/"></iframe>`,
			`<object></object>`, `<embed>`, `<form></form>`, `<input>`, `<button formaction=x>`,
			`<svg></svg>`, `<math></math>`, `<meta http-equiv=refresh>`, `<base href=x>`,
			`<link rel=stylesheet>`, `<style>x</style>`, `<template></template>`, `<noscript></noscript>`,
			`<svg><a xlink:href="https://x/">x</a></svg>`,
			`<iframe srcdoc="x">`,
		} {
			err := CheckHarmless(s)
			if s == `<a href="java&#0;script:x">` {
				// A NUL in a URL is a parse error browsers recover from
				// with U+FFFD, which breaks the scheme: harmless.
				if err != nil {
					t.Errorf("CheckHarmless(%q) = %v, want nil", s, err)
				}
				continue
			}
			if err == nil {
				t.Errorf("CheckHarmless(%q) = nil, want an error", s)
			}
		}
	})
}

// TestCorpus runs every input of contenttest/xss.json through CommentHTML and
// PostHTML in both formats; the output must be harmless. The checker must
// refuse most raw inputs, or the corpus tests little.
func TestCorpus(t *testing.T) {
	c := contenttest.XSSCorpus(t)
	refused := 0
	for _, tc := range c.Cases {
		if CheckHarmless(tc.Input) != nil {
			refused++
		}
		for what, out := range map[string]string{
			"CommentHTML":        CommentHTML(&feed.Comment{Content: tc.Input}),
			"PostHTML(html)":     PostHTML(&feed.Post{Content: tc.Input, Format: feed.FormatHTML}),
			"PostHTML(markdown)": PostHTML(&feed.Post{Content: tc.Input, Format: feed.FormatMarkdown}),
		} {
			if err := CheckHarmless(out); err != nil {
				t.Errorf("%s: %s(%q) = %q: %v", tc.Name, what, tc.Input, out, err)
			}
		}
	}
	if refused < len(c.Cases)/2 {
		t.Errorf("CheckHarmless refuses only %d of %d raw corpus inputs", refused, len(c.Cases))
	}
	for _, a := range append(c.Authors, inputs(c)...) {
		if l := Line(a); l != Clean(l) || containsBidi(l) {
			t.Errorf("Line(%q) = %q: not clean", a, l)
		}
	}
}

func inputs(c contenttest.Corpus) []string {
	var s []string
	for _, tc := range c.Cases {
		s = append(s, tc.Input)
	}
	return s
}

func containsBidi(s string) bool {
	for _, r := range s {
		if feed.IsBidiControl(r) || r == '\n' || r == '\r' || r == '\t' {
			return true
		}
	}
	return false
}
