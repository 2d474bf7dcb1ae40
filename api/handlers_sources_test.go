package api_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/api"
	"github.com/feedd/feedd/internal/sitetest"
)

func TestSources(t *testing.T) {
	polled := sitetest.Date("2026-03-10T12:00:00Z")
	next := sitetest.Date("2026-03-10T12:30:00Z")
	var calls int
	e := sitetest.New(t, sitetest.Options{Config: func(c *sitetest.Config) {
		c.API.SourceStatus = func(ctx context.Context) ([]api.SourceStatus, error) {
			calls++
			return []api.SourceStatus{
				{Name: "friend", URL: "https://friend.example.org/feed", Comments: true, Schedule: "@every 30m", Configured: true,
					LastPoll: &polled, LastSuccess: &polled, HTTPStatus: 304, NextRun: &next, Entries: 3, CommentsStored: 7, CommentFeeds: 3},
				{Name: "new", URL: "https://new.example.org/feed", Schedule: "@hourly", Configured: true},
			}, nil
		}
	}})

	t.Run("OK", func(t *testing.T) {
		w := sitetest.Do(t, e.Handler, "GET", "/api/sources", "", sitetest.AdminAuth...)
		type status struct {
			Name                string     `json:"name"`
			URL                 string     `json:"url"`
			Comments            bool       `json:"comments"`
			Schedule            string     `json:"schedule"`
			LastPoll            *time.Time `json:"last_poll"`
			LastSuccess         *time.Time `json:"last_success"`
			LastError           string     `json:"last_error"`
			HTTPStatus          int        `json:"http_status"`
			NextRun             *time.Time `json:"next_run"`
			Entries             int        `json:"entries"`
			CommentsStored      int        `json:"comments_stored"`
			ConsecutiveFailures int        `json:"consecutive_failures"`
			Disabled            bool       `json:"disabled"`
			CommentFeeds        int        `json:"comment_feeds"`
		}
		got := sitetest.Decode[struct{ Sources []status }](t, w, 200)
		if len(got.Sources) != 2 {
			t.Fatalf("sources = %s", w.Body)
		}
		f := got.Sources[0]
		if f.Name != "friend" || !f.Comments || f.Schedule != "@every 30m" || f.HTTPStatus != 304 ||
			f.LastPoll == nil || !f.LastPoll.Equal(polled) || f.NextRun == nil || !f.NextRun.Equal(next) ||
			f.Entries != 3 || f.CommentsStored != 7 || f.CommentFeeds != 3 {
			t.Errorf("friend = %+v", f)
		}
		for _, key := range []string{"name", "url", "comments", "schedule", "last_poll", "last_success", "last_error",
			"http_status", "next_run", "entries", "comments_stored", "consecutive_failures", "disabled", "comment_feeds"} {
			if !sitetest.HasKey(t, w.Body.Bytes(), key) {
				t.Errorf("answer lacks %q: %s", key, w.Body)
			}
		}
		// Times that did not happen are null, not year 1.
		if !strings.Contains(w.Body.String(), `"last_poll":null`) || strings.Contains(w.Body.String(), "0001-01-01") {
			t.Errorf("unset times not null: %s", w.Body)
		}
		if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control = %q", cc)
		}
	})

	t.Run("AdminOnly", func(t *testing.T) {
		before := calls
		for _, header := range [][]string{nil, {"Authorization", "Bearer wrong-" + sitetest.Token}, {"Authorization", sitetest.Token}} {
			w := sitetest.Do(t, e.Handler, "GET", "/api/sources", "", header...)
			if w.Code != 401 || w.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("GET /api/sources with %q = %d, want 401", header, w.Code)
			}
		}
		if calls != before {
			t.Error("an unauthorized request read the sources")
		}
		if w := sitetest.Do(t, e.Handler, "POST", "/api/sources", "", sitetest.AdminAuth...); w.Code != 405 {
			t.Errorf("POST /api/sources = %d, want 405", w.Code)
		}
	})

	t.Run("NoAdminToken", func(t *testing.T) {
		empty := ""
		e := sitetest.New(t, sitetest.Options{AdminToken: &empty})
		if w := sitetest.Do(t, e.Handler, "GET", "/api/sources", "", "Authorization", "Bearer "); w.Code != 401 {
			t.Errorf("without an admin token = %d, want 401", w.Code)
		}
	})
}

func TestSources_EmptyAndErrors(t *testing.T) {
	e := sitetest.New(t, sitetest.Options{})
	w := sitetest.Do(t, e.Handler, "GET", "/api/sources", "", sitetest.AdminAuth...)
	if w.Code != 200 || strings.TrimSpace(w.Body.String()) != `{"sources":[]}` {
		t.Errorf("without sources = %d %s, want an empty list", w.Code, w.Body)
	}

	e = sitetest.New(t, sitetest.Options{Config: func(c *sitetest.Config) {
		c.API.SourceStatus = func(context.Context) ([]api.SourceStatus, error) {
			return nil, errors.New("database is locked")
		}
	}})
	w = sitetest.Do(t, e.Handler, "GET", "/api/sources", "", sitetest.AdminAuth...)
	if w.Code != 500 || strings.Contains(w.Body.String(), "locked") {
		t.Errorf("failing status = %d %s, want 500 without details", w.Code, w.Body)
	}
}
