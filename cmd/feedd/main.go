// Command feedd is a feed and syndication daemon: it stores posts and
// threaded comments and serves them as Atom, RSS and JSON feeds, site-wide
// and per thread.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// errUsage marks a command-line mistake: the usage was printed and the
// process exits with status 2.
var errUsage = errors.New("usage")

// errHelp means help was asked for and printed: exit status 0.
var errHelp = errors.New("help")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil, errors.Is(err, errHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "feedd:", err)
		os.Exit(1)
	}
}

const usage = `feedd is a feed and syndication daemon.

Usage:
  feedd serve [--config FILE] [--addr HOST:PORT]   run the daemon
  feedd post create|edit|delete|list ...           manage posts
  feedd comment list|approve|spam|delete ...       moderate comments
  feedd admin feed-url [--rotate]                  print the private moderation feed's URL
  feedd sources [--json]                           show the mirrored sources' state
  feedd import FILE|URL [--source NAME]            load a feed, or a Blogger, WordPress
                                                   (WXR) or Disqus export
  feedd migrate --from STORE --to STORE            copy a store into an empty one
                                                   (STORE: sqlite:PATH or postgres://...)
  feedd healthcheck [--addr HOST:PORT]             exit 0 if a running daemon answers /healthz
  feedd version                                    print the version

Run 'feedd COMMAND -h' for a command's flags.
`

// run dispatches a command line; it is main without the process exits.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "post":
		return runPost(ctx, args[1:], &cli{stdin: stdin, stdout: stdout, stderr: stderr})
	case "comment":
		return runComment(ctx, args[1:], &cli{stdin: stdin, stdout: stdout, stderr: stderr})
	case "admin":
		return runAdmin(ctx, args[1:], &cli{stdin: stdin, stdout: stdout, stderr: stderr})
	case "sources":
		return runSources(ctx, args[1:], &cli{stdin: stdin, stdout: stdout, stderr: stderr})
	case "import":
		return runImport(ctx, args[1:], &cli{stdin: stdin, stdout: stdout, stderr: stderr})
	case "migrate":
		return runMigrate(ctx, args[1:], &cli{stdin: stdin, stdout: stdout, stderr: stderr})
	case "healthcheck":
		return runHealthcheck(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "feedd", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "feedd: unknown command %q\n\n%s", args[0], usage)
	return errUsage
}

// newFlagSet returns a flag set that reports errors through errUsage rather
// than exiting, so commands stay testable.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: feedd %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and rejects stray positional arguments beyond max.
func parseFlags(fs *flag.FlagSet, args []string, maxArgs int) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return errUsage
	}
	if fs.NArg() > maxArgs {
		fmt.Fprintf(fs.Output(), "feedd %s: unexpected argument %q\n", fs.Name(), fs.Arg(maxArgs))
		fs.Usage()
		return errUsage
	}
	return nil
}

// newLogger builds the process logger from the log config.
func newLogger(cfg LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
