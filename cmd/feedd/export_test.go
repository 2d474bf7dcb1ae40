package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/export"
)

// TestServe_ExportEqualsHTTP runs the daemon with export.dir set and pages
// of two entries (so the demo thread has archive documents), waits for the
// start-up export, and checks that every exported file holds exactly the
// bytes the HTTP server answers at its path, and its .gz copy the same
// bytes compressed.
func TestServe_ExportEqualsHTTP(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "public")
	cfg := writeConfig(t, dir, "feeds: {page_size: 2}\nexport: {dir: "+out+"}\n")
	d := startDaemon(t, cfg, freeAddr(t))
	defer d.stop(t)

	manifest := filepath.Join(out, export.ManifestName)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(manifest); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no export after 20s; logs:\n%s", d.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}

	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	var paths []string
	err := filepath.WalkDir(out, func(name string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || strings.HasSuffix(name, ".gz") || filepath.Base(name) == export.ManifestName {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(name, out))
		path := strings.TrimSuffix(strings.TrimSuffix(rel, "index.html"), "/")
		if path == "" {
			path = "/"
		}
		paths = append(paths, path)
		file, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		resp, err := client.Get(d.base + path)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, file) {
			t.Errorf("%s: exported file differs from GET %s (%d)", rel, path, resp.StatusCode)
		}
		gz, err := os.ReadFile(name + ".gz")
		if err != nil {
			t.Errorf("%s: no .gz copy: %v", rel, err)
			return nil
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Errorf("%s.gz: %v", rel, err)
			return nil
		}
		unz, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(unz, file) {
			t.Errorf("%s.gz does not hold the file's bytes (%v)", rel, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"/", "/posts/" + demoPostID, "/static/feed.xsl",
		"/feeds/posts.atom", "/feeds/comments.rss", "/feeds/posts/" + demoPostID + "/comments.json",
		"/feeds/posts/" + demoPostID + "/comments/archive/1.atom",
		"/feeds/comments/archive/1.rss",
		"/feeds/digest/daily.atom", "/feeds/digest/weekly.rss",
	} {
		if !slices.Contains(paths, want) {
			t.Errorf("export lacks %s; it holds %v", want, paths)
		}
	}
}
