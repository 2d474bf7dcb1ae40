package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/export"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/metrics"
	"github.com/feedd/feedd/poll"
	"github.com/feedd/feedd/server"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/postgres"
	"github.com/feedd/feedd/store/sqlite"
	"github.com/feedd/feedd/web"
	"github.com/feedd/feedd/websub"
)

// followInterval is how often the daemon polls the store's change log for
// writes made by other processes; a store that signals writes
// (store.Watcher) has them applied sooner.
const followInterval = time.Second

// runServe implements 'feedd serve'.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "serve [--config FILE] [--addr HOST:PORT]", stderr)
	configPath := fs.String("config", "config.yaml", "configuration `file`; the built-in defaults apply when the default file is absent")
	addr := fs.String("addr", "", "listen on `HOST:PORT` (overrides listen in the config)")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	explicit := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "config" {
			explicit = true
		}
	})
	cfg, err := LoadConfig(*configPath, explicit)
	if err != nil {
		return err
	}
	if *addr != "" {
		cfg.Listen = *addr
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%s: %w", *configPath, err)
	}
	log := newLogger(cfg.Log, stderr)

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, ln, log)
}

// app is a wired feedd: the store and everything that reads or writes it.
type app struct {
	store         store.Store
	renderer      *render.Renderer
	cache         *cache.Cache
	hub           *websub.Hub // nil without websub.hubs or websub.builtin
	server        *server.Server
	poller        *poll.Poller
	sources       []SourceConfig
	log           *slog.Logger
	tombstoneDays int
	exportDir     string // export.dir; empty: no static export

	// sched and sourceJobs (each source's cron entry) are set by serve
	// before the HTTP server starts, and read by the status of sources.
	sched         *cron.Cron
	sourceJobs    map[string]cron.EntryID
	regenerateJob cron.EntryID
	// firstPolls tracks the first polls of new sources and the first
	// static export, started outside the scheduler, so that shutdown
	// waits for them too.
	firstPolls sync.WaitGroup
}

// openStore opens the configured store.
func openStore(ctx context.Context, cfg StoreConfig) (store.Store, error) {
	switch cfg.Driver {
	case "sqlite":
		return sqlite.Open(ctx, cfg.DSN)
	case "postgres":
		return postgres.Open(ctx, cfg.DSN)
	}
	return nil, fmt.Errorf("store.driver: unsupported driver %q", cfg.Driver)
}

