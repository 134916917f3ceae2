package models

import (
	"context"
	"time"
)

// NewContact is a contact being created. Email and Phone are optional (nil
// or empty: none); AssigneeID nil leaves it unassigned.
type NewContact struct {
	AccountID  int64
	Name       string
	Email      *string
	Phone      *string
	AssigneeID *int64
}

// ContactFilter narrows an account's contacts: to one assignee, or to the
// unassigned ones. The viewer's assignedContactsOnly restriction applies on
// top of it, whatever it asks.
type ContactFilter struct {
	AssigneeID *int64
	Unassigned bool
}

// ContactService creates, assigns and lists the contacts of an account.
type ContactService interface {
	CreateContact(ctx context.Context, in NewContact) (*Contact, error)
	// AssignContact sets the contact's assignee; nil unassigns.
	AssignContact(ctx context.Context, contactID int64, assigneeID *int64) (*Contact, error)
	// FindContactByID returns a contact the viewer can see, else NOT_FOUND.
	FindContactByID(ctx context.Context, id int64) (*Contact, error)
	// FindContacts lists the account's contacts the viewer may see, by id
	// ascending.
	FindContacts(ctx context.Context, accountID int64, f ContactFilter, p PageRequest) (Page[*Contact], error)
}

// AuditFilter narrows the audit log; every set field must match. Since is
// inclusive, Until exclusive.
type AuditFilter struct {
	Actions      []AuditAction
	ActorID      *int64
	TargetUserID *int64
	Since        *time.Time
	Until        *time.Time
}

// AuditService reads the audit log.
type AuditService interface {
	// FindAuditEvents lists an organization's audit events, newest first,
	// for its OWNERs and ADMINs.
	FindAuditEvents(ctx context.Context, orgID int64, f AuditFilter, p PageRequest) (Page[*AuditEvent], error)
}

// ContactsAndAudit is an account's contacts and the organization's audit log.
type ContactsAndAudit interface {
	ContactService
	AuditService
}
