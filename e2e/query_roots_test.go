package e2e

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

// The directory pages as a client written against the published contract
// asks for them: through the Query.organization and Query.account entry
// points, not node(id:).
const (
	orgDirectoryQuery = `query OrganizationDirectory($id: ID!, $first: Int, $after: String) {
  organization(id: $id) {
    id name rootAccount { id } accounts { name }
    members(first: $first, after: $after) { totalCount edges { cursor node { email } } pageInfo { hasNextPage endCursor } }
  }
}`
	accountMembersQuery = `query AccountMembers($id: ID!, $first: Int, $after: String) {
  account(id: $id) {
    id name organization { id } viewerMembership { role inherited }
    members(orderBy: {field: EMAIL, direction: ASC}, first: $first, after: $after) {
      totalCount edges { cursor node { role inherited user { email } } } pageInfo { hasNextPage endCursor }
    }
  }
}`
)

type pageInfo struct {
	HasNextPage bool    `json:"hasNextPage"`
	EndCursor   *string `json:"endCursor"`
}

type orgDirectory struct {
	Organization *struct {
		ID          string
		Name        string
		RootAccount struct{ ID string } `json:"rootAccount"`
		Accounts    []struct{ Name string }
		Members     struct {
			TotalCount int `json:"totalCount"`
			Edges      []struct {
				Node struct{ Email string }
			}
			PageInfo pageInfo `json:"pageInfo"`
		}
	} `json:"organization"`
}

type accountMembers struct {
	Account *struct {
		ID               string
		Name             string
		Organization     struct{ ID string }
		ViewerMembership *struct {
			Role      string
			Inherited bool
		} `json:"viewerMembership"`
		Members struct {
			TotalCount int `json:"totalCount"`
			Edges      []struct {
				Node struct {
					Role      string
					Inherited bool
					User      struct{ Email string }
				}
			}
			PageInfo pageInfo `json:"pageInfo"`
		}
	} `json:"account"`
}

