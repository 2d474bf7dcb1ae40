package content

import (
	"strings"
	"sync"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content/contenttest"
)

func TestPostHTML(t *testing.T) {
	for _, tc := range []struct {
		name, format, in, want string
	}{
		{"empty", "", "", ""},
		{"plain HTML kept", feed.FormatHTML,
			"<p>First post of <a href=\"https://example.org/\">Field Notes</a>.</p>\n<p>More to come.</p>",
			"<p>First post of <a href=\"https://example.org/\">Field Notes</a>.</p>\n<p>More to come.</p>"},
		{"empty format is HTML", "", "<p>x</p>", "<p>x</p>"},
		{"unknown format is HTML", "textile", "<p>x<script>y</script></p>", "<p>x</p>"},
		{"entities escaped once", feed.FormatHTML, "<p>Cod &amp; chips &lt;3 ]]></p>", "<p>Cod &amp; chips &lt;3 ]]&gt;</p>"},
		{"figure and image", feed.FormatHTML,
			`<figure><img src="/i.png" srcset="/i.png 1x, https://cdn.example/i2.png 2x" alt="Map: A &amp; B" width="640" height="480" loading="lazy"><figcaption>Cap</figcaption></figure>`,
			`<figure><img src="/i.png" srcset="/i.png 1x, https://cdn.example/i2.png 2x" alt="Map: A &amp; B" width="640" height="480" loading="lazy"/><figcaption>Cap</figcaption></figure>`},
		{"relative URLs kept", feed.FormatHTML, `<a href="../about">a</a> <a href="#top">t</a> <a href="mailto:x@example.org">m</a>`,
			`<a href="../about">a</a> <a href="#user-content-top">t</a> <a href="mailto:x@example.org">m</a>`},
		{"no nofollow on posts", feed.FormatHTML, `<a href="https://x.example/" rel="me" target="_blank">x</a>`, `<a href="https://x.example/">x</a>`},
		{"headings and ids", feed.FormatHTML, `<h2 id="notes" class="x" style="color:red">Notes</h2>`, `<h2 id="user-content-notes">Notes</h2>`},
		{"code class", feed.FormatHTML, `<pre class="language-go"><code class="language-go hljs">x</code></pre>`, `<pre class="language-go"><code>x</code></pre>`},
		{"table", feed.FormatHTML, `<table><tr><th scope="col" align="left">a</th></tr><tr><td colspan="2" bgcolor="red">1</td></tr></table>`,
			`<table><tbody><tr><th scope="col" align="left">a</th></tr><tr><td colspan="2">1</td></tr></tbody></table>`},
		{"data image dropped", feed.FormatHTML, `<img src="data:image/png;base64,iVBORw0KGgo=" alt="x">`, `<img alt="x"/>`},
		{"srcset with data URL dropped", feed.FormatHTML, `<img src="a.png" srcset="a.png 1x, data:image/png;base64,AA 2x">`, `<img src="a.png"/>`},
		{"srcset with other scheme dropped", feed.FormatHTML, `<img src="a.png" srcset="ftp://x/a.png 1x">`, `<img src="a.png"/>`},
		{"scripts and handlers", feed.FormatHTML, `<p onclick="x()">a<script>alert(1)</script><img src="x.png" onerror="y()"></p>`, `<p>a<img src="x.png"/></p>`},
		{"unbalanced tags closed", feed.FormatHTML, `<p><b>bold<blockquote>quote`, `<p><b>bold</b></p><blockquote><b>quote</b></blockquote>`},
		{"alt that looks like a URL dropped", feed.FormatHTML, `<img src="x.png" alt="javascript:alert(1)">`, `<img src="x.png"/>`},
		{"character reference to a control character", feed.FormatHTML, `<p title="a&#1;b">c&#1;d&#xFFFE;e</p>`, `<p title="ab">cde</p>`},
		{"invalid UTF-8", feed.FormatHTML, "<p>a\xffb\x00c</p>", "<p>abc</p>"},

		{"markdown", feed.FormatMarkdown, "# Title\n\nSome *em* and ~~old~~ text, www.example.com.",
			"<h1>Title</h1>\n<p>Some <em>em</em> and <del>old</del> text, <a href=\"http://www.example.com\">www.example.com</a>.</p>"},
		{"markdown table", feed.FormatMarkdown, "| a | b |\n|:--|--:|\n| 1 | 2 |",
			"<table>\n<thead>\n<tr>\n<th align=\"left\">a</th>\n<th align=\"right\">b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td align=\"left\">1</td>\n<td align=\"right\">2</td>\n</tr>\n</tbody>\n</table>"},
		{"markdown code fence", feed.FormatMarkdown, "```go\nif a < b {}\n```",
			"<pre><code class=\"language-go\">if a &lt; b {}\n</code></pre>"},
		{"markdown raw figure", feed.FormatMarkdown, "<figure><img src=\"/i.png\" alt=\"i\"><figcaption>*Cap*</figcaption></figure>",
			"<figure><img src=\"/i.png\" alt=\"i\"/><figcaption>*Cap*</figcaption></figure>"},
		{"markdown raw script", feed.FormatMarkdown, "Hi\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>",
			"<p>Hi</p>\n\n<img src=\"x\"/>"},
		{"markdown javascript link", feed.FormatMarkdown, "[click](javascript:alert(1)) ![i](data:image/png;base64,AA)",
			"<p>click <img alt=\"i\"/></p>"},
		{"markdown task list stays text", feed.FormatMarkdown, "- [ ] todo",
			"<ul>\n<li>[ ] todo</li>\n</ul>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := PostHTML(&feed.Post{Content: tc.in, Format: tc.format})
			if got != tc.want {
				t.Errorf("PostHTML(%q):\ngot  %q\nwant %q", tc.in, got, tc.want)
			}
			if err := CheckHarmless(got); err != nil {
				t.Errorf("not harmless: %v", err)
			}
		})
	}
	if got := PostHTML(nil); got != "" {
		t.Errorf("PostHTML(nil) = %q", got)
	}
}

