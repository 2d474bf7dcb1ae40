package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/feedd/feedd/api"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/poll"
	"github.com/feedd/feedd/schedule"
	"github.com/feedd/feedd/store"
)

// userAgent is how feedd introduces itself to upstream sites: the version
// and a URL where their owners can find out who polls them.
func userAgent(baseURL string) string {
	return "feedd/" + version + " (+" + baseURL + ")"
}

// newPoller returns a poller with the configured limits. Its writes reach
// the daemon's cache through the store's change log.
// observe and skipped, when not nil, are its metrics hooks
// (poll.Options.Observe, ObserveSkipped).
func newPoller(cfg Config, st store.Store, observe func(source string, status int, err error), skipped func(source, reason string, n int), log *slog.Logger) *poll.Poller {
	recent := cfg.Poll.RecentWindow
	if recent == 0 {
		recent = -1 // no post is recent; the poller's zero is its default
	}
	// Local posts' permalinks, by which a Disqus import finds the posts
	// its threads discuss; none without a valid site.base_url.
	var postURL func(string) string
	if r, err := render.New(render.Options{Title: cfg.Site.Title, BaseURL: cfg.Site.BaseURL}); err == nil {
		postURL = r.PostURL
	}
	return poll.New(st, poll.Options{
		UserAgent:      userAgent(cfg.Site.BaseURL),
		ConnectTimeout: cfg.Poll.ConnectTimeout,
		Timeout:        cfg.Poll.Timeout,
		MaxBodyBytes:   cfg.Poll.MaxBodyBytes,
		MaxConcurrent:  cfg.Poll.MaxConcurrent,
		RunTimeout:     cfg.Poll.RunTimeout,

		MaxCommentFeedsPerRun:    cfg.Poll.MaxCommentFeedsPerRun,
		MaxHostRequestsPerMinute: cfg.Poll.MaxRequestsPerHostPerMinute,
		ObserveSkipped:           skipped,
		MaxBackoff:               cfg.Poll.MaxBackoff,
		RecentWindow:             recent,
		OldInterval:              cfg.Poll.OldInterval,
		AllowPrivate:             cfg.Poll.AllowPrivate,
		Observe:                  observe,
		PostURL:                  postURL,
	}, log)
}

// pollSource is the poller's view of a configured source.
func pollSource(s SourceConfig) poll.Source {
	return poll.Source{Name: s.Name, URL: s.URL, Comments: s.Comments, MaxEntries: s.MaxEntries, CrossHostComments: s.CrossHostComments}
}

// sourceStatuses combines the configured sources with their polling state
// and entry counts in st: the configured sources in configuration order,
// then, by name, the sources the store knows that the configuration does
// not name (imports, removed sources). scheduled returns a source's next
// run as the scheduler has it, or the zero time when no scheduler runs (the
// CLI); the next run is then computed from the schedule. 'feedd sources'
// and GET /api/sources both show this.
func sourceStatuses(ctx context.Context, st store.Store, sources []SourceConfig, scheduled func(name string) time.Time, now time.Time) ([]api.SourceStatus, error) {
	fetches, err := st.Fetches(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("polling state: %w", err)
	}
	counts, err := st.SourceCounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("source counts: %w", err)
	}
	own := make(map[string]*feed.Fetch)  // a source's own feed
	commentFeeds := make(map[string]int) // its mirrored posts' comment feeds
	known := make(map[string]bool)       // every source the store knows
	for _, f := range fetches {
		known[f.Source] = true
		if f.PostID == "" {
			own[f.Source] = f
		} else {
			commentFeeds[f.Source]++
		}
	}
	for name := range counts {
		known[name] = true
	}

	status := func(name string) api.SourceStatus {
		s := api.SourceStatus{
			Name:           name,
			Entries:        counts[name].Posts,
			CommentsStored: counts[name].Comments,
			CommentFeeds:   commentFeeds[name],
		}
		if f := own[name]; f != nil {
			s.URL = f.URL
			s.LastPoll = timeOrNil(f.LastPoll)
			s.LastSuccess = timeOrNil(f.LastSuccess)
			s.LastError = f.LastError
			s.HTTPStatus = f.LastStatus
			s.ConsecutiveFailures = f.Failures
			s.Disabled = f.Disabled
		}
		return s
	}
	out := make([]api.SourceStatus, 0, len(sources)+len(known))
	for _, src := range sources {
		s := status(src.Name)
		if s.URL != "" && s.URL != src.URL {
			s.FetchURL = s.URL
		}
		s.URL, s.Comments, s.Schedule, s.Configured = src.URL, src.Comments, src.Schedule, true
		var next time.Time
		if scheduled != nil {
			next = scheduled(src.Name)
		}
		s.NextRun = timeOrNil(nextRun(src.Schedule, next, own[src.Name], now))
		out = append(out, s)
		delete(known, src.Name)
	}
	rest := make([]string, 0, len(known))
	for name := range known {
		rest = append(rest, name)
	}
	slices.Sort(rest)
	for _, name := range rest {
		out = append(out, status(name))
	}
	return out, nil
}

