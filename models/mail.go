package models

import (
	"context"
	"time"
)

// MailKind names a transactional email template.
type MailKind string

const (
	MailPasswordReset      MailKind = "password_reset"
	MailEmailChangeConfirm MailKind = "email_change_confirm"
	MailEmailChangeNotice  MailKind = "email_change_notice"
	MailInvitation         MailKind = "invitation"
	// MailEmailVerify proves a login email (link to /verify-email).
	MailEmailVerify MailKind = "email_verify"
	// MailCommunicationEmailConfirm proves a new communication email
	// (link to /verify-email); MailCommunicationEmailNotice tells the login
	// email about it.
	MailCommunicationEmailConfirm MailKind = "communication_email_confirm"
	MailCommunicationEmailNotice  MailKind = "communication_email_notice"
	// MailEmailClaim asks the owner of an address held unproven by another
	// identity whether they want it (link to /verify-email).
	MailEmailClaim MailKind = "email_claim"
	// MailWebhookDisabled tells an organization's owners that one of its
	// webhook endpoints was disabled after a day of failed deliveries.
	MailWebhookDisabled MailKind = "webhook_disabled"
)

// MailKinds lists every kind (metrics list each from the start).
var MailKinds = []MailKind{
	MailPasswordReset, MailEmailChangeConfirm, MailEmailChangeNotice, MailInvitation,
	MailEmailVerify, MailCommunicationEmailConfirm, MailCommunicationEmailNotice, MailEmailClaim,
	MailWebhookDisabled,
}

// The paths, under PUBLIC_URL, of the links the emails carry, each with a
// ?token=: pages of the console, which a node serving it at /console also
// answers at the root (web/console).
const (
	LinkAcceptInvitation = "/accept-invitation"
	LinkResetPassword    = "/reset-password"
	LinkConfirmEmail     = "/confirm-email"
	LinkVerifyEmail      = "/verify-email"
)

// LinkPaths lists every path of an email's link.
var LinkPaths = []string{LinkAcceptInvitation, LinkResetPassword, LinkConfirmEmail, LinkVerifyEmail}

// Email is a message to render: which template, in which language, to whom,
// and with what data. Every string in Data is user-supplied and must be
// escaped by the renderer.
type Email struct {
	Kind     MailKind
	To       string
	Language string // BCP 47; the renderer falls back to English
	Data     MailData
}

// MailData is the union of what the templates show.
type MailData struct {
	RecipientName    string
	Link             string
	ExpiresAt        time.Time
	OrganizationName string
	AccountNames     []string
	InviterName      string
	// RequestedByAdmin marks a password reset sent by an administrator.
	RequestedByAdmin bool
	OldEmail         string
	NewEmail         string
	// Endpoint is the host of a disabled webhook endpoint, FailingSince
	// when its deliveries started to fail.
	Endpoint     string
	FailingSince time.Time
}

// RenderedMail is a rendered message, ready for the outbox.
type RenderedMail struct {
	Subject string
	Text    string
	HTML    string
}

// MailRenderer turns an Email into subject and bodies.
type MailRenderer interface {
	Render(e Email) (RenderedMail, error)
}

// MailSender delivers one message (SMTP, a folder of .eml files, ...).
type MailSender interface {
	Send(ctx context.Context, m *OutboxMessage) error
}

// Outbox is the durable queue of messages the delivery worker drains.
// Claims are leases, so two workers never send the same message at once and
// a crashed worker's claims are retaken when the lease runs out.
type Outbox interface {
	// ClaimOutbox leases up to limit due, unsent messages to worker.
	ClaimOutbox(ctx context.Context, worker string, limit int, lease time.Duration) ([]*OutboxMessage, error)
	// MarkOutboxSent records a delivery made under worker's lease and, in
	// the same statement, empties the message's bodies: they carry live
	// tokens (reset, invitation and confirmation links) that must not
	// outlive the delivery in the database. Kind, recipient and subject
	// stay for audit until the retention purge.
	MarkOutboxSent(ctx context.Context, id int64, worker string) error
	// MarkOutboxFailed records a failed attempt and when to try again.
	MarkOutboxFailed(ctx context.Context, id int64, worker string, lastErr string, next time.Time) error
	// OutboxBacklog counts messages not yet sent.
	OutboxBacklog(ctx context.Context) (int64, error)
	// ReleaseOutbox gives back the unsent messages worker holds a lease
	// on, so they are due again at once (a stopping node's claims), and
	// returns how many it released.
	ReleaseOutbox(ctx context.Context, worker string) (int64, error)
	// PurgeSentOutbox deletes up to limit messages sent before before and
	// returns how many it deleted.
	PurgeSentOutbox(ctx context.Context, before time.Time, limit int) (int64, error)
}
