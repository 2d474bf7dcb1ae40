package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content/contenttest"
	"github.com/feedd/feedd/internal/sitetest"
	"github.com/feedd/feedd/submit"
)

// fuzzSeedStride takes every fuzzSeedStride-th case of the XSS corpus as
// a seed of a fuzz target.
const fuzzSeedStride = 8

// FuzzCommentInput posts a comment (name, website and text as a reader
// types them) on a fresh post, through the comment form as the page
// serves it or through the JSON API, and reads it back everywhere it
// shows: the thread's Atom, RSS and JSON feeds must hold it and be
// well-formed and harmless (sitetest.CheckFeedHarmless, as TestXSS_Corpus
// checks), and so must the post's page (checkPageHarmless, as
// TestXSS_Comments checks), which shows it. An input refused is a 400:
// the form's page again, harmless, or a JSON error. The seeds are a
// sample of the XSS corpus and testdata/fuzz/FuzzCommentInput.
func FuzzCommentInput(f *testing.F) {
	// A sample of the XSS corpus (TestXSS_Comments and TestXSS_Corpus
	// send all of it the same ways): every seed is run again at the start
	// of each fuzzing run, which a bounded run cannot spend on hundreds.
	corpus := contenttest.XSSCorpus(f)
	for i := 0; i < len(corpus.Cases); i += fuzzSeedStride {
		c := corpus.Cases[i]
		f.Add("Case "+c.Name, "", c.Input, i%2 == 0)
	}
	for i := 0; i < len(corpus.Authors); i += 2 {
		f.Add(corpus.Authors[i], "https://example.org/", "A comment by a tricky name.", i%4 == 0)
	}
	f.Add("Plain Reader", "https://example.org/", "a <![CDATA[ x ]]> b\n\nuse <script> tags", true)
	f.Add("", "", "", false)

	s := newSite(f, testBase, submit.Config{})
	var posts atomic.Int64
	f.Fuzz(func(t *testing.T, author, uri, text string, viaForm bool) {
		ctx := context.Background()
		post := &feed.Post{ID: fmt.Sprintf("fz%d", posts.Add(1)), Title: "Fuzzed", Content: "<p>A post to comment on.</p>"}
		if err := s.st.CreatePost(ctx, post); err != nil {
			t.Fatal(err)
		}
		page := "/posts/" + post.ID

		var id string
		if viaForm {
			form := formOf(t, parseHTML(t, do(t, s.handler, "GET", page, "").Body))
			form.fields.Set("author", author)
			form.fields.Set("author_uri", uri)
			form.fields.Set("content", text)
			w := postForm(t, s.handler, form.action, form.fields)
			switch w.Code {
			case http.StatusSeeOther:
				var ok bool
				if id, ok = strings.CutPrefix(w.Header().Get("Location"), page+"#comment-"); !ok {
					t.Fatalf("form: Location = %q", w.Header().Get("Location"))
				}
			case http.StatusBadRequest:
				checkPageHarmless(t, "refused form", parseHTML(t, w.Body))
				return
			default:
				t.Fatalf("form: POST = %d %s", w.Code, w.Body)
			}
		} else {
			body, _ := json.Marshal(map[string]string{"author": author, "author_uri": uri, "content": text})
			w := do(t, s.handler, "POST", "/api"+page+"/comments", string(body), "Content-Type", "application/json")
			switch w.Code {
			case http.StatusCreated:
				id = sitetest.Decode[sitetest.Comment](t, w, http.StatusCreated).ID
			case http.StatusBadRequest:
				if sitetest.JSONError(t, w) == "" {
					t.Fatalf("API: 400 without an error: %s", w.Body)
				}
				return
			default:
				t.Fatalf("API: POST = %d %s", w.Code, w.Body)
			}
		}

		// The thread's feeds, whose only entry is this comment. (The
		// site's comments feed renders through the same code; the XSS
		// tests read it.)
		for _, ext := range []string{"atom", "rss", "json"} {
			path := "/feeds" + page + "/comments." + ext
			w := do(t, s.handler, "GET", path, "")
			if w.Code != http.StatusOK {
				t.Fatalf("GET %s = %d", path, w.Code)
			}
			sitetest.CheckFeedHarmless(t, path, w.Body.Bytes(), ext)
			if !strings.Contains(w.Body.String(), s.r.CommentURL(post.ID, id)) {
				t.Errorf("%s lacks comment %s", path, id)
			}
		}
		w := do(t, s.handler, "GET", page, "")
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s = %d", page, w.Code)
		}
		doc := parseHTML(t, w.Body)
		checkPageHarmless(t, page, doc)
		if byID(doc, "comment-"+id) == nil {
			t.Errorf("%s does not show comment %s", page, id)
		}
	})
}
