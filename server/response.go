package server

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// writeError answers with the status of err's code and its client-safe
// message (see requestError); internal errors are logged and answered with
// a generic message.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	writeRequestError(w, s.requestError(r, err))
}

// writeJSONError answers with {"error": msg}.
func writeJSONError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, struct {
		Error string `json:"error"`
	}{msg})
}

// writeJSON answers with v as JSON. API answers are never cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
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

// writeNoContent answers 204 with the API's caching fields.
func writeNoContent(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}
