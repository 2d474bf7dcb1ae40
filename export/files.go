package export

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path"
	"slices"
	"strings"
)

// tmpPrefix starts the names of the temporary files that a file is
// written to before it is renamed into place.
const tmpPrefix = ".feedd-tmp-"

// job is one path to export and the file it maps to.
type job struct {
	path string // as given, the request target
	file string // relative to the export directory, slash-separated
}

// files returns the files j writes: its file and the gzip copy.
func (j job) files() []string { return []string{j.file, j.gz()} }

func (j job) gz() string { return j.file + ".gz" }

// plan maps paths to files, dropping repeated paths and refusing invalid
// ones and those whose files another path (earlier in paths) claimed.
func plan(paths []string) ([]job, []error) {
	var jobs []job
	var errs []error
	seen := make(map[string]bool, len(paths))
	claimed := make(map[string]string, 2*len(paths)) // file: path
	for _, p := range paths {
		if seen[p] {
			continue
		}
		seen[p] = true
		file, err := fileFor(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("export %q: %w", p, err))
			continue
		}
		j := job{path: p, file: file}
		if q, ok := claimed[j.file]; ok {
			errs = append(errs, fmt.Errorf("export %s: maps to the file %s, as %s does", p, j.file, q))
			continue
		}
		if q, ok := claimed[j.gz()]; ok {
			errs = append(errs, fmt.Errorf("export %s: its copy %s is the file of %s", p, j.gz(), q))
			continue
		}
		for _, f := range j.files() {
			claimed[f] = p
		}
		jobs = append(jobs, j)
	}
	return jobs, errs
}

// fileFor returns the file, relative to the export directory, that the
// URL path p maps to: index.html for "/", {p}/index.html when p's last
// segment has no extension, else p itself. It refuses any p that is not
// a clean absolute path of percent-encoded ASCII without a query or
// fragment, so that no p names a file outside the directory, two spellings
// of a path do not map to one file, and p is a valid request target.
func fileFor(p string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		return "", errors.New("not an absolute path")
	}
	for i := 0; i < len(p); i++ {
		switch b := p[i]; {
		case b == '?' || b == '#':
			return "", errors.New("has a query or fragment")
		case b <= ' ' || b >= 0x7f || b == '\\':
			return "", fmt.Errorf("invalid character %q", p[i:i+1])
		}
	}
	if l := strings.ToLower(p); strings.Contains(l, "%2f") || strings.Contains(l, "%5c") {
		return "", errors.New("has an encoded slash or backslash")
	}
	u, err := url.ParseRequestURI(p)
	if err != nil {
		return "", errors.New("invalid escape")
	}
	if u.Path == "/" {
		return "index.html", nil
	}
	segs := strings.Split(u.Path[1:], "/")
	for _, s := range segs {
		switch {
		case s == "":
			return "", errors.New("empty segment or trailing slash")
		case s == "." || s == "..":
			return "", errors.New("dot segment")
		case strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }):
			return "", errors.New("control character")
		}
	}
	file := u.Path[1:]
	if path.Ext(segs[len(segs)-1]) == "" {
		file += "/index.html"
	}
	if file == ManifestName || strings.HasPrefix(path.Base(file), tmpPrefix) {
		return "", fmt.Errorf("maps to the reserved file %s", file)
	}
	if !fs.ValidPath(file) { // what the checks above ensure
		return "", errors.New("invalid path")
	}
	return file, nil
}

// store writes j's files for body unless they hold it already, and
// reports whether it wrote. The .gz goes first: an export cut short
// leaves at worst a new .gz beside an old file, which the next one
// rewrites, as the file differs.
func (e *exporter) store(j job, body []byte) (changed bool, err error) {
	old, err := e.root.ReadFile(j.file)
	same := err == nil && bytes.Equal(old, body)
	if same && gzipHolds(e.root, j.gz(), body) {
		return false, nil
	}
	gz, err := compress(body)
	if err != nil {
		return false, err
	}
	if err := e.write(j.gz(), gz); err != nil {
		return false, err
	}
	if !same {
		if err := e.write(j.file, body); err != nil {
			return false, err
		}
	}
	return true, nil
}

// write writes a file atomically and notes its directory for syncDirs.
func (e *exporter) write(name string, data []byte) error {
	if err := writeAtomic(e.root, name, data); err != nil {
		return err
	}
	e.dirs[path.Dir(name)] = true
	e.wrote[name] = true
	return nil
}