// maxNextRunSteps bounds the walk over a cron spec's runs to the first one
// at or after a back-off: a spec running every minute under the longest
// back-off (poll.max_backoff, at most 7 days) takes 10,080 steps.
const maxNextRunSteps = 1 << 16

// nextRun is when a source's next poll happens: the first run of its
// schedule (from next, the scheduler's next run, or else from now) that is
// not before the stored back-off f.NextPoll; the poller skips the runs
// before it. A disabled source has none (zero time).
func nextRun(spec string, next time.Time, f *feed.Fetch, now time.Time) time.Time {
	if f != nil && f.Disabled {
		return time.Time{}
	}
	sched, err := schedule.Parser.Parse(spec)
	if err != nil {
		return time.Time{}
	}
	if next.IsZero() {
		next = sched.Next(now)
	}
	if f != nil && f.NextPoll.After(next) {
		if d, ok := sched.(cron.ConstantDelaySchedule); ok && d.Delay > 0 {
			// "@every" runs come at fixed steps from the scheduler's next.
			steps := (f.NextPoll.Sub(next) + d.Delay - 1) / d.Delay
			return next.Add(steps * d.Delay).UTC()
		}
		for i := 0; i < maxNextRunSteps && next.Before(f.NextPoll) && !next.IsZero(); i++ {
			next = sched.Next(next)
		}
		if next.Before(f.NextPoll) || next.IsZero() {
			next = f.NextPoll
		}
	}
	return next.UTC()
}

// timeOrNil is nil for the zero time, so that JSON shows null.
func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

const sourcesSynopsis = "sources [--json] [--config FILE]"

// runSources implements 'feedd sources': the status of every source.
func runSources(ctx context.Context, args []string, c *cli) error {
	fs := newFlagSet("sources", sourcesSynopsis, c.stderr)
	c.commonFlags(fs)
	if _, err := parseInterspersed(fs, args, 0); err != nil {
		return err
	}
	st, cfg, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := sourceStatuses(ctx, st, cfg.Sources, nil, time.Now())
	if err != nil {
		return storeError(err)
	}
	if c.json {
		return c.printJSON(struct {
			Sources []api.SourceStatus `json:"sources"`
		}{list})
	}
	rows := make([][]string, len(list))
	for i, s := range list {
		rows[i] = []string{s.Name, s.URL, whenPtr(s.LastPoll), whenPtr(s.LastSuccess), sourceState(s),
			strconv.Itoa(s.ConsecutiveFailures), strconv.Itoa(s.Entries), strconv.Itoa(s.CommentsStored), s.LastError}
	}
	return c.table([]string{"NAME", "URL", "LAST POLL", "LAST SUCCESS", "STATUS", "FAILURES", "ENTRIES", "COMMENTS", "LAST ERROR"}, rows)
}

// sourceState sums up a source's state in a word or two for the table.
func sourceState(s api.SourceStatus) string {
	var state string
	switch {
	case s.Disabled:
		state = "disabled"
	case !s.Configured:
		state = "not configured"
	case s.LastPoll == nil:
		state = "never polled"
	case s.ConsecutiveFailures > 0:
		state = "failing"
	default:
		state = "ok"
	}
	if s.HTTPStatus != 0 {
		state += " (" + strconv.Itoa(s.HTTPStatus) + ")"
	}
	return state
}

// whenPtr formats a time that may be unset.
func whenPtr(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return when(*t)
}
