package server

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/feedd/feedd/feed"
)

// readyTimeout bounds one readiness check, so that a database that stopped
// answering (packets dropped, not refused) fails the check rather than
// holding the probe until its own timeout.
const readyTimeout = 2 * time.Second

// handleHealthz reports that the process serves requests: liveness. It
// checks nothing else, so that it stays cheap enough to poll, and a lost
// database does not get the process restarted (that is /readyz's job to
// report).
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writePlain(w, r, http.StatusOK, "ok\n")
}

// handleReadyz reports whether the process can serve: Config.Ready, by
// default a query of the store, within readyTimeout. It answers 200 "ok"
// or 503 "not ready: REASON", REASON being the message of a *feed.Error in
// the check's error ("store unreachable") or "internal error". A change of
// state is logged, with the whole error, once rather than at every probe:
// the 503s are not logged as failing requests (only with the access log).
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	err := s.ready(ctx)
	if err != nil && r.Context().Err() != nil {
		// The prober went away; its check says nothing of the store.
		markRoutine(w)
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	wasNotReady := s.notReady.Swap(err != nil)
	switch {
	case err != nil && !wasNotReady:
		s.log.Warn("not ready", "err", err)
	case err == nil && wasNotReady:
		s.log.Info("ready again")
	}
	if err != nil {
		markRoutine(w) // logged above, once
		writePlain(w, r, http.StatusServiceUnavailable, "not ready: "+feed.ErrorMessage(err)+"\n")
		return
	}
	writePlain(w, r, http.StatusOK, "ok\n")
}

// ready runs Config.Ready, or checks the store.
func (s *Server) ready(ctx context.Context) error {
	if s.cfg.Ready != nil {
		return s.cfg.Ready(ctx)
	}
	return StoreReady(s.st)(ctx)
}

// StoreReady returns the readiness check of a store, the default of
// Config.Ready: a LastChange query, which fails with the error "store
// unreachable" (a *feed.Error, wrapping the store's) while the database
// cannot be reached or the store was closed. A store that opened has its
// migrations applied.
func StoreReady(st interface {
	LastChange(ctx context.Context) (int64, error)
}) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		if _, err := st.LastChange(ctx); err != nil {
			return fmt.Errorf("%w: %w", feed.Errorf(feed.EINTERNAL, "store unreachable"), err)
		}
		return nil
	}
}

// writePlain answers a short text/plain body that no cache keeps; HEAD
// gets the header only.
func writePlain(w http.ResponseWriter, r *http.Request, status int, body string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(body))
	}
}