// syncDirs syncs the directories files were renamed into, so that the
// renames survive a crash.
func (e *exporter) syncDirs() error {
	dirs := make([]string, 0, len(e.dirs))
	for d := range e.dirs {
		dirs = append(dirs, d)
	}
	slices.Sort(dirs)
	var errs []error
	for _, d := range dirs {
		errs = append(errs, syncDir(e.root, d))
	}
	return errors.Join(errs...)
}

func syncDir(root *os.Root, dir string) error {
	f, err := root.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// writeAtomic writes data to name below root: to a new temporary file in
// name's directory (made when missing), synced, then renamed over name, so
// that a reader sees the old file or the new one, never a part.
func writeAtomic(root *os.Root, name string, data []byte) error {
	dir := path.Dir(name)
	if dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	var rnd [8]byte
	rand.Read(rnd[:])
	tmp := path.Join(dir, tmpPrefix+hex.EncodeToString(rnd[:]))
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = root.Rename(tmp, name)
	}
	if err != nil {
		_ = root.Remove(tmp)
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// compress returns body gzipped at the best compression, with an empty
// header (no name, zero mtime), so that the same body always gives the
// same bytes.
func compress(body []byte) ([]byte, error) {
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// gzipHolds reports whether the file name is a gzip stream of body.
func gzipHolds(root *os.Root, name string, body []byte) bool {
	f, err := root.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return false
	}
	// One byte over body's length tells a longer stream; reading to the
	// end checks the CRC.
	got, err := io.ReadAll(io.LimitReader(zr, int64(len(body))+1))
	return err == nil && bytes.Equal(got, body)
}

// readManifest returns the files the previous export listed, skipping
// lines that could not have been written there.
func readManifest(root *os.Root, log *slog.Logger) (map[string]bool, error) {
	files := map[string]bool{}
	data, err := root.ReadFile(ManifestName)
	if errors.Is(err, fs.ErrNotExist) {
		return files, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		switch {
		case line == "":
		case !fs.ValidPath(line) || line == "." || line == ManifestName || strings.Contains(line, "\\"):
			log.Warn("export manifest: ignoring invalid line", "line", line)
		default:
			files[line] = true
		}
	}
	return files, nil
}

// writeManifest lists files in the manifest, sorted, unless it lists
// exactly them already.
func writeManifest(root *os.Root, files map[string]bool) error {
	names := make([]string, 0, len(files))
	for f := range files {
		names = append(names, f)
	}
	slices.Sort(names)
	var b bytes.Buffer
	for _, n := range names {
		b.WriteString(n)
		b.WriteByte('\n')
	}
	if old, err := root.ReadFile(ManifestName); err == nil && bytes.Equal(old, b.Bytes()) {
		return nil
	}
	if err := writeAtomic(root, ManifestName, b.Bytes()); err != nil {
		return err
	}
	return syncDir(root, ".")
}

// removeStale removes the regular files of prev that are not kept, and
// the directories they leave empty, up to the export directory. A file
// it fails to remove is kept, to be tried again next time. It returns the
// number of files removed.
func removeStale(root *os.Root, prev, kept map[string]bool, log *slog.Logger) (int, error) {
	var stale []string
	for f := range prev {
		if !kept[f] {
			stale = append(stale, f)
		}
	}
	slices.Sort(stale)
	n := 0
	var errs []error
	for _, f := range stale {
		fi, err := root.Lstat(f)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			kept[f] = true
			errs = append(errs, fmt.Errorf("remove %s: %w", f, err))
			continue
		case !fi.Mode().IsRegular():
			// Not what an export writes: someone put it there.
			log.Warn("export: not removing a listed file that is no longer a regular file", "file", f)
			continue
		}
		if err := root.Remove(f); err != nil {
			kept[f] = true
			errs = append(errs, fmt.Errorf("remove %s: %w", f, err))
			continue
		}
		n++
		log.Debug("export: removed", "file", f)
		// Remove fails on a directory that is not empty, which ends the
		// walk; a symbolic link is not a directory the export made.
		for d := path.Dir(f); d != "."; d = path.Dir(d) {
			if fi, err := root.Lstat(d); err != nil || !fi.IsDir() || root.Remove(d) != nil {
				break
			}
		}
	}
	return n, errors.Join(errs...)
}
