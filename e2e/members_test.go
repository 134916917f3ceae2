package e2e

import (
	"strings"
	"testing"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/mailer"
	"github.com/rollcall/rollcall/models"
)

func createContact(t *testing.T, c *testenv.Client, account, name string, assignee *string) string {
	t.Helper()
	var out struct {
		C struct{ ID string } `json:"createContact"`
	}
	in := map[string]any{"accountId": account, "name": name}
	if assignee != nil {
		in["assigneeId"] = *assignee
	}
	c.MustDo(t, `mutation($in: CreateContactInput!) { createContact(input: $in) { id } }`, map[string]any{"in": in}, &out)
	return out.C.ID
}

func contactAssignees(t *testing.T, c *testenv.Client, account string) map[string]string {
	t.Helper()
	var out struct {
		Node struct {
			Contacts struct {
				Edges []struct {
					Node struct {
						Name     string
						Assignee *struct{ ID string }
					}
				}
			}
		} `json:"node"`
	}
	c.MustDo(t, `query($id: ID!) { node(id: $id) { ... on Account { contacts(first: 100) { edges { node { name assignee { id } } } } } } }`,
		map[string]any{"id": account}, &out)
	got := map[string]string{}
	for _, e := range out.Node.Contacts.Edges {
		got[e.Node.Name] = ""
		if e.Node.Assignee != nil {
			got[e.Node.Name] = e.Node.Assignee.ID
		}
	}
	return got
}

func TestGrantRevokeAndRemove(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		f := newOrg(t, n, "owner@example.com")
		sales := f.createAccount(t, f.owner, f.rootID, "Sales")
		support := f.createAccount(t, f.owner, f.rootID, "Support")
		agent := n.AddMember(t, sales, "agent@example.com", models.Grant{Role: models.RoleAgent})
		colleague := n.AddMember(t, sales, "colleague@example.com", models.Grant{Role: models.RoleAgent})
		agentID, colleagueID := userID(t, agent), userID(t, colleague)

		// grantAccess: an existing member gains another account.
		var granted struct {
			G []struct {
				Role    string
				Account struct{ ID string }
			} `json:"grantAccess"`
		}
		f.owner.MustDo(t, `mutation($u: ID!, $a: [ID!]!) { grantAccess(input: {userId: $u, accountIds: $a, role: MANAGER}) { role account { id } } }`,
			map[string]any{"u": agentID, "a": []string{support}}, &granted)
		if len(granted.G) != 1 || granted.G[0].Role != "MANAGER" || granted.G[0].Account.ID != support {
			t.Fatalf("grantAccess %+v", granted.G)
		}
		if m := membershipOn(t, agent, support); m == nil || m.Role != "MANAGER" {
			t.Fatalf("granted access %+v", m)
		}
		outsider := newOrg(t, n, "outsider@example.com")
		if r := f.owner.Do(t, `mutation($u: ID!, $a: [ID!]!) { grantAccess(input: {userId: $u, accountIds: $a, role: AGENT}) { role } }`,
			map[string]any{"u": outsider.userID, "a": []string{support}}); r.Code() != "NOT_FOUND" {
			t.Fatalf("grantAccess to someone outside the organization: %+v", r.Errors)
		}
		if r := agent.Do(t, `mutation($u: ID!, $a: [ID!]!) { grantAccess(input: {userId: $u, accountIds: $a, role: AGENT}) { role } }`,
			map[string]any{"u": agentID, "a": []string{f.rootID}}); r.Code() != "FORBIDDEN" {
			t.Fatalf("granting oneself access: %+v", r.Errors)
		}

		// revokeAccess reassigns the person's contacts in that account.
		createContact(t, f.owner, sales, "Client A", &agentID)
		createContact(t, f.owner, sales, "Client B", &agentID)
		createContact(t, f.owner, sales, "Client C", &colleagueID)
		if r := f.owner.Do(t, `mutation($a: ID!, $u: ID!, $to: ID) { revokeAccess(input: {accountId: $a, userId: $u, reassignContactsTo: $to}) { reassignedContacts } }`,
			map[string]any{"a": sales, "u": agentID, "to": outsider.userID}); r.Code() != "BAD_USER_INPUT" {
			t.Fatalf("reassigning to someone without access: %+v", r.Errors)
		}
		if got := contactAssignees(t, f.owner, sales); got["Client A"] != agentID {
			t.Fatalf("a refused revoke moved contacts: %+v", got)
		}
		var rev struct {
			R struct {
				ReassignedContacts int
				Membership         struct{ Role string }
			} `json:"revokeAccess"`
		}
		f.owner.MustDo(t, `mutation($a: ID!, $u: ID!, $to: ID) { revokeAccess(input: {accountId: $a, userId: $u, reassignContactsTo: $to}) { reassignedContacts membership { role } } }`,
			map[string]any{"a": sales, "u": agentID, "to": colleagueID}, &rev)
		if rev.R.ReassignedContacts != 2 || rev.R.Membership.Role != "AGENT" {
			t.Fatalf("revokeAccess %+v", rev.R)
		}
		if got := contactAssignees(t, f.owner, sales); got["Client A"] != colleagueID || got["Client B"] != colleagueID {
			t.Fatalf("contacts after revoke %+v", got)
		}
		if r := agent.Do(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": sales}); r.Code() != "FORBIDDEN" {
			t.Fatalf("revoked access still works: %+v", r.Errors)
		}
		// Still in the organization's directory, with the other access.
		if m := membershipOn(t, agent, support); m == nil {
			t.Fatal("revoking one account ended the other")
		}

		// removeFromOrganization ends every access; contacts left unassigned.
		createContact(t, f.owner, support, "Client D", &agentID)
		var ok struct {
			OK bool `json:"removeFromOrganization"`
		}
		f.owner.MustDo(t, `mutation($o: ID!, $u: ID!) { removeFromOrganization(input: {organizationId: $o, userId: $u}) }`,
			map[string]any{"o": f.orgID, "u": agentID}, &ok)
		if got := contactAssignees(t, f.owner, support); got["Client D"] != "" {
			t.Fatalf("contacts of a removed person are unassigned: %+v", got)
		}
		var me struct {
			Me struct {
				Organizations []struct{ ID string } `json:"organizations"`
			} `json:"me"`
		}
		agent.MustDo(t, `{ me { organizations { id } } }`, nil, &me)
		if len(me.Me.Organizations) != 0 {
			t.Fatalf("removed from the organization: %+v", me.Me.Organizations)
		}
		if r := f.owner.Do(t, `mutation($o: ID!, $u: ID!) { removeFromOrganization(input: {organizationId: $o, userId: $u}) }`,
			map[string]any{"o": f.orgID, "u": f.userID}); r.Code() != "FORBIDDEN" {
			t.Fatalf("removing oneself: %+v", r.Errors)
		}
	})
}

