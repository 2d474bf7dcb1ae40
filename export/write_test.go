package export_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedd/feedd/export"
)

// testSite is a handler that answers GET for the paths of its bodies with
// 200, and statuses for others (404 when absent). It records requests
// that do not look like a plain client's.
type testSite struct {
	mu     sync.Mutex
	bodies map[string]string
	status map[string]int
	odd    []string
}

func newTestSite(bodies map[string]string) *testSite {
	return &testSite{bodies: bodies, status: map[string]int{}}
}

func (s *testSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Method != http.MethodGet || r.Header.Get("Accept") != "" || r.Header.Get("Accept-Encoding") != "" {
		s.odd = append(s.odd, r.Method+" "+r.URL.Path+" "+r.Header.Get("Accept")+" "+r.Header.Get("Accept-Encoding"))
	}
	if code := s.status[r.URL.Path]; code != 0 {
		http.Error(w, "no", code)
		return
	}
	body, ok := s.bodies[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, body)
}

func (s *testSite) set(path, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bodies[path] = body
}

func (s *testSite) fail(path string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status[path] = code
}

// sitePaths are the test site's paths and the files they map to.
var sitePaths = map[string]string{
	"/":                 "index.html",
	"/posts/abc":        "posts/abc/index.html",
	"/feeds/posts.atom": "feeds/posts.atom",
	"/static/feed.xsl":  "static/feed.xsl",
	"/feeds/posts/abc/comments/archive/3.atom": "feeds/posts/abc/comments/archive/3.atom",
}

func siteBodies() map[string]string {
	b := map[string]string{}
	for p := range sitePaths {
		// Long and repetitive, so that gzip has something to do.
		b[p] = strings.Repeat("<p>body of "+p+"</p>\n", 50)
	}
	return b
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func write(t *testing.T, dir string, h http.Handler, paths []string) (export.Result, error) {
	t.Helper()
	return export.Write(context.Background(), dir, h, paths, nil)
}

// files returns every file and symbolic link under dir, relative and
// slash-separated, sorted.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func gunzip(t *testing.T, name string) (string, *gzip.Header) {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return string(b), &zr.Header
}

