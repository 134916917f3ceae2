package db

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/rollcall/rollcall/models"
)

// UpdateProfile applies the viewer's edit of their own profile. Every value
// is validated before anything is written; one bad field writes nothing.
// A new communication email needs the current password and takes effect
// only when the link mailed to it is followed (VerifyEmail): a stolen
// session alone cannot redirect anyone's mail.
func (s *Store) UpdateProfile(ctx context.Context, upd models.ProfileUpdate) (*models.User, error) {
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return nil, err
	}
	var commEmail *string
	if upd.CommunicationEmail != nil {
		e := ""
		if *upd.CommunicationEmail != "" {
			if e, err = models.NormalizeEmail(*upd.CommunicationEmail); err != nil {
				return nil, withField(err, "communicationEmail")
			}
		}
		commEmail = &e
	}
	upd.CommunicationEmail = nil
	passwordChecked := false
	if commEmail != nil {
		var cur models.User
		if err := s.conn(ctx).Where("id = ?", v.UserID).Take(&cur).Error; err != nil {
			return nil, translate(err)
		}
		if _, err := profileChanges(&cur, upd); err != nil {
			return nil, err
		}
		if models.EditCommunicationEmail(&cur, *commEmail) == models.CommunicationNeedsProof {
			if upd.CurrentPassword == nil || *upd.CurrentPassword == "" {
				return nil, models.InvalidInput("currentPassword", "enter your current password to change where your mail goes")
			}
			if utf8.RuneCountInString(*upd.CurrentPassword) > models.MaxPasswordLength {
				// No password is that long: refused before any hashing.
				return nil, models.InvalidInput("currentPassword", "the current password is incorrect")
			}
			if _, err := s.checkPassword(ctx, v.UserID, *upd.CurrentPassword); err != nil {
				return nil, err
			}
			passwordChecked = true
		}
	}
	var user models.User
	mailed := false
	err = s.txRetry(ctx, func(tx *gorm.DB) error {
		if err := s.forUpdate(tx).Where("id = ?", v.UserID).Take(&user).Error; err != nil {
			return err
		}
		changes, err := profileChanges(&user, upd)
		if err != nil {
			return err
		}
		if commEmail != nil {
			switch models.EditCommunicationEmail(&user, *commEmail) {
			case models.CommunicationReset:
				user.CommunicationEmail = nil
				changes["communication_email"] = nil
			case models.CommunicationNeedsProof:
				if !passwordChecked {
					return models.InvalidInput("currentPassword", "enter your current password to change where your mail goes")
				}
				if err := s.requestCommunicationEmail(tx, &user, *commEmail); err != nil {
					return err
				}
				mailed = true
			}
		}
		if len(changes) == 0 {
			return nil
		}
		changes["updated_at"] = s.Now()
		if err := tx.Model(&user).Updates(changes).Error; err != nil {
			return err
		}
		if changes["first_name"] != nil || changes["last_name"] != nil || changes["display_name"] != nil {
			return s.indexUser(tx, user.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if mailed {
		s.opt.OnMailQueued()
	}
	return &user, nil
}

// profileChanges validates upd against user, applies it to user and returns
// the columns to write.
func profileChanges(user *models.User, upd models.ProfileUpdate) (map[string]any, error) {
	changes := map[string]any{}
	text := func(field, col string, in *string, max int, required bool, dst *string) error {
		if in == nil {
			return nil
		}
		var v string
		var err error
		if required {
			v, err = requiredText(field, *in, max)
		} else {
			v, err = optionalText(field, *in, max)
		}
		if err != nil {
			return err
		}
		*dst = v
		changes[col] = v
		return nil
	}
	if err := text("firstName", "first_name", upd.FirstName, 100, true, &user.FirstName); err != nil {
		return nil, err
	}
	if err := text("lastName", "last_name", upd.LastName, 100, false, &user.LastName); err != nil {
		return nil, err
	}
	if err := text("displayName", "display_name", upd.DisplayName, 200, false, &user.DisplayName); err != nil {
		return nil, err
	}
	optional := func(col string, in *string, normalize func(string) (string, error), dst **string) error {
		if in == nil {
			return nil
		}
		if *in == "" {
			*dst = nil
			changes[col] = nil
			return nil
		}
		v, err := normalize(*in)
		if err != nil {
			return err
		}
		*dst = &v
		changes[col] = v
		return nil
	}
	if err := optional("default_sending_country", upd.DefaultSendingCountry, models.NormalizeCountry, &user.DefaultSendingCountry); err != nil {
		return nil, err
	}
	country := ""
	if user.DefaultSendingCountry != nil {
		country = *user.DefaultSendingCountry
	}
	if err := optional("phone", upd.Phone, func(p string) (string, error) { return models.NormalizePhone(p, country) }, &user.Phone); err != nil {
		return nil, err
	}
	if err := optional("avatar_url", upd.AvatarURL, models.NormalizeAvatarURL, &user.AvatarURL); err != nil {
		return nil, err
	}
	if upd.PreferredLanguage != nil {
		lang, err := models.NormalizeLanguage(*upd.PreferredLanguage)
		if err != nil {
			return nil, err
		}
		user.PreferredLanguage = lang
		changes["preferred_language"] = lang
	}
	return changes, nil
}

// UpdateNotificationPreferences changes the viewer's notification switches.
func (s *Store) UpdateNotificationPreferences(ctx context.Context, upd models.NotificationPreferencesUpdate) (*models.User, error) {
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return nil, err
	}
	changes := map[string]any{}
	if upd.DesktopNotifications != nil {
		changes["notify_desktop"] = *upd.DesktopNotifications
	}
	if upd.BrowserBadges != nil {
		changes["notify_badges"] = *upd.BrowserBadges
	}
	if upd.Sounds != nil {
		changes["notify_sounds"] = *upd.Sounds
	}
	var user models.User
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if len(changes) > 0 {
			changes["updated_at"] = s.Now()
			if err := tx.Model(&models.User{}).Where("id = ?", v.UserID).Updates(changes).Error; err != nil {
				return err
			}
		}
		return tx.Where("id = ?", v.UserID).Take(&user).Error
	})
	if err != nil {
		return nil, err
	}
	return &user, nil
}

