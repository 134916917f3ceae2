package graph

import (
	"github.com/rollcall/rollcall/graph/generated"
	"github.com/rollcall/rollcall/graph/model"
	"github.com/rollcall/rollcall/models"
)

// The cost model of an operation, checked against MaxComplexity before it
// runs. gqlgen's default counts 1 per field plus its children, whatever the
// list sizes; here a list multiplies the cost of what each of its items
// selects:
//
//   - a connection (members, invitations, contacts, auditLog) costs
//     1 + first × (cost of its selection), `last` counting as `first`
//     does, the size defaulting to the page size the resolvers use
//     (models.DefaultPageSize, 50) when absent and counting as
//     models.MaxPageSize (100) above it;
//   - a list without a page argument costs 1 + n × (cost of its selection),
//     n being the size it is assumed to reach (assumed* below): it is not
//     bounded by the schema, so the assumption is generous;
//   - every other field costs 1 plus its selection (gqlgen's default).
//
// DefaultMaxComplexity is 5,000: the directory's members query with
// first: 100 costs 2,802 (1 + 1 + 100 × 28) and a page of 50 members with
// each one's memberships and their accounts 2,802 too; every query of the
// clients and tests passes. One copy of the query of issue 10 item 2 (a
// page of 100 members whose users' memberships list another page of 100
// members) costs 502,602 and is refused before it runs. TestComplexityArithmetic
// holds these figures.
const DefaultMaxComplexity = 5000

const (
	assumedMemberships   = 10  // User.memberships: accounts a person is a member of
	assumedOrganizations = 5   // User.organizations
	assumedSessions      = 10  // User.sessions: signed-in devices
	assumedAccounts      = 20  // Organization.accounts, Account.children
	assumedInvitationAcc = 10  // Invitation.accounts, grantAccess
	assumedInviteResults = 100 // InviteUsersPayload.results, .invitations: models.MaxInviteAddresses
)

// listCost is the cost of a list of n items each selecting child.
func listCost(child, n int) int {
	if child < 1 {
		child = 1
	}
	return satAdd(1, satMul(n, child))
}

// pageCost is the cost of a connection page of `first` or `last` items,
// whichever is given (a page read backwards costs what one read forwards
// does). A size over models.MaxPageSize, or both sizes at once, is refused by
// the resolver before it reads anything, so it counts as a full page (the
// larger of the two), and the client gets the resolver's precise error
// rather than a complexity one.
func pageCost(child int, first, last *int) int {
	n := -1
	for _, size := range []*int{first, last} {
		if size != nil && *size >= 0 {
			n = max(n, min(*size, models.MaxPageSize))
		}
	}
	if n < 0 {
		n = models.DefaultPageSize
	}
	return listCost(child, n)
}

// maxCost is where costs and counts saturate, far above every limit and far
// below overflow.
const maxCost = 1 << 40

// satAdd adds two non-negative counts, saturating at maxCost.
func satAdd(a, b int) int {
	if a+b > maxCost || a+b < 0 {
		return maxCost
	}
	return a + b
}

// satMul multiplies two counts, saturating at maxCost.
func satMul(a, b int) int {
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > maxCost/b {
		return maxCost
	}
	return a * b
}

// complexityRoot is the per-field cost functions of the schema.
func complexityRoot() generated.ComplexityRoot {
	var c generated.ComplexityRoot
	list := func(n int) func(int) int { return func(child int) int { return listCost(child, n) } }

	c.Account.Members = func(child int, _ *model.MemberFilter, _ *model.MemberOrder, first *int, _ *string, last *int, _ *string) int {
		return pageCost(child, first, last)
	}
	c.Account.Invitations = func(child int, _ []models.InvitationStatus, _ *string, first *int, _ *string, last *int, _ *string) int {
		return pageCost(child, first, last)
	}
	c.Account.Contacts = func(child int, _ *string, _ *bool, first *int, _ *string, last *int, _ *string) int {
		return pageCost(child, first, last)
	}
	c.Account.Children = list(assumedAccounts)
	c.Organization.Members = func(child int, _ *string, first *int, _ *string, last *int, _ *string) int {
		return pageCost(child, first, last)
	}
	c.Organization.AuditLog = func(child int, _ *model.AuditFilter, first *int, _ *string, last *int, _ *string) int {
		return pageCost(child, first, last)
	}
	c.Organization.Accounts = list(assumedAccounts)
	c.User.Memberships = list(assumedMemberships)
	c.User.Organizations = list(assumedOrganizations)
	c.User.Sessions = list(assumedSessions)
	c.Invitation.Accounts = list(assumedInvitationAcc)
	c.InviteUsersPayload.Results = list(assumedInviteResults)
	c.InviteUsersPayload.Invitations = list(assumedInviteResults)
	c.Mutation.GrantAccess = func(child int, _ model.GrantAccessInput) int { return listCost(child, assumedInvitationAcc) }
	return c
}
