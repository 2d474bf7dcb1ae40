// Package contenttest holds what the tests of several packages share
// about content: the XSS corpus, inputs that every path from a writer to
// a reader (sanitizing, the feeds, the API, the pages) must leave inert.
package contenttest

import (
	_ "embed"
	"encoding/json"
	"testing"
)

//go:embed xss.json
var xssJSON []byte

// Corpus is xss.json: hostile inputs meant as content, titles and names
// alike, and extra author names.
type Corpus struct {
	Comment string   `json:"comment"`
	Cases   []Case   `json:"cases"`
	Authors []string `json:"authors"`
}

// Case is one input of the corpus.
type Case struct {
	Name  string `json:"name"`
	Input string `json:"input"`
}

// XSSCorpus returns the corpus, failing t if it cannot be read or holds
// too little to test with.
func XSSCorpus(t testing.TB) Corpus {
	t.Helper()
	var c Corpus
	if err := json.Unmarshal(xssJSON, &c); err != nil {
		t.Fatalf("xss.json: %v", err)
	}
	if len(c.Cases) < 100 || len(c.Authors) == 0 {
		t.Fatalf("xss.json has %d cases and %d authors", len(c.Cases), len(c.Authors))
	}
	return c
}
