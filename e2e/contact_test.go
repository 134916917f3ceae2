package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

// ctTenant is one signed-up organization as its owner sees it.
type ctTenant struct {
	owner   *testenv.Client
	ownerID string
	orgID   string
	rootID  string
}

func ctNewTenant(t *testing.T, n *testenv.Node, email string) ctTenant {
	t.Helper()
	f := newOrg(t, n, email)
	return ctTenant{owner: f.owner, ownerID: f.userID, orgID: f.orgID, rootID: f.rootID}
}

type ctRow struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Email    *string `json:"email"`
	Phone    *string `json:"phone"`
	Account  struct{ ID string }
	Assignee *struct{ ID string }
}

const ctFields = `id name email phone account { id } assignee { id }`

func ctCreate(t *testing.T, c *testenv.Client, in map[string]any) *testenv.Response {
	t.Helper()
	return c.Do(t, `mutation($in: CreateContactInput!) { createContact(input: $in) { `+ctFields+` } }`, map[string]any{"in": in})
}

func ctMustCreate(t *testing.T, c *testenv.Client, in map[string]any) ctRow {
	t.Helper()
	var out struct {
		CreateContact ctRow `json:"createContact"`
	}
	ctCreate(t, c, in).Decode(t, &out)
	return out.CreateContact
}

func ctAssign(t *testing.T, c *testenv.Client, contactID string, assigneeID any) *testenv.Response {
	t.Helper()
	return c.Do(t, `mutation($in: AssignContactInput!) { assignContact(input: $in) { `+ctFields+` } }`,
		map[string]any{"in": map[string]any{"contactId": contactID, "assigneeId": assigneeID}})
}

type ctPage struct {
	Names      []string
	IDs        []string
	Total      int
	HasNext    bool
	EndCursor  string
	StartValid bool
}

const ctListQuery = `query($id: ID!, $assignee: ID, $unassigned: Boolean, $first: Int, $after: String) {
  node(id: $id) { ... on Account { contacts(assigneeId: $assignee, unassigned: $unassigned, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor startCursor } edges { cursor node { id name assignee { id } } } } } } }`

func ctList(t *testing.T, c *testenv.Client, accountID string, vars map[string]any) (ctPage, *testenv.Response) {
	t.Helper()
	if vars == nil {
		vars = map[string]any{}
	}
	vars["id"] = accountID
	r := c.Do(t, ctListQuery, vars)
	var out struct {
		Node *struct {
			Contacts struct {
				TotalCount int `json:"totalCount"`
				PageInfo   struct {
					HasNextPage bool    `json:"hasNextPage"`
					EndCursor   *string `json:"endCursor"`
					StartCursor *string `json:"startCursor"`
				} `json:"pageInfo"`
				Edges []struct {
					Cursor string `json:"cursor"`
					Node   ctRow  `json:"node"`
				} `json:"edges"`
			} `json:"contacts"`
		} `json:"node"`
	}
	if len(r.Errors) > 0 {
		return ctPage{}, r
	}
	r.Decode(t, &out)
	if out.Node == nil {
		t.Fatalf("account %s not visible", accountID)
	}
	cs := out.Node.Contacts
	p := ctPage{Total: cs.TotalCount, HasNext: cs.PageInfo.HasNextPage}
	if cs.PageInfo.EndCursor != nil {
		p.EndCursor = *cs.PageInfo.EndCursor
	}
	for _, e := range cs.Edges {
		p.Names = append(p.Names, e.Node.Name)
		p.IDs = append(p.IDs, e.Node.ID)
	}
	if len(cs.Edges) > 0 {
		p.StartValid = cs.PageInfo.StartCursor != nil && *cs.PageInfo.StartCursor == cs.Edges[0].Cursor &&
			p.EndCursor == cs.Edges[len(cs.Edges)-1].Cursor
	}
	return p, r
}

func ctMustList(t *testing.T, c *testenv.Client, accountID string, vars map[string]any) ctPage {
	t.Helper()
	p, r := ctList(t, c, accountID, vars)
	if len(r.Errors) > 0 {
		t.Fatalf("contacts: %+v", r.Errors)
	}
	return p
}

func ctWantCode(t *testing.T, r *testenv.Response, code, field string) {
	t.Helper()
	if r.Code() != code {
		t.Fatalf("want %s, got %+v (data %s)", code, r.Errors, r.Data)
	}
	if field != "" {
		if got, _ := r.Errors[0].Extensions["field"].(string); got != field {
			t.Fatalf("want field %q, got %+v", field, r.Errors[0])
		}
	}
}

