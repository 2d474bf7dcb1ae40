package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"go.yaml.in/yaml/v3"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
	"github.com/feedd/feedd/httpjson"
	"github.com/feedd/feedd/internal/storeconfig"
	"github.com/feedd/feedd/poll"
	"github.com/feedd/feedd/schedule"
	"github.com/feedd/feedd/server"
	"github.com/feedd/feedd/submit"
	"github.com/feedd/feedd/webmention"
	"github.com/feedd/feedd/websub"
)

// Config is feedd's configuration, read from config.yaml. Every key has a
// built-in default, so an empty file (or none) is a valid configuration.
type Config struct {
	Listen     string         `yaml:"listen"`
	Site       SiteConfig     `yaml:"site"`
	Store      StoreConfig    `yaml:"store"`
	AdminToken string         `yaml:"admin_token"`
	Feeds      FeedsConfig    `yaml:"feeds"`
	Cache      CacheConfig    `yaml:"cache"`
	Schedule   ScheduleConfig `yaml:"schedule"`
	Comments   CommentsConfig `yaml:"comments"`
	HTTP       HTTPConfig     `yaml:"http"`
	// Sources are the upstream blogs mirrored into the store.
	Sources []SourceConfig `yaml:"sources"`
	Poll    PollConfig     `yaml:"poll"`
	// TrustedProxies lists the reverse proxies (IP addresses or CIDR
	// prefixes) whose X-Forwarded-For header names the client.
	TrustedProxies []string         `yaml:"trusted_proxies"`
	Log            LogConfig        `yaml:"log"`
	WebSub         WebSubConfig     `yaml:"websub"`
	Webmention     WebmentionConfig `yaml:"webmention"`
	Export         ExportConfig     `yaml:"export"`
	// Demo seeds an empty store with a demo post and its conversation.
	Demo bool `yaml:"demo"`
}

// SiteConfig describes the site the feeds belong to.
type SiteConfig struct {
	Title   string `yaml:"title"`
	BaseURL string `yaml:"base_url"` // absolute; defaults to http://<listen>
	// Timezone is the IANA zone the digest feeds cut days and weeks in.
	Timezone string `yaml:"timezone"`
}

// WebSubConfig sets up WebSub (W3C): the hubs feeds name and notify.
type WebSubConfig struct {
	// Hubs are external hubs: every feed names them (rel="hub"), and each
	// change of a feed is published to them.
	Hubs []string `yaml:"hubs"`
	// Builtin makes feedd its own hub, at {site.base_url}/websub.
	Builtin bool `yaml:"builtin"`
	// Lease is the built-in hub's lease when a subscriber asks for none;
	// subscribers may ask for 1h to 30 days.
	Lease time.Duration `yaml:"lease"`
	// AllowPrivate lets the built-in hub call back subscribers on
	// loopback, private and link-local addresses, refused by default.
	AllowPrivate bool `yaml:"allow_private"`
}

// WebmentionConfig sets up Webmention (W3C): mentions of the site's posts
// on other sites, received at {site.base_url}/webmention.
type WebmentionConfig struct {
	// Receive advertises the endpoint on post pages and thread feeds and
	// takes mentions at POST /webmention (404 when off).
	Receive bool `yaml:"receive"`
	// RatePerMinute and Burst bound the mentions taken from one source
	// host (a token bucket); more get 429 with Retry-After.
	RatePerMinute int `yaml:"rate_per_minute"`
	Burst         int `yaml:"burst"`
	// QueueSize bounds the mentions waiting for verification, kept in the
	// store; more get 503 with Retry-After.
	QueueSize int `yaml:"queue_size"`
	// Send notifies the pages that local posts link to when a post is
	// published, edited or deleted; on by default. The targets are
	// fetched through the poller's guard (poll.allow_private, its
	// timeouts and body limit).
	Send bool `yaml:"send"`
}

// ExportConfig sets up the static export.
type ExportConfig struct {
	// Dir, when set, is where the regenerate job writes every feed,
	// archive document and page as files, with .gz copies.
	Dir string `yaml:"dir"`
}

// StoreConfig selects and locates the store (see storeconfig.Config).
type StoreConfig = storeconfig.Config

