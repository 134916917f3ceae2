package db

import (
	"context"
	"time"

	"github.com/rollcall/rollcall/models"
)

// FindUsersByIDs loads users by id, in no particular order (for loaders).
func (d *DB) FindUsersByIDs(ctx context.Context, ids []int64) ([]*models.User, error) {
	var users []*models.User
	err := d.conn(ctx).Where("id IN ?", ids).Find(&users).Error
	return users, translate(err)
}

// FindOrganizationsByIDs loads organizations by id (for loaders).
func (d *DB) FindOrganizationsByIDs(ctx context.Context, ids []int64) ([]*models.Organization, error) {
	var orgs []*models.Organization
	err := d.conn(ctx).Where("id IN ?", ids).Find(&orgs).Error
	return orgs, translate(err)
}

// FindAccountsByIDs loads accounts by id (for loaders).
func (d *DB) FindAccountsByIDs(ctx context.Context, ids []int64) ([]*models.Account, error) {
	var accts []*models.Account
	err := d.conn(ctx).Where("id IN ?", ids).Find(&accts).Error
	return accts, translate(err)
}

// FindRootAccounts loads the root account of each organization (for loaders).
func (d *DB) FindRootAccounts(ctx context.Context, orgIDs []int64) ([]*models.Account, error) {
	var accts []*models.Account
	err := d.conn(ctx).Where("organization_id IN ? AND parent_id IS NULL", orgIDs).Find(&accts).Error
	return accts, translate(err)
}

// FindOrganizationsOfUser lists the organizations whose directory holds the
// user and where they are not suspended (those they have access to),
// oldest membership first.
func (d *DB) FindOrganizationsOfUser(ctx context.Context, userID int64) ([]*models.Organization, error) {
	return d.organizationsOf(ctx, userID, " AND om.suspended_at IS NULL")
}

// FindDirectoriesOfUser lists every organization whose directory holds the
// user, suspended there or not, oldest membership first: where others may
// still find them (their managers see them marked as suspended).
func (d *DB) FindDirectoriesOfUser(ctx context.Context, userID int64) ([]*models.Organization, error) {
	return d.organizationsOf(ctx, userID, "")
}

func (d *DB) organizationsOf(ctx context.Context, userID int64, cond string) ([]*models.Organization, error) {
	var orgs []*models.Organization
	err := d.conn(ctx).
		Joins("JOIN organization_members om ON om.organization_id = organizations.id AND om.user_id = ?"+cond, userID).
		Order("om.created_at, organizations.id").Find(&orgs).Error
	return orgs, translate(err)
}

// FindSuspensions answers when each person was suspended in each
// organization (nil: active, or not in it), in one query (for loaders).
func (d *DB) FindSuspensions(ctx context.Context, refs []models.MemberRef) (map[models.MemberRef]*time.Time, error) {
	out := make(map[models.MemberRef]*time.Time, len(refs))
	if len(refs) == 0 {
		return out, nil
	}
	var users []int64
	for _, r := range refs {
		out[r] = nil
		users = append(users, r.UserID)
	}
	var rows []*models.OrganizationMember
	if err := d.conn(ctx).Where("user_id IN ? AND suspended_at IS NOT NULL", users).Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	for _, m := range rows {
		ref := models.MemberRef{OrganizationID: m.OrganizationID, UserID: m.UserID}
		if _, asked := out[ref]; asked {
			out[ref] = m.SuspendedAt
		}
	}
	return out, nil
}
