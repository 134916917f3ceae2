package models

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Proven addresses (SPEC §6, docs/security.md "Proven addresses"): an
// address counts as a person's only once they followed a link mailed to it.

// ProofPurpose says what following an email proof link does.
type ProofPurpose string

const (
	// ProofLogin proves the login email of the identity it was sent for.
	ProofLogin ProofPurpose = "login"
	// ProofCommunication makes its address the communication email.
	ProofCommunication ProofPurpose = "communication"
	// ProofClaim hands an address held unproven by one identity to the
	// person who signed up with it.
	ProofClaim ProofPurpose = "claim"
)

const (
	// EmailProofLifetime is how long a link proving a login or a
	// communication email works: it grants nothing but the proof.
	EmailProofLifetime = 24 * time.Hour
	// EmailClaimLifetime is how long a claim link works: following it sets
	// the password of the identity keyed by the address, as a reset does,
	// so it lives as long as a reset link.
	EmailClaimLifetime = 30 * time.Minute
)

// CommunicationEdit is what an edit of the communication email needs.
type CommunicationEdit int

const (
	// CommunicationUnchanged: the address is already the communication email.
	CommunicationUnchanged CommunicationEdit = iota
	// CommunicationReset: back to the login email (cleared, or the login
	// email typed); mail then goes to an address the identity is keyed by,
	// so nothing needs proving.
	CommunicationReset
	// CommunicationNeedsProof: a new address; it needs the current password
	// and takes effect only when the link mailed to it is followed.
	CommunicationNeedsProof
)

// EditCommunicationEmail decides what setting u's communication email to
// addr (normalized; "" to clear) needs.
func EditCommunicationEmail(u *User, addr string) CommunicationEdit {
	key := EmailKey(addr)
	switch {
	case key == "" || key == u.EmailLower:
		if u.CommunicationEmail == nil || *u.CommunicationEmail == "" {
			return CommunicationUnchanged
		}
		return CommunicationReset
	case u.CommunicationEmail != nil && EmailKey(*u.CommunicationEmail) == key:
		return CommunicationUnchanged
	}
	return CommunicationNeedsProof
}

// EmailHold is what an address already held by an identity means for a
// person signing up with it.
type EmailHold int

const (
	// EmailFree: nobody holds the address.
	EmailFree EmailHold = iota
	// EmailTaken: its holder proved it (or held it before and moved on):
	// CONFLICT.
	EmailTaken
	// EmailClaimable: its holder never proved it, so it does not block the
	// real owner: a claim link is mailed to the address.
	EmailClaimable
)

// HoldOf decides what an address means for a sign-up: holder is the
// identity whose login email it is (nil for none), claimed reports whether
// any identity ever held it (the email_claims ledger).
func HoldOf(holder *User, claimed bool) EmailHold {
	switch {
	case holder != nil && !holder.EmailVerified():
		return EmailClaimable
	case holder != nil || claimed:
		return EmailTaken
	}
	return EmailFree
}

// PasswordStamp fingerprints a password hash, so that a link issued under
// one password stops working once the password changed (by reset or
// change) without keeping a second copy of the hash.
func PasswordStamp(passwordHash string) string {
	sum := sha256.Sum256([]byte("rollcall-password-stamp\x00" + passwordHash))
	return hex.EncodeToString(sum[:])
}
