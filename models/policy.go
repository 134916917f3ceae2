package models

import (
	"slices"
	"strings"
)

// This file is the policy: who may do what to whom. Services call these
// functions before they write; resolvers never re-implement them. Each
// returns nil when the action is allowed, else a *Error (FORBIDDEN unless the
// doc says otherwise).

// Access is a person's effective access on one account (see
// EffectiveMembership). The zero value is no access.
type Access struct {
	Role         Role
	Permissions  Permissions
	Products     []string
	Restrictions Restrictions
}

// AccessOf is the access a membership gives; a nil membership gives none.
func AccessOf(m *Membership) Access {
	if m == nil {
		return Access{}
	}
	return Access{Role: m.Role, Permissions: m.Permissions, Products: []string(m.Products), Restrictions: m.Restrictions}
}

// HasAccess reports whether a holds any role.
func (a Access) HasAccess() bool { return a.Role.Valid() }

// HasPermission reports whether a holds p. An OWNER holds every permission:
// the top of the organization must be able to hand out any of them.
func (a Access) HasPermission(p Permission) bool {
	return a.Role == RoleOwner || (a.HasAccess() && a.Permissions.Has(p))
}

// HasProduct reports whether a may use the product, provided the
// organization has it enabled: OWNER and ADMIN use every enabled product,
// MANAGER and AGENT those on their membership.
func (a Access) HasProduct(key string) bool {
	if a.Role.AtLeast(RoleAdmin) {
		return true
	}
	return a.HasAccess() && slices.Contains(a.Products, key)
}

// EffectiveRestrictions are the restrictions that apply to a: those on a
// MANAGER's or AGENT's membership, none for OWNER and ADMIN.
func (a Access) EffectiveRestrictions() Restrictions {
	if !a.HasAccess() || a.Role.AtLeast(RoleAdmin) {
		return Restrictions{}
	}
	return a.Restrictions
}

// Grant is access being given or set: by an invitation, its acceptance, a
// member update, grantAccess or an invitation update.
type Grant struct {
	Role         Role
	Permissions  Permissions
	Products     []string
	Restrictions Restrictions
}

// ErrNoAccess is the answer to a caller without access to the account.
var ErrNoAccess = &Error{Code: CodeForbidden, Message: "you do not have access to this account"}

// CanManage decides whether actor may manage people holding targetRole:
// OWNER manages every role, ADMIN manages ADMIN, MANAGER and AGENT, MANAGER
// manages AGENT only, AGENT manages nobody. An unknown targetRole is
// BAD_USER_INPUT on field "role".
func CanManage(actor Access, targetRole Role) error {
	if !actor.HasAccess() {
		return ErrNoAccess
	}
	if !targetRole.Valid() {
		return InvalidInput("role", "unknown role %q", targetRole)
	}
	var ok bool
	switch actor.Role {
	case RoleOwner:
		ok = true
	case RoleAdmin:
		ok = targetRole != RoleOwner
	case RoleManager:
		ok = targetRole == RoleAgent
	}
	if ok {
		return nil
	}
	if targetRole == RoleOwner {
		return Forbidden("only an owner can manage owners")
	}
	return Forbidden("%s cannot manage %s", roleNoun(actor.Role, true), roleNoun(targetRole, false))
}

// roleNoun names a role in a sentence: "an admin", or "admins" in plural.
func roleNoun(r Role, singular bool) string {
	w := strings.ToLower(string(r))
	if !singular {
		return w + "s"
	}
	if strings.ContainsRune("aeiou", rune(w[0])) {
		return "an " + w
	}
	return "a " + w
}

// CheckGrant is the ceiling every grant path passes through (invite,
// accept, updateMember, grantAccess, updateInvitation): nobody grants more
// than they have.
//   - the role must be valid (BAD_USER_INPUT "role") and one actor may
//     manage (CanManage), so OWNER is given by an OWNER only;
//   - each permission must be valid (BAD_USER_INPUT "permissions") and held
//     by actor;
//   - each product must be enabled for the organization (BAD_USER_INPUT
//     "products") and, unless actor is OWNER or ADMIN, held by actor;
//   - when g.Role is MANAGER or AGENT, the restrictions actor is under must
//     be on the grant too: a restricted manager cannot hand out unrestricted
//     access.
func CheckGrant(actor Access, g Grant, enabledProducts []string) error {
	if !actor.HasAccess() {
		return ErrNoAccess
	}
	if !g.Role.Valid() {
		return InvalidInput("role", "unknown role %q", g.Role)
	}
	if err := CanManage(actor, g.Role); err != nil {
		return err
	}
	for _, p := range g.Permissions {
		if !p.Valid() {
			return InvalidInput("permissions", "unknown permission %q", p)
		}
		if !actor.HasPermission(p) {
			return Forbidden("you cannot give the %s permission because you do not hold it", p)
		}
	}
	for _, key := range g.Products {
		if !slices.Contains(enabledProducts, key) {
			return InvalidInput("products", "the product %q is not enabled for this organization", key)
		}
		if !actor.HasProduct(key) {
			return Forbidden("you cannot give access to the product %q because you do not have it", key)
		}
	}
	if g.Role.AtLeast(RoleAdmin) {
		return nil
	}
	own := actor.EffectiveRestrictions()
	if own.AssignedContactsOnly && !g.Restrictions.AssignedContactsOnly {
		return Forbidden("you can only give access restricted to assigned contacts, as yours is")
	}
	if own.DataExportBlocked && !g.Restrictions.DataExportBlocked {
		return Forbidden("you can only give access with data export blocked, as yours is")
	}
	return nil
}

