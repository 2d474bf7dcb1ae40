package server_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/feedd/feedd/feed/content"
	"github.com/feedd/feedd/feed/content/contenttest"
	"github.com/feedd/feedd/internal/sitetest"
)

// checkAPIHarmless checks that an API answer is valid JSON and that every
// content_html in it passes content.CheckHarmless.
func checkAPIHarmless(t *testing.T, what string, w *httptest.ResponseRecorder) {
	t.Helper()
	if !json.Valid(w.Body.Bytes()) {
		t.Errorf("%s: answer is not valid JSON", what)
		return
	}
	var v any
	_ = json.Unmarshal(w.Body.Bytes(), &v)
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "content_html" {
					if err := content.CheckHarmless(s); err != nil {
						t.Errorf("%s: content_html %q: %v", what, s, err)
					}
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
}

// TestXSS_Corpus sends the XSS corpus through the API as comment content,
// post content (HTML and Markdown), post titles and author names. Inputs
// that validation refuses get 400; everything stored must come out of the
// API and every feed format harmless and well-formed, and names as text.
func TestXSS_Corpus(t *testing.T) {
	corpus := contenttest.XSSCorpus(t)
	e := sitetest.New(t, sitetest.Options{PageSize: 2000})
	accepted := map[string]bool{} // stored author names
	stored := 0
	post := func(what, path, body string, header ...string) *httptest.ResponseRecorder {
		t.Helper()
		w := sitetest.Do(t, e.Handler, "POST", path, body, sitetest.WithJSON(header...)...)
		switch w.Code {
		case 201:
			stored++
			checkAPIHarmless(t, what, w)
		case 400:
			if sitetest.JSONError(t, w) == "" {
				t.Errorf("%s: 400 without an error", what)
			}
		default:
			t.Errorf("%s = %d %s, want 201 or 400", what, w.Code, w.Body)
		}
		return w
	}
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	names := append([]string{}, corpus.Authors...)
	for _, c := range corpus.Cases {
		names = append(names, c.Input)
		post(c.Name+" comment", "/api/posts/alpha/comments", enc(map[string]string{"author": "Case " + c.Name, "content": c.Input}))
		for _, format := range []string{"html", "markdown"} {
			post(c.Name+" "+format+" post", "/api/posts", enc(map[string]string{"title": "Case " + c.Name, "content": c.Input, "format": format}), sitetest.AdminAuth...)
		}
		post(c.Name+" title", "/api/posts", enc(map[string]string{"title": c.Input, "content": "x"}), sitetest.AdminAuth...)
	}
	for i, name := range names {
		w := post("author "+name, "/api/posts/beta/comments", enc(map[string]string{"author": name, "content": "by a tricky name", "author_uri": "https://example.com/"}))
		if w.Code == 201 {
			accepted[sitetest.Decode[sitetest.Comment](t, w, 201).Author] = true
		}
		if i < len(corpus.Authors) {
			post("post author "+name, "/api/posts", enc(map[string]string{"title": "By", "content": "x", "author": name}), sitetest.AdminAuth...)
		}
	}
	if len(accepted) < len(corpus.Authors)/2 || stored < 3*len(corpus.Cases) {
		t.Fatalf("only %d tricky names and %d entries stored: the corpus hardly reached the feeds", len(accepted), stored)
	}

	// Edits take the same path out.
	for _, c := range corpus.Cases[:min(20, len(corpus.Cases))] {
		w := sitetest.Do(t, e.Handler, "PATCH", "/api/comments/a1", enc(map[string]string{"content": c.Input}), sitetest.AdminAuth...)
		if w.Code != 200 && w.Code != 400 {
			t.Errorf("edit %s = %d", c.Name, w.Code)
		}
		checkAPIHarmless(t, "edit "+c.Name, w)
	}

	// Everything readable through the API.
	checkAPIHarmless(t, "alpha thread", sitetest.Do(t, e.Handler, "GET", "/api/posts/alpha/comments", ""))
	checkAPIHarmless(t, "beta thread", sitetest.Do(t, e.Handler, "GET", "/api/posts/beta/comments", ""))
	checkAPIHarmless(t, "admin alpha thread", sitetest.Do(t, e.Handler, "GET", "/api/posts/alpha/comments", "", sitetest.AdminAuth...))
	target := "/api/posts?limit=100"
	for pages := 0; target != "" && pages < 50; pages++ {
		w := sitetest.Do(t, e.Handler, "GET", target, "")
		checkAPIHarmless(t, target, w)
		list := sitetest.Decode[sitetest.PostList](t, w, 200)
		target = ""
		if list.NextCursor != nil {
			target = "/api/posts?limit=100&cursor=" + *list.NextCursor
		}
	}

	// Every feed, in every format.
	for _, prefix := range []string{"/feeds/posts", "/feeds/comments", "/feeds/posts/alpha/comments", "/feeds/posts/beta/comments"} {
		for _, ext := range []string{"atom", "rss", "json"} {
			path := prefix + "." + ext
			w := sitetest.Do(t, e.Handler, "GET", path, "")
			if w.Code != 200 {
				t.Fatalf("GET %s = %d", path, w.Code)
			}
			sitetest.CheckFeedHarmless(t, path, w.Body.Bytes(), ext)
		}
	}

	// Names come out as text: each stored name, as the feeds clean it,
	// is the text of an Atom author name, and of a JSON Feed author name.
	atomNames := atomAuthorNames(t, sitetest.Do(t, e.Handler, "GET", "/feeds/posts/beta/comments.atom", "").Body.Bytes())
	jsonNames := jsonAuthorNames(t, sitetest.Do(t, e.Handler, "GET", "/feeds/posts/beta/comments.json", "").Body.Bytes())
	for name := range accepted {
		want := content.Line(name)
		if !atomNames[want] {
			t.Errorf("Atom has no author named %q (from %q)", want, name)
		}
		if !jsonNames[want] {
			t.Errorf("JSON Feed has no author named %q (from %q)", want, name)
		}
	}
}

// atomAuthorNames returns the text of every atom:author/atom:name, and
// fails if a name holds an element: a name must be text.
func atomAuthorNames(t *testing.T, body []byte) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	dec := xml.NewDecoder(bytes.NewReader(body))
	var stack []string
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatalf("Atom: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if n := len(stack); n > 0 && stack[n-1] == "name" {
				t.Errorf("author name holds an element <%s>", tok.Name.Local)
			}
			if tok.Name.Local == "uri" {
				text.Reset()
			}
			stack = append(stack, tok.Name.Local)
			text.Reset()
		case xml.CharData:
			text.Write(tok)
		case xml.EndElement:
			n := len(stack)
			if n >= 2 && stack[n-1] == "name" && stack[n-2] == "author" {
				names[text.String()] = true
			}
			if n >= 1 && stack[n-1] == "uri" && strings.HasPrefix(strings.ToLower(strings.TrimSpace(text.String())), "javascript:") {
				t.Errorf("author uri %q", text.String())
			}
			stack = stack[:n-1]
			text.Reset()
		}
	}
}

// jsonAuthorNames returns the names of every item author of a JSON Feed.
func jsonAuthorNames(t *testing.T, body []byte) map[string]bool {
	t.Helper()
	var doc struct {
		Items []struct {
			Authors []struct {
				Name string `json:"name"`
				URL  string `json:"url"`
			} `json:"authors"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, it := range doc.Items {
		for _, a := range it.Authors {
			names[a.Name] = true
			if strings.HasPrefix(strings.ToLower(a.URL), "javascript:") {
				t.Errorf("author url %q", a.URL)
			}
		}
	}
	return names
}
