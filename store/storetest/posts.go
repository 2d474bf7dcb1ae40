package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

func testCreatePost(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Origin", func(t *testing.T) { testCreatePostOrigin(t, open) })

	t.Run("OK", func(t *testing.T) {
		s := newStore(t, open)
		p := &feed.Post{
			ID:         "hello-world",
			Title:      "  Hello, world  ",
			Content:    "<p>Hi.</p>\n",
			Summary:    "Greetings",
			AuthorName: "Ann",
			AuthorURI:  "https://ann.example/",
			Categories: []string{"go", " news "},
			Published:  at(0),
			Updated:    at(90),
		}
		if err := s.CreatePost(t.Context(), p); err != nil {
			t.Fatalf("CreatePost: %v", err)
		}
		want := &feed.Post{ID: "hello-world", Title: "Hello, world", Content: "<p>Hi.</p>\n", Format: feed.FormatHTML,
			Summary: "Greetings", AuthorName: "Ann", AuthorURI: "https://ann.example/",
			Categories: []string{"go", "news"}, Published: at(0), Updated: at(90)}
		checkPost(t, p, want)
		got, err := s.Post(t.Context(), "hello-world")
		if err != nil {
			t.Fatalf("Post: %v", err)
		}
		checkPost(t, got, want)
	})

	t.Run("Defaults", func(t *testing.T) {
		s := newStore(t, open)
		before := now(t)
		p := &feed.Post{Title: "Now", Content: "now"}
		if err := s.CreatePost(t.Context(), p); err != nil {
			t.Fatalf("CreatePost: %v", err)
		}
		checkDefaultTimes(t, p.Published, p.Updated, before, now(t))
		got, err := s.Post(t.Context(), p.ID)
		if err != nil {
			t.Fatalf("Post: %v", err)
		}
		checkPost(t, got, p)
	})

	t.Run("UpdatedDefaultsToPublished", func(t *testing.T) {
		s := newStore(t, open)
		p := createPost(t, s, "a", "A", at(5))
		checkTime(t, "Updated", p.Updated, at(5))
	})

	t.Run("TimesTruncatedUTC", func(t *testing.T) {
		s := newStore(t, open)
		zone := time.FixedZone("UTC+5:30", 5*3600+1800)
		published := time.Date(2024, 1, 2, 3, 4, 5, 999_999_999, zone)
		p := &feed.Post{ID: "t", Title: "T", Content: "t", Published: published,
			Updated: time.Date(2024, 1, 2, 3, 5, 35, 500_000_000, zone)}
		if err := s.CreatePost(t.Context(), p); err != nil {
			t.Fatalf("CreatePost: %v", err)
		}
		wantPublished := time.Date(2024, 1, 1, 21, 34, 5, 0, time.UTC)
		checkTime(t, "Published", p.Published, wantPublished)
		checkTime(t, "Updated", p.Updated, time.Date(2024, 1, 1, 21, 35, 35, 0, time.UTC))
		got, err := s.Post(t.Context(), "t")
		if err != nil {
			t.Fatalf("Post: %v", err)
		}
		checkPost(t, got, p)
	})

	t.Run("GeneratedID", func(t *testing.T) {
		s := newStore(t, open)
		a, b := createPost(t, s, "", "A", at(0)), createPost(t, s, "", "B", at(0))
		checkNewID(t, a.ID)
		checkNewID(t, b.ID)
		if a.ID == b.ID {
			t.Errorf("two posts got the same id %q", a.ID)
		}
		got, err := s.Post(t.Context(), a.ID)
		if err != nil {
			t.Fatalf("Post: %v", err)
		}
		checkPost(t, got, a)
	})

	t.Run("DuplicateID", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "a", "First", at(0))
		p := &feed.Post{ID: "a", Title: "Second", Content: "x", Categories: []string{"c"}}
		wantCode(t, s.CreatePost(t.Context(), p), feed.ECONFLICT)
		got, err := s.Post(t.Context(), "a")
		if err != nil {
			t.Fatalf("Post: %v", err)
		}
		if got.Title != "First" || len(got.Categories) != 0 {
			t.Errorf("after a duplicate, post = %+v, want the first one", got)
		}
	})

	t.Run("InvalidID", func(t *testing.T) {
		s := newStore(t, open)
		for _, id := range []string{"a b", "a/b", "ä", strings.Repeat("a", feed.MaxIDLen+1)} {
			p := &feed.Post{ID: id, Title: "T", Content: "c"}
			wantCode(t, s.CreatePost(t.Context(), p), feed.EINVALID)
		}
		checkNoPosts(t, s)
	})

	t.Run("Invalid", func(t *testing.T) {
		s := newStore(t, open)
		for _, p := range []*feed.Post{
			{ID: "a", Content: "no title"},
			{ID: "a", Title: "no content"},
			{ID: "a", Title: "T", Content: "c", Published: at(10), Updated: at(9)},
			{ID: "a", Title: "T", Content: "c", Categories: []string{"ok", " "}},
		} {
			wantCode(t, s.CreatePost(t.Context(), p), feed.EINVALID)
		}
		checkNoPosts(t, s)
	})

	t.Run("CategoriesOrder", func(t *testing.T) {
		s := newStore(t, open)
		cats := []string{"zeta", "alpha", "Mid dle", "beta", "alpha"}
		p := &feed.Post{ID: "a", Title: "A", Content: "a", Categories: cats}
		if err := s.CreatePost(t.Context(), p); err != nil {
			t.Fatalf("CreatePost: %v", err)
		}
		want := []string{"zeta", "alpha", "Mid dle", "beta"} // as given, duplicates dropped
		if !slices.Equal(p.Categories, want) {
			t.Errorf("stored categories = %q, want %q", p.Categories, want)
		}
		got, err := s.Post(t.Context(), "a")
		if err != nil {
			t.Fatalf("Post: %v", err)
		}
		if !slices.Equal(got.Categories, want) {
			t.Errorf("read categories = %q, want %q", got.Categories, want)
		}
		none := createPost(t, s, "b", "B", at(0))
		if got, _ := s.Post(t.Context(), none.ID); got == nil || len(got.Categories) != 0 {
			t.Errorf("post without categories = %+v, want no categories", got)
		}
	})

	t.Run("Format", func(t *testing.T) {
		s := newStore(t, open)
		p := &feed.Post{ID: "m", Title: "M", Content: "# M", Format: feed.FormatMarkdown}
		if err := s.CreatePost(t.Context(), p); err != nil {
			t.Fatalf("CreatePost: %v", err)
		}
		got, err := s.Post(t.Context(), "m")
		if err != nil {
			t.Fatalf("Post: %v", err)
		}
		if got.Format != feed.FormatMarkdown || got.Content != "# M" {
			t.Errorf("post = %+v, want markdown stored as given", got)
		}
		if h := createPost(t, s, "h", "H", at(0)); h.Format != feed.FormatHTML {
			t.Errorf("Format = %q by default, want html", h.Format)
		}
		for _, f := range []string{"rtf", "HTML", "text"} {
			p := &feed.Post{ID: "x", Title: "X", Content: "x", Format: f}
			wantCode(t, s.CreatePost(t.Context(), p), feed.EINVALID)
		}
		checkPostIDs(t, s, store.PostFilter{}, "m h")
	})

	t.Run("Concurrent", func(t *testing.T) {
		s := newStore(t, open)
		const writers, each = 8, 5
		concurrently(t, writers, func(i int) error {
			for j := range each {
				p := &feed.Post{ID: idf("p%d-%d", i, j), Title: "T", Content: "c", Categories: []string{"x", "y"}}
				if err := s.CreatePost(t.Context(), p); err != nil {
					return err
				}
			}
			return nil
		})
		posts, err := s.Posts(t.Context(), store.PostFilter{})
		if err != nil {
			t.Fatalf("Posts: %v", err)
		}
		if len(posts) != writers*each {
			t.Errorf("got %d posts, want %d", len(posts), writers*each)
		}
	})
}

