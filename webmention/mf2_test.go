package webmention

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
)

// simple turns parsed items into the JSON shape of the microformats test
// suite (microformats/tests: items with type, properties and children;
// a nested item as {"type", "properties", "value"}, an e-* value as
// {"html", "value"}), so that cases read like the suite's.
func simple(items []*Item) []any {
	out := []any{}
	for _, it := range items {
		out = append(out, simpleItem(it, ""))
	}
	return out
}

func simpleItem(it *Item, value string) map[string]any {
	props := map[string]any{}
	for name, vs := range it.Properties {
		var list []any
		for _, v := range vs {
			switch {
			case v.Item != nil:
				list = append(list, simpleItem(v.Item, v.Text))
			case v.HTML != "" || strings.HasPrefix(name, "content"):
				list = append(list, map[string]any{"html": v.HTML, "value": v.Text})
			default:
				list = append(list, v.Text)
			}
		}
		props[name] = list
	}
	m := map[string]any{"type": it.Type, "properties": props}
	if value != "" {
		m["value"] = value
	}
	if len(it.Children) > 0 {
		m["children"] = simple(it.Children)
	}
	return m
}

// TestParse runs cases modelled on the microformats test suite
// (microformats-v2 h-card, h-entry, implied properties, value-class
// pattern, nested and child items), written here: each gives the HTML and
// the expected items as the suite's JSON.
func TestParse(t *testing.T) {
	base, _ := url.Parse("http://example.com/notes/1")
	for _, tc := range []struct {
		name, html, want string
	}{
		{"h-card/just-a-name", `<p class="h-card">Frances Berriman</p>`,
			`[{"type":["h-card"],"properties":{"name":["Frances Berriman"]}}]`},
		{"h-card/just-a-hyperlink", `<a class="h-card" href="http://benward.me">Ben Ward</a>`,
			`[{"type":["h-card"],"properties":{"name":["Ben Ward"],"url":["http://benward.me"]}}]`},
		{"h-card/img-alt", `<img class="h-card" alt="Rohit Khare" src="/me.png">`,
			`[{"type":["h-card"],"properties":{"name":["Rohit Khare"],"photo":["http://example.com/me.png"]}}]`},
		{"h-card/only-child-img", `<div class="h-card"><img src="me.jpg" alt="Jane"></div>`,
			`[{"type":["h-card"],"properties":{"name":["Jane"],"photo":["http://example.com/notes/me.jpg"]}}]`},
		{"h-card/only-child-link-of-only-child", `<div class="h-card"><span><a href="https://jane.example/">Jane Doe</a></span></div>`,
			`[{"type":["h-card"],"properties":{"name":["Jane Doe"],"url":["https://jane.example/"]}}]`},
		{"h-card/explicit-properties",
			`<div class="h-card"><a class="p-name u-url" href="https://tantek.com/">Tantek Çelik</a><img class="u-photo" src="/t.jpg" alt="photo of Tantek"></div>`,
			`[{"type":["h-card"],"properties":{"name":["Tantek Çelik"],"url":["https://tantek.com/"],"photo":["http://example.com/t.jpg"]}}]`},
		{"h-card/p-name-img-alt", `<div class="h-card"><span class="p-name">Ann <img src="/x.png" alt="(A)"></span></div>`,
			`[{"type":["h-card"],"properties":{"name":["Ann (A)"],"photo":["http://example.com/x.png"]}}]`},
		{"h-card/abbr-title-data-value",
			`<div class="h-card"><abbr class="p-name" title="Jane Doe">JD</abbr><data class="p-nickname" value="jd">J</data></div>`,
			`[{"type":["h-card"],"properties":{"name":["Jane Doe"],"nickname":["jd"]}}]`},
		{"h-card/no-implied-name-with-p", `<div class="h-card"><span class="p-org">W3C</span></div>`,
			`[{"type":["h-card"],"properties":{"org":["W3C"]}}]`},
		{"h-card/duplicate-and-invalid-classes", `<p class="h-card h-card h-Card h-">Sue</p>`,
			`[{"type":["h-card"],"properties":{"name":["Sue"]}}]`},
		{"h-entry/e-content",
			`<article class="h-entry"><h1 class="p-name">Hi</h1><div class="e-content"><p>Hello <b>world</b></p></div></article>`,
			`[{"type":["h-entry"],"properties":{"name":["Hi"],"content":[{"html":"<p>Hello <b>world</b></p>","value":"Hello world"}]}}]`},
		{"h-entry/u-properties",
			`<div class="h-entry"><a class="u-url" href="/notes/1">link</a><a class="u-in-reply-to" href="https://b.example/posts/x">re</a><img class="u-photo" src="p.jpg"><video class="u-video" poster="v.jpg"></video><object class="u-featured" data="f.svg"></object><abbr class="u-uid" title="urn:x">u</abbr><data class="u-syndication" value="https://s.example/1"></data><span class="u-bookmark-of">https://c.example/</span></div>`,
			`[{"type":["h-entry"],"properties":{"name":["urn:x"],"url":["http://example.com/notes/1"],"in-reply-to":["https://b.example/posts/x"],"photo":["http://example.com/notes/p.jpg"],"video":["http://example.com/notes/v.jpg"],"featured":["http://example.com/notes/f.svg"],"uid":["urn:x"],"syndication":["https://s.example/1"],"bookmark-of":["https://c.example/"]}}]`},
		{"h-entry/dt-forms",
			`<div class="h-entry"><p class="p-name">n</p><time class="dt-published" datetime="2024-05-01T12:00:00+02:00">May 1</time><abbr class="dt-updated" title="2024-05-02 10:00:00Z">May 2</abbr><data class="dt-start" value="2024-05-03"></data><span class="dt-end">2024-05-04T00:00Z</span></div>`,
			`[{"type":["h-entry"],"properties":{"name":["n"],"published":["2024-05-01T12:00:00+02:00"],"updated":["2024-05-02 10:00:00Z"],"start":["2024-05-03"],"end":["2024-05-04T00:00Z"]}}]`},
		{"value-class/date-and-time",
			`<div class="h-entry"><p class="p-name">n</p><span class="dt-published"><span class="value">2024-05-01</span> at <span class="value">12:30</span><span class="value">+0100</span></span></div>`,
			`[{"type":["h-entry"],"properties":{"name":["n"],"published":["2024-05-01 12:30+0100"]}}]`},
		{"value-class/value-title-and-p",
			`<div class="h-card"><span class="p-tel"><span class="value">+1</span> (ignored) <span class="value">555</span></span><span class="p-note"><span class="value-title" title="a note"> </span>shown</span><p class="p-name">N</p></div>`,
			`[{"type":["h-card"],"properties":{"tel":["+1555"],"note":["a note"],"name":["N"]}}]`},
		{"value-class/time-element",
			`<div class="h-event"><p class="p-name">e</p><p class="dt-start"><time class="value" datetime="2024-06-01">June</time> <time class="value" datetime="18:00">6pm</time></p></div>`,
			`[{"type":["h-event"],"properties":{"name":["e"],"start":["2024-06-01 18:00"]}}]`},
		{"nested/p-author-h-card",
			`<div class="h-entry"><p class="p-name">n</p><a class="p-author h-card" href="https://bea.example/">Bea</a></div>`,
			`[{"type":["h-entry"],"properties":{"name":["n"],"author":[{"type":["h-card"],"properties":{"name":["Bea"],"url":["https://bea.example/"]},"value":"Bea"}]}}]`},
		{"nested/u-in-reply-to-h-cite",
			`<div class="h-entry"><p class="p-name">n</p><div class="u-in-reply-to h-cite"><a class="u-url" href="https://b.example/p">B</a></div></div>`,
			`[{"type":["h-entry"],"properties":{"name":["n"],"in-reply-to":[{"type":["h-cite"],"properties":{"name":["B"],"url":["https://b.example/p"]},"value":"https://b.example/p"}]}}]`},
		{"nested/no-implied-name-with-nested-item",
			`<div class="h-entry"><a class="p-author h-card" href="/me">Me</a> said hi</div>`,
			`[{"type":["h-entry"],"properties":{"author":[{"type":["h-card"],"properties":{"name":["Me"],"url":["http://example.com/me"]},"value":"Me"}]}}]`},
		{"children/h-feed",
			`<div class="h-feed"><h1 class="p-name">Feed</h1><div class="h-entry"><p class="p-name">one</p></div><div class="h-entry"><p class="p-name">two</p></div></div>`,
			`[{"type":["h-feed"],"properties":{"name":["Feed"]},"children":[{"type":["h-entry"],"properties":{"name":["one"]}},{"type":["h-entry"],"properties":{"name":["two"]}}]}]`},
		{"base-href", `<head><base href="https://cdn.example/a/"></head><a class="h-card" href="b">B</a>`,
			`[{"type":["h-card"],"properties":{"name":["B"],"url":["https://cdn.example/a/b"]}}]`},
		{"script-and-style-left-out", `<p class="h-card">Al<script>x()</script><style>p{}</style>ice</p>`,
			`[{"type":["h-card"],"properties":{"name":["Alice"]}}]`},
		{"no-microformats", `<p class="entry card">nothing</p>`, `[]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Parse(strings.NewReader(tc.html), base)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got, _ := json.Marshal(simple(d.Items))
			var g, w any
			json.Unmarshal(got, &g)
			if err := json.Unmarshal([]byte(tc.want), &w); err != nil {
				t.Fatalf("bad want: %v", err)
			}
			gj, _ := json.Marshal(g)
			wj, _ := json.Marshal(w)
			if string(gj) != string(wj) {
				t.Errorf("got  %s\nwant %s", gj, wj)
			}
		})
	}
}

// TestFindEntry checks the h-entry a mention's source is read from, and
// what feedd takes from it.
func TestFindEntry(t *testing.T) {
	const source, target = "https://a.example/notes/2", "https://b.example/posts/p1"
	base, _ := url.Parse(source)
	for _, tc := range []struct {
		name, html string
		want       *Entry
		kind       string
	}{
		{"reply with h-card author",
			`<article class="h-entry"><a class="u-url" href="/notes/2">#</a><div class="p-author h-card"><img class="u-photo" src="/me.jpg" alt=""><a class="p-name u-url" href="https://a.example/">Ann</a></div>
			<a class="u-in-reply-to" href="https://B.example:443/posts/p1#comments">re</a>
			<time class="dt-published" datetime="2024-05-01T12:00:00+02:00"></time><div class="e-content"><p>Great post!</p></div></article>`,
			&Entry{URL: source, ContentHTML: "<p>Great post!</p>", ContentText: "Great post!", Published: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
				Author: Card{Name: "Ann", URL: "https://a.example/", Photo: "https://a.example/me.jpg"}, InReplyTo: []string{"https://B.example:443/posts/p1#comments"}},
			feed.MentionReply},
		{"like with text author",
			`<div class="h-entry"><span class="p-author">Bob</span> liked <a class="u-like-of" href="https://b.example/posts/p1">this</a></div>`,
			&Entry{Author: Card{Name: "Bob"}, LikeOf: []string{target}}, feed.MentionLike},
		{"repost with URL author and h-cite",
			`<div class="h-entry"><a class="p-author" href="https://c.example/">https://c.example/</a><div class="u-repost-of h-cite"><a class="u-url" href="https://b.example/posts/p1">p1</a></div></div>`,
			&Entry{Author: Card{URL: "https://c.example/"}, RepostOf: []string{target}}, feed.MentionRepost},
		{"bookmark", `<div class="h-entry"><p class="p-name">saved</p><a class="u-bookmark-of" href="https://b.example/posts/p1">p1</a></div>`,
			&Entry{Name: "saved", BookmarkOf: []string{target}}, feed.MentionBookmark},
		{"reply to another post is a mention",
			`<div class="h-entry"><p class="p-name">n</p><a class="u-in-reply-to" href="https://b.example/posts/p2">x</a> see <a href="https://b.example/posts/p1">p1</a></div>`,
			&Entry{Name: "n", InReplyTo: []string{"https://b.example/posts/p2"}}, feed.MentionLink},
		{"the entry whose url is the source, in an h-feed",
			`<div class="h-feed"><div class="h-entry"><p class="p-name">first</p><a class="u-url" href="/notes/1">1</a></div><div class="h-entry"><p class="p-name">second</p><a class="u-url" href="/notes/2">2</a><a class="u-like-of" href="https://b.example/posts/p1">p1</a></div></div>`,
			&Entry{Name: "second", URL: source, LikeOf: []string{target}}, feed.MentionLike},
		{"a nested p-comment h-entry is not the source's",
			`<div class="h-entry"><p class="p-name">mine</p><div class="p-comment h-entry"><p class="p-name">theirs</p><a class="u-like-of" href="https://b.example/posts/p1">p1</a></div></div>`,
			&Entry{Name: "mine"}, feed.MentionLink},
		{"dates: value-class, no zone, bad",
			`<div class="h-entry"><p class="p-name">n</p><span class="dt-published"><span class="value">2024-05-01</span> <span class="value">09:15:30</span><span class="value">-05:00</span></span><span class="dt-updated">2024-05-03 08:00</span></div>`,
			&Entry{Name: "n", Published: time.Date(2024, 5, 1, 14, 15, 30, 0, time.UTC), Updated: time.Date(2024, 5, 3, 8, 0, 0, 0, time.UTC)}, feed.MentionLink},
		{"no h-entry", `<p class="h-card">Ann</p>`, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Parse(strings.NewReader(tc.html), base)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got := FindEntry(d, source)
			if tc.want == nil {
				if got != nil {
					t.Fatalf("FindEntry = %+v, want nil", got)
				}
				return
			}
			if got == nil {
				t.Fatal("FindEntry = nil")
			}
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(tc.want)
			if string(gj) != string(wj) {
				t.Errorf("got  %s\nwant %s", gj, wj)
			}
			if k := got.Kind(target); k != tc.kind {
				t.Errorf("Kind = %q, want %q", k, tc.kind)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, s := range []string{"2024-05-01T12:00:00Z", "2024-05-01 12:00:00z", "2024-05-01T14:00:00+02:00", "2024-05-01T14:00+0200",
		"2024-05-01 14:00:00 +02:00", "2024-05-01T12:00", "2024-05-01t12:00:00.000Z", "2024-05-01T07:00-05"} {
		if got := ParseTime(s); !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, want %v", s, got, want)
		}
	}
	if got := ParseTime("2024-05-01"); !got.Equal(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("ParseTime(date) = %v", got)
	}
	for _, s := range []string{"", "yesterday", "May 1, 2024", "2024-13-01"} {
		if got := ParseTime(s); !got.IsZero() {
			t.Errorf("ParseTime(%q) = %v, want zero", s, got)
		}
	}
}

// FuzzParse: any page parses without a panic, and FindEntry and Kind
// work on whatever it gives.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`<div class="h-entry"><a class="p-author h-card" href="/">A</a><a class="u-in-reply-to" href="https://b.example/p">x</a></div>`,
		`<p class="dt-published"><span class="value">2024-01-01</span><span class="value">10:00</span></p>`,
		`<div class="h-feed"><div class="h-entry u-url h-cite"><img class="u-photo" src=""></div></div>`,
		`<base href="::"><a class="h-card" href="%zz">x</a>`,
	} {
		f.Add(s)
	}
	base, _ := url.Parse("https://a.example/notes/1")
	f.Fuzz(func(t *testing.T, page string) {
		d, err := Parse(strings.NewReader(page), base)
		if err != nil {
			return
		}
		if e := FindEntry(d, base.String()); e != nil {
			e.Kind("https://b.example/p")
		}
	})
}
