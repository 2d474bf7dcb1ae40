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
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/feedd/feedd/api"
	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/export"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/httpjson"
	"github.com/feedd/feedd/metrics"
	"github.com/feedd/feedd/poll"
	"github.com/feedd/feedd/schedule"
	"github.com/feedd/feedd/server"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/submit"
	"github.com/feedd/feedd/web"
	"github.com/feedd/feedd/webmention"
	"github.com/feedd/feedd/websub"
)

// followInterval is how often the daemon polls the store's change log for
// writes made by other processes; a store that signals writes
// (store.Watcher) has them applied sooner.
const followInterval = time.Second

// runServe implements 'feedd serve'.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "serve [--config FILE] [--addr HOST:PORT]", stderr)
	configFlag := fs.String("config", "config.yaml", "configuration `file` (else $FEEDD_CONFIG, else config.yaml); the built-in defaults apply when config.yaml is absent")
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
	if *addr != "" {
		if _, _, err := net.SplitHostPort(*addr); err != nil {
			return fmt.Errorf("--addr: want HOST:PORT such as localhost:8080 or :8080, got %q", *addr)
		}
	}
	path, explicit := configPath(*configFlag, explicit)
	cfg, err := LoadConfig(path, explicit)
	if err != nil {
		return err
	}
	if *addr != "" {
		cfg.Listen = *addr
	}
	if err := cfg.Validate(); err != nil {
		if !explicit && !fileExists(path) {
			return fmt.Errorf("built-in defaults (no %s): %w", path, err)
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	log := newLogger(cfg.Log, stderr)
	setMemoryLimit(int64(cfg.Cache.MaxBytes), log)

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, ln, log)
}

// memoryOverhead is what the daemon's resident memory holds beyond the
// cache's budget (cache.max_bytes), measured under a crawl of 100,000
// thread feeds and 10,000 query strings in a 64 MiB budget
// (TestMemoryBudget): half of it is memory outside the Go runtime's
// reach (nativeMemory), half the room the runtime's soft memory limit
// leaves above the budget (setMemoryLimit) for the rest of the Go heap:
// requests and renders under way, the garbage the collector has yet to
// free, the runtime itself.
const memoryOverhead = 96 << 20

// nativeMemory is the part of memoryOverhead that the Go runtime neither
// counts nor limits: the program's own pages mapped from its file, and
// SQLite's page caches and other allocations on its C heap (modernc's
// libc), about 20 MiB each.
const nativeMemory = 48 << 20

// setMemoryLimit sets the Go runtime's soft memory limit to the cache's
// budget plus the Go part of memoryOverhead, so that the collector runs
// before garbage takes the process past the budget plus memoryOverhead;
// unless GOMEMLIMIT is set, which then rules.
func setMemoryLimit(budget int64, log *slog.Logger) {
	if os.Getenv("GOMEMLIMIT") != "" {
		log.Info("memory limit from GOMEMLIMIT", "limit", debug.SetMemoryLimit(-1))
		return
	}
	limit := budget + memoryOverhead - nativeMemory
	debug.SetMemoryLimit(limit)
	log.Debug("memory limit", "limit", limit, "cache_max_bytes", budget, "overhead", memoryOverhead)
}

