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

const (
	suspendMutation    = `mutation($o: ID!, $u: ID!) { suspendMember(organizationId: $o, userId: $u) }`
	reactivateMutation = `mutation($o: ID!, $u: ID!) { reactivateMember(organizationId: $o, userId: $u) }`
)

// setSuspended runs suspendMember (or reactivateMember) as c and returns
// whether the person's state changed.
func setSuspended(t *testing.T, c *testenv.Client, suspend bool, org, user string) bool {
	t.Helper()
	q, field := reactivateMutation, "reactivateMember"
	if suspend {
		q, field = suspendMutation, "suspendMember"
	}
	var out map[string]bool
	c.MustDo(t, q, map[string]any{"o": org, "u": user}, &out)
	return out[field]
}

// directoryEntry is a person of a members list as the test reads it.
type directoryEntry struct {
	suspended   bool
	suspendedAt *string
}

// accountDirectory lists the members of an account as c sees them.
func accountDirectory(t *testing.T, c *testenv.Client, account string) (map[string]directoryEntry, int) {
	t.Helper()
	var out struct {
		Node struct {
			Members struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						Suspended   bool
						SuspendedAt *string
						User        struct{ Email string }
					}
				}
			}
		}
	}
	c.MustDo(t, `query($id: ID!) { node(id: $id) { ... on Account { members(first: 100) { totalCount edges { node { suspended suspendedAt user { email } } } } } } }`,
		map[string]any{"id": account}, &out)
	got := map[string]directoryEntry{}
	for _, e := range out.Node.Members.Edges {
		got[e.Node.User.Email] = directoryEntry{e.Node.Suspended, e.Node.SuspendedAt}
	}
	return got, out.Node.Members.TotalCount
}

// orgPeople lists the people of an organization's directory as c sees
// them (Organization.members), searching for search when not empty.
func orgPeople(t *testing.T, c *testenv.Client, org, search string) (map[string]directoryEntry, int) {
	t.Helper()
	var out struct {
		Node struct {
			Members struct {
				TotalCount int
				Edges      []struct {
					Suspended   bool
					SuspendedAt *string
					Node        struct{ Email string }
				}
			}
		}
	}
	c.MustDo(t, `query($id: ID!, $s: String) { node(id: $id) { ... on Organization { members(search: $s, first: 100) { totalCount edges { suspended suspendedAt node { email } } } } } }`,
		map[string]any{"id": org, "s": search}, &out)
	got := map[string]directoryEntry{}
	for _, e := range out.Node.Members.Edges {
		got[e.Node.Email] = directoryEntry{e.Suspended, e.SuspendedAt}
	}
	return got, out.Node.Members.TotalCount
}

// exportStatuses reads an account's CSV export as c: email → status.
func exportStatuses(t *testing.T, n *testenv.Node, c *testenv.Client, account string) map[string]string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, n.Server.URL+"/export/accounts/"+account+"/members.csv", nil)
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("export: %d %s", resp.StatusCode, body)
	}
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows[1:] {
		out[r[0]] = r[8]
	}
	return out
}

