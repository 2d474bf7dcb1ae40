package storetest

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// upstreamPost is a post of source as a poller maps it from the upstream
// entry id: ids are often URIs, not feed.ValidID ids.
func upstreamPost(source, id, title string) *feed.Post {
	return &feed.Post{Title: title, Content: "<p>" + title + "</p>", Summary: "About " + title,
		AuthorName: "Uma", AuthorURI: "https://up.example/uma", Categories: []string{"b", "a"},
		Published: at(0), Updated: at(0),
		Origin: &feed.Origin{Source: source, ID: id, URL: "https://up.example/" + title,
			CommentsURL: "https://up.example/" + title + "/comments.atom"}}
}

// upstreamComment is a comment of source on post postID, as a poller maps
// it from the upstream comment id.
func upstreamComment(postID, source, id string) *feed.Comment {
	return &feed.Comment{PostID: postID, AuthorName: "Cy", AuthorURI: "https://cy.example/",
		Content: "upstream " + id, Published: at(10), Updated: at(10),
		Origin: &feed.Origin{Source: source, ID: id, URL: "https://up.example/one#" + id}}
}

// upsertPost upserts a copy of p, failing the test on error, checks that
// what it returned is what the store now reads, and returns it.
func upsertPost(t *testing.T, s store.Store, p *feed.Post) (*feed.Post, bool) {
	t.Helper()
	q := *p
	if p.Origin != nil {
		o := *p.Origin
		q.Origin = &o
	}
	changed, err := s.UpsertPost(t.Context(), &q)
	if err != nil {
		t.Fatalf("UpsertPost(%+v): %v", p.Origin, err)
	}
	got, err := s.Post(t.Context(), q.ID)
	if err != nil {
		t.Fatalf("Post(%q) after UpsertPost: %v", q.ID, err)
	}
	checkPost(t, got, &q)
	return &q, changed
}

// upsertComment is upsertPost for comments.
func upsertComment(t *testing.T, s store.Store, c *feed.Comment, parent string) (*feed.Comment, bool) {
	t.Helper()
	q := *c
	if c.Origin != nil {
		o := *c.Origin
		q.Origin = &o
	}
	changed, err := s.UpsertComment(t.Context(), &q, parent)
	if err != nil {
		t.Fatalf("UpsertComment(%+v, %q): %v", c.Origin, parent, err)
	}
	got, err := s.Comment(t.Context(), q.ID)
	if err != nil {
		t.Fatalf("Comment(%q) after UpsertComment: %v", q.ID, err)
	}
	checkComment(t, got, &q)
	return &q, changed
}

// lastSeq returns the store's LastChange, failing the test on error.
func lastSeq(t *testing.T, s store.Store) int64 {
	t.Helper()
	seq, err := s.LastChange(t.Context())
	if err != nil {
		t.Fatalf("LastChange: %v", err)
	}
	return seq
}

func testCreatePostOrigin(t *testing.T, open func(t *testing.T) store.Store) {
	s := newStore(t, open)
	p := upstreamPost("up", "tag:up.example,2024:1", "One")
	p.ID = "one"
	if err := s.CreatePost(t.Context(), p); err != nil {
		t.Fatalf("CreatePost: %v", err)
	}
	got, err := s.Post(t.Context(), "one")
	if err != nil {
		t.Fatalf("Post: %v", err)
	}
	checkPost(t, got, p)
	if got.Origin == nil || *got.Origin != *p.Origin {
		t.Errorf("Origin = %+v, want %+v", got.Origin, p.Origin)
	}
	// The upstream key is taken, whatever the id.
	dup := upstreamPost("up", "tag:up.example,2024:1", "Two")
	wantCode(t, s.CreatePost(t.Context(), dup), feed.ECONFLICT)
	for _, o := range []feed.Origin{{Source: "up"}, {ID: "x"}} {
		bad := upstreamPost("up", "x", "Bad")
		bad.Origin = &o
		wantCode(t, s.CreatePost(t.Context(), bad), feed.EINVALID)
	}
	// Native posts read back without an origin.
	native := createPost(t, s, "native", "Native", at(1))
	posts, err := s.Posts(t.Context(), store.PostFilter{})
	if err != nil {
		t.Fatalf("Posts: %v", err)
	}
	if len(posts) != 2 {
		t.Fatalf("Posts = %s, want native one", postIDs(posts))
	}
	checkPost(t, posts[0], native)
	checkPost(t, posts[1], p)
}

