// Package httpjson is the HTTP plumbing that the JSON API (package api)
// and comment submission (package submit) share: request bodies read within
// a size limit and decoded as strict JSON objects, JSON answers and
// refusals, the refusal of an error by its code, and the admin's bearer
// token.
package httpjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultMaxBodyBytes is the request body limit when none is set
// (http.max_body_bytes).
const DefaultMaxBodyBytes = 1 << 20

// ReadBody reads the request body, at most max bytes of it
// (DefaultMaxBodyBytes when max is zero or negative), or returns the
// refusal: 413 for a larger body, 400 for one that cannot be read or is
// not valid UTF-8.
func ReadBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, *RequestError) {
	if max <= 0 {
		max = DefaultMaxBodyBytes
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &RequestError{Status: http.StatusRequestEntityTooLarge, Message: fmt.Sprintf("body: larger than %d bytes", tooBig.Limit)}
		}
		return nil, &RequestError{Status: http.StatusBadRequest, Message: "body: could not be read"}
	}
	// encoding/json replaces invalid UTF-8 with U+FFFD silently, so check
	// the raw bytes first.
	if !utf8.Valid(body) {
		return nil, &RequestError{Status: http.StatusBadRequest, Message: "body: not valid UTF-8"}
	}
	return body, nil
}

// DecodeBody reads a JSON object from the request body into dst, which
// must be a pointer to a struct, and answers the request itself when it
// cannot: 415 for a non-JSON Content-Type (an absent one is taken for
// JSON), 413 for a body over max bytes (see ReadBody), 400 for invalid
// UTF-8, malformed JSON, a value of the wrong type, an unknown field, or
// data after the object. It reports whether dst was filled.
func DecodeBody(w http.ResponseWriter, r *http.Request, max int64, dst any) bool {
	if msg := checkJSONContentType(r.Header.Get("Content-Type")); msg != "" {
		WriteError(w, http.StatusUnsupportedMediaType, msg)
		return false
	}
	body, rerr := ReadBody(w, r, max)
	if rerr != nil {
		WriteRequestError(w, rerr)
		return false
	}
	if msg := DecodeObject(body, dst); msg != "" {
		WriteError(w, http.StatusBadRequest, msg)
		return false
	}
	return true
}

// DecodeObject decodes body, which must hold exactly one JSON object,
// into dst and refuses unknown fields. It returns why it could not, or "".
func DecodeObject(body []byte, dst any) string {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return "body: required: a JSON object"
	}
	if trimmed[0] != '{' {
		return "body: must be a JSON object"
	}
	if key, ok := duplicateKey(body); ok {
		return fmt.Sprintf("body: duplicate key %q", Clip(key))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonErrorMessage(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return "body: unexpected data after the JSON object"
	}
	return ""
}

// duplicateKey returns the first key of body's first JSON value that an
// object (at any depth) holds twice, compared as encoding/json matches
// keys to fields: without regard to case (Unicode case folding, as
// strings.EqualFold). encoding/json would keep the last of them silently,
// so that what a client sent and what a proxy or log in front of feedd
// read could differ. A malformed first value reports none (the walk goes
// on to its end): Decode reports it.
func duplicateKey(body []byte) (string, bool) {
	var first string // the first duplicate, once found
	found := false
	type frame struct {
		object  bool
		wantKey bool // an object's next token is a key
		keys    map[string]struct{}
	}
	var stack []*frame
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // no float parsing, which can fail on numbers Decode takes
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		switch tok := tok.(type) {
		case json.Delim:
			switch tok {
			case '{':
				stack = append(stack, &frame{object: true, wantKey: true, keys: map[string]struct{}{}})
			case '[':
				stack = append(stack, &frame{})
			default: // '}' or ']'
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					return first, found // the first value is done
				}
				valueDone()
			}
		case string:
			if f := stack[len(stack)-1]; f.object && f.wantKey {
				k := foldKey(tok)
				if _, dup := f.keys[k]; dup && !found {
					first, found = tok, true
				}
				f.keys[k] = struct{}{}
				f.wantKey = false
				continue
			}
			valueDone()
		default:
			if len(stack) == 0 {
				return "", false // a scalar body
			}
			valueDone()
		}
	}
}

// foldKey maps each rune of s to the least rune of its case-folding orbit
// (unicode.SimpleFold), so that foldKey(a) == foldKey(b) exactly when
// strings.EqualFold(a, b).
func foldKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b.WriteRune(least)
	}
	return b.String()
}

// Clip shortens a value a client sent for quoting in an error message.
func Clip(s string) string {
	const n = 64
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// checkJSONContentType returns why a request Content-Type is not JSON, or
// "" when it is: application/json, application/*+json, or none at all,
// with no charset but UTF-8.
func checkJSONContentType(v string) string {
	if v == "" {
		return ""
	}
	mt, params, err := mime.ParseMediaType(v)
	if err != nil || !IsJSONMediaType(mt) {
		return "Content-Type: must be application/json"
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return "Content-Type: charset must be utf-8"
	}
	return ""
}

// IsJSONMediaType reports whether mt is application/json or
// application/*+json.
func IsJSONMediaType(mt string) bool {
	return mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
}

// jsonErrorMessage turns an encoding/json error into a message naming the
// offending field where there is one.
func jsonErrorMessage(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("body: malformed JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "body: malformed JSON: unexpected end"
	case errors.As(err, &typ):
		if typ.Field == "" {
			return "body: must be a JSON object"
		}
		return fmt.Sprintf("%s: must be %s, not %s", typ.Field, jsonTypeName(typ.Type), typ.Value)
	}
	// DisallowUnknownFields reports `json: unknown field "name"` with no
	// error type of its own.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return "body: unknown field " + name
	}
	return "body: malformed JSON"
}

// jsonTypeName names a Go type of a request field the way a client sees it.
func jsonTypeName(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return "a list of strings"
		}
		return "a list"
	}
	return t.String()
}