// A suspension by an owner or admin, within the rules for managing a
// person: the suspended member is answered as not a member of that
// organization (their other organization works, their session stays),
// their stream there ends and they leave the others' presence streams;
// owners and admins see them marked suspended, others do not see them;
// reactivation restores everything; both are logged once.
func TestSuspendMember(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		f := newOrg(t, n, "owner@example.com")
		elsewhere := newOrg(t, n, "other-owner@example.com")
		sales := f.createAccount(t, f.owner, f.rootID, "Sales")
		admin := n.AddMember(t, f.rootID, "admin@example.com", models.Grant{Role: models.RoleAdmin})
		manager := n.AddMember(t, f.rootID, "manager@example.com", models.Grant{Role: models.RoleManager})
		agent := n.AddMember(t, f.rootID, "agent@example.com", models.Grant{Role: models.RoleAgent})
		n.SeedMember(t, sales, "agent@example.com", models.Grant{Role: models.RoleManager})
		n.SeedMember(t, elsewhere.rootID, "agent@example.com", models.Grant{Role: models.RoleAgent})
		subAdmin := n.AddMember(t, sales, "sub-admin@example.com", models.Grant{Role: models.RoleAdmin})
		agentID, adminID := userID(t, agent), userID(t, admin)

		refusals := []struct {
			name     string
			by       *testenv.Client
			org, who string
			code     string
		}{
			{"by an agent", agent, f.orgID, adminID, "FORBIDDEN"},
			{"by a manager", manager, f.orgID, agentID, "FORBIDDEN"},
			{"by an admin of a sub-account only", subAdmin, f.orgID, agentID, "FORBIDDEN"},
			{"an owner by an admin", admin, f.orgID, f.userID, "FORBIDDEN"},
			{"yourself", admin, f.orgID, adminID, "FORBIDDEN"},
			{"the last owner, by themself", f.owner, f.orgID, f.userID, "FORBIDDEN"},
			{"another tenant's member", elsewhere.owner, f.orgID, adminID, "NOT_FOUND"},
			{"someone not in the organization", f.owner, f.orgID, elsewhere.userID, "NOT_FOUND"},
			{"an account's id", f.owner, f.rootID, agentID, "NOT_FOUND"},
			{"without a session", n.Client(), f.orgID, agentID, "UNAUTHENTICATED"},
		}
		for _, c := range refusals {
			for _, q := range []string{suspendMutation, reactivateMutation} {
				if r := c.by.Do(t, q, map[string]any{"o": c.org, "u": c.who}); r.Code() != c.code {
					t.Errorf("%s: want %s, got %s (%+v)", c.name, c.code, r.Code(), r.Errors)
				}
			}
		}

		// The agent watches the root account; the owner watches it too,
		// and the manager is online.
		initWS(t, n, manager)
		agentWatch := watchPresence(t, n, agent, f.rootID)
		waitWatchingAs(t, agentWatch, agent, "agent@example.com")
		ownerWatch := watchPresence(t, n, f.owner, f.rootID)
		waitWatching(t, ownerWatch, f.owner)

		if !setSuspended(t, admin, true, f.orgID, agentID) {
			t.Fatal("suspendMember answered false")
		}
		if setSuspended(t, admin, true, f.orgID, agentID) {
			t.Fatal("suspending twice answered true")
		}

		// Their stream on the organization ends; the socket stays.
		expectEnded(t, agentWatch, "p", "FORBIDDEN")
		// They vanish from the owner's stream: their AWAY is not streamed,
		// the manager's next one is.
		time.Sleep(100 * time.Millisecond)
		agent.Do(t, `mutation { setPresence(input: {activity: AWAY}) { status } }`, nil)
		manager.Do(t, `mutation { setPresence(input: {activity: AWAY}) { status } }`, nil)
		for {
			got := mustJSON(ownerWatch.nextEvent("p")["payload"])
			if strings.Contains(got, "agent@example.com") {
				t.Fatalf("after the suspension the owner's stream carries %s", got)
			}
			if strings.Contains(got, "manager@example.com") && strings.Contains(got, `"AWAY"`) {
				break
			}
		}
		// They cannot subscribe again.
		agentWatch.send(map[string]any{"id": "again", "type": "subscribe", "payload": map[string]any{"query": presenceSub, "variables": map[string]any{"a": f.rootID}}})
		if got := mustJSON(agentWatch.nextEvent("again")["payload"]); !strings.Contains(got, `"code":"NOT_FOUND"`) {
			t.Fatalf("a suspended member subscribes again: %s", got)
		}

		// Answered as not a member here; the other organization works;
		// still signed in.
		if got := orgIDsOf(t, agent); len(got) != 1 || got[0] != elsewhere.orgID {
			t.Fatalf("a suspended member's organizations: %v, want only %s", got, elsewhere.orgID)
		}
		for name, q := range map[string]string{
			"organization": `query($id: ID!) { organization(id: $id) { id } }`,
			"account":      `query($id: ID!) { account(id: $id) { id } }`,
			"members":      `query($id: ID!) { node(id: $id) { ... on Account { members { totalCount } } } }`,
		} {
			id := f.orgID
			if name != "organization" {
				id = f.rootID
			}
			if r := agent.Do(t, q, map[string]any{"id": id}); r.Code() != "NOT_FOUND" {
				t.Errorf("a suspended member reads %s: %s %+v", name, r.Data, r.Errors)
			}
		}
		var mine struct {
			Me struct {
				Memberships []struct{ Account struct{ ID string } }
			}
		}
		agent.MustDo(t, `{ me { memberships { account { id } } } }`, nil, &mine)
		if len(mine.Me.Memberships) != 1 || mine.Me.Memberships[0].Account.ID != elsewhere.rootID {
			t.Fatalf("a suspended member's own memberships: %+v", mine.Me.Memberships)
		}
		if _, total := accountDirectory(t, agent, elsewhere.rootID); total != 2 {
			t.Fatalf("the other organization's directory as the suspended member: %d", total)
		}
		if !signedIn(t, agent) {
			t.Fatal("a suspension signed the member out")
		}

		// Owners and admins see them, marked; a manager does not.
		for _, c := range []*testenv.Client{f.owner, admin} {
			got, total := accountDirectory(t, c, f.rootID)
			if e, ok := got["agent@example.com"]; !ok || !e.suspended || e.suspendedAt == nil || total != 4 {
				t.Fatalf("an owner's or admin's directory: %+v (%d)", got, total)
			}
			if got["admin@example.com"].suspended {
				t.Fatal("an active member is marked suspended")
			}
			got, total = orgPeople(t, c, f.orgID, "")
			if e := got["agent@example.com"]; !e.suspended || e.suspendedAt == nil || total != 5 {
				t.Fatalf("an owner's or admin's organization directory: %+v (%d)", got, total)
			}
			// The search index finds them too.
			if got, total := orgPeople(t, c, f.orgID, "agent"); total != 1 || !got["agent@example.com"].suspended {
				t.Fatalf("an owner's or admin's search: %+v (%d)", got, total)
			}
		}
		if got := exportStatuses(t, n, f.owner, f.rootID); got["agent@example.com"] != "SUSPENDED" || got["admin@example.com"] != "ACTIVE" {
			t.Fatalf("the owner's export: %v", got)
		}
		got, total := accountDirectory(t, manager, f.rootID)
		if _, ok := got["agent@example.com"]; ok || total != 3 {
			t.Fatalf("a plain member sees the suspended: %+v (%d)", got, total)
		}
		if got, total := orgPeople(t, manager, f.orgID, "agent"); len(got) != 0 || total != 0 {
			t.Fatalf("a plain member finds the suspended: %+v (%d)", got, total)
		}
		if got := exportStatuses(t, n, manager, f.rootID); got["agent@example.com"] != "" {
			t.Fatalf("a plain member's export: %v", got)
		}
		// The owner may still open the suspended person's page.
		var person struct {
			Node struct {
				Email       string
				Memberships []struct{ Suspended bool }
			}
		}
		f.owner.MustDo(t, `query($id: ID!) { node(id: $id) { ... on User { email memberships { suspended } } } }`, map[string]any{"id": agentID}, &person)
		if person.Node.Email != "agent@example.com" || len(person.Node.Memberships) != 2 || !person.Node.Memberships[0].Suspended {
			t.Fatalf("the suspended person's page: %+v", person)
		}

		// Reactivated: everything is back.
		wantCode(t, agent.Do(t, reactivateMutation, map[string]any{"o": f.orgID, "u": agentID}), "NOT_FOUND")
		if !setSuspended(t, f.owner, false, f.orgID, agentID) {
			t.Fatal("reactivateMember answered false")
		}
		if setSuspended(t, f.owner, false, f.orgID, agentID) {
			t.Fatal("reactivating an active member answered true")
		}
		if got := orgIDsOf(t, agent); len(got) != 2 {
			t.Fatalf("after reactivation the member's organizations: %v", got)
		}
		if got, total := accountDirectory(t, manager, f.rootID); got["agent@example.com"].suspended || total != 4 {
			t.Fatalf("after reactivation the manager's directory: %+v (%d)", got, total)
		}
		again := watchPresence(t, n, agent, f.rootID)
		waitWatchingAs(t, again, agent, "agent@example.com")

		// Logged once each, with the person, the root account and the change.
		var audit struct {
			Node struct {
				AuditLog struct {
					Edges []struct {
						Node struct {
							Action      string
							Actor       struct{ ID string }
							TargetUser  *struct{ ID string }
							TargetEmail string
							Account     struct{ ID string }
							Details     string
						}
					}
				}
			} `json:"node"`
		}
		f.owner.MustDo(t, `query($id: ID!) { node(id: $id) { ... on Organization { auditLog(filter: {actions: [MEMBER_SUSPENDED, MEMBER_REACTIVATED]}) {
			edges { node { action actor { id } targetUser { id } targetEmail account { id } details } } } } } }`, map[string]any{"id": f.orgID}, &audit)
		e := audit.Node.AuditLog.Edges
		if len(e) != 2 {
			t.Fatalf("the log's suspension entries: %+v", e)
		}
		reactivated, suspended := e[0].Node, e[1].Node
		if suspended.Action != "MEMBER_SUSPENDED" || suspended.Actor.ID != adminID || suspended.TargetUser == nil || suspended.TargetUser.ID != agentID ||
			suspended.TargetEmail != "agent@example.com" || suspended.Account.ID != f.rootID ||
			!strings.Contains(suspended.Details, `"before":{"suspended":false}`) || !strings.Contains(suspended.Details, `"after":{"suspended":true}`) ||
			!strings.Contains(suspended.Details, `"highestRole":"MANAGER"`) {
			t.Fatalf("MEMBER_SUSPENDED: %+v", suspended)
		}
		if reactivated.Action != "MEMBER_REACTIVATED" || reactivated.Actor.ID != f.userID || !strings.Contains(reactivated.Details, `"after":{"suspended":false}`) ||
			!strings.Contains(reactivated.Details, `"suspendedBy":"`+adminID+`"`) {
			t.Fatalf("MEMBER_REACTIVATED: %+v", reactivated)
		}
	})
}

