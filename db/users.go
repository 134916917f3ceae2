package db

import (
	"context"

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
// user, oldest membership first.
func (d *DB) FindOrganizationsOfUser(ctx context.Context, userID int64) ([]*models.Organization, error) {
	var orgs []*models.Organization
	err := d.conn(ctx).
		Joins("JOIN organization_members om ON om.organization_id = organizations.id AND om.user_id = ?", userID).
		Order("om.created_at, organizations.id").Find(&orgs).Error
	return orgs, translate(err)
}
