package models

import (
	"strings"
	"testing"
	"time"
)

func TestCanDeleteAccount(t *testing.T) {
	cases := []struct {
		name string
		orgs []Ownership
		want string // "" allowed, else a substring of the CONFLICT message
	}{
		{"no organization", nil, ""},
		{"a member only", []Ownership{{"Acme", false, 1}}, ""},
		{"one of two owners", []Ownership{{"Acme", true, 2}}, ""},
		{"the last owner", []Ownership{{"Acme", true, 1}}, `"Acme"`},
		{"last owner of the second", []Ownership{{"Acme", true, 3}, {"Globex", true, 1}}, `"Globex"`},
		{"the first such is named", []Ownership{{"Acme", true, 1}, {"Globex", true, 1}}, `"Acme"`},
		{"a count that forgot them", []Ownership{{"Acme", true, 0}}, `"Acme"`},
	}
	for _, c := range cases {
		err := CanDeleteAccount(c.orgs)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: refused: %v", c.name, err)
			}
			continue
		}
		if ErrorCode(err) != CodeConflict || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: want CONFLICT naming %s, got %v", c.name, c.want, err)
		}
	}
}

func TestCheckDeleteAccountPassword(t *testing.T) {
	if err := CheckDeleteAccountPassword("correct horse battery"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"", strings.Repeat("é", MaxPasswordLength+1)} {
		err := CheckDeleteAccountPassword(p)
		if e, ok := AsError(err); !ok || e.Code != CodeBadUserInput || e.Field != "password" {
			t.Errorf("%d runes: want BAD_USER_INPUT on password, got %v", len(p), err)
		}
	}
}

func TestErasedEmail(t *testing.T) {
	if got := ErasedEmail(42); got != "deleted-42@invalid" {
		t.Fatalf("ErasedEmail(42) = %q", got)
	}
	if ErasedEmail(1) == ErasedEmail(11) {
		t.Fatal("pseudonyms collide")
	}
	if EmailKey(ErasedEmail(7)) != ErasedEmail(7) {
		t.Fatal("a pseudonym is its own key")
	}
}

func TestErasedAuditDetails(t *testing.T) {
	personal := `{"before":{"firstName":"Ada","phone":"+33612345678"},"after":{"firstName":"Augusta"}}`
	for _, a := range []AuditAction{AuditMemberProfileUpdated, AuditInvitationUpdated} {
		if got := ErasedAuditDetails(a, personal); got != RedactedAuditDetails {
			t.Errorf("%s keeps %s", a, got)
		}
	}
	counts := `{"highestRole":"AGENT","memberships":2}`
	for _, a := range []AuditAction{AuditLeftOrganization, AuditAccountDeleted, AuditAccessGranted} {
		if got := ErasedAuditDetails(a, counts); got != counts {
			t.Errorf("%s: details without personal data changed to %s", a, got)
		}
	}
}

func TestDeletedUserName(t *testing.T) {
	u := &User{ID: 3, Email: ErasedEmail(3), EmailLower: ErasedEmail(3)}
	if u.Name() != ErasedEmail(3) {
		t.Fatalf("before DeletedAt: %q", u.Name())
	}
	now := time.Now()
	u.DeletedAt = &now
	if !u.Deleted() || u.Name() != DeletedUserName {
		t.Fatalf("a tombstone's name: %q", u.Name())
	}
}
