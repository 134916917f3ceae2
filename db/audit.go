package db

import (
	"context"

	"gorm.io/gorm"

	"github.com/rollcall/rollcall/models"
)

// FindAuditEvents lists the audit events of an organization, newest first
// (keyset on id descending: After is the id of the last row seen), with the
// total that match. Filters combine with AND. The viewer must be OWNER or
// ADMIN on the organization's root account (effective access): the log
// spans every account, so a sub-account's admin does not read it. Another
// tenant's organization is NOT_FOUND.
func (s *Store) FindAuditEvents(ctx context.Context, orgID int64, f models.AuditFilter, p models.PageRequest) (models.Page[*models.AuditEvent], error) {
	var page models.Page[*models.AuditEvent]
	q := s.conn(ctx)
	sc, err := s.loadScope(ctx, q, orgID)
	if err != nil {
		return page, translate(err)
	}
	if err := models.CanViewAuditLog(sc.viewerAccess(sc.rootID())); err != nil {
		return page, err
	}
	where := func() *gorm.DB {
		w := q.Model(&models.AuditEvent{}).Where("organization_id = ?", orgID)
		if len(f.Actions) > 0 {
			w = w.Where("action IN ?", f.Actions)
		}
		if f.ActorID != nil {
			w = w.Where("actor_id = ?", *f.ActorID)
		}
		if f.TargetUserID != nil {
			w = w.Where("target_user_id = ?", *f.TargetUserID)
		}
		if f.Since != nil {
			w = w.Where("created_at >= ?", f.Since.UTC())
		}
		if f.Until != nil {
			w = w.Where("created_at < ?", f.Until.UTC())
		}
		return w
	}
	if err := where().Count(&page.Total).Error; err != nil {
		return page, translate(err)
	}
	rows := where()
	if p.After > 0 {
		rows = rows.Where("id < ?", p.After)
	}
	if err := rows.Order("id DESC").Limit(p.First + 1).Find(&page.Rows).Error; err != nil {
		return page, translate(err)
	}
	if len(page.Rows) > p.First {
		page.Rows, page.HasNext = page.Rows[:p.First], true
	}
	return page, nil
}
