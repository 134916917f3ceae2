package db

import (
	"context"
	"errors"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/rollcall/rollcall/models"
)

const (
	// PasswordResetLifetime is how long a reset link works (seed 000).
	PasswordResetLifetime = 30 * time.Minute
	// EmailChangeLifetime is how long an email-change confirmation works.
	EmailChangeLifetime = 24 * time.Hour
	// resetResponseFloor is the least time requestPasswordReset takes, so a
	// known and an unknown address answer in the same time.
	resetResponseFloor = 250 * time.Millisecond
)

var (
	limitResetEmail    = models.Limit{Rate: 5, Burst: 5, Period: time.Hour}
	limitResetIP       = models.Limit{Rate: 30, Burst: 20, Period: time.Hour}
	limitPasswordCheck = models.Limit{Rate: 10, Burst: 10, Period: 15 * time.Minute}
)

// RequestPasswordReset mails a reset link when the address belongs to
// someone. It answers the same, in the same time, whether or not it does.
func (s *Store) RequestPasswordReset(ctx context.Context, email string) error {
	start := time.Now()
	defer func() {
		if d := resetResponseFloor - time.Since(start); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
			}
		}
	}()
	key := models.EmailKey(email)
	if err := s.throttle(ctx, "reset:ip:"+models.ClientFrom(ctx).IP, limitResetIP); err != nil {
		return err
	}
	if err := s.throttle(ctx, "reset:email:"+key, limitResetEmail); err != nil {
		return err
	}
	var user models.User
	if err := s.conn(ctx).Where("email_lower = ? AND deleted_at IS NULL", key).Take(&user).Error; err != nil {
		if models.ErrorCode(translate(err)) == models.CodeNotFound {
			return nil
		}
		return translate(err)
	}
	err := s.tx(ctx, func(tx *gorm.DB) error { return s.issuePasswordReset(tx, &user, nil) })
	if err == nil {
		s.opt.OnMailQueued()
	}
	return err
}

// issuePasswordReset invalidates every earlier link of user, stores a new
// one and queues its mail, inside tx. requestedBy is set when an
// administrator sent it.
func (s *Store) issuePasswordReset(tx *gorm.DB, user *models.User, requestedBy *models.User) error {
	now := s.Now()
	if err := tx.Table("password_resets").Where("user_id = ? AND used_at IS NULL AND invalidated_at IS NULL", user.ID).
		Update("invalidated_at", now).Error; err != nil {
		return err
	}
	token, hash := models.NewToken()
	row := map[string]any{"user_id": user.ID, "token_hash": hash, "created_at": now, "expires_at": now.Add(PasswordResetLifetime)}
	if requestedBy != nil {
		row["requested_by_id"] = requestedBy.ID
	}
	if err := tx.Table("password_resets").Create(row).Error; err != nil {
		return err
	}
	return s.enqueueMail(tx, models.Email{
		Kind: models.MailPasswordReset, To: user.SecurityAddress(), Language: user.PreferredLanguage,
		Data: models.MailData{RecipientName: user.Name(), Link: s.link(models.LinkResetPassword, token),
			ExpiresAt: now.Add(PasswordResetLifetime), RequestedByAdmin: requestedBy != nil},
	})
}

type tokenRow struct {
	ID            int64
	UserID        int64
	ExpiresAt     time.Time
	UsedAt        *time.Time
	InvalidatedAt *time.Time
	NewEmail      string
}

// readToken finds a single-use link of table by its token and checks that
// it can still be used: one indexed read, no write. An unknown, used,
// invalidated or expired link answers TOKEN_INVALID.
func (s *Store) readToken(q *gorm.DB, table, token string, withEmail bool) (*tokenRow, error) {
	if token == "" || len(token) > maxTokenLength {
		return nil, models.Errorf(models.CodeTokenInvalid, "this link is not valid")
	}
	cols := "id, user_id, expires_at, used_at, invalidated_at"
	if withEmail {
		cols += ", new_email"
	}
	var row tokenRow
	if err := q.Table(table).Select(cols).Where("token_hash = ?", models.HashToken(token)).Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, models.Errorf(models.CodeTokenInvalid, "this link is not valid")
		}
		return nil, translate(err)
	}
	switch {
	case row.UsedAt != nil:
		return nil, models.Errorf(models.CodeTokenInvalid, "this link was already used")
	case row.InvalidatedAt != nil:
		return nil, models.Errorf(models.CodeTokenInvalid, "this link was replaced by a newer one or cancelled by a password change; ask for a new one")
	case !s.Now().Before(row.ExpiresAt):
		return nil, models.Errorf(models.CodeTokenInvalid, "this link has expired; ask for a new one")
	}
	return &row, nil
}

