package httpjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/feedd/feedd/feed"
)

// RequestError is a refused request: the HTTP status to answer with and a
// message safe to show to the client that caused it.
type RequestError struct {
	Status  int
	Message string
	// RetryAfter is the whole seconds the client should wait before it
	// tries again (Retry-After); set with 429 only.
	RetryAfter int64
}

func (e *RequestError) Error() string { return e.Message }

// Refusal turns an error of the store or of validation into the refusal
// the client sees, by its code: 400, 404, 409 or 410 with the error's
// client-safe message. Other errors are logged to log here and refused
// with 500 "internal error". A *RequestError in err's chain is returned as
// it is.
func Refusal(log *slog.Logger, r *http.Request, err error) *RequestError {
	var re *RequestError
	if errors.As(err, &re) {
		return re
	}
	var status int
	switch feed.ErrorCode(err) {
	case feed.EINVALID:
		status = http.StatusBadRequest
	case feed.ENOTFOUND:
		status = http.StatusNotFound
	case feed.ECONFLICT:
		status = http.StatusConflict
	case feed.EGONE:
		status = http.StatusGone
	default:
		log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		return &RequestError{Status: http.StatusInternalServerError, Message: "internal error"}
	}
	return &RequestError{Status: status, Message: feed.ErrorMessage(err)}
}

// WriteRequestError answers with a refusal as JSON, and its Retry-After.
func WriteRequestError(w http.ResponseWriter, e *RequestError) {
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(e.RetryAfter))
	}
	WriteError(w, e.Status, e.Message)
}

// WriteError answers with {"error": msg}.
func WriteError(w http.ResponseWriter, status int, msg string) {
	WriteJSON(w, status, struct {
		Error string `json:"error"`
	}{msg})
}

// WriteJSON answers with v as JSON. API answers are never cached.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Contents are HTML; escaping <, > and & would only obscure them, and
	// the Content-Type keeps browsers from reading the answer as HTML.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only unencodable types fail, which the handlers never pass.
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// WriteNoContent answers 204 with the API's caching fields.
func WriteNoContent(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}
