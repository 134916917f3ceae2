package db

import (
	"context"
	"log/slog"
	"net/url"
	"time"

	"gorm.io/gorm"

	"github.com/rollcall/rollcall/models"
)

// Options configure the services a Store provides.
type Options struct {
	// PublicURL is the base of links in emails.
	PublicURL *url.URL
	// SignupEnabled opens signUp.
	SignupEnabled bool
	// Products is the server's product catalogue.
	Products []models.Product
	// SessionIdleTimeout ends a session unused for that long (sliding).
	SessionIdleTimeout time.Duration
	// SessionLifetime ends every session that long after sign-in.
	SessionLifetime time.Duration
	// Limiter throttles sign-in, password reset and invitations.
	Limiter models.RateLimiter
	// Mail renders the messages written to the outbox.
	Mail models.MailRenderer
	// Notifier carries post-commit side effects to every node.
	Notifier models.Notifier
	// OnMailQueued is called after a transaction that queued mail commits.
	OnMailQueued func()
	Logger       *slog.Logger

	// WebhooksAllowPrivate accepts webhook URLs on loopback, private and
	// link-local addresses, and plain http (WEBHOOKS_ALLOW_PRIVATE).
	WebhooksAllowPrivate bool
	// WebhookURLCheck, when set, checks a webhook URL being saved beyond its
	// form (the webhook package resolves its host).
	WebhookURLCheck func(ctx context.Context, u *url.URL) error
	// WebhookRetryFor is how long a failing delivery is retried before it
	// is given up (default 24h).
	WebhookRetryFor time.Duration
	// OnWebhookQueued is called after a transaction that queued or
	// replayed deliveries commits.
	OnWebhookQueued func()
	// OnWebhookEndpointsChanged is called after an endpoint was created,
	// changed or deleted (the presence relay reads whom to watch again).
	OnWebhookEndpointsChanged func()
}

// Store implements the domain services on a DB.
type Store struct {
	*DB
	opt Options
	// hashPassword is models.HashPassword; tests count calls through it.
	hashPassword func(string) (string, error)
	// sessions caches authenticated tokens on this node.
	sessions *sessionCache
	// chains caches accounts' places in their trees on this node.
	chains *accountChains
}

// NewStore builds the services over an open DB.
func NewStore(d *DB, opt Options) *Store {
	if opt.SessionIdleTimeout == 0 {
		opt.SessionIdleTimeout = 14 * 24 * time.Hour
	}
	if opt.SessionLifetime == 0 {
		opt.SessionLifetime = 90 * 24 * time.Hour
	}
	if opt.Notifier == nil {
		opt.Notifier = nopNotifier{}
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.OnMailQueued == nil {
		opt.OnMailQueued = func() {}
	}
	if opt.OnWebhookQueued == nil {
		opt.OnWebhookQueued = func() {}
	}
	if opt.OnWebhookEndpointsChanged == nil {
		opt.OnWebhookEndpointsChanged = func() {}
	}
	if opt.WebhookRetryFor <= 0 {
		opt.WebhookRetryFor = 24 * time.Hour
	}
	sessions := newSessionCache(SessionCacheTTL, sessionCacheSize)
	opt.Notifier = sessionForgetter{Notifier: opt.Notifier, cache: sessions}
	return &Store{DB: d, opt: opt, hashPassword: models.HashPassword, sessions: sessions, chains: &accountChains{}}
}

// Products returns the product catalogue.
func (s *Store) Products() []models.Product { return s.opt.Products }

// link builds {PUBLIC_URL}/path?token=token.
func (s *Store) link(path, token string) string {
	u := *s.opt.PublicURL
	u.Path = u.Path + path
	u.RawQuery = url.Values{"token": {token}}.Encode()
	return u.String()
}

// maxSubjectRunes is the outbox subject column's size: a subject names an
// organization and a person (200 characters each at most), and is cut
// rather than refused if a template ever makes it longer.
const maxSubjectRunes = 500

// enqueueMail renders e and writes it to the outbox inside tx.
func (s *Store) enqueueMail(tx *gorm.DB, e models.Email) error {
	r, err := s.opt.Mail.Render(e)
	if err != nil {
		return err
	}
	now := s.Now()
	return tx.Create(&models.OutboxMessage{
		Kind: string(e.Kind), ToAddress: e.To, Subject: truncateRunes(r.Subject, maxSubjectRunes), TextBody: r.Text, HTMLBody: r.HTML,
		NextAttemptAt: now, CreatedAt: now,
	}).Error
}

// tx runs fn in one transaction (DB.tx) and, once it committed, wakes the
// webhook worker if fn queued a delivery (queueWebhook marks the
// transaction's context).
func (s *Store) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	queued := new(bool)
	err := s.DB.tx(context.WithValue(ctx, webhooksQueuedKey{}, queued), fn)
	if err == nil && *queued {
		s.opt.OnWebhookQueued()
	}
	return err
}

type webhooksQueuedKey struct{}

// markWebhooksQueued records in tx's context that it queued deliveries; a
// transaction not begun by Store.tx wakes the worker at once.
func (s *Store) markWebhooksQueued(tx *gorm.DB) {
	if q, ok := tx.Statement.Context.Value(webhooksQueuedKey{}).(*bool); ok {
		*q = true
		return
	}
	s.opt.OnWebhookQueued()
}

// audit writes an audit event inside tx.
func (s *Store) audit(ctx context.Context, tx *gorm.DB, ev *models.AuditEvent) error {
	if ev.ActorID == nil {
		if v := models.ViewerFrom(ctx); v != nil {
			id := v.UserID
			ev.ActorID = &id
		}
	}
	if ip := models.ClientFrom(ctx).IP; ip != "" && ev.IPAddress == nil {
		ev.IPAddress = &ip
	}
	if ev.Details == "" {
		ev.Details = "{}"
	}
	if len(ev.Details) > maxAuditDetails {
		ev.Details = `{"truncated":true}` // details() bounds them; a guard for any other writer
	}
	ev.CreatedAt = s.Now()
	if err := tx.Create(ev).Error; err != nil {
		return err
	}
	for _, e := range models.WebhookEventsForAudit(ev.Action) {
		if err := s.raiseWebhook(tx, ev.OrganizationID, e.Type, webhookData(ev, e.Reason)); err != nil {
			return err
		}
	}
	return nil
}

type nopNotifier struct{}

func (nopNotifier) SessionsSignedOut(context.Context, int64, []int64) {}
func (nopNotifier) SessionSignedIn(context.Context, *models.Session)  {}
func (nopNotifier) AccessChanged(context.Context, int64)              {}

func ptr[T any](v T) *T { return &v }