// maxTokenLength bounds a token taken from a link; real ones are far shorter.
const maxTokenLength = 200

// useToken spends a single-use link of table inside tx: the conditional
// update lets exactly one of many concurrent uses win.
func (s *Store) useToken(tx *gorm.DB, table, token string, withEmail bool) (*tokenRow, error) {
	row, err := s.readToken(tx, table, token, withEmail)
	if err != nil {
		return nil, err
	}
	res := tx.Table(table).Where("id = ? AND used_at IS NULL AND invalidated_at IS NULL", row.ID).Update("used_at", s.Now())
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected != 1 {
		return nil, models.Errorf(models.CodeTokenInvalid, "this link was already used")
	}
	return row, nil
}

// endOutstandingLinks cancels, inside tx, every reset link and pending email
// change of userID not yet used: after a password reset or change, nothing
// issued under the old password still grants anything.
func (s *Store) endOutstandingLinks(tx *gorm.DB, userID int64) error {
	now := s.Now()
	for _, table := range []string{"password_resets", "email_changes"} {
		if err := tx.Table(table).Where("user_id = ? AND used_at IS NULL AND invalidated_at IS NULL", userID).
			Update("invalidated_at", now).Error; err != nil {
			return err
		}
	}
	return nil
}

// ResetPassword sets a new password from a reset link, ends every other
// reset link and pending email change, signs out every device and signs in
// the one that reset it. The link is checked before the new password is
// hashed, so a bogus link costs one indexed read; uses are throttled per IP.
func (s *Store) ResetPassword(ctx context.Context, token, newPassword, deviceName string) (*models.AuthResult, error) {
	try, err := s.tokenAttempt(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.readToken(s.conn(ctx), "password_resets", token, false); err != nil {
		return nil, err
	}
	if err := models.ValidatePassword(newPassword); err != nil {
		return nil, withField(err, "newPassword")
	}
	hash, err := s.hashPassword(newPassword)
	if err != nil {
		return nil, err
	}
	var res *models.AuthResult
	var revoked []int64
	err = s.tx(ctx, func(tx *gorm.DB) error {
		row, err := s.useToken(tx, "password_resets", token, false)
		if err != nil {
			return err
		}
		var user models.User
		if err := tx.Where("id = ?", row.UserID).Take(&user).Error; err != nil {
			return err
		}
		if err := tx.Model(&user).Updates(map[string]any{"password_hash": hash, "updated_at": s.Now()}).Error; err != nil {
			return err
		}
		if err := s.endOutstandingLinks(tx, user.ID); err != nil {
			return err
		}
		if revoked, err = s.revokeSessions(tx, user.ID, 0, "password_reset"); err != nil {
			return err
		}
		res, err = s.createSession(ctx, tx, &user, deviceName)
		return err
	})
	if err != nil {
		return nil, err
	}
	try.giveBack()
	s.sessionsReplaced(ctx, res, revoked)
	return res, nil
}

// ChangePassword needs the current password; it ends every outstanding
// reset link and pending email change and signs out every other device, in
// the transaction that writes the new password.
func (s *Store) ChangePassword(ctx context.Context, current, next string) error {
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return err
	}
	user, err := s.checkPassword(ctx, v.UserID, current)
	if err != nil {
		return err
	}
	if err := models.ValidatePassword(next); err != nil {
		return withField(err, "newPassword")
	}
	hash, err := s.hashPassword(next)
	if err != nil {
		return err
	}
	var revoked []int64
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(user).Updates(map[string]any{"password_hash": hash, "updated_at": s.Now()}).Error; err != nil {
			return err
		}
		if err := s.endOutstandingLinks(tx, user.ID); err != nil {
			return err
		}
		revoked, err = s.revokeSessions(tx, user.ID, v.SessionID, "password_changed")
		return err
	})
	if err != nil {
		return err
	}
	if len(revoked) > 0 {
		s.opt.Notifier.SessionsSignedOut(ctx, user.ID, revoked)
	}
	return nil
}