func ctSubAccount(t *testing.T, c *testenv.Client, parentID, name string) string {
	t.Helper()
	var out struct {
		CreateAccount struct {
			ID string `json:"id"`
		} `json:"createAccount"`
	}
	c.MustDo(t, `mutation($in: CreateAccountInput!) { createAccount(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"parentId": parentID, "name": name}}, &out)
	return out.CreateAccount.ID
}

func TestContacts(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})

		t.Run("CreateAssignUnassign", func(t *testing.T) {
			ten := ctNewTenant(t, n, "create@example.com")
			admin := n.AddMember(t, ten.rootID, "create-admin@example.com", models.Grant{Role: models.RoleAdmin})
			adminID := userID(t, admin)

			c := ctMustCreate(t, ten.owner, map[string]any{"accountId": ten.rootID, "name": "  Alice Martin ",
				"email": "Alice@Example.COM", "phone": "+33 6 12 34 56 78"})
			if c.Name != "Alice Martin" || c.Email == nil || *c.Email != "Alice@example.com" || c.Phone == nil || *c.Phone != "+33612345678" {
				t.Fatalf("contact %+v", c)
			}
			if c.Account.ID != ten.rootID || c.Assignee != nil {
				t.Fatalf("account/assignee %+v", c)
			}
			if k, _, err := models.ParseGlobalID(c.ID); err != nil || k != models.KindContact {
				t.Fatalf("id %q", c.ID)
			}

			var out struct {
				AssignContact ctRow `json:"assignContact"`
			}
			ctAssign(t, ten.owner, c.ID, adminID).Decode(t, &out)
			if out.AssignContact.Assignee == nil || out.AssignContact.Assignee.ID != adminID {
				t.Fatalf("assigned %+v", out.AssignContact)
			}
			// The assignee may hand it on, here back to nobody.
			ctAssign(t, admin, c.ID, nil).Decode(t, &out)
			if out.AssignContact.Assignee != nil {
				t.Fatalf("unassigned %+v", out.AssignContact)
			}

			// Created already assigned; phone read in the viewer's default country.
			ten.owner.MustDo(t, `mutation { updateProfile(input: {defaultSendingCountry: "FR"}) { id } }`, nil, &struct{}{})
			b := ctMustCreate(t, ten.owner, map[string]any{"accountId": ten.rootID, "name": "Bob", "phone": "06 12 34 56 78", "assigneeId": adminID})
			if b.Assignee == nil || b.Assignee.ID != adminID || b.Phone == nil || *b.Phone != "+33612345678" || b.Email != nil {
				t.Fatalf("contact %+v", b)
			}
		})

		t.Run("Filters", func(t *testing.T) {
			ten := ctNewTenant(t, n, "filters@example.com")
			agent := n.AddMember(t, ten.rootID, "filters-agent@example.com", models.Grant{Role: models.RoleAgent})
			agentID := userID(t, agent)
			ctMustCreate(t, ten.owner, map[string]any{"accountId": ten.rootID, "name": "A", "assigneeId": ten.ownerID})
			ctMustCreate(t, ten.owner, map[string]any{"accountId": ten.rootID, "name": "B", "assigneeId": agentID})
			ctMustCreate(t, ten.owner, map[string]any{"accountId": ten.rootID, "name": "C"})
			ctMustCreate(t, ten.owner, map[string]any{"accountId": ten.rootID, "name": "D", "assigneeId": agentID})

			for _, tc := range []struct {
				name string
				vars map[string]any
				want []string
			}{
				{"All", nil, []string{"A", "B", "C", "D"}},
				{"Assignee", map[string]any{"assignee": agentID}, []string{"B", "D"}},
				{"Owner", map[string]any{"assignee": ten.ownerID}, []string{"A"}},
				{"Unassigned", map[string]any{"unassigned": true}, []string{"C"}},
				{"UnassignedFalse", map[string]any{"unassigned": false}, []string{"A", "B", "C", "D"}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					p := ctMustList(t, ten.owner, ten.rootID, tc.vars)
					if !slices.Equal(p.Names, tc.want) || p.Total != len(tc.want) || p.HasNext {
						t.Fatalf("got %+v, want %v", p, tc.want)
					}
				})
			}
			// An unrestricted agent sees every contact of the account.
			if p := ctMustList(t, agent, ten.rootID, nil); p.Total != 4 {
				t.Fatalf("agent sees %+v", p)
			}
			_, r := ctList(t, ten.owner, ten.rootID, map[string]any{"assignee": agentID, "unassigned": true})
			ctWantCode(t, r, "BAD_USER_INPUT", "unassigned")
		})

		t.Run("Pagination", func(t *testing.T) {
			ten := ctNewTenant(t, n, "pages@example.com")
			var want []string
			for i := range 5 {
				name := fmt.Sprintf("Contact %d", i)
				want = append(want, name)
				ctMustCreate(t, ten.owner, map[string]any{"accountId": ten.rootID, "name": name})
			}
			var got []string
			seen := map[string]bool{}
			vars := map[string]any{"first": 2}
			for pages := 0; ; pages++ {
				if pages > 5 {
					t.Fatal("pagination does not end")
				}
				p := ctMustList(t, ten.owner, ten.rootID, vars)
				if p.Total != 5 || !p.StartValid {
					t.Fatalf("page %+v", p)
				}
				for _, id := range p.IDs {
					if seen[id] {
						t.Fatalf("repeated %s", id)
					}
					seen[id] = true
				}
				got = append(got, p.Names...)
				if !p.HasNext {
					if len(p.Names) != 1 {
						t.Fatalf("last page %+v", p)
					}
					break
				}
				if len(p.Names) != 2 {
					t.Fatalf("page %+v", p)
				}
				vars = map[string]any{"first": 2, "after": p.EndCursor}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
			if p := ctMustList(t, ten.owner, ten.rootID, map[string]any{"first": 0}); len(p.Names) != 0 || p.Total != 5 || !p.HasNext {
				t.Fatalf("first 0: %+v", p)
			}
			_, r := ctList(t, ten.owner, ten.rootID, map[string]any{"after": "not-a-cursor"})
			ctWantCode(t, r, "BAD_USER_INPUT", "after")
			_, r = ctList(t, ten.owner, ten.rootID, map[string]any{"first": 1000})
			ctWantCode(t, r, "BAD_USER_INPUT", "first")
		})

		t.Run("AssignedContactsOnly", func(t *testing.T) {
			ten := ctNewTenant(t, n, "restricted@example.com")
			agent := n.AddMember(t, ten.rootID, "restricted-agent@example.com",
				models.Grant{Role: models.RoleAgent, Restrictions: models.Restrictions{AssignedContactsOnly: true}})
			agentID := userID(t, agent)
			mine := ctMustCreate(t, ten.owner, map[string]any{"accountId": ten.rootID, "name": "Mine", "assigneeId": agentID})
			owners := ctMustCreate(t, ten.owner, map[string]any{"accountId": ten.rootID, "name": "Owner's", "assigneeId": ten.ownerID})
			loose := ctMustCreate(t, ten.owner, map[string]any{"accountId": ten.rootID, "name": "Unassigned"})

			for _, tc := range []struct {
				name string
				vars map[string]any
				want []string
			}{
				{"All", nil, []string{"Mine"}},
				{"Self", map[string]any{"assignee": agentID}, []string{"Mine"}},
				{"Other", map[string]any{"assignee": ten.ownerID}, nil},
				{"Unassigned", map[string]any{"unassigned": true}, nil},
				{"Paged", map[string]any{"first": 1}, []string{"Mine"}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					p := ctMustList(t, agent, ten.rootID, tc.vars)
					if !slices.Equal(p.Names, tc.want) || p.Total != len(tc.want) || p.HasNext {
						t.Fatalf("got %+v, want %v", p, tc.want)
					}
				})
			}

			// Contacts they cannot see do not exist for them.
			ctWantCode(t, ctAssign(t, agent, owners.ID, agentID), "NOT_FOUND", "")
			ctWantCode(t, ctAssign(t, agent, loose.ID, agentID), "NOT_FOUND", "")
			ctWantCode(t, ctAssign(t, agent, loose.ID, nil), "NOT_FOUND", "")

			// Created by them: theirs by default, never someone else's.
			made := ctMustCreate(t, agent, map[string]any{"accountId": ten.rootID, "name": "Made"})
			if made.Assignee == nil || made.Assignee.ID != agentID {
				t.Fatalf("created %+v", made)
			}
			ctWantCode(t, ctCreate(t, agent, map[string]any{"accountId": ten.rootID, "name": "X", "assigneeId": ten.ownerID}), "FORBIDDEN", "")
			if p := ctMustList(t, agent, ten.rootID, nil); !slices.Equal(p.Names, []string{"Mine", "Made"}) {
				t.Fatalf("agent sees %+v", p)
			}

			// A contact they see they may hand on, and then it is gone from their view.
			var out struct {
				AssignContact ctRow `json:"assignContact"`
			}
			ctAssign(t, agent, mine.ID, ten.ownerID).Decode(t, &out)
			if out.AssignContact.Assignee == nil || out.AssignContact.Assignee.ID != ten.ownerID {
				t.Fatalf("handed on %+v", out.AssignContact)
			}
			if p := ctMustList(t, agent, ten.rootID, nil); !slices.Equal(p.Names, []string{"Made"}) {
				t.Fatalf("agent sees %+v", p)
			}
			// The owner still sees everything.
			if p := ctMustList(t, ten.owner, ten.rootID, nil); p.Total != 4 {
				t.Fatalf("owner sees %+v", p)
			}
		})

		t.Run("BadInput", func(t *testing.T) {
			ten := ctNewTenant(t, n, "bad@example.com")
			branch := ctSubAccount(t, ten.owner, ten.rootID, "Branch")
			outsider := n.AddMember(t, branch, "bad-branch@example.com", models.Grant{Role: models.RoleAgent})
			outsiderID := userID(t, outsider)
			ok := ctMustCreate(t, ten.owner, map[string]any{"accountId": ten.rootID, "name": "Fine"})

			for _, tc := range []struct {
				name  string
				in    map[string]any
				field string
			}{
				{"EmptyName", map[string]any{"name": "   "}, "name"},
				{"LongName", map[string]any{"name": strings.Repeat("n", 201)}, "name"},
				{"BadEmail", map[string]any{"name": "N", "email": "not an email"}, "email"},
				{"BadPhone", map[string]any{"name": "N", "phone": "12"}, "phone"},
				{"NationalPhoneWithoutCountry", map[string]any{"name": "N", "phone": "06 12 34 56 78"}, "phone"},
				{"NonMemberAssignee", map[string]any{"name": "N", "assigneeId": outsiderID}, "assigneeId"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					tc.in["accountId"] = ten.rootID
					ctWantCode(t, ctCreate(t, ten.owner, tc.in), "BAD_USER_INPUT", tc.field)
				})
			}
			ctWantCode(t, ctAssign(t, ten.owner, ok.ID, outsiderID), "BAD_USER_INPUT", "assigneeId")
			// The branch member is a fine assignee on the branch.
			c := ctMustCreate(t, ten.owner, map[string]any{"accountId": branch, "name": "Branch contact", "assigneeId": outsiderID})
			if c.Account.ID != branch {
				t.Fatalf("contact %+v", c)
			}
			// ...and a root-level admin inherits access to the branch.
			if p := ctMustList(t, ten.owner, branch, nil); p.Total != 1 {
				t.Fatalf("branch %+v", p)
			}
			// The branch member has no access to the root account's contacts.
			_, r := ctList(t, outsider, ten.rootID, nil)
			ctWantCode(t, r, "FORBIDDEN", "")
			ctWantCode(t, ctAssign(t, outsider, ok.ID, outsiderID), "NOT_FOUND", "")
		})

		t.Run("OtherTenant", func(t *testing.T) {
			a := ctNewTenant(t, n, "tenant-a@example.com")
			b := ctNewTenant(t, n, "tenant-b@example.com")
			theirs := ctMustCreate(t, b.owner, map[string]any{"accountId": b.rootID, "name": "Theirs"})
			mine := ctMustCreate(t, a.owner, map[string]any{"accountId": a.rootID, "name": "Mine"})

			ctWantCode(t, ctCreate(t, a.owner, map[string]any{"accountId": b.rootID, "name": "Sneaky"}), "NOT_FOUND", "")
			ctWantCode(t, ctAssign(t, a.owner, theirs.ID, a.ownerID), "NOT_FOUND", "")
			ctWantCode(t, ctAssign(t, a.owner, theirs.ID, nil), "NOT_FOUND", "")
			ctWantCode(t, ctAssign(t, a.owner, mine.ID, b.ownerID), "NOT_FOUND", "")
			ctWantCode(t, ctCreate(t, a.owner, map[string]any{"accountId": a.rootID, "name": "N", "assigneeId": b.ownerID}), "NOT_FOUND", "")
			// Exactly like IDs that do not exist.
			ctWantCode(t, ctAssign(t, a.owner, models.GlobalID(models.KindContact, 1<<40), nil), "NOT_FOUND", "")
			ctWantCode(t, ctCreate(t, a.owner, map[string]any{"accountId": models.GlobalID(models.KindAccount, 1<<40), "name": "N"}), "NOT_FOUND", "")
			ctWantCode(t, ctAssign(t, a.owner, "garbage", nil), "NOT_FOUND", "")
			// Filtering on another tenant's person finds nothing.
			if p := ctMustList(t, a.owner, a.rootID, map[string]any{"assignee": b.ownerID}); p.Total != 0 {
				t.Fatalf("filter %+v", p)
			}
			// Their contact is untouched.
			if p := ctMustList(t, b.owner, b.rootID, nil); !slices.Equal(p.Names, []string{"Theirs"}) {
				t.Fatalf("theirs %+v", p)
			}
		})

		t.Run("Unauthenticated", func(t *testing.T) {
			ten := ctNewTenant(t, n, "anon@example.com")
			ctWantCode(t, ctCreate(t, n.Client(), map[string]any{"accountId": ten.rootID, "name": "N"}), "UNAUTHENTICATED", "")
		})
	})
}
