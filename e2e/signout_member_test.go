package e2e

import (
	"encoding/json"
	"testing"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

const signOutMemberMutation = `mutation($u: ID!) { signOutMember(userId: $u) }`

// signedIn reports whether c's token still answers me.
func signedIn(t *testing.T, c *testenv.Client) bool {
	t.Helper()
	var out struct {
		Me *struct{ ID string } `json:"me"`
	}
	r := c.Do(t, `{ me { id } }`, nil)
	if len(r.Errors) > 0 {
		return false
	}
	r.Decode(t, &out)
	return out.Me != nil
}

// An owner or admin signs a member out of every device (a lost laptop):
// only people whose role they manage, never themselves, never someone of
// another organization; the log records it with how many sessions ended.
func TestSignOutMember(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		f := newOrg(t, n, "owner@example.com")
		admin := n.AddMember(t, f.rootID, "admin@example.com", models.Grant{Role: models.RoleAdmin})
		manager := n.AddMember(t, f.rootID, "manager@example.com", models.Grant{Role: models.RoleManager})
		agent := n.AddMember(t, f.rootID, "agent@example.com", models.Grant{Role: models.RoleAgent})
		agentPhone := signInAgain(t, n, "agent@example.com", "correct horse battery", firefoxWindows)
		agentID, adminID := userID(t, agent), userID(t, admin)
		stranger := newOrg(t, n, "stranger@example.com")

		refusals := []struct {
			name   string
			by     *testenv.Client
			target string
			code   string
		}{
			{"a manager, on an agent", manager, agentID, "FORBIDDEN"},
			{"an agent, on an admin", agent, adminID, "FORBIDDEN"},
			{"an admin, on the owner", admin, f.userID, "FORBIDDEN"},
			{"the owner, on themself", f.owner, f.userID, "FORBIDDEN"},
			{"another organization's owner", stranger.owner, agentID, "NOT_FOUND"},
			{"a malformed id", f.owner, "not-an-id", "NOT_FOUND"},
			{"an organization's id", f.owner, f.orgID, "NOT_FOUND"},
			{"without a session", n.Client(), agentID, "UNAUTHENTICATED"},
		}
		for _, c := range refusals {
			r := c.by.Do(t, signOutMemberMutation, map[string]any{"u": c.target})
			if r.Code() != c.code {
				t.Errorf("%s: want %s, got %s (%+v)", c.name, c.code, r.Code(), r.Errors)
			}
		}
		if !signedIn(t, agent) || !signedIn(t, agentPhone) || !signedIn(t, f.owner) {
			t.Fatal("a refused sign-out ended a session")
		}

		var out struct {
			N int `json:"signOutMember"`
		}
		admin.MustDo(t, signOutMemberMutation, map[string]any{"u": agentID}, &out)
		if out.N != 2 {
			t.Fatalf("signOutMember ended %d sessions, want the agent's 2", out.N)
		}
		if signedIn(t, agent) || signedIn(t, agentPhone) {
			t.Fatal("the agent's tokens still work after signOutMember")
		}
		if !signedIn(t, admin) || !signedIn(t, manager) {
			t.Fatal("signOutMember ended someone else's session")
		}
		// Again: nothing left to end, and no error.
		admin.MustDo(t, signOutMemberMutation, map[string]any{"u": agentID}, &out)
		if out.N != 0 {
			t.Fatalf("a second signOutMember ended %d sessions", out.N)
		}
		// The agent signs in again as usual.
		if again := signInAgain(t, n, "agent@example.com", "correct horse battery", firefoxWindows); !signedIn(t, again) {
			t.Fatal("the agent cannot sign in again")
		}

		var audit struct {
			Node struct {
				AuditLog struct {
					Edges []struct {
						Node struct {
							Actor       struct{ ID string }
							TargetUser  struct{ ID string }
							TargetEmail string
							Details     string
						}
					}
				}
			} `json:"node"`
		}
		f.owner.MustDo(t, `query($id: ID!) { node(id: $id) { ... on Organization { auditLog(filter: {actions: [MEMBER_SIGNED_OUT]}) {
			edges { node { actor { id } targetUser { id } targetEmail details } } } } } }`, map[string]any{"id": f.orgID}, &audit)
		edges := audit.Node.AuditLog.Edges
		if len(edges) != 2 {
			t.Fatalf("want 2 MEMBER_SIGNED_OUT entries, got %+v", edges)
		}
		var d struct{ Sessions int }
		if err := json.Unmarshal([]byte(edges[1].Node.Details), &d); err != nil || d.Sessions != 2 ||
			edges[1].Node.Actor.ID != adminID || edges[1].Node.TargetUser.ID != agentID || edges[1].Node.TargetEmail != "agent@example.com" {
			t.Fatalf("the first sign-out's entry: %+v (details %+v, %v)", edges[1].Node, d, err)
		}
	})
}

// The member's sockets close (4403) on every node as soon as an admin on
// another node signs them out.
func TestSignOutMemberClosesSocketsOnEveryNode(t *testing.T) {
	a, b := twoNodes(t)
	f := newOrg(t, a, "owner@example.com")
	agent := a.AddMember(t, f.rootID, "ada@example.com", models.Grant{Role: models.RoleAgent}) // stillServes looks for ada
	onB := b.Client()
	onB.Token = agent.Token
	ws := openSocket(t, b, onB)
	defer ws.conn.Close()
	stillServes(t, ws, "before")
	f.owner.MustDo(t, signOutMemberMutation, map[string]any{"u": userID(t, agent)}, new(struct{ N int }))
	waitClosed(t, ws, 4403)
}
