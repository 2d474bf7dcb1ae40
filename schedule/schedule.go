// Package schedule runs feedd's periodic jobs on cron schedules: the
// regenerate sweep (the cache's consistency check, Cache.Sweep, then the
// static export), the purge of old tombstones, and one poll job per
// mirrored source. Jobs that write to the store or load upstream sites (the
// polls and the purge) are claimed in the store first, so that replicas
// sharing one store run each once per period (see claimed).
//
// The jobs write to the store only: their writes reach the cache through
// the store's change log, as every write does. A job waits for the cache to
// have applied its writes (Cache.Sync) before it ends.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/poll"
	"github.com/feedd/feedd/store"
)

// Parser accepts the standard 5-field specs and descriptors (@every,
// @hourly, ...) and CRON_TZ=, as the scheduler does: the schedules of the
// config file are checked with it.
var Parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Defaults of the schedules (schedule.* in the config file) and of the
// tombstone window (feeds.tombstone_days).
const (
	DefaultRegenerate    = "@every 10m"
	DefaultPurge         = "@daily"
	DefaultPoll          = "@every 30m" // a source that names no schedule
	DefaultTombstoneDays = 30
)

// sweepTimeout and purgeTimeout bound one run of the regenerate sweep (and
// export) and of the purge.
const (
	sweepTimeout = 5 * time.Minute
	purgeTimeout = 5 * time.Minute
)

// Source is a mirrored source and the schedule of its polls.
type Source struct {
	poll.Source
	Schedule string
}

// Config holds the schedules.
type Config struct {
	Regenerate string // the sweep and export
	Purge      string
	// TombstoneDays is how long deleted entries stay as tombstones before
	// the purge removes them.
	TombstoneDays int
	Sources       []Source
}

// syncTimeout bounds the wait, after a source's poll, for the cache to
// apply what it wrote. The poll itself ends at the poller's run deadline
// (poll.Options.RunTimeout).
const syncTimeout = time.Minute

// Scheduler runs the jobs. Build it with New, run it with Start and end it
// with Stop.
type Scheduler struct {
	st     store.Store
	cache  *cache.Cache
	poller *poll.Poller
	export func(context.Context)
	cfg    Config
	log    *slog.Logger

	cron          *cron.Cron
	sourceJobs    map[string]cron.EntryID // each source's cron entry
	regenerateJob cron.EntryID
	// first tracks the first polls of new sources, the first export and
	// the pass over the stored HTML, started outside the scheduler, so
	// that Stop waits for them too.
	first sync.WaitGroup
}

// New registers the configured jobs, one per source besides the regenerate
// sweep and the purge. Each job recovers from panics and is skipped, not
// stacked, while its previous run is still going; jobs run under contexts
// derived from ctx. export, when not nil, runs after each sweep (and once
// at Start), so that it writes what the cache holds fresh.
//
// The polls and the purge write to the store and the polls load upstream
// sites, so where several processes share the store (replicas on one
// PostgreSQL) each run of them is claimed there first (see claimed): across
// the processes each runs once per period. The regenerate sweep is not
// claimed: it checks this process's own cache, and every process must run
// it.
func New(ctx context.Context, st store.Store, c *cache.Cache, p *poll.Poller, export func(context.Context), cfg Config, log *slog.Logger) (*Scheduler, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.TombstoneDays <= 0 {
		cfg.TombstoneDays = DefaultTombstoneDays
	}
	s := &Scheduler{st: st, cache: c, poller: p, export: export, cfg: cfg, log: log}
	cl := cronLogger{log.With("component", "scheduler")}
	s.cron = cron.New(
		cron.WithParser(Parser),
		cron.WithLogger(cl),
		cron.WithChain(cron.Recover(cl), cron.SkipIfStillRunning(cl)),
	)
	regenerate, err := Parser.Parse(cfg.Regenerate)
	if err != nil {
		return nil, fmt.Errorf("schedule.regenerate: %w", err)
	}
	s.regenerateJob = s.cron.Schedule(regenerate, cron.FuncJob(func() {
		ctx, cancel := context.WithTimeout(ctx, sweepTimeout)
		defer cancel()
		if err := s.cache.Sweep(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("regenerate sweep failed", "err", err)
		}
		if s.export != nil {
			s.export(ctx)
		}
	}))
	purge, err := Parser.Parse(cfg.Purge)
	if err != nil {
		return nil, fmt.Errorf("schedule.purge: %w", err)
	}
	s.cron.Schedule(purge, s.claimed(ctx, purgeJob, purge, func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, purgeTimeout)
		defer cancel()
		if err := s.Purge(ctx, time.Now()); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("purge failed", "err", err)
		}
	}))
	s.sourceJobs = make(map[string]cron.EntryID, len(cfg.Sources))
	for i, src := range cfg.Sources {
		sched, err := Parser.Parse(src.Schedule)
		if err != nil {
			return nil, fmt.Errorf("sources[%d].schedule: %w", i, err)
		}
		s.sourceJobs[src.Name] = s.cron.Schedule(sched, s.claimed(ctx, pollJobName(src.Name), sched, s.pollJob(src.Source)))
	}
	return s, nil
}

