package db_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/db"
	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/mailer"
	"github.com/rollcall/rollcall/models"
)

// Issue 10 item 9: resetPassword hashed the new password (argon2id, tens
// of milliseconds and 19 MiB) before it looked at the link. A bogus, used or
// expired link now answers TOKEN_INVALID without hashing anything.
func TestResetPasswordChecksTheLinkBeforeHashing(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		ctx := context.Background()
		d, s := openStore(t, store)
		if _, err := s.SignUp(ctx, models.SignUpInput{OrganizationName: "Acme", Email: "ada@example.com",
			Password: "correct horse battery", FirstName: "Ada"}); err != nil {
			t.Fatal(err)
		}
		if err := s.RequestPasswordReset(ctx, "ada@example.com"); err != nil {
			t.Fatal(err)
		}
		msgs, err := d.ClaimOutbox(ctx, "test", 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		var token string
		for _, m := range msgs {
			if tok := mailer.LinkToken(m.TextBody, "/reset-password"); tok != "" {
				token = tok
			}
		}
		if token == "" {
			t.Fatalf("no reset link among %d messages", len(msgs))
		}

		hashes := db.CountPasswordHashes(s)
		wantTokenInvalid := func(t *testing.T, token, password string) {
			t.Helper()
			if _, err := s.ResetPassword(ctx, token, password, ""); models.ErrorCode(err) != models.CodeTokenInvalid {
				t.Fatalf("want TOKEN_INVALID, got %v", err)
			}
		}
		for _, bogus := range []string{"", "bogus", token + "x", strings.Repeat("a", 5000)} {
			wantTokenInvalid(t, bogus, "brand new password")
		}
		// A bogus link with a weak password: the link answers first.
		wantTokenInvalid(t, "bogus", "short")
		if n := hashes.Load(); n != 0 {
			t.Fatalf("bogus links hashed %d passwords", n)
		}
		if _, err := s.ResetPassword(ctx, token, "brand new password", ""); err != nil {
			t.Fatal(err)
		}
		if n := hashes.Load(); n != 1 {
			t.Fatalf("a real reset hashed %d passwords, want 1", n)
		}
		wantTokenInvalid(t, token, "another new password")
		if n := hashes.Load(); n != 1 {
			t.Fatalf("a used link hashed a password (%d hashes)", n)
		}
	})
}