// app is a wired feedd: the store and everything that reads or writes it.
type app struct {
	store     store.Store
	renderer  *render.Renderer
	cache     *cache.Cache
	hub       *websub.Hub          // nil without websub.hubs or websub.builtin
	receiver  *webmention.Receiver // nil with webmention.receive off
	sender    *webmention.Sender   // nil with webmention.send off
	server    *server.Server
	poller    *poll.Poller
	sources   []SourceConfig
	log       *slog.Logger
	exportDir string // export.dir; empty: no static export

	// sched is set by serve before the HTTP server starts, and read by
	// the status of sources.
	sched *schedule.Scheduler
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
		Webmention:    cfg.Webmention.Receive,
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
		MaxBytes:      int64(cfg.Cache.MaxBytes),
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
	a := &app{store: st, renderer: r, cache: c, hub: hub, sources: cfg.Sources, log: log, exportDir: cfg.Export.Dir}
	var hubHandler http.Handler
	if cfg.WebSub.Builtin {
		hubHandler = hub
	}
	a.poller = newPoller(cfg, st, m.ObservePollStatus, m.ObservePollSkipped, log.With("component", "poll"))
	if cfg.Webmention.Send {
		// Targets and endpoints are fetched through the poller's guard.
		a.sender = webmention.New(st, a.poller, webmention.Options{
			SourceURL: r.PostURL,
			Self:      cfg.Site.BaseURL,
			Observe:   m.ObserveWebmentionSend,
		}, log.With("component", "webmention"))
	}
	admin := httpjson.NewAdmin(cfg.AdminToken)
	comments := submit.New(st, c, admin, submit.Config{
		Moderation:       cfg.Comments.Moderation,
		CommentRate:      float64(cfg.Comments.RatePerMinute),
		CommentBurst:     cfg.Comments.Burst,
		MaxCommentLength: cfg.Comments.MaxLength,
		MaxAuthorLength:  cfg.Comments.MaxAuthorLength,
		MaxDepth:         cfg.Comments.MaxDepth,
		HoneypotField:    cfg.Comments.HoneypotField,
		MentionRate:      float64(cfg.Webmention.RatePerMinute),
		MentionBurst:     cfg.Webmention.Burst,
		TrustedProxies:   proxies,
		MaxBodyBytes:     cfg.HTTP.MaxBodyBytes,
	}, log)
	var mentions http.Handler
	if cfg.Webmention.Receive {
		a.receiver = webmention.NewReceiver(st, comments, a.poller, r, webmention.ReceiverOptions{
			QueueSize:    cfg.Webmention.QueueSize,
			AllowPrivate: cfg.Poll.AllowPrivate,
			Observe:      func(res webmention.Result) { m.ObserveWebmentionVerified(res.Action) },
		}, log.With("component", "webmention"))
		mentions = a.receiver
	}
	a.server = server.New(st, c, r, server.Config{
		API: api.New(st, c, r, admin, comments, api.Config{
			MaxBodyBytes: cfg.HTTP.MaxBodyBytes,
			SourceStatus: a.sourceStatus,
		}, log),
		AccessLog:      cfg.Log.Access,
		ObserveRequest: m.ObserveRequest,
		Metrics:        m.Handler(),
		Ready:          server.StoreReady(st),
		Hub:            hubHandler,
		Webmention:     mentions,

		Delta: cfg.Feeds.Delta,
		// Non-nil, so that an empty list in the file excludes none
		// instead of meaning the server's default.
		DeltaExcludedAgents: append([]string{}, cfg.Feeds.DeltaExcludedAgents...),
	}, log)
	a.server.SetPages(web.New(st, r, comments, web.Options{Title: cfg.Site.Title, AdminToken: cfg.AdminToken, Sync: c.Sync}, log))
	return a, nil
}

// sourceStatus reports the sources with the scheduler's next runs.
func (a *app) sourceStatus(ctx context.Context) ([]api.SourceStatus, error) {
	return sourceStatuses(ctx, a.store, a.sources, a.nextScheduled, time.Now())
}

// nextScheduled is when the scheduler runs a source next; zero without a
// scheduler.
func (a *app) nextScheduled(name string) time.Time {
	if a.sched == nil {
		return time.Time{}
	}
	return a.sched.Next(name)
}

