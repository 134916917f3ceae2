package db

import (
	"context"

	"gorm.io/gorm"

	"github.com/rollcall/rollcall/models"
)

// SeedMember gives the person with email (created with password when new)
// a membership on accountID, bypassing invitations. It is for fixtures,
// tests and the data generator, never for a request path: it checks no
// policy.
func (s *Store) SeedMember(ctx context.Context, accountID int64, email, password, first, last string, g models.Grant) (*models.User, error) {
	email, err := models.NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	hash, err := models.HashPassword(password)
	if err != nil {
		return nil, err
	}
	var user models.User
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var acct models.Account
		if err := tx.Where("id = ?", accountID).Take(&acct).Error; err != nil {
			return err
		}
		now := s.Now()
		err := tx.Where("email_lower = ?", models.EmailKey(email)).Take(&user).Error
		if err == gorm.ErrRecordNotFound {
			user = models.User{Email: email, EmailLower: models.EmailKey(email), PasswordHash: hash, FirstName: first, LastName: last,
				PreferredLanguage: "en", NotifyDesktop: true, NotifyBadges: true, NotifySounds: true, CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&user).Error; err != nil {
				return err
			}
			if err := s.claimEmail(tx, user.EmailLower, user.ID); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		if err := s.joinOrganization(tx, acct.OrganizationID, user.ID); err != nil {
			return err
		}
		g = models.NormalizeGrant(g)
		return tx.Create(&models.Membership{OrganizationID: acct.OrganizationID, AccountID: acct.ID, UserID: user.ID,
			Role: g.Role, RoleRank: g.Role.Rank(), Permissions: g.Permissions, Products: g.Products, Restrictions: g.Restrictions,
			CreatedAt: now, UpdatedAt: now}).Error
	})
	if err != nil {
		return nil, err
	}
	return &user, nil
}

// joinOrganization adds the person to the organization's directory unless
// already there (SPEC §1: the first access to any account adds them).
func (s *Store) joinOrganization(tx *gorm.DB, orgID, userID int64) error {
	var n int64
	if err := tx.Model(&models.OrganizationMember{}).Where("organization_id = ? AND user_id = ?", orgID, userID).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if err := tx.Create(&models.OrganizationMember{OrganizationID: orgID, UserID: userID, CreatedAt: s.Now()}).Error; err != nil {
		return err
	}
	return s.indexUser(tx, userID)
}
