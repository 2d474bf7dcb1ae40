package storetest

import (
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
	"github.com/feedd/feedd/store"
)

// testHTML checks that every write of a post's or comment's content
// derives its HTML (content.DerivePost, content.DeriveComment), that reads
// return it, and that edits, mirroring and Load derive it again.
func testHTML(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Create", func(t *testing.T) {
		s := newStore(t, open)
		p := &feed.Post{ID: "p", Title: "P", Content: `<p onclick="x()">Hi<script>alert(1)</script></p>`, Published: at(0)}
		if err := s.CreatePost(t.Context(), p); err != nil {
			t.Fatalf("CreatePost: %v", err)
		}
		checkHTML(t, "CreatePost", p.HTML, p.HTMLVersion, "<p>Hi</p>")
		md := &feed.Post{ID: "m", Title: "M", Content: "# Title\n\n*em* <iframe src=x></iframe>", Format: feed.FormatMarkdown, Published: at(1)}
		if err := s.CreatePost(t.Context(), md); err != nil {
			t.Fatalf("CreatePost: %v", err)
		}
		checkHTML(t, "CreatePost(markdown)", md.HTML, md.HTMLVersion, "<h1>Title</h1>\n<p><em>em</em> </p>")
		c := &feed.Comment{ID: "c", PostID: "p", AuthorName: "Ann", Content: "see https://example.org/ <3", Published: at(2)}
		if err := s.CreateComment(t.Context(), c); err != nil {
			t.Fatalf("CreateComment: %v", err)
		}
		want := `<p>see <a href="https://example.org/" rel="nofollow ugc">https://example.org/</a> &lt;3</p>`
		checkHTML(t, "CreateComment", c.HTML, c.HTMLVersion, want)

		// Reads return what the write derived.
		got, err := s.Post(t.Context(), "p")
		if err != nil {
			t.Fatalf("Post: %v", err)
		}
		checkHTML(t, "Post", got.HTML, got.HTMLVersion, "<p>Hi</p>")
		posts, err := s.Posts(t.Context(), store.PostFilter{})
		if err != nil || len(posts) != 2 {
			t.Fatalf("Posts = %d posts, %v; want 2", len(posts), err)
		}
		checkHTML(t, "Posts", posts[0].HTML, posts[0].HTMLVersion, md.HTML)
		gotC, err := s.Comment(t.Context(), "c")
		if err != nil {
			t.Fatalf("Comment: %v", err)
		}
		checkHTML(t, "Comment", gotC.HTML, gotC.HTMLVersion, want)
		thread, err := s.Comments(t.Context(), store.CommentFilter{PostID: "p"})
		if err != nil || len(thread) != 1 {
			t.Fatalf("Comments = %d comments, %v; want 1", len(thread), err)
		}
		checkHTML(t, "Comments", thread[0].HTML, thread[0].HTMLVersion, want)

		// Every row is of this Version: the pass has nothing to do.
		if n, err := s.DeriveHTML(t.Context()); n != 0 || err != nil {
			t.Errorf("DeriveHTML = %d, %v; want 0, nil", n, err)
		}
	})

	t.Run("Edit", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "p", "P", at(0))
		p, err := s.UpdatePost(t.Context(), "p", store.PostUpdate{Content: ptr("<p>new <b>bold</b><style>p{}</style></p>")})
		if err != nil {
			t.Fatalf("UpdatePost: %v", err)
		}
		checkHTML(t, "UpdatePost(content)", p.HTML, p.HTMLVersion, "<p>new <b>bold</b></p>")
		p, err = s.UpdatePost(t.Context(), "p", store.PostUpdate{Title: ptr("Q")})
		if err != nil {
			t.Fatalf("UpdatePost: %v", err)
		}
		checkHTML(t, "UpdatePost(title)", p.HTML, p.HTMLVersion, "<p>new <b>bold</b></p>")
		p, err = s.UpdatePost(t.Context(), "p", store.PostUpdate{Content: ptr("**md**"), Format: ptr(feed.FormatMarkdown)})
		if err != nil {
			t.Fatalf("UpdatePost: %v", err)
		}
		checkHTML(t, "UpdatePost(format)", p.HTML, p.HTMLVersion, "<p><strong>md</strong></p>")
		if got, err := s.Post(t.Context(), "p"); err != nil {
			t.Fatalf("Post: %v", err)
		} else {
			checkHTML(t, "Post after edits", got.HTML, got.HTMLVersion, "<p><strong>md</strong></p>")
		}

		createComment(t, s, "c", "p", "", at(1))
		c, err := s.UpdateComment(t.Context(), "c", store.CommentUpdate{Content: ptr(`<a href="javascript:alert(1)">x</a> y`)})
		if err != nil {
			t.Fatalf("UpdateComment: %v", err)
		}
		checkHTML(t, "UpdateComment", c.HTML, c.HTMLVersion, "<p>x y</p>")
		if got, err := s.Comment(t.Context(), "c"); err != nil {
			t.Fatalf("Comment: %v", err)
		} else {
			checkHTML(t, "Comment after edit", got.HTML, got.HTMLVersion, "<p>x y</p>")
		}
	})

	t.Run("Mirror", func(t *testing.T) {
		s := newStore(t, open)
		const source = "up"
		p := upstreamPost(source, "e1", "One")
		p.Content = `<p>one<img src="x" onerror="alert(1)"></p>`
		if _, err := s.UpsertPost(t.Context(), p); err != nil {
			t.Fatalf("UpsertPost: %v", err)
		}
		checkHTML(t, "UpsertPost(new)", p.HTML, p.HTMLVersion, `<p>one<img src="x"/></p>`)
		again := upstreamPost(source, "e1", "One")
		again.Content = `<p>two<script>x</script></p>`
		if changed, err := s.UpsertPost(t.Context(), again); err != nil || !changed {
			t.Fatalf("UpsertPost(edited) = %v, %v; want true, nil", changed, err)
		}
		checkHTML(t, "UpsertPost(edited)", again.HTML, again.HTMLVersion, "<p>two</p>")
		if got, err := s.Post(t.Context(), p.ID); err != nil {
			t.Fatalf("Post: %v", err)
		} else {
			checkHTML(t, "Post of a mirrored post", got.HTML, got.HTMLVersion, "<p>two</p>")
		}

		c := upstreamComment(p.ID, source, "c-1")
		c.Content = `<p>hi <a href="https://x.example/" target="_blank">x</a></p><form><input></form>`
		if _, err := s.UpsertComment(t.Context(), c, ""); err != nil {
			t.Fatalf("UpsertComment: %v", err)
		}
		want := `<p>hi <a href="https://x.example/" rel="nofollow ugc">x</a></p>`
		checkHTML(t, "UpsertComment(new)", c.HTML, c.HTMLVersion, want)
		edited := upstreamComment(p.ID, source, "c-1")
		edited.Content = "plain\nlines"
		if changed, err := s.UpsertComment(t.Context(), edited, ""); err != nil || !changed {
			t.Fatalf("UpsertComment(edited) = %v, %v; want true, nil", changed, err)
		}
		checkHTML(t, "UpsertComment(edited)", edited.HTML, edited.HTMLVersion, "<p>plain<br/>\nlines</p>")
		if got, err := s.Comment(t.Context(), c.ID); err != nil {
			t.Fatalf("Comment: %v", err)
		} else {
			checkHTML(t, "Comment of a mirrored comment", got.HTML, got.HTMLVersion, "<p>plain<br/>\nlines</p>")
		}
	})

	t.Run("Load", func(t *testing.T) {
		s := newStore(t, open)
		// A record without derived HTML (not from a Dump) is derived; one
		// derived under this Version is stored as it is.
		recs := []store.Record{
			{Post: &store.PostRecord{Post: feed.Post{ID: "p", Title: "P", Content: "<p>p<script></script></p>",
				Format: feed.FormatHTML, Published: at(0), Updated: at(0)}}},
			{Post: &store.PostRecord{Post: feed.Post{ID: "q", Title: "Q", Content: "<p>q</p>",
				Format: feed.FormatHTML, Published: at(1), Updated: at(1), HTML: "<p>Q</p>", HTMLVersion: content.Version}}},
			{Comment: &store.CommentRecord{Comment: feed.Comment{ID: "c", PostID: "p", AuthorName: "Ann",
				Content: "<em>c</em>", Status: feed.StatusApproved, Published: at(2), Updated: at(2)}}},
		}
		if err := s.Load(t.Context(), recs); err != nil {
			t.Fatalf("Load: %v", err)
		}
		if recs[0].Post.HTML != "" || recs[2].Comment.HTMLVersion != 0 {
			t.Error("Load changed the records it was given")
		}
		for id, want := range map[string]string{"p": "<p>p</p>", "q": "<p>Q</p>"} {
			if got, err := s.Post(t.Context(), id); err != nil {
				t.Errorf("Post(%s): %v", id, err)
			} else {
				checkHTML(t, "Post "+id+" after Load", got.HTML, got.HTMLVersion, want)
			}
		}
		if got, err := s.Comment(t.Context(), "c"); err != nil {
			t.Errorf("Comment: %v", err)
		} else {
			checkHTML(t, "Comment after Load", got.HTML, got.HTMLVersion, "<p><em>c</em></p>")
		}
	})
}

