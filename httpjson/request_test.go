package httpjson

import (
	"strings"
	"testing"
)

// TestDecodeObject_DuplicateKeys sends objects holding a key twice, as
// encoding/json would match it to a field (without regard to case), at the
// top and deeper: each is refused naming the key; objects whose keys only
// look alike, or repeat in different objects, are not.
func TestDecodeObject_DuplicateKeys(t *testing.T) {
	type inner struct {
		Name string `json:"name"`
	}
	type req struct {
		AuthorName *string           `json:"author_name"`
		Title      *string           `json:"title"`
		Categories []string          `json:"categories"`
		Items      []inner           `json:"items"`
		Inner      *inner            `json:"inner"`
		Extra      map[string]string `json:"extra"`
	}
	for _, tc := range []struct {
		name, body string
		want       string // "" to decode
	}{
		{"same key", `{"author_name":"a","author_name":"b"}`, `body: duplicate key "author_name"`},
		{"same key, same value", `{"title":"a","title":"a"}`, `body: duplicate key "title"`},
		{"different case", `{"title":"a","Title":"b"}`, `body: duplicate key "Title"`},
		{"upper case", `{"AUTHOR_NAME":"a","author_name":"b"}`, `body: duplicate key "author_name"`},
		{"Kelvin sign folds to k", "{\"extra\":{\"k\":\"1\",\"\u212a\":\"2\"}}", "body: duplicate key \"\u212a\""},
		{"escaped spelling", `{"title":"a","t\u0069tle":"b"}`, `body: duplicate key "title"`},
		{"null then value", `{"title":null,"title":"b"}`, `body: duplicate key "title"`},
		{"after a nested object", `{"inner":{"name":"x"},"title":"a","inner":{}}`, `body: duplicate key "inner"`},
		{"in a nested object", `{"inner":{"name":"x","name":"y"}}`, `body: duplicate key "name"`},
		{"in an array's object", `{"items":[{"name":"x"},{"name":"y","NAME":"z"}]}`, `body: duplicate key "NAME"`},
		{"in a map", `{"extra":{"a":"1","a":"2"}}`, `body: duplicate key "a"`},
		{"after an array", `{"categories":["title","title"],"categories":[]}`, `body: duplicate key "categories"`},
		{"distinct keys", `{"author_name":"a","title":"b"}`, ""},
		{"values equal to keys", `{"title":"title","author_name":"title"}`, ""},
		{"same key in sibling objects", `{"items":[{"name":"x"},{"name":"y"}],"inner":{"name":"z"}}`, ""},
		{"same key at two depths", `{"inner":{"name":"x"},"extra":{"inner":"y","title":"z"},"title":"t"}`, ""},
		{"near keys", `{"extra":{"a_b":"1","ab":"2","a-b":"3"}}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var dst req
			got := DecodeObject([]byte(tc.body), &dst)
			if got != tc.want {
				t.Errorf("%s: got %q, want %q", tc.body, got, tc.want)
			}
		})
	}
	// Malformed bodies keep the messages Decode gives them.
	for body, want := range map[string]string{
		`{"title":"a","title"`:       "malformed JSON",
		`{"title":"a"}{"title":"b"}`: "after the JSON object",
		`{"title":1e999}`:            "title",
	} {
		var dst req
		if got := DecodeObject([]byte(body), &dst); !strings.Contains(got, want) {
			t.Errorf("%s: got %q, want it to mention %q", body, got, want)
		}
	}
	long := strings.Repeat("k", 500)
	var dst req
	if got := DecodeObject([]byte(`{"extra":{"`+long+`":"1","`+long+`":"2"}}`), &dst); len(got) > 100 || !strings.Contains(got, "duplicate key") {
		t.Errorf("long duplicate key: %q", got)
	}
}