func mtime(t *testing.T, name string) time.Time {
	t.Helper()
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	return fi.ModTime()
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	bodies := siteBodies()
	site := newTestSite(bodies)
	res, err := write(t, dir, site, keys(sitePaths))
	if err != nil {
		t.Fatal(err)
	}
	if want := (export.Result{Written: len(sitePaths)}); res != want {
		t.Errorf("Result = %+v, want %+v", res, want)
	}
	if len(site.odd) > 0 {
		t.Errorf("requests not as a plain client's: %q", site.odd)
	}

	t.Run("file mapping", func(t *testing.T) {
		for p, f := range sitePaths {
			if got := readFile(t, filepath.Join(dir, f)); got != bodies[p] {
				t.Errorf("%s: %s holds %.40q, want the body", p, f, got)
			}
		}
	})

	t.Run("gzip copies", func(t *testing.T) {
		for p, f := range sitePaths {
			got, hdr := gunzip(t, filepath.Join(dir, f+".gz"))
			if got != bodies[p] {
				t.Errorf("%s.gz decompresses to %.40q, want the body", f, got)
			}
			if hdr.Name != "" || hdr.Comment != "" || !hdr.ModTime.IsZero() || hdr.Extra != nil {
				t.Errorf("%s.gz header %+v, want an empty one", f, hdr)
			}
			raw := []byte(readFile(t, filepath.Join(dir, f+".gz")))
			if !bytes.Equal(raw[4:8], []byte{0, 0, 0, 0}) {
				t.Errorf("%s.gz MTIME bytes %v", f, raw[4:8])
			}
			if raw[8] != 2 { // XFL: best compression
				t.Errorf("%s.gz XFL = %d, want 2 (best compression)", f, raw[8])
			}
			if len(raw) >= len(bodies[p]) {
				t.Errorf("%s.gz is %d bytes for %d", f, len(raw), len(bodies[p]))
			}
		}
	})

	t.Run("deterministic", func(t *testing.T) {
		dir2 := t.TempDir()
		if _, err := write(t, dir2, site, keys(sitePaths)); err != nil {
			t.Fatal(err)
		}
		for _, f := range files(t, dir) {
			if readFile(t, filepath.Join(dir, f)) != readFile(t, filepath.Join(dir2, f)) {
				t.Errorf("%s differs between two exports", f)
			}
		}
	})

	t.Run("no temporary files, a manifest", func(t *testing.T) {
		var want []string
		for _, f := range sitePaths {
			want = append(want, f, f+".gz")
		}
		slices.Sort(want)
		manifest := strings.Join(want, "\n") + "\n"
		want = append(want, export.ManifestName)
		slices.Sort(want)
		if got := files(t, dir); !slices.Equal(got, want) {
			t.Errorf("files:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if got := readFile(t, filepath.Join(dir, export.ManifestName)); got != manifest {
			t.Errorf("manifest:\n%s\nwant:\n%s", got, manifest)
		}
	})
}

func TestWrite_Unchanged(t *testing.T) {
	dir := t.TempDir()
	site := newTestSite(siteBodies())
	paths := keys(sitePaths)
	if _, err := write(t, dir, site, paths); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	for _, f := range files(t, dir) {
		if err := os.Chtimes(filepath.Join(dir, f), old, old); err != nil {
			t.Fatal(err)
		}
	}
	checkTimes := func(t *testing.T, moved ...string) {
		t.Helper()
		for _, f := range files(t, dir) {
			got := mtime(t, filepath.Join(dir, f))
			if want := !slices.Contains(moved, f); got.Equal(old) != want {
				t.Errorf("%s: mtime %v, old one kept: %v, want %v", f, got, got.Equal(old), want)
			}
		}
	}

	t.Run("same bytes", func(t *testing.T) {
		res, err := write(t, dir, site, paths)
		if err != nil {
			t.Fatal(err)
		}
		if want := (export.Result{Unchanged: len(paths)}); res != want {
			t.Errorf("Result = %+v, want %+v", res, want)
		}
		checkTimes(t) // the manifest too: it lists the same files
	})

	t.Run("one changed", func(t *testing.T) {
		site.set("/posts/abc", "new body")
		res, err := write(t, dir, site, paths)
		if err != nil {
			t.Fatal(err)
		}
		if want := (export.Result{Written: 1, Unchanged: len(paths) - 1}); res != want {
			t.Errorf("Result = %+v, want %+v", res, want)
		}
		checkTimes(t, "posts/abc/index.html", "posts/abc/index.html.gz")
		if got := readFile(t, filepath.Join(dir, "posts/abc/index.html")); got != "new body" {
			t.Errorf("file holds %q", got)
		}
		if got, _ := gunzip(t, filepath.Join(dir, "posts/abc/index.html.gz")); got != "new body" {
			t.Errorf(".gz holds %q", got)
		}
		for _, f := range []string{"posts/abc/index.html", "posts/abc/index.html.gz"} {
			if err := os.Chtimes(filepath.Join(dir, f), old, old); err != nil {
				t.Fatal(err)
			}
		}
	})

	// A missing or stale .gz is written again; its file stays as it is.
	for name, spoil := range map[string]func(string) error{
		"gz missing": os.Remove,
		"gz corrupt": func(f string) error { return os.WriteFile(f, []byte("not gzip"), 0o644) },
		"gz of another body": func(f string) error {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			io.WriteString(zw, "another body")
			zw.Close()
			return os.WriteFile(f, b.Bytes(), 0o644)
		},
		"gz of a longer body": func(f string) error {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			io.WriteString(zw, readFile(t, filepath.Join(dir, "feeds/posts.atom"))+"x")
			zw.Close()
			return os.WriteFile(f, b.Bytes(), 0o644)
		},
	} {
		t.Run(name, func(t *testing.T) {
			gz := filepath.Join(dir, "feeds/posts.atom.gz")
			if err := spoil(gz); err != nil {
				t.Fatal(err)
			}
			os.Chtimes(gz, old, old)
			res, err := write(t, dir, site, paths)
			if err != nil {
				t.Fatal(err)
			}
			if want := (export.Result{Written: 1, Unchanged: len(paths) - 1}); res != want {
				t.Errorf("Result = %+v, want %+v", res, want)
			}
			checkTimes(t, "feeds/posts.atom.gz")
			if got, _ := gunzip(t, gz); got != readFile(t, filepath.Join(dir, "feeds/posts.atom")) {
				t.Errorf(".gz holds %.40q", got)
			}
			if err := os.Chtimes(gz, old, old); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestWrite_RemovesOnlyManifestFiles(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "site")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bodies := siteBodies()
	bodies["/posts/gone"] = "a post deleted later"
	bodies["/posts/shared"] = "a post whose directory holds a file of someone else's"
	site := newTestSite(bodies)
	if _, err := write(t, dir, site, keys(bodies)); err != nil {
		t.Fatal(err)
	}
	// Files the export did not write, in its directories and beside them.
	mine := []string{"keep.txt", "posts/mine.html", "posts/shared/notes.txt", "feeds/posts.atom.bak", ".well-known/x"}
	for _, f := range mine {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, f), []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	outside := filepath.Join(parent, "outside.txt")
	if err := os.WriteFile(outside, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A manifest edited to name files outside or in odd spellings.
	m, err := os.OpenFile(filepath.Join(dir, export.ManifestName), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(m, "../outside.txt\n"+outside+"\nposts/../keep.txt\n./keep.txt\nposts//mine.html\n.\n"+export.ManifestName+"\n")
	m.Close()

	// The two posts are gone.
	res, err := write(t, dir, site, keys(sitePaths))
	if err != nil {
		t.Fatal(err)
	}
	if want := (export.Result{Unchanged: len(sitePaths), Removed: 4}); res != want {
		t.Errorf("Result = %+v, want %+v", res, want)
	}
	var want []string
	for _, f := range sitePaths {
		want = append(want, f, f+".gz")
	}
	want = append(want, mine...)
	want = append(want, export.ManifestName)
	slices.Sort(want)
	if got := files(t, dir); !slices.Equal(got, want) {
		t.Errorf("files:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := os.Stat(filepath.Join(dir, "posts/gone")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the emptied directory posts/gone stays: %v", err)
	}
	if _, err := os.Stat(outside); err != nil {
		t.Errorf("a file outside the directory went: %v", err)
	}
	manifest := readFile(t, filepath.Join(dir, export.ManifestName))
	for _, f := range append(mine, "../outside.txt", "posts/gone/index.html") {
		if strings.Contains("\n"+manifest, "\n"+f+"\n") {
			t.Errorf("the manifest lists %s", f)
		}
	}

	t.Run("no manifest, nothing removed", func(t *testing.T) {
		if err := os.Remove(filepath.Join(dir, export.ManifestName)); err != nil {
			t.Fatal(err)
		}
		res, err := write(t, dir, site, []string{"/"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Removed != 0 {
			t.Errorf("Removed = %d", res.Removed)
		}
		if got, want := len(files(t, dir)), len(want); got != want {
			t.Errorf("%d files, want %d", got, want)
		}
	})
}

func TestWrite_Failures(t *testing.T) {
	dir := t.TempDir()
	bodies := siteBodies()
	site := newTestSite(bodies)
	paths := append(keys(sitePaths), "/posts/missing")
	res, err := write(t, dir, site, paths)
	if want := (export.Result{Written: len(sitePaths), Failed: 1}); res != want {
		t.Errorf("Result = %+v, want %+v", res, want)
	}
	if err == nil || !strings.Contains(err.Error(), "/posts/missing") || !strings.Contains(err.Error(), "404") {
		t.Errorf("err = %v, want the 404 of /posts/missing", err)
	}
	for p, f := range sitePaths {
		if got := readFile(t, filepath.Join(dir, f)); got != bodies[p] {
			t.Errorf("%s not written", f)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "posts/missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("posts/missing: %v", err)
	}

	t.Run("a failing path keeps its files", func(t *testing.T) {
		site.fail("/posts/abc", http.StatusInternalServerError)
		res, err := write(t, dir, site, keys(sitePaths))
		if want := (export.Result{Unchanged: len(sitePaths) - 1, Failed: 1}); res != want {
			t.Errorf("Result = %+v, want %+v", res, want)
		}
		if err == nil || !strings.Contains(err.Error(), "/posts/abc: status 500") {
			t.Errorf("err = %v", err)
		}
		if got := readFile(t, filepath.Join(dir, "posts/abc/index.html")); got != bodies["/posts/abc"] {
			t.Errorf("the failed path's file holds %.40q", got)
		}
		// Still listed, so that it goes when the path does.
		var rest []string
		for _, p := range keys(sitePaths) {
			if p != "/posts/abc" {
				rest = append(rest, p)
			}
		}
		res, err = write(t, dir, site, rest)
		if err != nil || res.Removed != 2 {
			t.Errorf("Result = %+v, %v; want 2 removed", res, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "posts/abc")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("posts/abc: %v", err)
		}
	})

	t.Run("a file that cannot be written", func(t *testing.T) {
		// A directory of someone else's where the file goes: the .gz is
		// written, and listed so that it goes with the path.
		blocked := filepath.Join(dir, "feeds/blocked.atom")
		if err := os.MkdirAll(blocked, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(blocked, "mine"), []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
		site.set("/feeds/blocked.atom", "blocked")
		res, err := write(t, dir, site, []string{"/", "/feeds/blocked.atom"})
		if err == nil || res.Failed != 1 || !strings.Contains(err.Error(), "/feeds/blocked.atom") {
			t.Errorf("Result = %+v, %v", res, err)
		}
		manifest := readFile(t, filepath.Join(dir, export.ManifestName))
		if want := "feeds/blocked.atom.gz\nindex.html\nindex.html.gz\n"; manifest != want {
			t.Errorf("manifest:\n%s\nwant:\n%s", manifest, want)
		}
		res, err = write(t, dir, site, []string{"/"})
		if err != nil || res.Removed != 1 {
			t.Errorf("Result = %+v, %v", res, err)
		}
		if got := readFile(t, filepath.Join(blocked, "mine")); got != "mine" {
			t.Errorf("someone else's file holds %q", got)
		}
		if _, err := os.Stat(blocked + ".gz"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the .gz stays: %v", err)
		}
	})

	t.Run("canceled: nothing removed", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		before := files(t, dir)
		if !slices.Contains(before, "index.html") {
			t.Fatalf("files %v", before)
		}
		res, err := export.Write(ctx, dir, site, []string{"/feeds/posts.atom"}, nil)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
		if res != (export.Result{}) {
			t.Errorf("Result = %+v", res)
		}
		if got := files(t, dir); !slices.Equal(got, before) {
			t.Errorf("files %v, want %v", got, before)
		}
		// The manifest still lists them: the next export removes them.
		site.set("/feeds/posts.atom", "posts")
		res, err = write(t, dir, site, []string{"/feeds/posts.atom"})
		if err != nil || res.Removed != 2 {
			t.Errorf("Result = %+v, %v", res, err)
		}
	})
}

func TestWrite_BadPaths(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "site")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// A symbolic link in the directory to outside it.
	if err := os.Mkdir(filepath.Join(parent, "elsewhere"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(parent, "elsewhere"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	site := newTestSite(map[string]string{})
	for _, tc := range []struct {
		name string
		path string
		also string // a path that comes first, when the bad one clashes with it
	}{
		{"empty", "", ""},
		{"relative", "x.txt", ""},
		{"dot dot", "/../x.txt", ""},
		{"dot dot inside", "/a/../../x.txt", ""},
		{"dot dot at the end", "/a/..", ""},
		{"encoded dot dot", "/%2e%2e/x.txt", ""},
		{"encoded dot dot, upper case", "/a/%2E%2E/%2E%2E/x.txt", ""},
		{"dot", "/./x.txt", ""},
		{"double slash", "//etc/passwd", ""},
		{"empty segment", "/a//x.txt", ""},
		{"trailing slash", "/posts/", ""},
		{"encoded slash", "/a%2f..%2f..%2fx.txt", ""},
		{"backslash", `/..\x.txt`, ""},
		{"encoded backslash", "/..%5cx.txt", ""},
		{"query", "/x.txt?a=1", ""},
		{"fragment", "/x.txt#a", ""},
		{"space", "/a b.txt", ""},
		{"NUL", "/a\x00.txt", ""},
		{"encoded NUL", "/a%00.txt", ""},
		{"newline", "/a%0a.txt", ""},
		{"raw non-ASCII", "/é.txt", ""},
		{"bad escape", "/a%zz.txt", ""},
		{"manifest", "/" + export.ManifestName, ""},
		{"temporary file name", "/.feedd-tmp-1.txt", ""},
		{"absolute URL", "https://example.org/x.txt", ""},
		{"same file as another", "/index.html", "/"},
		{"its gzip copy is another's file", "/a.atom", "/a.atom.gz"},
		{"its file is another's gzip copy", "/a.atom.gz", "/a.atom"},
		{"through a symbolic link out", "/link/x.txt", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, p := range []string{tc.path, tc.also} {
				site.set(p, "body")
			}
			paths := []string{"/ok.txt", tc.path}
			allowed := []string{export.ManifestName, "link", "ok.txt", "ok.txt.gz"}
			if tc.also != "" {
				paths = []string{"/ok.txt", tc.also, tc.path}
				f := strings.TrimPrefix(tc.also, "/")
				if f == "" {
					f = "index.html"
				}
				allowed = append(allowed, f, f+".gz")
			}
			site.set("/ok.txt", "ok")
			res, err := write(t, dir, site, paths)
			if res.Written+res.Unchanged != len(paths)-1 || res.Failed != 1 {
				t.Errorf("Result = %+v, want %d exported and 1 failed", res, len(paths)-1)
			}
			if err == nil || !strings.Contains(err.Error(), "export") {
				t.Errorf("err = %v", err)
			}
			if got := readFile(t, filepath.Join(dir, "ok.txt")); got != "ok" {
				t.Errorf("the good path is not exported: %q", got)
			}
			for _, f := range files(t, parent) {
				if f, ok := strings.CutPrefix(f, "site/"); !ok || !slices.Contains(allowed, f) {
					t.Errorf("a file not of the good paths: %s", f)
				}
			}
		})
	}
}

func TestWrite_BadInput(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	site := newTestSite(siteBodies())
	for _, tc := range []struct {
		name  string
		dir   string
		h     http.Handler
		paths []string
	}{
		{"no directory", "", site, keys(sitePaths)},
		{"missing directory", filepath.Join(t.TempDir(), "nope"), site, keys(sitePaths)},
		{"a file", file, site, keys(sitePaths)},
		{"below a file", filepath.Join(file, "sub"), site, keys(sitePaths)},
		{"no handler", t.TempDir(), nil, keys(sitePaths)},
		{"no paths", t.TempDir(), site, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := export.Write(context.Background(), tc.dir, tc.h, tc.paths, nil)
			if err == nil {
				t.Fatal("no error")
			}
			if res != (export.Result{}) {
				t.Errorf("Result = %+v", res)
			}
		})
	}
	t.Run("unreadable manifest", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, export.ManifestName), 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := export.Write(context.Background(), dir, site, keys(sitePaths), nil); err == nil {
			t.Fatal("no error")
		}
		if got := files(t, dir); len(got) != 0 {
			t.Errorf("files written: %v", got)
		}
	})
}
