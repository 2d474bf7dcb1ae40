package deploy_test

import (
	"bufio"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"
)

// repoRoot is the repository, the Docker build context.
const repoRoot = ".."

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildOut  []byte
)

// feeddBinary builds cmd/feedd as the Dockerfile does (CGO_ENABLED=0),
// once per test run.
func feeddBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "feedd-deploy-test-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "feedd")
		cmd := exec.Command("go", "build", "-trimpath", "-o", binPath, "./cmd/feedd")
		cmd.Dir = repoRoot
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		buildOut, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("CGO_ENABLED=0 go build ./cmd/feedd: %v\n%s", buildErr, buildOut)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// The binary builds without cgo and is static: no ELF interpreter, no
// shared libraries, so it runs on distroless/static.
func TestStaticBinary(t *testing.T) {
	f, err := elf.Open(feeddBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary names a dynamic loader (PT_INTERP): not static")
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("shared libraries %v (%v)", libs, err)
	}
}

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	line int
	cmd  string // upper case
	args string
}

func parseDockerfile(t *testing.T, path string) []instruction {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		out  []instruction
		cur  strings.Builder
		from int
	)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if cur.Len() == 0 {
			from = n
		}
		if s, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{from, strings.ToUpper(cmd), strings.TrimSpace(args)})
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDockerfile(t *testing.T) {
	ins := parseDockerfile(t, filepath.Join(repoRoot, "Dockerfile"))
	var (
		stages                                          []string
		final                                           []instruction // the last stage's
		sawUser, sawHealth, sawVolume, sawCGO, sawEntry bool
		binaryDest                                      string
	)
	for _, in := range ins {
		switch in.cmd {
		case "FROM":
			stages = append(stages, in.args)
			final = nil
		case "RUN":
			if strings.Contains(in.args, "CGO_ENABLED=0 go build") {
				sawCGO = true
			}
		case "COPY":
			fields := strings.Fields(in.args)
			var srcs []string
			fromStage := false
			for _, f := range fields {
				if strings.HasPrefix(f, "--from=") {
					fromStage = true
				}
				if !strings.HasPrefix(f, "--") {
					srcs = append(srcs, f)
				}
			}
			if len(srcs) < 2 {
				t.Errorf("line %d: COPY %s: want sources and a destination", in.line, in.args)
				continue
			}
			dest := srcs[len(srcs)-1]
			if fromStage {
				if srcs[0] == "/out/feedd" {
					binaryDest = dest
				}
				continue
			}
			for _, src := range srcs[:len(srcs)-1] {
				if _, err := os.Stat(filepath.Join(repoRoot, src)); err != nil {
					t.Errorf("line %d: COPY source %s is not in the repository: %v", in.line, src, err)
				}
				if ignoredByDockerignore(t, src) {
					t.Errorf("line %d: COPY source %s is excluded by .dockerignore", in.line, src)
				}
			}
		}
		if len(stages) > 0 {
			final = append(final, in)
		}
	}
	if len(stages) < 2 {
		t.Errorf("stages %q: want a build stage and a runtime stage", stages)
	}
	if !sawCGO {
		t.Error("no RUN builds with CGO_ENABLED=0")
	}
	if binaryDest != "/usr/local/bin/feedd" {
		t.Errorf("the binary is copied to %q, want /usr/local/bin/feedd", binaryDest)
	}
	for _, in := range final {
		switch in.cmd {
		case "USER":
			sawUser = true
			user, group, _ := strings.Cut(in.args, ":")
			uid, err := strconv.Atoi(user)
			if err != nil || uid == 0 {
				t.Errorf("USER %s: want a numeric, non-root user", in.args)
			}
			if group != "" {
				if gid, err := strconv.Atoi(group); err != nil || gid == 0 {
					t.Errorf("USER %s: want a numeric, non-root group", in.args)
				}
			}
		case "HEALTHCHECK":
			sawHealth = true
			_, cmd, ok := strings.Cut(in.args, "CMD ")
			if !ok || !strings.Contains(cmd, `["/usr/local/bin/feedd","healthcheck"`) {
				t.Errorf("HEALTHCHECK %s: want the binary's healthcheck command in exec form", in.args)
			}
		case "VOLUME":
			sawVolume = strings.Contains(in.args, `"/data"`) || strings.Fields(in.args)[0] == "/data"
		case "ENTRYPOINT":
			sawEntry = strings.Contains(in.args, `"/usr/local/bin/feedd"`)
		}
	}
	if !sawUser {
		t.Error("the image runs as root: no USER")
	}
	if !sawHealth {
		t.Error("no HEALTHCHECK")
	}
	if !sawVolume {
		t.Error("no VOLUME /data")
	}
	if !sawEntry {
		t.Error("ENTRYPOINT does not run /usr/local/bin/feedd")
	}
}

