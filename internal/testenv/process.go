package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// A Process is the rollcall binary running as a separate OS process, so
// tests can do to a node what happens to real ones: several processes
// sharing a store and Redis, a graceful stop, a SIGKILL.
type Process struct {
	// URL is the base URL, http://127.0.0.1:PORT.
	URL string
	// MailDir is the folder of MAIL_URL=file:DIR ("" for another sender).
	MailDir string

	t    testing.TB
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{} // closed when the process has exited
	err  error         // the exit error, set before done closes
}

const (
	readyTimeout = 20 * time.Second
	stopTimeout  = 15 * time.Second
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds the server (the module's root package) once per test binary
// and returns the path of the executable.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() { binPath, buildErr = build() })
	if buildErr != nil {
		t.Fatalf("build the rollcall binary: %v", buildErr)
	}
	return binPath
}

// build runs `go build -o BIN .` at the module root. The binary goes to a
// folder per checkout in the user cache (a test binary has no hook to remove
// a temporary folder when its last test ends), written under a temporary
// name and renamed into place, so concurrent runs never exec a half-written
// file.
func build() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside a Go module")
	}
	root := filepath.Dir(gomod)
	// Reading the root package's files and go.mod/go.sum makes them inputs
	// of the test as `go test` caches it: a change to server.go (which no
	// test imports) must not replay a cached pass.
	files, _ := filepath.Glob(filepath.Join(root, "*.go"))
	for _, f := range append(files, gomod, filepath.Join(root, "go.sum")) {
		_, _ = os.ReadFile(f)
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	dir := filepath.Join(base, "rollcall-test", strings.ReplaceAll(strings.Trim(root, string(filepath.Separator)), string(filepath.Separator), "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, "rollcall-*.tmp")
	if err != nil {
		return "", err
	}
	_ = tmp.Close()
	defer os.Remove(tmp.Name())
	cmd := exec.Command("go", "build", "-o", tmp.Name(), ".")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build in %s: %w\n%s", root, err, out)
	}
	bin := filepath.Join(dir, "rollcall")
	if err := os.Rename(tmp.Name(), bin); err != nil {
		return "", err
	}
	return bin, nil
}

// StartProcess starts the server binary on a free local port with a clean
// environment (PATH and HOME) plus env, waits until GET /readyz answers 200,
// and stops it (SIGTERM) when the test ends. Defaults that env may
// override: MAIL_URL=file:<temp dir>, LOG_LEVEL=warn, SHUTDOWN_TIMEOUT=5s;
// HTTP_ADDR is always the chosen port. The process's output is logged
// when the test fails.
func StartProcess(t testing.TB, env map[string]string) *Process {
	t.Helper()
	bin := Binary(t)
	vars := processVars(t, env)
	// The free port is released before the server binds it, so another
	// program may take it in between: try again on a fresh port then.
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		vars["HTTP_ADDR"] = "127.0.0.1:" + port
		p, err := startProcess(t, bin, vars)
		if err == nil {
			return p
		}
		if attempt < 3 && strings.Contains(p.Output(), "address already in use") {
			continue
		}
		t.Fatalf("start rollcall: %v\n%s", err, p.Output())
	}
}

func startProcess(t testing.TB, bin string, vars map[string]string) (*Process, error) {
	t.Helper()
	p, err := launch(t, bin, vars)
	if err != nil {
		return p, err
	}
	if err := p.waitReady(); err != nil {
		p.kill()
		return p, err
	}
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("output of rollcall at %s:\n%s", p.URL, p.Output())
		}
	})
	return p, nil
}

// LaunchProcess starts the server binary as StartProcess does, with the same
// defaults, but returns at once without waiting for it to be ready: for
// tests of start-up itself. HTTP_ADDR is a free local port unless env sets
// it. The process is stopped when the test ends, and its output logged if
// the test failed.
func LaunchProcess(t testing.TB, env map[string]string) *Process {
	t.Helper()
	vars := processVars(t, env)
	if vars["HTTP_ADDR"] == "" {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		vars["HTTP_ADDR"] = "127.0.0.1:" + port
	}
	p, err := launch(t, Binary(t), vars)
	if err != nil {
		t.Fatalf("start rollcall: %v", err)
	}
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("output of rollcall at %s:\n%s", p.URL, p.Output())
		}
	})
	return p
}

// processVars are the defaults of StartProcess and LaunchProcess, then env.
func processVars(t testing.TB, env map[string]string) map[string]string {
	vars := map[string]string{
		"MAIL_URL":         "file:" + filepath.Join(t.TempDir(), "mail"),
		"LOG_LEVEL":        "warn",
		"SHUTDOWN_TIMEOUT": "5s",
	}
	for k, v := range env {
		vars[k] = v
	}
	return vars
}

