package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"path"
	"strconv"
)

// asset is a static file, held in memory with its validator.
type asset struct {
	body         []byte
	contentType  string
	etag         string // strong, quoted
	version      string // a short hash of body, for cache-busting links
	cacheControl string
}

// Cache lifetimes of the static files. The pages link the stylesheet with
// its version in the query (?v=), so that a new build's stylesheet is a
// new URL and the old one may be kept for a year. The feeds name the XSLT
// stylesheet by a fixed URL (their bytes must not change with it), so it
// is kept a day.
const (
	cacheCSS = "public, max-age=31536000, immutable"
	cacheXSL = "public, max-age=86400"
)

// loadAssets reads the embedded static files.
func loadAssets() map[string]*asset {
	files := []struct{ name, contentType, cacheControl string }{
		{"feedd.css", "text/css; charset=utf-8", cacheCSS},
		// Chromium and Firefox load an XSLT stylesheet served as
		// text/xsl (or as XML), also under nosniff.
		{"feed.xsl", "text/xsl; charset=utf-8", cacheXSL},
	}
	assets := make(map[string]*asset, len(files))
	for _, f := range files {
		body, err := staticFS.ReadFile(path.Join("static", f.name))
		if err != nil {
			panic(err) // embedded: a missing file is a build error
		}
		sum := sha256.Sum256(body)
		assets[f.name] = &asset{
			body:         body,
			contentType:  f.contentType,
			etag:         `"` + hex.EncodeToString(sum[:12]) + `"`,
			version:      hex.EncodeToString(sum[:4]),
			cacheControl: f.cacheControl,
		}
	}
	return assets
}

// assetPath returns the link to a static file on the pages: its path with
// its version.
func (h *Handler) assetPath(name string) string {
	return h.prefix + "/static/" + name + "?v=" + h.assets[name].version
}

// handleStatic serves a static file, with conditional GET on its ETag. The
// query (a version) is ignored: the current file is all there is.
func (h *Handler) handleStatic(w http.ResponseWriter, r *http.Request) {
	a := h.assets[r.PathValue("file")]
	if a == nil {
		h.notFound(w, r)
		return
	}
	hd := w.Header()
	hd.Set("ETag", a.etag)
	hd.Set("Cache-Control", a.cacheControl)
	hd.Set("X-Content-Type-Options", "nosniff")
	if etagMatch(r.Header.Get("If-None-Match"), a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Type", a.contentType)
	hd.Set("Content-Length", strconv.Itoa(len(a.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(a.body)
	}
}
