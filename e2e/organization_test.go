package e2e

import (
	"sync"
	"testing"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

type orgFixture struct {
	n      *testenv.Node
	owner  *testenv.Client
	orgID  string
	rootID string
	userID string
}

func newOrg(t *testing.T, n *testenv.Node, email string) orgFixture {
	t.Helper()
	o := n.NewOrg(t, email)
	return orgFixture{n: n, owner: o.Owner, orgID: o.OrgID, rootID: o.RootID, userID: o.UserID}
}

func (f orgFixture) createAccount(t *testing.T, c *testenv.Client, parent, name string) string {
	t.Helper()
	var out struct {
		A struct{ ID string } `json:"createAccount"`
	}
	c.MustDo(t, `mutation($p: ID!, $n: String!) { createAccount(input: {parentId: $p, name: $n}) { id } }`, map[string]any{"p": parent, "n": name}, &out)
	return out.A.ID
}

func userID(t *testing.T, c *testenv.Client) string {
	t.Helper()
	var me struct {
		Me struct{ ID string } `json:"me"`
	}
	c.MustDo(t, `{ me { id } }`, nil, &me)
	return me.Me.ID
}

type viewerMembership struct {
	Role      string   `json:"role"`
	Inherited bool     `json:"inherited"`
	Perms     []string `json:"permissions"`
}

func membershipOn(t *testing.T, c *testenv.Client, accountID string) *viewerMembership {
	t.Helper()
	var out struct {
		Node struct {
			ViewerMembership *viewerMembership `json:"viewerMembership"`
		} `json:"node"`
	}
	c.MustDo(t, `query($id: ID!) { node(id: $id) { ... on Account { viewerMembership { role inherited permissions } } } }`, map[string]any{"id": accountID}, &out)
	return out.Node.ViewerMembership
}

func TestAccountsAndInheritance(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		f := newOrg(t, n, "owner@example.com")
		emea := f.createAccount(t, f.owner, f.rootID, "EMEA")
		paris := f.createAccount(t, f.owner, emea, "Paris")
		us := f.createAccount(t, f.owner, f.rootID, "US")

		agent := n.AddMember(t, emea, "agent@example.com", models.Grant{Role: models.RoleAgent})
		if m := membershipOn(t, agent, emea); m == nil || m.Role != "AGENT" || m.Inherited {
			t.Fatalf("direct access on EMEA: %+v", m)
		}
		if m := membershipOn(t, agent, paris); m == nil || m.Role != "AGENT" || !m.Inherited {
			t.Fatalf("access on EMEA applies to Paris, inherited: %+v", m)
		}
		if r := agent.Do(t, `query($id: ID!) { node(id: $id) { ... on Account { viewerMembership { role } } } }`, map[string]any{"id": us}); r.Code() != "FORBIDDEN" {
			t.Fatalf("no access to the sibling US: %s %+v", r.Data, r.Errors)
		}
		var accts struct {
			Me struct {
				Organizations []struct {
					Accounts []struct{ Name string } `json:"accounts"`
				} `json:"organizations"`
			} `json:"me"`
		}
		agent.MustDo(t, `{ me { organizations { accounts { name } } } }`, nil, &accts)
		if got := accts.Me.Organizations[0].Accounts; len(got) != 2 || got[0].Name != "EMEA" || got[1].Name != "Paris" {
			t.Fatalf("an agent of EMEA sees EMEA and Paris: %+v", got)
		}
		// A more specific membership wins over the inherited one.
		aid := userID(t, agent)
		var upd struct {
			M struct {
				Role      string `json:"role"`
				Inherited bool   `json:"inherited"`
			} `json:"updateMember"`
		}
		f.owner.MustDo(t, `mutation($a: ID!, $u: ID!) { updateMember(input: {accountId: $a, userId: $u, role: MANAGER}) { role inherited } }`,
			map[string]any{"a": paris, "u": aid}, &upd)
		if upd.M.Role != "MANAGER" {
			t.Fatalf("updateMember: %+v", upd.M)
		}
		if m := membershipOn(t, agent, paris); m.Role != "MANAGER" || m.Inherited {
			t.Fatalf("the Paris membership is direct and wins: %+v", m)
		}
		if m := membershipOn(t, agent, emea); m.Role != "AGENT" {
			t.Fatalf("EMEA unchanged: %+v", m)
		}
		t.Run("ErrAgentCreatesAccount", func(t *testing.T) {
			r := agent.Do(t, `mutation($p: ID!) { createAccount(input: {parentId: $p, name: "X"}) { id } }`, map[string]any{"p": emea})
			if r.Code() != "FORBIDDEN" {
				t.Fatalf("%+v", r.Errors)
			}
		})
		t.Run("ErrEmptyName", func(t *testing.T) {
			r := f.owner.Do(t, `mutation($p: ID!) { createAccount(input: {parentId: $p, name: " "}) { id } }`, map[string]any{"p": emea})
			if r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "name" {
				t.Fatalf("%+v", r.Errors)
			}
		})
	})
}

