package models

import "time"

// User is one global identity, keyed by a login email that is unique across
// the platform (case-insensitively) and never reused by another identity.
type User struct {
	ID                    int64
	Email                 string
	EmailLower            string
	PasswordHash          string `json:"-"`
	FirstName             string
	LastName              string
	DisplayName           string
	Phone                 *string
	DefaultSendingCountry *string
	PreferredLanguage     string
	CommunicationEmail    *string
	AvatarURL             *string `gorm:"column:avatar_url"`
	// EmailVerifiedAt is when the person proved their login email by
	// following a link sent to it; nil while it is unproven.
	EmailVerifiedAt *time.Time
	NotifyDesktop   bool
	NotifyBadges    bool
	NotifySounds    bool
	ManualAway      bool
	LastActiveAt    *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
	// DeletedAt is when the person deleted their account: the row stays as
	// a tombstone (its id a pseudonymous reference for the audit log), its
	// personal fields emptied and its email a pseudonym (ErasedEmail).
	DeletedAt *time.Time
}

// Deleted reports whether the row is the tombstone of a deleted account.
func (u *User) Deleted() bool { return u.DeletedAt != nil }

// DeletedUserName is what a deleted account's name shows as.
const DeletedUserName = "Deleted user"

// Name is the name to show: the display name, else first and last name,
// else the email; "Deleted user" for a deleted account.
func (u *User) Name() string {
	if u.Deleted() {
		return DeletedUserName
	}
	if u.DisplayName != "" {
		return u.DisplayName
	}
	if n := joinName(u.FirstName, u.LastName); n != "" {
		return n
	}
	return u.Email
}

// NotificationAddress is where notifications for this person go: the
// communication email once proven (it is only ever stored after a link sent
// to it was followed), else the login email. Never used for mail that grants
// access: see SecurityAddress.
func (u *User) NotificationAddress() string {
	if u.CommunicationEmail != nil && *u.CommunicationEmail != "" {
		return *u.CommunicationEmail
	}
	return u.Email
}

// SecurityAddress is where mail that grants access goes (reset links, the
// notice of a pending email change): the login email, never the
// communication email. The login email is either proven, or the address the
// identity is keyed by, whose real owner may always claim it; a link mailed
// there reaches that owner either way.
func (u *User) SecurityAddress() string { return u.Email }

// EmailVerified reports whether the login email was proven.
func (u *User) EmailVerified() bool { return u.EmailVerifiedAt != nil }

func joinName(first, last string) string {
	switch {
	case first == "":
		return last
	case last == "":
		return first
	}
	return first + " " + last
}

// Organization is a customer company.
type Organization struct {
	ID                      int64
	Name                    string
	InvitationLifetimeHours int
	EnabledProducts         StringList
	CreatedAt               time.Time
	UpdatedAt               time.Time
}

// DefaultInvitationLifetimeHours is 14 days (seed 004).
const DefaultInvitationLifetimeHours = 336

// Account is a workspace of an organization; accounts form a tree.
type Account struct {
	ID             int64
	OrganizationID int64
	ParentID       *int64
	Name           string
	Depth          int
	CreatedAt      time.Time
}

// Membership is one user's access to one account.
type Membership struct {
	ID             int64
	OrganizationID int64
	AccountID      int64
	UserID         int64
	Role           Role
	RoleRank       int
	Permissions    Permissions
	Products       StringList
	Restrictions   `gorm:"embedded"`
	InvitedByID    *int64
	CreatedAt      time.Time
	UpdatedAt      time.Time

	// Inherited is set (not stored) when this access is effective on an
	// account because it was granted on an ancestor.
	Inherited bool `gorm:"-"`
	// EffectiveAccountID is the account this membership was resolved for.
	EffectiveAccountID int64 `gorm:"-"`
	// Person is the member's user row when the read that found the
	// membership read it too (a members page), so it costs no second read.
	Person *User `gorm:"-"`

	// suspendedAt and suspensionRead carry the person's suspension in the
	// organization when the read that found the membership read it too (a
	// members page); see SetSuspension.
	suspendedAt    *time.Time
	suspensionRead bool
}

// SetSuspension records the person's suspension in the organization (nil:
// active), as read with the membership.
func (m *Membership) SetSuspension(at *time.Time) { m.suspendedAt, m.suspensionRead = at, true }

// Suspension is the person's suspension in the organization when it was
// read with the membership (ok false: not read, ask the store).
func (m *Membership) Suspension() (at *time.Time, ok bool) { return m.suspendedAt, m.suspensionRead }

// MemberRef names one person in one organization's directory.
type MemberRef struct {
	OrganizationID int64
	UserID         int64
}

// OrganizationMember places a person in an organization's directory.
type OrganizationMember struct {
	OrganizationID int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID         int64 `gorm:"primaryKey;autoIncrement:false"`
	CreatedAt      time.Time
	// SuspendedAt is set while the person is suspended in the organization
	// (suspendMember): they keep their memberships and data but have no
	// access there until reactivated. SuspendedByID is who suspended them.
	SuspendedAt   *time.Time
	SuspendedByID *int64 `gorm:"column:suspended_by"`
}

// DirectoryMember is a person of an organization's directory as its
// members list shows them: with their suspension there (nil: active).
type DirectoryMember struct {
	User        *User
	SuspendedAt *time.Time
}

// Session is one signed-in device. Only the hash of its token is stored.
type Session struct {
	ID            int64
	UserID        int64
	TokenHash     string `json:"-"`
	DeviceName    string
	UserAgent     *string
	IPAddress     *string `gorm:"column:ip_address"`
	CreatedAt     time.Time
	LastSeenAt    time.Time
	IdleExpiresAt time.Time
	ExpiresAt     time.Time
	RevokedAt     *time.Time

	// Current marks the session a response was made for (not stored).
	Current bool `gorm:"-"`
}

