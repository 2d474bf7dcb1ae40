// Package submit takes new comments from the public, one way for every
// writer that takes them: the JSON API (POST /api/posts/{post}/comments,
// package api) and the HTML comment form (package web). It holds the
// anti-abuse policy of comment posting: a rate limit per client, limits on
// length and nesting, a honeypot field, and moderation.
package submit

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/httpjson"
	"github.com/feedd/feedd/store"
)

// Defaults for the zero values of Config (comments.* in the config file).
const (
	DefaultModeration       = ModerationFirstTime
	DefaultCommentRate      = 6 // comments per minute and client
	DefaultCommentBurst     = 3
	DefaultMaxCommentLength = 5000
	DefaultMaxAuthorLength  = 80
	DefaultMaxDepth         = 8
	DefaultHoneypotField    = "website"
	DefaultMentionRate      = 30 // Webmentions per minute and source host
	DefaultMentionBurst     = 10
)

// Comment moderation policies, the values of Config.Moderation.
const (
	// ModerationNone publishes every comment at once.
	ModerationNone = "none"
	// ModerationFirstTime holds a comment for review unless its author
	// (name and URI) already has an approved comment.
	ModerationFirstTime = "first-time"
	// ModerationAll holds every comment for review.
	ModerationAll = "all"
)

// Config holds the policy of comment posting. The zero value of each field
// means its default.
type Config struct {
	// Moderation is the policy for new comments: ModerationNone,
	// ModerationFirstTime (DefaultModeration, also the zero value) or
	// ModerationAll. An unknown value holds every comment, as
	// ModerationAll does; see Validate.
	Moderation string
	// CommentRate is how many comments one client (IP address; an IPv6
	// /64) may post per minute, on average, and CommentBurst how many in
	// a row: a token bucket per client. DefaultCommentRate when zero, and
	// DefaultCommentBurst when zero or negative; a negative CommentRate
	// lifts the limit. Requests with the admin token are not limited;
	// refused ones get 429 with Retry-After.
	CommentRate  float64
	CommentBurst int
	// MaxCommentLength and MaxAuthorLength bound the content and author
	// name of a new comment, in characters; DefaultMaxCommentLength and
	// DefaultMaxAuthorLength when zero or negative. feed.Comment.Validate
	// applies its own, larger limits to every write, the admin's edits
	// included.
	MaxCommentLength int
	MaxAuthorLength  int
	// MaxDepth bounds reply nesting: a comment on a post has depth 0, a
	// reply its parent's depth + 1, and a reply whose depth would reach
	// MaxDepth is refused. DefaultMaxDepth when zero or negative.
	MaxDepth int
	// HoneypotField names a comment field that people leave empty (a form
	// hides it) and bots fill in. A comment that fills it in gets the
	// answer of a comment held for review, but nothing is stored.
	// DefaultHoneypotField when empty; it must differ from the real fields.
	HoneypotField string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client: the client of a request from one of them is the
	// right-most address of X-Forwarded-For outside these prefixes. Empty
	// trusts none; the peer address is the client.
	TrustedProxies []netip.Prefix
	// MentionRate is how many Webmentions from one source host (the
	// source URL's host name) are taken per minute, on average, and
	// MentionBurst how many in a row; DefaultMentionRate and
	// DefaultMentionBurst when zero, and a negative MentionRate lifts the
	// limit (see ReserveMention).
	MentionRate  float64
	MentionBurst int
	// MaxBodyBytes limits the body of a comment; larger ones get 413.
	// httpjson.DefaultMaxBodyBytes when zero or negative.
	MaxBodyBytes int64
}

// Validate reports settings that New would have to replace: an unknown
// moderation policy, or a honeypot field that is not a plain name or that
// clashes with a real comment field.
func (c Config) Validate() error {
	switch c.Moderation {
	case "", ModerationNone, ModerationFirstTime, ModerationAll:
	default:
		return fmt.Errorf("moderation %q: must be %s, %s or %s", c.Moderation, ModerationNone, ModerationFirstTime, ModerationAll)
	}
	if h := c.HoneypotField; h != "" {
		if !feed.ValidID(h) {
			return fmt.Errorf("honeypot field %q: must be 1 to %d characters of A-Z, a-z, 0-9, - and _", h, feed.MaxIDLen)
		}
		if isCommentField(h) {
			return fmt.Errorf("honeypot field %q: is a real comment field", h)
		}
	}
	return nil
}

