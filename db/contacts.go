package db

import (
	"context"

	"gorm.io/gorm"

	"github.com/rollcall/rollcall/models"
)

// maxContactName bounds a contact's name (the column is VARCHAR(200)).
const maxContactName = 200

// CreateContact adds a contact to an account the viewer has access to. A
// viewer restricted to assigned contacts creates contacts assigned to
// themselves: with no assignee given the contact is theirs, and naming
// someone else is FORBIDDEN (the contact would vanish from their sight).
func (s *Store) CreateContact(ctx context.Context, in models.NewContact) (*models.Contact, error) {
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return nil, err
	}
	name, err := requiredText("name", in.Name, maxContactName)
	if err != nil {
		return nil, err
	}
	var email *string
	if in.Email != nil && *in.Email != "" {
		e, err := models.NormalizeEmail(*in.Email)
		if err != nil {
			return nil, err
		}
		email = &e
	}
	var c *models.Contact
	err = s.tx(ctx, func(tx *gorm.DB) error {
		sc, acct, err := s.scopeOfAccount(ctx, tx, in.AccountID)
		if err != nil {
			return err
		}
		access := sc.viewerAccess(acct.ID)
		if !access.HasAccess() {
			return models.ErrNoAccess
		}
		var phone *string
		if in.Phone != nil && *in.Phone != "" {
			p, err := s.normalizeViewerPhone(tx, v.UserID, *in.Phone)
			if err != nil {
				return err
			}
			phone = &p
		}
		assignee := in.AssigneeID
		if access.EffectiveRestrictions().AssignedContactsOnly {
			if assignee == nil {
				assignee = ptr(v.UserID)
			} else if *assignee != v.UserID {
				return models.Forbidden("you can only create contacts assigned to yourself")
			}
		}
		if assignee != nil {
			if err := sc.checkAssignee(tx, *assignee, acct.ID); err != nil {
				return err
			}
		}
		now := s.Now()
		c = &models.Contact{OrganizationID: sc.org.ID, AccountID: acct.ID, Name: name, Email: email, Phone: phone,
			AssigneeID: assignee, CreatedAt: now, UpdatedAt: now}
		return tx.Create(c).Error
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AssignContact sets or clears the assignee of a contact the viewer can
// see. A contact the viewer cannot see (another tenant's, one on an account
// they have no access to, or one not assigned to them under
// assignedContactsOnly) is NOT_FOUND, like one that does not exist. Single
// assignments are not audited: the audit log keeps people-management
// actions, and bulk reassignment on revoke is audited where it happens.
func (s *Store) AssignContact(ctx context.Context, contactID int64, assigneeID *int64) (*models.Contact, error) {
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return nil, err
	}
	var c models.Contact
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := s.forUpdate(tx).Where("id = ?", contactID).Take(&c).Error; err != nil {
			return notFoundAs(err, "contact")
		}
		sc, acct, err := s.scopeOfAccount(ctx, tx, c.AccountID)
		if err != nil {
			return notFoundAs(err, "contact")
		}
		if !models.CanSeeContact(sc.viewerAccess(acct.ID), v.UserID, c.AssigneeID) {
			return models.NotFound("contact")
		}
		if assigneeID != nil {
			if err := sc.checkAssignee(tx, *assigneeID, acct.ID); err != nil {
				return err
			}
		}
		if sameID(c.AssigneeID, assigneeID) {
			return nil
		}
		c.AssigneeID = assigneeID
		c.UpdatedAt = s.Now()
		return tx.Model(&c).Updates(map[string]any{"assignee_id": assigneeID, "updated_at": c.UpdatedAt}).Error
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// FindContactByID returns a contact the viewer can see (for node(id:)):
// another tenant's contact, one on an account the viewer has no access to,
// or one hidden by assignedContactsOnly is NOT_FOUND, like a missing one.
func (s *Store) FindContactByID(ctx context.Context, id int64) (*models.Contact, error) {
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return nil, err
	}
	q := s.conn(ctx)
	var c models.Contact
	if err := q.Where("id = ?", id).Take(&c).Error; err != nil {
		return nil, notFoundAs(translate(err), "contact")
	}
	sc, acct, err := s.scopeOfAccount(ctx, q, c.AccountID)
	if err != nil {
		return nil, notFoundAs(translate(err), "contact")
	}
	if !models.CanSeeContact(sc.viewerAccess(acct.ID), v.UserID, c.AssigneeID) {
		return nil, models.NotFound("contact")
	}
	return &c, nil
}

// FindContacts lists the contacts of an account the viewer has access to,
// by id ascending, with the total that match. Under assignedContactsOnly
// only the viewer's own contacts match, whatever the filter asks.
func (s *Store) FindContacts(ctx context.Context, accountID int64, f models.ContactFilter, p models.PageRequest) (models.Page[*models.Contact], error) {
	var page models.Page[*models.Contact]
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return page, err
	}
	if f.AssigneeID != nil && f.Unassigned {
		return page, models.InvalidInput("unassigned", "filter by an assignee or by unassigned contacts, not both")
	}
	q := s.conn(ctx)
	sc, acct, err := s.scopeOfAccount(ctx, q, accountID)
	if err != nil {
		return page, translate(err)
	}
	access := sc.viewerAccess(acct.ID)
	if !access.HasAccess() {
		return page, models.ErrNoAccess
	}
	where := func() *gorm.DB {
		w := q.Model(&models.Contact{}).Where("account_id = ?", acct.ID)
		if access.EffectiveRestrictions().AssignedContactsOnly {
			w = w.Where("assignee_id = ?", v.UserID)
		}
		switch {
		case f.AssigneeID != nil:
			w = w.Where("assignee_id = ?", *f.AssigneeID)
		case f.Unassigned:
			w = w.Where("assignee_id IS NULL")
		}
		return w
	}
	if err := where().Count(&page.Total).Error; err != nil {
		return page, translate(err)
	}
	err = readIDPage(where(), "id", false, p, &page)
	return page, err
}

