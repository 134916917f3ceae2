package db

import (
	"context"

	"github.com/rollcall/rollcall/models"
)

// FindOutboxForTest reads one outbox row.
func FindOutboxForTest(ctx context.Context, d *DB, id int64) (*models.OutboxMessage, error) {
	var m models.OutboxMessage
	err := d.conn(ctx).First(&m, id).Error
	return &m, err
}
