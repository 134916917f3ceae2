package models

import (
	"context"
	"time"
)

// The vocabulary of the invitation service (SPEC §2): what inviting,
// updating, listing and accepting take and give back.

// MaxInviteAccounts is the most accounts one invitation may grant. An
// invitation is one row per account and its audit details list them all;
// a real team page picks a handful. 100 leaves room for large organizations
// and bounds the work and the row sizes of one request.
const MaxInviteAccounts = 100

// InviteInput invites the addresses pasted in Emails to AccountIDs (all of
// one organization) with one grant. FirstName, LastName, PreferredLanguage
// and CommunicationEmail are for a single invite only; nil or blank leaves
// one unset.
type InviteInput struct {
	AccountIDs         []int64
	Emails             string
	Grant              Grant
	FirstName          *string
	LastName           *string
	PreferredLanguage  *string
	CommunicationEmail *string
}

// InviteOutcome is what happened to one address of an invite.
type InviteOutcome string

const (
	InviteInvited        InviteOutcome = "INVITED"
	InviteAlreadyMember  InviteOutcome = "ALREADY_MEMBER"
	InviteAlreadyInvited InviteOutcome = "ALREADY_INVITED"
	InviteInvalidEmail   InviteOutcome = "INVALID_EMAIL"
)

// InviteResult is the outcome for one distinct entry of the pasted list, in
// input order. Email is the address (or the raw text of an invalid entry);
// Invitation is set for INVITED and ALREADY_INVITED; Message explains any
// outcome but INVITED.
type InviteResult struct {
	Email      string
	Outcome    InviteOutcome
	Invitation *Invitation
	Message    string
}

// InvitationUpdate edits a pending invitation; nil keeps a part. The email
// is never editable.
type InvitationUpdate struct {
	Grant             GrantUpdate
	FirstName         *string
	LastName          *string
	PreferredLanguage *string
}

// InvitationFilter narrows an account's invitations. No statuses means
// every status; EXPIRED selects pending invitations past their expiry and
// PENDING those still valid. Search is a case-insensitive substring of the
// email, first or last name.
type InvitationFilter struct {
	Statuses []InvitationStatus
	Search   string
}

// AcceptInvitationInput accepts an invitation link. Password and FirstName
// are required when the invited email has no identity yet (LastName, Phone
// and PreferredLanguage optional); they are ignored otherwise.
type AcceptInvitationInput struct {
	Token             string
	Password          string
	FirstName         string
	LastName          string
	Phone             string
	PreferredLanguage string
	DeviceName        string
}

// InvitationPreview is what a link grants, shown before accepting.
type InvitationPreview struct {
	Email            string
	OrganizationName string
	AccountNames     []string
	InvitedByName    *string
	ExpiresAt        time.Time
	Status           InvitationStatus
	// ExistingUser: the email already has an identity, so the person
	// accepts while signed in rather than signing up.
	ExistingUser bool
}

// Invitations is the invitation lifecycle (SPEC §2): invite, resend, edit,
// revoke, preview and accept, and an account's invitations.
type Invitations interface {
	InviteUsers(ctx context.Context, in InviteInput) ([]InviteResult, error)
	ResendInvitation(ctx context.Context, id int64) (*Invitation, error)
	UpdateInvitation(ctx context.Context, id int64, upd InvitationUpdate) (*Invitation, error)
	RevokeInvitation(ctx context.Context, id int64) (*Invitation, error)
	InvitationPreview(ctx context.Context, token string) (*InvitationPreview, error)
	AcceptInvitation(ctx context.Context, in AcceptInvitationInput) (*AuthResult, error)
	FindInvitations(ctx context.Context, accountID int64, f InvitationFilter, p PageRequest) (Page[*Invitation], error)
}
