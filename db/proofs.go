package db

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/rollcall/rollcall/models"
)

// Proven addresses (docs/security.md): links that prove an address live in
// email_proofs, hashed, single use and expiring, like reset links.

var (
	// limitProofIP bounds verifyEmail calls per client IP: a token guess
	// costs one call, and a person follows a handful of links a day.
	limitProofIP = models.Limit{Rate: 30, Burst: 30, Period: time.Hour}
	// limitProofMail bounds proof and claim mails per address, so the
	// mutations that send them cannot flood a mailbox.
	limitProofMail = models.Limit{Rate: 5, Burst: 5, Period: time.Hour}
)

// emailProof is one row of email_proofs.
type emailProof struct {
	ID            int64
	UserID        int64
	Purpose       models.ProofPurpose
	Email         string
	EmailLower    string
	TokenHash     string
	PasswordStamp string
	PasswordHash  string
	Details       *string
	CreatedAt     time.Time
	ExpiresAt     time.Time
}

// claimDetails are the sign-up fields a claim keeps until its link is
// followed.
type claimDetails struct {
	OrganizationName string `json:"organizationName"`
	FirstName        string `json:"firstName"`
	LastName         string `json:"lastName"`
}

// newProof invalidates the open links of the same purpose for the same
// identity (and, for a claim, the same address), stores a new one and
// returns its token, inside tx.
func (s *Store) newProof(tx *gorm.DB, p *emailProof, lifetime time.Duration) (string, error) {
	now := s.Now()
	open := tx.Table("email_proofs").Where("purpose = ? AND used_at IS NULL AND invalidated_at IS NULL", p.Purpose)
	if p.Purpose == models.ProofClaim {
		open = open.Where("email_lower = ?", p.EmailLower)
	} else {
		open = open.Where("user_id = ?", p.UserID)
	}
	if err := open.Update("invalidated_at", now).Error; err != nil {
		return "", err
	}
	token, hash := models.NewToken()
	p.TokenHash, p.CreatedAt, p.ExpiresAt = hash, now, now.Add(lifetime)
	return token, tx.Table("email_proofs").Create(p).Error
}

// RequestEmailVerification mails the viewer a link proving their login
// email. It answers the same when the email is already proven, and sends
// nothing then.
func (s *Store) RequestEmailVerification(ctx context.Context) error {
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return err
	}
	var user models.User
	if err := s.conn(ctx).Where("id = ?", v.UserID).Take(&user).Error; err != nil {
		return translate(err)
	}
	if user.EmailVerified() {
		return nil
	}
	if err := s.throttle(ctx, "proof-mail:"+user.EmailLower, limitProofMail); err != nil {
		return err
	}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		token, err := s.newProof(tx, &emailProof{UserID: user.ID, Purpose: models.ProofLogin, Email: user.Email, EmailLower: user.EmailLower},
			models.EmailProofLifetime)
		if err != nil {
			return err
		}
		return s.enqueueMail(tx, models.Email{Kind: models.MailEmailVerify, To: user.Email, Language: user.PreferredLanguage,
			Data: models.MailData{RecipientName: user.Name(), NewEmail: user.Email, Link: s.link(models.LinkVerifyEmail, token),
				ExpiresAt: s.Now().Add(models.EmailProofLifetime)}})
	})
	if err == nil {
		s.opt.OnMailQueued()
	}
	return err
}

// requestCommunicationEmail stores a pending communication email for user
// and mails the link that applies it to that address, with a notice to the
// login email, inside tx. The password was checked by the caller; the link
// carries a stamp of it, so a password reset or change ends it.
func (s *Store) requestCommunicationEmail(tx *gorm.DB, user *models.User, addr string) error {
	token, err := s.newProof(tx, &emailProof{UserID: user.ID, Purpose: models.ProofCommunication, Email: addr,
		EmailLower: models.EmailKey(addr), PasswordStamp: models.PasswordStamp(user.PasswordHash)}, models.EmailProofLifetime)
	if err != nil {
		return err
	}
	data := models.MailData{RecipientName: user.Name(), OldEmail: user.NotificationAddress(), NewEmail: addr,
		ExpiresAt: s.Now().Add(models.EmailProofLifetime)}
	confirm := data
	confirm.Link = s.link(models.LinkVerifyEmail, token)
	if err := s.enqueueMail(tx, models.Email{Kind: models.MailCommunicationEmailConfirm, To: addr, Language: user.PreferredLanguage, Data: confirm}); err != nil {
		return err
	}
	return s.enqueueMail(tx, models.Email{Kind: models.MailCommunicationEmailNotice, To: user.SecurityAddress(), Language: user.PreferredLanguage, Data: data})
}

