package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/internal/testenv"
)

// requireNPMPackages is requireJSClients plus the named packages of
// e2e/jsclients (skipped locally without them, a failure under CI).
func requireNPMPackages(t *testing.T, pkgs ...string) string {
	t.Helper()
	node := requireJSClients(t)
	for _, pkg := range pkgs {
		if _, err := os.Stat(filepath.Join(jsClientsDir, "node_modules", pkg, "package.json")); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("e2e/jsclients/node_modules/%s is missing: under CI the npm client tests must run (`npm ci --prefix e2e/jsclients`)", pkg)
			}
			t.Skipf("e2e/jsclients/node_modules/%s is missing: run `npm ci --prefix e2e/jsclients`", pkg)
		}
	}
	return node
}

// runNodeScript runs a script of e2e/jsclients with args and env, and
// returns the last line it printed on stdout (its JSON result).
func runNodeScript(t *testing.T, node, script string, args []string, env ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{script}, args...)...)
	cmd.Dir = jsClientsDir
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("node %s did not finish within 60s\nstdout: %s\nstderr: %s", script, stdout.String(), stderr.String())
	}
	if err != nil {
		t.Fatalf("node %s: %v\nstderr: %s\nstdout: %s", script, err, stderr.String(), stdout.String())
	}
	t.Logf("node %s ran in %v", script, time.Since(start).Round(time.Millisecond))
	if stderr.Len() > 0 {
		t.Logf("stderr: %s", stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	return []byte(lines[len(lines)-1])
}

// TestGraphQLHTTPAudits runs every server audit of graphql-http (the
// GraphQL-over-HTTP specification's conformance suite, MUST, SHOULD and
// MAY) against /query: each must be ok.
func TestGraphQLHTTPAudits(t *testing.T) {
	node := requireNPMPackages(t, "graphql-http")
	store := testenv.Store{Name: "sqlite", URL: "sqlite:" + testenv.SQLitePath(t)}
	n := testenv.StartNode(t, store, testenv.NodeOptions{})
	line := runNodeScript(t, node, "graphql-http-audits.mjs", []string{n.Server.URL + "/query"})
	var rep struct {
		Version string `json:"version"`
		Audits  []struct {
			ID                  string `json:"id"`
			Name                string `json:"name"`
			Status              string `json:"status"`
			Reason              string `json:"reason"`
			ResponseStatus      int    `json:"responseStatus"`
			ResponseContentType string `json:"responseContentType"`
			ResponseBody        string `json:"responseBody"`
		} `json:"audits"`
	}
	if err := json.Unmarshal(line, &rep); err != nil {
		t.Fatalf("the script printed no JSON result (%v): %s", err, line)
	}
	if len(rep.Audits) == 0 {
		t.Fatalf("graphql-http %s ran no audit", rep.Version)
	}
	ok := 0
	for _, a := range rep.Audits {
		if a.Status == "ok" {
			ok++
			continue
		}
		t.Errorf("%s [%s] %s: %s (response %d %s: %s)", a.Name, a.ID, a.Status, a.Reason,
			a.ResponseStatus, a.ResponseContentType, a.ResponseBody)
	}
	t.Logf("graphql-http %s: %d/%d audits ok", rep.Version, ok, len(rep.Audits))
}