// checkPassword verifies the viewer's current password (throttled).
func (s *Store) checkPassword(ctx context.Context, userID int64, password string) (*models.User, error) {
	if err := s.throttle(ctx, "password-check:"+itoa(userID), limitPasswordCheck); err != nil {
		return nil, err
	}
	var user models.User
	if err := s.conn(ctx).Where("id = ?", userID).Take(&user).Error; err != nil {
		return nil, translate(err)
	}
	ok, err := models.VerifyPassword(user.PasswordHash, password)
	if err != nil || !ok {
		return nil, models.InvalidInput("currentPassword", "the current password is incorrect")
	}
	return &user, nil
}

// RequestEmailChange sends a confirmation link to the new address and a
// notice to the current one. Only the person themself can do this.
func (s *Store) RequestEmailChange(ctx context.Context, newEmail, currentPassword string) error {
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return err
	}
	email, err := models.NormalizeEmail(newEmail)
	if err != nil {
		return withField(err, "newEmail")
	}
	user, err := s.checkPassword(ctx, v.UserID, currentPassword)
	if err != nil {
		return err
	}
	key := models.EmailKey(email)
	if key == user.EmailLower {
		return models.InvalidInput("newEmail", "this is already your login email")
	}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var taken int64
		if err := tx.Table("email_claims").Where("email_lower = ?", key).Count(&taken).Error; err != nil {
			return err
		}
		if taken > 0 {
			return &models.Error{Code: models.CodeConflict, Field: "newEmail", Message: "this email address is not available"}
		}
		now := s.Now()
		if err := tx.Table("email_changes").Where("user_id = ? AND used_at IS NULL AND invalidated_at IS NULL", user.ID).
			Update("invalidated_at", now).Error; err != nil {
			return err
		}
		token, hash := models.NewToken()
		if err := tx.Table("email_changes").Create(map[string]any{
			"user_id": user.ID, "new_email": email, "new_email_lower": key, "token_hash": hash,
			"created_at": now, "expires_at": now.Add(EmailChangeLifetime),
		}).Error; err != nil {
			return err
		}
		data := models.MailData{RecipientName: user.Name(), OldEmail: user.Email, NewEmail: email, ExpiresAt: now.Add(EmailChangeLifetime)}
		confirm := data
		confirm.Link = s.link(models.LinkConfirmEmail, token)
		if err := s.enqueueMail(tx, models.Email{Kind: models.MailEmailChangeConfirm, To: email, Language: user.PreferredLanguage, Data: confirm}); err != nil {
			return err
		}
		return s.enqueueMail(tx, models.Email{Kind: models.MailEmailChangeNotice, To: user.SecurityAddress(), Language: user.PreferredLanguage, Data: data})
	})
	if err == nil {
		s.opt.OnMailQueued()
	}
	return err
}

// ConfirmEmailChange applies a confirmed login email change if the address
// is still free. The link is the proof: no session is needed. Uses are
// throttled per IP.
func (s *Store) ConfirmEmailChange(ctx context.Context, token string) (*models.User, error) {
	try, err := s.tokenAttempt(ctx)
	if err != nil {
		return nil, err
	}
	var user models.User
	err = s.tx(ctx, func(tx *gorm.DB) error {
		row, err := s.useToken(tx, "email_changes", token, true)
		if err != nil {
			return err
		}
		if err := tx.Where("id = ?", row.UserID).Take(&user).Error; err != nil {
			return err
		}
		return s.moveLoginEmail(tx, &user, row.NewEmail)
	})
	if err != nil {
		return nil, err
	}
	try.giveBack()
	return &user, nil
}

// withField re-labels a BAD_USER_INPUT error with the caller's field name.
func withField(err error, field string) error {
	if e, ok := models.AsError(err); ok && e.Code == models.CodeBadUserInput {
		c := *e
		c.Field = field
		return &c
	}
	return err
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
