package db

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/rollcall/rollcall/models"
)

var _ models.Outbox = (*DB)(nil)

// ClaimOutbox leases up to limit due messages to worker. The lease is taken
// with a conditional update per row, so two workers racing for the same row
// cannot both win it, on MySQL and SQLite alike.
func (d *DB) ClaimOutbox(ctx context.Context, worker string, limit int, lease time.Duration) ([]*models.OutboxMessage, error) {
	now := d.Now()
	var candidates []int64
	err := d.conn(ctx).Model(&models.OutboxMessage{}).
		Where("sent_at IS NULL AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?)", now, now).
		Order("next_attempt_at, id").Limit(limit).Pluck("id", &candidates).Error
	if err != nil || len(candidates) == 0 {
		return nil, translate(err)
	}
	until := now.Add(lease)
	var claimed []int64
	for _, id := range candidates {
		res := d.conn(ctx).Model(&models.OutboxMessage{}).
			Where("id = ? AND sent_at IS NULL AND (locked_until IS NULL OR locked_until < ?)", id, now).
			Updates(map[string]any{"locked_by": worker, "locked_until": until})
		if res.Error != nil {
			return nil, translate(res.Error)
		}
		if res.RowsAffected == 1 {
			claimed = append(claimed, id)
		}
	}
	if len(claimed) == 0 {
		return nil, nil
	}
	var msgs []*models.OutboxMessage
	err = d.conn(ctx).Where("id IN ? AND locked_by = ?", claimed, worker).Order("id").Find(&msgs).Error
	return msgs, translate(err)
}

// MarkOutboxSent records a delivery made under worker's lease and empties
// the message's bodies in the same statement: they hold live tokens, which
// must live only in the recipient's mailbox once delivered.
func (d *DB) MarkOutboxSent(ctx context.Context, id int64, worker string) error {
	now := d.Now()
	return translate(d.conn(ctx).Model(&models.OutboxMessage{}).Where("id = ? AND locked_by = ?", id, worker).
		Updates(map[string]any{"sent_at": now, "locked_until": nil, "attempts": gorm.Expr("attempts + 1"),
			"text_body": "", "html_body": ""}).Error)
}

// ReleaseOutbox clears worker's leases on its unsent messages, so a stopping
// node's claims are due again at once instead of after the lease.
func (d *DB) ReleaseOutbox(ctx context.Context, worker string) (int64, error) {
	res := d.conn(ctx).Model(&models.OutboxMessage{}).
		Where("locked_by = ? AND sent_at IS NULL AND locked_until IS NOT NULL", worker).
		Updates(map[string]any{"locked_by": nil, "locked_until": nil})
	return res.RowsAffected, translate(res.Error)
}

// PurgeSentOutbox deletes up to limit messages sent before before, oldest
// first. The IDs are read first: DELETE ... LIMIT is not portable to SQLite.
func (d *DB) PurgeSentOutbox(ctx context.Context, before time.Time, limit int) (int64, error) {
	var ids []int64
	err := d.conn(ctx).Model(&models.OutboxMessage{}).Where("sent_at IS NOT NULL AND sent_at < ?", before.UTC()).
		Order("id").Limit(limit).Pluck("id", &ids).Error
	if err != nil || len(ids) == 0 {
		return 0, translate(err)
	}
	res := d.conn(ctx).Where("id IN ? AND sent_at IS NOT NULL", ids).Delete(&models.OutboxMessage{})
	return res.RowsAffected, translate(res.Error)
}

// MarkOutboxFailed records a failed attempt and schedules the next one.
func (d *DB) MarkOutboxFailed(ctx context.Context, id int64, worker, lastErr string, next time.Time) error {
	return translate(d.conn(ctx).Model(&models.OutboxMessage{}).Where("id = ? AND locked_by = ?", id, worker).
		Updates(map[string]any{"next_attempt_at": next.UTC(), "locked_until": nil, "last_error": truncate(lastErr, 1000), "attempts": gorm.Expr("attempts + 1")}).Error)
}

// OutboxBacklog counts messages not yet sent.
func (d *DB) OutboxBacklog(ctx context.Context) (int64, error) {
	var n int64
	err := d.conn(ctx).Model(&models.OutboxMessage{}).Where("sent_at IS NULL").Count(&n).Error
	return n, translate(err)
}
