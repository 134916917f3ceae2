package db

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/rollcall/rollcall/models"
)

// Throttle for sign-up; sign-in's are in throttle.go. The counters are
// shared across nodes when Redis is configured.
var (
	limitSignUpIP = models.Limit{Rate: 10, Burst: 10, Period: time.Hour}
)

// lastSeenGranularity bounds how often a session's last-seen time is written.
const lastSeenGranularity = time.Minute

// SignUp creates an organization, its root account, its first OWNER and a
// session, in one transaction.
func (s *Store) SignUp(ctx context.Context, in models.SignUpInput) (*models.AuthResult, error) {
	if !s.opt.SignupEnabled {
		return nil, models.Forbidden("sign-up is disabled on this server")
	}
	email, err := models.NormalizeEmail(in.Email)
	if err != nil {
		return nil, err
	}
	orgName, err := requiredText("organizationName", in.OrganizationName, 200)
	if err != nil {
		return nil, err
	}
	first, err := requiredText("firstName", in.FirstName, 100)
	if err != nil {
		return nil, err
	}
	last, err := optionalText("lastName", in.LastName, 100)
	if err != nil {
		return nil, err
	}
	if err := models.ValidatePassword(in.Password); err != nil {
		return nil, err
	}
	if err := s.throttle(ctx, "signup:ip:"+models.ClientFrom(ctx).IP, limitSignUpIP); err != nil {
		return nil, err
	}
	key := models.EmailKey(email)
	hold, holder, err := s.emailHold(s.conn(ctx), key)
	if err != nil {
		return nil, translate(err)
	}
	if hold == models.EmailTaken {
		return nil, &models.Error{Code: models.CodeConflict, Field: "email", Message: "an account with this email already exists"}
	}
	hash, err := models.HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	if hold == models.EmailClaimable {
		return nil, s.requestClaim(ctx, holder, email, claimDetails{OrganizationName: orgName, FirstName: first, LastName: last}, hash)
	}

	var res *models.AuthResult
	err = s.tx(ctx, func(tx *gorm.DB) error {
		now := s.Now()
		// The login email stays unproven until a link sent to it is
		// followed (requestEmailVerification, verifyEmail).
		user := &models.User{
			Email: email, EmailLower: key, PasswordHash: hash,
			FirstName: first, LastName: last, PreferredLanguage: "en",
			NotifyDesktop: true, NotifyBadges: true, NotifySounds: true,
			CreatedAt: now, UpdatedAt: now,
		}
		if err := tx.Create(user).Error; err != nil {
			return translateConflict(err, "email", "an account with this email already exists")
		}
		if err := s.claimEmail(tx, user.EmailLower, user.ID); err != nil {
			return err
		}
		if err := s.createOrganization(ctx, tx, user, orgName); err != nil {
			return err
		}
		res, err = s.createSession(ctx, tx, user, in.DeviceName)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.opt.Notifier.SessionSignedIn(ctx, res.Session)
	return res, nil
}

// claimEmail reserves a login email for good: a claim is released only
// when its holder moves to another address without ever having proven this
// one (moveLoginEmail), so a proven address is never reused by another
// identity and an unproven one never blocks its owner.
func (s *Store) claimEmail(tx *gorm.DB, emailLower string, userID int64) error {
	err := tx.Exec("INSERT INTO email_claims (email_lower, user_id, created_at) VALUES (?, ?, ?)", emailLower, userID, s.Now()).Error
	return translateConflict(err, "email", "an account with this email already exists")
}

// SignIn checks email and password and opens a session. An unknown email and
// a wrong password give the same error after the same work. Attempts are
// throttled per (email, IP), per IP and per email; only failures count.
func (s *Store) SignIn(ctx context.Context, in models.SignInInput) (*models.AuthResult, error) {
	key := models.EmailKey(strings.TrimSpace(in.Email))
	if in.Email == "" {
		return nil, models.InvalidInput("email", "enter your email address")
	}
	if in.Password == "" {
		return nil, models.InvalidInput("password", "enter your password")
	}
	try, err := s.signInAttempt(ctx, key)
	if err != nil {
		return nil, err
	}
	var user models.User
	// A deleted account's tombstone is no address: refused as unknown.
	err = s.conn(ctx).Where("email_lower = ? AND deleted_at IS NULL", key).Take(&user).Error
	if err != nil {
		if translate(err) != nil && models.ErrorCode(translate(err)) != models.CodeNotFound {
			return nil, translate(err)
		}
		models.DummyVerify(in.Password)
		return nil, models.ErrInvalidCredentials
	}
	ok, err := models.VerifyPassword(user.PasswordHash, in.Password)
	if err != nil || !ok {
		return nil, models.ErrInvalidCredentials
	}
	var res *models.AuthResult
	err = s.tx(ctx, func(tx *gorm.DB) error {
		res, err = s.createSession(ctx, tx, &user, in.DeviceName)
		return err
	})
	if err != nil {
		return nil, err
	}
	try.giveBack()
	s.opt.Notifier.SessionSignedIn(ctx, res.Session)
	return res, nil
}

// createSession opens a session for user inside tx.
func (s *Store) createSession(ctx context.Context, tx *gorm.DB, user *models.User, deviceName string) (*models.AuthResult, error) {
	token, hash := models.NewToken()
	client := models.ClientFrom(ctx)
	now := s.Now()
	name, err := models.OptionalText("deviceName", deviceName, 200)
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = models.DeviceName(client.UserAgent)
	}
	sess := &models.Session{
		UserID: user.ID, TokenHash: hash, DeviceName: name,
		CreatedAt: now, LastSeenAt: now,
		IdleExpiresAt: now.Add(s.opt.SessionIdleTimeout), ExpiresAt: now.Add(s.opt.SessionLifetime),
	}
	if client.UserAgent != "" {
		ua := truncate(client.UserAgent, 1024)
		sess.UserAgent = &ua
	}
	if client.IP != "" {
		sess.IPAddress = &client.IP
	}
	if err := tx.Create(sess).Error; err != nil {
		return nil, err
	}
	if err := s.raiseSessionEvent(tx, user.ID, models.WebhookSessionSignedIn, []int64{sess.ID}, sess.DeviceName, ""); err != nil {
		return nil, err
	}
	return &models.AuthResult{Token: token, Session: sess, User: user}, nil
}

// SignOut revokes the viewer's current session.
func (s *Store) SignOut(ctx context.Context) error {
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return err
	}
	if _, err := s.endSession(ctx, &models.Session{ID: v.SessionID, UserID: v.UserID}, "signed_out"); err != nil {
		return err
	}
	s.opt.Notifier.SessionsSignedOut(ctx, v.UserID, []int64{v.SessionID})
	return nil
}

