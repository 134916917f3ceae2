package models

import (
	"fmt"
	"unicode/utf8"
)

// Ownership is what deleting an account needs to know of one organization
// the person belongs to.
type Ownership struct {
	OrganizationName string
	// Owner is set when the person holds OWNER on an account of it.
	Owner bool
	// Owners counts the distinct people holding OWNER in it, the person
	// included.
	Owners int
}

// CanDeleteAccount refuses to delete the account of the last owner of any
// of their organizations (CONFLICT, naming the first such organization):
// an organization always keeps an owner, so they make someone else owner
// first.
func CanDeleteAccount(orgs []Ownership) error {
	for _, o := range orgs {
		if o.Owner && o.Owners <= 1 {
			return &Error{Code: CodeConflict, Message: fmt.Sprintf(
				"you are the last owner of %q: make someone else an owner of it before deleting your account", o.OrganizationName)}
		}
	}
	return nil
}

// CheckDeleteAccountPassword refuses an empty or impossibly long password
// before any hashing; the password itself is checked against the stored
// hash, throttled, like any re-authentication.
func CheckDeleteAccountPassword(password string) error {
	if password == "" {
		return InvalidInput("password", "enter your password to delete your account")
	}
	if utf8.RuneCountInString(password) > MaxPasswordLength {
		return InvalidInput("password", "the current password is incorrect")
	}
	return nil
}

// ErasedEmail is the login email of a deleted account's tombstone: unique
// (it carries the id) and unroutable (.invalid is reserved by RFC 2606), so
// no mail reaches anyone and no sign-in matches a real address.
func ErasedEmail(userID int64) string {
	return fmt.Sprintf("deleted-%d@invalid", userID)
}

// RedactedAuditDetails replaces the details of audit events about a
// deleted person whose details hold their personal data.
const RedactedAuditDetails = `{"redacted":true}`

// AuditActionsWithPersonalDetails are the actions whose details hold the
// target's personal data (names, phone numbers): erasing the target
// replaces those details with RedactedAuditDetails. Other details hold
// roles, accounts, counts and global ids only.
var AuditActionsWithPersonalDetails = []AuditAction{AuditMemberProfileUpdated, AuditInvitationUpdated}

// ErasedAuditDetails is what the details of an audit event about a deleted
// person become.
func ErasedAuditDetails(action AuditAction, details string) string {
	for _, a := range AuditActionsWithPersonalDetails {
		if a == action {
			return RedactedAuditDetails
		}
	}
	return details
}