// checkNoPosts fails the test if s holds any post.
func checkNoPosts(t *testing.T, s store.Store) {
	t.Helper()
	posts, err := s.Posts(t.Context(), store.PostFilter{})
	if err != nil {
		t.Fatalf("Posts: %v", err)
	}
	if len(posts) != 0 {
		t.Errorf("failed writes stored posts %s", postIDs(posts))
	}
}

func testPost(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("OK", func(t *testing.T) {
		s := newStore(t, open)
		want := createPost(t, s, "a", "A", at(0))
		createPost(t, s, "b", "B", at(1))
		got, err := s.Post(t.Context(), "a")
		if err != nil {
			t.Fatalf("Post: %v", err)
		}
		checkPost(t, got, want)
	})

	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "a", "A", at(0))
		_, err := s.Post(t.Context(), "b")
		wantCode(t, err, feed.ENOTFOUND)
		_, err = s.Post(t.Context(), "A") // ids are case-sensitive
		wantCode(t, err, feed.ENOTFOUND)
	})

	t.Run("Gone", func(t *testing.T) {
		s := newStore(t, open)
		createPost(t, s, "a", "A", at(0))
		deletePost(t, s, "a")
		_, err := s.Post(t.Context(), "a")
		wantCode(t, err, feed.EGONE)
	})
}