// Start starts the schedule, a first export when there is one, a first
// poll of each source that was never polled (see startFirstPolls), and
// the pass over the stored HTML (see deriveHTML).
func (s *Scheduler) Start(ctx context.Context) {
	s.first.Add(1)
	go func() {
		defer s.first.Done()
		s.deriveHTML(ctx)
	}()
	s.startFirstPolls(ctx)
	if s.export != nil {
		// A first export at start-up, through the regenerate job's
		// wrapper so that a scheduled run skips while it goes on.
		s.runFirst(s.regenerateJob)
	}
	s.cron.Start()
}

// Stop stops the schedule and returns a channel closed once the running
// jobs, and the first polls and export, have returned.
func (s *Scheduler) Stop() <-chan struct{} {
	done := make(chan struct{})
	go func() {
		<-s.cron.Stop().Done()
		s.first.Wait()
		close(done)
	}()
	return done
}

// Next is when the scheduler runs a source next; zero for a source it
// does not run.
func (s *Scheduler) Next(source string) time.Time {
	id, ok := s.sourceJobs[source]
	if !ok {
		return time.Time{}
	}
	return s.cron.Entry(id).Next
}

// runFirst runs a job's wrapped run outside the schedule, tracked by
// s.first.
func (s *Scheduler) runFirst(id cron.EntryID) {
	job := s.cron.Entry(id).WrappedJob
	s.first.Add(1)
	go func() {
		defer s.first.Done()
		job.Run()
	}()
}

// pollJob returns the scheduled job of a source: one poll, whose failure
// is logged, once per run, without stopping the schedule. (The poller
// records each failing URL in the store, and logs it, too.) The run ends
// once the cache has applied what the poll wrote, so that the mirror is
// fresh when it ends.
//
// Each source has a job of its own, and a run skipped because the previous
// one is still going is that source's only: a slow source delays no other
// source's runs, which wait at most for a slot of the poller's pool (see
// package poll).
func (s *Scheduler) pollJob(src poll.Source) func(context.Context) {
	return func(ctx context.Context) {
		ctx, wrote := store.Track(ctx)
		if err := s.poller.Poll(ctx, src); err != nil && !errors.Is(err, context.Canceled) {
			s.log.Warn("source poll failed", "source", src.Name, "err", err)
		}
		seq := wrote.Seq()
		if seq == 0 {
			// Nothing changed a feed (a 304, a failure): nothing to wait
			// for. (Sync(0) would wait for the log's end, other sources'
			// writes included.)
			return
		}
		sctx, cancel := context.WithTimeout(ctx, syncTimeout)
		defer cancel()
		if err := s.cache.Sync(sctx, seq); err != nil && ctx.Err() == nil {
			s.log.Warn("the cache did not catch up with a poll", "source", src.Name, "err", err)
		}
	}
}

// startFirstPolls polls at once each source that was never polled, so that
// a newly configured source need not wait for its schedule. A source with
// polling state waits: its stored next poll keeps a restart from polling
// every source at once. The first poll runs through the source's wrapped
// job, so a scheduled run skips while it goes on, and it claims the run in
// the store like a scheduled one: replicas that start together on a shared
// store poll a new source once.
func (s *Scheduler) startFirstPolls(ctx context.Context) {
	for _, src := range s.cfg.Sources {
		_, err := s.st.Fetch(ctx, src.Name, "")
		if err == nil {
			continue
		}
		if feed.ErrorCode(err) != feed.ENOTFOUND {
			s.log.Warn("reading polling state", "source", src.Name, "err", err)
			continue
		}
		s.runFirst(s.sourceJobs[src.Name])
	}
}

// deriveHTML derives afresh, batch by batch, the HTML of the stored rows
// derived under an older content policy, or none (a database from before
// the html column): store.Deriver. Reads derive such rows in memory until
// it reaches them. It runs once, at Start, in every process (a replica's
// pass finds what another's did done), and stops with ctx.
func (s *Scheduler) deriveHTML(ctx context.Context) {
	start := time.Now()
	n, err := s.st.DeriveHTML(ctx)
	switch {
	case err != nil && !errors.Is(err, context.Canceled):
		s.log.Error("deriving stored HTML stopped", "rows", n, "err", err)
	case n > 0:
		s.log.Info("derived stored HTML under the current content policy", "rows", n, "took", time.Since(start).Round(time.Millisecond))
	}
}

// Purge removes deleted entries whose tombstones are older than the
// tombstone window at now, and with them the tombstones from the feeds
// that carried them: the store logs those feeds as changed, and Purge
// returns once the cache has applied that.
func (s *Scheduler) Purge(ctx context.Context, now time.Time) error {
	ctx, wrote := store.Track(ctx)
	res, err := s.st.Purge(ctx, now.Add(-time.Duration(s.cfg.TombstoneDays)*24*time.Hour))
	if err != nil {
		return err
	}
	if err := s.cache.Sync(ctx, wrote.Seq()); err != nil {
		return err
	}
	if res.Posts+res.Comments > 0 {
		s.log.Info("purged deleted entries", "posts", res.Posts, "comments", res.Comments)
	}
	return nil
}

// cronLogger adapts slog to cron's logger, keeping cron's routine chatter at
// debug level.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug(msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error(msg, append(kv, "err", err)...)
}