// withDefaults returns c with the zero values replaced by defaults, and
// settings Validate rejects replaced by safe ones, logged to log.
func (c Config) withDefaults(log *slog.Logger) Config {
	if err := c.Validate(); err != nil {
		log.Error("invalid comment config; using safe values", "err", err)
	}
	switch c.Moderation {
	case "":
		c.Moderation = DefaultModeration
	case ModerationNone, ModerationFirstTime, ModerationAll:
	default:
		c.Moderation = ModerationAll // fail closed
	}
	if c.CommentRate == 0 {
		c.CommentRate = DefaultCommentRate
	}
	if c.CommentBurst <= 0 {
		c.CommentBurst = DefaultCommentBurst
	}
	if c.MentionRate == 0 {
		c.MentionRate = DefaultMentionRate
	}
	if c.MentionBurst <= 0 {
		c.MentionBurst = DefaultMentionBurst
	}
	if c.MaxCommentLength <= 0 {
		c.MaxCommentLength = DefaultMaxCommentLength
	}
	if c.MaxAuthorLength <= 0 {
		c.MaxAuthorLength = DefaultMaxAuthorLength
	}
	if c.MaxDepth <= 0 {
		c.MaxDepth = DefaultMaxDepth
	}
	if c.HoneypotField == "" || !feed.ValidID(c.HoneypotField) || isCommentField(c.HoneypotField) {
		c.HoneypotField = DefaultHoneypotField
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = httpjson.DefaultMaxBodyBytes
	}
	return c
}

// Submitter takes new comments. Build it with New; it is safe for
// concurrent use. One Submitter serves the API and the comment form, so
// that they share one rate limit.
type Submitter struct {
	st      store.Store
	cache   *cache.Cache
	admin   httpjson.Admin
	cfg     Config
	log     *slog.Logger
	limiter *rateLimiter[netip.Addr] // per client; nil when unlimited
	// mentionLimiter limits Webmentions per source host; nil when
	// unlimited.
	mentionLimiter *rateLimiter[string]

	// hashKey is the author-hash secret once read: it is made once per
	// store and never rotated (a new key would forget every regular), so
	// a comment's submission does not read it again.
	hashKeyMu sync.Mutex
	hashKey   string
}

// New returns a Submitter that writes comments to st and waits for c to
// have applied each write before it returns (read-your-writes). Requests
// that admin recognises are the admin's: not limited nor moderated.
// Settings that Config.Validate rejects are logged and replaced: an unknown
// moderation policy by ModerationAll, a bad honeypot field by the default.
func New(st store.Store, c *cache.Cache, admin httpjson.Admin, cfg Config, log *slog.Logger) *Submitter {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults(log)
	s := &Submitter{st: st, cache: c, admin: admin, cfg: cfg, log: log}
	if cfg.CommentRate > 0 {
		s.limiter = newRateLimiter[netip.Addr](rate.Limit(cfg.CommentRate/60), cfg.CommentBurst, time.Now)
	}
	if cfg.MentionRate > 0 {
		s.mentionLimiter = newRateLimiter[string](rate.Limit(cfg.MentionRate/60), cfg.MentionBurst, time.Now)
	}
	return s
}

// Input is a new comment as a reader submitted it: the fields of the
// API's JSON body or of the comment form, as given (an HTML form refills
// its fields from them after an error).
type Input struct {
	Author    string
	AuthorURI string
	Content   string
	ParentID  string
}

// Rules are the settings of public comment posting that a comment form
// shows or needs: the honeypot field it must carry (hidden) and the limits
// it can tell readers about. The Submitter enforces them whatever the form
// says.
type Rules struct {
	HoneypotField    string
	MaxCommentLength int // characters of content
	MaxAuthorLength  int // characters of the author's name
	// MaxDepth bounds nesting: a comment whose Depth+1 reaches it takes no
	// replies.
	MaxDepth int
}

// Rules returns the comment settings, defaults filled in.
func (s *Submitter) Rules() Rules {
	return Rules{
		HoneypotField:    s.cfg.HoneypotField,
		MaxCommentLength: s.cfg.MaxCommentLength,
		MaxAuthorLength:  s.cfg.MaxAuthorLength,
		MaxDepth:         s.cfg.MaxDepth,
	}
}

// Submit takes a new comment on the post postID from the body of r, a
// form (application/x-www-form-urlencoded) or JSON: the rate limit,
// limits, validation, honeypot and moderation. Requests with the admin
// token are the admin's. The rate limit is checked before the body is
// read, which is the cheapest way to refuse; a refused body is still read,
// within the size limit, for the fields to come back (see Post).
//
// It does not answer the request; w serves only to close the connection
// after an oversized body. It returns the fields as submitted (also when
// the comment is refused, so that a form can be refilled; empty when the
// body could not be read) and either the comment as stored, approved or
// held for review (Status pending), or the refusal. A comment that filled
// in the honeypot field comes back as held, with a fresh ID, but was not
// stored. A stored comment is in the cached feeds when Submit returns.
func (s *Submitter) Submit(w http.ResponseWriter, r *http.Request, postID string) (Input, *feed.Comment, *httpjson.RequestError) {
	return s.submit(w, r, postID, true)
}

