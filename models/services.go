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

// AccountSecurity is the person's own sessions, password and profile.
type AccountSecurity interface {
	FindSessionsOfUser(ctx context.Context, userID int64) ([]*Session, error)
	SignOutSession(ctx context.Context, sessionID int64) (*Session, error)
	SignOutOtherSessions(ctx context.Context) (int, error)
	RequestPasswordReset(ctx context.Context, email string) error
	ResetPassword(ctx context.Context, token, newPassword, deviceName string) (*AuthResult, error)
	ChangePassword(ctx context.Context, current, next string) error
	UpdateProfile(ctx context.Context, upd ProfileUpdate) (*User, error)
	UpdateNotificationPreferences(ctx context.Context, upd NotificationPreferencesUpdate) (*User, error)
	// SetManualAway stores the viewer's manual AWAY (kept until cleared).
	SetManualAway(ctx context.Context, away bool) error
	RequestEmailChange(ctx context.Context, newEmail, currentPassword string) error
	ConfirmEmailChange(ctx context.Context, token string) (*User, error)
	// VerifyEmail follows a /verify-email link; RequestEmailVerification
	// mails one proving the viewer's login email.
	VerifyEmail(ctx context.Context, token string) (*User, error)
	RequestEmailVerification(ctx context.Context) error
	// DeleteMyAccount erases the viewer's identity after checking their
	// password: they leave every organization, every session ends, their
	// row stays as a pseudonymous tombstone (see db.Store.DeleteMyAccount).
	DeleteMyAccount(ctx context.Context, password string) error
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

// Organizations is accounts, memberships and the management of members.
type Organizations interface {
	FindOrganization(ctx context.Context, orgID int64) (*Organization, error)
	FindAccount(ctx context.Context, accountID int64) (*Account, error)
	// WatchableAccount decides like FindAccount, answering only the
	// account's organization, with one read once the account is known to
	// the node (a live subscription's admission).
	WatchableAccount(ctx context.Context, accountID int64) (int64, error)
	FindMembershipByID(ctx context.Context, id int64) (*Membership, error)
	FindAuditEventByID(ctx context.Context, id int64) (*AuditEvent, error)
	FindInvitationByID(ctx context.Context, id int64) (*Invitation, error)
	CreateAccount(ctx context.Context, parentID int64, name string) (*Account, error)
	UpdateOrganization(ctx context.Context, orgID int64, upd OrganizationUpdate) (*Organization, error)
	FindVisibleAccounts(ctx context.Context, orgID int64) ([]*Account, error)
	FindVisibleChildren(ctx context.Context, accountID int64) ([]*Account, error)
	ViewerMembership(ctx context.Context, accountID int64) (*Membership, error)
	FindUserMemberships(ctx context.Context, userID int64) ([]*Membership, error)
	UpdateMember(ctx context.Context, accountID, userID int64, upd GrantUpdate) (*Membership, error)
	GrantAccess(ctx context.Context, userID int64, accountIDs []int64, g Grant) ([]*Membership, error)
	RevokeAccess(ctx context.Context, accountID, userID int64, reassignTo *int64) (*Membership, int64, error)
	RemoveFromOrganization(ctx context.Context, orgID, userID int64, reassignTo *int64) error
	LeaveOrganization(ctx context.Context, orgID int64) error
	UpdateMemberProfile(ctx context.Context, userID int64, first, last, phone *string) (*User, error)
	SendPasswordReset(ctx context.Context, userID int64) error
	SignOutMember(ctx context.Context, userID int64) (int, error)
	// SuspendMember and ReactivateMember answer whether the person's state
	// changed (false: they already were suspended, or active).
	SuspendMember(ctx context.Context, orgID, userID int64) (bool, error)
	ReactivateMember(ctx context.Context, orgID, userID int64) (bool, error)
}

// Finder is the batched read side the GraphQL loaders use: each finder
// takes many keys and answers in one query.
type Finder interface {
	FindUsersByIDs(ctx context.Context, ids []int64) ([]*User, error)
	FindOrganizationsByIDs(ctx context.Context, ids []int64) ([]*Organization, error)
	FindAccountsByIDs(ctx context.Context, ids []int64) ([]*Account, error)
	FindRootAccounts(ctx context.Context, orgIDs []int64) ([]*Account, error)
	// FindOrganizationsOfUser lists the organizations where the person is
	// active; FindDirectoriesOfUser those where they are suspended too.
	FindOrganizationsOfUser(ctx context.Context, userID int64) ([]*Organization, error)
	FindDirectoriesOfUser(ctx context.Context, userID int64) ([]*Organization, error)
	FindSessionsByIDs(ctx context.Context, ids []int64) ([]*Session, error)
	FindSuspensions(ctx context.Context, refs []MemberRef) (map[MemberRef]*time.Time, error)
}
