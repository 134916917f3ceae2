package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/mailer"
	"github.com/rollcall/rollcall/models"
)

const (
	editProfileMutation = `mutation($u: ID!, $f: String!) { updateMemberProfile(input: {userId: $u, firstName: $f}) { firstName } }`
	sendResetMutation   = `mutation($u: ID!) { sendPasswordReset(userId: $u) }`
)

// firstNameOf reads a person's first name as the viewer c sees it.
func firstNameOf(t *testing.T, c *testenv.Client, userGID string) string {
	t.Helper()
	var out struct {
		Node *struct {
			FirstName string `json:"firstName"`
		} `json:"node"`
	}
	c.MustDo(t, `query($id: ID!) { node(id: $id) { ... on User { firstName } } }`, map[string]any{"id": userGID}, &out)
	if out.Node == nil {
		t.Fatalf("user %s is not visible", userGID)
	}
	return out.Node.FirstName
}

// mailUntil waits for a message to addr (a marker sent after the refused
// attempts: the outbox delivers in order) and returns every message so far.
func mailUntil(t *testing.T, n *testenv.Node, addr string) []mailer.Received {
	t.Helper()
	for min := 1; ; min++ {
		msgs := n.Mail(t, min)
		if slices.ContainsFunc(msgs, func(m mailer.Received) bool { return strings.EqualFold(m.To, addr) }) {
			return msgs
		}
		min = len(msgs)
	}
}

func noResetMailTo(t *testing.T, msgs []mailer.Received, addr string) {
	t.Helper()
	for _, m := range msgs {
		if strings.EqualFold(m.To, addr) && mailer.LinkToken(m.Text, "/reset-password") != "" {
			t.Fatalf("a refused reset sent a link to %s: %q", addr, m.Subject)
		}
	}
}

// Issue 10, item 4: an owner is an owner throughout the organization. After
// a second owner gives the first a lower role on a sub-account, a root
// ADMIN can neither edit the first owner's profile, send them a password
// reset, nor change or revoke their access on that sub-account.
func TestOwnerLoweredOnSubAccountIsNotManagedByAdmin(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		f := newOrg(t, n, "first-owner@example.com")
		second := n.AddMember(t, f.rootID, "second-owner@example.com", models.Grant{Role: models.RoleOwner})
		admin := n.AddMember(t, f.rootID, "root-admin@example.com", models.Grant{Role: models.RoleAdmin})
		agent := n.AddMember(t, f.rootID, "agent@example.com", models.Grant{Role: models.RoleAgent})
		agentID := userID(t, agent)
		sub := f.createAccount(t, f.owner, f.rootID, "Sub")

		// The second owner gives the first owner ADMIN on the sub-account.
		var upd struct {
			M struct{ Role string } `json:"updateMember"`
		}
		second.MustDo(t, `mutation($a: ID!, $u: ID!) { updateMember(input: {accountId: $a, userId: $u, role: ADMIN}) { role } }`,
			map[string]any{"a": sub, "u": f.userID}, &upd)
		if m := membershipOn(t, f.owner, sub); upd.M.Role != "ADMIN" || m == nil || m.Role != "ADMIN" || m.Inherited {
			t.Fatalf("setup: the first owner is ADMIN on the sub-account: %+v %+v", upd.M, m)
		}
		before := firstNameOf(t, f.owner, f.userID)

		// The root admin tries every action on the first owner.
		r := admin.Do(t, editProfileMutation, map[string]any{"u": f.userID, "f": "Mallory"})
		wantCode(t, r, "FORBIDDEN")
		wantCode(t, admin.Do(t, sendResetMutation, map[string]any{"u": f.userID}), "FORBIDDEN")
		wantCode(t, admin.Do(t, `mutation($a: ID!, $u: ID!) { updateMember(input: {accountId: $a, userId: $u, role: AGENT, permissions: []}) { role } }`,
			map[string]any{"a": sub, "u": f.userID}), "FORBIDDEN")
		wantCode(t, admin.Do(t, `mutation($a: ID!, $u: ID!) { revokeAccess(input: {accountId: $a, userId: $u}) { reassignedContacts } }`,
			map[string]any{"a": sub, "u": f.userID}), "FORBIDDEN")
		wantCode(t, admin.Do(t, `mutation($o: ID!, $u: ID!) { removeFromOrganization(input: {organizationId: $o, userId: $u}) }`,
			map[string]any{"o": f.orgID, "u": f.userID}), "FORBIDDEN")

		// Nothing changed: name, access on the sub-account, audit log, mail.
		if got := firstNameOf(t, second, f.userID); got != before {
			t.Fatalf("the first owner was renamed to %q", got)
		}
		if m := membershipOn(t, f.owner, sub); m == nil || m.Role != "ADMIN" {
			t.Fatalf("the first owner's access on the sub-account changed: %+v", m)
		}
		log := auMustLog(t, f.owner, f.orgID, map[string]any{"actorId": userID(t, admin)})
		if len(log.Rows) != 0 {
			t.Fatalf("refused actions left audit events: %v", log.actions())
		}

		// The admin still acts on people they outrank; the marker mail
		// comes after any the refused reset would have queued.
		var edited struct {
			U struct{ FirstName string } `json:"updateMemberProfile"`
		}
		admin.MustDo(t, editProfileMutation, map[string]any{"u": agentID, "f": "Agatha"}, &edited)
		if edited.U.FirstName != "Agatha" {
			t.Fatalf("admin edits an agent: %+v", edited)
		}
		var sent struct {
			OK bool `json:"sendPasswordReset"`
		}
		admin.MustDo(t, sendResetMutation, map[string]any{"u": agentID}, &sent)
		noResetMailTo(t, mailUntil(t, n, "agent@example.com"), "first-owner@example.com")

		// Another owner still manages the first owner.
		second.MustDo(t, editProfileMutation, map[string]any{"u": f.userID, "f": "Ada"}, &edited)
		if edited.U.FirstName != "Ada" {
			t.Fatalf("an owner edits an owner: %+v", edited)
		}
		second.MustDo(t, sendResetMutation, map[string]any{"u": f.userID}, &sent)
		mailUntil(t, n, "first-owner@example.com")
	})
}