// newApp wires the components for cfg over an open store.
func newApp(cfg Config, st store.Store, log *slog.Logger) (*app, error) {
	// Metrics on a registry of this app's own; every component gets the
	// timed store.
	m := metrics.New()
	st = m.Store(st)
	loc, err := time.LoadLocation(cfg.Site.Timezone)
	if err != nil {
		return nil, fmt.Errorf("site.timezone: %w", err)
	}
	// The hubs every feed names: the external ones, and feedd's own.
	hubs := slices.Clone(cfg.WebSub.Hubs)
	hubURL := strings.TrimRight(cfg.Site.BaseURL, "/") + "/websub"
	if cfg.WebSub.Builtin {
		hubs = append(hubs, hubURL)
	}
	r, err := render.New(render.Options{
		Title:         cfg.Site.Title,
		BaseURL:       cfg.Site.BaseURL,
		TTL:           cfg.Feeds.MaxAge,
		CommentCounts: cfg.Feeds.CommentCounts,
		Hubs:          hubs,
		Location:      loc,
	})
	if err != nil {
		return nil, fmt.Errorf("site.base_url, websub.hubs: %w", err)
	}
	// The cache tells the hub of every invalidation; the hub reads the
	// changed feeds back through the cache, so what it pushes is what the
	// server serves.
	var hub *websub.Hub
	c := cache.New(st, r, cache.Options{
		PageSize:      cfg.Feeds.PageSize,
		CommentCounts: cfg.Feeds.CommentCounts,
		ObserveRender: m.ObserveRender,
		Location:      loc,
		OnInvalidate: func(refs []feed.Ref) {
			if hub != nil {
				hub.Changed(refs)
			}
		},
	}, log)
	if len(cfg.WebSub.Hubs) > 0 || cfg.WebSub.Builtin {
		hub = websub.New(st, r, c.Get, websub.Options{
			Hubs:         cfg.WebSub.Hubs,
			Builtin:      cfg.WebSub.Builtin,
			HubURL:       hubURL,
			Lease:        cfg.WebSub.Lease,
			AllowPrivate: cfg.WebSub.AllowPrivate,
			UserAgent:    userAgent(cfg.Site.BaseURL),
		}, log.With("component", "websub"))
	}
	if err := m.RegisterCache(c); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	proxies, err := cfg.trustedProxies()
	if err != nil {
		return nil, fmt.Errorf("trusted_proxies: %w", err)
	}
	a := &app{store: st, renderer: r, cache: c, hub: hub, sources: cfg.Sources, log: log, tombstoneDays: cfg.Feeds.TombstoneDays,
		exportDir: cfg.Export.Dir}
	var hubHandler http.Handler
	if cfg.WebSub.Builtin {
		hubHandler = hub
	}
	a.poller = newPoller(cfg, st, c.Changed, m.ObservePollStatus, log.With("component", "poll"))
	a.server = server.New(st, c, r, server.Config{
		AdminToken:       cfg.AdminToken,
		MaxBodyBytes:     cfg.HTTP.MaxBodyBytes,
		Moderation:       cfg.Comments.Moderation,
		CommentRate:      float64(cfg.Comments.RatePerMinute),
		CommentBurst:     cfg.Comments.Burst,
		MaxCommentLength: cfg.Comments.MaxLength,
		MaxAuthorLength:  cfg.Comments.MaxAuthorLength,
		MaxDepth:         cfg.Comments.MaxDepth,
		HoneypotField:    cfg.Comments.HoneypotField,
		TrustedProxies:   proxies,
		SourceStatus:     a.sourceStatus,
		AccessLog:        cfg.Log.Access,
		ObserveRequest:   m.ObserveRequest,
		Metrics:          m.Handler(),
		Ready:            server.StoreReady(st),
		Hub:              hubHandler,

		Delta: cfg.Feeds.Delta,
		// Non-nil, so that an empty list in the file excludes none
		// instead of meaning the server's default.
		DeltaExcludedAgents: append([]string{}, cfg.Feeds.DeltaExcludedAgents...),
	}, log)
	a.server.SetPages(web.New(st, r, a.server, web.Options{Title: cfg.Site.Title}, log))
	return a, nil
}

// sourceStatus reports the sources with the scheduler's next runs.
func (a *app) sourceStatus(ctx context.Context) ([]server.SourceStatus, error) {
	return sourceStatuses(ctx, a.store, a.sources, a.nextScheduled, time.Now())
}

// nextScheduled is when the scheduler runs a source next; zero without a
// scheduler.
func (a *app) nextScheduled(name string) time.Time {
	id, ok := a.sourceJobs[name]
	if a.sched == nil || !ok {
		return time.Time{}
	}
	return a.sched.Entry(id).Next
}

