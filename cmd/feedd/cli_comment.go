package main

import (
	"context"
	"fmt"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
	"github.com/feedd/feedd/store"
)

const commentUsage = `Usage:
  feedd comment list [--pending] [--post ID] [--limit N]
  feedd comment approve ID
  feedd comment spam ID
  feedd comment delete ID

Every command takes --config FILE and --json.
`

// runComment implements 'feedd comment'.
func runComment(ctx context.Context, args []string, c *cli) error {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, commentUsage)
		return errUsage
	}
	switch args[0] {
	case "list":
		return c.commentList(ctx, args[1:])
	case "approve":
		return c.commentSetStatus(ctx, args[1:], "approve", feed.StatusApproved)
	case "spam":
		return c.commentSetStatus(ctx, args[1:], "spam", feed.StatusSpam)
	case "delete":
		return c.commentDelete(ctx, args[1:])
	case "-h", "--help", "help":
		fmt.Fprint(c.stdout, commentUsage)
		return errHelp
	}
	fmt.Fprintf(c.stderr, "feedd comment: unknown command %q\n\n%s", args[0], commentUsage)
	return errUsage
}

func (c *cli) commentList(ctx context.Context, args []string) error {
	fs := newFlagSet("comment list", "comment list [--pending] [--post ID] [--limit N]", c.stderr)
	c.commonFlags(fs)
	pending := fs.Bool("pending", false, "list only comments awaiting moderation")
	postID := fs.String("post", "", "list only the thread of post `ID`")
	limit := fs.Int("limit", 50, "show at most `N` comments, newest first")
	if _, err := parseInterspersed(fs, args, 0); err != nil {
		return err
	}
	if *limit < 1 {
		return usageError(fs, "--limit must be at least 1")
	}
	f := store.CommentFilter{PostID: *postID, Limit: *limit, Statuses: []feed.Status{feed.StatusApproved, feed.StatusPending}}
	if *pending {
		f.Statuses = []feed.Status{feed.StatusPending}
	}
	var comments []*feed.Comment
	if err := c.withStore(ctx, func(st store.Store) (err error) {
		comments, err = st.Comments(ctx, f)
		return err
	}); err != nil {
		return err
	}
	return c.printComments(comments)
}

func (c *cli) commentSetStatus(ctx context.Context, args []string, verb string, status feed.Status) error {
	fs := newFlagSet("comment "+verb, "comment "+verb+" ID", c.stderr)
	c.commonFlags(fs)
	pos, err := parseInterspersed(fs, args, 1)
	if err != nil {
		return err
	}
	var cm *feed.Comment
	if err := c.withStore(ctx, func(st store.Store) (err error) {
		cm, err = st.UpdateComment(ctx, pos[0], store.CommentUpdate{Status: &status})
		return err
	}); err != nil {
		return err
	}
	return c.printComments([]*feed.Comment{cm})
}

func (c *cli) commentDelete(ctx context.Context, args []string) error {
	fs := newFlagSet("comment delete", "comment delete ID", c.stderr)
	c.commonFlags(fs)
	pos, err := parseInterspersed(fs, args, 1)
	if err != nil {
		return err
	}
	var cm *feed.Comment
	if err := c.withStore(ctx, func(st store.Store) (err error) {
		cm, err = st.DeleteComment(ctx, pos[0])
		return err
	}); err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{"deleted": cm.ID})
	}
	fmt.Fprintf(c.stdout, "deleted comment %s by %s on post %s\n", cm.ID, cell(cm.AuthorName), cm.PostID)
	return nil
}

// printComments prints comments as JSON or as a table.
func (c *cli) printComments(comments []*feed.Comment) error {
	if c.json {
		if comments == nil {
			comments = []*feed.Comment{}
		}
		return c.printJSON(comments)
	}
	rows := make([][]string, len(comments))
	for i, cm := range comments {
		// As text, the same way for every comment, whether it was given
		// as HTML or as plain text: the text of the HTML readers see.
		text := content.Text(content.CommentHTML(cm))
		rows[i] = []string{cm.ID, cm.PostID, cm.ParentID, string(cm.Status), when(cm.Published), cm.AuthorName, text}
	}
	return c.table([]string{"ID", "POST", "PARENT", "STATUS", "PUBLISHED", "AUTHOR", "CONTENT"}, rows)
}