func TestUpdateOrganization(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		f := newOrg(t, n, "owner@example.com")
		q := `mutation($in: UpdateOrganizationInput!) { updateOrganization(input: $in) { name invitationLifetimeHours enabledProducts { key } } }`
		var out struct {
			O struct {
				Name                    string
				InvitationLifetimeHours int
				EnabledProducts         []struct{ Key string }
			} `json:"updateOrganization"`
		}
		f.owner.MustDo(t, q, map[string]any{"in": map[string]any{"id": f.orgID, "name": "Acme Ltd", "invitationLifetimeHours": 24, "enabledProducts": []string{"inbox"}}}, &out)
		if out.O.Name != "Acme Ltd" || out.O.InvitationLifetimeHours != 24 || len(out.O.EnabledProducts) != 1 {
			t.Fatalf("%+v", out.O)
		}
		for _, h := range []int{0, 721} {
			if r := f.owner.Do(t, q, map[string]any{"in": map[string]any{"id": f.orgID, "invitationLifetimeHours": h}}); r.Code() != "BAD_USER_INPUT" {
				t.Fatalf("lifetime %d: %+v", h, r.Errors)
			}
		}
		if r := f.owner.Do(t, q, map[string]any{"in": map[string]any{"id": f.orgID, "enabledProducts": []string{"nope"}}}); r.Code() != "BAD_USER_INPUT" {
			t.Fatalf("unknown product: %+v", r.Errors)
		}
		admin := n.AddMember(t, f.rootID, "admin@example.com", models.Grant{Role: models.RoleAdmin})
		if r := admin.Do(t, q, map[string]any{"in": map[string]any{"id": f.orgID, "enabledProducts": []string{"inbox", "reports"}}}); r.Code() != "FORBIDDEN" {
			t.Fatalf("an admin without BILLING_MANAGER changes products: %+v", r.Errors)
		}
		billing := n.AddMember(t, f.rootID, "billing@example.com", models.Grant{Role: models.RoleAdmin, Permissions: models.Permissions{models.PermissionBillingManager}})
		billing.MustDo(t, q, map[string]any{"in": map[string]any{"id": f.orgID, "enabledProducts": []string{"inbox", "reports"}}}, &out)
		if len(out.O.EnabledProducts) != 2 {
			t.Fatalf("%+v", out.O)
		}
		other := newOrg(t, n, "other@example.com")
		if r := other.owner.Do(t, q, map[string]any{"in": map[string]any{"id": f.orgID, "name": "Hijacked"}}); r.Code() != "NOT_FOUND" {
			t.Fatalf("another tenant's organization: %+v", r.Errors)
		}
	})
}