// FeedsConfig shapes the rendered feeds.
type FeedsConfig struct {
	PageSize      int           `yaml:"page_size"`
	MaxAge        time.Duration `yaml:"max_age"` // Cache-Control max-age and RSS <ttl>
	CommentCounts bool          `yaml:"comment_counts"`
	// TombstoneDays is how long deleted entries stay as RFC 6721
	// tombstones in the Atom feeds before the purge removes them.
	TombstoneDays int `yaml:"tombstone_days"`
	// Delta answers RFC 3229 delta requests (A-IM: feed) of a feed's head
	// with 226 IM Used and only the new entries; off by default, as
	// programs built on feedparser ask for deltas without handling 226
	// (see server.Config.Delta).
	Delta bool `yaml:"delta"`
	// DeltaExcludedAgents are case-insensitive substrings of User-Agent
	// that never get 226 (server.Config.DeltaExcludedAgents); by default
	// feedparser's agents.
	DeltaExcludedAgents []string `yaml:"delta_excluded_agents"`
}

// CacheConfig bounds the cache of rendered feeds.
type CacheConfig struct {
	// MaxBytes is the memory budget of the cached documents, their gzip
	// copies, pages and deltas (cache.Options.MaxBytes); the least
	// recently used are evicted past it. The Go runtime's memory limit is
	// set to it plus part of memoryOverhead (see setMemoryLimit).
	MaxBytes ByteSize `yaml:"max_bytes"`
}

// ByteSize is a number of bytes, written in the file as an integer or a
// size with a unit: 64MiB and 1GiB count in powers of 1024, 64MB and 1GB
// in powers of 1000 (go-humanize's ParseBytes).
type ByteSize int64

// UnmarshalYAML reads a size.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want a size such as 64MiB", n.Line)
	}
	v, err := humanize.ParseBytes(n.Value)
	if err != nil || v > math.MaxInt64 {
		return fmt.Errorf("line %d: invalid size %q (want a size such as 64MiB)", n.Line, n.Value)
	}
	*b = ByteSize(v)
	return nil
}

// CommentsConfig holds moderation and the abuse limits of comment posting.
type CommentsConfig struct {
	Moderation      string `yaml:"moderation"`        // none, first-time or all
	RatePerMinute   int    `yaml:"rate_per_minute"`   // per client IP
	Burst           int    `yaml:"burst"`             // per client IP
	MaxLength       int    `yaml:"max_length"`        // characters of content
	MaxDepth        int    `yaml:"max_depth"`         // levels of replies
	MaxAuthorLength int    `yaml:"max_author_length"` // characters of the name
	HoneypotField   string `yaml:"honeypot_field"`    // a field only bots fill in
	Images          string `yaml:"images"`            // links or drop (content.SetCommentImages)
}

// ScheduleConfig holds cron specs (standard 5-field specs or descriptors
// such as "@every 10m" and "@hourly").
type ScheduleConfig struct {
	Regenerate string `yaml:"regenerate"`
	Purge      string `yaml:"purge"`
	// Poll is the schedule of a source that names none.
	Poll string `yaml:"poll"`
}

// SourceConfig is one mirrored upstream blog.
type SourceConfig struct {
	// Name identifies the source in the store and in status; like an entry
	// id it is 1 to 64 characters of A-Z, a-z, 0-9, - and _.
	Name string `yaml:"name"`
	URL  string `yaml:"url"` // the upstream feed, absolute http(s)
	// Schedule is a cron spec; schedule.poll when empty.
	Schedule string `yaml:"schedule"`
	// Comments mirrors the comment feed of each mirrored post, when the
	// upstream announces one.
	Comments bool `yaml:"comments"`
	// MaxEntries keeps at most this many of the newest entries of each
	// fetch; 0 takes every entry the feed holds.
	MaxEntries int `yaml:"max_entries"`
	// CrossHostComments allows comment feeds (and their redirects) on
	// other hosts than the source's feed; off, they are not fetched.
	CrossHostComments bool `yaml:"cross_host_comments"`
}

