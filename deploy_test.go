package main

import (
	"bufio"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/rollcall/rollcall/config"
)

// The image and compose file cannot be run here (no Docker): their
// promises are checked statically. Every image is pinned to a release or a
// digest; the API's stop grace outlasts its drain; its healthcheck is the
// binary's subcommand (the image has no shell) with room for its timeout
// and for the start-up wait; the example lets a Vite dev server in.

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
}

type composeService struct {
	Image           string            `yaml:"image"`
	Build           any               `yaml:"build"`
	Environment     map[string]string `yaml:"environment"`
	StopGracePeriod string            `yaml:"stop_grace_period"`
	Healthcheck     *struct {
		Test        []string `yaml:"test"`
		Timeout     string   `yaml:"timeout"`
		StartPeriod string   `yaml:"start_period"`
	} `yaml:"healthcheck"`
}

// versionTag is an explicit release: 1.2.3, v1.2.3, 1.2.3-alpine.
var (
	versionTag = regexp.MustCompile(`^v?\d+\.\d+\.\d+([.-][a-z0-9.-]+)?$`)
	digest     = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
)

// isPinned reports an image reference to one release: a digest (with or
// without a tag), or an explicit version tag. "latest", no tag, and
// floating tags (8.4, 7-alpine, nonroot) are not.
func isPinned(ref string) bool {
	name, dig, hasDigest := strings.Cut(ref, "@")
	if hasDigest {
		return digest.MatchString(dig)
	}
	i := strings.LastIndex(name, ":")
	if i < 0 || i < strings.LastIndex(name, "/") {
		return false
	}
	return versionTag.MatchString(name[i+1:])
}

func checkPinned(t *testing.T, where, ref string) {
	t.Helper()
	if !isPinned(ref) {
		t.Errorf("%s: image %q is not pinned to a release (NAME:X.Y.Z) or a digest (@sha256:…)", where, ref)
	}
}

func TestComposeFile(t *testing.T) {
	raw, err := os.ReadFile("docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"api", "api2", "mysql", "redis", "mailpit"} {
		if _, ok := c.Services[name]; !ok {
			t.Fatalf("service %s missing", name)
		}
	}
	for name, s := range c.Services {
		if s.Build != nil {
			continue // built here: its image is this repository
		}
		checkPinned(t, "docker-compose.yml service "+name, s.Image)
	}
	for _, name := range []string{"api", "api2"} {
		s := c.Services[name]
		// The node's own configuration must load (defaults included).
		cfg, err := config.Load(func(k string) string { return s.Environment[k] })
		if err != nil {
			t.Fatalf("%s: environment does not load: %v", name, err)
		}
		grace, err := time.ParseDuration(s.StopGracePeriod)
		if err != nil {
			t.Fatalf("%s: stop_grace_period %q: %v", name, s.StopGracePeriod, err)
		}
		if grace <= cfg.ShutdownTimeout+5*time.Second {
			t.Errorf("%s: stop_grace_period %v leaves no room past SHUTDOWN_TIMEOUT %v (the drain would be SIGKILLed)", name, grace, cfg.ShutdownTimeout)
		}
		hc := s.Healthcheck
		if hc == nil {
			t.Fatalf("%s: no healthcheck", name)
		}
		if want := []string{"CMD", binaryPath(t), "healthcheck"}; !slices.Equal(hc.Test, want) {
			t.Errorf("%s: healthcheck test %q, want %q (exec form: the image has no shell)", name, hc.Test, want)
		}
		if d, err := time.ParseDuration(hc.Timeout); err != nil || d <= healthcheckTimeout {
			t.Errorf("%s: healthcheck timeout %q must exceed the subcommand's own %v", name, hc.Timeout, healthcheckTimeout)
		}
		if d, err := time.ParseDuration(hc.StartPeriod); err != nil || d < cfg.StartupTimeout {
			t.Errorf("%s: healthcheck start_period %q must cover STARTUP_TIMEOUT %v", name, hc.StartPeriod, cfg.StartupTimeout)
		}
		if !slices.Contains(cfg.AllowedOrigins, "http://localhost:5173") {
			t.Errorf("%s: ALLOWED_ORIGINS %v lacks the Vite dev server http://localhost:5173", name, cfg.AllowedOrigins)
		}
	}
}

