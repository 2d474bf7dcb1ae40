package poll

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestAbsolutize(t *testing.T) {
	base := mustURL(t, "https://blog.example/2024/05/post.html")
	for _, tc := range []struct{ in, want string }{
		{`<p>plain</p>`, `<p>plain</p>`},
		{`<a href="/x">x</a>`, `<a href="https://blog.example/x">x</a>`},
		{`<a href="y.html" title="t">y</a>`, `<a href="https://blog.example/2024/05/y.html" title="t">y</a>`},
		{`<img src="../i.png"/>`, `<img src="https://blog.example/2024/i.png"/>`},
		{`<img srcset="a.png 1x, /b.png 2x">`, `<img srcset="https://blog.example/2024/05/a.png 1x, https://blog.example/b.png 2x">`},
		{`<a href="https://other.example/">o</a>`, `<a href="https://other.example/">o</a>`},
		{`<a href="mailto:a@b.example">m</a>`, `<a href="mailto:a@b.example">m</a>`},
		{`<a href="#frag">f</a>`, `<a href="https://blog.example/2024/05/post.html#frag">f</a>`},
		{`<a href="//cdn.example/x">c</a>`, `<a href="https://cdn.example/x">c</a>`},
		{`<video poster="p.jpg" src="v.mp4"></video>`, `<video poster="https://blog.example/2024/05/p.jpg" src="https://blog.example/2024/05/v.mp4"></video>`},
		{`text with href=x but no tag`, `text with href=x but no tag`},
		{`<a href="/a?b=1&amp;c=2">q</a>`, `<a href="https://blog.example/a?b=1&amp;c=2">q</a>`},
	} {
		if got := content.Absolutize(tc.in, base); got != tc.want {
			t.Errorf("absolutize(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
	if got := content.Absolutize(`<a href="/x">`, nil); got != `<a href="/x">` {
		t.Errorf("without a base: %q", got)
	}
}

func TestResolveLink(t *testing.T) {
	base := mustURL(t, "https://blog.example/feed/")
	for in, want := range map[string]string{
		"":                     "",
		" /post ":              "https://blog.example/post",
		"post":                 "https://blog.example/feed/post",
		"http://x.example/a":   "http://x.example/a",
		"javascript:alert(1)":  "",
		"mailto:a@example.com": "",
		"ftp://x.example/":     "",
		"https://" + strings.Repeat("a", feed.MaxURILen): "",
	} {
		if got := resolveLink(in, base); got != want {
			t.Errorf("resolveLink(%q) = %q, want %q", in, got, want)
		}
	}
	if got := resolveLink("/relative", nil); got != "" {
		t.Errorf("relative link without a base = %q", got)
	}
}

func TestUpstreamID(t *testing.T) {
	d, err := parse(strings.NewReader(`<rss version="2.0"><channel><title>T</title>
<item><guid> urn:given </guid><title>a</title></item>
<item><title>b</title><link>/b</link></item>
<item><title>c</title><pubDate>Mon, 02 Jan 2006 15:04:05 GMT</pubDate></item>
<item><guid>`+strings.Repeat("x", 3000)+`</guid></item>
</channel></rss>`), "", mustURL(t, "https://blog.example/feed"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range d.entries {
		ids = append(ids, d.upstreamID(e, d.link(e)))
	}
	want := []string{"urn:given", "link:https://blog.example/b", "sha256:", "sha256:"}
	for i := range want {
		if !strings.HasPrefix(ids[i], want[i]) {
			t.Errorf("id %d = %q, want %q...", i, ids[i], want[i])
		}
	}
	if len(ids[2]) != len("sha256:")+32 || ids[2] == ids[3] {
		t.Errorf("synthetic ids %q, %q", ids[2], ids[3])
	}
	// Stable: the same title and date give the same id.
	again, _ := parse(strings.NewReader(`<rss version="2.0"><channel><title>T</title>
<item><title>c</title><description>edited</description><pubDate>Mon, 02 Jan 2006 15:04:05 GMT</pubDate></item></channel></rss>`), "", nil)
	if got := again.upstreamID(again.entries[0], ""); got != ids[2] {
		t.Errorf("synthetic id not stable: %q then %q", ids[2], got)
	}
}

func TestTitle(t *testing.T) {
	for in, want := range map[string]string{
		"Plain":                       "Plain",
		"  spaced\n out\t ":           "spaced out",
		"<b>Bold</b> &amp; <i>it</i>": "Bold & it",
		"x < y and y > z":             "x < y and y > z",
		"a\u202eb\x00c":               "abc",
		strings.Repeat("é", 400):      strings.Repeat("é", feed.MaxTitleLen-1) + "\u2026",
	} {
		if got := title(in); got != want {
			t.Errorf("title(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDates(t *testing.T) {
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	at := func(s string) *time.Time {
		t, _ := time.Parse(time.RFC3339Nano, s)
		return &t
	}
	for _, tc := range []struct {
		name               string
		published, updated *time.Time
		wantPub, wantUpd   string
	}{
		{"Both", at("2024-05-01T10:00:00.5+02:00"), at("2024-05-02T10:00:00Z"), "2024-05-01T08:00:00Z", "2024-05-02T10:00:00Z"},
		{"UpdatedOnly", nil, at("2024-05-02T10:00:00Z"), "2024-05-02T10:00:00Z", "2024-05-02T10:00:00Z"},
		{"PublishedOnly", at("2024-05-01T10:00:00Z"), nil, "2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z"},
		{"None", nil, nil, "", ""},
		{"UpdatedBeforePublished", at("2024-05-02T00:00:00Z"), at("2024-05-01T00:00:00Z"), "2024-05-02T00:00:00Z", "2024-05-02T00:00:00Z"},
		{"Future", at("2030-01-01T00:00:00Z"), nil, "", ""},
		{"SlightlyAhead", at("2024-06-01T13:00:00Z"), nil, "2024-06-01T13:00:00Z", "2024-06-01T13:00:00Z"},
		{"Ancient", at("1900-01-01T00:00:00Z"), at("2024-05-01T00:00:00Z"), "2024-05-01T00:00:00Z", "2024-05-01T00:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &entry{item: &gofeed.Item{}}
			e.item.PublishedParsed, e.item.UpdatedParsed = tc.published, tc.updated
			pub, upd := e.dates(now)
			if got := fmtTime(pub); got != tc.wantPub {
				t.Errorf("published = %s, want %s", got, tc.wantPub)
			}
			if got := fmtTime(upd); got != tc.wantUpd {
				t.Errorf("updated = %s, want %s", got, tc.wantUpd)
			}
		})
	}
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

func TestThreadOrder(t *testing.T) {
	at := func(min int) time.Time { return time.Date(2024, 1, 1, 0, min, 0, 0, time.UTC) }
	c := func(id, parent string, min int) threaded {
		return threaded{c: &feed.Comment{Published: at(min), Origin: &feed.Origin{ID: id}}, parent: parent}
	}
	// A reply dated before its parent (clock skew), a cycle, an undated
	// comment and a reply to a comment not in the feed.
	got := threadOrder([]threaded{
		c("reply", "parent", 1),
		c("parent", "post", 2),
		c("x", "y", 3), c("y", "x", 4),
		{c: &feed.Comment{Origin: &feed.Origin{ID: "undated"}}},
		c("orphan", "elsewhere", 0),
	})
	var ids []string
	for _, t := range got {
		ids = append(ids, t.c.Origin.ID)
	}
	if want := "orphan parent reply y x undated"; strings.Join(ids, " ") != want {
		t.Errorf("order = %v, want %s", ids, want)
	}
}

func TestCategories(t *testing.T) {
	many := make([]string, 0, 60)
	for i := range 60 {
		many = append(many, strings.Repeat("c", i%3+1)+string(rune('A'+i%26))+string(rune('a'+i/26)))
	}
	e := &entry{item: &gofeed.Item{}}
	e.item.Categories = append([]string{" go ", "go", "", strings.Repeat("x", 200)}, many...)
	got := e.categories()
	if len(got) != feed.MaxCategories || got[0] != "go" || len([]rune(got[1])) != feed.MaxCategoryLen {
		t.Errorf("categories = %d, %q, %d runes", len(got), got[0], len([]rune(got[1])))
	}
}

func TestPost_EmptyContent(t *testing.T) {
	d, err := parse(strings.NewReader(`<rss version="2.0"><channel><title>T</title>
<item><guid>1</guid><title>Link only</title><link>https://x.example/a?b=1&amp;c=2</link></item>
<item><guid>2</guid><title>Nothing</title></item>
</channel></rss>`), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i, want := range []string{
		`<p><a href="https://x.example/a?b=1&amp;c=2">https://x.example/a?b=1&amp;c=2</a></p>`,
		`<p>Nothing</p>`,
	} {
		p := d.post(d.entries[i], "s", now)
		if p.Content != want {
			t.Errorf("entry %d: content %q, want %q", i, p.Content, want)
		}
		if err := p.Validate(); err != nil {
			t.Errorf("entry %d: %v", i, err)
		}
	}
}