// PollConfig bounds the fetching of upstream feeds.
type PollConfig struct {
	Timeout        time.Duration `yaml:"timeout"`         // a whole fetch, body included
	ConnectTimeout time.Duration `yaml:"connect_timeout"` // dialling and the TLS handshake
	MaxBodyBytes   int64         `yaml:"max_body_bytes"`  // a larger feed is an error
	MaxConcurrent  int           `yaml:"max_concurrent"`  // fetches at once, over all sources
	// RunTimeout bounds one run of a source: its feed and comment feeds,
	// fetched, parsed and stored.
	RunTimeout time.Duration `yaml:"run_timeout"`
	// MaxCommentFeedsPerRun is the most comment feeds a run of one source
	// fetches; the rest wait for later runs.
	MaxCommentFeedsPerRun int `yaml:"max_comment_feeds_per_run"`
	// MaxRequestsPerHostPerMinute bounds the comment-feed requests to any
	// one host, over all sources.
	MaxRequestsPerHostPerMinute int `yaml:"max_requests_per_host_per_minute"`
	// MaxBackoff caps the growing delay after consecutive failures.
	MaxBackoff time.Duration `yaml:"max_backoff"`
	// RecentWindow is how long after its publication a mirrored post's
	// comment feed is polled on every run; older ones are polled every
	// OldInterval.
	RecentWindow time.Duration `yaml:"recent_window"`
	OldInterval  time.Duration `yaml:"old_interval"`
	// AllowPrivate lets fetches connect to loopback, private, link-local
	// and other non-public addresses, refused by default (SSRF): needed to
	// mirror or import a blog on one's own network.
	AllowPrivate bool `yaml:"allow_private"`
}

