package api

import (
	"context"
	"net/http"
	"slices"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/httpjson"
	"github.com/feedd/feedd/store"
)

// commentPatch is the body of PATCH /api/comments/{comment}: the fields to
// change, absent or null ones left alone. The status changes through the
// approve and spam routes.
type commentPatch struct {
	Content   *string `json:"content"`
	Author    *string `json:"author"`
	AuthorURI *string `json:"author_uri"`
}

// commentID returns the {comment} path value, answering 404 itself when
// it cannot name a comment.
func commentID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("comment")
	if !feed.ValidID(id) {
		httpjson.WriteError(w, http.StatusNotFound, "comment not found")
		return "", false
	}
	return id, true
}

// handleThread lists the comments of a post oldest first, the order a
// thread is read in, so that every parent comes before its replies. The
// public sees approved comments; the admin also those pending review and
// marked spam. 404 for an unknown post, 410 for a deleted one.
func (s *API) handleThread(w http.ResponseWriter, r *http.Request) {
	id, ok := postID(w, r)
	if !ok {
		return
	}
	admin, ok := s.admin.Viewer(w, r)
	if !ok {
		return
	}
	f := store.CommentFilter{PostID: id}
	if admin {
		f.Statuses = []feed.Status{feed.StatusApproved, feed.StatusPending, feed.StatusSpam}
	}
	comments, err := s.st.Comments(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	slices.Reverse(comments) // the store lists newest first
	out := apiThread{PostID: id, Comments: make([]apiComment, 0, len(comments))}
	for _, c := range comments {
		out.Comments = append(out.Comments, s.newAPIComment(c, admin))
	}
	httpjson.WriteJSON(w, http.StatusOK, out)
}

// handleCreateComment creates a comment on a post, or a reply when the body
// names a parent_id of the same post. It is public, limited per client
// (429), and moderated (submit.Config.Moderation): 201 with the comment and
// its URL in Location when it is published at once, 202 with the comment
// ("status": "pending") when it waits for review. The work is package
// submit's, which the HTML comment form shares.
func (s *API) handleCreateComment(w http.ResponseWriter, r *http.Request) {
	postID, ok := postID(w, r)
	if !ok {
		return
	}
	admin, ok := s.admin.Viewer(w, r)
	if !ok {
		return
	}
	c, rerr := s.comments.Post(w, r, postID)
	if rerr != nil {
		httpjson.WriteRequestError(w, rerr)
		return
	}
	if c.Status != feed.StatusApproved {
		// Held for review (or dropped by the honeypot): no public URL to
		// give.
		httpjson.WriteJSON(w, http.StatusAccepted, s.newAPIComment(c, admin))
		return
	}
	w.Header().Set("Location", s.r.CommentURL(c.PostID, c.ID))
	httpjson.WriteJSON(w, http.StatusCreated, s.newAPIComment(c, admin))
}

// handleUpdateComment edits a comment's content or author: admin token,
// JSON body, 200 with the comment as stored.
func (s *API) handleUpdateComment(w http.ResponseWriter, r *http.Request) {
	if !s.admin.Require(w, r) {
		return
	}
	id, ok := commentID(w, r)
	if !ok {
		return
	}
	var req commentPatch
	if !httpjson.DecodeBody(w, r, s.cfg.MaxBodyBytes, &req) {
		return
	}
	u, err := req.update()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeComment(w, r, func(ctx context.Context) (*feed.Comment, error) {
		return s.st.UpdateComment(ctx, id, u)
	})
}

// update checks the fields of the patch as a comment's fields and returns
// the store update of those given, cleaned as feed.Comment.Validate cleans
// them.
func (req *commentPatch) update() (store.CommentUpdate, error) {
	var u store.CommentUpdate
	if req.Content == nil && req.Author == nil && req.AuthorURI == nil {
		return u, feed.Errorf(feed.EINVALID, "body: nothing to change: give one or more of content, author, author_uri")
	}
	c := feed.Comment{AuthorName: "-", Content: "-"}
	if req.Content != nil {
		c.Content = *req.Content
	}
	if req.Author != nil {
		c.AuthorName = *req.Author
	}
	if req.AuthorURI != nil {
		c.AuthorURI = *req.AuthorURI
	}
	if err := c.Validate(); err != nil {
		return u, err
	}
	if req.Content != nil {
		u.Content = &c.Content
	}
	if req.Author != nil {
		u.AuthorName = &c.AuthorName
	}
	if req.AuthorURI != nil {
		u.AuthorURI = &c.AuthorURI
	}
	return u, nil
}

// handleModerateComment returns the handler of the approve and spam
// routes: admin token, no body, 200 with the comment. Approving publishes
// a pending comment; marking an approved comment spam takes it out of the
// feeds, as a tombstone.
func (s *API) handleModerateComment(status feed.Status) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.admin.Require(w, r) {
			return
		}
		id, ok := commentID(w, r)
		if !ok {
			return
		}
		s.writeComment(w, r, func(ctx context.Context) (*feed.Comment, error) {
			return s.st.UpdateComment(ctx, id, store.CommentUpdate{Status: &status})
		})
	}
}

// handleDeleteComment deletes a comment: admin token, 204. Its replies
// stay; feeds that showed it carry its tombstone.
func (s *API) handleDeleteComment(w http.ResponseWriter, r *http.Request) {
	if !s.admin.Require(w, r) {
		return
	}
	id, ok := commentID(w, r)
	if !ok {
		return
	}
	if err := s.write(r, func(ctx context.Context) error {
		_, err := s.st.DeleteComment(ctx, id)
		return err
	}); err != nil {
		s.writeError(w, r, err)
		return
	}
	httpjson.WriteNoContent(w)
}

// writeComment runs a write of one existing comment and answers 200 with
// the comment as the admin sees it.
func (s *API) writeComment(w http.ResponseWriter, r *http.Request, write func(context.Context) (*feed.Comment, error)) {
	var c *feed.Comment
	if err := s.write(r, func(ctx context.Context) (err error) {
		c, err = write(ctx)
		return err
	}); err != nil {
		s.writeError(w, r, err)
		return
	}
	httpjson.WriteJSON(w, http.StatusOK, s.newAPIComment(c, true))
}
