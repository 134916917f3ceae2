package e2e

import (
	"testing"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

const leaveMutation = `mutation($o: ID!) { leaveOrganization(organizationId: $o) }`

// orgIDsOf lists the organizations c's person belongs to.
func orgIDsOf(t *testing.T, c *testenv.Client) []string {
	t.Helper()
	var me struct {
		Me struct {
			Organizations []struct{ ID string } `json:"organizations"`
		} `json:"me"`
	}
	c.MustDo(t, `{ me { organizations { id } } }`, nil, &me)
	ids := make([]string, len(me.Me.Organizations))
	for i, o := range me.Me.Organizations {
		ids[i] = o.ID
	}
	return ids
}

// A person leaves an organization themself: every access there ends, they
// leave its directory and its streams, their contacts there become
// unassigned, and its log records it; their other organizations and their
// sessions are untouched. The last owner cannot leave.
func TestLeaveOrganization(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		f := newOrg(t, n, "owner@example.com")
		elsewhere := newOrg(t, n, "other-owner@example.com")
		sales := f.createAccount(t, f.owner, f.rootID, "Sales")
		agent := n.AddMember(t, f.rootID, "agent@example.com", models.Grant{Role: models.RoleAgent})
		n.SeedMember(t, sales, "agent@example.com", models.Grant{Role: models.RoleManager})
		n.SeedMember(t, elsewhere.rootID, "agent@example.com", models.Grant{Role: models.RoleAgent})
		agentID := userID(t, agent)
		createContact(t, f.owner, sales, "Client A", &agentID)
		watch := watchPresence(t, n, agent, f.rootID)
		waitWatchingAs(t, watch, agent, "agent@example.com")

		refusals := []struct {
			name string
			by   *testenv.Client
			org  string
			code string
		}{
			{"the last owner", f.owner, f.orgID, "CONFLICT"},
			{"someone not in it", elsewhere.owner, f.orgID, "NOT_FOUND"},
			{"an account's id", agent, f.rootID, "NOT_FOUND"},
			{"a malformed id", agent, "nope", "NOT_FOUND"},
			{"without a session", n.Client(), f.orgID, "UNAUTHENTICATED"},
		}
		for _, c := range refusals {
			if r := c.by.Do(t, leaveMutation, map[string]any{"o": c.org}); r.Code() != c.code {
				t.Errorf("%s: want %s, got %s (%+v)", c.name, c.code, r.Code(), r.Errors)
			}
		}
		if got := orgIDsOf(t, f.owner); len(got) != 1 {
			t.Fatalf("a refused leave changed the owner's organizations: %v", got)
		}

		var out struct {
			OK bool `json:"leaveOrganization"`
		}
		agent.MustDo(t, leaveMutation, map[string]any{"o": f.orgID}, &out)
		if !out.OK {
			t.Fatal("leaveOrganization answered false")
		}
		// Out of this organization, in the other, still signed in.
		if got := orgIDsOf(t, agent); len(got) != 1 || got[0] != elsewhere.orgID {
			t.Fatalf("after leaving, the agent's organizations are %v, want only %s", got, elsewhere.orgID)
		}
		if r := agent.Do(t, `query($id: ID!) { organization(id: $id) { id } }`, map[string]any{"o": f.orgID, "id": f.orgID}); r.Code() != "NOT_FOUND" {
			t.Fatalf("the left organization still answers: %+v", r.Errors)
		}
		expectEnded(t, watch, "p", "FORBIDDEN")
		if got := contactAssignees(t, f.owner, sales); got["Client A"] != "" {
			t.Fatalf("the leaver's contacts are unassigned: %+v", got)
		}
		if r := agent.Do(t, leaveMutation, map[string]any{"o": f.orgID}); r.Code() != "NOT_FOUND" {
			t.Fatalf("leaving twice: %+v", r.Errors)
		}

		var audit struct {
			Node struct {
				AuditLog struct {
					Edges []struct {
						Node struct {
							Actor       struct{ ID string }
							TargetUser  *struct{ ID string }
							TargetEmail string
						}
					}
				}
			} `json:"node"`
		}
		f.owner.MustDo(t, `query($id: ID!) { node(id: $id) { ... on Organization { auditLog(filter: {actions: [LEFT_ORGANIZATION]}) {
			edges { node { actor { id } targetUser { id } targetEmail } } } } } }`, map[string]any{"id": f.orgID}, &audit)
		if e := audit.Node.AuditLog.Edges; len(e) != 1 || e[0].Node.Actor.ID != agentID || e[0].Node.TargetEmail != "agent@example.com" {
			t.Fatalf("the log's LEFT_ORGANIZATION entries: %+v", e)
		}

		// With a second owner, the first may leave.
		second := n.AddMember(t, f.rootID, "second@example.com", models.Grant{Role: models.RoleOwner})
		f.owner.MustDo(t, leaveMutation, map[string]any{"o": f.orgID}, &out)
		if got := orgIDsOf(t, f.owner); len(got) != 0 {
			t.Fatalf("the first owner left, yet belongs to %v", got)
		}
		if r := second.Do(t, leaveMutation, map[string]any{"o": f.orgID}); r.Code() != "CONFLICT" {
			t.Fatalf("the second owner is now the last: %+v", r.Errors)
		}
	})
}
