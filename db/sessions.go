package db

import (
	"context"

	"gorm.io/gorm"

	"github.com/rollcall/rollcall/models"
)

// FindSessionsOfUser lists a person's active sessions (connected devices),
// most recently seen first.
func (s *Store) FindSessionsOfUser(ctx context.Context, userID int64) ([]*models.Session, error) {
	now := s.Now()
	var out []*models.Session
	err := s.conn(ctx).Where("user_id = ? AND revoked_at IS NULL AND expires_at > ? AND idle_expires_at > ?", userID, now, now).
		Order("last_seen_at DESC, id DESC").Find(&out).Error
	return out, translate(err)
}

// FindSessionsByIDs loads sessions by id, signed out or not (the loaders
// check ownership where it matters).
func (s *Store) FindSessionsByIDs(ctx context.Context, ids []int64) ([]*models.Session, error) {
	var out []*models.Session
	err := s.conn(ctx).Where("id IN ?", ids).Find(&out).Error
	return out, translate(err)
}

// LiveSessions implements models.IdentityService: the sockets of this
// node ask it for the sessions they run on, in batches.
func (s *Store) LiveSessions(ctx context.Context, sessionIDs []int64) (map[int64]bool, error) {
	out := make(map[int64]bool, len(sessionIDs))
	now := s.Now()
	for len(sessionIDs) > 0 {
		n := min(len(sessionIDs), 1000)
		var ids []int64
		err := s.conn(ctx).Model(&models.Session{}).
			Where("id IN ? AND revoked_at IS NULL AND expires_at > ? AND idle_expires_at > ?", sessionIDs[:n], now, now).
			Pluck("id", &ids).Error
		if err != nil {
			return nil, translate(err)
		}
		for _, id := range ids {
			out[id] = true
		}
		sessionIDs = sessionIDs[n:]
	}
	return out, nil
}

// SignOutSession ends one of the viewer's own sessions. Another person's
// session answers NOT_FOUND, like one that does not exist.
func (s *Store) SignOutSession(ctx context.Context, sessionID int64) (*models.Session, error) {
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return nil, err
	}
	var sess models.Session
	if err := s.conn(ctx).Where("id = ? AND user_id = ?", sessionID, v.UserID).Take(&sess).Error; err != nil {
		if models.ErrorCode(translate(err)) == models.CodeNotFound {
			return nil, models.NotFound("session")
		}
		return nil, translate(err)
	}
	if sess.RevokedAt == nil {
		ended, err := s.endSession(ctx, &sess, "signed_out")
		if err != nil {
			return nil, err
		}
		if ended {
			s.opt.Notifier.SessionsSignedOut(ctx, v.UserID, []int64{sess.ID})
		}
	}
	return &sess, nil
}

// endSession revokes sess, if still live, raising session.signed_out with
// reason in the same transaction; it reports whether it ended it.
func (s *Store) endSession(ctx context.Context, sess *models.Session, reason string) (bool, error) {
	now := s.Now()
	ended := false
	err := s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&models.Session{}).Where("id = ? AND revoked_at IS NULL", sess.ID).Update("revoked_at", now)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		ended = true
		return s.raiseSessionEvent(tx, sess.UserID, models.WebhookSessionSignedOut, []int64{sess.ID}, sess.DeviceName, reason)
	})
	if err == nil {
		sess.RevokedAt = &now
	}
	return ended, err
}

// SignOutOtherSessions ends every session of the viewer but the current
// one and says how many it ended.
func (s *Store) SignOutOtherSessions(ctx context.Context) (int, error) {
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return 0, err
	}
	var ids []int64
	err = s.tx(ctx, func(tx *gorm.DB) error {
		ids, err = s.revokeSessions(tx, v.UserID, v.SessionID, "signed_out")
		return err
	})
	if err != nil {
		return 0, err
	}
	s.opt.Notifier.SessionsSignedOut(ctx, v.UserID, ids)
	return len(ids), nil
}

// revokeSessions ends every live session of userID except keep (0 keeps
// none) and returns the ids it ended, raising session.signed_out for them
// with reason.
func (s *Store) revokeSessions(q *gorm.DB, userID, keep int64, reason string) ([]int64, error) {
	var ids []int64
	if err := q.Model(&models.Session{}).Where("user_id = ? AND revoked_at IS NULL AND id <> ?", userID, keep).
		Pluck("id", &ids).Error; err != nil {
		return nil, translate(err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	if err := q.Model(&models.Session{}).Where("id IN ? AND revoked_at IS NULL", ids).Update("revoked_at", s.Now()).Error; err != nil {
		return nil, translate(err)
	}
	return ids, s.raiseSessionEvent(q, userID, models.WebhookSessionSignedOut, ids, "", reason)
}

// sessionsReplaced tells every node that revoked sessions ended and that
// res's session began, after the transaction that did both committed.
func (s *Store) sessionsReplaced(ctx context.Context, res *models.AuthResult, revoked []int64) {
	if len(revoked) > 0 {
		s.opt.Notifier.SessionsSignedOut(ctx, res.User.ID, revoked)
	}
	s.opt.Notifier.SessionSignedIn(ctx, res.Session)
}
