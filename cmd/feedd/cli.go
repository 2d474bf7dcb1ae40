package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
	"github.com/feedd/feedd/internal/storeconfig"
	"github.com/feedd/feedd/store"
)

// cli is what the store commands (post, comment) share: where they write,
// how they print, and the store they open from the configuration.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	configPath     string
	explicitConfig bool
	json           bool
	// isTerminal tells whether a writer is a terminal (for progress bars);
	// nil means the real test, which tests replace.
	isTerminal func(io.Writer) bool
}

// commonFlags registers --config and --json on fs.
func (c *cli) commonFlags(fs *flag.FlagSet) {
	fs.Func("config", "configuration `file` (else $FEEDD_CONFIG, else config.yaml)", func(s string) error {
		c.configPath, c.explicitConfig = s, true
		return nil
	})
	fs.BoolVar(&c.json, "json", false, "print JSON for scripts instead of a table")
}

// openStore loads the configuration and opens its store. The caller closes
// the store.
func (c *cli) openStore(ctx context.Context) (store.Store, Config, error) {
	path, explicit := configPath(c.configPath, c.explicitConfig)
	cfg, err := LoadConfig(path, explicit)
	if err != nil {
		return nil, cfg, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, cfg, fmt.Errorf("%s: %w", path, err)
	}
	// Opening a SQLite file that is not there would create an empty
	// store and report it empty: a command run from the wrong directory
	// must say where it looked instead. Only serve (and migrate --to)
	// create stores.
	if cfg.Store.Driver == "sqlite" && !strings.HasPrefix(cfg.Store.DSN, "file:") && !strings.HasPrefix(cfg.Store.DSN, ":memory:") {
		file, _, _ := strings.Cut(cfg.Store.DSN, "?")
		if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
			from := "the built-in default store.dsn, as no " + path + " was found; pass --config or set FEEDD_CONFIG"
			if explicit || fileExists(path) {
				from = "store.dsn in " + path
			}
			return nil, cfg, fmt.Errorf("no store at %s (%s); 'feedd serve' creates it", file, from)
		}
	}
	st, err := openConfigured(ctx, cfg)
	if err != nil {
		return nil, cfg, fmt.Errorf("%s: %w", path, openStoreError(cfg.Store, err))
	}
	return st, cfg, nil
}

// openConfigured opens the store of cfg, which is valid, once the process
// derives content as cfg says (comments.images): every command that opens
// a store may write comments, whose HTML is derived on the write.
func openConfigured(ctx context.Context, cfg Config) (store.Store, error) {
	if err := content.SetCommentImages(cfg.Comments.Images); err != nil {
		return nil, fmt.Errorf("comments.images: %w", err)
	}
	return storeconfig.Open(ctx, cfg.Store)
}

// openStoreError names the key of a store that failed to open, and for a
// SQLite file whose directory is missing or not writable says so, which
// SQLite's own "unable to open database file" does not.
func openStoreError(s storeconfig.Config, err error) error {
	if s.Driver == "sqlite" {
		file, _, _ := strings.Cut(s.DSN, "?")
		dir := filepath.Dir(file)
		if fi, serr := os.Stat(dir); serr != nil || !fi.IsDir() {
			return fmt.Errorf("store.dsn: cannot create the SQLite database %s: its directory %s does not exist: create it or set store.dsn", file, dir)
		}
		if _, serr := os.Stat(file); errors.Is(serr, os.ErrNotExist) && unix.Access(dir, unix.W_OK) != nil {
			return fmt.Errorf("store.dsn: cannot create the SQLite database %s: its directory %s is not writable by this user", file, dir)
		}
	}
	return fmt.Errorf("store.dsn: open %s: %w", storeconfig.Describe(s), err)
}

// fileExists reports whether path names an existing file.
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// withStore opens the configured store, runs fn on it and closes it. Errors
// from fn are reported as storeError does.
func (c *cli) withStore(ctx context.Context, fn func(st store.Store) error) error {
	st, _, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	return storeError(fn(st))
}

// parseInterspersed parses flags that may come before or after positional
// arguments ("post edit ID --title T" as well as "post edit --title T ID")
// and checks the number of positionals. Mistakes print the usage and return
// errUsage.
func parseInterspersed(fs *flag.FlagSet, args []string, positional int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, errUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) != positional {
		if len(pos) < positional {
			fmt.Fprintf(fs.Output(), "feedd %s: missing argument\n", fs.Name())
		} else {
			fmt.Fprintf(fs.Output(), "feedd %s: unexpected argument %q\n", fs.Name(), pos[positional])
		}
		fs.Usage()
		return nil, errUsage
	}
	return pos, nil
}

// usageError prints msg and the usage of fs and returns errUsage.
func usageError(fs *flag.FlagSet, format string, args ...any) error {
	fmt.Fprintf(fs.Output(), "feedd %s: %s\n", fs.Name(), fmt.Sprintf(format, args...))
	fs.Usage()
	return errUsage
}

// printJSON writes v as indented JSON.
func (c *cli) printJSON(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table writes rows aligned in columns under a header.
func (c *cli) table(header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		for i := range r {
			r[i] = cell(r[i])
		}
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// cell makes s fit a table cell: one line, no tabs or control characters
// (a terminal must not obey escape sequences from stored text), at most 60
// characters.
func cell(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case r < 0x20 || (r >= 0x7f && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			return -1
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > 60 {
		s = string([]rune(s)[:59]) + "…"
	}
	if s == "" {
		return "-"
	}
	return s
}

// when formats a time for a table.
func when(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }

// readContent reads a body from the named file, or standard input for "-".
func (c *cli) readContent(path string) (string, error) {
	var (
		b   []byte
		err error
	)
	if path == "-" {
		b, err = io.ReadAll(io.LimitReader(c.stdin, feed.MaxContentLen*4+1))
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return "", fmt.Errorf("read content: %w", err)
	}
	return string(b), nil
}

// storeError turns a store error into a message for the terminal: the
// client-safe message for known codes, the full error otherwise.
func storeError(err error) error {
	if err == nil {
		return nil
	}
	if code := feed.ErrorCode(err); code != feed.EINTERNAL && code != "" {
		return errors.New(feed.ErrorMessage(err))
	}
	return err
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }
