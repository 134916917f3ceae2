package db

import (
	"context"
	"slices"

	"gorm.io/gorm"

	"github.com/rollcall/rollcall/models"
)

// CreateAccount adds a sub-account under parentID (OWNER or ADMIN there).
func (s *Store) CreateAccount(ctx context.Context, parentID int64, name string) (*models.Account, error) {
	name, err := requiredText("name", name, 200)
	if err != nil {
		return nil, err
	}
	var acct *models.Account
	err = s.tx(ctx, func(tx *gorm.DB) error {
		sc, parent, err := s.scopeOfAccount(ctx, tx, parentID)
		if err != nil {
			return err
		}
		if err := models.CanManageAccounts(sc.viewerAccess(parent.ID)); err != nil {
			return err
		}
		if parent.Depth+1 > MaxAccountDepth {
			return models.InvalidInput("parentId", "accounts nest at most %d levels deep", MaxAccountDepth)
		}
		acct = &models.Account{OrganizationID: parent.OrganizationID, ParentID: &parent.ID, Name: name, Depth: parent.Depth + 1, CreatedAt: s.Now()}
		if err := tx.Create(acct).Error; err != nil {
			return err
		}
		return s.audit(ctx, tx, &models.AuditEvent{OrganizationID: acct.OrganizationID, Action: models.AuditAccountCreated, AccountID: &acct.ID,
			Details: details(map[string]any{"name": name, "parentId": models.GlobalID(models.KindAccount, parent.ID)})})
	})
	return acct, err
}

// UpdateOrganization renames the organization and sets its invitation
// lifetime (OWNER or ADMIN on the root account) and its enabled products
// (BILLING_MANAGER only, seed 001).
func (s *Store) UpdateOrganization(ctx context.Context, orgID int64, upd models.OrganizationUpdate) (*models.Organization, error) {
	var org *models.Organization
	err := s.tx(ctx, func(tx *gorm.DB) error {
		sc, err := s.loadScope(ctx, tx, orgID)
		if err != nil {
			return err
		}
		org = sc.org
		access := sc.viewerAccess(sc.rootID())
		before := map[string]any{}
		after := map[string]any{}
		changes := map[string]any{}
		if upd.Name != nil || upd.InvitationLifetimeHours != nil {
			if err := models.CanManageAccounts(access); err != nil {
				return err
			}
		}
		if upd.Name != nil {
			name, err := requiredText("name", *upd.Name, 200)
			if err != nil {
				return err
			}
			before["name"], after["name"] = org.Name, name
			org.Name, changes["name"] = name, name
		}
		if upd.InvitationLifetimeHours != nil {
			h := *upd.InvitationLifetimeHours
			if h < 1 || h > 720 {
				return models.InvalidInput("invitationLifetimeHours", "must be between 1 and 720 hours")
			}
			before["invitationLifetimeHours"], after["invitationLifetimeHours"] = org.InvitationLifetimeHours, h
			org.InvitationLifetimeHours, changes["invitation_lifetime_hours"] = h, h
		}
		if upd.SetEnabledProducts {
			if err := models.CanChangeEnabledProducts(access); err != nil {
				return err
			}
			keys := slices.Clone(upd.EnabledProducts)
			slices.Sort(keys)
			keys = slices.Compact(keys)
			for _, k := range keys {
				if !slices.ContainsFunc(s.opt.Products, func(p models.Product) bool { return p.Key == k }) {
					return models.InvalidInput("enabledProducts", "%q is not a product of this server", k)
				}
			}
			before["enabledProducts"], after["enabledProducts"] = org.EnabledProducts, keys
			org.EnabledProducts = keys
			changes["enabled_products"] = models.StringList(keys)
		}
		if len(changes) == 0 {
			return nil
		}
		org.UpdatedAt = s.Now()
		changes["updated_at"] = org.UpdatedAt
		if err := tx.Model(&models.Organization{}).Where("id = ?", org.ID).Updates(changes).Error; err != nil {
			return err
		}
		root := sc.rootID()
		return s.audit(ctx, tx, &models.AuditEvent{OrganizationID: org.ID, Action: models.AuditOrganizationUpdated, AccountID: &root,
			Details: details(map[string]any{"before": before, "after": after})})
	})
	return org, err
}

// rootID is the organization's root account.
func (sc *scope) rootID() int64 {
	for id, a := range sc.accounts {
		if a.ParentID == nil {
			return id
		}
	}
	return 0
}

// FindVisibleAccounts lists the accounts of an organization the viewer has
// access to (directly or inherited), root first then by depth and id.
func (s *Store) FindVisibleAccounts(ctx context.Context, orgID int64) ([]*models.Account, error) {
	sc, err := s.readScope(ctx, orgID)
	if err != nil {
		return nil, translate(err)
	}
	out := make([]*models.Account, 0, len(sc.accounts))
	for id, a := range sc.accounts {
		if sc.viewerCanSee(id) {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b *models.Account) int {
		if a.Depth != b.Depth {
			return a.Depth - b.Depth
		}
		return int(a.ID - b.ID)
	})
	return out, nil
}

// FindVisibleChildren lists the sub-accounts of accountID the viewer can see.
func (s *Store) FindVisibleChildren(ctx context.Context, accountID int64) ([]*models.Account, error) {
	accts, err := s.accountsInScope(ctx, accountID)
	if err != nil {
		return nil, err
	}
	var out []*models.Account
	for _, a := range accts {
		if a.ParentID != nil && *a.ParentID == accountID {
			out = append(out, a)
		}
	}
	return out, nil
}

func (s *Store) accountsInScope(ctx context.Context, accountID int64) ([]*models.Account, error) {
	var a models.Account
	if err := s.conn(ctx).Where("id = ?", accountID).Take(&a).Error; err != nil {
		return nil, notFoundAs(translate(err), "account")
	}
	return s.FindVisibleAccounts(ctx, a.OrganizationID)
}

// FindAccount returns an account the viewer can see, else NOT_FOUND (for
// another tenant's) or FORBIDDEN (same organization, no access).
func (s *Store) FindAccount(ctx context.Context, accountID int64) (*models.Account, error) {
	sc, a, err := s.readScopeOfAccount(ctx, accountID)
	if err != nil {
		return nil, translate(err)
	}
	if !sc.viewerCanSee(a.ID) {
		return nil, models.ErrNoAccess
	}
	return a, nil
}

// FindOrganization returns an organization whose directory holds the viewer.
func (s *Store) FindOrganization(ctx context.Context, orgID int64) (*models.Organization, error) {
	sc, err := s.readScope(ctx, orgID)
	if err != nil {
		return nil, translate(err)
	}
	return sc.org, nil
}

// ViewerMembership is the viewer's effective membership on an account
// (Inherited set when it comes from an ancestor), or nil.
func (s *Store) ViewerMembership(ctx context.Context, accountID int64) (*models.Membership, error) {
	sc, a, err := s.readScopeOfAccount(ctx, accountID)
	if err != nil {
		return nil, translate(err)
	}
	m, inherited := sc.effective(a.ID, sc.mine)
	if m == nil {
		return nil, nil
	}
	out := *m
	out.Inherited = inherited
	out.EffectiveAccountID = a.ID
	return &out, nil
}
