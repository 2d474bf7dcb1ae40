package main

import (
	"fmt"
	"net/url"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/schedule"
)

// validateSources fills each source's schedule from schedule.poll and
// checks the sources, naming a bad value by its index: sources[1].url.
func (c *Config) validateSources(bad func(key, format string, args ...any)) {
	seen := make(map[string]int)
	for i := range c.Sources {
		s := &c.Sources[i]
		key := func(field string) string { return fmt.Sprintf("sources[%d].%s", i, field) }
		switch {
		case s.Name == "":
			bad(key("name"), "is required")
		case !feed.ValidID(s.Name):
			bad(key("name"), "%q: must be 1 to %d characters of A-Z, a-z, 0-9, - and _", s.Name, feed.MaxIDLen)
		default:
			if j, dup := seen[s.Name]; dup {
				bad(key("name"), "%q is already the name of sources[%d]", s.Name, j)
			} else {
				seen[s.Name] = i
			}
		}
		if s.URL == "" {
			bad(key("url"), "is required")
		} else if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(key("url"), "want an absolute http(s) URL, got %q", s.URL)
		}
		if s.Schedule == "" {
			s.Schedule = c.Schedule.Poll
		}
		if _, err := schedule.Parser.Parse(s.Schedule); err != nil {
			bad(key("schedule"), "invalid cron spec %q: %v", s.Schedule, err)
		}
		if s.MaxEntries < 0 {
			bad(key("max_entries"), "must be 0 (no limit) or more, got %d", s.MaxEntries)
		}
	}
}

// validate checks the poll section's ranges.
func (p PollConfig) validate(bad func(key, format string, args ...any)) {
	between := func(key string, v, lo, hi time.Duration) {
		if v < lo || v > hi {
			bad(key, "must be between %s and %s, got %s", lo, hi, v)
		}
	}
	between("poll.timeout", p.Timeout, time.Second, 10*time.Minute)
	between("poll.connect_timeout", p.ConnectTimeout, time.Second, 10*time.Minute)
	if p.ConnectTimeout > p.Timeout && p.Timeout >= time.Second {
		bad("poll.connect_timeout", "must not exceed poll.timeout (%s), got %s", p.Timeout, p.ConnectTimeout)
	}
	if p.MaxBodyBytes < 1024 || p.MaxBodyBytes > 1<<30 {
		bad("poll.max_body_bytes", "must be between 1024 and 1073741824, got %d", p.MaxBodyBytes)
	}
	if p.MaxConcurrent < 1 || p.MaxConcurrent > 100 {
		bad("poll.max_concurrent", "must be between 1 and 100, got %d", p.MaxConcurrent)
	}
	between("poll.run_timeout", p.RunTimeout, time.Second, 24*time.Hour)
	if p.RunTimeout < p.Timeout && p.RunTimeout >= time.Second {
		bad("poll.run_timeout", "must not be shorter than poll.timeout (%s), got %s", p.Timeout, p.RunTimeout)
	}
	if p.MaxCommentFeedsPerRun < 1 || p.MaxCommentFeedsPerRun > 10000 {
		bad("poll.max_comment_feeds_per_run", "must be between 1 and 10000, got %d", p.MaxCommentFeedsPerRun)
	}
	if p.MaxRequestsPerHostPerMinute < 1 || p.MaxRequestsPerHostPerMinute > 60000 {
		bad("poll.max_requests_per_host_per_minute", "must be between 1 and 60000, got %d", p.MaxRequestsPerHostPerMinute)
	}
	between("poll.max_backoff", p.MaxBackoff, time.Minute, 7*24*time.Hour)
	between("poll.recent_window", p.RecentWindow, 0, 365*24*time.Hour)
	between("poll.old_interval", p.OldInterval, time.Minute, 30*24*time.Hour)
}

// source returns the configured source called name.
func (c *Config) source(name string) (SourceConfig, bool) {
	for _, s := range c.Sources {
		if s.Name == name {
			return s, true
		}
	}
	return SourceConfig{}, false
}
