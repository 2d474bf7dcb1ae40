package api

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// Page sizes of GET /api/posts.
const (
	defaultPageLimit = 20
	maxPageLimit     = 100
)

// encodeCursor returns the opaque cursor of the page after p: base64url
// (unpadded) of "<published unix seconds>:<id>". Clients must not rely on
// its form.
func encodeCursor(p *feed.Post) string {
	raw := strconv.FormatInt(p.Published.Unix(), 10) + ":" + p.ID
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// decodeCursor parses a cursor made by encodeCursor.
func decodeCursor(s string) (*store.Cursor, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, false
	}
	secs, id, ok := strings.Cut(string(raw), ":")
	if !ok || !feed.ValidID(id) {
		return nil, false
	}
	n, err := strconv.ParseInt(secs, 10, 64)
	// Keep to the years a post can have (feed.Post.Validate).
	if err != nil || n < 0 || n > 253402300799 {
		return nil, false
	}
	return &store.Cursor{Published: time.Unix(n, 0).UTC(), ID: id}, true
}

// parseLimit parses the limit query parameter: absent means def.
func parseLimit(q map[string][]string, def, maxLimit int) (int, bool) {
	v, ok := q["limit"]
	if !ok {
		return def, true
	}
	n, err := strconv.Atoi(v[0])
	if err != nil || n < 1 || n > maxLimit || len(v) > 1 {
		return 0, false
	}
	return n, true
}
