// Command feedd-seed fills an empty feedd store with a large, realistic
// and deterministic fixture (package internal/seed): posts with Markdown
// or HTML bodies, categories and authors, and threaded reader comments,
// through the store's bulk path. It opens the store of a feedd config
// file, as feedd does:
//
//	go run ./cmd/feedd-seed --config bench.yaml --posts 100000 --comments-per-post 10
//
// It refuses a store that holds anything.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/feedd/feedd/internal/seed"
	"github.com/feedd/feedd/internal/storeconfig"
)

// errUsage marks a command-line mistake: the usage was printed and the
// process exits with status 2.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "feedd-seed:", err)
		os.Exit(1)
	}
}

const synopsis = "feedd-seed [--config FILE] --posts N [--comments-per-post M] [--seed S] [--batch B] [--workers W]"

// run is main without the process exits.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("feedd-seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s\n\nFills an empty store with a deterministic fixture of posts and threaded comments.\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	configPath := fs.String("config", "config.yaml", "feedd configuration `file` whose store (store.driver, store.dsn) to fill")
	posts := fs.Int("posts", 0, "number of posts (required)")
	perPost := fs.Int("comments-per-post", 10, "comments of each post")
	seedValue := fs.Uint64("seed", 1, "seed of the generator: the same seed gives the same store")
	batch := fs.Int("batch", 2000, "records per Load transaction")
	workers := fs.Int("workers", 0, "Load transactions at once (default 1 on SQLite, 4 on PostgreSQL)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	bad := func(format string, args ...any) error {
		fmt.Fprintf(stderr, "feedd-seed: %s\n", fmt.Sprintf(format, args...))
		fs.Usage()
		return errUsage
	}
	switch {
	case fs.NArg() > 0:
		return bad("unexpected argument %q", fs.Arg(0))
	case *posts < 1:
		return bad("--posts: want at least 1, got %d", *posts)
	case *perPost < 0:
		return bad("--comments-per-post: want at least 0, got %d", *perPost)
	case *batch < 1:
		return bad("--batch: want at least 1, got %d", *batch)
	case *workers < 0:
		return bad("--workers: want at least 1, got %d", *workers)
	}
	o := seed.Options{Seed: *seedValue, Posts: *posts, CommentsPerPost: *perPost}
	if _, err := seed.NewGenerator(o); err != nil {
		return bad("%v", err)
	}

	sc, err := storeconfig.Load(*configPath)
	if err != nil {
		return err
	}
	if *workers == 0 {
		*workers = 1
		if sc.Driver == "postgres" {
			*workers = 4
		}
	}
	name := storeconfig.Describe(sc)
	st, err := storeconfig.Open(ctx, sc)
	if err != nil {
		return fmt.Errorf("open %s: %w", name, err)
	}
	defer st.Close()

	start := time.Now()
	lastShown := start
	n, err := seed.Fill(ctx, st, o, *batch, *workers, func(done, total int) {
		if now := time.Now(); now.Sub(lastShown) >= 5*time.Second {
			lastShown = now
			fmt.Fprintf(stderr, "feedd-seed: %d of %d records (%.0f%%) in %s\n",
				done, total, 100*float64(done)/float64(total), now.Sub(start).Round(time.Second))
		}
	})
	took := time.Since(start)
	if err != nil {
		if n > 0 {
			return fmt.Errorf("seed %s: %w (it holds %d records of the fixture now)", name, err, n)
		}
		return fmt.Errorf("seed %s: %w", name, err)
	}
	fmt.Fprintf(stdout, "seeded %s with %d posts and %d comments (seed %d) in %s: %.0f records/s\n",
		name, o.Posts, o.Posts*o.CommentsPerPost, o.Seed, took.Round(10*time.Millisecond), float64(n)/took.Seconds())
	return nil
}
