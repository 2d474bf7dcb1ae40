// Package export writes everything feedd serves to a directory as static
// files, so that nginx or a CDN can serve them: the pages, the feeds and
// their archive documents, the digests and the stylesheets.
//
// Write asks the server's own http.Handler for each path, in process, as
// a feed reader that sends no Accept and no Accept-Encoding header would,
// so that each file holds exactly the bytes the server answers that
// request with. Paths lists the paths of a store's content.
//
// A path maps to a file below the directory as a static server looks it
// up: "/" to index.html, a path whose last segment has no extension (a
// page, /posts/{post}) to {path}/index.html, any other to itself
// (/feeds/posts.atom). Beside each file goes {file}.gz, its gzip
// compression, for nginx's gzip_static. Queries (pages of a feed,
// category selections), the comment form's POST and the API have no
// file: the server in front passes those on to feedd, and sets the feeds'
// media types by extension.
//
// The directory is the site's root: under a base URL with a path
// (https://example.org/blog), serve it at that path.
package export

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"time"
)

// ManifestName is the file, in the export directory, that lists the files
// the last export wrote, one path relative to the directory a line. Write
// removes only files it lists.
const ManifestName = ".feedd-export"

// Result reports what Write did. Written, Unchanged and Failed count
// paths; Removed counts files.
type Result struct {
	// Written is the number of paths whose file (or its .gz) was
	// written: new or changed.
	Written int
	// Unchanged is the number of paths whose file already held the
	// handler's answer, left alone with its mtime.
	Unchanged int
	// Failed is the number of paths refused or not exported: an invalid
	// path, an answer other than 200, an error writing.
	Failed int
	// Removed is the number of files of the previous export removed
	// because no path maps to them any more (a .gz counts on its own).
	Removed int
}

// Write exports each URL path in paths (such as "/", "/posts/abc",
// "/feeds/posts.atom") from h to the directory dir, which must exist: it
// asks h for the path with a GET request carrying no Accept and no
// Accept-Encoding header and, when h answers 200, writes the body to the
// path's file (see the package documentation) and its gzip compression
// (best, deterministic: no name, no mtime) beside it as {file}.gz. Each
// file is written atomically, through a temporary file in its directory,
// synced and renamed; a file that already holds the body, with a .gz
// that decompresses to it, is left alone and keeps its mtime.
//
// A path that is not a clean absolute path without a query (with "..",
// "." or empty segments, a backslash, an encoded slash, control
// characters, a trailing slash other than "/") or that maps to the same
// file as another, or to the manifest, is refused; no path can reach
// outside dir, whose files Write opens through an os.Root. A refused path,
// an answer other than 200 and an error writing fail that path, and the
// others go on; the error joins the failures (errors.Join), each naming
// its path.
//
// Write then removes the files the previous export listed in the
// manifest (ManifestName) that no path maps to any more, and any
// directories of theirs left empty, and writes the manifest anew. It
// removes nothing else: not a file the manifest does not list, nor the
// files of a path that failed this time, which stay listed. When ctx is
// done, it stops, removes nothing, and returns ctx's error with the
// others.
//
// Write refuses an empty paths, which would only remove the previous
// export. Two Writes must not run on one directory at once.
func Write(ctx context.Context, dir string, h http.Handler, paths []string, log *slog.Logger) (Result, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var res Result
	if h == nil {
		return res, errors.New("export: no handler")
	}
	if len(paths) == 0 {
		// Nothing to export is a caller's mistake (Paths lists the home
		// page at least), and would remove the whole previous export.
		return res, errors.New("export: no paths")
	}
	start := time.Now()
	root, err := openDir(dir)
	if err != nil {
		return res, err
	}
	defer root.Close()
	prev, err := readManifest(root, log)
	if err != nil {
		return res, fmt.Errorf("export %s: %w", dir, err)
	}

	jobs, errs := plan(paths)
	res.Failed = len(errs)
	e := &exporter{ctx: ctx, root: root, h: h, dirs: map[string]bool{}, wrote: map[string]bool{}}
	kept := make(map[string]bool, 2*len(jobs))
	aborted := false
	for _, j := range jobs {
		if err := ctx.Err(); err != nil {
			aborted = true
			errs = append(errs, fmt.Errorf("export: %w", err))
			break
		}
		changed, err := e.export(j)
		if err != nil {
			res.Failed++
			errs = append(errs, fmt.Errorf("export %s: %w", j.path, err))
			// Keep the previous export of the path: it may answer
			// again next time, and is still its best copy. List a .gz
			// written before the file failed, to remove it in time.
			for _, f := range j.files() {
				if prev[f] || e.wrote[f] {
					kept[f] = true
				}
			}
			log.Debug("export failed", "path", j.path, "err", err) // the caller has err
			continue
		}
		for _, f := range j.files() {
			kept[f] = true
		}
		if changed {
			res.Written++
			log.Debug("exported", "path", j.path, "file", j.file)
		} else {
			res.Unchanged++
		}
	}
	if err := e.syncDirs(); err != nil {
		// The files are in place; only their durability in a crash is
		// in doubt, which some file systems cannot promise.
		log.Warn("export: sync directories", "dir", dir, "err", err)
	}

	if aborted {
		for f := range prev {
			kept[f] = true
		}
	} else {
		n, err := removeStale(root, prev, kept, log)
		res.Removed = n
		if err != nil {
			errs = append(errs, fmt.Errorf("export %s: %w", dir, err))
		}
	}
	if err := writeManifest(root, kept); err != nil {
		errs = append(errs, fmt.Errorf("export %s: write manifest: %w", dir, err))
	}
	level := slog.LevelDebug // a run that changed nothing is routine
	if res.Written > 0 || res.Failed > 0 || res.Removed > 0 {
		level = slog.LevelInfo
	}
	log.Log(ctx, level, "export", "dir", dir, "written", res.Written, "unchanged", res.Unchanged,
		"failed", res.Failed, "removed", res.Removed, "duration", time.Since(start))
	return res, errors.Join(errs...)
}

// openDir opens the export directory, which must be an existing directory.
func openDir(dir string) (*os.Root, error) {
	if dir == "" {
		return nil, errors.New("export: no directory")
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("export: %s: not a directory", dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return root, nil
}

// exporter requests paths and writes their files.
type exporter struct {
	ctx   context.Context
	root  *os.Root
	h     http.Handler
	dirs  map[string]bool // directories renamed into, to sync
	wrote map[string]bool // files written
}

// export requests j's path and writes its files when they differ from
// the answer; changed reports whether it wrote.
func (e *exporter) export(j job) (changed bool, err error) {
	body, err := e.get(j.path)
	if err != nil {
		return false, err
	}
	return e.store(j, body)
}

// get asks the handler for target as a plain client would: GET, no
// Accept (the feeds' own media types), no Accept-Encoding (identity).
func (e *exporter) get(target string) ([]byte, error) {
	req := httptest.NewRequestWithContext(e.ctx, http.MethodGet, target, nil)
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		return nil, fmt.Errorf("status %d", w.Code)
	}
	return w.Body.Bytes(), nil
}