// ignoredByDockerignore reports whether .dockerignore excludes path, for
// the simple patterns it holds (no negations).
func ignoredByDockerignore(t *testing.T, path string) bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, ".dockerignore"))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		p := strings.TrimPrefix(strings.TrimSpace(line), "/")
		if p == "" || strings.HasPrefix(p, "#") || p == "." {
			continue
		}
		if ok, _ := filepath.Match(p, path); ok {
			return true
		}
		if ok, _ := filepath.Match(p, filepath.Base(path)); ok && !strings.Contains(p, "/") {
			return true
		}
	}
	return false
}

// composeFile is what the test reads of compose.yaml.
type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       any               `yaml:"build"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		Ports       []string          `yaml:"ports"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Healthcheck *struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

func TestCompose(t *testing.T) {
	b, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	var feedds, postgres []string
	for name, s := range c.Services {
		switch {
		case strings.HasPrefix(s.Image, "postgres:"):
			postgres = append(postgres, name)
			if s.Image != "postgres:15" {
				t.Errorf("%s: image %s, want postgres:15", name, s.Image)
			}
			if s.Healthcheck == nil || !strings.Contains(strings.Join(s.Healthcheck.Test, " "), "pg_isready") {
				t.Errorf("%s: no pg_isready healthcheck", name)
			}
			checkMounts(t, name, s.Volumes)
		case s.Build != nil:
			feedds = append(feedds, name)
		}
	}
	slices.Sort(feedds)
	if len(postgres) != 1 || len(feedds) != 2 {
		t.Fatalf("services: feedd %v, postgres %v; want two feedd and one postgres", feedds, postgres)
	}
	ports := map[string]bool{}
	for _, name := range feedds {
		s := c.Services[name]
		if len(s.Ports) != 1 {
			t.Errorf("%s: ports %v, want one", name, s.Ports)
		} else {
			host, _, _ := strings.Cut(s.Ports[0], ":")
			ports[host] = true
		}
		if s.DependsOn[postgres[0]].Condition != "service_healthy" {
			t.Errorf("%s: does not wait for %s to be healthy", name, postgres[0])
		}
		dsn := s.Environment["FEEDD_DSN"]
		if !strings.HasPrefix(dsn, "postgres://") || !strings.Contains(dsn, "@"+postgres[0]+":5432/") {
			t.Errorf("%s: FEEDD_DSN %q does not name the %s service", name, dsn, postgres[0])
		}
		config := ""
		for _, v := range s.Volumes {
			if src, rest, ok := strings.Cut(v, ":"); ok && strings.HasPrefix(rest, "/etc/feedd/config.yaml") {
				if !strings.HasSuffix(rest, ":ro") {
					t.Errorf("%s: the configuration %s is mounted writable", name, v)
				}
				config = src
			}
		}
		checkMounts(t, name, s.Volumes)
		if config == "" {
			t.Errorf("%s: no configuration mounted at /etc/feedd/config.yaml", name)
			continue
		}
		store := readConfig(t, config).Store
		if store.Driver != "postgres" || store.DSN != "${FEEDD_DSN}" {
			t.Errorf("%s: %s has store %+v, want driver postgres and dsn ${FEEDD_DSN}", name, config, store)
		}
		if !slices.Contains(s.Command, "serve") {
			t.Errorf("%s: command %v does not serve", name, s.Command)
		}
	}
	if len(ports) != 2 || !ports["8081"] || !ports["8082"] {
		t.Errorf("published ports %v, want 8081 and 8082", ports)
	}
	if c.Services[feedds[0]].Environment["FEEDD_DSN"] != c.Services[feedds[1]].Environment["FEEDD_DSN"] {
		t.Error("the replicas have different DSNs")
	}
}