// Authenticate resolves a bearer token, with the person's manual AWAY. It
// slides the idle expiry and records last-seen at most once a minute per
// session. Live sessions are answered from this node's cache for up to
// SessionCacheTTL, never past their expiry nor past the moment last-seen
// is due; sign-out drops them (ForgetSessions).
func (s *Store) Authenticate(ctx context.Context, token string) (*models.Viewer, error) {
	if token == "" || len(token) > 200 {
		return nil, models.ErrUnauthenticated
	}
	hash := models.HashToken(token)
	client := models.ClientFrom(ctx)
	e, live, err := s.sessions.load(ctx, hash, s.Now(), func(ctx context.Context) (cachedSession, bool, error) {
		return s.authenticate(ctx, hash, client.IP)
	})
	if err != nil {
		return nil, translate(err)
	}
	if !live {
		return nil, models.ErrUnauthenticated
	}
	return &models.Viewer{UserID: e.userID, SessionID: e.id, IP: client.IP, UserAgent: client.UserAgent, ManualAway: e.manualAway}, nil
}

// authSession is what authenticate reads of a session and its user.
type authSession struct {
	ID, UserID                           int64
	LastSeenAt, IdleExpiresAt, ExpiresAt time.Time
	RevokedAt                            *time.Time
	ManualAway                           bool
}