// serve runs the daemon on ln until ctx is cancelled, then shuts down in
// order: cancel the running jobs (polls in flight give up), stop accepting
// and finish in-flight requests, stop the scheduler and wait for running
// jobs, close the store.
func serve(ctx context.Context, cfg Config, ln net.Listener, log *slog.Logger) (err error) {
	st, err := openConfigured(ctx, cfg)
	if err != nil {
		ln.Close()
		return openStoreError(cfg.Store, err)
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
	if a.sender != nil {
		// The change-log position of Webmentions is set before any write
		// is taken, so that none is missed.
		if err := a.sender.Init(ctx); err != nil {
			ln.Close()
			return fmt.Errorf("webmention: %w", err)
		}
	}

	// Scheduled jobs run under runCtx, cancelled at shutdown so that polls
	// in flight give up rather than hold the exit for their timeouts.
	runCtx, cancelRuns := context.WithCancel(context.Background())
	defer cancelRuns()
	if a.exportDir != "" {
		if err := os.MkdirAll(a.exportDir, 0o755); err != nil {
			ln.Close()
			return fmt.Errorf("export.dir: %w", err)
		}
	}
	sched, err := a.newScheduler(runCtx, cfg)
	if err != nil {
		ln.Close()
		return err
	}
	sched.Start(ctx)

	// Writes by other processes sharing the store (the CLI, other
	// replicas) reach the cache through the store's change log: at once
	// where the store signals writes (PostgreSQL), else within a second.
	followCtx, stopFollow := context.WithCancel(context.Background())
	waitFollow := background(followCtx, log, "following store changes", func(ctx context.Context) error {
		return a.cache.Follow(ctx, followInterval)
	})
	defer func() { stopFollow(); waitFollow() }()

	// The WebSub hub publishes and delivers, Webmentions of local posts
	// are sent and received ones verified, until shutdown.
	type job struct {
		what string
		run  func(context.Context) error
	}
	var jobs []job
	if a.hub != nil {
		jobs = append(jobs, job{"websub hub", a.hub.Run})
	}
	if a.sender != nil {
		jobs = append(jobs, job{"webmention sender", a.sender.Run})
	}
	if a.receiver != nil {
		jobs = append(jobs, job{"webmention receiver", a.receiver.Run})
	}
	for _, j := range jobs {
		wait := background(runCtx, log, j.what, j.run)
		defer func() { cancelRuns(); wait() }()
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
	select {
	case <-sched.Stop():
	case <-sctx.Done():
		log.Warn("scheduled jobs still running at shutdown timeout")
	}
	return err
}

// newScheduler returns the scheduler of cfg's jobs over a's parts, and
// records it in a; its jobs run under ctx.
func (a *app) newScheduler(ctx context.Context, cfg Config) (*schedule.Scheduler, error) {
	sc := schedule.Config{
		Regenerate:    cfg.Schedule.Regenerate,
		Purge:         cfg.Schedule.Purge,
		TombstoneDays: cfg.Feeds.TombstoneDays,
	}
	for _, src := range cfg.Sources {
		sc.Sources = append(sc.Sources, schedule.Source{Source: pollSource(src), Schedule: src.Schedule})
	}
	var export func(context.Context)
	if a.exportDir != "" {
		export = a.export
	}
	sched, err := schedule.New(ctx, a.store, a.cache, a.poller, export, sc, a.log)
	if err != nil {
		return nil, err
	}
	a.sched = sched
	return sched, nil
}

// export writes every feed, archive document and page to export.dir as
// the HTTP server answers them (package export); the regenerate job runs
// it after the sweep, so that it writes what the cache holds fresh.
// Failures are logged; the next run tries again.
func (a *app) export(ctx context.Context) {
	paths, err := export.Paths(ctx, a.store, a.renderer, a.cache.Options().PageSize)
	if err == nil {
		_, err = export.Write(ctx, a.exportDir, a.server.Handler(), paths, a.log.With("component", "export"))
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		a.log.Error("static export failed", "dir", a.exportDir, "err", err)
	}
}

// background runs f on ctx in a goroutine of its own, logging the error it
// ends with unless ctx was cancelled, and returns a function that waits
// for it to return.
func background(ctx context.Context, log *slog.Logger, what string, f func(context.Context) error) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := f(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error(what+" stopped", "err", err)
		}
	}()
	return func() { <-done }
}
