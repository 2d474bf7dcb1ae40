package submit

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/feedd/feedd/httpjson"
)

// commentFields are the fields of a new comment, in JSON and in forms.
// The e-mail address is "author_email" in JSON and "email" in forms (as
// in WordPress's form).
var commentFields = []string{"author", "author_uri", "author_email", "content", "parent_id"}

// isCommentField reports whether name is one of commentFields, as
// encoding/json matches them: without regard to case.
func isCommentField(name string) bool {
	for _, f := range commentFields {
		if strings.EqualFold(f, name) {
			return true
		}
	}
	return false
}

// commentRequest is the body of POST /api/posts/{post}/comments, as JSON
// (the API) or as a form (application/x-www-form-urlencoded, for HTML
// forms). The time of a comment is always the server's.
type commentRequest struct {
	Author    string `json:"author"`
	AuthorURI string `json:"author_uri"`
	// Email is private: it only keys first-time moderation (see
	// authorHash), and is neither stored nor shown.
	Email    string `json:"author_email"`
	Content  string `json:"content"`
	ParentID string `json:"parent_id"`

	// honeypot is set when the request filled in Config.HoneypotField.
	honeypot bool
}

// decodeComment reads a new comment from a JSON body or a form, or returns
// the refusal: 415 for another Content-Type, 413 for a body too large, 400
// for a malformed one. A JSON body may carry the honeypot field besides the
// comment's; other unknown fields are refused. A form may carry fields of
// its own (a submit button), which are ignored, but each comment field at
// most once.
func (s *Submitter) decodeComment(w http.ResponseWriter, r *http.Request) (commentRequest, *httpjson.RequestError) {
	var req commentRequest
	ct := r.Header.Get("Content-Type")
	form := false
	if ct != "" {
		mt, params, err := mime.ParseMediaType(ct)
		switch {
		case err == nil && mt == "application/x-www-form-urlencoded":
			form = true
		case err != nil || !httpjson.IsJSONMediaType(mt):
			return req, &httpjson.RequestError{Status: http.StatusUnsupportedMediaType, Message: "Content-Type: must be application/json or application/x-www-form-urlencoded"}
		}
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			return req, &httpjson.RequestError{Status: http.StatusUnsupportedMediaType, Message: "Content-Type: charset must be utf-8"}
		}
	}
	body, rerr := httpjson.ReadBody(w, r, s.cfg.MaxBodyBytes)
	if rerr != nil {
		return req, rerr
	}
	var msg string
	if form {
		msg = s.decodeCommentForm(body, &req)
	} else {
		msg = s.decodeCommentJSON(body, &req)
	}
	if msg != "" {
		return req, &httpjson.RequestError{Status: http.StatusBadRequest, Message: msg}
	}
	return req, nil
}

// decodeCommentJSON fills req from a JSON object and returns why it could
// not, or "". The honeypot field, whatever its case, is taken out before
// the comment is decoded strictly; any value but null and "" trips it.
func (s *Submitter) decodeCommentJSON(body []byte, req *commentRequest) string {
	var fields map[string]json.RawMessage
	if msg := httpjson.DecodeObject(body, &fields); msg != "" {
		return msg
	}
	for k, v := range fields {
		if strings.EqualFold(k, s.cfg.HoneypotField) {
			if v := bytes.TrimSpace(v); !bytes.Equal(v, []byte("null")) && !bytes.Equal(v, []byte(`""`)) {
				req.honeypot = true
			}
			delete(fields, k)
		}
	}
	// Re-encoding the checked object keeps its values as they came;
	// decoding it again checks field names and value types.
	rest, err := json.Marshal(fields)
	if err != nil {
		return "body: malformed JSON"
	}
	return httpjson.DecodeObject(rest, req)
}

// decodeCommentForm fills req from form data and returns why it could not,
// or "". Any non-empty value of the honeypot field trips it.
func (s *Submitter) decodeCommentForm(body []byte, req *commentRequest) string {
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return "body: malformed form data"
	}
	for k, vs := range vals {
		if !utf8.ValidString(k) {
			return "body: not valid UTF-8"
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return k + ": not valid UTF-8"
			}
		}
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"author", &req.Author},
		{"author_uri", &req.AuthorURI},
		{"email", &req.Email},
		{"content", &req.Content},
		{"parent_id", &req.ParentID},
	} {
		switch vs := vals[f.name]; len(vs) {
		case 0:
		case 1:
			*f.dst = vs[0]
		default:
			return f.name + ": given more than once"
		}
	}
	for _, v := range vals[s.cfg.HoneypotField] {
		if v != "" {
			req.honeypot = true
		}
	}
	return ""
}
