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

// ScopeView is what a viewer's scope decides: the organization, its
// accounts, and the viewer's memberships by account.
type ScopeView struct {
	OrgID    int64
	Accounts map[int64]models.Account
	Mine     map[int64]models.Membership
}

func viewOf(sc *scope) ScopeView {
	v := ScopeView{OrgID: sc.org.ID, Accounts: map[int64]models.Account{}, Mine: map[int64]models.Membership{}}
	for id, a := range sc.accounts {
		v.Accounts[id] = *a
	}
	for id, m := range sc.mine {
		v.Mine[id] = *m
	}
	return v
}

// ScopeOfAccount is the viewer's scope of the organization that owns
// accountID, as a read path loads it (a fresh response each call).
func ScopeOfAccount(ctx context.Context, s *Store, accountID int64) (ScopeView, error) {
	sc, _, err := s.readScopeOfAccount(models.WithRequestCache(ctx), accountID)
	if err != nil {
		return ScopeView{}, err
	}
	return viewOf(sc), nil
}

// ScopeOfOrganization is the viewer's scope of orgID, as a read path loads
// it (a fresh response each call).
func ScopeOfOrganization(ctx context.Context, s *Store, orgID int64) (ScopeView, error) {
	sc, err := s.readScope(models.WithRequestCache(ctx), orgID)
	if err != nil {
		return ScopeView{}, err
	}
	return viewOf(sc), nil
}

// ScopeOfAccountAsBefore reads the scope the way it was read before it
// took one statement (the account, the viewer's place in the directory,
// the organization, its accounts, the viewer's memberships by
// organization): the reference the one-statement read is held to.
func ScopeOfAccountAsBefore(ctx context.Context, s *Store, accountID int64) (ScopeView, error) {
	var a models.Account
	if err := s.conn(ctx).Where("id = ?", accountID).Take(&a).Error; err != nil {
		return ScopeView{}, notFoundAs(translate(err), "account")
	}
	v, err := ScopeOfOrganizationAsBefore(ctx, s, a.OrganizationID)
	return v, notFoundAs(err, "account")
}

// ScopeOfOrganizationAsBefore is ScopeOfAccountAsBefore from an
// organization's id.
func ScopeOfOrganizationAsBefore(ctx context.Context, s *Store, orgID int64) (ScopeView, error) {
	q := s.conn(ctx)
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return ScopeView{}, err
	}
	var member int64
	if err := q.Model(&models.OrganizationMember{}).Where("organization_id = ? AND user_id = ?", orgID, v.UserID).Count(&member).Error; err != nil {
		return ScopeView{}, err
	}
	if member == 0 {
		return ScopeView{}, models.NotFound("organization")
	}
	sc, err := orgScope(q, orgID)
	if err != nil {
		return ScopeView{}, translate(err)
	}
	var ms []*models.Membership
	if err := q.Where("organization_id = ? AND user_id = ?", orgID, v.UserID).Find(&ms).Error; err != nil {
		return ScopeView{}, err
	}
	for _, m := range ms {
		sc.mine[m.AccountID] = m
	}
	return viewOf(sc), nil
}

// RemoveDirectoryRowForTest deletes a person's directory row and nothing
// else, leaving their memberships behind.
func (d *DB) RemoveDirectoryRowForTest(ctx context.Context, orgID, userID int64) error {
	return d.conn(ctx).Where("organization_id = ? AND user_id = ?", orgID, userID).Delete(&models.OrganizationMember{}).Error
}

// The cell formatting of the members export, for a reference built as it
// was before the export streamed.
var (
	TimeCell   = formatTime
	StringCell = deref
)