// serve runs the daemon on ln until ctx is cancelled, then shuts down in
// order: cancel the running jobs (polls in flight give up), stop accepting
// and finish in-flight requests, stop the scheduler and wait for running
// jobs, close the store.
func serve(ctx context.Context, cfg Config, ln net.Listener, log *slog.Logger) (err error) {
	st, err := openStore(ctx, cfg.Store)
	if err != nil {
		ln.Close()
		return fmt.Errorf("open store: %w", err)
	}
	defer func() {
		if cerr := st.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close store: %w", cerr)
		}
	}()
	if cfg.Demo {
		created, err := seedDemo(ctx, st)
		if err != nil {
			ln.Close()
			return fmt.Errorf("demo: %w", err)
		}
		if created {
			log.Info("created demo content on the empty store", "post_id", demoPostID)
		}
	}
	a, err := newApp(cfg, st, log)
	if err != nil {
		ln.Close()
		return err
	}

	// Scheduled jobs run under runCtx, cancelled at shutdown so that polls
	// in flight give up rather than hold the exit for their timeouts.
	runCtx, cancelRuns := context.WithCancel(context.Background())
	defer cancelRuns()
	sched, err := newScheduler(runCtx, cfg, a, log)
	if err != nil {
		ln.Close()
		return err
	}
	a.startFirstPolls(ctx)
	if a.exportDir != "" {
		if err := os.MkdirAll(a.exportDir, 0o755); err != nil {
			ln.Close()
			return fmt.Errorf("export.dir: %w", err)
		}
		// A first export at start-up, through the regenerate job's
		// wrapper so that a scheduled run skips while it goes on.
		job := sched.Entry(a.regenerateJob).WrappedJob
		a.firstPolls.Add(1)
		go func() {
			defer a.firstPolls.Done()
			job.Run()
		}()
	}
	sched.Start()

	// Writes by other processes sharing the store (the CLI, other
	// replicas) reach the cache through the store's change log: at once
	// where the store signals writes (PostgreSQL), else within a second.
	followCtx, stopFollow := context.WithCancel(context.Background())
	followed := make(chan struct{})
	go func() {
		defer close(followed)
		if err := a.cache.Follow(followCtx, followInterval); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("following store changes stopped", "err", err)
		}
	}()
	defer func() { stopFollow(); <-followed }()

	// The WebSub hub publishes and delivers until shutdown.
	if a.hub != nil {
		hubDone := make(chan struct{})
		go func() {
			defer close(hubDone)
			if err := a.hub.Run(runCtx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("websub hub stopped", "err", err)
			}
		}()
		defer func() { cancelRuns(); <-hubDone }()
	}

	hs := &http.Server{
		Handler:           a.server.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	log.Info("feedd listening", "version", version, "addr", ln.Addr().String(), "base_url", cfg.Site.BaseURL,
		"posts_feed", a.renderer.FeedURL(feed.PostsFeed, feed.Atom),
		"comments_feed", a.renderer.FeedURL(feed.CommentsFeed, feed.Atom))

	select {
	case err = <-errc:
		err = fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
		log.Info("shutting down")
	}
	cancelRuns()
	sctx, cancel := context.WithTimeout(context.Background(), cfg.HTTP.ShutdownTimeout)
	defer cancel()
	if serr := hs.Shutdown(sctx); serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		log.Warn("http shutdown", "err", serr)
	}
	jobsDone := make(chan struct{})
	go func() {
		<-sched.Stop().Done()
		a.firstPolls.Wait()
		close(jobsDone)
	}()
	select {
	case <-jobsDone:
	case <-sctx.Done():
		log.Warn("scheduled jobs still running at shutdown timeout")
	}
	return err
}

