package main

import (
	"os"
	"strings"
	"testing"
	"time"
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
		{"bad proxy", "trusted_proxies: [\"10.0.0.0/33\"]\n", "trusted_proxies"},
		{"proxies not a list", "trusted_proxies: {a: b}\n", "trusted_proxies"},
		{"zero tombstone days", "feeds: {tombstone_days: 0}\n", "feeds.tombstone_days"},
		{"bad purge spec", "schedule: {purge: sometimes}\n", "schedule.purge"},
		{"bad yaml", "site: [\n", "yaml"},
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
