package main

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/server"
)

func TestParseConfig_Defaults(t *testing.T) {
	for _, in := range []string{"", "\n", "# only a comment\n", "~\n"} {
		cfg, err := ParseConfig(strings.NewReader(in))
		if err != nil {
			t.Fatalf("ParseConfig(%q): %v", in, err)
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("Validate defaults: %v", err)
		}
		if got, want := cfg.Site.BaseURL, "http://127.0.0.1:8080"; got != want {
			t.Errorf("base_url = %q, want %q", got, want)
		}
		if cfg.Feeds.PageSize != 25 || cfg.Store.Driver != "sqlite" || cfg.Schedule.Regenerate == "" {
			t.Errorf("defaults not applied: %+v", cfg)
		}
	}
}

func TestParseConfig_RepoFile(t *testing.T) {
	f, err := os.Open("../../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := ParseConfig(f)
	if err != nil {
		t.Fatalf("config.yaml: %v", err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config.yaml: %v", err)
	}
	if !cfg.Demo {
		t.Error("the repo's config.yaml should enable the demo")
	}
	if cfg.Feeds.Delta {
		t.Error("the repo's config.yaml should keep feeds.delta off")
	}
	if got, want := cfg.Feeds.DeltaExcludedAgents, server.DefaultDeltaExcludedAgents(); !slices.Equal(got, want) {
		t.Errorf("the repo's config.yaml excludes %q from deltas, want the default %q", got, want)
	}
}

// TestParseConfig_Delta checks feeds.delta and feeds.delta_excluded_agents:
// off and feedparser's agents by default, and a list in the file replaces
// the default instead of adding to it.
func TestParseConfig_Delta(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		delta    bool
		excluded []string
	}{
		{"defaults", "", false, []string{"feedparser/", "UniversalFeedParser/"}},
		{"on", "feeds: {delta: true}\n", true, []string{"feedparser/", "UniversalFeedParser/"}},
		{"own list", "feeds: {delta: true, delta_excluded_agents: [SomeReader/, \"Bot \"]}\n", true, []string{"SomeReader/", "Bot "}},
		{"none excluded", "feeds: {delta: true, delta_excluded_agents: []}\n", true, []string{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseConfig(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			if cfg.Feeds.Delta != tt.delta || !slices.Equal(cfg.Feeds.DeltaExcludedAgents, tt.excluded) {
				t.Errorf("delta %v, excluded %q; want %v, %q", cfg.Feeds.Delta, cfg.Feeds.DeltaExcludedAgents, tt.delta, tt.excluded)
			}
		})
	}
}

func TestParseConfig_Values(t *testing.T) {
	t.Setenv("FEEDD_TEST_DSN", "/tmp/x.db")
	cfg, err := ParseConfig(strings.NewReader(`
listen: 0.0.0.0:9000
site: {title: "My blog", base_url: "https://blog.example.org/"}
store: {driver: sqlite, dsn: "${FEEDD_TEST_DSN}"}
feeds: {page_size: 10, max_age: 2m, comment_counts: true}
schedule: {regenerate: "*/5 * * * *"}
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Store.DSN != "/tmp/x.db" {
		t.Errorf("dsn = %q, want env expansion", cfg.Store.DSN)
	}

	// A default for an unset variable, and a plain value typed by what it
	// became.
	t.Setenv("FEEDD_TEST_PAGE", "25")
	cfg2, err := ParseConfig(strings.NewReader("site: {title: \"${FEEDD_TEST_NO_SUCH_VAR:-Blog} of ${FEEDD_TEST_PAGE}\"}\nfeeds:\n  page_size: ${FEEDD_TEST_PAGE}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg2.Site.Title != "Blog of 25" || cfg2.Feeds.PageSize != 25 {
		t.Errorf("title %q, page_size %d; want \"Blog of 25\", 25", cfg2.Site.Title, cfg2.Feeds.PageSize)
	}
	if cfg.Feeds.MaxAge != 2*time.Minute || !cfg.Feeds.CommentCounts || cfg.Feeds.PageSize != 10 {
		t.Errorf("feeds = %+v", cfg.Feeds)
	}
	if cfg.Site.Title != "My blog" || cfg.Listen != "0.0.0.0:9000" {
		t.Errorf("cfg = %+v", cfg)
	}
}

func TestConfig_AdminTokenFromEnv(t *testing.T) {
	t.Setenv("FEEDD_ADMIN_TOKEN", "from-the-environment-123")
	cfg, err := ParseConfig(strings.NewReader(`admin_token: from-the-file-0123456`))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.AdminToken != "from-the-environment-123" {
		t.Errorf("admin token = %q, want the environment's", cfg.AdminToken)
	}
}

// TestParseConfig_Bad checks that each bad file stops start-up with a
// message naming the key.
func TestParseConfig_Bad(t *testing.T) {
	t.Setenv("FEEDD_ADMIN_TOKEN", "")
	for _, tt := range []struct {
		name, in, want string
	}{
		{"unknown top-level key", "lisen: :8080\n", `unknown key "lisen"`},
		{"unknown nested key", "site:\n  titel: x\n", `line 2: unknown key "site.titel"`},
		{"duplicate key", "listen: a:1\nlisten: b:2\n", `"listen"`},
		{"not a mapping", "site: hello\n", "site must be a mapping"},
		{"page size not int", "feeds: {page_size: many}\n", "feeds.page_size: invalid value"},
		{"bad duration", "feeds: {max_age: 5 minutes}\n", "feeds.max_age: invalid value"},
		{"bad bool", "feeds: {comment_counts: perhaps}\n", "feeds.comment_counts"},
		{"null value", "listen:\n", "listen: a value is required"},
		{"page size zero", "feeds: {page_size: 0}\n", "feeds.page_size: must be between"},
		{"page size huge", "feeds: {page_size: 100000}\n", "feeds.page_size"},
		{"negative max age", "feeds: {max_age: -1s}\n", "feeds.max_age"},
		{"max age not whole minutes", "feeds: {max_age: 90s}\n", "feeds.max_age"},
		{"bad cron", "schedule: {regenerate: every now and then}\n", "schedule.regenerate"},
		{"bad cron field", "schedule: {regenerate: \"61 * * * *\"}\n", "schedule.regenerate"},
		{"bad driver", "store: {driver: mysql}\n", "store.driver"},
		{"empty dsn", "store: {dsn: \"\"}\n", "store.dsn"},
		{"relative base url", "site: {base_url: /blog}\n", "site.base_url"},
		{"ftp base url", "site: {base_url: \"ftp://x.org\"}\n", "site.base_url"},
		{"empty title", "site: {title: \"  \"}\n", "site.title"},
		{"bad listen", "listen: nowhere\n", "listen"},
		{"short token", "admin_token: abc\n", "admin_token"},
		{"bad log level", "log: {level: loud}\n", "log.level"},
		{"bad moderation", "comments: {moderation: sometimes}\n", "comments.moderation"},
		{"zero rate", "comments: {rate_per_minute: 0}\n", "comments.rate_per_minute"},
		{"zero depth", "comments: {max_depth: 0}\n", "comments.max_depth"},
		{"huge comment length", "comments: {max_length: 100000000}\n", "comments.max_length"},
		{"bad honeypot", "comments: {honeypot_field: \"a b\"}\n", "comments.honeypot_field"},
		{"honeypot is a real field", "comments: {honeypot_field: content}\n", "comments.honeypot_field"},
		{"bad images", "comments: {images: keep}\n", "comments.images"},
		{"bad proxy", "trusted_proxies: [\"10.0.0.0/33\"]\n", "trusted_proxies"},
		{"proxies not a list", "trusted_proxies: {a: b}\n", "trusted_proxies"},
		{"zero tombstone days", "feeds: {tombstone_days: 0}\n", "feeds.tombstone_days"},
		{"delta not a bool", "feeds: {delta: sometimes}\n", "feeds.delta: invalid value"},
		{"delta null", "feeds: {delta: ~}\n", "feeds.delta: a value is required"},
		{"excluded agents not a list", "feeds: {delta_excluded_agents: feedparser/}\n", "feeds.delta_excluded_agents: invalid value"},
		{"excluded agents a mapping", "feeds: {delta_excluded_agents: {a: b}}\n", "feeds.delta_excluded_agents: invalid value"},
		{"excluded agents null", "feeds:\n  delta_excluded_agents:\n", "feeds.delta_excluded_agents: a value is required"},
		{"excluded agent a list", "feeds: {delta_excluded_agents: [[feedparser/]]}\n", "feeds.delta_excluded_agents: invalid value"},
		{"empty excluded agent", "feeds: {delta_excluded_agents: [\"\"]}\n", "feeds.delta_excluded_agents[0]: must not be empty"},
		{"blank excluded agent", "feeds: {delta_excluded_agents: [feedparser/, \"  \"]}\n", "feeds.delta_excluded_agents[1]: must not be empty"},
		{"null excluded agent", "feeds: {delta_excluded_agents: [feedparser/, ~]}\n", "feeds.delta_excluded_agents[1]: a value is required"},
		{"null proxy", "trusted_proxies: [~]\n", "trusted_proxies[0]: a value is required"},
		{"bad purge spec", "schedule: {purge: sometimes}\n", "schedule.purge"},
		{"bad yaml", "site: [\n", "yaml"},
		{"unset variable", "site:\n  title: x\n  base_url: ${FEEDD_TEST_NO_SUCH_VAR}\n", "site.base_url: line 3: ${FEEDD_TEST_NO_SUCH_VAR} is not set"},
		{"unset variable in a list", "trusted_proxies: [10.0.0.0/8, \"${FEEDD_TEST_NO_SUCH_VAR}\"]\n", "trusted_proxies[1]: line 1: ${FEEDD_TEST_NO_SUCH_VAR} is not set"},
		{"unknown time zone", "site: {timezone: Mars/Olympus}\n", "site.timezone"},
		{"local time zone", "site: {timezone: Local}\n", "site.timezone"},
		{"relative hub", "websub: {hubs: [/hub]}\n", "websub.hubs[0]"},
		{"ftp hub", "websub: {hubs: [\"https://ok.example\", \"ftp://x.org/hub\"]}\n", "websub.hubs[1]"},
		{"hubs not a list", "websub: {hubs: https://hub.example}\n", "websub.hubs"},
		{"builtin not a bool", "websub: {builtin: sometimes}\n", "websub.builtin"},
		{"short lease", "websub: {lease: 10m}\n", "websub.lease"},
		{"long lease", "websub: {lease: 1000h}\n", "websub.lease"},
		{"unknown websub key", "websub: {secret: x}\n", `unknown key "websub.secret"`},
		{"export not a mapping", "export: /srv/www\n", "export must be a mapping"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseConfig(strings.NewReader(tt.in))
			if err == nil {
				err = cfg.Validate()
			}
			if err == nil {
				t.Fatalf("no error for %q", tt.in)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func TestConfig_TrustedProxies(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader("trusted_proxies: [10.0.0.0/8, 192.168.1.7, \"::1\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	got, err := cfg.trustedProxies()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "192.168.1.7/32", "::1/128"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("proxy %d = %s, want %s", i, got[i], want[i])
		}
	}
}

func TestParseConfig_Sources(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader(`
schedule: {poll: "@every 15m"}
sources:
  - name: friend
    url: https://friend.example.org/feed.atom
  - name: other_blog-2
    url: http://other.example.net/rss
    schedule: "0 * * * *"
    comments: true
    max_entries: 50
    cross_host_comments: true
poll: {timeout: 20s, connect_timeout: 5s, max_body_bytes: 2097152, max_concurrent: 2, max_backoff: 1h, recent_window: 0s, old_interval: 12h, allow_private: true,
  run_timeout: 2m, max_comment_feeds_per_run: 20, max_requests_per_host_per_minute: 30}
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	want := []SourceConfig{
		{Name: "friend", URL: "https://friend.example.org/feed.atom", Schedule: "@every 15m"},
		{Name: "other_blog-2", URL: "http://other.example.net/rss", Schedule: "0 * * * *", Comments: true, MaxEntries: 50, CrossHostComments: true},
	}
	if len(cfg.Sources) != len(want) {
		t.Fatalf("sources = %+v", cfg.Sources)
	}
	for i := range want {
		if cfg.Sources[i] != want[i] {
			t.Errorf("sources[%d] = %+v, want %+v", i, cfg.Sources[i], want[i])
		}
	}
	wantPoll := PollConfig{Timeout: 20 * time.Second, ConnectTimeout: 5 * time.Second, MaxBodyBytes: 2 << 20,
		MaxConcurrent: 2, MaxBackoff: time.Hour, RecentWindow: 0, OldInterval: 12 * time.Hour, AllowPrivate: true,
		RunTimeout: 2 * time.Minute, MaxCommentFeedsPerRun: 20, MaxRequestsPerHostPerMinute: 30}
	if cfg.Poll != wantPoll {
		t.Errorf("poll = %+v, want %+v", cfg.Poll, wantPoll)
	}

	// Defaults, and an empty list.
	cfg, err = ParseConfig(strings.NewReader("sources:\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Sources) != 0 || cfg.Schedule.Poll != "@every 30m" || cfg.Poll.Timeout != 30*time.Second ||
		cfg.Poll.MaxBodyBytes != 10<<20 || cfg.Poll.MaxConcurrent != 8 || cfg.Poll.MaxBackoff != 6*time.Hour ||
		cfg.Poll.RecentWindow != 72*time.Hour || cfg.Poll.OldInterval != 24*time.Hour || cfg.Poll.ConnectTimeout != 10*time.Second || cfg.Poll.AllowPrivate {
		t.Errorf("defaults: sources %+v, schedule %+v, poll %+v", cfg.Sources, cfg.Schedule, cfg.Poll)
	}
	if cfg.Poll.RunTimeout != 10*time.Minute || cfg.Poll.MaxCommentFeedsPerRun != 50 || cfg.Poll.MaxRequestsPerHostPerMinute != 60 {
		t.Errorf("defaults of the run's bounds: poll %+v", cfg.Poll)
	}
}

// TestParseConfig_BadSources checks that a bad source or poll setting is
// named by its key, a source's by its index.
func TestParseConfig_BadSources(t *testing.T) {
	const ok = "  - {name: a, url: \"https://a.example.org/feed\"}\n"
	for _, tt := range []struct {
		name, in, want string
	}{
		{"sources not a list", "sources: {name: a}\n", "sources must be a list"},
		{"source not a mapping", "sources: [a]\n", "sources[0] must be a mapping"},
		{"unknown key in source", "sources:\n" + ok + "  - {name: b, urll: \"https://b.example.org/\"}\n", `line 3: unknown key "sources[1].urll"`},
		{"duplicate key in source", "sources:\n  - {name: a, name: b, url: \"https://a.example.org/\"}\n", `"sources[0].name" given twice`},
		{"comments not a bool", "sources:\n  - {name: a, url: \"https://a.example.org/\", comments: maybe}\n", "sources[0].comments: invalid value"},
		{"max entries not a number", "sources:\n  - {name: a, url: \"https://a.example.org/\", max_entries: lots}\n", "sources[0].max_entries: invalid value"},
		{"null url", "sources:\n  - name: a\n    url:\n", "sources[0].url: a value is required"},
		{"missing name", "sources:\n  - {url: \"https://a.example.org/\"}\n", "sources[0].name: is required"},
		{"bad name", "sources:\n" + ok + "  - {name: \"my blog\", url: \"https://b.example.org/\"}\n", "sources[1].name"},
		{"long name", "sources:\n  - {name: " + strings.Repeat("x", 65) + ", url: \"https://a.example.org/\"}\n", "sources[0].name"},
		{"duplicate name", "sources:\n" + ok + ok, `sources[1].name: "a" is already the name of sources[0]`},
		{"missing url", "sources:\n  - {name: a}\n", "sources[0].url: is required"},
		{"relative url", "sources:\n  - {name: a, url: /feed.atom}\n", "sources[0].url"},
		{"ftp url", "sources:\n  - {name: a, url: \"ftp://a.example.org/feed\"}\n", "sources[0].url"},
		{"url without host", "sources:\n  - {name: a, url: \"https:///feed\"}\n", "sources[0].url"},
		{"bad schedule", "sources:\n" + ok + "  - {name: b, url: \"https://b.example.org/\", schedule: \"every now and then\"}\n", "sources[1].schedule"},
		{"bad schedule field", "sources:\n  - {name: a, url: \"https://a.example.org/\", schedule: \"61 * * * *\"}\n", "sources[0].schedule"},
		{"negative max entries", "sources:\n  - {name: a, url: \"https://a.example.org/\", max_entries: -1}\n", "sources[0].max_entries"},
		{"bad poll schedule", "schedule: {poll: sometimes}\n", "schedule.poll"},
		{"unknown poll key", "poll: {timeot: 5s}\n", `unknown key "poll.timeot"`},
		{"poll timeout zero", "poll: {timeout: 0s}\n", "poll.timeout"},
		{"poll timeout huge", "poll: {timeout: 1h}\n", "poll.timeout"},
		{"connect timeout over timeout", "poll: {timeout: 5s, connect_timeout: 10s}\n", "poll.connect_timeout: must not exceed"},
		{"connect timeout zero", "poll: {connect_timeout: 0s}\n", "poll.connect_timeout"},
		{"body limit tiny", "poll: {max_body_bytes: 10}\n", "poll.max_body_bytes"},
		{"body limit not a number", "poll: {max_body_bytes: 10MiB}\n", "poll.max_body_bytes: invalid value"},
		{"zero concurrency", "poll: {max_concurrent: 0}\n", "poll.max_concurrent"},
		{"short backoff", "poll: {max_backoff: 1s}\n", "poll.max_backoff"},
		{"negative recent window", "poll: {recent_window: -1h}\n", "poll.recent_window"},
		{"old interval zero", "poll: {old_interval: 0s}\n", "poll.old_interval"},
		{"allow private not a bool", "poll: {allow_private: sometimes}\n", "poll.allow_private: invalid value"},
		{"cross host not a bool", "sources:\n  - {name: a, url: \"https://a.example.org/\", cross_host_comments: perhaps}\n", "sources[0].cross_host_comments: invalid value"},
		{"run timeout zero", "poll: {run_timeout: 0s}\n", "poll.run_timeout: must be between"},
		{"run timeout negative", "poll: {run_timeout: -5m}\n", "poll.run_timeout: must be between"},
		{"run timeout huge", "poll: {run_timeout: 48h}\n", "poll.run_timeout: must be between"},
		{"run timeout under timeout", "poll: {timeout: 1m, run_timeout: 30s}\n", "poll.run_timeout: must not be shorter than poll.timeout"},
		{"run timeout not a duration", "poll: {run_timeout: forever}\n", "poll.run_timeout: invalid value"},
		{"zero comment feeds per run", "poll: {max_comment_feeds_per_run: 0}\n", "poll.max_comment_feeds_per_run: must be between 1 and 10000, got 0"},
		{"negative comment feeds per run", "poll: {max_comment_feeds_per_run: -50}\n", "poll.max_comment_feeds_per_run: must be between"},
		{"too many comment feeds per run", "poll: {max_comment_feeds_per_run: 10001}\n", "poll.max_comment_feeds_per_run: must be between"},
		{"comment feeds per run not a number", "poll: {max_comment_feeds_per_run: all}\n", "poll.max_comment_feeds_per_run: invalid value"},
		{"zero requests per host", "poll: {max_requests_per_host_per_minute: 0}\n", "poll.max_requests_per_host_per_minute: must be between 1 and 60000, got 0"},
		{"negative requests per host", "poll: {max_requests_per_host_per_minute: -1}\n", "poll.max_requests_per_host_per_minute: must be between"},
		{"too many requests per host", "poll: {max_requests_per_host_per_minute: 60001}\n", "poll.max_requests_per_host_per_minute: must be between"},
		{"requests per host a fraction", "poll: {max_requests_per_host_per_minute: 0.5}\n", "poll.max_requests_per_host_per_minute"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseConfig(strings.NewReader(tt.in))
			if err == nil {
				err = cfg.Validate()
			}
			if err == nil {
				t.Fatalf("no error for %q", tt.in)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

// TestParseConfig_CacheMaxBytes checks cache.max_bytes: the cache's
// default, sizes with IEC and SI units or none, and the bad ones named.
func TestParseConfig_CacheMaxBytes(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
	}{
		{"", cache.DefaultMaxBytes},
		{"cache: {max_bytes: 64MiB}\n", 64 << 20},
		{"cache: {max_bytes: 1 GiB}\n", 1 << 30},
		{"cache: {max_bytes: 500MB}\n", 500_000_000},
		{"cache: {max_bytes: 2097152}\n", 2 << 20},
	} {
		cfg, err := ParseConfig(strings.NewReader(tt.in))
		if err == nil {
			err = cfg.Validate()
		}
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		if got := int64(cfg.Cache.MaxBytes); got != tt.want {
			t.Errorf("%q: max_bytes %d, want %d", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct{ in, want string }{
		{"cache: {max_bytes: lots}\n", "cache.max_bytes: invalid value \"lots\" (want a size such as 64MiB or 1GiB)"},
		{"cache: {max_bytes: [1]}\n", "cache.max_bytes: invalid value"},
		{"cache: {max_bytes: 100KiB}\n", "cache.max_bytes: must be at least 1MiB"},
		{"cache: {max_bytes: 0}\n", "cache.max_bytes: must be at least 1MiB"},
		{"cache: {max_bytes: -5MiB}\n", "cache.max_bytes: invalid value"},
		{"cache: {size: 5MiB}\n", `unknown key "cache.size"`},
	} {
		cfg, err := ParseConfig(strings.NewReader(tt.in))
		if err == nil {
			err = cfg.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want one with %q", tt.in, err, tt.want)
		}
	}
}