func testPosts(t *testing.T, open func(t *testing.T) store.Store) {
	// seed stores posts whose newest-first order is "e d c b a": c and d
	// share a time, so the higher id comes first.
	seed := func(t *testing.T, s store.Store) {
		createPost(t, s, "b", "B", at(1))
		createPost(t, s, "e", "E", at(3))
		createPost(t, s, "a", "A", at(0))
		createPost(t, s, "c", "C", at(2))
		createPost(t, s, "d", "D", at(2))
	}

	t.Run("Order", func(t *testing.T) {
		s := newStore(t, open)
		seed(t, s)
		posts, err := s.Posts(t.Context(), store.PostFilter{})
		if err != nil {
			t.Fatalf("Posts: %v", err)
		}
		if got, want := postIDs(posts), "e d c b a"; got != want {
			t.Errorf("Posts = %s, want %s", got, want)
		}
		if len(posts) > 0 {
			checkPost(t, posts[0], &feed.Post{ID: "e", Title: "E", Content: "<p>E</p>", Format: feed.FormatHTML,
				Published: at(3), Updated: at(3)})
		}
	})

	t.Run("Limit", func(t *testing.T) {
		s := newStore(t, open)
		seed(t, s)
		for _, tt := range []struct {
			limit int
			want  string
		}{{0, "e d c b a"}, {1, "e"}, {3, "e d c"}, {5, "e d c b a"}, {9, "e d c b a"}} {
			posts, err := s.Posts(t.Context(), store.PostFilter{Limit: tt.limit})
			if err != nil {
				t.Fatalf("Posts(Limit %d): %v", tt.limit, err)
			}
			if got := postIDs(posts); got != tt.want {
				t.Errorf("Posts(Limit %d) = %s, want %s", tt.limit, got, tt.want)
			}
		}
	})

	t.Run("Categories", func(t *testing.T) {
		s := newStore(t, open)
		for i, cats := range [][]string{{"b", "a"}, nil, {"c"}} {
			p := &feed.Post{ID: idf("p%d", i), Title: "T", Content: "c", Categories: cats, Published: at(i)}
			if err := s.CreatePost(t.Context(), p); err != nil {
				t.Fatalf("CreatePost: %v", err)
			}
		}
		posts, err := s.Posts(t.Context(), store.PostFilter{})
		if err != nil {
			t.Fatalf("Posts: %v", err)
		}
		want := map[string][]string{"p0": {"b", "a"}, "p1": nil, "p2": {"c"}}
		if len(posts) != len(want) {
			t.Errorf("Posts = %s, want %d posts", postIDs(posts), len(want))
		}
		for _, p := range posts {
			if !slices.Equal(p.Categories, want[p.ID]) {
				t.Errorf("post %s categories = %q, want %q", p.ID, p.Categories, want[p.ID])
			}
		}
	})

	t.Run("Deleted", func(t *testing.T) {
		s := newStore(t, open)
		seed(t, s)
		deletePost(t, s, "d")
		deletePost(t, s, "a")
		checkPostIDs(t, s, store.PostFilter{}, "e c b")
		checkPostIDs(t, s, store.PostFilter{Limit: 2}, "e c")
	})

	t.Run("Cursor", func(t *testing.T) {
		s := newStore(t, open)
		seed(t, s)
		// Page through two at a time, each page after the last entry of
		// the one before.
		var pages []string
		f := store.PostFilter{Limit: 2}
		for range 5 {
			posts, err := s.Posts(t.Context(), f)
			if err != nil {
				t.Fatalf("Posts: %v", err)
			}
			pages = append(pages, postIDs(posts))
			if len(posts) == 0 {
				break
			}
			last := posts[len(posts)-1]
			f.Before = &store.Cursor{Published: last.Published, ID: last.ID}
		}
		if got, want := strings.Join(pages, " | "), "e d | c b | a | "; got != want {
			t.Errorf("pages = %q, want %q", got, want)
		}
		for _, tt := range []struct {
			cursor store.Cursor
			want   string
		}{
			{store.Cursor{Published: at(2), ID: "d"}, "c b a"}, // c shares d's time, lower id
			{store.Cursor{Published: at(2), ID: "c"}, "b a"},
			{store.Cursor{Published: at(2), ID: "zz"}, "d c b a"}, // not an entry: a position
			{store.Cursor{Published: at(9), ID: ""}, "e d c b a"},
			{store.Cursor{Published: at(0), ID: "a"}, ""},
			{store.Cursor{Published: at(2).In(time.FixedZone("X", 3600)), ID: "d"}, "c b a"},
		} {
			posts, err := s.Posts(t.Context(), store.PostFilter{Before: &tt.cursor})
			if err != nil {
				t.Fatalf("Posts: %v", err)
			}
			if got := postIDs(posts); got != tt.want {
				t.Errorf("Posts(Before %v %q) = %s, want %s", tt.cursor.Published, tt.cursor.ID, got, tt.want)
			}
		}
		// A deleted post is skipped, and may still serve as the cursor.
		deletePost(t, s, "c")
		posts, err := s.Posts(t.Context(), store.PostFilter{Before: &store.Cursor{Published: at(2), ID: "c"}, Limit: 1})
		if err != nil {
			t.Fatalf("Posts: %v", err)
		}
		if got := postIDs(posts); got != "b" {
			t.Errorf("Posts after deleted c = %s, want b", got)
		}
	})

	t.Run("Empty", func(t *testing.T) {
		s := newStore(t, open)
		checkNoPosts(t, s)
	})
}
