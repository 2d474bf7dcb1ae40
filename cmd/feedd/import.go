package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/poll"
)

const importSynopsis = `import FILE|URL [--source NAME] [--config FILE] [--json]

FILE (or URL; - reads standard input) is one of:
  a feed (Atom, RSS, RSS 1.0, JSON Feed)  its entries become posts
  a Blogger export (Atom or Takeout)      posts with their threaded comments
  a WordPress export (WXR)                published posts with their categories,
                                          tags and approved comments, pingbacks
                                          and trackbacks included
  a Disqus export                         comments, threaded, under the posts
                                          their threads link to (already in the
                                          store: import the blog first)
Importing again updates rather than duplicates.`

// defaultImportSource is the source name of imported entries unless
// --source names another.
const defaultImportSource = "import"

// runImport implements 'feedd import': it loads a feed, a Blogger export,
// a WordPress export (WXR) or a Disqus export, from a file, standard input
// ("-") or a URL, into the store through the poller's import, the mapping
// that polls use. Entries are keyed by source and upstream id, so
// importing again updates rather than duplicates them.
func runImport(ctx context.Context, args []string, c *cli) error {
	fs := newFlagSet("import", importSynopsis, c.stderr)
	c.commonFlags(fs)
	source := fs.String("source", defaultImportSource, "store the entries as mirrored from source `NAME`; a configured source's URL resolves relative links")
	pos, err := parseInterspersed(fs, args, 1)
	if err != nil {
		return err
	}
	if !feed.ValidID(*source) {
		return usageError(fs, "--source %q: must be 1 to %d characters of A-Z, a-z, 0-9, - and _", *source, feed.MaxIDLen)
	}
	arg := pos[0]
	isURL := false
	switch u, err := url.Parse(arg); {
	case arg == "":
		return usageError(fs, "empty FILE or URL")
	case err == nil && u.Scheme != "" && u.Host != "":
		if u.Scheme != "http" && u.Scheme != "https" {
			return usageError(fs, "unsupported URL scheme %q (want http or https)", u.Scheme)
		}
		isURL = true
	}

	// Open a file before the store, so that a wrong path touches nothing.
	var in io.ReadCloser
	switch {
	case arg == "-":
		in = io.NopCloser(c.stdin)
	case !isURL:
		f, err := os.Open(arg)
		if err != nil {
			return err
		}
		in = f
	}
	if in != nil {
		defer in.Close()
	}

	st, cfg, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	// The daemon, if one runs, learns of the writes from the change log.
	p := newPoller(cfg, st, nil, nil, newLogger(cfg.Log, c.stderr))
	baseURL := ""
	if src, ok := cfg.source(*source); ok {
		baseURL = src.URL
	}
	if isURL {
		in, err = p.FetchURL(ctx, arg)
		var private *poll.PrivateAddressError
		if errors.As(err, &private) {
			return fmt.Errorf("%w (set poll.allow_private: true in the configuration to fetch from private and loopback addresses)", err)
		}
		if err != nil {
			return err // it names the URL
		}
		defer in.Close()
		baseURL = arg
	}

	prog := c.newProgress("importing", "imported", "entries")
	res, err := p.Import(ctx, in, baseURL, *source, prog.update)
	prog.finish(err == nil)
	if err != nil {
		return fmt.Errorf("import %s: %w", arg, storeError(err))
	}
	if c.json {
		return c.printJSON(map[string]int{"posts": res.Posts, "comments": res.Comments, "unchanged": res.Unchanged, "skipped": res.Skipped})
	}
	skipped := ""
	if res.Skipped > 0 {
		// The threads are logged above, each with its link.
		skipped = fmt.Sprintf(", %d skipped (their Disqus thread links to no post in the store)", res.Skipped)
	}
	fmt.Fprintf(c.stdout, "imported %d posts, %d comments, %d unchanged%s\n", res.Posts, res.Comments, res.Unchanged, skipped)
	return nil
}