func TestCommentHTML(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", ""},
		{"blank", " \n\n ", ""},
		{"plain", "Nice post!", "<p>Nice post!</p>"},
		{"plain escaped once", `Fish & Chips <3, a<b, "q" 'a' &amp; &lt;b&gt;`,
			`<p>Fish &amp; Chips &lt;3, a&lt;b, &#34;q&#34; &#39;a&#39; &amp;amp; &amp;lt;b&amp;gt;</p>`},
		{"unknown tag is text", "I <grin> at </grin>", "<p>I &lt;grin&gt; at &lt;/grin&gt;</p>"},
		{"paragraphs and breaks", "one\ntwo\r\nthree\n\n  \nfour\rfive\n",
			"<p>one<br/>\ntwo<br/>\nthree</p>\n<p>four<br/>\nfive</p>"},
		{"plain URL", "See https://example.com/a?b=1&c=2. Thanks",
			`<p>See <a href="https://example.com/a?b=1&amp;c=2" rel="nofollow ugc">https://example.com/a?b=1&amp;c=2</a>. Thanks</p>`},
		{"plain URL in brackets", "(see <https://example.com/x>) and https://en.wikipedia.org/wiki/Go_(game),",
			`<p>(see &lt;<a href="https://example.com/x" rel="nofollow ugc">https://example.com/x</a>&gt;) and <a href="https://en.wikipedia.org/wiki/Go_(game)" rel="nofollow ugc">https://en.wikipedia.org/wiki/Go_(game)</a>,</p>`},
		{"plain URL with quote", `https://example.com/"onmouseover="alert(1)`,
			`<p><a href="https://example.com/" rel="nofollow ugc">https://example.com/</a>&#34;onmouseover=&#34;alert(1)</p>`},
		{"plain non-http URLs stay text", "javascript:alert(1) ftp://x.example/ xhttp://y.example/",
			"<p>javascript:alert(1) ftp://x.example/ xhttp://y.example/</p>"},
		{"plain URL without host", "https:// and http:///x", "<p>https:// and http:///x</p>"},
		{"HTML", "<p>Hi <em>there</em></p>", "<p>Hi <em>there</em></p>"},
		{"inline HTML gets paragraphs", "<b>a</b>\nb", "<p><b>a</b><br/>\nb</p>"},
		{"link gets nofollow ugc", `<a href="https://x.example/" rel="me opener" target="_blank" title="t">x</a>`,
			`<p><a href="https://x.example/" rel="nofollow ugc">x</a></p>`},
		{"relative link", `<a href="../posts/other">o</a>`, `<p><a href="../posts/other" rel="nofollow ugc">o</a></p>`},
		{"javascript link", `<a href="javascript:alert(1)">x</a>`, `<p>x</p>`},
		{"image becomes a link", `<p>a<img src="https://tracker.example/p.gif">b</p>`,
			`<p>a<a href="https://tracker.example/p.gif" rel="nofollow ugc">image</a>b</p>`},
		{"no headings or tables", `<p>x</p><h1>Big</h1><table><tr><td>c</td></tr></table>`, `<p>x</p>Bigc`},
		{"allowed tags", `<blockquote><p><strong>s</strong> <i>i</i> <code>c</code></p></blockquote><pre>p</pre><ul><li>u</li></ul><ol><li>o</li></ol>`,
			`<blockquote><p><strong>s</strong> <i>i</i> <code>c</code></p></blockquote><pre>p</pre><ul><li>u</li></ul><ol><li>o</li></ol>`},
		{"attributes dropped", `<p class="x" id="y" style="color:red" title="t">p</p>`, `<p>p</p>`},
		{"unbalanced closed", `<blockquote><b>quote`, `<blockquote><b>quote</b></blockquote>`},
		{"entities in HTML stay text", `<p>&lt;script&gt;</p>`, `<p>&lt;script&gt;</p>`},
		{"HTML comment in HTML", "<b>a</b><!-- hidden -->b", "<p><b>a</b>b</p>"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkCommentHTML(t, tc.in, tc.want) })
	}
	if got := CommentHTML(nil); got != "" {
		t.Errorf("CommentHTML(nil) = %q", got)
	}
}

