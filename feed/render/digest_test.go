package render

import (
	"time"
	_ "time/tzdata" // Europe/Berlin wherever the tests run

	"github.com/feedd/feedd/feed"
)

// berlin is the site zone of the digest cases.
var berlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return loc
}()

// digestSite is the data of the digest cases: a new post and two comments
// on Wednesday 2 December 2026 (Berlin), nothing on 1 December, and on
// Monday 30 November a post with markup in its title, edited later, and a
// stranger's comment with markup, on an older post. On 25 November, the
// week before, one comment.
type digestSite struct {
	winter, fish    *feed.Post
	c1, c2, c3, old *feed.Comment
}

func newDigestSite() digestSite {
	winter := &feed.Post{
		ID: "winter", Title: "Winter notes", Content: "<p>Snow.</p>", AuthorName: "Ben Okafor",
		Published: date("2026-12-02T09:00:00+01:00"), Updated: date("2026-12-02T09:00:00+01:00"),
	}
	fish := &feed.Post{
		ID: "fish", Title: "Fish & Chips <3", Content: "<p>Cod.</p>",
		Published: date("2026-11-30T00:30:00+01:00"), Updated: date("2026-12-05T10:00:00+01:00"), // edited since
	}
	return digestSite{
		winter: winter,
		fish:   fish,
		c1: &feed.Comment{
			ID: "c1", PostID: "winter", PostTitle: winter.Title, AuthorName: "Carla",
			Content:   "<p>Lovely &amp; <b>cold</b>.</p>",
			Published: date("2026-12-02T18:30:00+01:00"), Updated: date("2026-12-02T18:30:00+01:00"),
		},
		c2: &feed.Comment{
			ID: "c2", PostID: "hello", ParentID: "c0", PostTitle: "Hello, world", AuthorName: "Ben Okafor",
			Content:   "Thanks!\n\nSee https://example.org/?a=1&b=2 for more, and a long tail of words that goes on and on and on so that the quote of it in a digest has to be cut somewhere near here.",
			Published: date("2026-12-02T10:15:00+01:00"), Updated: date("2026-12-02T10:15:00+01:00"),
		},
		c3: &feed.Comment{
			ID: "c3", PostID: "fish", PostTitle: fish.Title, AuthorName: "Mallory <script>",
			Content:   `<p onclick="alert(1)">I <3 <a href="javascript:alert(1)">this</a><script>alert(1)</script></p>`,
			Published: date("2026-11-30T23:59:59+01:00"), Updated: date("2026-11-30T23:59:59+01:00"),
		},
		old: &feed.Comment{
			ID: "c9", PostID: "hello", PostTitle: "Hello, world", AuthorName: "Dev",
			Content:   "Late to the party.",
			Published: date("2026-11-25T12:00:00+01:00"), Updated: date("2026-11-25T12:00:00+01:00"),
		},
	}
}

// digestHTML of the periods, as readers must get them back.
const (
	dec2HTML = "<h2>New posts</h2>\n<ul>\n" +
		`<li><a href="` + root + `/posts/winter">Winter notes</a> by Ben Okafor</li>` + "\n</ul>\n" +
		"<h2>Comments</h2>\n" +
		`<h3><a href="` + root + `/posts/winter">Winter notes</a></h3>` + "\n<ul>\n" +
		`<li>Carla, <a href="` + root + `/posts/winter#comment-c1">Wed 2 Dec 18:30</a>: Lovely &amp; cold.</li>` + "\n</ul>\n" +
		`<h3><a href="` + root + `/posts/hello">Hello, world</a></h3>` + "\n<ul>\n" +
		`<li>Ben Okafor, <a href="` + root + `/posts/hello#comment-c2">Wed 2 Dec 10:15</a>: ` +
		"Thanks! See https://example.org/?a=1&amp;b=2 for more, and a long tail of words that goes on and on and on so that the quote of it in a digest\u2026</li>\n</ul>"
	nov30HTML = "<h2>New posts</h2>\n<ul>\n" +
		`<li><a href="` + root + `/posts/fish">Fish &amp; Chips &lt;3</a></li>` + "\n</ul>\n" +
		"<h2>Comments</h2>\n" +
		`<h3><a href="` + root + `/posts/fish">Fish &amp; Chips &lt;3</a></h3>` + "\n<ul>\n" +
		`<li>Mallory &lt;script&gt;, <a href="` + root + `/posts/fish#comment-c3">Mon 30 Nov 23:59</a>: I &lt;3 this</li>` + "\n</ul>"
	nov25HTML = "<h2>Comments</h2>\n" +
		`<h3><a href="` + root + `/posts/hello">Hello, world</a></h3>` + "\n<ul>\n" +
		`<li>Dev, <a href="` + root + `/posts/hello#comment-c9">Wed 25 Nov 12:00</a>: Late to the party.</li>` + "\n</ul>"
)

