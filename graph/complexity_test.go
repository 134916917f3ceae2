package graph

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/complexity"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/rollcall/rollcall/graph/generated"
)

// The figures the README and docs/security.md give for the cost model.
func TestComplexityArithmetic(t *testing.T) {
	es := generated.NewExecutableSchema(generated.Config{Complexity: complexityRoot()})
	cases := []struct {
		name, query string
		cost        int
	}{
		// The directory's members query (e2e membersQuery): node 1 +
		// members 1 + 100 × 28, the 28 being what the connection selects
		// (totalCount, pageInfo and one edge of 22 fields and objects).
		{"MembersPage100", `{ node(id: "x") { ... on Account { members(first: 100) {
			totalCount pageInfo { hasNextPage endCursor }
			edges { cursor node { id role inherited permissions products { key } restrictions { assignedContactsOnly dataExportBlocked }
			createdAt invitedBy { id } account { id } user { id email firstName lastName displayName lastActiveAt } } } } } } }`, 2802},
		{"MembersPageDefault", `{ node(id: "x") { ... on Account { members { edges { node { id } } } } } }`, 1 + 1 + 50*3},
		// 1 + 1 + 50 × (edges 1 + node 1 + id 1 + user (1 + id 1 +
		// memberships (1 + 10 × (id 1 + role 1 + account 3)))).
		{"MembersWithMemberships50", `{ node(id: "x") { ... on Account { members(first: 50) { edges { node { id user { id
			memberships { id role account { id name } } } } } } } } }`, 2802},
		// `last` multiplies as `first` does, on every connection: a page
		// read backwards costs what the same page read forwards does.
		{"MembersLast100", `{ node(id: "x") { ... on Account { members(last: 100) {
			totalCount pageInfo { hasNextPage endCursor }
			edges { cursor node { id role inherited permissions products { key } restrictions { assignedContactsOnly dataExportBlocked }
			createdAt invitedBy { id } account { id } user { id email firstName lastName displayName lastActiveAt } } } } } } }`, 2802},
		{"MembersLast7", `{ node(id: "x") { ... on Account { members(last: 7, before: "c") { edges { node { id } } } } } }`, 1 + 1 + 7*3},
		{"MembersLastOverMax", `{ node(id: "x") { ... on Account { members(last: 100000) { edges { node { id } } } } } }`, 1 + 1 + 100*3},
		{"MembersLastNegative", `{ node(id: "x") { ... on Account { members(last: -1) { edges { node { id } } } } } }`, 1 + 1 + 50*3},
		// Both (refused by the resolver) count as the larger.
		{"MembersFirstAndLast", `{ node(id: "x") { ... on Account { members(first: 2, last: 90) { edges { node { id } } } } } }`, 1 + 1 + 90*3},
		{"InvitationsLast", `{ node(id: "x") { ... on Account { invitations(last: 20) { edges { node { id } } } } } }`, 1 + 1 + 20*3},
		{"ContactsLast", `{ node(id: "x") { ... on Account { contacts(last: 20) { edges { node { id } } } } } }`, 1 + 1 + 20*3},
		{"OrganizationMembersLast", `{ node(id: "x") { ... on Organization { members(last: 20) { edges { node { id } } } } } }`, 1 + 1 + 20*3},
		{"AuditLogLast", `{ node(id: "x") { ... on Organization { auditLog(last: 20) { edges { node { id } } } } } }`, 1 + 1 + 20*3},
		// Issue 10 item 2 read backwards: refused as the forward one is.
		{"NestedMembersLast", `{ node(id: "x") { ... on Account { members(last: 100) { edges { node { id user { id memberships {
			account { members(last: 100) { edges { node { id user { email } } } } } } } } } } } } }`, 502602},
		// Issue 10 item 2, one alias.
		{"NestedMembers", `{ node(id: "x") { ... on Account { members(first: 100) { edges { node { id user { id memberships {
			account { members(first: 100) { edges { node { id user { email } } } } } } } } } } } } }`, 502602},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := parser.ParseQuery(&ast.Source{Input: tc.query})
			if err != nil {
				t.Fatal(err)
			}
			if errs := validator.ValidateWithRules(es.Schema(), doc, ValidationRules()); len(errs) > 0 {
				t.Fatal(errs)
			}
			if got := complexity.Calculate(context.Background(), es, doc.Operations[0], nil); got != tc.cost {
				t.Fatalf("cost %d, want %d", got, tc.cost)
			}
		})
	}
}
