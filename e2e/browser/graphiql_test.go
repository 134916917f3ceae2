package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rollcall/rollcall/internal/testenv"
)

// GraphiQL at /graphiql (issue 12): served from the binary, under its own
// Content-Security-Policy, and driven in headless Chromium by
// jsclients/graphiql.mjs.

// graphiqlReport is what jsclients/graphiql.mjs prints.
type graphiqlReport struct {
	Client        string   `json:"client"`
	Version       string   `json:"version"`
	Browser       string   `json:"browser"`
	PageStatus    int      `json:"pageStatus"`
	PageCSP       string   `json:"pageCSP"`
	DocsRootTypes []string `json:"docsRootTypes"`
	TokenState    string   `json:"tokenState"`
	QueryResult   jsMe     `json:"queryResult"`
	Subscription  struct {
		Data struct {
			SessionsChanged struct {
				Kind    string `json:"kind"`
				Session struct {
					DeviceName string `json:"deviceName"`
				} `json:"session"`
			} `json:"sessionsChanged"`
		} `json:"data"`
		Errors []any `json:"errors"`
	} `json:"subscriptionResult"`
	Screenshots []string       `json:"screenshots"`
	Timings     map[string]int `json:"timings"`
	Console     []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"console"`
	PageErrors    []string `json:"pageErrors"`
	CSPViolations []any    `json:"cspViolations"`
	Requests      []struct {
		Method        string `json:"method"`
		URL           string `json:"url"`
		Authorization string `json:"authorization"`
	} `json:"requests"`
	Sockets []struct {
		URL             string   `json:"url"`
		Sent            []string `json:"sent"`
		Received        []string `json:"received"`
		InitPayloadKeys []string `json:"initPayloadKeys"`
		InitBearer      bool     `json:"initBearer"`
		Closed          bool     `json:"closed"`
	} `json:"sockets"`
}

// requireChromium returns the browser the GraphiQL test drives (Debian's
// chromium, or ROLLCALL_CHROMIUM), skipping without it, or failing under CI.
func requireChromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv("ROLLCALL_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s: under CI the GraphiQL browser test must run (apt-get install chromium)", path)
		}
		t.Skipf("%s is missing: apt-get install chromium to test GraphiQL in a browser", path)
	}
	if _, err := os.Stat(filepath.Join(jsClientsDir, "node_modules", "playwright-core", "package.json")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("e2e/jsclients/node_modules/playwright-core is missing: under CI the GraphiQL browser test must run")
		}
		t.Skip("e2e/jsclients/node_modules/playwright-core is missing: run `npm ci --prefix e2e/jsclients`")
	}
	return path
}

// artifactsDir is where screenshots go: ROLLCALL_ARTIFACTS, or
// e2e/artifacts (ignored by git).
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ROLLCALL_ARTIFACTS")
	if dir == "" {
		dir = "../artifacts"
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// connectAndLeave opens and closes one websocket of the session token
// belongs to: its owner's sessionsChanged sees CONNECTED, then DISCONNECTED.
func connectAndLeave(ctx context.Context, n *testenv.Node, token string) error {
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 2 * time.Second}
	conn, _, err := d.DialContext(ctx, "ws"+strings.TrimPrefix(n.Server.URL, "http")+"/query", nil)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.WriteJSON(map[string]any{"type": "connection_init", "payload": map[string]any{"authToken": token}}); err != nil {
		return err
	}
	_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	var ack map[string]any
	if err := conn.ReadJSON(&ack); err != nil {
		return err
	}
	if ack["type"] != "connection_ack" {
		return errors.New("no connection_ack")
	}
	time.Sleep(50 * time.Millisecond)
	return nil
}

func TestGraphiQLInChromium(t *testing.T) {
	node := requireJSClients(t)
	browser := requireChromium(t)
	store := testenv.Store{Name: "sqlite", URL: "sqlite:" + testenv.SQLitePath(t)}
	n := testenv.StartNode(t, store, testenv.NodeOptions{})
	owner, _ := n.SignUp(t, "ada@example.com")
	spare, _ := n.SignIn(t, "ada@example.com", "correct horse battery", testenv.FirefoxWindows)
	artifacts := artifactsDir(t)

	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()

	// While the browser runs, a spare device of the same user comes and
	// goes, so the page's sessionsChanged subscription has events to show
	// once it is set up — until the page shows one (the script says so on
	// stdout), so that stopping the subscription is not raced by a flood of
	// events on a loaded machine (at most 300 rounds).
	var wg sync.WaitGroup
	triggers := 0
	shown := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 300 && ctx.Err() == nil; i++ {
			if connectAndLeave(ctx, n, spare.Token) == nil {
				triggers++
			}
			select {
			case <-ctx.Done():
				return
			case <-shown:
				return
			case <-time.After(400 * time.Millisecond):
			}
		}
	}()

	cmd := exec.CommandContext(ctx, node, "graphiql.mjs", n.Server.URL)
	cmd.Dir = jsClientsDir
	cmd.Env = append(os.Environ(), "ROLLCALL_TOKEN="+owner.Token, "ROLLCALL_ARTIFACTS="+artifacts, "ROLLCALL_CHROMIUM="+browser)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &markerWriter{w: &stdout, marker: []byte(`"progress":"event shown"`), seen: shown}, &stderr
	start := time.Now()
	err := cmd.Run()
	cancel()
	wg.Wait()
	if err != nil {
		t.Fatalf("node graphiql.mjs: %v (after %v)\nstderr: %s\nstdout: %s", err, time.Since(start).Round(time.Millisecond), stderr.String(), stdout.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var rep graphiqlReport
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rep); err != nil {
		t.Fatalf("graphiql.mjs printed no JSON result line (%v): %s", err, stdout.String())
	}
	t.Logf("chromium %s, playwright-core %s: ran in %v (steps, ms: %v), %d device rounds", rep.Browser, rep.Version,
		time.Since(start).Round(time.Millisecond), rep.Timings, triggers)
	for _, s := range rep.Screenshots {
		t.Logf("screenshot: %s", s)
	}

	if rep.PageStatus != http.StatusOK || rep.PageCSP == "" || strings.Contains(rep.PageCSP, "unsafe") {
		t.Errorf("GET /graphiql: %d, CSP %q", rep.PageStatus, rep.PageCSP)
	}
	if !slices.Equal(rep.DocsRootTypes, []string{"query", "mutation", "subscription"}) {
		t.Errorf("the documentation explorer lists %v, want the three root types (the schema by introspection)", rep.DocsRootTypes)
	}
	if !strings.Contains(rep.TokenState, "Bearer") {
		t.Errorf("the token field's state: %q", rep.TokenState)
	}
	if rep.QueryResult.Data.Me.Email != "ada@example.com" || len(rep.QueryResult.Errors) > 0 {
		t.Errorf("the result pane after { me { email } }: %+v", rep.QueryResult)
	}
	if e := rep.Subscription.Data.SessionsChanged; len(rep.Subscription.Errors) > 0 ||
		!slices.Contains([]string{"CONNECTED", "DISCONNECTED"}, e.Kind) || e.Session.DeviceName != "Firefox on Windows" {
		t.Errorf("the result pane after the subscription: %+v", rep.Subscription)
	}

	// Nothing came from elsewhere, and the token rode on the operations.
	bearer := 0
	for _, r := range rep.Requests {
		if !strings.HasPrefix(r.URL, n.Server.URL+"/") && !strings.HasPrefix(r.URL, "data:") {
			t.Errorf("the page requested %s", r.URL)
		}
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL, "/query") && r.Authorization == "Bearer" {
			bearer++
		}
	}
	if bearer == 0 {
		t.Errorf("no POST /query carried Authorization: Bearer: %+v", rep.Requests)
	}
	wsURL := "ws" + strings.TrimPrefix(n.Server.URL, "http") + "/query"
	if len(rep.Sockets) != 1 {
		t.Fatalf("want the subscription's one websocket, got %+v", rep.Sockets)
	}
	s := rep.Sockets[0]
	if s.URL != wsURL || !s.InitBearer || !slices.Equal(s.InitPayloadKeys, []string{"Authorization"}) {
		t.Errorf("the socket: %s, connection_init keys %v (Bearer token: %v)", s.URL, s.InitPayloadKeys, s.InitBearer)
	}
	// graphql-transport-ws: connection_init/subscribe, then connection_ack
	// and next; stopping sends complete and closes the lazy client's socket.
	for _, m := range []string{"connection_init", "subscribe", "complete"} {
		if !slices.Contains(s.Sent, m) {
			t.Errorf("the page sent %v, want %s among them", s.Sent, m)
		}
	}
	for _, m := range []string{"connection_ack", "next"} {
		if !slices.Contains(s.Received, m) {
			t.Errorf("the page received %v, want %s among them", s.Received, m)
		}
	}
	if slices.Contains(s.Received, "data") || !s.Closed {
		t.Errorf("the socket received %v (closed: %v)", s.Received, s.Closed)
	}

	// The page runs under its policy without breaking it.
	if len(rep.CSPViolations) > 0 {
		t.Errorf("CSP violations: %v", rep.CSPViolations)
	}
	for _, m := range rep.Console {
		if m.Type == "error" || strings.Contains(m.Text, "Content Security Policy") || strings.Contains(m.Text, "Refused to") {
			t.Errorf("console %s: %s", m.Type, m.Text)
		}
	}
	if len(rep.PageErrors) > 0 {
		t.Errorf("page errors: %v", rep.PageErrors)
	}

	if len(rep.Screenshots) != 2 {
		t.Fatalf("screenshots: %v", rep.Screenshots)
	}
	for _, p := range rep.Screenshots {
		b, err := os.ReadFile(p)
		if err != nil || len(b) < 10_000 || !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("screenshot %s: %d bytes, %v", p, len(b), err)
		}
	}
}

// graphiqlGet fetches path from n and returns the status and headers.
func graphiqlGet(t *testing.T, n *testenv.Node, path string) (int, http.Header) {
	t.Helper()
	resp, err := http.Get(n.Server.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header
}

func TestGraphiQLSettings(t *testing.T) {
	// The store plays no part: SQLite only.
	store := testenv.Store{Name: "sqlite", URL: "sqlite:" + testenv.SQLitePath(t)}
	cases := []struct {
		name string
		env  map[string]string
		on   bool
	}{
		{"Default", nil, true},
		{"Off", map[string]string{"GRAPHIQL": "false"}, false},
		{"FollowsIntrospection", map[string]string{"GRAPHQL_INTROSPECTION": "false"}, false},
		{"OnWithoutIntrospection", map[string]string{"GRAPHQL_INTROSPECTION": "false", "GRAPHIQL": "true"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := testenv.StartNode(t, store, testenv.NodeOptions{Env: tc.env})
			for _, p := range []string{"/graphiql", "/graphiql/graphiql.js", "/graphiql/graphiql.css"} {
				code, h := graphiqlGet(t, n, p)
				switch {
				case !tc.on && code != http.StatusNotFound:
					t.Errorf("GET %s with GraphiQL off: %d, want 404", p, code)
				case tc.on && code != http.StatusOK:
					t.Errorf("GET %s: %d", p, code)
				case tc.on:
					csp := h.Get("Content-Security-Policy")
					host := strings.TrimPrefix(n.Server.URL, "http://")
					for _, want := range []string{"default-src 'none'", "script-src 'self';", "style-src 'self'", "frame-ancestors 'none'",
						"connect-src 'self' ws://" + host + " wss://" + host + ";"} {
						if !strings.Contains(csp, want) {
							t.Errorf("GET %s: CSP %q lacks %q", p, csp, want)
						}
					}
					if strings.Contains(csp, "unsafe") || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" {
						t.Errorf("GET %s: headers %v", p, h)
					}
				}
			}
			// The API itself is not affected either way.
			if code, _ := graphiqlGet(t, n, "/healthz"); code != http.StatusOK {
				t.Errorf("/healthz: %d", code)
			}
		})
	}
}

// markerWriter writes to w and closes seen the first time marker appears
// in what was written so far.
type markerWriter struct {
	w      *bytes.Buffer
	marker []byte
	seen   chan struct{}
	done   bool
}

func (m *markerWriter) Write(p []byte) (int, error) {
	n, err := m.w.Write(p)
	if !m.done && bytes.Contains(m.w.Bytes(), m.marker) {
		m.done = true
		close(m.seen)
	}
	return n, err
}
