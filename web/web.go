// Package web serves feedd's HTML pages: the home page with the newest
// posts, a page per post with its threaded comments and a comment form that
// works without JavaScript, and the pages' stylesheet. It also writes the
// page a browser gets at a feed's URL (Handler.FeedPage, which the server
// asks the cache for; see feedpage.go), and serves the XSLT stylesheet
// that Atom and RSS feeds name, for the static export, where nothing
// negotiates and browsers that still apply XSLT style the XML.
//
// Pages show the same sanitized HTML the feeds carry, derived when the
// entry was written (content.PostHTML and content.CommentHTML), link the
// same permalinks (render.PostURL and render.CommentURL, whose fragments
// #comment-{id} are the ids of the comments on the page) and advertise
// the feeds with autodiscovery links; a post's page also links each of
// its categories to the Atom feed of the posts in it
// (/feeds/posts.atom?category=) and advertises that.
// The comment form posts through the one path of public comment posting
// (package submit), so that it meets exactly the API's validation,
// limits, rate limit, honeypot and moderation.
//
// The server mounts a Handler with server.Server.SetPages; the routes are
//
//	GET  /                  the newest posts
//	GET  /posts/{post}      a post and its comments; ?reply={comment} and ?held={comment}
//	POST /posts/{post}      the comment form: 303 to the comment, or the page again with the error;
//	                        403 for a cross-origin post (see originGuard)
//	GET  /static/feedd.css  the pages' stylesheet
//	GET  /static/feed.xsl   the feeds' XSLT stylesheet
//	GET  /admin/            the moderation inbox, with POST /admin/signin, /admin/signout
//	                        and /admin/comments/{id}/{action} (see admin.go)
package web

import (
	"context"
	"embed"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
	"github.com/feedd/feedd/feed/render"
	"github.com/feedd/feedd/httpjson"
	"github.com/feedd/feedd/store"
	"github.com/feedd/feedd/submit"
)

// DefaultHomePosts is the number of posts the home page lists when
// Options.HomePosts is not set.
const DefaultHomePosts = 20

// Commenter takes comments for the comment form: *submit.Submitter, the
// one path of public comment posting.
type Commenter interface {
	// Submit takes a comment on the post from the request body, a form;
	// see submit.Submitter.Submit.
	Submit(w http.ResponseWriter, r *http.Request, postID string) (submit.Input, *feed.Comment, *httpjson.RequestError)
	// Rules returns the honeypot field and the limits of comments.
	Rules() submit.Rules
}

// Options configure a Handler.
type Options struct {
	// Title is the site's title (site.title); the host of the base URL
	// when empty, as in the feeds.
	Title string
	// HomePosts is how many of the newest posts the home page lists;
	// DefaultHomePosts when zero or negative.
	HomePosts int
	// AdminToken is the admin token (admin_token) that signs in to the
	// moderation inbox at /admin/ (see admin.go); the inbox is off, its
	// routes 404, when empty.
	AdminToken string
	// Sync, when set, waits for the feed cache to have applied the
	// change-log record seq (cache.Cache.Sync): the inbox calls it after
	// a moderation write, so that feeds read after its answer show it.
	Sync func(ctx context.Context, seq int64) error
}

// Handler serves the pages. Build it with New; it is safe for concurrent
// use.
type Handler struct {
	st       store.Store
	r        *render.Renderer
	comments Commenter
	opts     Options
	log      *slog.Logger

	site   string // the site's title
	prefix string // the path of the base URL, without a trailing slash: "" or "/blog"
	pages  pageTemplates
	assets map[string]*asset // static files by name
	mux    *http.ServeMux
	origin *originGuard // refuses cross-origin form posts

	// webmentionLink is the Link field of a post's page: the Webmention
	// endpoint, made once; nil without one.
	webmentionLink []string

	sessions *adminSessions // the moderation inbox's sessions
	secure   bool           // the base URL is https: session cookies are Secure
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/feedd.css static/feed.xsl
var staticFS embed.FS

// New returns the pages of the site that r renders the feeds of, reading
// posts and comments from st and posting comments through c.
func New(st store.Store, r *render.Renderer, c Commenter, o Options, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if o.HomePosts <= 0 {
		o.HomePosts = DefaultHomePosts
	}
	home, _ := url.Parse(r.HomeURL()) // the renderer's own, canonical URL
	h := &Handler{
		st:       st,
		r:        r,
		comments: c,
		opts:     o,
		log:      log,
		site:     content.Line(o.Title),
		prefix:   strings.TrimSuffix(home.EscapedPath(), "/"),
		assets:   loadAssets(),
		origin:   newOriginGuard(r.HomeURL()),
		sessions: newAdminSessions(),
		secure:   home.Scheme == "https",
	}
	if wm := r.WebmentionEndpoint(); wm != "" {
		h.webmentionLink = []string{"<" + wm + `>; rel="webmention"`}
	}
	if h.site == "" {
		h.site = home.Hostname()
	}
	h.pages = parseTemplates(h.assetPath("feedd.css"))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.handleHome)
	mux.HandleFunc("GET /posts/{post}", h.handlePost)
	mux.HandleFunc("POST /posts/{post}", h.handleComment)
	mux.HandleFunc("GET /static/{file}", h.handleStatic)
	mux.HandleFunc("GET /admin/{$}", h.adminOn(h.handleAdmin))
	mux.HandleFunc("POST /admin/signin", h.adminOn(h.handleSignin))
	mux.HandleFunc("POST /admin/signout", h.adminOn(h.handleSignout))
	mux.HandleFunc("/admin/comments/{id}/{action}", h.adminOn(h.handleAdminAction))
	mux.HandleFunc("/", h.notFound)
	h.mux = mux
	return h
}

// ServeHTTP answers the page routes; any other path gets the 404 page.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// homePath, postPath and commentPath are the paths of the pages as links
// on the pages: below the base URL's path, so that they work whatever host
// the page was reached by, behind a proxy that serves feedd under a path
// too.
func (h *Handler) homePath() string { return h.prefix + "/" }

func (h *Handler) postPath(id string) string {
	return h.prefix + "/posts/" + url.PathEscape(id)
}

func (h *Handler) commentPath(postID, id string) string {
	return h.postPath(postID) + "#comment-" + url.PathEscape(id)
}
