package db

import (
	"context"
	"slices"

	"gorm.io/gorm"

	"github.com/rollcall/rollcall/models"
)

// DeleteMyAccount erases the viewer's identity (the right to erasure),
// after checking their password like every re-authentication (throttled).
// In one transaction: they leave every organization as leaveOrganization
// does (memberships, directory, contacts unassigned), each logging
// ACCOUNT_DELETED; every session ends; their users row becomes a tombstone
// (personal fields emptied, email deleted-<id>@invalid, deleted_at set) so
// the audit log's ids stay valid as pseudonymous references; their email
// claims are released so the address may sign up afresh; their pending
// links and proofs are deleted; the audit events about them carry the
// pseudonym, with personal details redacted; invitations they accepted
// carry the pseudonym. The last owner of an organization is refused
// (CONFLICT naming it) and nothing is written. After the commit, their
// sockets close on every node and the organizations' streams drop them.
func (s *Store) DeleteMyAccount(ctx context.Context, password string) error {
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return err
	}
	if err := models.CheckDeleteAccountPassword(password); err != nil {
		return err
	}
	if _, err := s.checkPassword(ctx, v.UserID, password); err != nil {
		return withField(err, "password")
	}
	var orgs, ended []int64
	err = s.txRetry(ctx, func(tx *gorm.DB) error {
		var user models.User
		if err := s.forUpdate(tx).Where("id = ? AND deleted_at IS NULL", v.UserID).Take(&user).Error; err != nil {
			return err
		}
		var err error
		if orgs, err = s.checkDeletable(tx, user.ID); err != nil {
			return err
		}
		// The identity first: the organizations' logs then name the
		// pseudonym, never the address.
		if err := s.eraseIdentity(tx, &user); err != nil {
			return err
		}
		for _, id := range orgs {
			if err := s.removeMember(ctx, tx, id, user.ID, nil, models.AuditAccountDeleted, leavingOneself); err != nil {
				return err
			}
		}
		if ended, err = s.revokeSessions(tx, user.ID, 0, "account_deleted"); err != nil {
			return err
		}
		if err := eraseWebhookTraces(tx, &user, orgs); err != nil {
			return err
		}
		return s.eraseTraces(tx, &user)
	})
	if err != nil {
		return err
	}
	s.sessions.forgetUser(v.UserID)
	if len(ended) > 0 {
		s.opt.Notifier.SessionsSignedOut(ctx, v.UserID, ended)
	}
	for _, id := range orgs {
		s.opt.Notifier.AccessChanged(ctx, id)
	}
	return nil
}

// checkDeletable locks the owners of every organization userID belongs to
// (in id order, so concurrent demotions serialise with the deletion) and
// applies models.CanDeleteAccount; it returns those organizations.
func (s *Store) checkDeletable(tx *gorm.DB, userID int64) ([]int64, error) {
	var orgs []*models.Organization
	if err := tx.Select("id", "name").Where("id IN (?)",
		tx.Model(&models.OrganizationMember{}).Select("organization_id").Where("user_id = ?", userID)).
		Order("id").Find(&orgs).Error; err != nil {
		return nil, err
	}
	ids := make([]int64, len(orgs))
	standing := make([]models.Ownership, len(orgs))
	for i, o := range orgs {
		owners, err := s.lockOwners(tx, o.ID)
		if err != nil {
			return nil, err
		}
		people := map[int64]bool{}
		for _, m := range owners {
			people[m.UserID] = true
		}
		ids[i] = o.ID
		standing[i] = models.Ownership{OrganizationName: o.Name, Owner: people[userID], Owners: len(people)}
	}
	return ids, models.CanDeleteAccount(standing)
}

// eraseIdentity turns user's row into a tombstone: every personal field
// emptied, the login email replaced by its pseudonym (which frees the
// address's unique key), deleted_at set. user keeps the former values for
// eraseTraces.
func (s *Store) eraseIdentity(tx *gorm.DB, user *models.User) error {
	pseudonym := models.ErasedEmail(user.ID)
	now := s.Now()
	return tx.Model(&models.User{}).Where("id = ?", user.ID).Updates(map[string]any{
		"email": pseudonym, "email_lower": pseudonym, "email_verified_at": nil, "password_hash": "",
		"first_name": "", "last_name": "", "display_name": "", "phone": nil, "default_sending_country": nil,
		"communication_email": nil, "avatar_url": nil, "preferred_language": "en", "manual_away": false,
		"last_active_at": nil, "updated_at": now, "deleted_at": now,
	}).Error
}