func testCreateCommentOrigin(t *testing.T, open func(t *testing.T) store.Store) {
	s := newStore(t, open)
	createPost(t, s, "p", "P", at(0))
	c := upstreamComment("p", "up", "c-1")
	c.ID = "c1"
	if err := s.CreateComment(t.Context(), c); err != nil {
		t.Fatalf("CreateComment: %v", err)
	}
	got, err := s.Comment(t.Context(), "c1")
	if err != nil {
		t.Fatalf("Comment: %v", err)
	}
	checkComment(t, got, c)
	if got.Origin == nil || got.Origin.ID != "c-1" {
		t.Errorf("Origin = %+v, want upstream id c-1", got.Origin)
	}
	dup := upstreamComment("p", "up", "c-1")
	wantCode(t, s.CreateComment(t.Context(), dup), feed.ECONFLICT)
	native := createComment(t, s, "c2", "p", "", at(20))
	thread := comments(t, s, store.CommentFilter{PostID: "p"})
	if len(thread) != 2 {
		t.Fatalf("thread = %s, want c2 c1", commentIDs(thread))
	}
	checkComment(t, thread[0], native)
	checkComment(t, thread[1], c)
}

func testUpsertPost(t *testing.T, open func(t *testing.T) store.Store) {
	const source, upID = "up", "tag:up.example,2024:post/1"

	t.Run("New", func(t *testing.T) {
		s := newStore(t, open)
		p, changed := upsertPost(t, s, upstreamPost(source, upID, "One"))
		if !changed {
			t.Error("UpsertPost of a new post: changed = false")
		}
		checkNewID(t, p.ID)
		want := upstreamPost(source, upID, "One")
		want.ID, want.Format = p.ID, feed.FormatHTML
		checkPost(t, p, want)
		// Reads carry the origin: one post and the list alike.
		posts, err := s.Posts(t.Context(), store.PostFilter{})
		if err != nil || len(posts) != 1 {
			t.Fatalf("Posts = %v, %v; want the one post", posts, err)
		}
		checkPost(t, posts[0], want)
		if got := seqs(changes(t, s, 0, 0)); len(got) != 1 || got[0] != idf("%d:%s", lastSeq(t, s), p.ID) {
			t.Errorf("Changes = %v, want one record of %s", got, p.ID)
		}

		// A given ID is kept; the store's defaults apply as in CreatePost.
		before := now(t)
		q := &feed.Post{ID: "mine", Title: "Two", Content: "two", Origin: &feed.Origin{Source: source, ID: "2"}}
		q, changed = upsertPost(t, s, q)
		if !changed || q.ID != "mine" {
			t.Errorf("UpsertPost with an ID: changed %v, ID %q; want true, mine", changed, q.ID)
		}
		checkDefaultTimes(t, q.Published, q.Updated, before, now(t))
		// An id taken by another post is a conflict, as in CreatePost.
		createPost(t, s, "native", "Native", at(0))
		r := upstreamPost(source, "3", "Three")
		r.ID = "native"
		_, err = s.UpsertPost(t.Context(), r)
		wantCode(t, err, feed.ECONFLICT)
	})

	t.Run("Idempotent", func(t *testing.T) {
		s := newStore(t, open)
		first, _ := upsertPost(t, s, upstreamPost(source, upID, "One"))
		seq := lastSeq(t, s)
		// What a re-poll sends: the same entry again, perhaps spelled
		// differently, perhaps with a newer Updated alone (upstreams bump
		// it for reasons no feed shows), perhaps without a date.
		zone := time.FixedZone("UTC-7", -7*3600)
		for name, edit := range map[string]func(p *feed.Post){
			"same":           func(p *feed.Post) {},
			"spaces":         func(p *feed.Post) { p.Title, p.AuthorName = " One ", "Uma " },
			"repeated":       func(p *feed.Post) { p.Categories = []string{"b", " a", "b"} },
			"format":         func(p *feed.Post) { p.Format = feed.FormatHTML },
			"zone":           func(p *feed.Post) { p.Published = at(0).In(zone).Add(500 * time.Millisecond) },
			"no dates":       func(p *feed.Post) { p.Published, p.Updated = time.Time{}, time.Time{} },
			"updated only":   func(p *feed.Post) { p.Updated = at(60) },
			"given other ID": func(p *feed.Post) { p.ID = "other" },
		} {
			p := upstreamPost(source, upID, "One")
			edit(p)
			got, changed := upsertPost(t, s, p)
			if changed {
				t.Errorf("%s: re-upsert changed = true, want false", name)
			}
			checkPost(t, got, first) // the stored post, ID and dates as they were
		}
		if got := lastSeq(t, s); got != seq {
			t.Errorf("LastChange = %d after re-upserts, want %d: a re-poll must invalidate no feed", got, seq)
		}
		if posts, _ := s.Posts(t.Context(), store.PostFilter{}); len(posts) != 1 {
			t.Errorf("Posts = %s, want the one post", postIDs(posts))
		}
	})

	t.Run("Edit", func(t *testing.T) {
		s := newStore(t, open)
		first, _ := upsertPost(t, s, upstreamPost(source, upID, "One"))
		prev := first.Updated
		for i, edit := range []func(p *feed.Post){
			func(p *feed.Post) { p.Title = "One, edited" },
			func(p *feed.Post) { p.Content = "<p>Edited.</p>" },
			func(p *feed.Post) { p.Format = feed.FormatMarkdown },
			func(p *feed.Post) { p.Summary = "" },
			func(p *feed.Post) { p.AuthorName = "Uma B." },
			func(p *feed.Post) { p.AuthorURI = "" },
			func(p *feed.Post) { p.Categories = []string{"a", "b"} }, // order counts
			func(p *feed.Post) { p.Categories = nil },
			func(p *feed.Post) { p.Origin.URL = "https://up.example/moved" },
			func(p *feed.Post) { p.Origin.CommentsURL = "" },
		} {
			p := upstreamPost(source, upID, "One")
			edit(p)
			before := now(t)
			got, changed := upsertPost(t, s, p)
			if !changed {
				t.Errorf("edit %d: changed = false, want true", i)
			}
			want := *p
			want.ID, want.Published, want.Updated = first.ID, first.Published, got.Updated
			if want.Format == "" {
				want.Format = feed.FormatHTML
			}
			checkPost(t, got, &want)
			// Updated moves like an edit's: to the clock, and at least a
			// second each time.
			if !got.Updated.After(prev) {
				t.Errorf("edit %d: Updated = %v, want after %v", i, got.Updated, prev)
			}
			if i == 0 {
				checkClock(t, "Updated", got.Updated, before, now(t))
			}
			// Put it back, so that the next edit is the only difference.
			undone, changed := upsertPost(t, s, upstreamPost(source, upID, "One"))
			if !changed || !undone.Updated.After(got.Updated) {
				t.Errorf("edit %d: undoing it: changed %v, Updated %v; want true, after %v", i, changed, undone.Updated, got.Updated)
			}
			prev = undone.Updated
		}
		// One record per write, all naming the post.
		records := changes(t, s, 0, 0)
		if len(records) != 1+2*10 {
			t.Errorf("Changes = %v, want %d records", seqs(records), 1+2*10)
		}
		for _, r := range records {
			if r.Change.Post == nil || r.Change.Post.ID != first.ID {
				t.Errorf("change %v, want one of post %s", seqs([]store.ChangeRecord{r}), first.ID)
			}
		}

		// Upstream redating the entry changes it too: the mirror follows
		// upstream's Published. A zero Published keeps the stored one
		// (Idempotent).
		p := upstreamPost(source, upID, "One")
		p.Published = at(-60)
		got, changed := upsertPost(t, s, p)
		if !changed || got.ID != first.ID {
			t.Errorf("redated: changed %v, ID %q; want true, %s", changed, got.ID, first.ID)
		}
		checkTime(t, "Published", got.Published, at(-60))
	})

	t.Run("UpdatedFromUpstream", func(t *testing.T) {
		s := newStore(t, open)
		first, _ := upsertPost(t, s, upstreamPost(source, upID, "One"))
		// An edit upstream dates later than the stored Updated: its date.
		p := upstreamPost(source, upID, "One")
		p.Content, p.Updated = "<p>v2</p>", at(30)
		got, changed := upsertPost(t, s, p)
		if !changed {
			t.Error("edit with a later Updated: changed = false")
		}
		checkTime(t, "Updated", got.Updated, at(30))
		checkTime(t, "Published", got.Published, first.Published)
		// A later Updated alone changes nothing.
		p.Updated = at(40)
		if got, changed = upsertPost(t, s, p); changed {
			t.Error("a later Updated alone: changed = true")
		}
		checkTime(t, "Updated", got.Updated, at(30))
		// An edit dated before the stored Updated moves like UpdatePost.
		p.Content, p.Updated = "<p>v3</p>", at(20)
		before := now(t)
		if got, changed = upsertPost(t, s, p); !changed {
			t.Error("edit with an older Updated: changed = false")
		}
		checkClock(t, "Updated", got.Updated, before, now(t))
	})

	t.Run("DeletedNotResurrected", func(t *testing.T) {
		s := newStore(t, open)
		first, _ := upsertPost(t, s, upstreamPost(source, upID, "One"))
		if _, err := s.DeletePost(t.Context(), first.ID); err != nil {
			t.Fatalf("DeletePost: %v", err)
		}
		seq := lastSeq(t, s)
		for _, p := range []*feed.Post{upstreamPost(source, upID, "One"), upstreamPost(source, upID, "One, edited")} {
			changed, err := s.UpsertPost(t.Context(), p)
			if err != nil || changed {
				t.Errorf("UpsertPost of a post deleted here = %v, %v; want false, nil", changed, err)
			}
			if p.ID != first.ID {
				t.Errorf("UpsertPost of a deleted post: ID = %q, want the stored %q", p.ID, first.ID)
			}
		}
		_, err := s.Post(t.Context(), first.ID)
		wantCode(t, err, feed.EGONE)
		checkNoPosts(t, s)
		if got := lastSeq(t, s); got != seq {
			t.Errorf("LastChange = %d, want %d", got, seq)
		}
	})

	t.Run("NeedsOrigin", func(t *testing.T) {
		s := newStore(t, open)
		for name, edit := range map[string]func(p *feed.Post){
			"no origin":          func(p *feed.Post) { p.Origin = nil },
			"no source":          func(p *feed.Post) { p.Origin.Source = "" },
			"no upstream id":     func(p *feed.Post) { p.Origin.ID = "" },
			"blank upstream id":  func(p *feed.Post) { p.Origin.ID = " " },
			"two-line id":        func(p *feed.Post) { p.Origin.ID = "a\nb" },
			"script URL":         func(p *feed.Post) { p.Origin.URL = "javascript:alert(1)" },
			"relative URL":       func(p *feed.Post) { p.Origin.URL = "/posts/1" },
			"script comments":    func(p *feed.Post) { p.Origin.CommentsURL = "javascript:alert(1)" },
			"invalid post":       func(p *feed.Post) { p.Title = "" },
			"invalid format":     func(p *feed.Post) { p.Format = "rtf" },
			"invalid ID":         func(p *feed.Post) { p.ID = "a/b" },
			"updated before pub": func(p *feed.Post) { p.Updated = at(-1) },
		} {
			p := upstreamPost(source, upID, "One")
			edit(p)
			changed, err := s.UpsertPost(t.Context(), p)
			if feed.ErrorCode(err) != feed.EINVALID || changed {
				t.Errorf("%s: UpsertPost = %v, %v; want false, %s", name, changed, err, feed.EINVALID)
			}
		}
		checkNoPosts(t, s)
		if got := lastSeq(t, s); got != 0 {
			t.Errorf("LastChange = %d after failed upserts, want 0", got)
		}
		// An invalid edit of a stored post fails too, and leaves it.
		first, _ := upsertPost(t, s, upstreamPost(source, upID, "One"))
		p := upstreamPost(source, upID, "One")
		p.Content = ""
		_, err := s.UpsertPost(t.Context(), p)
		wantCode(t, err, feed.EINVALID)
		if got, err := s.Post(t.Context(), first.ID); err != nil || got.Content != first.Content {
			t.Errorf("after an invalid edit, post = %+v, %v; want it unchanged", got, err)
		}
	})

	t.Run("SameUpstreamIDOtherSource", func(t *testing.T) {
		s := newStore(t, open)
		a, changedA := upsertPost(t, s, upstreamPost("a", upID, "One"))
		b, changedB := upsertPost(t, s, upstreamPost("b", upID, "One"))
		if !changedA || !changedB || a.ID == b.ID {
			t.Errorf("same upstream id from two sources: changed %v, %v, IDs %q, %q; want two posts", changedA, changedB, a.ID, b.ID)
		}
		again, changed := upsertPost(t, s, upstreamPost("a", upID, "One"))
		if changed || again.ID != a.ID {
			t.Errorf("re-upsert of a's post: changed %v, ID %q; want false, %q", changed, again.ID, a.ID)
		}
		if posts, _ := s.Posts(t.Context(), store.PostFilter{}); len(posts) != 2 {
			t.Errorf("Posts = %s, want two", postIDs(posts))
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		// Pollers racing on one entry create one post between them.
		s := newStore(t, open)
		var created atomic.Int32
		ids := make([]string, 8)
		concurrently(t, len(ids), func(i int) error {
			p := upstreamPost(source, upID, "One")
			changed, err := s.UpsertPost(t.Context(), p)
			if changed {
				created.Add(1)
			}
			ids[i] = p.ID
			return err
		})
		if n := created.Load(); n != 1 {
			t.Errorf("%d upserts reported a change, want 1", n)
		}
		for _, id := range ids {
			if id != ids[0] {
				t.Errorf("upserts returned ids %q, want one", ids)
				break
			}
		}
		if posts, _ := s.Posts(t.Context(), store.PostFilter{}); len(posts) != 1 {
			t.Errorf("Posts = %s, want one", postIDs(posts))
		}
	})
}

// MirroredThread stores on st, as the poller does, an upstream post
// (source "s", id "1") with two comments: c1, which names itself as its
// parent (malformed upstream data; the cycle is refused and it stays
// top-level), and c2, a reply to c1. Tests of re-polls start from it.
func MirroredThread(t *testing.T, st store.Store) (post *feed.Post, parent, reply *feed.Comment) {
	t.Helper()
	ctx := t.Context()
	post = &feed.Post{Title: "T", Content: "c", Origin: &feed.Origin{Source: "s", ID: "1"}}
	if _, err := st.UpsertPost(ctx, post); err != nil {
		t.Fatal(err)
	}
	parent = &feed.Comment{PostID: post.ID, AuthorName: "A", Content: "p", Origin: &feed.Origin{Source: "s", ID: "c1"}}
	reply = &feed.Comment{PostID: post.ID, AuthorName: "A", Content: "r", Origin: &feed.Origin{Source: "s", ID: "c2"}}
	for _, c := range []*feed.Comment{parent, reply} {
		if _, err := st.UpsertComment(ctx, c, "c1"); err != nil {
			t.Fatal(err)
		}
	}
	if reply.ParentID != parent.ID {
		t.Fatalf("reply.ParentID = %q, want %q", reply.ParentID, parent.ID)
	}
	return post, parent, reply
}