func TestLooksLikeHTML(t *testing.T) {
	for s, want := range map[string]bool{
		"":                        false,
		"plain":                   false,
		"I <3 Go":                 false,
		"x<y and y>z":             false,
		"<grin>":                  false,
		"a < b > c":               false,
		"<p>para":                 true,
		"text</b>":                true,
		"<br/>":                   true,
		"<!-- c -->":              false,
		"<!DOCTYPE html>":         false,
		"<SCRIPT>":                false,
		"<h1>":                    false,
		"<B>":                     true,
		`<a href="x">`:            true,
		"<script><b></script>":    false,
		"<!-- <b>x</b> -->":       false,
		"&lt;script&gt;":          false,
		"see <https://x.example>": false,
	} {
		if got := looksLikeHTML(s); got != want {
			t.Errorf("looksLikeHTML(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestTrimURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://x.example/":          "https://x.example/",
		"https://x.example/.":         "https://x.example/",
		"https://x.example/a,;:!?":    "https://x.example/a",
		"https://x.example/a)":        "https://x.example/a",
		"https://x.example/a_(b)":     "https://x.example/a_(b)",
		"https://x.example/a_(b)).":   "https://x.example/a_(b)",
		"https://x.example/[1]]":      "https://x.example/[1]",
		"https://x.example/?q=a&b=c.": "https://x.example/?q=a&b=c",
	} {
		if got := trimURL(in); got != want {
			t.Errorf("trimURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestFixedPoint: sanitized output goes through again unchanged, so the
// sanitizers neither lose nor add anything on a second pass.
func TestFixedPoint(t *testing.T) {
	for _, c := range contenttest.XSSCorpus(t).Cases {
		once := PostHTML(&feed.Post{Content: c.Input})
		if twice := PostHTML(&feed.Post{Content: once}); twice != once {
			t.Errorf("%s: PostHTML is not a fixed point:\nonce  %q\ntwice %q", c.Name, once, twice)
		}
		once = CommentHTML(&feed.Comment{Content: c.Input})
		if once == "" || !looksLikeHTML(once) {
			continue // plain text output would be escaped again
		}
		if twice := CommentHTML(&feed.Comment{Content: once}); twice != once {
			t.Errorf("%s: CommentHTML is not a fixed point:\nonce  %q\ntwice %q", c.Name, once, twice)
		}
	}
}

// TestConcurrent runs the sanitizers from several goroutines, for the race
// detector: the policies and the Markdown converter are shared.
func TestConcurrent(t *testing.T) {
	in := strings.Repeat("<p>Some <a href=\"/x\">text</a> https://example.com/ <script>x</script></p>\n\n", 20)
	want := [3]string{
		PostHTML(&feed.Post{Content: in}),
		PostHTML(&feed.Post{Content: in, Format: feed.FormatMarkdown}),
		CommentHTML(&feed.Comment{Content: in}),
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				got := [3]string{
					PostHTML(&feed.Post{Content: in}),
					PostHTML(&feed.Post{Content: in, Format: feed.FormatMarkdown}),
					CommentHTML(&feed.Comment{Content: in}),
				}
				if got != want {
					t.Error("concurrent sanitizing gave different output")
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestCommentHTML_InlineHTMLParagraphs(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Hello <b>there</b>\n\nsecond <i>para</i>\nline", "<p>Hello <b>there</b></p>\n<p>second <i>para</i><br/>\nline</p>"},
		{"<b>bold\n\nstill</b> text", "<p><b>bold</b></p><b>\n</b><p><b>still</b> text</p>"},
		{"<p>own</p>\n\n<p>structure</p>", "<p>own</p>\n\n<p>structure</p>"},
		{"<i>a</i> <script>x</script>\n\nb", "<p><i>a</i> </p>\n<p>b</p>"},
	} {
		got := CommentHTML(&feed.Comment{Content: tt.in})
		if got != tt.want {
			t.Errorf("CommentHTML(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if err := CheckHarmless(got); err != nil {
			t.Errorf("CommentHTML(%q): %v", tt.in, err)
		}
	}
}

// TestCommentHTML_PlainTextKeepsEveryCharacter (issue 14 item 6): a
// comment without a tag the comment policy keeps is plain text, and none
// of its characters is lost to an HTML parser.
// TestCommentHTML_Images: no comment's HTML holds an <img> (a tracking
// pixel in every reader); by default each becomes a link to its image,
// and with ImagesDrop it is removed.
func TestCommentHTML_Images(t *testing.T) {
	for _, tc := range []struct{ name, in, links, drop string }{
		{"alt text", `<p>see <img src="https://x.example/cat.png" alt="a cat" width="1" height="1"> here</p>`,
			`<p>see <a href="https://x.example/cat.png" rel="nofollow ugc">a cat</a> here</p>`,
			`<p>see  here</p>`},
		{"no alt", `<p><img src="/p.gif"></p>`, `<p><a href="/p.gif" rel="nofollow ugc">image</a></p>`, `<p></p>`},
		{"top level", `<p>x</p><img src="https://x.example/i.png" alt="i">`,
			`<p>x</p><a href="https://x.example/i.png" rel="nofollow ugc">i</a>`, `<p>x</p>`},
		{"inside a link", `<a href="https://x.example/"><img src="https://x.example/i.png" alt="logo"></a>`,
			`<p><a href="https://x.example/" rel="nofollow ugc">logo</a></p>`,
			`<p><a href="https://x.example/" rel="nofollow ugc"></a></p>`},
		{"data URL", `<p><img src="data:image/png;base64,AAAA" alt="d"></p>`, `<p>d</p>`, `<p></p>`},
		{"javascript URL", `<p><img src="javascript:alert(1)"></p>`, `<p></p>`, `<p></p>`},
		{"handlers", `<p><img src="https://x.example/i.png" onerror="alert(1)" alt="&quot;><script>"></p>`,
			`<p><a href="https://x.example/i.png" rel="nofollow ugc">&#34;&gt;&lt;script&gt;</a></p>`, `<p></p>`},
		{"srcset only", `<p><img srcset="https://x.example/i.png 2x" alt="s"></p>`, `<p>s</p>`, `<p></p>`},
		// A comment is HTML only with a tag the policy keeps, and <img> is
		// not one: alone it is plain text, shown as typed.
		{"plain text", `use <img src=x> tags`, `<p>use &lt;img src=x&gt; tags</p>`, `<p>use &lt;img src=x&gt; tags</p>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkCommentHTML(t, tc.in, tc.links)
			setImages(t, ImagesDrop)
			checkCommentHTML(t, tc.in, tc.drop)
		})
	}
	if err := SetCommentImages("keep"); err == nil {
		t.Error(`SetCommentImages("keep") succeeded`)
	}
	if got := CommentImages(); got != ImagesLinks {
		t.Errorf("CommentImages() = %q after a refused mode, want %q", got, ImagesLinks)
	}
}

// setImages sets the comment image mode for the rest of t.
func setImages(t *testing.T, mode string) {
	t.Helper()
	old := CommentImages()
	if err := SetCommentImages(mode); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { SetCommentImages(old) })
}

func TestCommentHTML_PlainTextKeepsEveryCharacter(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"CDATA", "a <![CDATA[ x ]]> b", "<p>a &lt;![CDATA[ x ]]&gt; b</p>"},
		{"comment", "a <!-- x --> b", "<p>a &lt;!-- x --&gt; b</p>"},
		{"processing instruction", "a <? pi ?> b", "<p>a &lt;? pi ?&gt; b</p>"},
		{"script tag named", "use <script> tags", "<p>use &lt;script&gt; tags</p>"},
		{"script element", "<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"},
		{"style and title", "<style>p{}</style> <title>t</title>", "<p>&lt;style&gt;p{}&lt;/style&gt; &lt;title&gt;t&lt;/title&gt;</p>"},
		{"unkept tag", "<div>d</div> <h1>h</h1> <img src=x>", "<p>&lt;div&gt;d&lt;/div&gt; &lt;h1&gt;h&lt;/h1&gt; &lt;img src=x&gt;</p>"},
		{"doctype", "<!DOCTYPE html> x", "<p>&lt;!DOCTYPE html&gt; x</p>"},
		{"normal text", "Nice post.\nThanks!\n\nBye", "<p>Nice post.<br/>\nThanks!</p>\n<p>Bye</p>"},
		{"entities stay text", "&amp; &lt;b&gt;", "<p>&amp;amp; &amp;lt;b&amp;gt;</p>"},
		{"link in plain text", "see https://x.example/a <!-- c -->",
			`<p>see <a href="https://x.example/a" rel="nofollow ugc">https://x.example/a</a> &lt;!-- c --&gt;</p>`},
		{"allowed HTML", `<p>Hi <b>b</b> <a href="https://x.example/">l</a></p>`,
			`<p>Hi <b>b</b> <a href="https://x.example/" rel="nofollow ugc">l</a></p>`},
		{"allowed HTML drops the rest", "<em>e</em> <script>x</script><!-- c --> <h1>h</h1>", "<p><em>e</em>  h</p>"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkCommentHTML(t, tc.in, tc.want) })
	}
}

func TestDerive(t *testing.T) {
	p := &feed.Post{Content: "*a*<script>x</script>", Format: feed.FormatMarkdown}
	DerivePost(p)
	if p.HTML != "<p><em>a</em></p>" || p.HTMLVersion != Version {
		t.Errorf("DerivePost: HTML %q, version %d", p.HTML, p.HTMLVersion)
	}
	c := &feed.Comment{Content: "<b onclick=x>b</b>"}
	DeriveComment(c)
	if c.HTML != "<p><b>b</b></p>" || c.HTMLVersion != Version {
		t.Errorf("DeriveComment: HTML %q, version %d", c.HTML, c.HTMLVersion)
	}
	// What an entry carries of this Version is shown as it is; of another
	// version (or none), the source is derived again.
	p.HTML = "<p>kept</p>"
	if got := PostHTML(p); got != "<p>kept</p>" {
		t.Errorf("PostHTML of a derived post = %q", got)
	}
	c.HTML = "<p>kept</p>"
	if got := CommentHTML(c); got != "<p>kept</p>" {
		t.Errorf("CommentHTML of a derived comment = %q", got)
	}
	p.HTMLVersion, c.HTMLVersion = Version-1, Version+1
	if got := PostHTML(p); got != "<p><em>a</em></p>" {
		t.Errorf("PostHTML of an old derivation = %q", got)
	}
	if got := CommentHTML(c); got != "<p><b>b</b></p>" {
		t.Errorf("CommentHTML of another version's derivation = %q", got)
	}
}

// TestUserContentIDs (issue 14 item 8): user content cannot take the
// page's ids. Posts keep ids and anchor names behind the user-content-
// prefix, with their in-page links rewritten to match; comments keep none.
func TestUserContentIDs(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"id prefixed", `<p id="comment-form">p</p>`, `<p id="user-content-comment-form">p</p>`},
		{"anchor name prefixed", `<a name="notes">n</a>`, `<a name="user-content-notes">n</a>`},
		{"in-page link follows", `<a href="#notes">see</a> <h2 id="notes">N</h2>`,
			`<a href="#user-content-notes">see</a> <h2 id="user-content-notes">N</h2>`},
		{"prefixed once", `<p id="user-content-x"><a href="#user-content-x">x</a></p>`,
			`<p id="user-content-x"><a href="#user-content-x">x</a></p>`},
		{"other links untouched", `<a href="/x#y">a</a> <a href="https://x.example/#z">b</a>`,
			`<a href="/x#y">a</a> <a href="https://x.example/#z">b</a>`},
		{"bad id dropped", `<p id="a:b">p</p>`, `<p>p</p>`},
	} {
		t.Run("post "+tc.name, func(t *testing.T) {
			got := PostHTML(&feed.Post{Content: tc.in})
			if got != tc.want {
				t.Errorf("PostHTML(%q):\ngot  %q\nwant %q", tc.in, got, tc.want)
			}
			if again := PostHTML(&feed.Post{Content: got}); again != got {
				t.Errorf("PostHTML is not a fixed point: %q", again)
			}
		})
	}
	md := PostHTML(&feed.Post{Content: "[n](#notes)\n\n<h2 id=\"notes\">N</h2>", Format: feed.FormatMarkdown})
	if want := `<p><a href="#user-content-notes">n</a></p>` + "\n" + `<h2 id="user-content-notes">N</h2>`; md != want {
		t.Errorf("Markdown post: got %q, want %q", md, want)
	}
	for _, in := range []string{
		`<p id="comment-form">p</p>`,
		`<a name="comment-form" id="x" href="#x">p</a>`,
		`<b name="n" id="i">p</b>`,
	} {
		got := CommentHTML(&feed.Comment{Content: in})
		if strings.Contains(got, "id=") || strings.Contains(got, "name=") {
			t.Errorf("CommentHTML(%q) = %q: keeps an id or name", in, got)
		}
	}
}

// checkCommentHTML fails the test unless in derives to want, harmless.
func checkCommentHTML(t *testing.T, in, want string) {
	t.Helper()
	got := CommentHTML(&feed.Comment{Content: in})
	if got != want {
		t.Errorf("CommentHTML(%q):\ngot  %q\nwant %q", in, got, want)
	}
	if err := CheckHarmless(got); err != nil {
		t.Errorf("not harmless: %v", err)
	}
}
