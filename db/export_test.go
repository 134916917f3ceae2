package db

import (
	"context"
	"fmt"

	"github.com/rollcall/rollcall/models"
)

// InsertOutboxForTest queues n plain messages.
func InsertOutboxForTest(ctx context.Context, d *DB, n int) error {
	now := d.Now()
	for i := 0; i < n; i++ {
		m := &models.OutboxMessage{Kind: "test", ToAddress: fmt.Sprintf("u%d@example.com", i), Subject: "s", TextBody: "t", HTMLBody: "h", NextAttemptAt: now, CreatedAt: now}
		if err := d.conn(ctx).Create(m).Error; err != nil {
			return err
		}
	}
	return nil
}

// SetUserDrivenThreshold changes the member count above which pages are
// read from the users index, and restores it when the test ends.
func SetUserDrivenThreshold(t interface{ Cleanup(func()) }, n int64) {
	old := userDrivenThreshold
	userDrivenThreshold = n
	t.Cleanup(func() { userDrivenThreshold = old })
}

// CachedSessions is the number of tokens s answers from memory.
func CachedSessions(s *Store) int { return s.sessions.len() }