// digestEntry is the expectation of a digest entry: by the site, without
// a link of its own.
func digestWant(id, title, published, updated, content string) wantEntry {
	return wantEntry{
		id: root + "/feeds/digest/" + id, title: title,
		author: siteTitle, authorURI: root + "/",
		published: date(published), updated: date(updated),
		content: content, noLink: true,
	}
}

func digestCases() []goldenCase {
	s := newDigestSite()
	inBerlin := func(o *Options) { o.Location = berlin }
	now := date("2026-12-03T10:00:00+01:00")
	days := feed.ClosedPeriods(feed.PeriodDaily, now, berlin, 4) // 2 Dec, 1 Dec, 30 Nov, 29 Nov
	weeks := feed.ClosedPeriods(feed.PeriodWeekly, date("2026-12-09T10:00:00+01:00"), berlin, 2)
	return []goldenCase{
		{
			name: "digest_daily",
			opts: inBerlin,
			render: func(r *Renderer, f feed.Format) ([]byte, time.Time, error) {
				return r.Render(f, &Doc{Ref: feed.DigestFeed(feed.PeriodDaily), Digest: []DigestPeriod{
					{Span: days[0], Posts: []*feed.Post{s.winter}, Comments: []*feed.Comment{s.c1, s.c2}},
					{Span: days[1], Posts: []*feed.Post{nil}}, // empty: skipped
					{Span: days[2], Posts: []*feed.Post{s.fish}, Comments: []*feed.Comment{s.c3}},
				}})
			},
			want: wantFeed{
				ref:     feed.DigestFeed(feed.PeriodDaily),
				title:   "Daily digest of " + siteTitle,
				updated: date("2026-12-05T09:00:00Z"), // the fish post's edit
				entries: []wantEntry{
					digestWant("daily/2026-12-02", "Daily digest: Wednesday, 2 December 2026", "2026-12-02T23:00:00Z", "2026-12-02T23:00:00Z", dec2HTML),
					digestWant("daily/2026-11-30", "Daily digest: Monday, 30 November 2026", "2026-11-30T23:00:00Z", "2026-12-05T09:00:00Z", nov30HTML),
				},
			},
		},
		{
			name: "digest_weekly",
			opts: inBerlin,
			render: func(r *Renderer, f feed.Format) ([]byte, time.Time, error) {
				return r.Render(f, &Doc{Ref: feed.DigestFeed(feed.PeriodWeekly), Digest: []DigestPeriod{
					{Span: weeks[0], Posts: []*feed.Post{s.winter, s.fish}, Comments: []*feed.Comment{s.c1, s.c2, s.c3}},
					{Span: weeks[1], Comments: []*feed.Comment{s.old}},
				}})
			},
			want: wantFeed{
				ref:     feed.DigestFeed(feed.PeriodWeekly),
				title:   "Weekly digest of " + siteTitle,
				updated: date("2026-12-06T23:00:00Z"), // the end of the week of 30 November
				entries: []wantEntry{
					digestWant("weekly/2026-11-30", "Weekly digest: week of 30 November 2026", "2026-12-06T23:00:00Z", "2026-12-06T23:00:00Z", weekHTML),
					digestWant("weekly/2026-11-23", "Weekly digest: week of 23 November 2026", "2026-11-29T23:00:00Z", "2026-11-29T23:00:00Z", nov25HTML),
				},
			},
		},
	}
}

// weekHTML is the week of 30 November: both posts, then the comments by
// post in the order of their newest comment.
const weekHTML = "<h2>New posts</h2>\n<ul>\n" +
	`<li><a href="` + root + `/posts/winter">Winter notes</a> by Ben Okafor</li>` + "\n" +
	`<li><a href="` + root + `/posts/fish">Fish &amp; Chips &lt;3</a></li>` + "\n</ul>\n" +
	"<h2>Comments</h2>\n" +
	`<h3><a href="` + root + `/posts/winter">Winter notes</a></h3>` + "\n<ul>\n" +
	`<li>Carla, <a href="` + root + `/posts/winter#comment-c1">Wed 2 Dec 18:30</a>: Lovely &amp; cold.</li>` + "\n</ul>\n" +
	`<h3><a href="` + root + `/posts/hello">Hello, world</a></h3>` + "\n<ul>\n" +
	`<li>Ben Okafor, <a href="` + root + `/posts/hello#comment-c2">Wed 2 Dec 10:15</a>: ` +
	"Thanks! See https://example.org/?a=1&amp;b=2 for more, and a long tail of words that goes on and on and on so that the quote of it in a digest\u2026</li>\n</ul>\n" +
	`<h3><a href="` + root + `/posts/fish">Fish &amp; Chips &lt;3</a></h3>` + "\n<ul>\n" +
	`<li>Mallory &lt;script&gt;, <a href="` + root + `/posts/fish#comment-c3">Mon 30 Nov 23:59</a>: I &lt;3 this</li>` + "\n</ul>"