// authQuery reads a session by token hash with its user's manual AWAY, as
// plain SQL: it runs for every socket and every cache miss.
const authQuery = `SELECT s.id, s.user_id, s.last_seen_at, s.idle_expires_at, s.expires_at, s.revoked_at, u.manual_away
FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND u.deleted_at IS NULL`

// authenticate reads the session of hash and its user's manual AWAY in one
// statement and, when last-seen is due, writes it (with ip when known)
// and slides the idle expiry. live is false for an unknown, revoked or
// expired session.
func (s *Store) authenticate(ctx context.Context, hash, ip string) (e cachedSession, live bool, err error) {
	var rows []authSession
	if err := s.conn(ctx).Raw(authQuery, hash).Scan(&rows).Error; err != nil {
		return cachedSession{}, false, err
	}
	if len(rows) == 0 {
		return cachedSession{}, false, nil
	}
	row := rows[0]
	sess := &models.Session{ID: row.ID, UserID: row.UserID, LastSeenAt: row.LastSeenAt,
		IdleExpiresAt: row.IdleExpiresAt, ExpiresAt: row.ExpiresAt, RevokedAt: row.RevokedAt}
	now := s.Now()
	if !sess.Active(now) {
		return cachedSession{}, false, nil
	}
	if now.Sub(sess.LastSeenAt) >= lastSeenGranularity {
		upd := map[string]any{"last_seen_at": now, "idle_expires_at": now.Add(s.opt.SessionIdleTimeout)}
		if ip != "" {
			upd["ip_address"] = ip
		}
		// Last-seen is bookkeeping no directory read shows: it does not
		// pin the session's reads to the primary.
		if err := s.conn(withoutWriteMark(ctx)).Model(&models.Session{}).Where("id = ? AND revoked_at IS NULL", sess.ID).Updates(upd).Error; err != nil {
			s.opt.Logger.WarnContext(ctx, "session last-seen update failed", "err", err)
		} else {
			sess.LastSeenAt, sess.IdleExpiresAt = now, now.Add(s.opt.SessionIdleTimeout)
		}
	}
	until := now.Add(s.sessions.ttl)
	for _, t := range []time.Time{sess.ExpiresAt, sess.IdleExpiresAt, sess.LastSeenAt.Add(lastSeenGranularity)} {
		if t.Before(until) {
			until = t
		}
	}
	return cachedSession{hash: hash, id: sess.ID, userID: sess.UserID, manualAway: row.ManualAway, until: until}, true, nil
}

// ForgetSessions drops this node's cached entries of sessionIDs: called for
// sessions signed out on any node.
func (s *Store) ForgetSessions(sessionIDs ...int64) { s.sessions.forget(sessionIDs...) }

// ForgetUserSessions drops this node's cached entries of userID's sessions.
func (s *Store) ForgetUserSessions(userID int64) { s.sessions.forgetUser(userID) }

// throttle counts one event for key under limit.
func (s *Store) throttle(ctx context.Context, key string, limit models.Limit) error {
	if s.opt.Limiter == nil {
		return nil
	}
	ok, retry, err := s.opt.Limiter.Allow(ctx, key, limit, 1)
	if err != nil {
		// Fail open: a throttling outage must not lock everyone out; it is
		// logged and visible in metrics.
		s.opt.Logger.WarnContext(ctx, "rate limiter unavailable", "key", key, "err", err)
		return nil
	}
	if !ok {
		return models.RateLimited(int((retry + time.Second - 1) / time.Second))
	}
	return nil
}

func translateConflict(err error, field, message string) error {
	if err == nil {
		return nil
	}
	if isDuplicate(err) {
		return &models.Error{Code: models.CodeConflict, Message: message, Field: field}
	}
	return err
}

func requiredText(field, v string, max int) (string, error) {
	return models.RequiredText(field, v, max)
}

func optionalText(field, v string, max int) (string, error) {
	return models.OptionalText(field, v, max)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
