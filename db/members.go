package db

import (
	"context"
	"slices"

	"gorm.io/gorm"

	"github.com/rollcall/rollcall/models"
)

// txRetry is tx retried on a MySQL deadlock, which InnoDB resolves by
// rolling one transaction back whole.
func (s *Store) txRetry(ctx context.Context, fn func(tx *gorm.DB) error) error {
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		if err = s.tx(ctx, fn); err == nil || !isDeadlock(err) {
			return err
		}
	}
	return err
}

// lockOwners locks the organization's OWNER memberships of active (not
// suspended) owners in id order and returns who holds them, so concurrent
// demotions, removals and suspensions serialise and the last active OWNER
// can never be taken away: a suspended owner does not count.
func (s *Store) lockOwners(tx *gorm.DB, orgID int64) ([]*models.Membership, error) {
	var owners []*models.Membership
	suspended := tx.Session(&gorm.Session{NewDB: true}).Model(&models.OrganizationMember{}).Select("user_id").
		Where("organization_id = ? AND suspended_at IS NOT NULL", orgID)
	err := s.forUpdate(tx.Where("organization_id = ? AND role = ? AND user_id NOT IN (?)", orgID, models.RoleOwner, suspended).Order("id")).Find(&owners).Error
	return owners, err
}

// ownersRemain checks that after dropping the given OWNER memberships at
// least one person still owns the organization.
func ownersRemain(owners []*models.Membership, dropped ...int64) error {
	users := map[int64]bool{}
	for _, o := range owners {
		if !slices.Contains(dropped, o.ID) {
			users[o.UserID] = true
		}
	}
	return models.CheckOwnersRemain(len(users))
}

// UpdateMember changes a member's role, permissions, products or
// restrictions on one account. Access inherited from an ancestor becomes a
// direct membership here (the more specific wins).
func (s *Store) UpdateMember(ctx context.Context, accountID, userID int64, upd models.GrantUpdate) (*models.Membership, error) {
	var out *models.Membership
	err := s.txRetry(ctx, func(tx *gorm.DB) error {
		sc, acct, err := s.scopeOfAccount(ctx, tx, accountID)
		if err != nil {
			return err
		}
		owners, err := s.lockOwners(tx, sc.org.ID)
		if err != nil {
			return err
		}
		byAccount, err := sc.membershipsOf(tx, userID)
		if err != nil {
			return err
		}
		m, inherited := sc.effective(acct.ID, byAccount)
		if m == nil {
			return models.NotFound("member")
		}
		actor := sc.viewerAccess(acct.ID)
		if err := models.CanChangeAccess(sc.viewer.UserID, userID, actor, m.Role, models.OwnsOrganization(byAccount)); err != nil {
			return err
		}
		g := grantOf(m.Role, m.Permissions, m.Products, m.Restrictions)
		if upd.Role != nil {
			g.Role = *upd.Role
		}
		if upd.Permissions != nil {
			g.Permissions = *upd.Permissions
		}
		if upd.Products != nil {
			g.Products = *upd.Products
		}
		if upd.Restrictions != nil {
			g.Restrictions = upd.Restrictions.Apply(g.Restrictions)
		}
		g = models.NormalizeGrant(g)
		if err := models.CheckGrant(actor, g, sc.org.EnabledProducts); err != nil {
			return err
		}
		before := grantDetails(grantOf(m.Role, m.Permissions, m.Products, m.Restrictions))
		if !inherited && m.Role == models.RoleOwner && g.Role != models.RoleOwner {
			if err := ownersRemain(owners, m.ID); err != nil {
				return err
			}
		}
		now := s.Now()
		if inherited {
			out = &models.Membership{OrganizationID: sc.org.ID, AccountID: acct.ID, UserID: userID, InvitedByID: &sc.viewer.UserID, CreatedAt: now}
		} else {
			out = m
		}
		out.Role, out.RoleRank, out.Permissions, out.Products, out.Restrictions, out.UpdatedAt =
			g.Role, g.Role.Rank(), g.Permissions, models.StringList(g.Products), g.Restrictions, now
		if err := tx.Save(out).Error; err != nil {
			return err
		}
		email, err := userEmail(tx, userID)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, &models.AuditEvent{OrganizationID: sc.org.ID, Action: models.AuditMemberUpdated, TargetUserID: &userID,
			TargetEmail: &email, AccountID: &acct.ID, Details: details(map[string]any{"before": before, "after": grantDetails(g)})})
	})
	if err != nil {
		return nil, err
	}
	s.opt.Notifier.AccessChanged(ctx, out.OrganizationID)
	return out, nil
}

