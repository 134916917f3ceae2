package models

import (
	"testing"
	"time"
)

func TestEditCommunicationEmail(t *testing.T) {
	other := "ada.notify@example.org"
	cases := []struct {
		name    string
		current *string
		addr    string
		want    CommunicationEdit
	}{
		{"ClearWhenUnset", nil, "", CommunicationUnchanged},
		{"LoginWhenUnset", nil, "ADA@example.com", CommunicationUnchanged},
		{"ClearWhenSet", &other, "", CommunicationReset},
		{"LoginWhenSet", &other, "ada@EXAMPLE.com", CommunicationReset},
		{"SameAddress", &other, "Ada.Notify@example.org", CommunicationUnchanged},
		{"NewAddress", nil, "thief@evil.example", CommunicationNeedsProof},
		{"ReplaceAddress", &other, "thief@evil.example", CommunicationNeedsProof},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := &User{Email: "ada@example.com", EmailLower: "ada@example.com", CommunicationEmail: tc.current}
			if got := EditCommunicationEmail(u, tc.addr); got != tc.want {
				t.Fatalf("EditCommunicationEmail(%q) = %v, want %v", tc.addr, got, tc.want)
			}
		})
	}
}

func TestHoldOf(t *testing.T) {
	now := time.Now()
	proven := &User{EmailVerifiedAt: &now}
	unproven := &User{}
	cases := []struct {
		name    string
		holder  *User
		claimed bool
		want    EmailHold
	}{
		{"Free", nil, false, EmailFree},
		{"ProvenHolder", proven, true, EmailTaken},
		{"UnprovenHolderNeverBlocks", unproven, true, EmailClaimable},
		{"FormerAddressOfSomeone", nil, true, EmailTaken},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := HoldOf(tc.holder, tc.claimed); got != tc.want {
				t.Fatalf("HoldOf = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPasswordStamp(t *testing.T) {
	a, b := PasswordStamp("$argon2id$a"), PasswordStamp("$argon2id$b")
	if a == b || len(a) != 64 || a != PasswordStamp("$argon2id$a") {
		t.Fatalf("stamps %q %q", a, b)
	}
}

func TestSecurityAddressIsTheLoginEmail(t *testing.T) {
	c := "thief@evil.example"
	u := &User{Email: "ada@example.com", CommunicationEmail: &c}
	if u.SecurityAddress() != "ada@example.com" || u.NotificationAddress() != c {
		t.Fatalf("security %q notification %q", u.SecurityAddress(), u.NotificationAddress())
	}
}
