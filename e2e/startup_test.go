package e2e

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

// MySQL unreachable at start (its proxy closed): the binary binds its port,
// answers as starting (healthz 200, readyz and /query 503, the healthcheck
// subcommand 1), logs each failed attempt with its number and cause, and is
// ready soon after MySQL is reachable — no restart.
func TestStartupWaitsForMySQL(t *testing.T) {
	databaseURL, proxy := testenv.MySQLViaProxy(t)
	if databaseURL == "" {
		t.Skip("TEST_MYSQL_DSN is needed")
	}
	proxy.Cut()
	p := testenv.LaunchProcess(t, map[string]string{"DATABASE_URL": databaseURL, "STARTUP_TIMEOUT": "30s", "LOG_LEVEL": "info"})
	if !p.WaitOutput(`"msg":"rollcall listening"`, 10*time.Second) {
		t.Fatalf("never listening:\n%s", p.Output())
	}
	n := p.Node()
	if r := send(t, n, "GET", "/healthz", "", "", "", nil); r.status != 200 || r.body["status"] != "starting" {
		t.Fatalf("healthz while starting: %d %v", r.status, r.body)
	}
	if r := send(t, n, "GET", "/readyz", "", "", "", nil); r.status != 503 || r.body["status"] != "starting" {
		t.Fatalf("readyz while starting: %d %v", r.status, r.body)
	}
	if r := send(t, n, "POST", "/query", "application/json", "", `{"query":"{ me { id } }"}`, nil); r.status != 503 || r.code() != "UNAVAILABLE" || r.header.Get("Retry-After") == "" {
		t.Fatalf("/query while starting: %d %v", r.status, r.body)
	}
	if code, out := runHealthcheck(t, p.URL); code != 1 {
		t.Fatalf("healthcheck while starting: exit %d, %s", code, out)
	}
	if !p.WaitOutput(`"attempt":2`, 10*time.Second) {
		t.Fatalf("no second attempt logged:\n%s", p.Output())
	}
	time.Sleep(time.Second) // MySQL stays away for about a second
	proxy.Restore()
	back := time.Now()
	p.WaitReady()
	// The longest wait between attempts is 5 s.
	if took := time.Since(back); took > 7*time.Second {
		t.Errorf("ready %v after MySQL was back", took)
	}
	out := p.Output()
	for _, want := range []string{`"msg":"store not reachable, retrying"`, `"attempt":1`, "connection refused", `"msg":"store reachable"`, `"msg":"rollcall ready"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	if strings.Index(out, "rollcall listening") > strings.Index(out, "store not reachable") {
		t.Errorf("the port is bound before the store is waited for:\n%s", out)
	}
	if code, hc := runHealthcheck(t, p.URL); code != 0 {
		t.Fatalf("healthcheck once ready: exit %d, %s", code, hc)
	}
	signUp(t, n, "after-wait@example.com")
}

// MySQL that never answers: start-up gives up after STARTUP_TIMEOUT with a
// message naming the store (password redacted), the setting and the cause.
func TestStartupGivesUpOnMySQL(t *testing.T) {
	addr := closedAddr(t)
	testenv.Binary(t) // built before the clock starts
	start := time.Now()
	p := testenv.LaunchProcess(t, map[string]string{
		"DATABASE_URL": "mysql://rollcall:n0t-this-pw@" + addr + "/rollcall", "STARTUP_TIMEOUT": "2s",
	})
	err := p.WaitExit(10 * time.Second)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("want exit status 1, got %v\n%s", err, p.Output())
	}
	if took := time.Since(start); took > 6*time.Second {
		t.Errorf("gave up after %v with STARTUP_TIMEOUT=2s", took)
	}
	out := p.Output()
	for _, want := range []string{"not reachable after", "STARTUP_TIMEOUT=2s", "rollcall:xxxxx@" + addr, "connection refused", `"attempt":1`, `"attempt":2`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "n0t-this-pw") {
		t.Errorf("the password is in the output:\n%s", out)
	}
}

// A bad SQLite path stops the binary with what is wrong with it.
func TestStartupBadSQLitePath(t *testing.T) {
	dir := t.TempDir()
	p := testenv.LaunchProcess(t, map[string]string{"DATABASE_URL": "sqlite:" + dir + "/no/such/dir/rollcall.db"})
	if err := p.WaitExit(10 * time.Second); err == nil {
		t.Fatalf("started on a missing directory:\n%s", p.Output())
	}
	if out := p.Output(); !strings.Contains(out, "the directory "+dir+"/no/such/dir does not exist") || strings.Contains(out, "out of memory") {
		t.Fatalf("output:\n%s", out)
	}
}

// "listening" is logged once the port is bound — a connection succeeds as
// soon as the line is out — and a taken port stops the start with the
// address and the reason, without a "listening" line.
func TestStartupListensAfterBind(t *testing.T) {
	p := testenv.LaunchProcess(t, map[string]string{"DATABASE_URL": "sqlite:" + t.TempDir() + "/rollcall.db", "LOG_LEVEL": "info"})
	if !p.WaitOutput(`"msg":"rollcall listening"`, 10*time.Second) {
		t.Fatalf("no listening line:\n%s", p.Output())
	}
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(p.URL, "http://"), time.Second)
	if err != nil {
		t.Fatalf("listening was logged but the port refuses: %v", err)
	}
	_ = c.Close()
	p.WaitReady()

	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	taken := testenv.LaunchProcess(t, map[string]string{"HTTP_ADDR": held.Addr().String(), "DATABASE_URL": "sqlite:" + t.TempDir() + "/rollcall.db", "LOG_LEVEL": "info"})
	if err := taken.WaitExit(10 * time.Second); err == nil {
		t.Fatal("started on a taken port")
	}
	out := taken.Output()
	if want := "HTTP_ADDR=" + held.Addr().String() + ": cannot listen: address already in use"; !strings.Contains(out, want) || strings.Contains(out, "listening") {
		t.Fatalf("want %q and no listening line, got:\n%s", want, out)
	}
}

// Redis unreachable at start does not stop it: the node serves degraded,
// as during a Redis outage (readyz "degraded", presence reads UNAVAILABLE,
// everything else working), and presence works within seconds of Redis
// answering, subscriptions included — no restart.
func TestStartupWithoutRedis(t *testing.T) {
	redisURL, prefix, proxy, _ := testenv.RedisViaProxy(t)
	if redisURL == "" {
		t.Skip("TEST_REDIS_URL is needed")
	}
	proxy.Cut()
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{RedisPrefix: prefix, Env: map[string]string{
		"REDIS_URL": redisURL, "PRESENCE_TTL": "3s",
	}})
	if r := send(t, n, "GET", "/readyz", "", "", "", nil); r.status != 200 || r.body["status"] != "degraded" {
		t.Fatalf("readyz without Redis: %d %v", r.status, r.body)
	}
	f := newOrg(t, n, "owner@example.com")
	member := n.AddMember(t, f.rootID, "member@example.com", models.Grant{Role: models.RoleAgent})
	other := n.AddMember(t, f.rootID, "other@example.com", models.Grant{Role: models.RoleAgent})
	initWS(t, n, member)
	if r := member.Do(t, `{ me { email presence { status } } }`, nil); r.Code() != "UNAVAILABLE" || !strings.Contains(string(r.Data), "member@example.com") {
		t.Fatalf("presence without Redis: %s %+v", r.Data, r.Errors)
	}

	proxy.Restore()
	back := time.Now()
	// Until the node has registered its sockets, reads answer UNAVAILABLE,
	// never a wrong OFFLINE; then ONLINE.
	onlineOrUnavailable(t, member)
	if took := time.Since(back); took > 5*time.Second {
		t.Errorf("presence worked %v after Redis answered", took)
	}
	waitFor(t, "readyz ready", func() bool {
		r := send(t, n, "GET", "/readyz", "", "", "", nil)
		return r.status == 200 && r.body["status"] == "ready"
	})
	// Subscriptions too: a watcher sees a device arrive.
	watch := watchPresence(t, n, f.owner, f.rootID)
	waitWatching(t, watch, f.owner)
	initWS(t, n, other)
	expectPresence(t, watch, "other@example.com", "ONLINE", 1)
}

// The healthcheck subcommand: 0 against a ready node, 1 against a node that
// is not ready, nothing listening, a node that does not answer in time, and
// for arguments it does not take; always within its 2 s bound.
func TestHealthcheckSubcommand(t *testing.T) {
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{})
	if code, out := runHealthcheck(t, n.Server.URL); code != 0 || !strings.Contains(out, "ready") {
		t.Fatalf("ready node: exit %d, %s", code, out)
	}
	if code, out := runHealthcheck(t, "http://"+closedAddr(t)); code != 1 {
		t.Fatalf("nothing listening: exit %d, %s", code, out)
	}
	unready := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"status":"unavailable","failed":["store"]}`))
	}))
	defer unready.Close()
	if code, out := runHealthcheck(t, unready.URL); code != 1 || !strings.Contains(out, "503") {
		t.Fatalf("503: exit %d, %s", code, out)
	}
	release := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hung.Close()
	defer close(release)
	start := time.Now()
	if code, out := runHealthcheck(t, hung.URL); code != 1 {
		t.Fatalf("no answer: exit %d, %s", code, out)
	}
	if took := time.Since(start); took > 4*time.Second {
		t.Fatalf("healthcheck took %v against a node that does not answer", took)
	}
	cmd := exec.Command(testenv.Binary(t), "healthcheck", "http://example.com/")
	cmd.Env = []string{"HTTP_ADDR=" + strings.TrimPrefix(n.Server.URL, "http://")}
	if err := cmd.Run(); err == nil || cmd.ProcessState.ExitCode() != 1 {
		t.Fatalf("an argument: %v", err)
	}
	// A store that went away: readyz 503, so unhealthy (MariaDB only).
	if databaseURL, proxy := testenv.MySQLViaProxy(t); databaseURL != "" {
		m := testenv.StartNode(t, testenv.Store{Name: "mysql", URL: databaseURL}, testenv.NodeOptions{})
		if code, out := runHealthcheck(t, m.Server.URL); code != 0 {
			t.Fatalf("ready MariaDB node: exit %d, %s", code, out)
		}
		proxy.Cut()
		if code, out := runHealthcheck(t, m.Server.URL); code != 1 || !strings.Contains(out, "store") {
			t.Fatalf("store cut: exit %d, %s", code, out)
		}
		proxy.Restore()
	}
}

// runHealthcheck runs `rollcall healthcheck` against base (http://HOST:PORT)
// and returns its exit status and output.
func runHealthcheck(t *testing.T, base string) (int, string) {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, testenv.Binary(t), "healthcheck")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HTTP_ADDR=" + u.Host}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &exit):
		return exit.ExitCode(), string(out)
	}
	t.Fatalf("run healthcheck: %v", err)
	return -1, ""
}

// closedAddr is a local address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}