// NormalizeGrant returns g in its stored form: permissions and products
// sorted and deduplicated, restrictions cleared for OWNER and ADMIN (they
// apply to MANAGER and AGENT only).
func NormalizeGrant(g Grant) Grant {
	g.Permissions = g.Permissions.Normalize()
	products := slices.Clone(g.Products)
	slices.Sort(products)
	g.Products = slices.Compact(products)
	if g.Role.AtLeast(RoleAdmin) {
		g.Restrictions = Restrictions{}
	}
	return g
}

// CanChangeAccess decides whether actor may edit or revoke the access of
// the person targetUserID, whose current role on the account is
// targetCurrentRole (updateMember, revokeAccess, removeFromOrganization).
// Nobody changes their own access; beyond that, CanManage. The caller also
// runs CheckGrant on any new access and CheckOwnersRemain when an owner is
// demoted or removed.
func CanChangeAccess(actorUserID, targetUserID int64, actor Access, targetCurrentRole Role) error {
	if actorUserID == targetUserID {
		return Forbidden("you cannot change your own access")
	}
	return CanManage(actor, targetCurrentRole)
}

// ErrLastOwner refuses to leave an organization without an owner.
var ErrLastOwner = &Error{Code: CodeConflict, Message: "an organization must keep at least one owner"}

// CheckOwnersRemain refuses a change that would leave the organization with
// ownersAfter < 1 owners (CONFLICT). The caller counts the owners after the
// change inside the transaction that makes it, with the owners' rows locked,
// so two concurrent demotions cannot both pass.
func CheckOwnersRemain(ownersAfter int) error {
	if ownersAfter < 1 {
		return ErrLastOwner
	}
	return nil
}

// CanChangeEnabledProducts decides whether actor may change the products the
// organization has enabled: it takes the BILLING_MANAGER permission, in any
// role (OWNER holds it implicitly).
func CanChangeEnabledProducts(actor Access) error {
	if !actor.HasAccess() {
		return ErrNoAccess
	}
	if !actor.HasPermission(PermissionBillingManager) {
		return Forbidden("changing the enabled products takes the billing manager permission")
	}
	return nil
}

// CanViewAuditLog decides whether actor may read the audit log: OWNER and
// ADMIN.
func CanViewAuditLog(actor Access) error {
	return atLeast(actor, RoleAdmin, "only owners and admins can see the audit log")
}

// CanExportMembers decides whether actor may export the members of the
// account as CSV: anyone with access who is not under dataExportBlocked.
func CanExportMembers(actor Access) error {
	if !actor.HasAccess() {
		return ErrNoAccess
	}
	if actor.EffectiveRestrictions().DataExportBlocked {
		return Forbidden("data export is blocked for your access")
	}
	return nil
}

// CanInvite decides whether actor may invite people at all: OWNER, ADMIN and
// MANAGER. CheckGrant then bounds what the invitation grants.
func CanInvite(actor Access) error {
	return atLeast(actor, RoleManager, "only owners, admins and managers can invite people")
}

// CanManageInvitation decides whether actor may resend, edit or revoke a
// pending invitation that grants invitationRole: an inviter who may manage
// that role. Editing also passes the new grant through CheckGrant.
func CanManageInvitation(actor Access, invitationRole Role) error {
	if err := CanInvite(actor); err != nil {
		return err
	}
	return CanManage(actor, invitationRole)
}

// CanManageAccounts decides whether actor may change the organization's
// structure and settings: create sub-accounts, rename the organization, set
// the invitation lifetime. OWNER and ADMIN.
func CanManageAccounts(actor Access) error {
	return atLeast(actor, RoleAdmin, "only owners and admins can change the organization and its accounts")
}

// CanEditMemberProfile decides whether actor may edit another member's name
// and phone (never the login email): OWNER and ADMIN, on people whose role
// they manage.
func CanEditMemberProfile(actor Access, targetRole Role) error {
	if err := atLeast(actor, RoleAdmin, "only owners and admins can edit a member's profile"); err != nil {
		return err
	}
	return CanManage(actor, targetRole)
}

// CanSendPasswordReset decides whether actor may send a member a password
// reset link: OWNER and ADMIN, on people whose role they manage.
func CanSendPasswordReset(actor Access, targetRole Role) error {
	if err := atLeast(actor, RoleAdmin, "only owners and admins can reset a member's password"); err != nil {
		return err
	}
	return CanManage(actor, targetRole)
}

// CanSeeContact reports whether actor, the user viewerID, may see a contact
// assigned to assigneeID (nil when unassigned). Under assignedContactsOnly a
// person sees only the contacts assigned to them; list queries filter on
// actor.EffectiveRestrictions().AssignedContactsOnly the same way.
func CanSeeContact(actor Access, viewerID int64, assigneeID *int64) bool {
	if !actor.HasAccess() {
		return false
	}
	if actor.EffectiveRestrictions().AssignedContactsOnly {
		return assigneeID != nil && *assigneeID == viewerID
	}
	return true
}

func atLeast(actor Access, floor Role, message string) error {
	if !actor.HasAccess() {
		return ErrNoAccess
	}
	if !actor.Role.AtLeast(floor) {
		return Forbidden("%s", message)
	}
	return nil
}

// EffectiveMembership resolves inherited access. chain is the account and
// its ancestors, the account itself first and the root last; byAccount holds
// the user's memberships by account id. The most specific membership found
// walking up the chain wins. It returns a copy with EffectiveAccountID set
// to chain[0] and Inherited set when the membership is on an ancestor (the
// inputs are not modified), or nil when the user has no access there.
func EffectiveMembership(chain []int64, byAccount map[int64]*Membership) (m *Membership, inherited bool) {
	for i, id := range chain {
		found := byAccount[id]
		if found == nil {
			continue
		}
		c := *found
		c.Inherited = i > 0
		c.EffectiveAccountID = chain[0]
		return &c, c.Inherited
	}
	return nil, false
}
