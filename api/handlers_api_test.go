package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/sitetest"
	"github.com/feedd/feedd/store"
)

func TestCreatePost_OK(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	w := sitetest.Do(t, e.Handler, "POST", "/api/posts",
		`{"title":"  Hello  ","content":"<p>First</p>","author":"Me","categories":["a","b","a"],"published":"2026-03-10T12:30:00+01:00"}`,
		"Authorization", "Bearer "+sitetest.Token, "Content-Type", "application/json; charset=utf-8")
	if w.Code != 201 {
		t.Fatalf("status = %d %s, want 201", w.Code, w.Body)
	}
	var p feed.Post
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if !feed.ValidID(p.ID) || p.Title != "Hello" || p.AuthorName != "Me" || len(p.Categories) != 2 ||
		!p.Published.Equal(sitetest.Date("2026-03-10T11:30:00Z")) {
		t.Errorf("post = %+v", p)
	}
	if got, want := w.Header().Get("Location"), sitetest.BaseURL+"/posts/"+p.ID; got != want {
		t.Errorf("Location = %q, want %q", got, want)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	stored, err := e.DB.Post(context.Background(), p.ID)
	if err != nil || stored.Title != "Hello" {
		t.Errorf("stored post = %+v, %v", stored, err)
	}

	// No Content-Type at all is taken for JSON; a chosen id is kept, and
	// taking it again is a conflict.
	w = sitetest.Do(t, e.Handler, "POST", "/api/posts", `{"id":"my-slug","title":"T","content":"c"}`, "Authorization", "bearer "+sitetest.Token)
	if w.Code != 201 || !strings.Contains(w.Body.String(), `"id":"my-slug"`) {
		t.Errorf("POST without Content-Type = %d %s", w.Code, w.Body)
	}
	w = sitetest.Do(t, e.Handler, "POST", "/api/posts", `{"id":"my-slug","title":"T","content":"c"}`, "Authorization", "Bearer "+sitetest.Token)
	if w.Code != 409 || !strings.Contains(sitetest.JSONError(t, w), "my-slug") {
		t.Errorf("duplicate id = %d %s, want 409", w.Code, w.Body)
	}
}

func TestCreateComment_OK(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	w := sitetest.Do(t, e.Handler, "POST", "/api/posts/alpha/comments",
		`{"author":"Reader","content":"<p>Nice</p>","parent_id":"a2","author_uri":"https://reader.example"}`,
		"Content-Type", "application/json")
	if w.Code != 201 {
		t.Fatalf("status = %d %s", w.Code, w.Body)
	}
	var c feed.Comment
	if err := json.Unmarshal(w.Body.Bytes(), &c); err != nil {
		t.Fatal(err)
	}
	if !feed.ValidID(c.ID) || c.PostID != "alpha" || c.ParentID != "a2" || c.AuthorName != "Reader" ||
		time.Since(c.Published) > time.Minute {
		t.Errorf("comment = %+v", c)
	}
	if got, want := w.Header().Get("Location"), sitetest.BaseURL+"/posts/alpha#comment-"+c.ID; got != want {
		t.Errorf("Location = %q, want %q", got, want)
	}
	if _, err := e.DB.Comment(context.Background(), c.ID); err != nil {
		t.Errorf("stored comment: %v", err)
	}
}

// counts returns the number of posts and comments in the store.
func counts(t *testing.T, st store.Store) (int, int) {
	t.Helper()
	posts, err := st.Posts(context.Background(), store.PostFilter{})
	if err != nil {
		t.Fatal(err)
	}
	comments, err := st.Comments(context.Background(), store.CommentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(posts), len(comments)
}

func TestAPI_BadInput(t *testing.T) {
	const (
		posts    = "/api/posts"
		comments = "/api/posts/alpha/comments"
	)
	auth := []string{"Authorization", "Bearer " + sitetest.Token}
	jsonCT := []string{"Content-Type", "application/json"}
	withAuth := append(append([]string{}, auth...), jsonCT...)
	big := `{"author":"A","content":"` + strings.Repeat("x", 5000) + `"}`

	for _, tc := range []struct {
		name    string
		path    string
		body    string
		header  []string
		want    int
		mention string // the error must contain this
	}{
		{"malformed JSON", comments, `{"author":"A","content":`, jsonCT, 400, "malformed"},
		{"malformed JSON syntax", comments, `{"author" "A"}`, jsonCT, 400, "malformed"},
		{"not an object", comments, `["author"]`, jsonCT, 400, "object"},
		{"null body", comments, `null`, jsonCT, 400, "object"},
		{"empty body", comments, ``, jsonCT, 400, "body"},
		{"missing content", comments, `{"author":"A"}`, jsonCT, 400, "content"},
		{"empty content", comments, `{"author":"A","content":"   "}`, jsonCT, 400, "content"},
		{"missing author", comments, `{"content":"hi"}`, jsonCT, 400, "author"},
		{"null author", comments, `{"author":null,"content":"hi"}`, jsonCT, 400, "author"},
		{"wrong type", comments, `{"author":5,"content":"hi"}`, jsonCT, 400, "author"},
		{"wrong type list", posts, `{"title":"t","content":"c","categories":"x"}`, withAuth, 400, "categories"},
		{"wrong type in list", posts, `{"title":"t","content":"c","categories":[1]}`, withAuth, 400, "categories"},
		{"unknown field", comments, `{"author":"A","content":"hi","bogus":1}`, jsonCT, 400, "bogus"},
		{"unknown field post", posts, `{"title":"t","content":"c","post_id":"x"}`, withAuth, 400, "post_id"},
		{"trailing data", comments, `{"author":"A","content":"hi"} {}`, jsonCT, 400, "after"},
		{"trailing garbage", comments, `{"author":"A","content":"hi"}x`, jsonCT, 400, "after"},
		{"body over limit", comments, big, jsonCT, 413, "body"},
		{"unknown post", "/api/posts/nope/comments", `{"author":"A","content":"hi"}`, jsonCT, 404, "nope"},
		{"invalid post id", "/api/posts/no%20pe/comments", `{"author":"A","content":"hi"}`, jsonCT, 404, "post"},
		{"parent from another post", comments, `{"author":"A","content":"hi","parent_id":"b1"}`, jsonCT, 400, "parent_id"},
		{"nonexistent parent", comments, `{"author":"A","content":"hi","parent_id":"zzz"}`, jsonCT, 400, "parent_id"},
		{"invalid parent id", comments, `{"author":"A","content":"hi","parent_id":"a b"}`, jsonCT, 400, "parent_id"},
		{"invalid UTF-8", comments, "{\"author\":\"A\",\"content\":\"h\xffi\"}", jsonCT, 400, "UTF-8"},
		{"invalid UTF-8 in key", comments, "{\"author\":\"A\",\"content\":\"hi\",\"\xc3\":1}", jsonCT, 400, "UTF-8"},
		{"NUL", comments, `{"author":"A","content":"h\u0000i"}`, jsonCT, 400, "content"},
		{"control char", comments, `{"author":"A","content":"h\u001bi"}`, jsonCT, 400, "content"},
		{"C1 control char", comments, `{"author":"A","content":"h\u0085i"}`, jsonCT, 400, "content"},
		{"newline in author", comments, `{"author":"A\nB","content":"hi"}`, jsonCT, 400, "author"},
		{"bad author_uri", comments, `{"author":"A","content":"hi","author_uri":"javascript:alert(1)"}`, jsonCT, 400, "author_uri"},
		{"wrong content type", comments, `{"author":"A","content":"hi"}`, []string{"Content-Type", "text/plain"}, 415, "Content-Type"},
		{"form without content", comments, `author=A`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 400, "content"},
		{"multipart content type", comments, `author=A`, []string{"Content-Type", "multipart/form-data; boundary=x"}, 415, "Content-Type"},
		{"post form content type", posts, `title=t&content=c`, append(append([]string{}, auth...), "Content-Type", "application/x-www-form-urlencoded"), 415, "Content-Type"},
		{"wrong charset", comments, `{"author":"A","content":"hi"}`, []string{"Content-Type", "application/json; charset=latin1"}, 415, "charset"},

		{"post missing title", posts, `{"content":"c"}`, withAuth, 400, "title"},
		{"post empty title", posts, `{"title":" ","content":"c"}`, withAuth, 400, "title"},
		{"post missing content", posts, `{"title":"t"}`, withAuth, 400, "content"},
		{"post bad published", posts, `{"title":"t","content":"c","published":"yesterday"}`, withAuth, 400, "published"},
		{"post bad id", posts, `{"id":"a/b","title":"t","content":"c"}`, withAuth, 400, "id"},
		{"post NUL in title", posts, `{"title":"a\u0000b","content":"c"}`, withAuth, 400, "title"},
		{"post wrong content type", posts, `{"title":"t","content":"c"}`, append(append([]string{}, auth...), "Content-Type", "text/plain"), 415, "Content-Type"},
		{"post missing token", posts, `{"title":"t","content":"c"}`, jsonCT, 401, "token"},
		{"post wrong token", posts, `{"title":"t","content":"c"}`, append([]string{"Authorization", "Bearer nope"}, jsonCT...), 401, "token"},
		{"post token prefix", posts, `{"title":"t","content":"c"}`, append([]string{"Authorization", "Bearer " + sitetest.Token[:10]}, jsonCT...), 401, "token"},
		{"post basic auth", posts, `{"title":"t","content":"c"}`, append([]string{"Authorization", "Basic " + sitetest.Token}, jsonCT...), 401, "token"},
		{"post token without scheme", posts, `{"title":"t","content":"c"}`, append([]string{"Authorization", sitetest.Token}, jsonCT...), 401, "token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := sitetest.New(t, sitetest.Options{MaxBodyBytes: 4096})
			np, nc := counts(t, e.DB)
			w := sitetest.Do(t, e.Handler, "POST", tc.path, tc.body, tc.header...)
			if w.Code != tc.want {
				t.Fatalf("status = %d, want %d; body %s", w.Code, tc.want, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q", ct)
			}
			if msg := sitetest.JSONError(t, w); !strings.Contains(msg, tc.mention) {
				t.Errorf("error %q does not mention %q", msg, tc.mention)
			}
			if tc.want == 401 {
				if got := w.Header().Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
					t.Errorf("WWW-Authenticate = %q", got)
				}
				if strings.Contains(w.Body.String(), sitetest.Token[:10]) {
					t.Error("answer echoes the token")
				}
			}
			if np2, nc2 := counts(t, e.DB); np2 != np || nc2 != nc {
				t.Errorf("store changed: %d posts, %d comments; was %d, %d", np2, nc2, np, nc)
			}
			if n := e.St.N("CreatePost") + e.St.N("CreateComment"); tc.want != 404 && tc.want != 400 && n != 0 {
				t.Errorf("%d store writes attempted", n)
			}
		})
	}
}

func TestCreatePost_AdminDisabled(t *testing.T) {
	empty := ""
	e := sitetest.New(t, sitetest.Options{AdminToken: &empty})
	for _, auth := range []string{"", "Bearer ", "Bearer x"} {
		w := sitetest.Do(t, e.Handler, "POST", "/api/posts", `{"title":"t","content":"c"}`, "Authorization", auth)
		if w.Code != 401 || w.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("Authorization %q with no admin token = %d, want 401", auth, w.Code)
		}
	}
	if np, _ := counts(t, e.DB); np != 2 {
		t.Errorf("%d posts, want 2", np)
	}
}
