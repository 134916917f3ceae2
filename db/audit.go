package db

import (
	"context"

	"gorm.io/gorm"

	"github.com/rollcall/rollcall/models"
)

// FindAuditEvents lists the audit events of an organization, newest first
// (keyset on id descending, either way: see readIDPage), with the
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
	err = readIDPage(where(), "id", true, p, &page)
	return page, err
}

// readIDPage reads page p of a connection ordered by the id column col,
// ascending or (desc) descending, into page: the cursors become keyset
// conditions on col, a backward page (`last`) is read in the opposite order
// and put back by models.Cut, and LIMIT First+1 tells whether more rows lie
// beyond the page. Never an offset: every page costs an index seek.
func readIDPage[T any](q *gorm.DB, col string, desc bool, p models.PageRequest, page *models.Page[T]) error {
	after, before := ">", "<"
	if desc {
		after, before = "<", ">"
	}
	if p.After > 0 {
		q = q.Where(col+" "+after+" ?", p.After)
	}
	if p.Before > 0 {
		q = q.Where(col+" "+before+" ?", p.Before)
	}
	dir := " ASC"
	if desc != p.Backward {
		dir = " DESC"
	}
	var rows []T
	if err := q.Order(col + dir).Limit(p.First + 1).Find(&rows).Error; err != nil {
		return translate(err)
	}
	page.Rows, page.HasPrevious, page.HasNext = models.Cut(p, rows)
	return nil
}
