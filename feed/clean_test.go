package feed

import "testing"

// TestValidate_Cleans: one rule, before storage, for the characters that
// say nothing: U+FFFD goes everywhere, bidi controls from single-line
// fields, so the API, pages and feeds show the same text.
func TestValidate_Cleans(t *testing.T) {
	c := &Comment{PostID: "p", AuthorName: " x\ufffdy\u202e \u2066z\u2069 ", Content: "a\ufffdb \u202ekept in text\u202c"}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.AuthorName != "xy z" {
		t.Errorf("author %q, want %q", c.AuthorName, "xy z")
	}
	if c.Content != "ab \u202ekept in text\u202c" {
		t.Errorf("content %q: want U+FFFD dropped, bidi controls kept in multi-line text", c.Content)
	}
	p := &Post{Title: "T\u202eitle\ufffd", AuthorName: "\u202dA", Content: "x\ufffd", Categories: []string{"go\u2067", "go"}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if p.Title != "Title" || p.AuthorName != "A" || p.Content != "x" || len(p.Categories) != 1 || p.Categories[0] != "go" {
		t.Errorf("post = title %q, author %q, content %q, categories %q", p.Title, p.AuthorName, p.Content, p.Categories)
	}
	// Only bidi controls and U+FFFD: nothing is left of a required name.
	if err := (&Comment{PostID: "p", AuthorName: "\u202e\ufffd", Content: "x"}).Validate(); ErrorCode(err) != EINVALID {
		t.Errorf("a name of only dropped characters: %v, want EINVALID", err)
	}
}