func TestAdminEditsMemberProfileAndSendsReset(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		f := newOrg(t, n, "owner@example.com")
		agent := n.AddMember(t, f.rootID, "agent@example.com", models.Grant{Role: models.RoleAgent})
		manager := n.AddMember(t, f.rootID, "manager@example.com", models.Grant{Role: models.RoleManager})
		agentID := userID(t, agent)
		q := `mutation($in: UpdateMemberProfileInput!) { updateMemberProfile(input: $in) { firstName lastName phone email } }`
		var out struct {
			U struct {
				FirstName, LastName, Email string
				Phone                      *string
			} `json:"updateMemberProfile"`
		}
		f.owner.MustDo(t, q, map[string]any{"in": map[string]any{"userId": agentID, "firstName": "Grace", "lastName": "Hopper", "phone": "+1 415 555 2671"}}, &out)
		if out.U.FirstName != "Grace" || out.U.Phone == nil || *out.U.Phone != "+14155552671" || out.U.Email != "agent@example.com" {
			t.Fatalf("%+v", out.U)
		}
		if r := manager.Do(t, q, map[string]any{"in": map[string]any{"userId": f.userID, "firstName": "X"}}); r.Code() != "FORBIDDEN" {
			t.Fatalf("a manager edits the owner: %+v", r.Errors)
		}
		// There is no way for an admin to change a login email: the input has no such field.
		if r := f.owner.Do(t, `mutation($u: ID!) { updateMemberProfile(input: {userId: $u, email: "x@example.com"}) { email } }`, map[string]any{"u": agentID}); r.Code() != "BAD_USER_INPUT" {
			t.Fatalf("email must not be editable by an admin: %+v", r.Errors)
		}
		var sent struct {
			OK bool `json:"sendPasswordReset"`
		}
		f.owner.MustDo(t, `mutation($u: ID!) { sendPasswordReset(userId: $u) }`, map[string]any{"u": agentID}, &sent)
		msgs := n.Mail(t, 1)
		last := msgs[len(msgs)-1]
		if last.To != "agent@example.com" || mailer.LinkToken(last.Text, "/reset-password") == "" || !strings.Contains(strings.ToLower(last.Text), "administrator") {
			t.Fatalf("admin reset mail: %+v", last)
		}
		if r := agent.Do(t, `mutation($u: ID!) { sendPasswordReset(userId: $u) }`, map[string]any{"u": f.userID}); r.Code() != "FORBIDDEN" {
			t.Fatalf("an agent sends resets: %+v", r.Errors)
		}
	})
}
