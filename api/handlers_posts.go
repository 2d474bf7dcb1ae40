package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/httpjson"
	"github.com/feedd/feedd/store"
)

// postRequest is the body of POST /api/posts. Only title and content are
// required; the store picks an ID and the publication time when absent, and
// the format defaults to HTML.
type postRequest struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Content    string   `json:"content"`
	Format     string   `json:"format"` // html or markdown
	Summary    string   `json:"summary"`
	Author     string   `json:"author"`
	AuthorURI  string   `json:"author_uri"`
	Categories []string `json:"categories"`
	Published  string   `json:"published"` // RFC 3339
}

// postPatch is the body of PATCH /api/posts/{post}: the fields to change.
// An absent or null field is left alone; the ID and publication time never
// change.
type postPatch struct {
	Title      *string   `json:"title"`
	Content    *string   `json:"content"`
	Format     *string   `json:"format"`
	Summary    *string   `json:"summary"`
	Author     *string   `json:"author"`
	AuthorURI  *string   `json:"author_uri"`
	Categories *[]string `json:"categories"`
}

// checkFormat refuses a content format the renderer does not know. Empty
// is allowed where it means the default.
func checkFormat(f string) error {
	switch f {
	case "", feed.FormatHTML, feed.FormatMarkdown:
		return nil
	}
	return feed.Errorf(feed.EINVALID, "format: must be %q or %q", feed.FormatHTML, feed.FormatMarkdown)
}

// postID returns the {post} path value, answering 404 itself when it cannot
// name a post.
func postID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("post")
	if !feed.ValidID(id) {
		httpjson.WriteError(w, http.StatusNotFound, "post not found")
		return "", false
	}
	return id, true
}

// handleListPosts lists live posts newest first, a page at a time:
// ?limit= (1 to 100, default 20) and ?cursor= from the previous page's
// next_cursor, which is absent on the last page.
func (s *API) handleListPosts(w http.ResponseWriter, r *http.Request) {
	admin, ok := s.admin.Viewer(w, r)
	if !ok {
		return
	}
	// URL.Query would drop a malformed parameter silently.
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		httpjson.WriteError(w, http.StatusBadRequest, "query: malformed: "+err.Error())
		return
	}
	limit, ok := parseLimit(q, defaultPageLimit, maxPageLimit)
	if !ok {
		httpjson.WriteError(w, http.StatusBadRequest, fmt.Sprintf("limit: must be one integer from 1 to %d", maxPageLimit))
		return
	}
	var before *store.Cursor
	if v, ok := q["cursor"]; ok {
		if before, ok = decodeCursor(v[0]); !ok || len(v) > 1 {
			httpjson.WriteError(w, http.StatusBadRequest, "cursor: not a cursor this API gave; use next_cursor of the previous page")
			return
		}
	}
	// One more than asked tells whether there is a next page.
	posts, err := s.st.Posts(r.Context(), store.PostFilter{Limit: limit + 1, Before: before})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := apiPostList{Posts: make([]apiPost, 0, min(len(posts), limit))}
	if len(posts) > limit {
		posts = posts[:limit]
		out.NextCursor = encodeCursor(posts[limit-1])
	}
	for _, p := range posts {
		out.Posts = append(out.Posts, s.newAPIPost(p, admin))
	}
	httpjson.WriteJSON(w, http.StatusOK, out)
}

