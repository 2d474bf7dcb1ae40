package main

import (
	"context"
	"fmt"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// demoPostID is the post whose thread the demo conversation fills.
const demoPostID = "lighthouse-logbooks"

func demoTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// demoPosts and demoComments are the demo blog: a post about old lighthouse
// logbooks with a short conversation under it (a reply, and a reply to that
// reply), and a welcome post with no comments yet. Dates and ids are fixed so
// that the demo feeds are the same bytes on every machine.
var demoPosts = []feed.Post{
	{
		ID:         demoPostID,
		Title:      "What the lighthouse logbooks remember",
		AuthorName: "Agnes Tulloch",
		AuthorURI:  "https://example.org/agnes",
		Categories: []string{"archives", "coastal history"},
		Summary:    "A winter spent transcribing keepers' logbooks, and why the dull entries matter most.",
		Content: `<p>This winter I transcribed four years of logbooks kept at a small island light. ` +
			`Most entries are two lines long: wind, visibility, the hours the lamp was lit, the oil burnt.</p>` +
			`<p>It is tempting to skip to the shipwrecks. Don't. The dull entries are the record: ` +
			`the same hand, the same columns, every night, so that a gap or a change of hand tells a story of its own.</p>` +
			`<p>Corrections are welcome in the comments, and you can follow them ` +
			`in <a href="/feeds/posts/lighthouse-logbooks/comments.atom">this post's comment feed</a>.</p>`,
		Published: demoTime("2026-03-02T09:00:00Z"),
		Updated:   demoTime("2026-03-02T09:00:00Z"),
	},
	{
		ID:         "welcome",
		Title:      "Welcome to the demo blog",
		AuthorName: "Agnes Tulloch",
		Categories: []string{"meta"},
		Content: `<p>This blog is served by feedd. Subscribe to the <a href="/feeds/posts.atom">posts</a>, ` +
			`to <a href="/feeds/comments.atom">every comment</a>, or to the comments of one post only.</p>`,
		Published: demoTime("2026-03-09T08:30:00Z"),
		Updated:   demoTime("2026-03-09T08:30:00Z"),
	},
}

var demoComments = []feed.Comment{
	{
		ID: "c1-ruaridh", PostID: demoPostID, AuthorName: "Ruaridh Flett",
		Content:   `<p>Do the logbooks say who relieved the keepers in winter? My great-grandfather rowed the relief boat and I have never found his name written down.</p>`,
		Published: demoTime("2026-03-02T18:12:00Z"),
	},
	{
		ID: "c2-agnes", PostID: demoPostID, ParentID: "c1-ruaridh", AuthorName: "Agnes Tulloch", AuthorURI: "https://example.org/agnes",
		Content:   `<p>They do, sometimes: the relief is noted as "boat came off", with the boatman's initials in the margin. Send me his initials and the years and I will look.</p>`,
		Published: demoTime("2026-03-03T07:45:00Z"),
	},
	{
		ID: "c3-ruaridh", PostID: demoPostID, ParentID: "c2-agnes", AuthorName: "Ruaridh Flett",
		Content:   `<p>J.F., between 1884 and 1891. Thank you!</p>`,
		Published: demoTime("2026-03-03T12:20:00Z"),
	},
	{
		ID: "c4-mei", PostID: demoPostID, AuthorName: "Mei Lindqvist", AuthorURI: "https://example.net/mei",
		Content:   `<p>The point about the dull entries is true of weather diaries too. Climate researchers lean on exactly those unbroken columns.</p>`,
		Published: demoTime("2026-03-04T21:05:00Z"),
	},
	{
		ID: "c5-tomas", PostID: demoPostID, AuthorName: "Tomás Ó Briain",
		Content:   `<p>Is there a feed for new transcriptions? I would rather not miss one.</p>`,
		Published: demoTime("2026-03-06T10:30:00Z"),
	},
}

// seedDemo fills an empty store with the demo blog and reports whether it
// did. A store that holds any post is left alone. Replicas sharing a store
// may start together and seed it at once: an entry another process has
// just stored (ECONFLICT) is taken as seeded.
func seedDemo(ctx context.Context, st store.Store) (bool, error) {
	posts, err := st.Posts(ctx, store.PostFilter{Limit: 1})
	if err != nil {
		return false, err
	}
	if len(posts) > 0 {
		return false, nil
	}
	created := false
	for _, p := range demoPosts {
		p := p
		switch err := st.CreatePost(ctx, &p); {
		case err == nil:
			created = true
		case feed.ErrorCode(err) != feed.ECONFLICT:
			return false, fmt.Errorf("create post %q: %w", p.ID, err)
		}
	}
	for _, c := range demoComments {
		c := c
		switch err := st.CreateComment(ctx, &c); {
		case err == nil:
			created = true
		case feed.ErrorCode(err) != feed.ECONFLICT:
			return false, fmt.Errorf("create comment %q: %w", c.ID, err)
		}
	}
	return created, nil
}
