package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
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
	"races",
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
	Screenshots     []string `json:"screenshots"`
	PageErrors      []string `json:"pageErrors"`
	ConsoleErrors   []string `json:"consoleErrors"`
	CSPViolations   []string `json:"cspViolations"`
	PersistedMisses []string `json:"persistedMisses"`
}

// consoleFixtures seed what a scenario needs more of than the API lets one
// client make quickly (sign-ins and accepted invitations are throttled per
// address); the scenario reads it as ctx.fixture.
var consoleFixtures = map[string]func(t *testing.T, n *testenv.Node) []byte{
	"directory": func(t *testing.T, n *testenv.Node) []byte {
		f := n.NewOrg(t, "ada.lovelace@example.com")
		f.Owner.MustDo(t, `mutation($id: ID!) { updateOrganization(input: {id: $id, name: "Acme Robotics"}) { id } }`,
			map[string]any{"id": f.OrgID}, new(struct{ U any }))
		roles := []models.Role{models.RoleAgent, models.RoleAgent, models.RoleManager, models.RoleAgent, models.RoleAdmin}
		first := []string{"Amara", "Björn", "Chloé", "Dmitri", "Élodie", "Farah", "Giulia", "Hiroshi", "Inès", "Jonas", "Kwame", "Léa", "Mateo", "Noor", "Oskar"}
		last := []string{"Okafor", "Lindqvist", "Moreau", "Volkov", "Durand", "Haddad", "Rossi", "Tanaka", "Benali", "Schmidt"}
		id, err := models.ParseID(models.KindAccount, f.RootID)
		if err != nil {
			t.Fatal(err)
		}
		// 44 people: more than one page of the directory (30).
		for i := 0; i < 44; i++ {
			fn, ln := first[i%len(first)], last[(i*7)%len(last)]
			email := strings.ToLower(fmt.Sprintf("%s.%s%d@example.com", asciiFold(fn), ln, i))
			if _, err := n.App.Store.SeedMember(context.Background(), id, email, "correct horse battery", fn, ln,
				models.Grant{Role: roles[i%len(roles)]}); err != nil {
				t.Fatal(err)
			}
		}
		out, err := json.Marshal(map[string]any{"owner": map[string]any{"email": "ada.lovelace@example.com", "password": "correct horse battery",
			"token": f.Owner.Token, "orgId": f.OrgID, "accountId": f.RootID, "userId": f.UserID}, "members": 44, "store": n.App.Config.DatabaseURL[:strings.IndexByte(n.App.Config.DatabaseURL, ':')]})
		if err != nil {
			t.Fatal(err)
		}
		return out
	},
}

// asciiFold drops the accents of the few letters the fixture's names use.
func asciiFold(s string) string {
	return strings.NewReplacer("ö", "o", "é", "e", "É", "E", "è", "e").Replace(s)
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
			consoleScenario(t, node, browser, artifacts, name, nil)
		})
	}
}

// The console's operations are trusted documents wherever it is served:
// on a node that runs nothing else (PERSISTED_QUERIES=only), a person
// signs up, sees themself online (a subscription), signs out and in.
func TestConsoleWithTrustedDocumentsOnly(t *testing.T) {
	consoleScenario(t, requireJSClients(t), requireChromium(t), artifactsDir(t), "signup", map[string]string{"PERSISTED_QUERIES": "only"})
}

// consoleScenario runs scenario name against a fresh node configured with
// env, and fails on a failed step, a page error, a console error or a CSP
// violation.
func consoleScenario(t *testing.T, node, browser, artifacts, name string, env map[string]string) {
	store, redis := consoleStore(t)
	n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: redis, OwnPublicURL: true, Env: env})
	var fixture []byte
	if seed := consoleFixtures[name]; seed != nil {
		fixture = seed(t, n)
	}
	rep := runConsoleScenario(t, node, browser, artifacts, n, name, fixture)
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
	// The console's hashes are the ids of its embedded manifest, which
	// every node serving it trusts: no hash is unknown.
	for _, e := range rep.PersistedMisses {
		t.Errorf("a hash of the console's was not known to the node: %s", e)
	}
}

func runConsoleScenario(t *testing.T, node, browser, artifacts string, n *testenv.Node, name string, fixture []byte) consoleReport {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "console.mjs", n.Server.URL, name)
	cmd.Dir = jsClientsDir
	cmd.Env = append(os.Environ(), "ROLLCALL_MAIL_DIR="+n.MailDir, "ROLLCALL_ARTIFACTS="+artifacts, "ROLLCALL_CHROMIUM="+browser,
		"ROLLCALL_FIXTURE="+string(fixture))
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
