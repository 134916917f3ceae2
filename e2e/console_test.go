package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/internal/testenv"
)

// The console at /console, driven in headless Chromium: each scenario is
// jsclients/console/NAME.mjs, run by jsclients/console.mjs against a fresh
// node (MariaDB and Redis when TEST_MYSQL_DSN and TEST_REDIS_URL are set,
// as in CI; SQLite and in-process presence otherwise).

// consoleScenarios are the golden paths, each run once.
var consoleScenarios = []string{
	"signup",
	"directory",
	"presence",
	"devices",
	"invite",
	"member",
	"profile",
	"audit",
	"links",
}

// consoleReport is what console.mjs prints.
type consoleReport struct {
	Scenario   string `json:"scenario"`
	Browser    string `json:"browser"`
	Playwright string `json:"playwright"`
	OK         bool   `json:"ok"`
	Failure    *struct {
		Step    string `json:"step"`
		Message string `json:"message"`
	} `json:"failure"`
	Steps []struct {
		Name string `json:"name"`
		MS   int    `json:"ms"`
	} `json:"steps"`
	Screenshots   []string `json:"screenshots"`
	PageErrors    []string `json:"pageErrors"`
	ConsoleErrors []string `json:"consoleErrors"`
	CSPViolations []string `json:"cspViolations"`
}

func consoleStore(t *testing.T) (testenv.Store, bool) {
	if u := testenv.MySQL(t); u != "" {
		return testenv.Store{Name: "mysql", URL: u}, os.Getenv("TEST_REDIS_URL") != ""
	}
	return testenv.Stores(t)[0], os.Getenv("TEST_REDIS_URL") != ""
}

func TestConsoleInChromium(t *testing.T) {
	node := requireJSClients(t)
	browser := requireChromium(t)
	artifacts := artifactsDir(t)
	for _, name := range consoleScenarios {
		t.Run(name, func(t *testing.T) {
			store, redis := consoleStore(t)
			n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: redis})
			rep := runConsoleScenario(t, node, browser, artifacts, n, name)
			for _, s := range rep.Steps {
				t.Logf("step %-50s %5d ms", s.Name, s.MS)
			}
			for _, s := range rep.Screenshots {
				t.Logf("screenshot: %s", s)
			}
			if !rep.OK {
				step, msg := "", ""
				if rep.Failure != nil {
					step, msg = rep.Failure.Step, rep.Failure.Message
				}
				t.Fatalf("scenario %s failed at step %q: %s", name, step, msg)
			}
			if len(rep.Steps) == 0 {
				t.Fatalf("scenario %s ran no step", name)
			}
			for _, e := range rep.PageErrors {
				t.Errorf("page error: %s", e)
			}
			for _, e := range rep.ConsoleErrors {
				t.Errorf("console error: %s", e)
			}
			for _, e := range rep.CSPViolations {
				t.Errorf("CSP violation: %s", e)
			}
		})
	}
}

func runConsoleScenario(t *testing.T, node, browser, artifacts string, n *testenv.Node, name string) consoleReport {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "console.mjs", n.Server.URL, name)
	cmd.Dir = jsClientsDir
	cmd.Env = append(os.Environ(), "ROLLCALL_MAIL_DIR="+n.MailDir, "ROLLCALL_ARTIFACTS="+artifacts, "ROLLCALL_CHROMIUM="+browser)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("console scenario %s did not finish within 120 s\nstdout: %s\nstderr: %s", name, stdout.String(), stderr.String())
	}
	t.Logf("console scenario %s ran in %v", name, time.Since(start).Round(time.Millisecond))
	if stderr.Len() > 0 {
		t.Logf("stderr: %s", stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var rep consoleReport
	if jerr := json.Unmarshal([]byte(lines[len(lines)-1]), &rep); jerr != nil {
		t.Fatalf("console.mjs %s printed no JSON result line (%v, exit %v): %s\nstderr: %s", name, jerr, err, stdout.String(), stderr.String())
	}
	return rep
}