// requestClaim answers a sign-up for an address another identity holds
// without having proven it: the sign-up waits in a claim, and a link mailed
// to the address finishes it. The answer is EMAIL_PROOF_SENT, never
// CONFLICT: an unproven holder does not block the address's owner.
func (s *Store) requestClaim(ctx context.Context, holder *models.User, email string, d claimDetails, passwordHash string) error {
	key := models.EmailKey(email)
	if err := s.throttle(ctx, "proof-mail:"+key, limitProofMail); err != nil {
		return err
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return err
	}
	details := string(raw)
	err = s.tx(ctx, func(tx *gorm.DB) error {
		token, err := s.newProof(tx, &emailProof{UserID: holder.ID, Purpose: models.ProofClaim, Email: email, EmailLower: key,
			PasswordHash: passwordHash, Details: &details}, models.EmailClaimLifetime)
		if err != nil {
			return err
		}
		return s.enqueueMail(tx, models.Email{Kind: models.MailEmailClaim, To: email, Language: "en",
			Data: models.MailData{RecipientName: d.FirstName, NewEmail: email, OrganizationName: d.OrganizationName,
				Link: s.link(models.LinkVerifyEmail, token), ExpiresAt: s.Now().Add(models.EmailClaimLifetime)}})
	})
	if err != nil {
		return err
	}
	s.opt.OnMailQueued()
	return &models.Error{Code: models.CodeEmailProofSent, Field: "email",
		Message: "we sent a link to " + email + ": follow it within 30 minutes to prove the address is yours and finish signing up"}
}

// VerifyEmail spends a link of email_proofs: it proves a login email,
// applies a communication email, or finishes a claim. The link is the
// proof; no session is needed.
func (s *Store) VerifyEmail(ctx context.Context, token string) (*models.User, error) {
	if token == "" || len(token) > 200 {
		return nil, models.Errorf(models.CodeTokenInvalid, "this link is not valid")
	}
	if err := s.throttle(ctx, "proof:ip:"+models.ClientFrom(ctx).IP, limitProofIP); err != nil {
		return nil, err
	}
	var user models.User
	var revoked []int64
	err := s.tx(ctx, func(tx *gorm.DB) error {
		spent, err := s.useToken(tx, "email_proofs", token, false)
		if err != nil {
			return err
		}
		var p emailProof
		if err := tx.Table("email_proofs").Where("id = ?", spent.ID).Take(&p).Error; err != nil {
			return err
		}
		if err := s.forUpdate(tx).Where("id = ?", p.UserID).Take(&user).Error; err != nil {
			return err
		}
		now := s.Now()
		switch p.Purpose {
		case models.ProofLogin:
			if user.EmailLower != p.EmailLower {
				return models.Errorf(models.CodeTokenInvalid, "your login email changed since this link was sent")
			}
			if user.EmailVerifiedAt == nil {
				user.EmailVerifiedAt, user.UpdatedAt = &now, now
				return tx.Model(&user).Updates(map[string]any{"email_verified_at": now, "updated_at": now}).Error
			}
			return nil
		case models.ProofCommunication:
			if p.PasswordStamp != models.PasswordStamp(user.PasswordHash) {
				return models.Errorf(models.CodeTokenInvalid, "your password changed since this link was sent; ask for a new one")
			}
			user.CommunicationEmail, user.UpdatedAt = &p.Email, now
			return tx.Model(&user).Updates(map[string]any{"communication_email": p.Email, "updated_at": now}).Error
		case models.ProofClaim:
			revoked, err = s.applyClaim(ctx, tx, &user, &p)
			return err
		}
		return models.Errorf(models.CodeTokenInvalid, "this link is not valid")
	})
	if err != nil {
		return nil, err
	}
	if len(revoked) > 0 {
		s.opt.Notifier.SessionsSignedOut(ctx, user.ID, revoked)
	}
	return &user, nil
}

// applyClaim hands the identity keyed by the claimed address to the person
// who proved it, inside tx: their password and name replace the holder's,
// everything the holder set up to reach them (communication email, phone,
// avatar, open links) is dropped, every session of the holder ends, and the
// organization of the sign-up is created. The holder's memberships stay
// with the identity: they were granted to the address.
func (s *Store) applyClaim(ctx context.Context, tx *gorm.DB, user *models.User, p *emailProof) ([]int64, error) {
	switch {
	case user.EmailLower != p.EmailLower:
		return nil, models.Errorf(models.CodeTokenInvalid, "this address changed hands since the link was sent; sign up again")
	case user.EmailVerifiedAt != nil:
		return nil, models.Errorf(models.CodeTokenInvalid, "this address was proven by the account that holds it; sign in or reset your password")
	}
	var d claimDetails
	if p.Details == nil || json.Unmarshal([]byte(*p.Details), &d) != nil || p.PasswordHash == "" {
		return nil, errors.New("claim without its sign-up details")
	}
	now := s.Now()
	changes := map[string]any{
		"email": p.Email, "password_hash": p.PasswordHash, "first_name": d.FirstName, "last_name": d.LastName,
		"display_name": "", "phone": nil, "default_sending_country": nil, "communication_email": nil, "avatar_url": nil,
		"preferred_language": "en", "manual_away": false, "email_verified_at": now, "updated_at": now,
	}
	if err := tx.Model(user).Updates(changes).Error; err != nil {
		return nil, err
	}
	if err := s.indexUser(tx, user.ID); err != nil {
		return nil, err
	}
	if err := tx.Where("id = ?", user.ID).Take(user).Error; err != nil {
		return nil, err
	}
	for _, table := range []string{"password_resets", "email_changes", "email_proofs"} {
		if err := tx.Table(table).Where("user_id = ? AND used_at IS NULL AND invalidated_at IS NULL", user.ID).
			Update("invalidated_at", now).Error; err != nil {
			return nil, err
		}
	}
	revoked, err := s.revokeSessions(tx, user.ID, 0, "email_claimed")
	if err != nil {
		return nil, err
	}
	return revoked, s.createOrganization(ctx, tx, user, d.OrganizationName)
}