// WaitReady waits until GET /readyz answers 200 (up to 20 s), and fails the
// test otherwise.
func (p *Process) WaitReady() {
	p.t.Helper()
	if err := p.waitReady(); err != nil {
		p.t.Fatalf("rollcall at %s: %v", p.URL, err)
	}
}

// WaitOutput waits up to d for the output to contain s; false when it does
// not (or the process ended without writing it).
func (p *Process) WaitOutput(s string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if strings.Contains(p.Output(), s) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		// Polling: the output is written by another process.
		select {
		case <-p.done:
			return strings.Contains(p.Output(), s)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// WaitExit waits up to d for the process to end and returns how it ended
// (nil for exit status 0); still running after d fails the test.
func (p *Process) WaitExit(d time.Duration) error {
	p.t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(d):
		p.t.Fatalf("rollcall at %s still running after %v", p.URL, d)
		return nil
	}
}

// launch starts bin with vars and returns without waiting.
func launch(t testing.TB, bin string, vars map[string]string) (*Process, error) {
	t.Helper()
	p := &Process{t: t, out: &syncBuffer{}, done: make(chan struct{}), URL: "http://" + vars["HTTP_ADDR"]}
	if dir, ok := strings.CutPrefix(vars["MAIL_URL"], "file:"); ok {
		p.MailDir = dir
	}
	p.cmd = exec.Command(bin)
	p.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range vars {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{}
	// Where the platform has it (Linux), the server dies with the test
	// binary, even when a timeout panic skips the cleanups.
	if f := reflect.ValueOf(p.cmd.SysProcAttr).Elem().FieldByName("Pdeathsig"); f.IsValid() && f.CanSet() {
		f.Set(reflect.ValueOf(syscall.SIGKILL))
	}
	if err := p.cmd.Start(); err != nil {
		return p, err
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *Process) waitReady() error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(readyTimeout)
	last := "no answer"
	for {
		select {
		case <-p.done:
			return fmt.Errorf("exited before ready: %v", p.err)
		default:
		}
		resp, err := client.Get(p.URL + "/readyz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("GET /readyz not 200 after %v (last: %s)", readyTimeout, last)
		}
		// Polling: a process outside offers nothing else to wait on.
		select {
		case <-p.done:
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Kill sends SIGKILL, as when a machine dies, and waits for the process to
// be gone.
func (p *Process) Kill() {
	p.t.Helper()
	if err := p.kill(); err != nil {
		p.t.Fatal(err)
	}
}

func (p *Process) kill() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill rollcall: %w", err)
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(stopTimeout):
		return fmt.Errorf("rollcall pid %d still running %v after SIGKILL", p.cmd.Process.Pid, stopTimeout)
	}
}

// Stop sends SIGTERM and waits for a graceful exit, which must succeed;
// past a bound the process is killed and the test fails. Stopping a process
// that has exited does nothing.
func (p *Process) Stop() {
	p.t.Helper()
	select {
	case <-p.done:
		return
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.t.Errorf("SIGTERM rollcall: %v", err)
	}
	select {
	case <-p.done:
		if p.err != nil {
			p.t.Errorf("rollcall at %s did not stop cleanly on SIGTERM: %v", p.URL, p.err)
		}
	case <-time.After(stopTimeout):
		p.t.Errorf("rollcall at %s still running %v after SIGTERM; killing it", p.URL, stopTimeout)
		_ = p.kill()
	}
}

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Output is what the process wrote so far on stdout and stderr.
func (p *Process) Output() string { return p.out.String() }

// Node is a view of the process for helpers that only talk HTTP and read
// mail: its Server has only URL set and its App is nil.
func (p *Process) Node() *Node {
	return &Node{Server: &httptest.Server{URL: p.URL}, MailDir: p.MailDir, t: p.t}
}

// Client returns a client of the process without a session.
func (p *Process) Client() *Client { return p.Node().Client() }

// NewClient returns a client without a session for the API at baseURL
// (scheme and host, without /query).
func NewClient(baseURL string) *Client {
	return (&Node{Server: &httptest.Server{URL: strings.TrimRight(baseURL, "/")}}).Client()
}

// freePort returns a port that was free a moment ago on 127.0.0.1.
func freePort() (string, error) {
	var lc net.ListenConfig
	l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	return port, err
}

// syncBuffer collects the output of a process written from two pipes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