// handleGetPost answers one post: 404 when unknown, 410 when deleted.
func (s *API) handleGetPost(w http.ResponseWriter, r *http.Request) {
	id, ok := postID(w, r)
	if !ok {
		return
	}
	admin, ok := s.admin.Viewer(w, r)
	if !ok {
		return
	}
	p, err := s.st.Post(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	httpjson.WriteJSON(w, http.StatusOK, s.newAPIPost(p, admin))
}

// handleCreatePost creates a post: admin token, JSON body, 201 with the
// stored post and its URL in Location.
func (s *API) handleCreatePost(w http.ResponseWriter, r *http.Request) {
	if !s.admin.Require(w, r) {
		return
	}
	var req postRequest
	if !httpjson.DecodeBody(w, r, s.cfg.MaxBodyBytes, &req) {
		return
	}
	p := &feed.Post{
		ID:         req.ID,
		Title:      req.Title,
		Content:    req.Content,
		Format:     req.Format,
		Summary:    req.Summary,
		AuthorName: req.Author,
		AuthorURI:  req.AuthorURI,
		Categories: req.Categories,
	}
	if p.ID != "" && !feed.ValidID(p.ID) {
		httpjson.WriteError(w, http.StatusBadRequest, fmt.Sprintf("id: must be 1 to %d characters of A-Z, a-z, 0-9, - and _", feed.MaxIDLen))
		return
	}
	if req.Published != "" {
		t, err := time.Parse(time.RFC3339, req.Published)
		if err != nil {
			httpjson.WriteError(w, http.StatusBadRequest, "published: must be an RFC 3339 date-time such as 2026-03-02T09:00:00Z")
			return
		}
		p.Published = t
	}
	if err := checkFormat(p.Format); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := p.Validate(); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.write(r, func(ctx context.Context) error { return s.st.CreatePost(ctx, p) }); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", s.r.PostURL(p.ID))
	httpjson.WriteJSON(w, http.StatusCreated, s.newAPIPost(p, true))
}

// handleUpdatePost edits a post: admin token, JSON body with the fields to
// change, 200 with the post as stored. The post keeps its ID and
// publication time; its update time moves.
func (s *API) handleUpdatePost(w http.ResponseWriter, r *http.Request) {
	if !s.admin.Require(w, r) {
		return
	}
	id, ok := postID(w, r)
	if !ok {
		return
	}
	var req postPatch
	if !httpjson.DecodeBody(w, r, s.cfg.MaxBodyBytes, &req) {
		return
	}
	u, err := req.update()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var p *feed.Post
	if err := s.write(r, func(ctx context.Context) (err error) {
		p, err = s.st.UpdatePost(ctx, id, u)
		return err
	}); err != nil {
		s.writeError(w, r, err)
		return
	}
	httpjson.WriteJSON(w, http.StatusOK, s.newAPIPost(p, true))
}

// update checks the fields of the patch as a post's fields and returns the
// store update of those given, cleaned as feed.Post.Validate cleans them.
// The store validates the edited post as a whole again.
func (req *postPatch) update() (store.PostUpdate, error) {
	var u store.PostUpdate
	if req.Title == nil && req.Content == nil && req.Format == nil && req.Summary == nil &&
		req.Author == nil && req.AuthorURI == nil && req.Categories == nil {
		return u, feed.Errorf(feed.EINVALID, "body: nothing to change: give one or more of title, content, format, summary, author, author_uri, categories")
	}
	// A stand-in post carries the given fields through Validate; required
	// fields not given get placeholders, as the stored ones are valid.
	p := feed.Post{Title: "-", Content: "-"}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&p.Title, req.Title)
	set(&p.Content, req.Content)
	set(&p.Format, req.Format)
	set(&p.Summary, req.Summary)
	set(&p.AuthorName, req.Author)
	set(&p.AuthorURI, req.AuthorURI)
	if req.Categories != nil {
		p.Categories = *req.Categories
	}
	if req.Format != nil && *req.Format == "" {
		return u, feed.Errorf(feed.EINVALID, "format: must be %q or %q", feed.FormatHTML, feed.FormatMarkdown)
	}
	if err := checkFormat(p.Format); err != nil {
		return u, err
	}
	if err := p.Validate(); err != nil {
		return u, err
	}
	pick := func(given *string, clean string) *string {
		if given == nil {
			return nil
		}
		return &clean
	}
	u.Title = pick(req.Title, p.Title)
	u.Content = pick(req.Content, p.Content)
	u.Format = pick(req.Format, p.Format)
	u.Summary = pick(req.Summary, p.Summary)
	u.AuthorName = pick(req.Author, p.AuthorName)
	u.AuthorURI = pick(req.AuthorURI, p.AuthorURI)
	if req.Categories != nil {
		cats := p.Categories
		if cats == nil {
			cats = []string{}
		}
		u.Categories = &cats
	}
	return u, nil
}

// handleDeletePost deletes a post and its comments: admin token, 204. They
// leave the feeds at once, as tombstones where a feed showed them; the
// post's thread feed and API answer 410 from then on.
func (s *API) handleDeletePost(w http.ResponseWriter, r *http.Request) {
	if !s.admin.Require(w, r) {
		return
	}
	id, ok := postID(w, r)
	if !ok {
		return
	}
	if err := s.write(r, func(ctx context.Context) error {
		_, err := s.st.DeletePost(ctx, id)
		return err
	}); err != nil {
		s.writeError(w, r, err)
		return
	}
	httpjson.WriteNoContent(w)
}
