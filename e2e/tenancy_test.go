package e2e

import (
	"testing"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

// Every query and mutation that takes an ID answers NOT_FOUND for another
// organization's objects, exactly as for an ID that does not exist.
func TestOtherTenantsIDsAreNotFound(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		a := newOrg(t, n, "alice@example.com")
		b := newOrg(t, n, "bob@example.com")

		// Organization B's objects.
		sub := b.createAccount(t, b.owner, b.rootID, "B sub")
		member := n.AddMember(t, b.rootID, "b-agent@example.com", models.Grant{Role: models.RoleAgent})
		memberID := userID(t, member)
		contact := createContact(t, b.owner, b.rootID, "B contact", &memberID)
		rcv := newReceiver(t)
		endpoint, _ := createEndpoint(t, b.owner, b.orgID, rcv.srv.URL, []string{"INVITATION_SENT"})
		var inv struct {
			I struct {
				Invitations []struct{ ID string } `json:"invitations"`
			} `json:"inviteUsers"`
		}
		b.owner.MustDo(t, `mutation($a: [ID!]!) { inviteUsers(input: {accountIds: $a, emails: "b-invitee@example.com", role: AGENT}) { invitations { id } } }`,
			map[string]any{"a": []string{b.rootID}}, &inv)
		if len(inv.I.Invitations) != 1 {
			t.Fatalf("setup: %+v", inv)
		}
		invitation := inv.I.Invitations[0].ID
		delivery := endpoints(t, b.owner, b.orgID)[0].Deliveries.Edges[0].Node.ID
		var ms struct {
			Me struct {
				Memberships []struct{ ID string } `json:"memberships"`
				Sessions    []struct{ ID string } `json:"sessions"`
			} `json:"me"`
		}
		b.owner.MustDo(t, `{ me { memberships { id } sessions { id } } }`, nil, &ms)
		var audit struct {
			Node struct {
				AuditLog struct {
					Edges []struct{ Node struct{ ID string } }
				} `json:"auditLog"`
			} `json:"node"`
		}
		b.owner.MustDo(t, `query($id: ID!) { node(id: $id) { ... on Organization { auditLog(first: 1) { edges { node { id } } } } } }`, map[string]any{"id": b.orgID}, &audit)
		foreign := map[string]string{
			"organization": b.orgID, "account": sub, "user": memberID, "contact": contact, "invitation": invitation,
			"membership": ms.Me.Memberships[0].ID, "session": ms.Me.Sessions[0].ID, "auditEvent": audit.Node.AuditLog.Edges[0].Node.ID,
			"webhookEndpoint": endpoint, "webhookDelivery": delivery,
		}
		for kind, id := range foreign {
			t.Run("node_"+kind, func(t *testing.T) {
				if r := a.owner.Do(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}); r.Code() != "NOT_FOUND" {
					t.Fatalf("node(%s): %s %+v", kind, r.Data, r.Errors)
				}
			})
		}
		ops := []struct {
			name string
			q    string
			vars map[string]any
		}{
			{"updateOrganization", `mutation($id: ID!) { updateOrganization(input: {id: $id, name: "x"}) { id } }`, map[string]any{"id": b.orgID}},
			{"createAccount", `mutation($id: ID!) { createAccount(input: {parentId: $id, name: "x"}) { id } }`, map[string]any{"id": b.rootID}},
			{"updateMember", `mutation($a: ID!, $u: ID!) { updateMember(input: {accountId: $a, userId: $u, role: AGENT}) { id } }`, map[string]any{"a": b.rootID, "u": memberID}},
			{"updateMemberProfile", `mutation($u: ID!) { updateMemberProfile(input: {userId: $u, firstName: "x"}) { id } }`, map[string]any{"u": memberID}},
			{"grantAccess", `mutation($a: ID!, $u: ID!) { grantAccess(input: {userId: $u, accountIds: [$a], role: AGENT}) { id } }`, map[string]any{"a": b.rootID, "u": memberID}},
			{"grantAccessOwnAccount", `mutation($a: ID!, $u: ID!) { grantAccess(input: {userId: $u, accountIds: [$a], role: AGENT}) { id } }`, map[string]any{"a": a.rootID, "u": memberID}},
			{"revokeAccess", `mutation($a: ID!, $u: ID!) { revokeAccess(input: {accountId: $a, userId: $u}) { reassignedContacts } }`, map[string]any{"a": b.rootID, "u": memberID}},
			{"removeFromOrganization", `mutation($o: ID!, $u: ID!) { removeFromOrganization(input: {organizationId: $o, userId: $u}) }`, map[string]any{"o": b.orgID, "u": memberID}},
			{"leaveOrganization", leaveMutation, map[string]any{"o": b.orgID}},
			{"suspendMember", suspendMutation, map[string]any{"o": b.orgID, "u": memberID}},
			{"reactivateMember", reactivateMutation, map[string]any{"o": b.orgID, "u": memberID}},
			{"sendPasswordReset", `mutation($u: ID!) { sendPasswordReset(userId: $u) }`, map[string]any{"u": memberID}},
			{"signOutMember", signOutMemberMutation, map[string]any{"u": memberID}},
			{"createContact", `mutation($a: ID!) { createContact(input: {accountId: $a, name: "x"}) { id } }`, map[string]any{"a": b.rootID}},
			{"assignContact", `mutation($c: ID!) { assignContact(input: {contactId: $c}) { id } }`, map[string]any{"c": contact}},
			{"signOutSession", `mutation($s: ID!) { signOutSession(id: $s) { id } }`, map[string]any{"s": ms.Me.Sessions[0].ID}},
			{"inviteUsers", `mutation($a: ID!) { inviteUsers(input: {accountIds: [$a], emails: "x@example.com", role: AGENT}) { results { outcome } } }`, map[string]any{"a": b.rootID}},
			{"resendInvitation", `mutation($i: ID!) { resendInvitation(id: $i) { id } }`, map[string]any{"i": invitation}},
			{"updateInvitation", `mutation($i: ID!) { updateInvitation(input: {id: $i, role: AGENT}) { id } }`, map[string]any{"i": invitation}},
			{"revokeInvitation", `mutation($i: ID!) { revokeInvitation(id: $i) { id } }`, map[string]any{"i": invitation}},
			{"createWebhookEndpoint", createEndpointMutation, map[string]any{"in": map[string]any{"organizationId": b.orgID, "url": rcv.srv.URL, "eventTypes": []string{"MEMBER_ADDED"}}}},
			{"updateWebhookEndpoint", updateEndpointMutation, map[string]any{"id": endpoint, "in": map[string]any{"enabled": false}}},
			{"deleteWebhookEndpoint", `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`, map[string]any{"id": endpoint}},
			{"rotateWebhookSecret", `mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`, map[string]any{"id": endpoint}},
			{"replayWebhookDelivery", `mutation($id: ID!) { replayWebhookDelivery(id: $id) { id } }`, map[string]any{"id": delivery}},
		}
		for _, op := range ops {
			t.Run(op.name, func(t *testing.T) {
				if r := a.owner.Do(t, op.q, op.vars); r.Code() != "NOT_FOUND" {
					t.Fatalf("%s with another tenant's ID: %s %+v", op.name, r.Data, r.Errors)
				}
			})
		}
		// Nothing of B changed.
		var check struct {
			Node struct{ Name string } `json:"node"`
		}
		b.owner.MustDo(t, `query($id: ID!) { node(id: $id) { ... on Organization { name } } }`, map[string]any{"id": b.orgID}, &check)
		if check.Node.Name != "Acme bob@example.com" {
			t.Fatalf("B was changed: %+v", check)
		}
	})
}