// SetManualAway stores the viewer's manual AWAY; it writes only when the
// flag changes (clients report ACTIVE often). This node's cached sessions
// of the person are dropped so they are read again with the flag.
func (s *Store) SetManualAway(ctx context.Context, away bool) error {
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return err
	}
	err = s.conn(ctx).Model(&models.User{}).Where("id = ? AND manual_away <> ?", v.UserID, away).
		Updates(map[string]any{"manual_away": away, "updated_at": s.Now()}).Error
	// A socket opened here next reads the new flag with its session.
	s.sessions.forgetUser(v.UserID)
	return translate(err)
}

// RecordLastActiveMany writes people's last-active times behind presence,
// one statement per lastActiveChunk people, never moving one backwards.
func (s *Store) RecordLastActiveMany(ctx context.Context, at map[int64]time.Time) error {
	ids := make([]int64, 0, len(at))
	for id := range at {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), lastActiveChunk)]
		ids = ids[len(chunk):]
		var when strings.Builder
		when.WriteString("CASE id")
		caseArgs := make([]any, 0, 2*len(chunk))
		for _, id := range chunk {
			when.WriteString(" WHEN ? THEN ?")
			caseArgs = append(caseArgs, id, at[id].UTC().Truncate(time.Microsecond))
		}
		when.WriteString(" END")
		args := append(append(append([]any{}, caseArgs...), chunk), caseArgs...)
		err := s.conn(ctx).Exec("UPDATE users SET last_active_at = "+when.String()+
			" WHERE id IN ? AND deleted_at IS NULL AND (last_active_at IS NULL OR last_active_at < "+when.String()+")", args...).Error
		if err != nil {
			return translate(err)
		}
	}
	return nil
}

// lastActiveChunk bounds the people of one last-active statement.
const lastActiveChunk = 500
