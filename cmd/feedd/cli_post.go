package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

const postUsage = `Usage:
  feedd post create --title T [--file body.md|-] [--markdown] [flags]
  feedd post edit ID [--title T] [--file F|-] [--markdown|--html] [flags]
  feedd post delete ID
  feedd post list [--limit N]

Every command takes --config FILE and --json.
`

// runPost implements 'feedd post'.
func runPost(ctx context.Context, args []string, c *cli) error {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, postUsage)
		return errUsage
	}
	switch args[0] {
	case "create":
		return c.postCreate(ctx, args[1:])
	case "edit":
		return c.postEdit(ctx, args[1:])
	case "delete":
		return c.postDelete(ctx, args[1:])
	case "list":
		return c.postList(ctx, args[1:])
	case "-h", "--help", "help":
		fmt.Fprint(c.stdout, postUsage)
		return errHelp
	}
	fmt.Fprintf(c.stderr, "feedd post: unknown command %q\n\n%s", args[0], postUsage)
	return errUsage
}

// postFields are the flags create and edit share.
type postFields struct {
	title, file, summary, author, authorURI string
	markdown, html                          bool
	categories                              stringList
}

func (f *postFields) register(fs *flag.FlagSet) {
	fs.StringVar(&f.title, "title", "", "the post's `title`")
	fs.StringVar(&f.file, "file", "", "read the content from `FILE`, or standard input for -")
	fs.BoolVar(&f.markdown, "markdown", false, "the content is Markdown")
	fs.StringVar(&f.summary, "summary", "", "a plain-text `summary`")
	fs.StringVar(&f.author, "author", "", "the author's `name`")
	fs.StringVar(&f.authorURI, "author-uri", "", "the author's `URL`")
	fs.Var(&f.categories, "category", "a `category`; repeat for several")
}

func (c *cli) postCreate(ctx context.Context, args []string) error {
	fs := newFlagSet("post create", "post create --title T [--file body.md|-] [--markdown] [flags]", c.stderr)
	c.commonFlags(fs)
	var f postFields
	f.register(fs)
	id := fs.String("id", "", "the post's `id` (default: a random one)")
	published := fs.String("published", "", "publication `time`, RFC 3339 (default: now)")
	if _, err := parseInterspersed(fs, args, 0); err != nil {
		return err
	}
	if f.title == "" {
		return usageError(fs, "--title is required")
	}
	if f.file == "" {
		return usageError(fs, "--file is required (use - for standard input)")
	}
	p := &feed.Post{ID: *id, Title: f.title, Summary: f.summary, AuthorName: f.author, AuthorURI: f.authorURI,
		Categories: f.categories, Format: feed.FormatHTML}
	if f.markdown {
		p.Format = feed.FormatMarkdown
	}
	if *published != "" {
		t, err := time.Parse(time.RFC3339, *published)
		if err != nil {
			return usageError(fs, "--published: want an RFC 3339 time such as 2026-03-02T09:00:00Z")
		}
		p.Published = t
	}
	content, err := c.readContent(f.file)
	if err != nil {
		return err
	}
	p.Content = content

	if err := c.withStore(ctx, func(st store.Store) error { return st.CreatePost(ctx, p) }); err != nil {
		return err
	}
	return c.printPosts([]*feed.Post{p})
}

func (c *cli) postEdit(ctx context.Context, args []string) error {
	fs := newFlagSet("post edit", "post edit ID [--title T] [--file F|-] [--markdown|--html] [flags]", c.stderr)
	c.commonFlags(fs)
	var f postFields
	f.register(fs)
	fs.BoolVar(&f.html, "html", false, "the content is HTML")
	pos, err := parseInterspersed(fs, args, 1)
	if err != nil {
		return err
	}
	if f.markdown && f.html {
		return usageError(fs, "--markdown and --html exclude each other")
	}
	var u store.PostUpdate
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if set["title"] {
		u.Title = &f.title
	}
	if set["summary"] {
		u.Summary = &f.summary
	}
	if set["author"] {
		u.AuthorName = &f.author
	}
	if set["author-uri"] {
		u.AuthorURI = &f.authorURI
	}
	if set["category"] {
		cats := []string(f.categories)
		u.Categories = &cats
	}
	if f.markdown || f.html {
		format := feed.FormatHTML
		if f.markdown {
			format = feed.FormatMarkdown
		}
		u.Format = &format
	}
	if set["file"] {
		content, err := c.readContent(f.file)
		if err != nil {
			return err
		}
		u.Content = &content
	}
	if u == (store.PostUpdate{}) {
		return usageError(fs, "nothing to change: give at least one of --title, --file, --markdown, --html, --summary, --author, --author-uri, --category")
	}
	var p *feed.Post
	if err := c.withStore(ctx, func(st store.Store) (err error) {
		p, err = st.UpdatePost(ctx, pos[0], u)
		return err
	}); err != nil {
		return err
	}
	return c.printPosts([]*feed.Post{p})
}

func (c *cli) postDelete(ctx context.Context, args []string) error {
	fs := newFlagSet("post delete", "post delete ID", c.stderr)
	c.commonFlags(fs)
	pos, err := parseInterspersed(fs, args, 1)
	if err != nil {
		return err
	}
	var p *feed.Post
	if err := c.withStore(ctx, func(st store.Store) (err error) {
		p, err = st.DeletePost(ctx, pos[0])
		return err
	}); err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{"deleted": p.ID})
	}
	fmt.Fprintf(c.stdout, "deleted post %s (%s) and its comments\n", p.ID, cell(p.Title))
	return nil
}

func (c *cli) postList(ctx context.Context, args []string) error {
	fs := newFlagSet("post list", "post list [--limit N]", c.stderr)
	c.commonFlags(fs)
	limit := fs.Int("limit", 50, "show at most `N` posts, newest first")
	if _, err := parseInterspersed(fs, args, 0); err != nil {
		return err
	}
	if *limit < 1 {
		return usageError(fs, "--limit must be at least 1")
	}
	var posts []*feed.Post
	if err := c.withStore(ctx, func(st store.Store) (err error) {
		posts, err = st.Posts(ctx, store.PostFilter{Limit: *limit})
		return err
	}); err != nil {
		return err
	}
	return c.printPosts(posts)
}

// printPosts prints posts as JSON or as a table with their comment counts.
func (c *cli) printPosts(posts []*feed.Post) error {
	if c.json {
		if posts == nil {
			posts = []*feed.Post{}
		}
		return c.printJSON(posts)
	}
	rows := make([][]string, len(posts))
	for i, p := range posts {
		rows[i] = []string{p.ID, when(p.Published), when(p.Updated), p.Format, strconv.Itoa(len(p.Content)), p.Title}
	}
	return c.table([]string{"ID", "PUBLISHED", "UPDATED", "FORMAT", "BYTES", "TITLE"}, rows)
}
