package store

import (
	"context"
	"fmt"
	"time"

	"github.com/feedd/feedd/feed"
)

// Webmentions keeps the outbox of the Webmentions (W3C) that this site
// sends about its own posts: one row per post and link target, with the
// state of its notification, and the change-log position up to which
// posts' links were planned. Rows are claimed before they are sent, so
// that feedd processes sharing the store send each once. The times are
// the store's clock (the backends' Now field). None of its writes logs a
// change: no feed shows them. feedd migrate does not copy them.
type Webmentions interface {
	// PlanWebmentions records that post postID, at version (a hash of what
	// it shows), links to targets and no others: a target it did not link
	// to before (or whose link an earlier plan removed) gets a pending
	// notification, due now; a target it linked to before and no longer
	// does (the link was edited out, or targets is empty as the post was
	// deleted) gets one too, with Present false, which tells the target
	// to drop the mention. A target linked before and still is gets one
	// when version differs from its last plan's (the post changed, and the
	// receiver updates its mention: W3C Webmention §3.1.3), and else stays
	// as it is. Planning the same links of the same version again changes
	// nothing, so every process may plan every change it sees. It
	// returns the number of rows it made pending. postID must be a valid
	// id and each target an absolute http(s) URL of at most
	// feed.MaxURILen characters (EINVALID otherwise).
	PlanWebmentions(ctx context.Context, postID, version string, targets []string) (int, error)
	// ClaimWebmentions claims up to limit pending notifications that are
	// due (NextAttempt at or before the clock) and not claimed by another
	// sender (or whose claim ended): for lease each is this caller's, its
	// Attempts counted up by one. The earliest due come first.
	ClaimWebmentions(ctx context.Context, limit int, lease time.Duration) ([]*OutboundWebmention, error)
	// FinishWebmention records the outcome of a claimed notification: w's
	// State (pending again, with NextAttempt, for a retry), Endpoint,
	// LastStatus and LastError, and ends the claim. It applies only to the
	// row as it was claimed (same Version and Attempts, still pending):
	// a row planned afresh meanwhile is left to its new plan, and ok is
	// false.
	FinishWebmention(ctx context.Context, w *OutboundWebmention) (ok bool, err error)
	// OutboundWebmentions returns the outbox rows of post postID, or of
	// every post when postID is empty, ordered by post and target.
	OutboundWebmentions(ctx context.Context, postID string) ([]*OutboundWebmention, error)
	// WebmentionCursor returns the change-log seq up to which posts' links
	// were planned; ok is false when none was ever recorded (a sender
	// then starts at the log's end). SetWebmentionCursor moves it to seq,
	// forward only: a smaller seq leaves it.
	WebmentionCursor(ctx context.Context) (seq int64, ok bool, err error)
	SetWebmentionCursor(ctx context.Context, seq int64) error
}

// The states of an outgoing Webmention (OutboundWebmention.State).
const (
	WebmentionPending    = "pending"     // to be sent (again) at NextAttempt
	WebmentionSent       = "sent"        // the endpoint accepted it (2xx)
	WebmentionFailed     = "failed"      // refused (4xx), or out of attempts
	WebmentionNoEndpoint = "no_endpoint" // the target advertises no endpoint
)

// OutboundWebmention is one row of the Webmention outbox: the
// notification of Target about post PostID.
type OutboundWebmention struct {
	PostID, Target string
	// Version is the post's version (a hash of what it showed) when the
	// row was last planned, and Present whether the post linked to Target
	// then.
	Version string
	Present bool
	State   string
	// Endpoint is Target's Webmention endpoint, once discovered.
	Endpoint    string
	Attempts    int
	NextAttempt time.Time
	LastStatus  int // the endpoint's (or target's) last answer; 0 for none
	LastError   string
	Updated     time.Time
}

// CheckWebmentionPlan checks the arguments of PlanWebmentions.
func CheckWebmentionPlan(postID, version string, targets []string) error {
	if !feed.ValidID(postID) {
		return feed.Errorf(feed.EINVALID, "post id %q: not a valid id", postID)
	}
	if version == "" || len(version) > 128 {
		return feed.Errorf(feed.EINVALID, "version: want 1 to 128 bytes, got %d", len(version))
	}
	for i, t := range targets {
		if err := checkHTTPURL(fmt.Sprintf("targets[%d]", i), t); err != nil {
			return err
		}
	}
	return nil
}
