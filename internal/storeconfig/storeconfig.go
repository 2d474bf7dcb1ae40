// Package storeconfig is the one way to open a store from feedd's
// configuration: the store section of config.yaml (driver and DSN), its
// checks, the ${VAR} expansion of config files, and the opening of either
// engine. cmd/feedd and cmd/feedd-seed both use it.
package storeconfig

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.yaml.in/yaml/v3"

	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/store/postgres"
	"github.com/feedd/feedd/store/sqlite"
)

// The store of a configuration that names none: a SQLite file in the
// working directory.
const (
	DefaultDriver = "sqlite"
	DefaultDSN    = "feedd.db"
)

// Config selects and locates the store (config.yaml's store section).
type Config struct {
	Driver string `yaml:"driver"` // sqlite or postgres
	// DSN locates the database: for sqlite a file path, for postgres a
	// postgres:// URL or a key=value DSN (libpq's forms), whose
	// search_path may name the schema.
	DSN string `yaml:"dsn"`
}

// Default returns the store of a configuration that names none.
func Default() Config { return Config{Driver: DefaultDriver, DSN: DefaultDSN} }

// Validate checks the driver and its DSN, reporting each problem to bad;
// prefix ("store.") names the keys.
func (s Config) Validate(prefix string, bad func(key, format string, args ...any)) {
	switch s.Driver {
	case "sqlite":
		if s.DSN == "" {
			bad(prefix+"dsn", "must name the SQLite database file")
		}
	case "postgres":
		if err := CheckPostgresDSN(s.DSN); err != nil {
			bad(prefix+"dsn", "%v", err)
		}
	default:
		bad(prefix+"driver", "unsupported driver %q (supported: sqlite, postgres)", s.Driver)
	}
}

// Open opens the store s names, creating its schema (and, for SQLite, its
// file) when missing. The caller closes it.
func Open(ctx context.Context, s Config) (store.Store, error) {
	switch s.Driver {
	case "sqlite":
		return sqlite.Open(ctx, s.DSN)
	case "postgres":
		return postgres.Open(ctx, s.DSN)
	}
	return nil, fmt.Errorf("store.driver: unsupported driver %q", s.Driver)
}

// envRef matches ${VAR} and ${VAR:-default} references, which ExpandEnv
// replaces with the environment's value so that secrets and DSNs need not
// sit in the file.
var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}`)

// ExpandEnv replaces, in every value (not key) of the YAML document under
// n, each ${VAR} with the variable's value and each ${VAR:-default} with
// the value or, when VAR is unset or empty, default: the one expansion
// rule of feedd's config files. An unset ${VAR} is an error naming the
// variable, the key and the line, as an empty value would otherwise be
// reported as a bad value of a key the user did set. A plain (unquoted)
// value expanded is typed by what it became, so that ${PORT} can fill a
// number.
func ExpandEnv(n *yaml.Node) error {
	return expandNode(n, "")
}

func expandNode(n *yaml.Node, key string) error {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for i, c := range n.Content {
			k := key
			if n.Kind == yaml.SequenceNode {
				k = fmt.Sprintf("%s[%d]", key, i)
			}
			if err := expandNode(c, k); err != nil {
				return err
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if key != "" {
				k = key + "." + k
			}
			if err := expandNode(n.Content[i+1], k); err != nil {
				return err
			}
		}
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "${") {
			return nil
		}
		var unset string
		v := envRef.ReplaceAllStringFunc(n.Value, func(m string) string {
			sub := envRef.FindStringSubmatch(m)
			val, ok := os.LookupEnv(sub[1])
			switch {
			case sub[2] != "" && val == "":
				return sub[2][2:]
			case !ok && unset == "":
				unset = sub[1]
			}
			return val
		})
		if unset != "" {
			return fmt.Errorf("%s: line %d: ${%s} is not set: set it, or write ${%s:-} for an empty value or ${%s:-default} for a default",
				key, n.Line, unset, unset, unset)
		}
		if n.Style == 0 && v != n.Value {
			n.Tag = "" // typed by what it became
		}
		n.Value = v
	}
	return nil
}

// Load reads the store section of the feedd config file at path, over
// Default, with ${VAR} expanded, and checks it. Other sections are not
// read: 'feedd serve' checks those. Errors name the file and the key.
func Load(path string) (Config, error) {
	s := Default()
	data, err := os.ReadFile(path)
	if err != nil {
		return s, err
	}
	if len(bytes.TrimSpace(data)) > 0 {
		var root yaml.Node
		if err := yaml.Unmarshal(data, &root); err != nil {
			return s, fmt.Errorf("%s: %w", path, err)
		}
		var doc struct {
			Store yaml.Node `yaml:"store"`
		}
		if err := root.Decode(&doc); err != nil {
			return s, fmt.Errorf("%s: %w", path, err)
		}
		if !doc.Store.IsZero() {
			if err := expandNode(&doc.Store, "store"); err != nil {
				return s, fmt.Errorf("%s: %w", path, err)
			}
			if err := doc.Store.Decode(&s); err != nil {
				return s, fmt.Errorf("%s: store: %w", path, err)
			}
		}
	}
	var errs []error
	s.Validate("store.", func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	})
	if len(errs) > 0 {
		return s, fmt.Errorf("%s: %w", path, errors.Join(errs...))
	}
	return s, nil
}

// Describe names the store for messages, without a password.
func Describe(s Config) string {
	if s.Driver == "sqlite" {
		return "sqlite:" + s.DSN
	}
	u, err := url.Parse(s.DSN)
	if err != nil || u.Scheme == "" {
		return s.Driver
	}
	return u.Redacted()
}

// CheckPostgresDSN checks that dsn parses as pgx (and so postgres.Open)
// parses it: a postgres:// or postgresql:// URL, or a key=value DSN. It
// connects to nothing. Its messages never quote the DSN, which may hold a
// password.
func CheckPostgresDSN(dsn string) error {
	const want = "want a postgres:// URL or a key=value DSN"
	if strings.TrimSpace(dsn) == "" {
		// pgx would take an empty DSN for the PG* environment's defaults:
		// too easy a mistake (an unset ${VAR}) to accept.
		return fmt.Errorf("must name the PostgreSQL database (%s)", want)
	}
	if i := strings.Index(dsn, "://"); i >= 0 && !strings.ContainsAny(dsn[:i], " =") {
		if scheme := dsn[:i]; scheme != "postgres" && scheme != "postgresql" {
			return fmt.Errorf("unsupported URL scheme %q (%s)", scheme, want)
		}
		if _, err := url.Parse(dsn); err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err // url.Error quotes the URL
			}
			return fmt.Errorf("not a valid URL: %v", err)
		}
	}
	if _, err := pgxpool.ParseConfig(dsn); err != nil {
		return fmt.Errorf("cannot parse as a postgres:// URL or a key=value DSN: %s", parseErrorText(err))
	}
	return nil
}

// parseErrorText is pgx's reason why a DSN does not parse, without the
// DSN it quotes (redacted as best it can).
func parseErrorText(err error) string {
	var pe *pgconn.ParseConfigError
	if !errors.As(err, &pe) {
		return err.Error()
	}
	msg := pe.Error()
	if i := strings.LastIndex(msg, "`: "); i >= 0 {
		msg = msg[i+3:]
	}
	return msg
}
