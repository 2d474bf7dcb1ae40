package server

import (
	"errors"
	"log/slog"
	"net/http"
	"path"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/feedd/feedd/httpjson"
)

// statusWriter records the status and body size of a response for the
// request log, and whether the header went out.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	// routine marks a 5xx answer that is no failure of the server's
	// and is reported elsewhere, if anywhere; see markRoutine.
	routine bool
}

// markRoutine marks the answer being written to w as a routine one, such
// as /readyz's 503 (its handler logs changes of readiness) or the answer
// to a client that went away: the request log leaves it out unless the
// access log is on. It marks every statusWriter in w's chain.
func markRoutine(w http.ResponseWriter) {
	for w != nil {
		if sw, ok := w.(*statusWriter); ok {
			sw.routine = true
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return
		}
		w = u.Unwrap()
	}
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests measures each request and logs it: one line (method, path,
// route pattern, status, duration and body bytes) per request with
// Config.AccessLog, and otherwise only answers with a 5xx status, which are
// failures to look into (unless markRoutine says otherwise). The method and
// path are clipped to maxLogField bytes each (clipLog). It logs neither the query nor any header, so that
// credentials (the Authorization header) never reach the log. Every request
// goes to Config.ObserveRequest, by the pattern of the route it matched:
// the mux records it in the request, which it shares with this handler.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			d := time.Since(start)
			if o := s.cfg.ObserveRequest; o != nil {
				o(r.Pattern, status, d)
			}
			if !s.cfg.AccessLog && (status < 500 || sw.routine) {
				return
			}
			s.log.LogAttrs(r.Context(), levelFor(status), "http request",
				slog.String("method", clipLog(r.Method)),
				slog.String("path", logPath(r.URL.Path)),
				slog.String("route", r.Pattern),
				slog.Int("status", status),
				slog.Duration("duration", d),
				slog.Int64("bytes", sw.bytes),
			)
		}()
		next.ServeHTTP(sw, r)
	})
}

// recoverPanics turns a panic in a handler into a 500 and an error log with
// the stack, instead of a dropped connection. http.ErrAbortHandler is the
// handler's deliberate abort and passes through.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Behind logRequests, its statusWriter knows whether the header
		// went out; another would cost an allocation a request.
		sw, ok := w.(*statusWriter)
		if !ok {
			sw = &statusWriter{ResponseWriter: w}
		}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			s.log.Error("handler panic", "method", clipLog(r.Method), "path", logPath(r.URL.Path),
				"panic", v, "stack", string(debug.Stack()))
			if sw.status == 0 {
				// The header is still ours to write; otherwise the client
				// sees a truncated body, which is the best left to do.
				// Drop what the handler had set, such as a feed's ETag.
				clear(sw.Header())
				httpjson.WriteError(sw, http.StatusInternalServerError, "internal error")
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// maxLogField bounds the bytes of a request's method and path in the log.
const maxLogField = 512

// logPath returns path as the request log writes it: clipped (clipLog),
// and with the moderation feed's secret key (/admin/feed/{key}.atom, any
// key, right or wrong) replaced by "{key}", so that the log never holds
// the key that lets one read pending comments.
func logPath(p string) string {
	// Cleaned, as the mux redirects an unclean path (//admin/feed/...)
	// to the clean one, and the redirect is logged too.
	if strings.HasPrefix(path.Clean("/"+p), moderationPrefix) {
		return moderationPrefix + "{key}"
	}
	return clipLog(p)
}

// clipLog returns s, or its first maxLogField bytes (cut back to a whole
// UTF-8 sequence) followed by how many bytes were left out, as in
// "/a/b…(+510000 bytes)": a client's long path (up to the server's header
// limit, a megabyte) would otherwise be written in full on each request.
func clipLog(s string) string {
	if len(s) <= maxLogField {
		return s
	}
	i := maxLogField
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…(+" + strconv.Itoa(len(s)-i) + " bytes)"
}

// levelFor logs server errors at error level and everything else at info.
func levelFor(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}
