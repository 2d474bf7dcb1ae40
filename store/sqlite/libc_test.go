package sqlite

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"testing"
)

// TestLibcMatchesSQLite fails when the modernc.org/libc linked into feedd is
// not the version modernc.org/sqlite's go.mod requires. That SQLite is C
// translated to Go against one exact libc; with another version it may
// build and still corrupt memory, so a bump that moves libc alone (go get -u,
// a dependency's newer requirement) must not pass unnoticed.
func TestLibcMatchesSQLite(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("go tool unavailable: %v", err)
	}
	linked := linkedModules()
	if linked["modernc.org/sqlite"] == "" || linked["modernc.org/libc"] == "" {
		// Test binaries of non-main packages carry no module list
		// (golang/go#33976), so ask the go command which versions it
		// resolved for this very test build.
		linked = listedModules(t, goTool)
	}
	sqliteVersion, libcVersion := linked["modernc.org/sqlite"], linked["modernc.org/libc"]
	if sqliteVersion == "" || libcVersion == "" {
		t.Fatalf("cannot tell the linked modernc.org/sqlite (%q) and modernc.org/libc (%q)", sqliteVersion, libcVersion)
	}

	out := goCommand(t, goTool, "list", "-m", "-json", "modernc.org/sqlite@"+sqliteVersion)
	var mod struct{ GoMod string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.GoMod == "" {
		t.Fatalf("go list -m -json: no GoMod in %s (%v)", out, err)
	}
	required, err := requiredVersion(mod.GoMod, "modernc.org/libc")
	if err != nil {
		t.Fatal(err)
	}
	if libcVersion != required {
		t.Errorf("modernc.org/libc %s is linked, but modernc.org/sqlite %s requires exactly %s; "+
			"pin it with go get modernc.org/libc@%s", libcVersion, sqliteVersion, required, required)
	}
}

// linkedModules returns the version of each module linked into the running
// binary, by module path, as its build info records them.
func linkedModules() map[string]string {
	linked := make(map[string]string)
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return linked
	}
	for _, m := range info.Deps {
		if m.Replace != nil {
			m = m.Replace
		}
		linked[m.Path] = m.Version
	}
	return linked
}

// listedModules returns the version of each module that the go command
// builds this package's tests with, by module path.
func listedModules(t *testing.T, goTool string) map[string]string {
	t.Helper()
	const format = `{{with .Module}}{{.Path}} {{.Version}}{{with .Replace}} {{.Version}}{{end}}{{end}}`
	out := goCommand(t, goTool, "list", "-deps", "-test", "-f", format, ".")
	linked := make(map[string]string)
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		switch len(f) {
		case 2:
			linked[f[0]] = f[1]
		case 3: // replaced: the replacement's version is the one built
			linked[f[0]] = f[2]
		}
	}
	return linked
}

// goCommand runs the go tool with args and returns its standard output.
func goCommand(t *testing.T, goTool string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(goTool, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// requiredVersion returns the version of module that the go.mod file at
// path requires.
func requiredVersion(path, module string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	// A requirement reads "require m v", or "m v" inside a require block.
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 0 && fields[0] == "require" {
			fields = fields[1:]
		}
		if len(fields) >= 2 && fields[0] == module {
			return fields[1], nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return "", fmt.Errorf("%s requires no %s", path, module)
}

func TestRequiredVersion(t *testing.T) {
	path := t.TempDir() + "/go.mod"
	const gomod = "module m\n\ngo 1.26\n\nrequire example.com/a v1.0.0\n\nrequire (\n\tmodernc.org/libc v1.2.3\n\tmodernc.org/libcx v9.9.9 // indirect\n)\n"
	if err := os.WriteFile(path, []byte(gomod), 0o666); err != nil {
		t.Fatal(err)
	}
	for module, want := range map[string]string{"modernc.org/libc": "v1.2.3", "example.com/a": "v1.0.0"} {
		if got, err := requiredVersion(path, module); got != want || err != nil {
			t.Errorf("requiredVersion(%s) = %q, %v; want %q", module, got, err, want)
		}
	}
	if got, err := requiredVersion(path, "example.com/none"); err == nil {
		t.Errorf("requiredVersion of an absent module = %q, want an error", got)
	}
}