// GrantAccess gives an existing member of the organization access to more
// accounts with one grant, through the same ceiling as every grant path.
func (s *Store) GrantAccess(ctx context.Context, userID int64, accountIDs []int64, g models.Grant) ([]*models.Membership, error) {
	if len(accountIDs) == 0 {
		return nil, models.InvalidInput("accountIds", "choose at least one account")
	}
	g = models.NormalizeGrant(g)
	var out []*models.Membership
	err := s.txRetry(ctx, func(tx *gorm.DB) error {
		out = nil
		sc, _, err := s.scopeOfAccount(ctx, tx, accountIDs[0])
		if err != nil {
			return err
		}
		ok, err := sc.isOrgMember(tx, userID)
		if err != nil {
			return err
		}
		if !ok {
			return models.NotFound("user")
		}
		owners, err := s.lockOwners(tx, sc.org.ID)
		if err != nil {
			return err
		}
		email, err := userEmail(tx, userID)
		if err != nil {
			return err
		}
		byAccount, err := sc.membershipsOf(tx, userID)
		if err != nil {
			return err
		}
		owner := models.OwnsOrganization(byAccount)
		now := s.Now()
		for _, id := range slices.Compact(slices.Sorted(slices.Values(accountIDs))) {
			acct, err := sc.account(id)
			if err != nil {
				return err
			}
			actor := sc.viewerAccess(acct.ID)
			if current, _ := sc.effective(acct.ID, byAccount); current != nil {
				// Access they already hold here may only be changed by
				// someone who may manage it.
				if err := models.CanChangeAccess(sc.viewer.UserID, userID, actor, current.Role, owner); err != nil {
					return err
				}
			} else if owner {
				// An owner is managed by owners only, wherever the access.
				if err := models.CanChangeAccess(sc.viewer.UserID, userID, actor, models.RoleOwner, owner); err != nil {
					return err
				}
			} else if sc.viewer.UserID == userID {
				return models.Forbidden("you cannot change your own access")
			}
			if err := models.CheckGrant(actor, g, sc.org.EnabledProducts); err != nil {
				return err
			}
			m := byAccount[acct.ID]
			if m == nil {
				m = &models.Membership{OrganizationID: sc.org.ID, AccountID: acct.ID, UserID: userID, InvitedByID: &sc.viewer.UserID, CreatedAt: now}
			} else if m.Role == models.RoleOwner && g.Role != models.RoleOwner {
				if err := ownersRemain(owners, m.ID); err != nil {
					return err
				}
			}
			m.Role, m.RoleRank, m.Permissions, m.Products, m.Restrictions, m.UpdatedAt =
				g.Role, g.Role.Rank(), g.Permissions, models.StringList(g.Products), g.Restrictions, now
			if err := tx.Save(m).Error; err != nil {
				return err
			}
			m.EffectiveAccountID = acct.ID
			out = append(out, m)
			if err := s.audit(ctx, tx, &models.AuditEvent{OrganizationID: sc.org.ID, Action: models.AuditAccessGranted, TargetUserID: &userID,
				TargetEmail: &email, AccountID: &acct.ID, Details: details(map[string]any{"after": grantDetails(g)})}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.opt.Notifier.AccessChanged(ctx, out[0].OrganizationID)
	return out, nil
}

// RevokeAccess ends a member's direct access to one account (irreversibly)
// and reassigns their contacts in the accounts they can no longer reach to
// another member who can, or leaves them unassigned. The person stays in the
// organization's directory.
func (s *Store) RevokeAccess(ctx context.Context, accountID, userID int64, reassignTo *int64) (*models.Membership, int64, error) {
	var revoked *models.Membership
	var moved int64
	err := s.txRetry(ctx, func(tx *gorm.DB) error {
		sc, acct, err := s.scopeOfAccount(ctx, tx, accountID)
		if err != nil {
			return err
		}
		owners, err := s.lockOwners(tx, sc.org.ID)
		if err != nil {
			return err
		}
		byAccount, err := sc.membershipsOf(tx, userID)
		if err != nil {
			return err
		}
		m := byAccount[acct.ID]
		if m == nil {
			if eff, _ := sc.effective(acct.ID, byAccount); eff != nil {
				parent := sc.accounts[eff.AccountID]
				return models.InvalidInput("accountId", "this access comes from the account %q; revoke it there", parent.Name)
			}
			return models.NotFound("member")
		}
		if err := models.CanChangeAccess(sc.viewer.UserID, userID, sc.viewerAccess(acct.ID), m.Role, models.OwnsOrganization(byAccount)); err != nil {
			return err
		}
		if m.Role == models.RoleOwner {
			if err := ownersRemain(owners, m.ID); err != nil {
				return err
			}
		}
		if err := tx.Delete(&models.Membership{}, m.ID).Error; err != nil {
			return err
		}
		delete(byAccount, acct.ID)
		// The accounts the person no longer reaches: this one and the
		// descendants that reached it through this membership.
		var lost []int64
		for id := range sc.accounts {
			if slices.Contains(sc.chain(id), acct.ID) {
				if eff, _ := sc.effective(id, byAccount); eff == nil {
					lost = append(lost, id)
				}
			}
		}
		email, err := userEmail(tx, userID)
		if err != nil {
			return err
		}
		if moved, err = s.moveContacts(tx, sc, lost, userID, reassignTo, acct.ID); err != nil {
			return err
		}
		revoked = m
		return s.audit(ctx, tx, &models.AuditEvent{OrganizationID: sc.org.ID, Action: models.AuditAccessRevoked, TargetUserID: &userID,
			TargetEmail: &email, AccountID: &acct.ID, Details: details(map[string]any{"before": grantDetails(grantOf(m.Role, m.Permissions, m.Products, m.Restrictions)), "reassignedContacts": moved})})
	})
	if err != nil {
		return nil, 0, err
	}
	s.opt.Notifier.AccessChanged(ctx, revoked.OrganizationID)
	return revoked, moved, nil
}

// moveContacts reassigns the person's contacts in accounts to reassignTo
// (who must have access to each of them) or unassigns them, and audits it.
func (s *Store) moveContacts(tx *gorm.DB, sc *scope, accounts []int64, fromUserID int64, reassignTo *int64, auditAccount int64) (int64, error) {
	if len(accounts) == 0 {
		return 0, nil
	}
	if reassignTo != nil {
		if *reassignTo == fromUserID {
			return 0, models.InvalidInput("reassignContactsTo", "choose someone other than the person losing access")
		}
		if suspended, err := sc.isSuspended(tx, *reassignTo); err != nil || suspended {
			if err == nil {
				err = models.InvalidInput("reassignContactsTo", "this person is suspended in this organization")
			}
			return 0, err
		}
		byAccount, err := sc.membershipsOf(tx, *reassignTo)
		if err != nil {
			return 0, err
		}
		for _, id := range accounts {
			if eff, _ := sc.effective(id, byAccount); eff == nil {
				return 0, models.InvalidInput("reassignContactsTo", "this person has no access to %q", sc.accounts[id].Name)
			}
		}
	}
	n, err := ReassignContacts(tx, accounts, fromUserID, reassignTo)
	if err != nil || n == 0 {
		return n, err
	}
	d := map[string]any{"count": n, "fromUserId": models.GlobalID(models.KindUser, fromUserID)}
	if reassignTo != nil {
		d["toUserId"] = models.GlobalID(models.KindUser, *reassignTo)
	}
	return n, s.audit(tx.Statement.Context, tx, &models.AuditEvent{OrganizationID: sc.org.ID, Action: models.AuditContactsReassigned,
		TargetUserID: &fromUserID, AccountID: &auditAccount, Details: details(d)})
}

// RemoveFromOrganization ends every access of the person in the
// organization, reassigns their contacts, takes them out of its directory
// and ends their live connections to it. Their identity and other
// organizations are untouched.
func (s *Store) RemoveFromOrganization(ctx context.Context, orgID, userID int64, reassignTo *int64) error {
	return s.leave(ctx, orgID, userID, reassignTo, models.AuditRemovedFromOrg, func(sc *scope, byAccount map[int64]*models.Membership, highest models.Role) error {
		return models.CanChangeAccess(sc.viewer.UserID, userID, sc.viewerAccess(sc.rootID()), highest, models.OwnsOrganization(byAccount))
	})
}

// LeaveOrganization takes the viewer out of an organization of theirs:
// every access in it ends, they leave its directory, and their contacts
// there become unassigned. Anyone may leave but the last owner
// (CONFLICT); the organization's log records it.
func (s *Store) LeaveOrganization(ctx context.Context, orgID int64) error {
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return err
	}
	return s.leave(ctx, orgID, v.UserID, nil, models.AuditLeftOrganization, leavingOneself)
}

// leavingOneself lets anyone leave (only the last owner cannot, which
// removeMember checks for every removal).
func leavingOneself(*scope, map[int64]*models.Membership, models.Role) error { return nil }

// leave ends every access userID has in orgID and takes them out of its
// directory, when allow (given their memberships and highest role there)
// passes and an owner remains; their contacts in the organization go to
// reassignTo, or none. Logged as action; the organization's streams
// re-check their subscribers after the commit.
func (s *Store) leave(ctx context.Context, orgID, userID int64, reassignTo *int64, action models.AuditAction, allow allowLeave) error {
	err := s.txRetry(ctx, func(tx *gorm.DB) error {
		return s.removeMember(ctx, tx, orgID, userID, reassignTo, action, allow)
	})
	if err != nil {
		return err
	}
	s.opt.Notifier.AccessChanged(ctx, orgID)
	return nil
}

// SuspendMember suspends a person in an organization: they keep their
// memberships and data but have no access there — every read answers as if
// they were not a member, their subscriptions there end on every node and
// they leave its presence streams — until ReactivateMember. OWNER and ADMIN
// on a person they manage, never themselves (models.CanSuspendMember); an
// active owner must remain. It answers false, and changes and logs
// nothing, when the person already is suspended.
func (s *Store) SuspendMember(ctx context.Context, orgID, userID int64) (bool, error) {
	return s.setSuspended(ctx, orgID, userID, true)
}

// ReactivateMember ends a person's suspension in an organization, under
// the same rule as SuspendMember; false when they were not suspended.
func (s *Store) ReactivateMember(ctx context.Context, orgID, userID int64) (bool, error) {
	return s.setSuspended(ctx, orgID, userID, false)
}

// setSuspended suspends (or reactivates) userID in orgID and logs it as
// MEMBER_SUSPENDED (MEMBER_REACTIVATED); the organization's streams
// re-check their subscribers and their member lists after the commit.
func (s *Store) setSuspended(ctx context.Context, orgID, userID int64, suspend bool) (bool, error) {
	changed := false
	err := s.txRetry(ctx, func(tx *gorm.DB) error {
		changed = false
		sc, err := s.loadScope(ctx, tx, orgID)
		if err != nil {
			return err
		}
		// Owners first, then the person's row: the order of leave.
		owners, err := s.lockOwners(tx, sc.org.ID)
		if err != nil {
			return err
		}
		var om models.OrganizationMember
		if err := s.forUpdate(tx.Where("organization_id = ? AND user_id = ?", sc.org.ID, userID)).Take(&om).Error; err != nil {
			return notFoundAs(err, "member")
		}
		byAccount, err := sc.membershipsOf(tx, userID)
		if err != nil {
			return err
		}
		highest := models.RoleAgent
		var owned []int64
		for _, m := range byAccount {
			if m.Role.Rank() > highest.Rank() {
				highest = m.Role
			}
			if m.Role == models.RoleOwner {
				owned = append(owned, m.ID)
			}
		}
		owner := len(owned) > 0
		root := sc.rootID()
		if err := models.CanSuspendMember(sc.viewer.UserID, userID, sc.viewerAccess(root), highest, owner); err != nil {
			return err
		}
		if (om.SuspendedAt != nil) == suspend {
			return nil // already so: nothing to change or log
		}
		action := models.AuditMemberReactivated
		changes := map[string]any{"suspended_at": nil, "suspended_by": nil}
		if suspend {
			if err := ownersRemain(owners, owned...); err != nil {
				return err
			}
			action = models.AuditMemberSuspended
			changes = map[string]any{"suspended_at": s.Now(), "suspended_by": sc.viewer.UserID}
		}
		if err := tx.Model(&models.OrganizationMember{}).Where("organization_id = ? AND user_id = ?", sc.org.ID, userID).
			Updates(changes).Error; err != nil {
			return err
		}
		email, err := userEmail(tx, userID)
		if err != nil {
			return err
		}
		d := map[string]any{"before": map[string]any{"suspended": !suspend}, "after": map[string]any{"suspended": suspend},
			"highestRole": highest, "memberships": len(byAccount)}
		if !suspend {
			d["suspendedAt"] = models.FormatTime(*om.SuspendedAt)
			if om.SuspendedByID != nil {
				d["suspendedBy"] = models.GlobalID(models.KindUser, *om.SuspendedByID)
			}
		}
		changed = true
		return s.audit(ctx, tx, &models.AuditEvent{OrganizationID: sc.org.ID, Action: action, TargetUserID: &userID,
			TargetEmail: &email, AccountID: &root, Details: details(d)})
	})
	if err != nil {
		return false, err
	}
	if changed {
		s.opt.Notifier.AccessChanged(ctx, orgID)
	}
	return changed, nil
}

// allowLeave decides whether a person may be taken out of an organization,
// given their memberships there and their highest role.
type allowLeave func(sc *scope, byAccount map[int64]*models.Membership, highest models.Role) error

// removeMember is leave's work inside tx: the caller tells the
// organization's streams after the commit (Notifier.AccessChanged).
func (s *Store) removeMember(ctx context.Context, tx *gorm.DB, orgID, userID int64, reassignTo *int64, action models.AuditAction, allow allowLeave) error {
	sc, err := s.loadScope(ctx, tx, orgID)
	if err != nil {
		return err
	}
	ok, err := sc.isOrgMember(tx, userID)
	if err != nil {
		return err
	}
	if !ok {
		return models.NotFound("member")
	}
	owners, err := s.lockOwners(tx, sc.org.ID)
	if err != nil {
		return err
	}
	byAccount, err := sc.membershipsOf(tx, userID)
	if err != nil {
		return err
	}
	highest := models.Role("")
	var dropped []int64
	for _, m := range byAccount {
		if m.Role.Rank() > highest.Rank() {
			highest = m.Role
		}
		dropped = append(dropped, m.ID)
	}
	root := sc.rootID()
	if highest == "" {
		highest = models.RoleAgent
	}
	if err := allow(sc, byAccount, highest); err != nil {
		return err
	}
	if err := ownersRemain(owners, dropped...); err != nil {
		return err
	}
	accounts := make([]int64, 0, len(sc.accounts))
	for id := range sc.accounts {
		accounts = append(accounts, id)
	}
	email, err := userEmail(tx, userID)
	if err != nil {
		return err
	}
	if err := tx.Where("organization_id = ? AND user_id = ?", sc.org.ID, userID).Delete(&models.Membership{}).Error; err != nil {
		return err
	}
	if _, err := s.moveContacts(tx, sc, accounts, userID, reassignTo, root); err != nil {
		return err
	}
	if err := tx.Where("organization_id = ? AND user_id = ?", sc.org.ID, userID).Delete(&models.OrganizationMember{}).Error; err != nil {
		return err
	}
	if err := unindexMember(tx, sc.org.ID, userID); err != nil {
		return err
	}
	return s.audit(ctx, tx, &models.AuditEvent{OrganizationID: sc.org.ID, Action: action, TargetUserID: &userID,
		TargetEmail: &email, AccountID: &root, Details: details(map[string]any{"highestRole": highest, "memberships": len(dropped)})})
}

// identityOrg is an organization a person belongs to, as an action on
// their identity records it: its id and root account (for the audit event).
type identityOrg struct {
	id, root int64
}

// identityScope checks, inside tx, that the viewer may act on the identity
// of userID (check is CanEditMemberProfile or CanSendPasswordReset) in
// every organization userID belongs to (models.CanActOnIdentity), and
// returns those organizations. Two queries load what the rule needs: the
// accounts of the person's organizations, and both people's memberships
// there. NOT_FOUND when the viewer holds access in none of them, exactly as
// for a person who does not exist. The reads are plain (not locking): a
// role change racing with the action orders after it, as if it came later.
func (s *Store) identityScope(ctx context.Context, tx *gorm.DB, userID int64,
	check func(actor models.Access, targetRole models.Role) error) (*models.Viewer, []identityOrg, error) {
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return nil, nil, err
	}
	orgsOfTarget := tx.Model(&models.OrganizationMember{}).Select("organization_id").Where("user_id = ?", userID)
	var accounts []*models.Account
	if err := tx.Select("id", "organization_id", "parent_id").Where("organization_id IN (?)", orgsOfTarget).
		Order("organization_id, id").Find(&accounts).Error; err != nil {
		return nil, nil, err
	}
	// The viewer's memberships where they are suspended give them no
	// standing: they count as an outsider there.
	var ms []*models.Membership
	if err := tx.Where("user_id IN ? AND organization_id IN (?)", []int64{v.UserID, userID}, orgsOfTarget).
		Where("NOT (user_id = ? AND organization_id IN (?))", v.UserID, suspendedOrgs(tx, v.UserID)).Find(&ms).Error; err != nil {
		return nil, nil, err
	}
	type org struct {
		identityOrg
		parents       map[int64]int64
		actor, target map[int64]*models.Membership
	}
	byOrg := map[int64]*org{}
	var order []int64
	for _, a := range accounts {
		o := byOrg[a.OrganizationID]
		if o == nil {
			o = &org{identityOrg: identityOrg{id: a.OrganizationID}, parents: map[int64]int64{},
				actor: map[int64]*models.Membership{}, target: map[int64]*models.Membership{}}
			byOrg[a.OrganizationID] = o
			order = append(order, a.OrganizationID)
		}
		if a.ParentID == nil {
			o.root, o.parents[a.ID] = a.ID, 0
		} else {
			o.parents[a.ID] = *a.ParentID
		}
	}
	shared := false
	for _, m := range ms {
		o := byOrg[m.OrganizationID]
		if o == nil {
			continue
		}
		if m.UserID == v.UserID {
			o.actor[m.AccountID], shared = m, true
		}
		if m.UserID == userID {
			o.target[m.AccountID] = m
		}
	}
	if !shared {
		return nil, nil, models.NotFound("user")
	}
	standings := make([]models.Standing, 0, len(order))
	out := make([]identityOrg, 0, len(order))
	for _, id := range order {
		o := byOrg[id]
		standings = append(standings, models.StandingIn(o.parents, o.actor, o.target))
		out = append(out, o.identityOrg)
	}
	if err := models.CanActOnIdentity(standings, check); err != nil {
		return nil, nil, err
	}
	return v, out, nil
}

// UpdateMemberProfile lets an administrator edit a member's name and phone
// (seeds 000, 001) — never the login email.
func (s *Store) UpdateMemberProfile(ctx context.Context, userID int64, first, last, phone *string) (*models.User, error) {
	var user models.User
	err := s.tx(ctx, func(tx *gorm.DB) error {
		v, orgs, err := s.identityScope(ctx, tx, userID, models.CanEditMemberProfile)
		if err != nil {
			return err
		}
		if v.UserID == userID {
			return models.Forbidden("edit your own profile with updateProfile")
		}
		if err := s.forUpdate(tx).Where("id = ?", userID).Take(&user).Error; err != nil {
			return err
		}
		before := map[string]any{"firstName": user.FirstName, "lastName": user.LastName, "phone": user.Phone}
		changes, err := profileChanges(&user, models.ProfileUpdate{FirstName: first, LastName: last, Phone: phone})
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			return nil
		}
		changes["updated_at"] = s.Now()
		if err := tx.Model(&user).Updates(changes).Error; err != nil {
			return err
		}
		// Every organization the person belongs to sees the change in its log.
		d := details(map[string]any{"before": before,
			"after": map[string]any{"firstName": user.FirstName, "lastName": user.LastName, "phone": user.Phone}})
		for _, o := range orgs {
			if err := s.audit(ctx, tx, &models.AuditEvent{OrganizationID: o.id, Action: models.AuditMemberProfileUpdated, TargetUserID: &userID,
				TargetEmail: &user.Email, AccountID: &o.root, Details: d}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &user, nil
}

// SendPasswordReset mails a member a reset link on an administrator's
// behalf (seed 000).
func (s *Store) SendPasswordReset(ctx context.Context, userID int64) error {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		v, orgs, err := s.identityScope(ctx, tx, userID, models.CanSendPasswordReset)
		if err != nil {
			return err
		}
		var user, admin models.User
		if err := tx.Where("id = ?", userID).Take(&user).Error; err != nil {
			return err
		}
		if err := tx.Where("id = ?", v.UserID).Take(&admin).Error; err != nil {
			return err
		}
		if err := s.issuePasswordReset(tx, &user, &admin); err != nil {
			return err
		}
		for _, o := range orgs {
			if err := s.audit(ctx, tx, &models.AuditEvent{OrganizationID: o.id, Action: models.AuditPasswordResetSent, TargetUserID: &userID,
				TargetEmail: &user.Email, AccountID: &o.root}); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		s.opt.OnMailQueued()
	}
	return err
}

// SignOutMember ends every session of a member on an administrator's
// behalf (CanSignOutMember in every organization they belong to) and
// returns how many ended. Every such organization's log records it; every
// node hears of the ended sessions after the commit, so the person's
// tokens stop working and their sockets close everywhere at once.
func (s *Store) SignOutMember(ctx context.Context, userID int64) (int, error) {
	var ended []int64
	err := s.tx(ctx, func(tx *gorm.DB) error {
		v, orgs, err := s.identityScope(ctx, tx, userID, models.CanSignOutMember)
		if err != nil {
			return err
		}
		if v.UserID == userID {
			return models.Forbidden("sign out your own devices with signOutOtherSessions")
		}
		email, err := userEmail(tx, userID)
		if err != nil {
			return err
		}
		if ended, err = s.revokeSessions(tx, userID, 0, "signed_out_by_admin"); err != nil {
			return err
		}
		d := details(map[string]any{"sessions": len(ended)})
		for _, o := range orgs {
			if err := s.audit(ctx, tx, &models.AuditEvent{OrganizationID: o.id, Action: models.AuditMemberSignedOut, TargetUserID: &userID,
				TargetEmail: &email, AccountID: &o.root, Details: d}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if len(ended) > 0 {
		s.opt.Notifier.SessionsSignedOut(ctx, userID, ended)
	}
	return len(ended), nil
}

func userEmail(tx *gorm.DB, userID int64) (string, error) {
	var email string
	err := tx.Model(&models.User{}).Where("id = ?", userID).Pluck("email", &email).Error
	return email, err
}

func grantDetails(g models.Grant) map[string]any {
	return map[string]any{"role": g.Role, "permissions": g.Permissions, "products": g.Products,
		"restrictions": map[string]bool{"assignedContactsOnly": g.Restrictions.AssignedContactsOnly, "dataExportBlocked": g.Restrictions.DataExportBlocked}}
}
