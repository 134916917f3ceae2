package e2e

import (
	"encoding/csv"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

// TestReadReplicas runs two nodes on a MySQL primary with a real replica of
// it (sharing Redis, as nodes share nothing else): directory pages,
// searches and exports are read from the replica, except by a session that
// wrote within DATABASE_READ_YOUR_WRITES (on whichever node), and fall back
// to the primary when the replica is down.
func TestReadReplicas(t *testing.T) {
	primary := testenv.MySQL(t)
	if primary == "" {
		t.Skip("TEST_MYSQL_DSN is not set")
	}
	redisURL, prefix := testenv.Redis(t)
	if redisURL == "" {
		t.Skip("TEST_REDIS_URL is not set")
	}
	replica := testenv.MySQLReplica(t, primary)
	const window = time.Second
	store := testenv.Store{Name: "mysql", URL: primary}
	opt := testenv.NodeOptions{Redis: true, RedisPrefix: prefix, Env: map[string]string{
		"DATABASE_REPLICA_URLS": replica.URL, "DATABASE_READ_YOUR_WRITES": window.String()}}
	a := testenv.StartNode(t, store, opt)
	b := testenv.StartNode(t, store, opt)
	// A node without Redis keeps its marks in its own memory.
	alone := testenv.StartNode(t, store, testenv.NodeOptions{Env: opt.Env})

	f := newOrg(t, a, "owner@example.com")
	reader := a.AddMember(t, f.rootID, "reader@example.com", models.Grant{Role: models.RoleAdmin})
	readerB := b.Client()
	readerB.Token = reader.Token
	ownerB := b.Client()
	ownerB.Token = f.owner.Token
	// Sign-up and sign-in marked their sessions: let the marks (window plus
	// a fifth of it in Redis) pass, with everything replicated.
	replica.CatchUp(t)
	time.Sleep(window + window/2) // the read-your-writes window has no event to wait on

	directory := func(c *testenv.Client) (emails []string, ownerName string) {
		t.Helper()
		for _, e := range members(t, c, f.rootID, map[string]any{"first": 50}).Node.Members.Edges {
			emails = append(emails, e.Node.User.Email)
			if e.Node.User.Email == "owner@example.com" {
				ownerName = e.Node.User.FirstName
			}
		}
		return emails, ownerName
	}
	export := func(n *testenv.Node, c *testenv.Client) []string {
		t.Helper()
		var u struct {
			Node struct{ MembersCsvURL string } `json:"node"`
		}
		c.MustDo(t, `query($id: ID!) { node(id: $id) { ... on Account { membersCsvUrl } } }`, map[string]any{"id": f.rootID}, &u)
		req, _ := http.NewRequest(http.MethodGet, n.Server.URL+u.Node.MembersCsvURL[strings.Index(u.Node.MembersCsvURL, "/export/"):], nil)
		req.Header.Set("Authorization", "Bearer "+c.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
		if resp.StatusCode != http.StatusOK || err != nil {
			t.Fatalf("export: %d %v %s", resp.StatusCode, err, body)
		}
		var emails []string
		for _, r := range rows[1:] {
			emails = append(emails, r[0])
		}
		return emails
	}
	has := func(list []string, email string) bool { return slices.Contains(list, email) }

	// (a) The replica serves the routed reads: with its SQL thread stopped,
	// a member written on the primary (by no session) is missing from the
	// directory, the search and the export of sessions that did not write.
	replica.StopSQLThread(t)
	a.SeedMember(t, f.rootID, "ghost@example.com", models.Grant{Role: models.RoleAgent})
	for _, c := range []*testenv.Client{reader, readerB, ownerB} {
		if emails, _ := directory(c); has(emails, "ghost@example.com") || !has(emails, "reader@example.com") {
			t.Fatalf("directory read from the primary, not the stopped replica: %v", emails)
		}
	}
	if got := directorySearch(t, readerB, "ghost"); len(got) != 0 {
		t.Fatalf("search read from the primary: %v", got)
	}
	if got := accountSearch(t, reader, f.rootID, "ghost"); len(got) != 0 {
		t.Fatalf("account search read from the primary: %v", got)
	}
	for i := 0; i < 2; i++ { // the export's own audit record does not pin the next export to the primary
		if got := export(a, reader); has(got, "ghost@example.com") || !has(got, "reader@example.com") {
			t.Fatalf("export %d read from the primary: %v", i+1, got)
		}
	}
	// The primary has it (the rest of the API reads there).
	if emails := directorySearch(t, reader, ""); len(emails) == 0 {
		t.Fatal("empty directory")
	}

	// (b) Read-your-writes: the owner's mutation is seen by the owner's next
	// directory read, search and export, on either node, although
	// replication is stopped; the reader still reads the replica.
	var upd struct{}
	f.owner.MustDo(t, `mutation { updateProfile(input: {firstName: "Renamed"}) { id } }`, nil, &upd)
	for _, c := range []*testenv.Client{f.owner, ownerB} {
		if emails, name := directory(c); name != "Renamed" || !has(emails, "ghost@example.com") {
			t.Fatalf("the writer's directory misses its own write: %q %v", name, emails)
		}
	}
	if got := directorySearch(t, ownerB, "ghost"); !slices.Equal(got, []string{"ghost@example.com"}) {
		t.Fatalf("the writer's search read the replica: %v", got)
	}
	if got := accountSearch(t, f.owner, f.rootID, "ghost"); !slices.Equal(got, []string{"ghost@example.com"}) {
		t.Fatalf("the writer's account search read the replica: %v", got)
	}
	if got := export(b, ownerB); !has(got, "ghost@example.com") {
		t.Fatalf("the writer's export read the replica: %v", got)
	}
	if _, name := directory(readerB); name == "Renamed" {
		t.Fatal("the reader read the primary")
	}
	// After the window, the owner reads the replica again.
	time.Sleep(window + window/2) // the window has no event to wait on
	for _, c := range []*testenv.Client{f.owner, ownerB} {
		if emails, name := directory(c); name == "Renamed" || has(emails, "ghost@example.com") {
			t.Fatalf("after the window the writer still reads the primary: %q %v", name, emails)
		}
	}
	// Without Redis, the node that took the write honours it.
	readerAlone := alone.Client()
	readerAlone.Token = reader.Token
	readerAlone.MustDo(t, `mutation { updateProfile(input: {firstName: "Reader"}) { id } }`, nil, &upd)
	if emails, name := directory(readerAlone); name != "Renamed" || !has(emails, "ghost@example.com") {
		t.Fatalf("the writer's directory on a node without Redis misses its own write: %q %v", name, emails)
	}
	replica.CatchUp(t)
	if emails, name := directory(reader); name != "Renamed" || !has(emails, "ghost@example.com") {
		t.Fatalf("the caught-up replica: %q %v", name, emails)
	}

	// (c) A replica that is down: the routed reads fall back to the primary
	// (with a warning in the log), nobody gets an error.
	replica.StopSQLThread(t)
	a.SeedMember(t, f.rootID, "late@example.com", models.Grant{Role: models.RoleAgent})
	replica.Kill(t)
	for _, c := range []*testenv.Client{reader, readerB} {
		if emails, _ := directory(c); !has(emails, "late@example.com") {
			t.Fatalf("with the replica down the directory did not read the primary: %v", emails)
		}
	}
	if got := directorySearch(t, reader, "late"); !slices.Equal(got, []string{"late@example.com"}) {
		t.Fatalf("with the replica down, search: %v", got)
	}
	if got := export(b, readerB); !has(got, "late@example.com") {
		t.Fatalf("with the replica down, export: %v", got)
	}
}