// ReassignContacts moves the contacts of fromUserID in the given accounts to
// the user to, or leaves them unassigned when to is nil, inside the
// caller's transaction (revokeAccess, removeFromOrganization). It returns
// how many contacts moved. The caller checks that to may hold them.
func ReassignContacts(tx *gorm.DB, accountIDs []int64, fromUserID int64, to *int64) (int64, error) {
	if len(accountIDs) == 0 {
		return 0, nil
	}
	res := tx.Model(&models.Contact{}).
		Where("account_id IN ? AND assignee_id = ?", accountIDs, fromUserID).
		Updates(map[string]any{"assignee_id": to, "updated_at": tx.NowFunc()})
	return res.RowsAffected, res.Error
}

// checkAssignee accepts userID as an assignee of contacts on accountID: a
// person of the organization with access to that account. Someone outside
// the organization (or no one) is NOT_FOUND; a member of the organization
// without access to the account, or suspended in the organization, is
// BAD_USER_INPUT on "assigneeId".
func (sc *scope) checkAssignee(q *gorm.DB, userID, accountID int64) error {
	ok, err := sc.isOrgMember(q, userID)
	if err != nil {
		return err
	}
	if !ok {
		return models.NotFound("user")
	}
	if suspended, err := sc.isSuspended(q, userID); err != nil || suspended {
		if err == nil {
			err = models.InvalidInput("assigneeId", "this person is suspended in this organization")
		}
		return err
	}
	access, _, _, err := sc.accessOf(q, userID, accountID)
	if err != nil {
		return err
	}
	if !access.HasAccess() {
		return models.InvalidInput("assigneeId", "this person is not a member of this account")
	}
	return nil
}

// normalizeViewerPhone reads a phone number in the viewer's default sending
// country.
func (s *Store) normalizeViewerPhone(q *gorm.DB, userID int64, raw string) (string, error) {
	var u models.User
	if err := q.Select("id", "default_sending_country").Where("id = ?", userID).Take(&u).Error; err != nil {
		return "", err
	}
	country := ""
	if u.DefaultSendingCountry != nil {
		country = *u.DefaultSendingCountry
	}
	return models.NormalizePhone(raw, country)
}

func sameID(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