// Post is Submit for a client that needs no fields back (the JSON API): a
// body refused by the rate limit is not read.
func (s *Submitter) Post(w http.ResponseWriter, r *http.Request, postID string) (*feed.Comment, *httpjson.RequestError) {
	_, c, rerr := s.submit(w, r, postID, false)
	return c, rerr
}

// submit is Submit and Post; inputOnRefusal reads a body refused by the
// rate limit, for its fields.
func (s *Submitter) submit(w http.ResponseWriter, r *http.Request, postID string, inputOnRefusal bool) (Input, *feed.Comment, *httpjson.RequestError) {
	if !feed.ValidID(postID) {
		return Input{}, nil, &httpjson.RequestError{Status: http.StatusNotFound, Message: "post not found"}
	}
	admin := s.admin.Authorized(r)
	if !admin {
		if wait := s.reserveComment(r); wait > 0 {
			var in Input
			if inputOnRefusal {
				if req, rerr := s.decodeComment(w, r); rerr == nil {
					in = req.input()
				}
			}
			return in, nil, &httpjson.RequestError{
				Status:     http.StatusTooManyRequests,
				Message:    fmt.Sprintf("too many comments: try again in %d seconds", wait),
				RetryAfter: wait,
			}
		}
	}
	req, rerr := s.decodeComment(w, r)
	if rerr != nil {
		return Input{}, nil, rerr
	}
	in := req.input()
	c := &feed.Comment{
		PostID:     postID,
		ParentID:   req.ParentID,
		AuthorName: req.Author,
		AuthorURI:  req.AuthorURI,
		Content:    req.Content,
	}
	if err := s.checkCommentLimits(c); err != nil {
		return in, nil, s.refusal(r, err)
	}
	if err := c.Validate(); err != nil {
		return in, nil, s.refusal(r, err)
	}
	email, err := checkEmail(req.Email)
	if err != nil {
		return in, nil, s.refusal(r, err)
	}
	// The write completes even if the client goes away meanwhile.
	ctx, wrote := store.Track(context.WithoutCancel(r.Context()))
	if err := s.checkParent(ctx, c); err != nil {
		return in, nil, s.refusal(r, err)
	}
	// Only now, so that a bot gets the same errors as anyone.
	if req.honeypot {
		if err := s.fakeHeldComment(r, c); err != nil {
			return in, nil, s.refusal(r, err)
		}
		return in, c, nil
	}
	if email != "" {
		if c.AuthorHash, err = s.authorHash(ctx, email, c.AuthorName); err != nil {
			return in, nil, s.refusal(r, err)
		}
	}
	status, err := s.initialStatus(ctx, c, admin)
	if err != nil {
		return in, nil, s.refusal(r, err)
	}
	c.Status = status
	if err := s.st.CreateComment(ctx, c); err != nil {
		return in, nil, s.refusal(r, err)
	}
	// Before the answer: a GET that follows it must see the comment.
	if err := s.cache.Sync(r.Context(), wrote.Seq()); err != nil && r.Context().Err() == nil {
		s.log.Warn("comment stored, but the cache did not catch up", "comment_id", c.ID, "err", err)
	}
	return in, c, nil
}

// input returns the submitted fields of req.
func (req commentRequest) input() Input {
	return Input{Author: req.Author, AuthorURI: req.AuthorURI, Content: req.Content, ParentID: req.ParentID}
}

// refusal turns an error of the store or of validation into the refusal
// the client sees (httpjson.Refusal).
func (s *Submitter) refusal(r *http.Request, err error) *httpjson.RequestError {
	return httpjson.Refusal(s.log, r, err)
}

// fakeHeldComment makes c look like a comment held for review, without
// storing it, for a comment that filled in the honeypot field: the bot
// gets the answer of a held comment and learns nothing. It still checks
// that the post exists, as a real comment would.
func (s *Submitter) fakeHeldComment(r *http.Request, c *feed.Comment) error {
	if _, err := s.st.Post(r.Context(), c.PostID); err != nil {
		return err
	}
	s.log.Info("comment dropped: honeypot field filled in",
		"post_id", c.PostID, "honeypot_field", s.cfg.HoneypotField, "client", s.clientAddr(r).String())
	now := time.Now().UTC().Truncate(time.Second)
	c.ID = store.NewID()
	c.Status = feed.StatusPending
	c.Published, c.Updated = now, now
	return nil
}