// createOrganization creates an organization with its root account and
// user as its first OWNER, with every product of the catalogue, inside tx.
func (s *Store) createOrganization(ctx context.Context, tx *gorm.DB, user *models.User, name string) error {
	now := s.Now()
	products := make(models.StringList, 0, len(s.opt.Products))
	for _, p := range s.opt.Products {
		products = append(products, p.Key)
	}
	org := &models.Organization{Name: name, InvitationLifetimeHours: models.DefaultInvitationLifetimeHours, EnabledProducts: products, CreatedAt: now, UpdatedAt: now}
	if err := tx.Create(org).Error; err != nil {
		return err
	}
	root := &models.Account{OrganizationID: org.ID, Name: name, CreatedAt: now}
	if err := tx.Create(root).Error; err != nil {
		return err
	}
	if err := tx.Create(&models.OrganizationMember{OrganizationID: org.ID, UserID: user.ID, CreatedAt: now}).Error; err != nil {
		return err
	}
	if err := s.indexUser(tx, user.ID); err != nil {
		return err
	}
	m := &models.Membership{
		OrganizationID: org.ID, AccountID: root.ID, UserID: user.ID,
		Role: models.RoleOwner, RoleRank: models.RoleOwner.Rank(),
		Permissions: models.Permissions{models.PermissionBillingManager}, Products: products,
		CreatedAt: now, UpdatedAt: now,
	}
	if err := tx.Create(m).Error; err != nil {
		return err
	}
	raw, _ := json.Marshal(map[string]any{"organizationName": name})
	return s.audit(ctx, tx, &models.AuditEvent{
		OrganizationID: org.ID, Action: models.AuditOrganizationCreated, ActorID: &user.ID,
		TargetUserID: &user.ID, TargetEmail: &user.Email, AccountID: &root.ID, Details: string(raw),
	})
}

// emailHold says what an address means for a sign-up (models.HoldOf), and
// returns its current holder.
func (s *Store) emailHold(q *gorm.DB, key string) (models.EmailHold, *models.User, error) {
	var holder models.User
	err := q.Where("email_lower = ?", key).Take(&holder).Error
	switch {
	case err == nil:
		return models.HoldOf(&holder, true), &holder, nil
	case !errors.Is(err, gorm.ErrRecordNotFound):
		return 0, nil, err
	}
	var claimed int64
	if err := q.Table("email_claims").Where("email_lower = ?", key).Count(&claimed).Error; err != nil {
		return 0, nil, err
	}
	return models.HoldOf(nil, claimed > 0), nil, nil
}

// moveLoginEmail makes email (proven by the link just followed) user's
// login email, inside tx. The address left behind stays claimed by user
// only if they had proven it: an unproven address never blocks its owner.
func (s *Store) moveLoginEmail(tx *gorm.DB, user *models.User, email string) error {
	key := models.EmailKey(email)
	if err := s.claimEmail(tx, key, user.ID); err != nil {
		return &models.Error{Code: models.CodeConflict, Message: "this email address is no longer available"}
	}
	if user.EmailVerifiedAt == nil && user.EmailLower != key {
		if err := tx.Exec("DELETE FROM email_claims WHERE email_lower = ? AND user_id = ?", user.EmailLower, user.ID).Error; err != nil {
			return err
		}
	}
	now := s.Now()
	user.Email, user.EmailLower, user.EmailVerifiedAt, user.UpdatedAt = email, key, &now, now
	if err := tx.Model(user).Updates(map[string]any{"email": email, "email_lower": key, "email_verified_at": now, "updated_at": now}).Error; err != nil {
		return translateConflict(err, "email", "this email address is no longer available")
	}
	return s.indexUser(tx, user.ID)
}

// proveByInvitation records that user proved their login email by
// accepting an invitation whose link was mailed to it, inside tx. A link
// mailed to another address proves only that address.
func (s *Store) proveByInvitation(tx *gorm.DB, user *models.User, inv *models.Invitation) error {
	if user.EmailVerifiedAt != nil || models.EmailKey(invitationRecipient(inv)) != user.EmailLower {
		return nil
	}
	now := s.Now()
	user.EmailVerifiedAt = &now
	return tx.Model(user).Update("email_verified_at", now).Error
}
