package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

// nestedMembers is the query of issue 10 item 2: a page of members whose
// users' memberships each list another page of members.
func nestedMembers(aliases int) string {
	var b strings.Builder
	b.WriteString("query($id: ID!) {")
	for i := range aliases {
		fmt.Fprintf(&b, ` a%d: node(id: $id) { ... on Account { members(first: 100) { edges { node { id user { id memberships { account { members(first: 100) { edges { node { id user { email } } } } } } } } } } } }`, i)
	}
	b.WriteString(" }")
	return b.String()
}

// Issue 10 item 2: list sizes multiply the cost of what they select, so the
// nested members query is refused before it runs, while a full page of
// members with every field a client shows is still answered.
func TestComplexityCountsListSizes(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		tn := newTenant(t, n, "owner@example.com")
		for i := range 3 {
			n.SeedMember(t, tn.root, fmt.Sprintf("m%d@example.com", i), models.Grant{Role: models.RoleAgent})
		}

		// One copy is refused for its complexity; the 166 copies of the
		// issue are refused too (their size alone is over the token limit).
		for _, copies := range []int{1, 166} {
			t.Run(fmt.Sprintf("ErrNestedMembers/aliases=%d", copies), func(t *testing.T) {
				r := tn.owner.Do(t, nestedMembers(copies), map[string]any{"id": tn.root})
				if r.Code() != "BAD_USER_INPUT" || (copies == 1 && !strings.Contains(r.Errors[0].Message, "complexity")) {
					t.Fatalf("want BAD_USER_INPUT, got %+v", r.Errors)
				}
				if string(r.Data) != "" && string(r.Data) != "null" {
					t.Fatalf("the query ran: %s", r.Data)
				}
			})
		}

		// The same query read backwards: `last` multiplies as `first` does.
		t.Run("ErrNestedMembersLast", func(t *testing.T) {
			q := strings.ReplaceAll(nestedMembers(1), "first: 100", "last: 100")
			r := tn.owner.Do(t, q, map[string]any{"id": tn.root})
			if r.Code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "complexity") {
				t.Fatalf("want BAD_USER_INPUT for complexity, got %+v", r.Errors)
			}
			if string(r.Data) != "" && string(r.Data) != "null" {
				t.Fatalf("the query ran: %s", r.Data)
			}
		})

		t.Run("OKFullMembersPage", func(t *testing.T) {
			page := members(t, tn.owner, tn.root, map[string]any{"first": 100})
			if page.Node.Members.TotalCount != 4 || len(page.Node.Members.Edges) != 4 {
				t.Fatalf("page %+v", page.Node.Members)
			}
		})

		t.Run("OKMembersWithTheirMemberships", func(t *testing.T) {
			q := `query($id: ID!) { node(id: $id) { ... on Account { members(first: 50) { edges { node { id role user { id email
				memberships { id role account { id name } } } } } } } } }`
			var out json.RawMessage
			tn.owner.MustDo(t, q, map[string]any{"id": tn.root}, &out)
		})
	})
}