// Owners: an owner suspends another owner (an admin cannot); a suspended
// owner no longer counts, so the last active owner cannot leave; a
// suspended admin cannot act on anyone's identity through the
// organization.
func TestSuspendOwnersAndSuspendedActors(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		f := newOrg(t, n, "owner@example.com")
		second := n.AddMember(t, f.rootID, "second@example.com", models.Grant{Role: models.RoleOwner})
		admin := n.AddMember(t, f.rootID, "admin@example.com", models.Grant{Role: models.RoleAdmin})
		agent := n.AddMember(t, f.rootID, "agent@example.com", models.Grant{Role: models.RoleAgent})
		secondID, adminID, agentID := userID(t, second), userID(t, admin), userID(t, agent)

		wantCode(t, admin.Do(t, suspendMutation, map[string]any{"o": f.orgID, "u": secondID}), "FORBIDDEN")
		if !setSuspended(t, f.owner, true, f.orgID, secondID) {
			t.Fatal("an owner could not suspend another owner")
		}
		// The suspended owner does not count: the first is the last active one.
		wantCode(t, f.owner.Do(t, leaveMutation, map[string]any{"o": f.orgID}), "CONFLICT")
		// The suspended owner can do nothing here, not even reactivate themself.
		wantCode(t, second.Do(t, reactivateMutation, map[string]any{"o": f.orgID, "u": secondID}), "NOT_FOUND")
		wantCode(t, second.Do(t, suspendMutation, map[string]any{"o": f.orgID, "u": f.userID}), "NOT_FOUND")

		// A suspended admin loses their standing on identities here.
		if !setSuspended(t, f.owner, true, f.orgID, adminID) {
			t.Fatal("suspending the admin")
		}
		wantCode(t, admin.Do(t, signOutMemberMutation, map[string]any{"u": agentID}), "NOT_FOUND")
		wantCode(t, admin.Do(t, `mutation($u: ID!) { sendPasswordReset(userId: $u) }`, map[string]any{"u": agentID}), "NOT_FOUND")
		wantCode(t, admin.Do(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": agentID}), "NOT_FOUND")
		// Managers still act on suspended people.
		var reset map[string]bool
		f.owner.MustDo(t, `mutation($u: ID!) { sendPasswordReset(userId: $u) }`, map[string]any{"u": adminID}, &reset)

		if !setSuspended(t, f.owner, false, f.orgID, secondID) {
			t.Fatal("reactivating the second owner")
		}
		var out map[string]bool
		f.owner.MustDo(t, leaveMutation, map[string]any{"o": f.orgID}, &out)
		if got := orgIDsOf(t, second); !slices.Contains(got, f.orgID) {
			t.Fatalf("the reactivated owner's organizations: %v", got)
		}
	})
}