func TestDockerfile(t *testing.T) {
	lines := dockerfile(t)
	stages := map[string]bool{}
	var froms int
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) < 2 || !strings.EqualFold(f[0], "FROM") {
			continue
		}
		froms++
		ref := f[1]
		earlier := stages[strings.ToLower(ref)]
		if len(f) >= 4 && strings.EqualFold(f[2], "AS") {
			stages[strings.ToLower(f[3])] = true
		}
		if earlier {
			continue // built from an earlier stage
		}
		checkPinned(t, "Dockerfile", ref)
		if strings.HasPrefix(ref, "golang:") {
			if want := "golang:" + goVersion(t); ref != want {
				t.Errorf("Dockerfile builds with %s, go.mod asks for %s", ref, want)
			}
		}
	}
	if froms < 2 {
		t.Fatalf("Dockerfile has %d FROM lines", froms)
	}
	var health bool
	for i, l := range lines {
		if strings.HasPrefix(l, "HEALTHCHECK") {
			cmd := l
			for j := i; strings.HasSuffix(strings.TrimSpace(lines[j]), `\`) && j+1 < len(lines); j++ {
				cmd += " " + lines[j+1]
			}
			health = strings.Contains(cmd, `CMD ["`+binaryPath(t)+`", "healthcheck"]`)
		}
	}
	if !health {
		t.Error(`Dockerfile: no HEALTHCHECK CMD ["` + binaryPath(t) + `", "healthcheck"]`)
	}
}

// dockerfile returns the Dockerfile's lines, trimmed, without comments.
func dockerfile(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	return lines
}

// binaryPath is where the Dockerfile's ENTRYPOINT runs the server.
func binaryPath(t *testing.T) string {
	t.Helper()
	for _, l := range dockerfile(t) {
		if rest, ok := strings.CutPrefix(l, "ENTRYPOINT "); ok {
			var path string
			if m := regexp.MustCompile(`^\["([^"]+)"`).FindStringSubmatch(rest); m != nil {
				path = m[1]
			}
			if path == "" {
				t.Fatalf("ENTRYPOINT %s is not in exec form", rest)
			}
			return path
		}
	}
	t.Fatal("Dockerfile has no ENTRYPOINT")
	return ""
}

// goVersion is the go directive of go.mod.
func goVersion(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(raw)
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	return string(m[1])
}

// The pin check refuses what it must.
func TestPinnedRefusesFloatingTags(t *testing.T) {
	for _, ref := range []string{"redis", "redis:latest", "redis:7", "redis:7-alpine", "mysql:8.4", "axllent/mailpit", "golang:1.26",
		"gcr.io/distroless/static-debian12:nonroot", "localhost:5000/app", "redis@sha256:abc"} {
		if isPinned(ref) {
			t.Errorf("%q passes as pinned", ref)
		}
	}
	for _, ref := range []string{"redis:7.4.9-alpine", "axllent/mailpit:v1.27.8", "golang:1.26.8",
		"gcr.io/distroless/static-debian12:nonroot@sha256:" + strings.Repeat("a", 64), "localhost:5000/app:1.0.0"} {
		if !isPinned(ref) {
			t.Errorf("%q refused", ref)
		}
	}
}

// readyzURL targets the loopback address for wildcard listen addresses.
func TestReadyzURL(t *testing.T) {
	for addr, want := range map[string]string{
		":8080": "http://127.0.0.1:8080/readyz", "0.0.0.0:80": "http://127.0.0.1:80/readyz", "[::]:8080": "http://127.0.0.1:8080/readyz",
		"10.1.2.3:9000": "http://10.1.2.3:9000/readyz", "[::1]:8080": "http://[::1]:8080/readyz",
	} {
		if got, err := readyzURL(addr); err != nil || got != want {
			t.Errorf("readyzURL(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "8080"} {
		if _, err := readyzURL(addr); err == nil {
			t.Errorf("readyzURL(%q) accepted", addr)
		}
	}
}