// Active reports whether the session may still authenticate at now.
func (s *Session) Active(now time.Time) bool {
	return s.RevokedAt == nil && now.Before(s.ExpiresAt) && now.Before(s.IdleExpiresAt)
}

// OutboxMessage is an email waiting to be delivered. It is written in the
// same transaction as the change that causes it.
type OutboxMessage struct {
	ID            int64
	Kind          string
	ToAddress     string
	Subject       string
	TextBody      string
	HTMLBody      string `gorm:"column:html_body"`
	Attempts      int
	NextAttemptAt time.Time
	LockedBy      *string
	LockedUntil   *time.Time
	SentAt        *time.Time
	LastError     *string
	CreatedAt     time.Time
}

// TableName keeps the GORM table name explicit.
func (OutboxMessage) TableName() string { return "outbox_messages" }

// Product is an entry of the server's product catalogue.
type Product struct {
	Key  string
	Name string
}

// AuditAction names a people-management action kept in the audit log.
type AuditAction string

const (
	AuditOrganizationCreated  AuditAction = "ORGANIZATION_CREATED"
	AuditOrganizationUpdated  AuditAction = "ORGANIZATION_UPDATED"
	AuditAccountCreated       AuditAction = "ACCOUNT_CREATED"
	AuditInvitationSent       AuditAction = "INVITATION_SENT"
	AuditInvitationResent     AuditAction = "INVITATION_RESENT"
	AuditInvitationUpdated    AuditAction = "INVITATION_UPDATED"
	AuditInvitationRevoked    AuditAction = "INVITATION_REVOKED"
	AuditInvitationAccepted   AuditAction = "INVITATION_ACCEPTED"
	AuditMemberUpdated        AuditAction = "MEMBER_UPDATED"
	AuditMemberProfileUpdated AuditAction = "MEMBER_PROFILE_UPDATED"
	AuditAccessGranted        AuditAction = "ACCESS_GRANTED"
	AuditAccessRevoked        AuditAction = "ACCESS_REVOKED"
	AuditRemovedFromOrg       AuditAction = "REMOVED_FROM_ORGANIZATION"
	AuditLeftOrganization     AuditAction = "LEFT_ORGANIZATION"
	AuditPasswordResetSent    AuditAction = "PASSWORD_RESET_SENT"
	AuditMemberSignedOut      AuditAction = "MEMBER_SIGNED_OUT"
	AuditMemberSuspended      AuditAction = "MEMBER_SUSPENDED"
	AuditMemberReactivated    AuditAction = "MEMBER_REACTIVATED"
	AuditContactsReassigned   AuditAction = "CONTACTS_REASSIGNED"
	AuditMembersExported      AuditAction = "MEMBERS_EXPORTED"
	AuditAccountDeleted       AuditAction = "ACCOUNT_DELETED"
	AuditWebhookCreated       AuditAction = "WEBHOOK_ENDPOINT_CREATED"
	AuditWebhookUpdated       AuditAction = "WEBHOOK_ENDPOINT_UPDATED"
	AuditWebhookDeleted       AuditAction = "WEBHOOK_ENDPOINT_DELETED"
	AuditWebhookSecretRotated AuditAction = "WEBHOOK_SECRET_ROTATED"
	AuditWebhookDisabled      AuditAction = "WEBHOOK_ENDPOINT_DISABLED"
)

// AuditEvent records who did what to whom, written in the same transaction
// as the change it describes.
type AuditEvent struct {
	ID             int64
	OrganizationID int64
	Action         AuditAction
	ActorID        *int64
	TargetUserID   *int64
	TargetEmail    *string
	AccountID      *int64
	Details        string
	IPAddress      *string `gorm:"column:ip_address"`
	CreatedAt      time.Time
}

// InvitationStatus is where an invitation stands. EXPIRED is derived from
// the expiry of a PENDING invitation, never stored.
type InvitationStatus string

const (
	InvitationPending  InvitationStatus = "PENDING"
	InvitationExpired  InvitationStatus = "EXPIRED"
	InvitationAccepted InvitationStatus = "ACCEPTED"
	InvitationRevoked  InvitationStatus = "REVOKED"
)

// Invitation grants accounts to an email address once accepted.
type Invitation struct {
	ID                 int64
	OrganizationID     int64
	Email              string
	EmailLower         string
	FirstName          *string
	LastName           *string
	PreferredLanguage  string
	CommunicationEmail *string
	Role               Role
	Permissions        Permissions
	Products           StringList
	Restrictions       `gorm:"embedded"`
	Status             InvitationStatus
	TokenHash          string `json:"-"`
	InvitedByID        *int64
	AcceptedUserID     *int64
	CreatedAt          time.Time
	UpdatedAt          time.Time
	ExpiresAt          time.Time
	LastSentAt         time.Time
	SendCount          int
	AcceptedAt         *time.Time
	RevokedAt          *time.Time
	// ExpiredEventAt is when invitation.expired was raised for the current
	// expiry (cleared when a resend extends it).
	ExpiredEventAt *time.Time

	// AccountIDs are the accounts it grants (loaded, not a column).
	AccountIDs []int64 `gorm:"-"`
}

// StatusAt is the status as a client sees it at now: a pending invitation
// past its expiry is EXPIRED.
func (i *Invitation) StatusAt(now time.Time) InvitationStatus {
	if i.Status == InvitationPending && !now.Before(i.ExpiresAt) {
		return InvitationExpired
	}
	return i.Status
}

// Contact is a customer contact of an account, optionally assigned to a member.
type Contact struct {
	ID             int64
	OrganizationID int64
	AccountID      int64
	Name           string
	Email          *string
	Phone          *string
	AssigneeID     *int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}