// A suspension made on node B ends the suspended member's stream on node
// A at once.
func TestSuspendEndsStreamOnOtherNode(t *testing.T) {
	a, b := twoNodes(t)
	f := newOrg(t, a, "owner@example.com")
	agent := a.AddMember(t, f.rootID, "agent@example.com", models.Grant{Role: models.RoleAgent})
	watch := watchPresence(t, a, agent, f.rootID)
	waitWatchingAs(t, watch, agent, "agent@example.com")
	ownerOnB := b.Client()
	ownerOnB.Token = f.owner.Token
	if !setSuspended(t, ownerOnB, true, f.orgID, userID(t, agent)) {
		t.Fatal("suspendMember answered false")
	}
	expectEnded(t, watch, "p", "FORBIDDEN")
}

// A suspended person receives no contacts: neither assigned one nor
// handed someone else's on a revocation.
func TestSuspendedPersonIsNoAssignee(t *testing.T) {
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{})
	f := newOrg(t, n, "owner@example.com")
	away := userID(t, n.AddMember(t, f.rootID, "away@example.com", models.Grant{Role: models.RoleAgent}))
	leaving := userID(t, n.AddMember(t, f.rootID, "leaving@example.com", models.Grant{Role: models.RoleAgent}))
	contact := createContact(t, f.owner, f.rootID, "Customer", &leaving)
	f.owner.MustDo(t, suspendMutation, map[string]any{"o": f.orgID, "u": away}, &struct{}{})
	wantField(t, f.owner.Do(t, `mutation($c: ID!, $u: ID) { assignContact(input: {contactId: $c, assigneeId: $u}) { id } }`,
		map[string]any{"c": contact, "u": away}), "assigneeId")
	wantField(t, f.owner.Do(t, `mutation($a: ID!, $u: ID!, $to: ID) { revokeAccess(input: {accountId: $a, userId: $u, reassignContactsTo: $to}) { reassignedContacts } }`,
		map[string]any{"a": f.rootID, "u": leaving, "to": away}), "reassignContactsTo")
	f.owner.MustDo(t, reactivateMutation, map[string]any{"o": f.orgID, "u": away}, &struct{}{})
	f.owner.MustDo(t, `mutation($c: ID!, $u: ID) { assignContact(input: {contactId: $c, assigneeId: $u}) { id } }`,
		map[string]any{"c": contact, "u": away}, &struct{}{})
}
