package api

import (
	"net/http"
	"time"

	"github.com/feedd/feedd/httpjson"
)

// SourceStatus is the state of one mirrored source, as GET /api/sources
// and 'feedd sources --json' show it. Times are null until they happened
// (NextRun: when no run is due, as for a disabled source).
type SourceStatus struct {
	Name string `json:"name"`
	// URL is the configured upstream feed; FetchURL, when it differs, is
	// where permanent redirects moved the fetching.
	URL      string `json:"url"`
	FetchURL string `json:"fetch_url,omitempty"`
	Comments bool   `json:"comments"`
	Schedule string `json:"schedule"`
	// Configured is false for a source that has entries or polling state
	// in the store but is not in the configuration (an import, or a source
	// since removed): nothing polls it.
	Configured bool `json:"configured"`

	LastPoll            *time.Time `json:"last_poll"`
	LastSuccess         *time.Time `json:"last_success"`
	LastError           string     `json:"last_error"`
	HTTPStatus          int        `json:"http_status"`
	NextRun             *time.Time `json:"next_run"`
	ConsecutiveFailures int        `json:"consecutive_failures"`
	Disabled            bool       `json:"disabled"`

	// Entries and CommentsStored count the live posts and approved
	// comments stored from the source; CommentFeeds the mirrored posts
	// whose comment feeds are polled.
	Entries        int `json:"entries"`
	CommentsStored int `json:"comments_stored"`
	CommentFeeds   int `json:"comment_feeds"`
}

// handleSources answers GET /api/sources (admin only) with the status of
// every source: {"sources": [...]}.
func (s *API) handleSources(w http.ResponseWriter, r *http.Request) {
	if !s.admin.Require(w, r) {
		return
	}
	list := []SourceStatus{}
	if s.cfg.SourceStatus != nil {
		got, err := s.cfg.SourceStatus(r.Context())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if got != nil {
			list = got
		}
	}
	httpjson.WriteJSON(w, http.StatusOK, struct {
		Sources []SourceStatus `json:"sources"`
	}{list})
}