// HTTPConfig holds limits of the HTTP server.
type HTTPConfig struct {
	MaxBodyBytes    int64         `yaml:"max_body_bytes"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
}

// LogConfig selects the log output.
type LogConfig struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
	Access bool   `yaml:"access"` // one line per HTTP request; 5xx answers and panics are logged anyway
}

// Defaults that belong to the daemon itself; every other default is the
// owning package's (DefaultConfig).
const (
	defaultListen          = "127.0.0.1:8080"
	defaultTitle           = "feedd"
	defaultTimezone        = "UTC"
	defaultMaxAge          = 5 * time.Minute
	defaultShutdownTimeout = 15 * time.Second
	defaultLogLevel        = "info"
	defaultLogFormat       = "text"
	minCacheBytes          = 1 << 20
)

// DefaultConfig returns the built-in defaults: each the default of the
// package that owns the setting.
func DefaultConfig() Config {
	return Config{
		Listen: defaultListen,
		Site:   SiteConfig{Title: defaultTitle, Timezone: defaultTimezone},
		WebSub: WebSubConfig{Lease: websub.DefaultLease},
		Webmention: WebmentionConfig{Receive: true, RatePerMinute: submit.DefaultMentionRate, Burst: submit.DefaultMentionBurst,
			QueueSize: webmention.DefaultQueueSize, Send: true},
		Store: storeconfig.Default(),
		Feeds: FeedsConfig{PageSize: cache.DefaultPageSize, MaxAge: defaultMaxAge, TombstoneDays: schedule.DefaultTombstoneDays,
			DeltaExcludedAgents: server.DefaultDeltaExcludedAgents()},
		Cache: CacheConfig{MaxBytes: cache.DefaultMaxBytes},
		Schedule: ScheduleConfig{
			Regenerate: schedule.DefaultRegenerate,
			Purge:      schedule.DefaultPurge,
			Poll:       schedule.DefaultPoll,
		},
		Poll: PollConfig{
			Timeout:        poll.DefaultTimeout,
			ConnectTimeout: poll.DefaultConnectTimeout,
			MaxBodyBytes:   poll.DefaultMaxBodyBytes,
			MaxConcurrent:  poll.DefaultMaxConcurrent,
			RunTimeout:     poll.DefaultRunTimeout,

			MaxCommentFeedsPerRun:       poll.DefaultMaxCommentFeedsPerRun,
			MaxRequestsPerHostPerMinute: poll.DefaultMaxHostRequestsPerMinute,
			MaxBackoff:                  poll.DefaultMaxBackoff,
			RecentWindow:                poll.DefaultRecentWindow,
			OldInterval:                 poll.DefaultOldInterval,
		},
		Comments: CommentsConfig{
			Moderation:      submit.DefaultModeration,
			RatePerMinute:   submit.DefaultCommentRate,
			Burst:           submit.DefaultCommentBurst,
			MaxLength:       submit.DefaultMaxCommentLength,
			MaxDepth:        submit.DefaultMaxDepth,
			MaxAuthorLength: submit.DefaultMaxAuthorLength,
			HoneypotField:   submit.DefaultHoneypotField,
			Images:          content.ImagesLinks,
		},
		HTTP: HTTPConfig{MaxBodyBytes: httpjson.DefaultMaxBodyBytes, ShutdownTimeout: defaultShutdownTimeout},
		Log:  LogConfig{Level: defaultLogLevel, Format: defaultLogFormat},
	}
}

// ParseConfig reads YAML over the defaults. An unknown key or a value of the
// wrong type is an error naming the key and its line.
func ParseConfig(r io.Reader) (Config, error) {
	cfg := DefaultConfig()
	data, err := io.ReadAll(r)
	if err != nil {
		return cfg, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return cfg, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return cfg, err
	}
	if len(doc.Content) == 0 {
		return cfg, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return cfg, nil
	}
	if err := storeconfig.ExpandEnv(root); err != nil {
		return cfg, err
	}
	// Check every key and value against the struct first, so that the error
	// names the key (yaml's own errors name only Go types).
	if err := checkNode(root, reflect.TypeOf(cfg), ""); err != nil {
		return cfg, err
	}
	if err := root.Decode(&cfg); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// checkNode walks a YAML mapping against the struct type t and reports the
// first unknown key or undecodable value by its dotted path.
func checkNode(n *yaml.Node, t reflect.Type, prefix string) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: %s must be a mapping", n.Line, nameOr(prefix, "the document"))
	}
	fields := make(map[string]reflect.StructField)
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if tag := strings.Split(f.Tag.Get("yaml"), ",")[0]; tag != "" {
			fields[tag] = f
		}
	}
	seen := make(map[string]bool)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := prefix + k.Value
		f, ok := fields[k.Value]
		if !ok {
			return fmt.Errorf("line %d: unknown key %q", k.Line, key)
		}
		if seen[k.Value] {
			return fmt.Errorf("line %d: key %q given twice", k.Line, key)
		}
		seen[k.Value] = true
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(time.Time{}) {
			if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
				continue
			}
			if err := checkNode(v, f.Type, key+"."); err != nil {
				return err
			}
			continue
		}
		if f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct {
			if err := checkList(v, f.Type.Elem(), key); err != nil {
				return err
			}
			continue
		}
		if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
			return fmt.Errorf("line %d: %s: a value is required", v.Line, key)
		}
		if f.Type.Kind() == reflect.Slice && v.Kind == yaml.SequenceNode {
			// yaml drops null items from a list of scalars: [a, ~]
			// would read as [a].
			for i, item := range v.Content {
				if item.Kind == yaml.ScalarNode && item.Tag == "!!null" {
					return fmt.Errorf("line %d: %s[%d]: a value is required", item.Line, key, i)
				}
			}
		}
		if err := v.Decode(reflect.New(f.Type).Interface()); err != nil {
			return fmt.Errorf("line %d: %s: invalid value %q (want %s)", v.Line, key, v.Value, typeName(f.Type))
		}
	}
	return nil
}

// checkList checks a YAML sequence of mappings against the struct type t,
// naming an item's keys by index: sources[1].url.
func checkList(n *yaml.Node, t reflect.Type, key string) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil // an empty list
	}
	if n.Kind != yaml.SequenceNode {
		return fmt.Errorf("line %d: %s must be a list", n.Line, key)
	}
	for i, item := range n.Content {
		if err := checkNode(item, t, fmt.Sprintf("%s[%d].", key, i)); err != nil {
			return err
		}
	}
	return nil
}

func nameOr(s, def string) string {
	if s == "" {
		return def
	}
	return strings.TrimSuffix(s, ".")
}

func typeName(t reflect.Type) string {
	switch {
	case t == reflect.TypeOf(time.Duration(0)):
		return "a duration such as 30s or 5m"
	case t == reflect.TypeOf(ByteSize(0)):
		return "a size such as 64MiB or 1GiB"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		return "an integer"
	case t.Kind() == reflect.String:
		return "a string"
	}
	return t.String()
}

// Validate fills derived defaults and checks every value, naming the key of
// the first bad one.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	_, _, listenErr := net.SplitHostPort(c.Listen)
	if listenErr != nil {
		bad("listen", "want HOST:PORT such as localhost:8080 or :8080, got %q", c.Listen)
	}
	if strings.TrimSpace(c.Site.Title) == "" {
		bad("site.title", "must not be empty")
	}
	if c.Site.BaseURL == "" && listenErr == nil {
		c.Site.BaseURL = baseURLFromListen(c.Listen)
	}
	// Left empty, base_url is made from listen: a bad listen is reported
	// once, as itself, not again as a base_url that nobody set.
	if u, err := url.Parse(c.Site.BaseURL); (c.Site.BaseURL != "" || listenErr == nil) && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "") {
		bad("site.base_url", "want an absolute http(s) URL without query or fragment, got %q", c.Site.BaseURL)
	}
	if c.Site.Timezone == "" {
		c.Site.Timezone = "UTC"
	}
	if _, err := time.LoadLocation(c.Site.Timezone); err != nil || c.Site.Timezone == "Local" {
		bad("site.timezone", "want an IANA time zone such as UTC or Europe/Berlin, got %q", c.Site.Timezone)
	}
	c.Store.Validate("store.", bad)
	for i, h := range c.WebSub.Hubs {
		if u, err := url.Parse(h); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" {
			bad(fmt.Sprintf("websub.hubs[%d]", i), "want an absolute http(s) URL, got %q", h)
		}
	}
	if c.WebSub.Lease < websub.DefaultMinLease || c.WebSub.Lease > websub.DefaultMaxLease {
		bad("websub.lease", "must be between 1h and 720h, got %s", c.WebSub.Lease)
	}
	if v := os.Getenv("FEEDD_ADMIN_TOKEN"); v != "" {
		c.AdminToken = v
	}
	if c.AdminToken != "" && len(c.AdminToken) < 16 {
		bad("admin_token", "must be at least 16 characters")
	}
	if c.Feeds.PageSize < 1 || c.Feeds.PageSize > 500 {
		bad("feeds.page_size", "must be between 1 and 500, got %d", c.Feeds.PageSize)
	}
	// RSS <ttl> counts minutes, so whole minutes keep it equal to max-age.
	if c.Feeds.MaxAge < time.Minute || c.Feeds.MaxAge > 24*time.Hour || c.Feeds.MaxAge%time.Minute != 0 {
		bad("feeds.max_age", "must be whole minutes between 1m and 24h, got %s", c.Feeds.MaxAge)
	}
	if c.Feeds.TombstoneDays < 1 || c.Feeds.TombstoneDays > 3650 {
		bad("feeds.tombstone_days", "must be between 1 and 3650, got %d", c.Feeds.TombstoneDays)
	}
	if c.Cache.MaxBytes < minCacheBytes {
		bad("cache.max_bytes", "must be at least 1MiB, got %d bytes", c.Cache.MaxBytes)
	}
	for i, a := range c.Feeds.DeltaExcludedAgents {
		if err := server.CheckDeltaAgent(a); err != nil {
			bad(fmt.Sprintf("feeds.delta_excluded_agents[%d]", i), "%v", err)
		}
	}
	if _, err := schedule.Parser.Parse(c.Schedule.Regenerate); err != nil {
		bad("schedule.regenerate", "invalid cron spec %q: %v", c.Schedule.Regenerate, err)
	}
	if _, err := schedule.Parser.Parse(c.Schedule.Purge); err != nil {
		bad("schedule.purge", "invalid cron spec %q: %v", c.Schedule.Purge, err)
	}
	if _, err := schedule.Parser.Parse(c.Schedule.Poll); err != nil {
		bad("schedule.poll", "invalid cron spec %q: %v", c.Schedule.Poll, err)
	}
	c.validateSources(bad)
	c.Poll.validate(bad)
	switch c.Comments.Moderation {
	case submit.ModerationNone, submit.ModerationFirstTime, submit.ModerationAll:
	default:
		bad("comments.moderation", "want none, first-time or all, got %q", c.Comments.Moderation)
	}
	if c.Comments.RatePerMinute < 1 || c.Comments.RatePerMinute > 100000 {
		bad("comments.rate_per_minute", "must be between 1 and 100000, got %d", c.Comments.RatePerMinute)
	}
	if c.Comments.Burst < 1 || c.Comments.Burst > 100000 {
		bad("comments.burst", "must be between 1 and 100000, got %d", c.Comments.Burst)
	}
	if c.Comments.MaxLength < 1 || c.Comments.MaxLength > feed.MaxCommentLen {
		bad("comments.max_length", "must be between 1 and %d, got %d", feed.MaxCommentLen, c.Comments.MaxLength)
	}
	if c.Comments.MaxDepth < 1 || c.Comments.MaxDepth > 100 {
		bad("comments.max_depth", "must be between 1 and 100, got %d", c.Comments.MaxDepth)
	}
	if c.Comments.MaxAuthorLength < 1 || c.Comments.MaxAuthorLength > feed.MaxNameLen {
		bad("comments.max_author_length", "must be between 1 and %d, got %d", feed.MaxNameLen, c.Comments.MaxAuthorLength)
	}
	if c.Webmention.RatePerMinute < 1 || c.Webmention.RatePerMinute > 100000 {
		bad("webmention.rate_per_minute", "must be between 1 and 100000, got %d", c.Webmention.RatePerMinute)
	}
	if c.Webmention.Burst < 1 || c.Webmention.Burst > 100000 {
		bad("webmention.burst", "must be between 1 and 100000, got %d", c.Webmention.Burst)
	}
	if c.Webmention.QueueSize < 1 || c.Webmention.QueueSize > 1000000 {
		bad("webmention.queue_size", "must be between 1 and 1000000, got %d", c.Webmention.QueueSize)
	}
	if err := (submit.Config{HoneypotField: c.Comments.HoneypotField}).Validate(); err != nil {
		bad("comments.honeypot_field", "%v", err)
	}
	if !slices.Contains(content.ImageModes, c.Comments.Images) {
		bad("comments.images", "want %s, got %q", strings.Join(content.ImageModes, " or "), c.Comments.Images)
	}
	if _, err := c.trustedProxies(); err != nil {
		bad("trusted_proxies", "%v", err)
	}
	if c.HTTP.MaxBodyBytes < 1024 || c.HTTP.MaxBodyBytes > 64<<20 {
		bad("http.max_body_bytes", "must be between 1024 and 67108864, got %d", c.HTTP.MaxBodyBytes)
	}
	if c.HTTP.ShutdownTimeout <= 0 {
		bad("http.shutdown_timeout", "must be positive, got %s", c.HTTP.ShutdownTimeout)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "want debug, info, warn or error, got %q", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("log.format", "want text or json, got %q", c.Log.Format)
	}
	return errors.Join(errs...)
}

// trustedProxies parses TrustedProxies: each an IP address or a CIDR prefix.
func (c *Config) trustedProxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range c.TrustedProxies {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an IP address nor a CIDR prefix", s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// baseURLFromListen derives the site URL from the listen address, for a
// local run without site.base_url.
func baseURLFromListen(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return ""
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// LoadConfig reads the file at path. A missing file is not an error when
// path is the default and was not given explicitly: the built-in defaults
// apply then.
func LoadConfig(path string, explicit bool) (Config, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) && !explicit {
		cfg := DefaultConfig()
		return cfg, applyEnv(&cfg)
	}
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	cfg, err := ParseConfig(f)
	if err != nil {
		return cfg, fmt.Errorf("%s: %w", path, err)
	}
	cfg.Store.DSN = resolveDSN(cfg.Store, filepath.Dir(path))
	// The environment's values win over the file's; a relative
	// FEEDD_STORE_DSN is relative to where feedd runs, as paths given
	// on a command line are.
	return cfg, applyEnv(&cfg)
}

// configPath returns the configuration file to read, and whether it was
// asked for (and so must exist): the --config flag's value when given
// (explicit), else $FEEDD_CONFIG when set, else config.yaml in the
// working directory, which may be absent (the built-in defaults apply).
// The daemon and every command find it the same way.
func configPath(flag string, explicit bool) (string, bool) {
	if explicit {
		return flag, true
	}
	if env := os.Getenv("FEEDD_CONFIG"); env != "" {
		return env, true
	}
	return "config.yaml", false
}

// resolveDSN returns a SQLite store's file path written relative in a
// configuration file as relative to that file's directory, dir, so that
// a command run from anywhere opens the store the daemon opens. Other
// stores' DSNs, absolute paths and SQLite's special names stay as given.
func resolveDSN(s storeconfig.Config, dir string) string {
	dsn := s.DSN
	if s.Driver != "sqlite" || dsn == "" || filepath.IsAbs(dsn) || strings.HasPrefix(dsn, "file:") || strings.HasPrefix(dsn, ":memory:") {
		return dsn
	}
	return filepath.Join(dir, dsn)
}
