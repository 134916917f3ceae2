package db

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/rollcall/rollcall/models"
)

// MembersCSVHeader are the columns of the members export.
var MembersCSVHeader = []string{"email", "first_name", "last_name", "display_name", "role", "permissions", "products",
	"access", "status", "last_active_at", "joined_at"}

const exportBatch = 500

// ExportMembers streams an account's members, then its pending and expired
// invitations, one row at a time (constant memory: keyset pages of 500).
// Members restricted from data export are refused; the export is recorded
// in the audit log before the first row is written.
func (s *Store) ExportMembers(ctx context.Context, accountID int64, write func(row []string) error) error {
	ctx = models.WithRequestCache(ctx) // one scope read for every batch
	err := s.tx(ctx, func(tx *gorm.DB) error {
		sc, acct, err := s.scopeOfAccount(ctx, tx, accountID)
		if err != nil {
			return err
		}
		if err := models.CanExportMembers(sc.viewerAccess(acct.ID)); err != nil {
			return err
		}
		return s.audit(ctx, tx, &models.AuditEvent{OrganizationID: sc.org.ID, Action: models.AuditMembersExported, AccountID: &acct.ID})
	})
	if err != nil {
		return err
	}
	if err := write(MembersCSVHeader); err != nil {
		return err
	}
	q := models.MemberQuery{Order: models.MemberOrderEmail, NoTotal: true}
	after := ""
	for {
		page, err := s.FindMembers(ctx, accountID, q, models.PageRequest{First: exportBatch, AfterKey: after})
		if err != nil {
			return err
		}
		ids := make([]int64, len(page.Rows))
		for i, e := range page.Rows {
			ids[i] = e.Node.UserID
		}
		users, err := s.FindUsersByIDs(ctx, ids)
		if err != nil {
			return err
		}
		byID := make(map[int64]*models.User, len(users))
		for _, u := range users {
			byID[u.ID] = u
		}
		for _, e := range page.Rows {
			m, u := e.Node, byID[e.Node.UserID]
			if u == nil {
				continue
			}
			access := "direct"
			if m.Inherited {
				access = "inherited"
			}
			perms, _ := m.Permissions.Value()
			if err := write([]string{u.Email, u.FirstName, u.LastName, u.Name(), string(m.Role), perms.(string),
				strings.Join(m.Products, ","), access, "ACTIVE", formatTime(u.LastActiveAt), formatTime(&m.CreatedAt)}); err != nil {
				return err
			}
		}
		if !page.HasNext {
			break
		}
		after = page.Rows[len(page.Rows)-1].Cursor
	}
	var lastID int64
	for {
		page, err := s.FindInvitations(ctx, accountID, models.InvitationFilter{Statuses: []models.InvitationStatus{models.InvitationPending, models.InvitationExpired}},
			models.PageRequest{First: exportBatch, After: lastID})
		if models.ErrorCode(err) == models.CodeForbidden {
			return nil // invitations are for those who may invite
		}
		if err != nil {
			return err
		}
		for _, inv := range page.Rows {
			perms, _ := inv.Permissions.Value()
			if err := write([]string{inv.Email, deref(inv.FirstName), deref(inv.LastName), "", string(inv.Role), perms.(string),
				strings.Join(inv.Products, ","), "invited", string(inv.Status), "", formatTime(&inv.CreatedAt)}); err != nil {
				return err
			}
			lastID = inv.ID
		}
		if !page.HasNext {
			return nil
		}
	}
}

func formatTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return models.FormatTime(*t)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