// Issue 10, item 5: organization B's owner cannot act on the identity of a
// person who is also an ADMIN of organization A; someone who may manage the
// person in both organizations can, and both organizations' logs record it.
func TestOtherOrganizationCannotActOnSharedPerson(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		a := newTenant(t, n, "owner@a.example")
		b := newTenant(t, n, "owner@b.example")
		shared := n.AddMember(t, a.root, "shared@a.example", models.Grant{Role: models.RoleAdmin})
		sharedID := userID(t, shared)
		bAgent := n.AddMember(t, b.root, "agent@b.example", models.Grant{Role: models.RoleAgent})
		bAgentID := userID(t, bAgent)

		// B invites A's admin, who accepts.
		mustInvite(t, b.owner, map[string]any{"accountIds": []string{b.root}, "emails": "shared@a.example", "role": "AGENT"})
		var acc acceptPayload
		accept(t, shared, map[string]any{"token": inviteToken(t, n.Mail(t, 1), "shared@a.example")}).Decode(t, &acc)
		shared.Token = acc.AcceptInvitation.Token
		if names := orgNames(t, shared); !slices.Contains(names, a.orgName) || !slices.Contains(names, b.orgName) {
			t.Fatalf("setup: the person is in both organizations: %v", names)
		}
		before := firstNameOf(t, a.owner, sharedID)

		// B's owner tries to rename them and send them a reset.
		for _, r := range []*testenv.Response{
			b.owner.Do(t, editProfileMutation, map[string]any{"u": sharedID, "f": "Mallory"}),
			b.owner.Do(t, sendResetMutation, map[string]any{"u": sharedID}),
		} {
			wantCode(t, r, "FORBIDDEN")
			if msg := r.Errors[0].Message; strings.Contains(msg, a.orgName) || !strings.Contains(msg, "another organization") {
				t.Fatalf("message %q: says why, without naming the other organization", msg)
			}
		}

		// A sees no change, and neither log has anything from B's owner.
		if got := firstNameOf(t, a.owner, sharedID); got != before {
			t.Fatalf("A sees the person renamed to %q", got)
		}
		identity := map[string]any{"actions": []string{"MEMBER_PROFILE_UPDATED", "PASSWORD_RESET_SENT"}, "targetUserId": sharedID}
		for _, tn := range []tenant{a, b} {
			if log := auMustLog(t, tn.owner, models.GlobalID(models.KindOrganization, tn.orgID), identity); len(log.Rows) != 0 {
				t.Fatalf("%s's log: %v", tn.orgName, log.actions())
			}
		}
		// A's owner is not in B: they no longer act on the person alone either.
		wantCode(t, a.owner.Do(t, editProfileMutation, map[string]any{"u": sharedID, "f": "Ada"}), "FORBIDDEN")

		// B's owner still acts on B's own people; the marker mail comes
		// after any the refused reset would have queued.
		var edited struct {
			U struct{ FirstName string } `json:"updateMemberProfile"`
		}
		b.owner.MustDo(t, editProfileMutation, map[string]any{"u": bAgentID, "f": "Bea"}, &edited)
		var sent struct {
			OK bool `json:"sendPasswordReset"`
		}
		b.owner.MustDo(t, sendResetMutation, map[string]any{"u": bAgentID}, &sent)
		noResetMailTo(t, mailUntil(t, n, "agent@b.example"), "shared@a.example")

		// A's owner joins B as an ADMIN: they now may manage the person in
		// both organizations, and each organization's log records the change.
		mustInvite(t, b.owner, map[string]any{"accountIds": []string{b.root}, "emails": "owner@a.example", "role": "ADMIN"})
		var acc2 acceptPayload
		accept(t, a.owner, map[string]any{"token": inviteToken(t, mailUntil(t, n, "owner@a.example"), "owner@a.example")}).Decode(t, &acc2)
		a.owner.Token = acc2.AcceptInvitation.Token
		a.owner.MustDo(t, editProfileMutation, map[string]any{"u": sharedID, "f": "Ada"}, &edited)
		if edited.U.FirstName != "Ada" || firstNameOf(t, shared, sharedID) != "Ada" {
			t.Fatalf("an actor who may manage the person everywhere edits them: %+v", edited)
		}
		for _, tn := range []tenant{a, b} {
			log := auMustLog(t, tn.owner, models.GlobalID(models.KindOrganization, tn.orgID), identity)
			if !slices.Equal(log.actions(), []string{"MEMBER_PROFILE_UPDATED"}) || log.Rows[0].TargetUser == nil || log.Rows[0].TargetUser.ID != sharedID {
				t.Fatalf("%s's log: %+v", tn.orgName, log.Rows)
			}
		}
	})
}