// TestOrganizationAndAccountEntryPoints: Query.organization(id:) and
// Query.account(id:) answer exactly as the policy in the store does for
// node(id:): a member reads, an outsider cannot tell an existing
// organization from a missing one (NOT_FOUND and null both times), a member
// restricted to a sub-account reads the organization and that sub-account
// but gets FORBIDDEN on the accounts above or beside it, and a caller without
// a session gets UNAUTHENTICATED whatever the ID.
func TestOrganizationAndAccountEntryPoints(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		f := newOrg(t, n, "owner@example.com")
		sales := f.createAccount(t, f.owner, f.rootID, "Sales")
		support := f.createAccount(t, f.owner, f.rootID, "Support")
		admin := n.AddMember(t, f.rootID, "admin@example.com", models.Grant{Role: models.RoleAdmin})
		n.SeedMember(t, f.rootID, "carol@example.com", models.Grant{Role: models.RoleAgent})
		restricted := n.AddMember(t, sales, "agent@example.com", models.Grant{Role: models.RoleAgent,
			Restrictions: models.Restrictions{AssignedContactsOnly: true, DataExportBlocked: true}})
		outsider := newOrg(t, n, "outsider@example.com")
		anonymous := n.Client()
		missingOrg := models.GlobalID(models.KindOrganization, 1<<40)
		missingAccount := models.GlobalID(models.KindAccount, 1<<40)

		t.Run("MemberPagesTheDirectory", func(t *testing.T) {
			var emails []string
			var after any
			for page := 0; ; page++ {
				var d orgDirectory
				admin.MustDo(t, orgDirectoryQuery, map[string]any{"id": f.orgID, "first": 2, "after": after}, &d)
				o := d.Organization
				if o == nil || o.ID != f.orgID || o.RootAccount.ID != f.rootID || o.Members.TotalCount != 4 || len(o.Accounts) != 3 {
					t.Fatalf("page %d: %+v", page, o)
				}
				for _, e := range o.Members.Edges {
					emails = append(emails, e.Node.Email)
				}
				if !o.Members.PageInfo.HasNextPage {
					break
				}
				if page > 3 {
					t.Fatalf("the directory never ends: %v", emails)
				}
				after = *o.Members.PageInfo.EndCursor
			}
			want := []string{"admin@example.com", "agent@example.com", "carol@example.com", "owner@example.com"}
			if !slices.Equal(emails, want) {
				t.Fatalf("directory pages: %v, want %v", emails, want)
			}
			// The same object as node(id:) answers, field for field.
			byNode := f.owner.Do(t, strings.Replace(orgDirectoryQuery, "organization(id: $id) {", "organization: node(id: $id) { ... on Organization {", 1)+"}",
				map[string]any{"id": f.orgID, "first": 2})
			byRoot := f.owner.Do(t, orgDirectoryQuery, map[string]any{"id": f.orgID, "first": 2})
			if len(byNode.Errors)+len(byRoot.Errors) > 0 || string(byNode.Data) != string(byRoot.Data) {
				t.Fatalf("organization(id:) %s, node(id:) %s (%+v %+v)", byRoot.Data, byNode.Data, byRoot.Errors, byNode.Errors)
			}
		})
		t.Run("MemberPagesAnAccount", func(t *testing.T) {
			var a accountMembers
			admin.MustDo(t, accountMembersQuery, map[string]any{"id": f.rootID, "first": 2}, &a)
			if a.Account == nil || a.Account.ID != f.rootID || a.Account.Organization.ID != f.orgID || a.Account.ViewerMembership.Role != "ADMIN" ||
				a.Account.Members.TotalCount != 3 || len(a.Account.Members.Edges) != 2 || !a.Account.Members.PageInfo.HasNextPage {
				t.Fatalf("first page: %+v", a.Account)
			}
			var next accountMembers
			admin.MustDo(t, accountMembersQuery, map[string]any{"id": f.rootID, "first": 2, "after": *a.Account.Members.PageInfo.EndCursor}, &next)
			got := []string{a.Account.Members.Edges[0].Node.User.Email, a.Account.Members.Edges[1].Node.User.Email}
			for _, e := range next.Account.Members.Edges {
				got = append(got, e.Node.User.Email)
			}
			if want := []string{"admin@example.com", "carol@example.com", "owner@example.com"}; !slices.Equal(got, want) || next.Account.Members.PageInfo.HasNextPage {
				t.Fatalf("root members by email: %v, want %v", got, want)
			}
		})
		t.Run("RestrictedMember", func(t *testing.T) {
			var d orgDirectory
			restricted.MustDo(t, orgDirectoryQuery, map[string]any{"id": f.orgID, "first": 10}, &d)
			if d.Organization == nil || d.Organization.Members.TotalCount != 4 || len(d.Organization.Accounts) != 1 || d.Organization.Accounts[0].Name != "Sales" {
				t.Fatalf("a Sales agent is in the directory and sees Sales only: %+v", d.Organization)
			}
			var a accountMembers
			restricted.MustDo(t, accountMembersQuery, map[string]any{"id": sales, "first": 10}, &a)
			if a.Account == nil || a.Account.Name != "Sales" || a.Account.ViewerMembership.Role != "AGENT" || a.Account.ViewerMembership.Inherited {
				t.Fatalf("own sub-account: %+v", a.Account)
			}
			// The inherited members (owner, admin, carol from the root) and the agent.
			if a.Account.Members.TotalCount != 4 {
				t.Fatalf("Sales members: %+v", a.Account.Members)
			}
			for _, id := range []string{f.rootID, support} {
				r := restricted.Do(t, accountMembersQuery, map[string]any{"id": id, "first": 10})
				expectNull(t, r, "account", "FORBIDDEN")
			}
		})
		t.Run("OutsiderCannotTellExistence", func(t *testing.T) {
			existing := outsider.owner.Do(t, orgDirectoryQuery, map[string]any{"id": f.orgID, "first": 10})
			missing := outsider.owner.Do(t, orgDirectoryQuery, map[string]any{"id": missingOrg, "first": 10})
			expectNull(t, existing, "organization", "NOT_FOUND")
			expectNull(t, missing, "organization", "NOT_FOUND")
			if existing.Errors[0].Message != missing.Errors[0].Message {
				t.Fatalf("another tenant's organization and a missing one differ: %q vs %q", existing.Errors[0].Message, missing.Errors[0].Message)
			}
			for _, id := range []string{f.rootID, sales} {
				r := outsider.owner.Do(t, accountMembersQuery, map[string]any{"id": id, "first": 10})
				expectNull(t, r, "account", "NOT_FOUND")
				m := outsider.owner.Do(t, accountMembersQuery, map[string]any{"id": missingAccount, "first": 10})
				expectNull(t, m, "account", "NOT_FOUND")
				if r.Errors[0].Message != m.Errors[0].Message {
					t.Fatalf("another tenant's account and a missing one differ: %q vs %q", r.Errors[0].Message, m.Errors[0].Message)
				}
			}
			// The outsider's own organization still answers.
			var own orgDirectory
			outsider.owner.MustDo(t, orgDirectoryQuery, map[string]any{"id": outsider.orgID, "first": 10}, &own)
			if own.Organization == nil || own.Organization.Members.TotalCount != 1 {
				t.Fatalf("own organization: %+v", own.Organization)
			}
		})
		t.Run("ErrMalformedIDs", func(t *testing.T) {
			// An ID of the wrong kind, a non-positive number, garbage and a
			// long string: NOT_FOUND, never INTERNAL or BAD_USER_INPUT.
			for _, id := range []string{f.rootID, models.GlobalID(models.KindOrganization, -1), "not an id", strings.Repeat("A", 20000)} {
				expectNull(t, admin.Do(t, orgDirectoryQuery, map[string]any{"id": id}), "organization", "NOT_FOUND")
			}
			for _, id := range []string{f.orgID, models.GlobalID(models.KindAccount, 0), "%%%", strings.Repeat("QQ", 10000)} {
				expectNull(t, admin.Do(t, accountMembersQuery, map[string]any{"id": id}), "account", "NOT_FOUND")
			}
		})
		t.Run("Anonymous", func(t *testing.T) {
			for _, id := range []string{f.orgID, missingOrg, "garbage"} {
				expectNull(t, anonymous.Do(t, orgDirectoryQuery, map[string]any{"id": id}), "organization", "UNAUTHENTICATED")
			}
			for _, id := range []string{f.rootID, missingAccount, "garbage"} {
				expectNull(t, anonymous.Do(t, accountMembersQuery, map[string]any{"id": id}), "account", "UNAUTHENTICATED")
			}
		})
	})
}

// expectNull checks a response whose root field is null with one error of
// code on that field, and nothing else leaked in data.
func expectNull(t *testing.T, r *testenv.Response, field, code string) {
	t.Helper()
	if r.Code() != code || len(r.Errors) != 1 {
		t.Fatalf("%s: want one %s error, got %s %+v", field, code, r.Data, r.Errors)
	}
	if p := r.Errors[0].Path; len(p) != 1 || p[0] != field {
		t.Fatalf("%s: error path %v", field, p)
	}
	var data map[string]json.RawMessage
	if err := json.Unmarshal(r.Data, &data); err != nil || len(data) != 1 || string(data[field]) != "null" {
		t.Fatalf("%s: data %s", field, r.Data)
	}
}
