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

// Automatic persisted queries with the real Apollo Client 4
// (e2e/jsclients/apollo-persisted-queries.mjs): createPersistedQueryLink
// with sha256 and useGETForHashedQueries.

type apqExchange struct {
	Method       string `json:"method"`
	HasQuery     bool   `json:"hasQuery"`
	Hash         string `json:"hash"`
	Status       int    `json:"status"`
	Code         string `json:"code"`
	CacheControl string `json:"cacheControl"`
}

type apqReport struct {
	Client  string `json:"client"`
	Version string `json:"version"`
	First   struct {
		Requests []apqExchange `json:"requests"`
		Products *int          `json:"products"`
		Error    *string       `json:"error"`
	} `json:"first"`
	Second struct {
		Requests []apqExchange `json:"requests"`
		Products *int          `json:"products"`
		Error    *string       `json:"error"`
	} `json:"second"`
	Me struct {
		Requests []apqExchange `json:"requests"`
		Email    string        `json:"email"`
	} `json:"me"`
}

func TestApolloClientPersistedQueries(t *testing.T) {
	node := requireJSClients(t)
	if _, err := os.Stat(filepath.Join(jsClientsDir, "node_modules", "@apollo", "client", "package.json")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("under CI @apollo/client must be installed (`npm ci --prefix e2e/jsclients`)")
		}
		t.Skip("e2e/jsclients/node_modules/@apollo/client is missing")
	}
	store := testenv.Store{Name: "sqlite", URL: "sqlite:" + testenv.SQLitePath(t)}
	n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
	f := n.NewOrg(t, "owner@example.com")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "apollo-persisted-queries.mjs", n.Server.URL+"/query")
	cmd.Dir = jsClientsDir
	cmd.Env = append(os.Environ(), "ROLLCALL_OWNER_TOKEN="+f.Owner.Token)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("the script did not finish within 30s\nstdout: %s\nstderr: %s", stdout.String(), stderr.String())
	}
	if err != nil {
		t.Fatalf("node: %v\nstderr: %s\nstdout: %s", err, stderr.String(), stdout.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var rep apqReport
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rep); err != nil {
		t.Fatalf("no JSON result line (%v): %s", err, stdout.String())
	}
	t.Logf("%s %s: %s", rep.Client, rep.Version, lines[len(lines)-1])

	// First query: GET with the hash alone misses, then POST with the text
	// and the hash registers it and answers.
	first := rep.First.Requests
	if len(first) != 2 ||
		first[0].Method != "GET" || first[0].HasQuery || first[0].Hash == "" || first[0].Code != "PERSISTED_QUERY_NOT_FOUND" ||
		first[1].Method != "POST" || !first[1].HasQuery || first[1].Hash != first[0].Hash || first[1].Status != 200 || first[1].Code != "" {
		t.Errorf("first query: want a GET miss then a POST registration, got %+v", first)
	}
	if first[0].CacheControl != "no-store" {
		t.Errorf("the miss must not be cached: %q", first[0].CacheControl)
	}
	if rep.First.Products == nil || *rep.First.Products == 0 || rep.First.Error != nil {
		t.Errorf("first query's result: %v products, error %v", rep.First.Products, rep.First.Error)
	}

	// Second query (another client): one GET, hash alone, served, public.
	second := rep.Second.Requests
	if len(second) != 1 || second[0].Method != "GET" || second[0].HasQuery || second[0].Hash != first[0].Hash ||
		second[0].Status != 200 || second[0].Code != "" {
		t.Errorf("second query: want one GET served by its hash, got %+v", second)
	} else if !strings.HasPrefix(second[0].CacheControl, "public, max-age=") {
		t.Errorf("an anonymous GET query is cacheable: %q", second[0].CacheControl)
	}
	if rep.Second.Products == nil || *rep.Second.Products != *rep.First.Products || rep.Second.Error != nil {
		t.Errorf("second query's result: %v products, error %v", rep.Second.Products, rep.Second.Error)
	}

	// Signed in: the GET served by hash is private.
	me := rep.Me.Requests
	if rep.Me.Email != "owner@example.com" || len(me) != 3 || me[2].Method != "GET" || me[2].HasQuery || me[2].Status != 200 {
		t.Errorf("signed-in query: %+v", rep.Me)
	} else if !strings.HasPrefix(me[2].CacheControl, "private") {
		t.Errorf("a GET with Authorization must be private: %q", me[2].CacheControl)
	}
}