// eraseTraces removes or pseudonymises, inside tx, what other tables hold
// of the person whose row eraseIdentity just emptied (user holds its
// former values).
// eraseWebhookTraces forgets the person in the webhook deliveries of their
// organizations: the delivery log drops those about them, and those still
// to be sent name their pseudonym instead of their addresses (the
// ACCOUNT_DELETED events queued in this transaction already do).
func eraseWebhookTraces(tx *gorm.DB, user *models.User, orgs []int64) error {
	if len(orgs) == 0 {
		return nil
	}
	about := "%\"" + models.GlobalID(models.KindUser, user.ID) + "\"%"
	done := tx.Model(&models.WebhookDelivery{}).Select("id").
		Where("organization_id IN ? AND status <> ? AND payload LIKE ?", orgs, models.WebhookPending, about)
	if err := tx.Where("delivery_id IN (?)", done).Delete(&models.WebhookAttempt{}).Error; err != nil {
		return err
	}
	if err := tx.Where("organization_id IN ? AND status <> ? AND payload LIKE ?", orgs, models.WebhookPending, about).
		Delete(&models.WebhookDelivery{}).Error; err != nil {
		return err
	}
	pseudonym := models.ErasedEmail(user.ID)
	for _, addr := range []string{user.Email, user.EmailLower} {
		if err := tx.Model(&models.WebhookDelivery{}).Where("organization_id IN ? AND status = ? AND payload LIKE ?", orgs, models.WebhookPending, about).
			Update("payload", gorm.Expr("REPLACE(payload, ?, ?)", "\""+addr+"\"", "\""+pseudonym+"\"")).Error; err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) eraseTraces(tx *gorm.DB, user *models.User) error {
	pseudonym := models.ErasedEmail(user.ID)
	// The addresses they were known by: their login email, their
	// communication email, the addresses of the invitations they accepted.
	addresses := []string{user.Email, user.EmailLower}
	if user.CommunicationEmail != nil {
		addresses = append(addresses, *user.CommunicationEmail)
	}
	var accepted []*models.Invitation
	if err := tx.Select("id", "organization_id", "email", "email_lower").Where("accepted_user_id = ?", user.ID).Find(&accepted).Error; err != nil {
		return err
	}
	var invitedIn []int64
	for _, inv := range accepted {
		addresses = append(addresses, inv.Email, inv.EmailLower)
		invitedIn = append(invitedIn, inv.OrganizationID)
	}
	slices.Sort(addresses)
	addresses = slices.Compact(addresses)
	slices.Sort(invitedIn)
	invitedIn = slices.Compact(invitedIn)

	// The address can sign up again, as a new person.
	if err := tx.Exec("DELETE FROM email_claims WHERE user_id = ?", user.ID).Error; err != nil {
		return err
	}
	for _, table := range []string{"password_resets", "email_changes", "email_proofs"} {
		if err := tx.Exec("DELETE FROM "+table+" WHERE user_id = ?", user.ID).Error; err != nil {
			return err
		}
	}
	// Mail to them, sent or not: nothing more reaches them, nothing keeps
	// their address.
	if err := tx.Exec("DELETE FROM outbox_messages WHERE to_address IN ?", addresses).Error; err != nil {
		return err
	}
	// Their signed-out devices keep no trace of where they were.
	if err := tx.Model(&models.Session{}).Where("user_id = ?", user.ID).
		Updates(map[string]any{"device_name": "", "user_agent": nil, "ip_address": nil}).Error; err != nil {
		return err
	}
	if err := tx.Model(&models.Invitation{}).Where("accepted_user_id = ?", user.ID).Updates(map[string]any{
		"email": pseudonym, "email_lower": pseudonym, "first_name": nil, "last_name": nil, "communication_email": nil,
	}).Error; err != nil {
		return err
	}
	// The audit log keeps their id (pseudonymous) but not their address,
	// their names or their IP: events about them (and the invitation
	// events of the invitations they accepted) name the pseudonym, with
	// personal details redacted; events they acted in lose the IP.
	redact := map[string]any{"target_email": gorm.Expr("CASE WHEN target_email IS NULL THEN NULL ELSE ? END", pseudonym), "details": gorm.Expr("CASE WHEN action IN ? THEN ? ELSE details END",
		models.AuditActionsWithPersonalDetails, models.RedactedAuditDetails)}
	if err := tx.Model(&models.AuditEvent{}).Where("target_user_id = ?", user.ID).Updates(redact).Error; err != nil {
		return err
	}
	if len(invitedIn) > 0 {
		if err := tx.Model(&models.AuditEvent{}).Where("organization_id IN ? AND target_user_id IS NULL AND target_email IN ?", invitedIn, addresses).
			Updates(redact).Error; err != nil {
			return err
		}
	}
	return tx.Model(&models.AuditEvent{}).Where("actor_id = ? AND ip_address IS NOT NULL", user.ID).Update("ip_address", nil).Error
}