func TestMemberPolicy(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		f := newOrg(t, n, "owner@example.com")
		admin := n.AddMember(t, f.rootID, "admin@example.com", models.Grant{Role: models.RoleAdmin})
		manager := n.AddMember(t, f.rootID, "manager@example.com", models.Grant{Role: models.RoleManager})
		agent := n.AddMember(t, f.rootID, "agent@example.com", models.Grant{Role: models.RoleAgent})
		ids := map[string]string{"admin": userID(t, admin), "manager": userID(t, manager), "agent": userID(t, agent), "owner": f.userID}
		q := `mutation($a: ID!, $u: ID!, $r: Role) { updateMember(input: {accountId: $a, userId: $u, role: $r}) { role } }`
		cases := []struct {
			name   string
			actor  *testenv.Client
			target string
			role   string
			code   string
		}{
			{"ErrSelfEdit", admin, "admin", "AGENT", "FORBIDDEN"},
			{"ErrAdminPromotesToOwner", admin, "agent", "OWNER", "FORBIDDEN"},
			{"ErrAdminDemotesOwner", admin, "owner", "ADMIN", "FORBIDDEN"},
			{"ErrManagerPromotesAgentToManager", manager, "agent", "MANAGER", "FORBIDDEN"},
			{"ErrManagerEditsAdmin", manager, "admin", "AGENT", "FORBIDDEN"},
			{"ErrAgentEditsAnyone", agent, "manager", "AGENT", "FORBIDDEN"},
			{"ErrLastOwner", admin, "owner", "AGENT", "FORBIDDEN"},
			{"OKManagerEditsAgent", manager, "agent", "AGENT", ""},
			{"OKAdminPromotesAgent", admin, "agent", "MANAGER", ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := tc.actor.Do(t, q, map[string]any{"a": f.rootID, "u": ids[tc.target], "r": tc.role})
				if r.Code() != tc.code {
					t.Fatalf("want %q, got %s %+v", tc.code, r.Data, r.Errors)
				}
			})
		}
		t.Run("ErrOwnerDemotesSelfAsLastOwner", func(t *testing.T) {
			if r := f.owner.Do(t, q, map[string]any{"a": f.rootID, "u": f.userID, "r": "ADMIN"}); r.Code() != "FORBIDDEN" {
				t.Fatalf("%+v", r.Errors)
			}
		})
		t.Run("ErrGrantProductNotEnabled", func(t *testing.T) {
			r := f.owner.Do(t, `mutation($a: ID!, $u: ID!) { updateMember(input: {accountId: $a, userId: $u, products: ["nope"]}) { role } }`,
				map[string]any{"a": f.rootID, "u": ids["agent"]})
			if r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "products" {
				t.Fatalf("%+v", r.Errors)
			}
		})
		t.Run("ErrGrantPermissionNotHeld", func(t *testing.T) {
			r := admin.Do(t, `mutation($a: ID!, $u: ID!) { updateMember(input: {accountId: $a, userId: $u, permissions: [BILLING_MANAGER]}) { role } }`,
				map[string]any{"a": f.rootID, "u": ids["agent"]})
			if r.Code() != "FORBIDDEN" {
				t.Fatalf("%+v", r.Errors)
			}
		})
		t.Run("ErrOtherTenant", func(t *testing.T) {
			other := newOrg(t, n, "other@example.com")
			r := other.owner.Do(t, q, map[string]any{"a": f.rootID, "u": ids["agent"], "r": "AGENT"})
			if r.Code() != "NOT_FOUND" {
				t.Fatalf("%+v", r.Errors)
			}
		})
	})
}

// Two owners demoting each other at the same moment leave exactly one OWNER.
func TestLastOwnerUnderConcurrency(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		for round := 0; round < 5; round++ {
			f := newOrg(t, n, "owner"+string(rune('a'+round))+"@example.com")
			second := n.AddMember(t, f.rootID, "second"+string(rune('a'+round))+"@example.com", models.Grant{Role: models.RoleOwner})
			secondID := userID(t, second)
			q := `mutation($a: ID!, $u: ID!) { updateMember(input: {accountId: $a, userId: $u, role: ADMIN}) { role } }`
			var wg sync.WaitGroup
			codes := make([]string, 2)
			for i, pair := range []struct {
				c *testenv.Client
				u string
			}{{f.owner, secondID}, {second, f.userID}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					codes[i] = pair.c.Do(t, q, map[string]any{"a": f.rootID, "u": pair.u}).Code()
				}()
			}
			wg.Wait()
			owners := 0
			for _, c := range []*testenv.Client{f.owner, second} {
				if m := membershipOn(t, c, f.rootID); m != nil && m.Role == "OWNER" {
					owners++
				}
			}
			if owners != 1 {
				t.Fatalf("round %d: %d owners left (codes %v)", round, owners, codes)
			}
		}
	})
}