// checkMounts fails for a bind mount whose source is not in deploy/.
func checkMounts(t *testing.T, service string, volumes []string) {
	t.Helper()
	for _, v := range volumes {
		src, _, _ := strings.Cut(v, ":")
		if !strings.HasPrefix(src, ".") {
			continue // a named volume
		}
		if _, err := os.Stat(src); err != nil {
			t.Errorf("%s: mount source %s: %v", service, src, err)
		}
	}
}

// feeddConfig is what the tests read of a feedd configuration file.
type feeddConfig struct {
	Listen string `yaml:"listen"`
	Store  struct {
		Driver string `yaml:"driver"`
		DSN    string `yaml:"dsn"`
	} `yaml:"store"`
}

func readConfig(t *testing.T, path string) feeddConfig {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c feeddConfig
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return c
}

// The image's configuration keeps the database in the volume.
func TestImageConfig(t *testing.T) {
	c := readConfig(t, "config.yaml")
	if c.Store.Driver != "sqlite" || !strings.HasPrefix(c.Store.DSN, "/data/") {
		t.Errorf("config.yaml store %+v, want SQLite in /data", c.Store)
	}
	if c.Listen != "0.0.0.0:8080" {
		t.Errorf("config.yaml listen %q, want 0.0.0.0:8080 (EXPOSE, HEALTHCHECK)", c.Listen)
	}
}

// unit is a systemd unit file: key to values, in order, across sections.
type unit map[string][]string

func parseUnit(t *testing.T, path string) unit {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	u := unit{}
	section := ""
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Errorf("%s: line %q is not KEY=VALUE", path, line)
				continue
			}
			u[section+"."+k] = append(u[section+"."+k], v)
		}
	}
	return u
}

func TestSystemdUnit(t *testing.T) {
	u := parseUnit(t, "feedd.service")
	for key, want := range map[string]string{
		"Service.NoNewPrivileges":         "yes",
		"Service.ProtectSystem":           "strict",
		"Service.ProtectHome":             "yes",
		"Service.PrivateTmp":              "yes",
		"Service.PrivateDevices":          "yes",
		"Service.RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
		"Service.CapabilityBoundingSet":   "",
		"Service.MemoryDenyWriteExecute":  "yes",
		"Service.LockPersonality":         "yes",
		"Service.Restart":                 "on-failure",
		"Service.EnvironmentFile":         "-/etc/feedd/env",
		"Service.StateDirectory":          "feedd",
		"Install.WantedBy":                "multi-user.target",
	} {
		if got, ok := u[key]; !ok || !slices.Contains(got, want) {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	if !slices.Contains(u["Service.SystemCallFilter"], "@system-service") {
		t.Errorf("SystemCallFilter = %q, want @system-service", u["Service.SystemCallFilter"])
	}
	if !slices.Contains(u["Service.DynamicUser"], "yes") && len(u["Service.User"]) == 0 {
		t.Error("neither DynamicUser=yes nor User=: the service runs as root")
	}
	exec := strings.Join(u["Service.ExecStart"], " ")
	if !regexp.MustCompile(`^/usr/local/bin/feedd serve --config /etc/feedd/config.yaml$`).MatchString(exec) {
		t.Errorf("ExecStart = %q", exec)
	}
}

// systemd's own check of the unit, where systemd-analyze is installed:
// with ExecStart naming the binary just built, as the installed one is
// not there.
func TestSystemdUnit_Verify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	b, err := os.ReadFile("feedd.service")
	if err != nil {
		t.Fatal(err)
	}
	unitPath := filepath.Join(t.TempDir(), "feedd.service")
	text := strings.ReplaceAll(string(b), "/usr/local/bin/feedd", feeddBinary(t))
	if err := os.WriteFile(unitPath, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", unitPath).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
