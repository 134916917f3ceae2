package models

import (
	"context"
	"time"
)

// SignUpInput creates an organization, its root account and its first OWNER.
type SignUpInput struct {
	OrganizationName string
	Email            string
	Password         string
	FirstName        string
	LastName         string
	DeviceName       string
}

// SignInInput signs a person in on a new device.
type SignInInput struct {
	Email      string
	Password   string
	DeviceName string
}

// AuthResult is a new session: the token is shown once and never stored.
type AuthResult struct {
	Token   string
	Session *Session
	User    *User
}

// IdentityService signs people up, in and out, and authenticates tokens.
type IdentityService interface {
	SignUp(ctx context.Context, in SignUpInput) (*AuthResult, error)
	SignIn(ctx context.Context, in SignInInput) (*AuthResult, error)
	// SignOut ends the viewer's current session.
	SignOut(ctx context.Context) error
	// Authenticate resolves a bearer token to the viewer; an unknown,
	// revoked or expired token answers UNAUTHENTICATED.
	Authenticate(ctx context.Context, token string) (*Viewer, error)
	// LiveSessions reports which of the sessions are still live (not
	// signed out, not expired): the ids absent from the answer have
	// ended, whatever ended them. One query per 1,000 ids.
	LiveSessions(ctx context.Context, sessionIDs []int64) (map[int64]bool, error)
}

// Notifier carries side effects that must reach every node after a change
// commits: closing the sockets of signed-out sessions, session events.
type Notifier interface {
	// SessionsSignedOut is called after sessions were revoked: their live
	// connections must close on every node.
	SessionsSignedOut(ctx context.Context, userID int64, sessionIDs []int64)
	// SessionSignedIn is called after a new session was created.
	SessionSignedIn(ctx context.Context, s *Session)
	// AccessChanged is called after the memberships of an organization
	// changed (granted, changed, revoked, removed, invitation accepted):
	// live subscriptions in it must re-read who they may see.
	AccessChanged(ctx context.Context, organizationID int64)
}

// Clock returns the current time; stores take one so tests can move time.
type Clock func() time.Time

// ProfileUpdate is a person's own edit of their profile. Nil leaves a field
// as it is; an empty string clears an optional field.
type ProfileUpdate struct {
	FirstName             *string
	LastName              *string
	DisplayName           *string
	Phone                 *string
	DefaultSendingCountry *string
	PreferredLanguage     *string
	// CommunicationEmail set to a new address needs CurrentPassword and
	// takes effect only when the link mailed there is followed.
	CommunicationEmail *string
	AvatarURL          *string
	// CurrentPassword is checked when CommunicationEmail names a new address.
	CurrentPassword *string
}

// NotificationPreferences are a person's notification switches.
type NotificationPreferences struct {
	DesktopNotifications bool
	BrowserBadges        bool
	Sounds               bool
}

// NotificationPreferencesUpdate changes some switches; nil keeps one.
type NotificationPreferencesUpdate struct {
	DesktopNotifications *bool
	BrowserBadges        *bool
	Sounds               *bool
}

// OrganizationUpdate changes an organization; nil keeps a field.
type OrganizationUpdate struct {
	Name                    *string
	InvitationLifetimeHours *int
	EnabledProducts         []string
	// SetEnabledProducts distinguishes "set to none" from "keep".
	SetEnabledProducts bool
}

// GrantUpdate changes some parts of a member's access; nil keeps a part.
type GrantUpdate struct {
	Role         *Role
	Permissions  *Permissions
	Products     *[]string
	Restrictions *RestrictionsUpdate
}