// newScheduler registers the configured jobs, one per source besides the
// regenerate sweep and the purge, and records the sources' entries in a.
// Each job recovers from panics and is skipped, not stacked, while its
// previous run is still going; jobs run under contexts derived from ctx.
//
// The polls and the purge write to the store and the polls load upstream
// sites, so where several processes share the store (replicas on one
// PostgreSQL) each run of them is claimed there first (see claimed): across
// the processes each runs once per period. The regenerate sweep is not
// claimed: it refreshes this process's own cache, and every process must
// run it.
func newScheduler(ctx context.Context, cfg Config, a *app, log *slog.Logger) (*cron.Cron, error) {
	cl := cronLogger{log.With("component", "scheduler")}
	c := cron.New(
		cron.WithParser(cronParser),
		cron.WithLogger(cl),
		cron.WithChain(cron.Recover(cl), cron.SkipIfStillRunning(cl)),
	)
	regenerate, err := cronParser.Parse(cfg.Schedule.Regenerate)
	if err != nil {
		return nil, fmt.Errorf("schedule.regenerate: %w", err)
	}
	a.regenerateJob = c.Schedule(regenerate, cron.FuncJob(func() {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		defer cancel()
		if err := a.cache.Sweep(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("regenerate sweep failed", "err", err)
		}
		a.export(ctx)
	}))
	// The digests show closed periods: at each local midnight one closes
	// (and on Mondays a week), which changes them without any write.
	digests, err := cronParser.Parse("CRON_TZ=" + cfg.Site.Timezone + " 0 0 * * *")
	if err != nil {
		return nil, fmt.Errorf("site.timezone: %w", err)
	}
	c.Schedule(digests, cron.FuncJob(func() { a.cache.Invalidate(feed.DigestFeeds...) }))
	purge, err := cronParser.Parse(cfg.Schedule.Purge)
	if err != nil {
		return nil, fmt.Errorf("schedule.purge: %w", err)
	}
	c.Schedule(purge, a.claimed(ctx, purgeJob, purge, func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		defer cancel()
		if err := a.purge(ctx, time.Now()); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("purge failed", "err", err)
		}
	}))
	a.sourceJobs = make(map[string]cron.EntryID, len(cfg.Sources))
	for i, src := range cfg.Sources {
		s, err := cronParser.Parse(src.Schedule)
		if err != nil {
			return nil, fmt.Errorf("sources[%d].schedule: %w", i, err)
		}
		a.sourceJobs[src.Name] = c.Schedule(s, a.claimed(ctx, pollJobName(src.Name), s, a.pollJob(src, pollRunTimeout(cfg.Poll))))
	}
	a.sched = c
	return c, nil
}

// export writes every feed, archive document and page to export.dir, when
// set, as the HTTP server answers them (package export); the regenerate
// job runs it after the sweep, so that it writes what the cache holds
// fresh. Failures are logged; the next run tries again.
func (a *app) export(ctx context.Context) {
	if a.exportDir == "" {
		return
	}
	paths, err := export.Paths(ctx, a.store, a.renderer, a.cache.Options().PageSize)
	if err == nil {
		_, err = export.Write(ctx, a.exportDir, a.server.Handler(), paths, a.log.With("component", "export"))
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		a.log.Error("static export failed", "dir", a.exportDir, "err", err)
	}
}

// pollRunTimeout bounds one run of a source: its feed and the comment
// feeds of its recent posts, fetched a few at a time.
func pollRunTimeout(p PollConfig) time.Duration { return 20 * p.Timeout }

// pollJob returns the scheduled job of a source: one poll, whose failure
// is logged, once per run, without stopping the schedule. (The poller
// records each failing URL in the store, and logs it, too.)
func (a *app) pollJob(src SourceConfig, timeout time.Duration) func(context.Context) {
	s := pollSource(src)
	return func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		if err := a.poller.Poll(ctx, s); err != nil && !errors.Is(err, context.Canceled) {
			a.log.Warn("source poll failed", "source", src.Name, "err", err)
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
func (a *app) startFirstPolls(ctx context.Context) {
	for _, src := range a.sources {
		_, err := a.store.Fetch(ctx, src.Name, "")
		if err == nil {
			continue
		}
		if feed.ErrorCode(err) != feed.ENOTFOUND {
			a.log.Warn("reading polling state", "source", src.Name, "err", err)
			continue
		}
		job := a.sched.Entry(a.sourceJobs[src.Name]).WrappedJob
		a.firstPolls.Add(1)
		go func() {
			defer a.firstPolls.Done()
			job.Run()
		}()
	}
}

// purge removes deleted entries whose tombstones are older than the
// tombstone window and drops the feeds that carried them.
func (a *app) purge(ctx context.Context, now time.Time) error {
	res, err := a.store.Purge(ctx, now.Add(-time.Duration(a.tombstoneDays)*24*time.Hour))
	if err != nil {
		return err
	}
	a.cache.Invalidate(res.Touched...)
	if res.Posts+res.Comments > 0 {
		a.log.Info("purged deleted entries", "posts", res.Posts, "comments", res.Comments)
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
