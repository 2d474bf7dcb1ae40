package main

import (
	"context"
	"fmt"

	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/server"
)

const adminUsage = `Usage:
  feedd admin feed-url [--rotate]   print the private moderation feed's URL
                                    (--rotate: make a new key; the old URL stops working)

Every command takes --config FILE and --json.
`

// runAdmin implements 'feedd admin'.
func runAdmin(ctx context.Context, args []string, c *cli) error {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, adminUsage)
		return errUsage
	}
	switch args[0] {
	case "feed-url":
		return c.adminFeedURL(ctx, args[1:])
	case "-h", "--help", "help":
		fmt.Fprint(c.stdout, adminUsage)
		return errHelp
	}
	fmt.Fprintf(c.stderr, "feedd admin: unknown command %q\n\n%s", args[0], adminUsage)
	return errUsage
}

// adminFeedURL prints {site.base_url}/admin/feed/{key}.atom, the URL of
// the moderation feed, with key the store's moderation-feed secret; with
// --rotate it first replaces the key.
func (c *cli) adminFeedURL(ctx context.Context, args []string) error {
	fs := newFlagSet("admin feed-url", "admin feed-url [--rotate] [--config FILE] [--json]", c.stderr)
	c.commonFlags(fs)
	rotate := fs.Bool("rotate", false, "make a new key: the old URL stops working")
	if _, err := parseInterspersed(fs, args, 0); err != nil {
		return err
	}
	st, cfg, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := render.New(render.Options{Title: cfg.Site.Title, BaseURL: cfg.Site.BaseURL})
	if err != nil {
		return fmt.Errorf("site.base_url: %w", err)
	}
	key, err := st.Secret(ctx, server.ModerationSecret, *rotate)
	if err != nil {
		return storeError(err)
	}
	u := r.ModerationSelf(key)
	if c.json {
		return c.printJSON(struct {
			URL     string `json:"url"`
			Rotated bool   `json:"rotated"`
		}{u, *rotate})
	}
	_, err = fmt.Fprintln(c.stdout, u)
	return err
}
