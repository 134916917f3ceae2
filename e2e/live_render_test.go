package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

// The two documents of the render test: every field of a presence event
// that reads alike for everyone, and the same with the one that reads the
// viewer (the organizations a person shares with the viewer).
const (
	sharedPresenceDoc = `subscription($a: ID!) { presenceChanged(accountId: $a) { __typename accountId at
		user { id email communicationEmail emailVerified firstName lastName displayName phone defaultSendingCountry
			preferredLanguage avatarUrl lastActiveAt createdAt presence { status connectedDevices lastActiveAt } }
		presence { status lastActiveAt connectedDevices } } }`
	personalPresenceDoc = `subscription($a: ID!) { presenceChanged(accountId: $a) { at user { email organizations { id name } } presence { status } } }`
)

// rawReader reads a socket's `next` payloads byte for byte, keeping those
// of other subscriptions for later.
type rawReader struct {
	ws      *wsClient
	pending map[string][]string
}

func newRawReader(ws *wsClient) *rawReader { return &rawReader{ws: ws, pending: map[string][]string{}} }

// next returns the next payload of subscription id that mentions email
// (skipping the others of id).
func (r *rawReader) next(t *testing.T, id, email string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for len(r.pending[id]) > 0 {
			p := r.pending[id][0]
			r.pending[id] = r.pending[id][1:]
			if strings.Contains(p, email) {
				return p
			}
		}
		_ = r.ws.conn.SetReadDeadline(deadline)
		_, raw, err := r.ws.conn.ReadMessage()
		if err != nil {
			t.Fatalf("read %s for %s: %v", id, email, err)
		}
		var m struct {
			ID      string          `json:"id"`
			Type    string          `json:"type"`
			Payload json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("not JSON: %s", raw)
		}
		if m.Type != "next" {
			t.Fatalf("%s: %s %s", m.ID, m.Type, m.Payload)
		}
		r.pending[m.ID] = append(r.pending[m.ID], string(m.Payload))
	}
}

// Rendering an event once per group gives every subscriber the bytes it
// would get rendered alone in its own viewer's context: node g groups,
// node p renders per subscriber, both on one database and one Redis, and
// every role and restriction subscribes on both with a shared and a
// personal document.
func TestGroupedRenderingMatchesPerWatcher(t *testing.T) {
	url := testenv.MySQL(t)
	redisURL, prefix := testenv.Redis(t)
	if url == "" || redisURL == "" {
		t.Skip("TEST_MYSQL_DSN and TEST_REDIS_URL are needed for several nodes")
	}
	store := testenv.Store{Name: "mysql", URL: url}
	g := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true, RedisPrefix: prefix})
	p := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true, RedisPrefix: prefix, LivePerWatcher: true})

	f := newOrg(t, g, "owner@example.com")
	sub := f.createAccount(t, f.owner, f.rootID, "Support")
	restricted := models.Restrictions{AssignedContactsOnly: true, DataExportBlocked: true}
	viewers := map[string]*testenv.Client{
		"owner":              f.owner,
		"admin":              g.AddMember(t, f.rootID, "admin@example.com", models.Grant{Role: models.RoleAdmin}),
		"manager":            g.AddMember(t, sub, "manager@example.com", models.Grant{Role: models.RoleManager}),
		"manager-restricted": g.AddMember(t, sub, "managerr@example.com", models.Grant{Role: models.RoleManager, Restrictions: restricted}),
		"agent":              g.AddMember(t, sub, "agent@example.com", models.Grant{Role: models.RoleAgent}),
		"agent-restricted":   g.AddMember(t, sub, "agentr@example.com", models.Grant{Role: models.RoleAgent, Restrictions: models.Restrictions{AssignedContactsOnly: true}}),
		"inherited-manager":  g.AddMember(t, f.rootID, "rootmanager@example.com", models.Grant{Role: models.RoleManager}),
	}
	target := g.AddMember(t, sub, "target@example.com", models.Grant{Role: models.RoleAgent})
	// The target and the admin also share a second organization, which
	// only the admin sees in the target's organizations: the personal
	// document renders differently for the admin.
	other := newOrg(t, g, "owner2@example.com")
	g.SeedMember(t, other.rootID, "target@example.com", models.Grant{Role: models.RoleAgent})
	g.SeedMember(t, other.rootID, "admin@example.com", models.Grant{Role: models.RoleAgent})

	type sockets struct{ onG, onP *rawReader }
	socks := map[string]sockets{}
	for name, c := range viewers {
		s := sockets{onG: newRawReader(initWS(t, g, c)), onP: newRawReader(initWS(t, p, c))}
		for _, r := range []*rawReader{s.onG, s.onP} {
			ws := r.ws
			ws.send(map[string]any{"id": "shared", "type": "subscribe", "payload": map[string]any{"query": sharedPresenceDoc, "variables": map[string]any{"a": sub}}})
			ws.send(map[string]any{"id": "personal", "type": "subscribe", "payload": map[string]any{"query": personalPresenceDoc, "variables": map[string]any{"a": sub}}})
		}
		socks[name] = s
	}
	// Wait until every subscription is live on both nodes: the shared
	// document is one group on g (one per viewer's session for the
	// personal one), and one group per subscription on p.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, gg := g.App.LiveGroups()
		_, pg := p.App.LiveGroups()
		if gg == 1+len(viewers) && pg == 2*len(viewers) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("groups: %d on the grouping node (want %d), %d on the other (want %d)", gg, 1+len(viewers), pg, 2*len(viewers))
		}
		time.Sleep(20 * time.Millisecond)
	}

	// The target connects (ONLINE), sets AWAY, then comes back ACTIVE;
	// every subscription gets each event before the next step.
	steps := []func(){
		func() { initWS(t, g, target) },
		func() { target.Do(t, `mutation { setPresence(input: {activity: AWAY}) { status } }`, nil) },
		func() { target.Do(t, `mutation { setPresence(input: {activity: ACTIVE}) { status } }`, nil) },
	}
	got := map[string][]string{} // viewer/document/node → payloads
	for _, step := range steps {
		step()
		for name, s := range socks {
			for _, id := range []string{"shared", "personal"} {
				got[name+"/"+id+"/g"] = append(got[name+"/"+id+"/g"], s.onG.next(t, id, "target@example.com"))
				got[name+"/"+id+"/p"] = append(got[name+"/"+id+"/p"], s.onP.next(t, id, "target@example.com"))
			}
		}
	}
	var sharedRef []string
	for name := range socks {
		for _, id := range []string{"shared", "personal"} {
			grouped, alone := got[name+"/"+id+"/g"], got[name+"/"+id+"/p"]
			for i := range grouped {
				if grouped[i] != alone[i] {
					t.Errorf("%s, %s document, event %d:\ngrouped:    %s\nper viewer: %s", name, id, i, grouped[i], alone[i])
				}
			}
			if id == "shared" {
				if sharedRef == nil {
					sharedRef = grouped
				} else if strings.Join(grouped, "\n") != strings.Join(sharedRef, "\n") {
					t.Errorf("%s received other bytes than another viewer of the shared document", name)
				}
			}
		}
	}
	if a, o := got["admin/personal/g"][0], got["owner/personal/g"][0]; a == o || !strings.Contains(a, other.orgID) {
		t.Fatalf("the admin's personal rendering should name the second organization:\nadmin: %s\nowner: %s", a, o)
	}
	for i, status := range []string{"ONLINE", "AWAY", "ONLINE"} {
		if !strings.Contains(sharedRef[i], `"status":"`+status+`"`) {
			t.Fatalf("event %d: want %s, got %s", i, status, sharedRef[i])
		}
	}
}
