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
// targetCurrentRole (updateMember, grantAccess, revokeAccess,
// removeFromOrganization). targetOwner says whether the person owns the
// organization (holds OWNER on any of its accounts): owners are
// organization-wide, so they count as OWNER whatever role they hold on this
// account (see OrganizationRole). Nobody changes their own access; beyond
// that, CanManage. The caller also runs CheckGrant on any new access and
// CheckOwnersRemain when an owner is demoted or removed.
func CanChangeAccess(actorUserID, targetUserID int64, actor Access, targetCurrentRole Role, targetOwner bool) error {
	if actorUserID == targetUserID {
		return Forbidden("you cannot change your own access")
	}
	return CanManage(actor, OrganizationRole(targetCurrentRole, targetOwner))
}

// OrganizationRole is the role a person counts as when someone acts on
// them on an account where they hold roleHere: OWNER when they own the
// organization, whatever role they hold on this account (a second owner may
// give the first a lower role on a sub-account; that never makes them
// manageable by an admin), else roleHere.
func OrganizationRole(roleHere Role, owner bool) Role {
	if owner {
		return RoleOwner
	}
	return roleHere
}

// OwnsOrganization reports whether memberships, all of one person in one
// organization, include an OWNER one: an owner of any account is an owner
// of the organization (the last-owner rule counts them the same way).
func OwnsOrganization(memberships map[int64]*Membership) bool {
	for _, m := range memberships {
		if m.Role == RoleOwner {
			return true
		}
	}
	return false
}

// Standing is where the actor and the target of an action on the target's
// identity stand in one organization the target belongs to. StandingIn
// computes it from their memberships there.
type Standing struct {
	// Outsider is set when the actor holds no access at all in the
	// organization (typically: it is another organization).
	Outsider bool
	// Actor is the actor's role as seen from the target: OWNER when the
	// actor owns the organization; else their lowest effective role over
	// the accounts the target reaches (their role on the root account when
	// the target reaches none); "" when they lack access to one of them.
	Actor Role
	// Target is the target's role: OWNER when they own the organization;
	// else their highest role on any account; AGENT when they are in the
	// directory without any access.
	Target Role
}

// StandingIn computes the Standing of actor and target in one
// organization. parents maps every account of the organization to its
// parent (0 for the root); actor and target are each person's memberships
// there, by account (nil when they hold none).
//
// The actor's side is the least they hold where the target is, so access
// on one branch of the tree never reaches a person who also works on
// another; the target's side is the most they hold, so a lower role on a
// sub-account never lowers them. Owners rank OWNER throughout the
// organization, on both sides.
func StandingIn(parents map[int64]int64, actor, target map[int64]*Membership) Standing {
	st := Standing{Outsider: len(actor) == 0, Target: RoleAgent}
	if OwnsOrganization(target) {
		st.Target = RoleOwner
	} else {
		for _, m := range target {
			if m.Role.Rank() > st.Target.Rank() {
				st.Target = m.Role
			}
		}
	}
	if st.Outsider {
		return st
	}
	if OwnsOrganization(actor) {
		st.Actor = RoleOwner
		return st
	}
	reached := false
	for id := range parents {
		chain := accountChain(parents, id)
		if m, _ := EffectiveMembership(chain, target); m == nil {
			continue
		}
		mine, _ := EffectiveMembership(chain, actor)
		if mine == nil {
			st.Actor = ""
			return st
		}
		if !reached || mine.Role.Rank() < st.Actor.Rank() {
			st.Actor = mine.Role
		}
		reached = true
	}
	if !reached {
		for id, parent := range parents {
			if parent == 0 {
				if mine, _ := EffectiveMembership([]int64{id}, actor); mine != nil {
					st.Actor = mine.Role
				}
			}
		}
	}
	return st
}

// accountChain is the account and its ancestors, the account first, from a
// parent map; bounded by the map's size, so a cycle cannot loop.
func accountChain(parents map[int64]int64, id int64) []int64 {
	var chain []int64
	for id != 0 && len(chain) <= len(parents) {
		parent, ok := parents[id]
		if !ok {
			break
		}
		chain = append(chain, id)
		id = parent
	}
	return chain
}

