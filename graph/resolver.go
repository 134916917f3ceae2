// Package graph is the GraphQL transport: schema, generated code, thin
// resolvers, dataloaders, the error presenter and the auth middleware. It
// never imports gorm or redis: everything it needs is a models interface.
package graph

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/rollcall/rollcall/models"
)

// Store is what the resolvers need from the domain services.
type Store interface {
	models.IdentityService
	Products() []models.Product
	Finder
	AccountSecurity
	ContactsAndAudit
	Organizations
	Invitations
	Directory
}

// Resolver is the root resolver; one per server, shared by every request.
type Resolver struct {
	Store Store
	// PublicURL is the base of URLs the API hands out (the CSV export).
	PublicURL string
	// Presence is the live side of people.
	Presence PresenceSource
	// Live serves the subscriptions.
	Live Subscriptions
	// Limiter throttles presence reports (nil: no limit).
	Limiter models.RateLimiter
	// EventUsers resolves PresenceEvent.user from a node-wide cache (nil:
	// the response's loader).
	EventUsers *EventUsers
}

// ActivityLimit bounds setPresence per session: a client reports ACTIVE or
// IDLE when its state flips (and ACTIVE about once a minute while in use),
// so this leaves room for bursts of tab switching and stops a runaway loop
// from turning into a stream of presence events.
var ActivityLimit = models.Limit{Rate: 30, Burst: 10, Period: time.Minute}

// AccountSecurity is the person's own sessions, password and profile.
type AccountSecurity interface {
	FindSessionsOfUser(ctx context.Context, userID int64) ([]*models.Session, error)
	SignOutSession(ctx context.Context, sessionID int64) (*models.Session, error)
	SignOutOtherSessions(ctx context.Context) (int, error)
	RequestPasswordReset(ctx context.Context, email string) error
	ResetPassword(ctx context.Context, token, newPassword, deviceName string) (*models.AuthResult, error)
	ChangePassword(ctx context.Context, current, next string) error
	UpdateProfile(ctx context.Context, upd models.ProfileUpdate) (*models.User, error)
	UpdateNotificationPreferences(ctx context.Context, upd models.NotificationPreferencesUpdate) (*models.User, error)
	// SetManualAway stores the viewer's manual AWAY (kept until cleared).
	SetManualAway(ctx context.Context, away bool) error
	RequestEmailChange(ctx context.Context, newEmail, currentPassword string) error
	ConfirmEmailChange(ctx context.Context, token string) (*models.User, error)
	// VerifyEmail follows a /verify-email link; RequestEmailVerification
	// mails one proving the viewer's login email.
	VerifyEmail(ctx context.Context, token string) (*models.User, error)
	RequestEmailVerification(ctx context.Context) error
}

// Organizations is accounts, memberships and the management of members.
type Organizations interface {
	FindOrganization(ctx context.Context, orgID int64) (*models.Organization, error)
	FindAccount(ctx context.Context, accountID int64) (*models.Account, error)
	FindMembershipByID(ctx context.Context, id int64) (*models.Membership, error)
	FindAuditEventByID(ctx context.Context, id int64) (*models.AuditEvent, error)
	FindInvitationByID(ctx context.Context, id int64) (*models.Invitation, error)
	CreateAccount(ctx context.Context, parentID int64, name string) (*models.Account, error)
	UpdateOrganization(ctx context.Context, orgID int64, upd models.OrganizationUpdate) (*models.Organization, error)
	FindVisibleAccounts(ctx context.Context, orgID int64) ([]*models.Account, error)
	FindVisibleChildren(ctx context.Context, accountID int64) ([]*models.Account, error)
	ViewerMembership(ctx context.Context, accountID int64) (*models.Membership, error)
	FindUserMemberships(ctx context.Context, userID int64) ([]*models.Membership, error)
	UpdateMember(ctx context.Context, accountID, userID int64, upd models.GrantUpdate) (*models.Membership, error)
	GrantAccess(ctx context.Context, userID int64, accountIDs []int64, g models.Grant) ([]*models.Membership, error)
	RevokeAccess(ctx context.Context, accountID, userID int64, reassignTo *int64) (*models.Membership, int64, error)
	RemoveFromOrganization(ctx context.Context, orgID, userID int64, reassignTo *int64) error
	UpdateMemberProfile(ctx context.Context, userID int64, first, last, phone *string) (*models.User, error)
	SendPasswordReset(ctx context.Context, userID int64) error
}

// ContactsAndAudit is an account's contacts and the organization's audit log.
type ContactsAndAudit interface {
	models.ContactService
	models.AuditService
}

// Invitations is the invitation lifecycle (SPEC §2): invite, resend, edit,
// revoke, preview and accept, and an account's invitations.
type Invitations interface {
	InviteUsers(ctx context.Context, in models.InviteInput) ([]models.InviteResult, error)
	ResendInvitation(ctx context.Context, id int64) (*models.Invitation, error)
	UpdateInvitation(ctx context.Context, id int64, upd models.InvitationUpdate) (*models.Invitation, error)
	RevokeInvitation(ctx context.Context, id int64) (*models.Invitation, error)
	InvitationPreview(ctx context.Context, token string) (*models.InvitationPreview, error)
	AcceptInvitation(ctx context.Context, in models.AcceptInvitationInput) (*models.AuthResult, error)
	FindInvitations(ctx context.Context, accountID int64, f models.InvitationFilter, p models.PageRequest) (models.Page[*models.Invitation], error)
}

// Directory is the members directory of accounts and organizations.
type Directory interface {
	FindMembers(ctx context.Context, accountID int64, q models.MemberQuery, p models.PageRequest) (models.Page[models.Edge[*models.Membership]], error)
	// EffectiveMemberIDs lists the people with access to an account.
	EffectiveMemberIDs(ctx context.Context, accountID int64) ([]int64, error)
	FindOrganizationMembers(ctx context.Context, orgID int64, search string, p models.PageRequest) (models.Page[models.Edge[*models.User]], error)
}

// throttleActivity counts one presence report of the viewer's session. A
// limiter outage lets the report through (logged).
func (r *Resolver) throttleActivity(ctx context.Context, v *models.Viewer) error {
	if r.Limiter == nil {
		return nil
	}
	ok, retry, err := r.Limiter.Allow(ctx, "presence:"+strconv.FormatInt(v.SessionID, 10), ActivityLimit, 1)
	if err != nil {
		slog.WarnContext(ctx, "rate limiter unavailable", "err", err)
		return nil
	}
	if !ok {
		return models.RateLimited(int((retry + time.Second - 1) / time.Second))
	}
	return nil
}