// checkHTML fails the test unless html, derived under version, is want
// derived under this content.Version.
func checkHTML(t *testing.T, what, html string, version int, want string) {
	t.Helper()
	if html != want || version != content.Version {
		t.Errorf("%s: HTML = %q (version %d), want %q (version %d)", what, html, version, want, content.Version)
	}
}

// Raw gives the tests of RunHTMLVersions the database under a store of
// the suite: its pool, and the spelling of a query written with ?
// placeholders for it.
type Raw func(s store.Store) (db *sql.DB, spell func(query string) string)

// RunHTMLVersions checks what a store does with rows whose HTML was
// derived under another content.Version than this feedd's, or none, as an
// older feedd (or one from before the html column) left them: reads derive
// them afresh, and DeriveHTML derives and stores them in batches, records
// that it did, and leaves rows of a newer Version alone. open is as for
// Run; raw reaches the database under a store it returned.
func RunHTMLVersions(t *testing.T, open func(t *testing.T) store.Store, raw Raw) {
	s := newStore(t, open)
	db, spell := raw(s)
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(t.Context(), spell(query), args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	stored := func(table, id string) (html string, version int) {
		t.Helper()
		q := spell(`SELECT html, html_version FROM ` + table + ` WHERE id = ?`)
		if err := db.QueryRowContext(t.Context(), q, id).Scan(&html, &version); err != nil {
			t.Fatalf("select %s %s: %v", table, id, err)
		}
		return html, version
	}

	createPost(t, s, "p", "P", at(0))
	md := &feed.Post{ID: "m", Title: "M", Content: "*md*", Format: feed.FormatMarkdown, Published: at(1)}
	if err := s.CreatePost(t.Context(), md); err != nil {
		t.Fatalf("CreatePost: %v", err)
	}
	// More comments than a batch of the pass, so that it takes several.
	const comments = 300
	for i := range comments {
		c := &feed.Comment{ID: fmt.Sprintf("c%03d", i), PostID: "p", AuthorName: "Ann",
			Content: fmt.Sprintf("comment %d <b>bold</b>", i), Published: at(2 + i)}
		if err := s.CreateComment(t.Context(), c); err != nil {
			t.Fatalf("CreateComment: %v", err)
		}
	}
	// Rows as an older feedd left them: of version 0 (before the html
	// column) and of an older policy, the mark showing no pass of this
	// Version; and one row of a newer feedd's Version.
	exec(`UPDATE posts SET html = '', html_version = 0`)
	exec(`UPDATE comments SET html = ?, html_version = ?`, "<p>stale</p>", content.Version-1)
	exec(`UPDATE comments SET html = ?, html_version = ? WHERE id = ?`, "<p>newer</p>", content.Version+1, "c007")
	exec(`UPDATE html_derived SET version = 0`)

	// Reads derive afresh, in memory.
	p, err := s.Post(t.Context(), "p")
	if err != nil {
		t.Fatalf("Post: %v", err)
	}
	checkHTML(t, "Post of an old row", p.HTML, p.HTMLVersion, "<p>P</p>")
	if html, v := stored("posts", "p"); html != "" || v != 0 {
		t.Errorf("a read stored post p: %q, version %d", html, v)
	}
	thread, err := s.Comments(t.Context(), store.CommentFilter{PostID: "p", Limit: 400})
	if err != nil || len(thread) != comments {
		t.Fatalf("Comments = %d, %v; want %d", len(thread), err, comments)
	}
	for _, c := range thread {
		d := feed.Comment{Content: c.Content}
		content.DeriveComment(&d)
		checkHTML(t, "Comments: comment "+c.ID+" of an old row", c.HTML, c.HTMLVersion, d.HTML)
	}

	// The pass derives and stores every older row, and only those.
	n, err := s.DeriveHTML(t.Context())
	if err != nil {
		t.Fatalf("DeriveHTML: %v", err)
	}
	if want := 2 + comments - 1; n != want {
		t.Errorf("DeriveHTML = %d rows, want %d", n, want)
	}
	for id, want := range map[string]string{"p": "<p>P</p>", "m": "<p><em>md</em></p>"} {
		html, v := stored("posts", id)
		checkHTML(t, "stored post "+id, html, v, want)
	}
	for i := range comments {
		id := fmt.Sprintf("c%03d", i)
		html, v := stored("comments", id)
		if id == "c007" {
			if html != "<p>newer</p>" || v != content.Version+1 {
				t.Errorf("the pass rewrote a row of a newer version: %q, version %d", html, v)
			}
			continue
		}
		checkHTML(t, "stored comment "+id, html, v, fmt.Sprintf("<p>comment %d <b>bold</b></p>", i))
	}
	var mark int
	if err := db.QueryRowContext(t.Context(), `SELECT version FROM html_derived`).Scan(&mark); err != nil || mark != content.Version {
		t.Errorf("html_derived = %d, %v; want %d", mark, err, content.Version)
	}

	// A finished pass is not run again: an old row left now (as an older
	// feedd beside this one might write it) waits for reads or a later
	// Version's pass.
	exec(`UPDATE comments SET html = ?, html_version = 0 WHERE id = ?`, "<p>stale</p>", "c001")
	if n, err := s.DeriveHTML(t.Context()); n != 0 || err != nil {
		t.Errorf("DeriveHTML after a finished pass = %d, %v; want 0, nil", n, err)
	}
	c, err := s.Comment(t.Context(), "c001")
	if err != nil {
		t.Fatalf("Comment: %v", err)
	}
	checkHTML(t, "Comment of an old row", c.HTML, c.HTMLVersion, "<p>comment 1 <b>bold</b></p>")

	// An edit derives and stores, whatever the row held.
	if _, err := s.UpdateComment(t.Context(), "c001", store.CommentUpdate{AuthorName: ptr("Bo")}); err != nil {
		t.Fatalf("UpdateComment: %v", err)
	}
	html, v := stored("comments", "c001")
	checkHTML(t, "stored comment c001 after an edit of its author", html, v, "<p>comment 1 <b>bold</b></p>")

	// A pass beside edits: each row ends derived from the content it
	// ends with, whichever of the pass and an edit wrote it last.
	exec(`UPDATE comments SET html = ?, html_version = 0`, "<p>stale</p>")
	exec(`UPDATE html_derived SET version = 0`)
	passed := make(chan error, 1)
	go func() {
		_, err := s.DeriveHTML(t.Context())
		passed <- err
	}()
	for i := comments - 1; i >= 0; i -= 3 {
		id := fmt.Sprintf("c%03d", i)
		if _, err := s.UpdateComment(t.Context(), id, store.CommentUpdate{Content: ptr(fmt.Sprintf("edit %d <i>x</i>", i))}); err != nil {
			t.Errorf("UpdateComment(%s): %v", id, err)
		}
	}
	if err := <-passed; err != nil {
		t.Fatalf("DeriveHTML beside edits: %v", err)
	}
	for i := range comments {
		id := fmt.Sprintf("c%03d", i)
		var src string
		if err := db.QueryRowContext(t.Context(), spell(`SELECT content FROM comments WHERE id = ?`), id).Scan(&src); err != nil {
			t.Fatal(err)
		}
		d := feed.Comment{Content: src}
		content.DeriveComment(&d)
		html, v := stored("comments", id)
		checkHTML(t, "stored comment "+id+" after a pass beside edits", html, v, d.HTML)
	}

	// A purged comment kept as a husk, for its live reply, loses its
	// derived HTML with its text.
	createComment(t, s, "h", "p", "", at(comments+10))
	createComment(t, s, "r", "p", "h", at(comments+11))
	if _, err := s.DeleteComment(t.Context(), "h"); err != nil {
		t.Fatalf("DeleteComment: %v", err)
	}
	if _, err := s.Purge(t.Context(), time.Now().Add(time.Hour)); err != nil {
		t.Fatalf("Purge: %v", err)
	}
	html, v = stored("comments", "h")
	checkHTML(t, "stored husk", html, v, "")
}

// RunCommentImages checks that a change of the comment image mode
// (content.SetCommentImages, comments.images) re-derives, in DeriveHTML's
// pass, the stored comments that hold an image, and only those, and that
// the pass is not run again for the same mode. It sets the process's mode,
// so it must not run beside tests that write comments with images.
func RunCommentImages(t *testing.T, open func(t *testing.T) store.Store, raw Raw) {
	s := newStore(t, open)
	db, spell := raw(s)
	old := content.CommentImages()
	t.Cleanup(func() { content.SetCommentImages(old) })
	if err := content.SetCommentImages(content.ImagesLinks); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeriveHTML(t.Context()); err != nil { // the mark of a new store
		t.Fatalf("DeriveHTML: %v", err)
	}
	stored := func(id string) string {
		t.Helper()
		var html string
		if err := db.QueryRowContext(t.Context(), spell(`SELECT html FROM comments WHERE id = ?`), id).Scan(&html); err != nil {
			t.Fatalf("select comment %s: %v", id, err)
		}
		return html
	}
	createPost(t, s, "p", "P", at(0))
	const pics = 3
	for i := range 2 * pics {
		body := fmt.Sprintf("<p>plain %d</p>", i)
		if i%2 == 0 {
			body = fmt.Sprintf(`<p>see <IMG src="https://x.example/%d.png" alt="pic %d"></p>`, i, i)
		}
		c := &feed.Comment{ID: fmt.Sprintf("c%d", i), PostID: "p", AuthorName: "Ann", Content: body, Published: at(1 + i)}
		if err := s.CreateComment(t.Context(), c); err != nil {
			t.Fatalf("CreateComment: %v", err)
		}
	}
	want := func(mode string) {
		t.Helper()
		for i := range 2 * pics {
			w := fmt.Sprintf("<p>plain %d</p>", i)
			switch {
			case i%2 == 1:
			case mode == content.ImagesLinks:
				w = fmt.Sprintf(`<p>see <a href="https://x.example/%d.png" rel="nofollow ugc">pic %d</a></p>`, i, i)
			default:
				w = "<p>see </p>"
			}
			if got := stored(fmt.Sprintf("c%d", i)); got != w {
				t.Errorf("%s: stored comment c%d = %q, want %q", mode, i, got, w)
			}
		}
	}
	want(content.ImagesLinks)
	for _, mode := range []string{content.ImagesDrop, content.ImagesLinks} {
		if err := content.SetCommentImages(mode); err != nil {
			t.Fatal(err)
		}
		if n, err := s.DeriveHTML(t.Context()); n != pics || err != nil {
			t.Errorf("DeriveHTML after the mode became %s = %d, %v; want %d (the comments with an image), nil", mode, n, err, pics)
		}
		want(mode)
		if n, err := s.DeriveHTML(t.Context()); n != 0 || err != nil {
			t.Errorf("DeriveHTML again in mode %s = %d, %v; want 0, nil", mode, n, err)
		}
	}
}