// ErrOtherOrganization refuses an action on the identity of a person who
// also belongs to an organization where the actor has no say. It names no
// organization: the actor may not learn where else the person works.
var ErrOtherOrganization = Forbidden("this person also belongs to another organization, where you cannot manage them; " +
	"only someone who may manage them in every organization they belong to can change their profile or send them a password reset")

// CanActOnIdentity decides whether the actor may act on a person's
// identity, which every organization the person belongs to relies on:
// editing their profile (check = CanEditMemberProfile), sending them a
// password reset (check = CanSendPasswordReset), and anything else that
// reaches beyond one organization. standings holds one entry per
// organization the person belongs to (StandingIn); check must pass in
// every one of them. "Outrank" is CanManage's order: an OWNER acts on
// OWNERs, an ADMIN on ADMINs and below. The caller answers NOT_FOUND before
// this when the actor shares no organization with the person.
func CanActOnIdentity(standings []Standing, check func(actor Access, targetRole Role) error) error {
	if len(standings) == 0 {
		return ErrNoAccess
	}
	outsider := false
	for _, st := range standings {
		if st.Outsider {
			outsider = true
			continue
		}
		if st.Actor == "" {
			return Forbidden("you cannot manage this person: your access does not cover every account they work on")
		}
		if err := check(Access{Role: st.Actor}, st.Target); err != nil {
			return err
		}
	}
	if outsider {
		return ErrOtherOrganization
	}
	return nil
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
	return adminOver(actor, targetRole, "only owners and admins can edit a member's profile")
}

// adminOver passes OWNER and ADMIN acting on a role they manage; anyone
// else is refused with refusal.
func adminOver(actor Access, targetRole Role, refusal string) error {
	if err := atLeast(actor, RoleAdmin, refusal); err != nil {
		return err
	}
	return CanManage(actor, targetRole)
}

// CanSendPasswordReset decides whether actor may send a member a password
// reset link: OWNER and ADMIN, on people whose role they manage.
func CanSendPasswordReset(actor Access, targetRole Role) error {
	return adminOver(actor, targetRole, "only owners and admins can reset a member's password")
}

// CanSignOutMember decides whether actor may sign a member out of every
// device (a lost laptop, someone leaving): OWNER and ADMIN, on people whose
// role they manage. Sessions belong to the person, not to one
// organization, so like a password reset it is checked in every
// organization they belong to (CanActOnIdentity).
func CanSignOutMember(actor Access, targetRole Role) error {
	return adminOver(actor, targetRole, "only owners and admins can sign a member out")
}

// CanSuspendMember decides whether actor, the user actorUserID, may
// suspend or reactivate the person targetUserID in an organization
// (suspendMember, reactivateMember): OWNER and ADMIN, acting with their
// access on the root account, on a person whose role they manage, never
// on themselves. targetRole is the person's highest role there and
// targetOwner whether they own the organization (an owner counts as OWNER
// whatever they hold, see OrganizationRole): an ADMIN never suspends an
// OWNER. The caller also checks that an active owner remains
// (CheckOwnersRemain counting owners who are not suspended) before
// suspending an owner.
func CanSuspendMember(actorUserID, targetUserID int64, actor Access, targetRole Role, targetOwner bool) error {
	if err := atLeast(actor, RoleAdmin, "only owners and admins can suspend or reactivate a member"); err != nil {
		return err
	}
	if actorUserID == targetUserID {
		return Forbidden("you cannot suspend or reactivate yourself")
	}
	return CanManage(actor, OrganizationRole(targetRole, targetOwner))
}

// CanSeeSuspended reports whether actor sees the people suspended in the
// organization in its members lists (marked as suspended): OWNER and
// ADMIN. Everyone else sees the directory without them.
func CanSeeSuspended(actor Access) bool { return actor.Role.AtLeast(RoleAdmin) }

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
