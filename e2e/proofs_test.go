package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/mailer"
	"github.com/rollcall/rollcall/models"
)

// Proven addresses (issue 10, items 6 and 7; docs/security.md).

const (
	verifyEmailMutation     = `mutation($t: String!) { verifyEmail(token: $t) { email emailVerified communicationEmail } }`
	requestVerifyMutation   = `mutation { requestEmailVerification }`
	requestResetMutation    = `mutation($e: String!) { requestPasswordReset(email: $e) }`
	updateCommEmailMutation = `mutation($in: UpdateProfileInput!) { updateProfile(input: $in) { communicationEmail } }`
	meAddressesQuery        = `{ me { email emailVerified communicationEmail } }`
)

type addresses struct {
	Email              string `json:"email"`
	EmailVerified      bool   `json:"emailVerified"`
	CommunicationEmail string `json:"communicationEmail"`
}

// mailLinks returns the tokens of every link to path in the mail delivered
// so far to addr, oldest first.
func mailLinks(t *testing.T, n *testenv.Node, addr, path string) []string {
	t.Helper()
	msgs, err := mailer.ReadDir(n.MailDir)
	if err != nil {
		return nil
	}
	var out []string
	for _, m := range msgs {
		if strings.EqualFold(m.To, addr) {
			if tok := mailer.LinkToken(m.Text, path); tok != "" {
				out = append(out, tok)
			}
		}
	}
	return out
}

// waitLink waits up to 10 s for the count-th link to path mailed to addr
// and returns its token.
func waitLink(t *testing.T, n *testenv.Node, addr, path string, count int) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if toks := mailLinks(t, n, addr, path); len(toks) >= count {
			return toks[count-1]
		}
		if time.Now().After(deadline) {
			msgs, _ := mailer.ReadDir(n.MailDir)
			var seen []string
			for _, m := range msgs {
				seen = append(seen, m.To+": "+m.Subject)
			}
			t.Fatalf("waited for link #%d to %s mailed to %s; mail so far: %q", count, path, addr, seen)
		}
		time.Sleep(10 * time.Millisecond) // polling a folder: there is no event to wait on
	}
}

// waitMailTo waits up to 10 s for a message to addr whose text holds substr.
func waitMailTo(t *testing.T, n *testenv.Node, addr, substr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		msgs, _ := mailer.ReadDir(n.MailDir)
		for _, m := range msgs {
			if strings.EqualFold(m.To, addr) && strings.Contains(m.Text, substr) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail to %s mentioning %q", addr, substr)
		}
		time.Sleep(10 * time.Millisecond) // polling a folder: there is no event to wait on
	}
}

// mailCountTo counts the messages delivered so far to addr.
func mailCountTo(t *testing.T, n *testenv.Node, addr string) int {
	t.Helper()
	msgs, _ := mailer.ReadDir(n.MailDir)
	c := 0
	for _, m := range msgs {
		if strings.EqualFold(m.To, addr) {
			c++
		}
	}
	return c
}

func me(t *testing.T, c *testenv.Client) addresses {
	t.Helper()
	var out struct {
		Me addresses `json:"me"`
	}
	c.MustDo(t, meAddressesQuery, nil, &out)
	return out.Me
}

// proveLoginEmail asks for a proof link as c and follows it.
func proveLoginEmail(t *testing.T, n *testenv.Node, c *testenv.Client, email string, nth int) {
	t.Helper()
	c.MustDo(t, requestVerifyMutation, nil, &struct{}{})
	tok := waitLink(t, n, email, "/verify-email", nth)
	var out struct {
		V addresses `json:"verifyEmail"`
	}
	n.Client().MustDo(t, verifyEmailMutation, map[string]any{"t": tok}, &out)
	if !out.V.EmailVerified || !strings.EqualFold(out.V.Email, email) {
		t.Fatalf("verifyEmail = %+v", out.V)
	}
}

// Item 6: a stolen session sets communicationEmail to the thief's address,
// then asks for a reset link. The change needs the current password and a
// confirmation at the new address, and reset links only ever go to the
// proven login email.
func TestStolenSessionCannotRedirectSecurityMail(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		ada, _ := signUp(t, n, "ada@example.com")
		if me(t, ada).EmailVerified {
			t.Fatal("a login email is unproven until a link sent to it is followed")
		}
		proveLoginEmail(t, n, ada, "ada@example.com", 1)
		if got := me(t, ada); !got.EmailVerified {
			t.Fatalf("after verifyEmail: %+v", got)
		}

		// The thief holds a copy of Ada's session token, not her password.
		thief := n.Client()
		thief.Token = ada.Token
		t.Run("ErrNoPassword", func(t *testing.T) {
			r := thief.Do(t, updateCommEmailMutation, map[string]any{"in": map[string]any{"communicationEmail": "thief@evil.example"}})
			wantField(t, r, "currentPassword")
		})
		t.Run("ErrWrongPassword", func(t *testing.T) {
			r := thief.Do(t, updateCommEmailMutation, map[string]any{"in": map[string]any{
				"communicationEmail": "thief@evil.example", "currentPassword": "a guessed password"}})
			wantField(t, r, "currentPassword")
		})
		t.Run("ErrOverlongPassword", func(t *testing.T) {
			r := thief.Do(t, updateCommEmailMutation, map[string]any{"in": map[string]any{
				"communicationEmail": "thief@evil.example", "currentPassword": strings.Repeat("x", 300)}})
			wantField(t, r, "currentPassword")
		})
		if got := me(t, ada); got.CommunicationEmail != "ada@example.com" {
			t.Fatalf("a refused change moved the communication email: %+v", got)
		}
		var ok struct {
			R bool `json:"requestPasswordReset"`
		}
		anon := n.Client()
		anon.MustDo(t, requestResetMutation, map[string]any{"e": "ada@example.com"}, &ok)
		waitLink(t, n, "ada@example.com", "/reset-password", 1)
		if c := mailCountTo(t, n, "thief@evil.example"); c != 0 {
			t.Fatalf("%d messages reached the thief's address", c)
		}

		t.Run("ChangeTakesEffectWhenConfirmed", func(t *testing.T) {
			var out struct {
				P struct{ CommunicationEmail string } `json:"updateProfile"`
			}
			ada.MustDo(t, updateCommEmailMutation, map[string]any{"in": map[string]any{
				"communicationEmail": "ada.notify@example.org", "currentPassword": "correct horse battery"}}, &out)
			if out.P.CommunicationEmail != "ada@example.com" {
				t.Fatalf("the new address applies only once confirmed, got %q", out.P.CommunicationEmail)
			}
			tok := waitLink(t, n, "ada.notify@example.org", "/verify-email", 1)
			// The login email is told that notifications may move.
			waitMailTo(t, n, "ada@example.com", "ada.notify@example.org")
			var v struct {
				V addresses `json:"verifyEmail"`
			}
			n.Client().MustDo(t, verifyEmailMutation, map[string]any{"t": tok}, &v)
			if v.V.CommunicationEmail != "ada.notify@example.org" || me(t, ada).CommunicationEmail != "ada.notify@example.org" {
				t.Fatalf("after confirming: %+v", v.V)
			}
			if r := n.Client().Do(t, verifyEmailMutation, map[string]any{"t": tok}); r.Code() != "TOKEN_INVALID" {
				t.Fatalf("second use: %+v", r.Errors)
			}
			// Even a proven communication email gets no reset links.
			anon.MustDo(t, requestResetMutation, map[string]any{"e": "ada@example.com"}, &ok)
			waitLink(t, n, "ada@example.com", "/reset-password", 2)
			if toks := mailLinks(t, n, "ada.notify@example.org", "/reset-password"); len(toks) != 0 {
				t.Fatalf("a reset link went to the communication email")
			}
		})

		t.Run("ErrPendingChangeEndsWithThePassword", func(t *testing.T) {
			ada.MustDo(t, updateCommEmailMutation, map[string]any{"in": map[string]any{
				"communicationEmail": "later@example.org", "currentPassword": "correct horse battery"}}, &struct{}{})
			tok := waitLink(t, n, "later@example.org", "/verify-email", 1)
			ada.MustDo(t, `mutation($in: ChangePasswordInput!) { changePassword(input: $in) }`, map[string]any{"in": map[string]any{
				"currentPassword": "correct horse battery", "newPassword": "a brand new password"}}, &struct{}{})
			wantCode(t, n.Client().Do(t, verifyEmailMutation, map[string]any{"t": tok}), "TOKEN_INVALID")
			if got := me(t, ada).CommunicationEmail; got != "ada.notify@example.org" {
				t.Fatalf("communication email %q", got)
			}
		})

		t.Run("ClearingNeedsNoPassword", func(t *testing.T) {
			var out struct {
				P struct{ CommunicationEmail string } `json:"updateProfile"`
			}
			thief.MustDo(t, updateCommEmailMutation, map[string]any{"in": map[string]any{"communicationEmail": ""}}, &out)
			if out.P.CommunicationEmail != "ada@example.com" {
				t.Fatalf("cleared: %q", out.P.CommunicationEmail)
			}
		})
	})
}

// Item 7: a manager invites ceo@victim.example with the invitation mailed to
// an address they control, and accepts it. The accepted login email is
// unproven: the real owner's resets go to the address itself, their
// sign-up is not refused but claims the address through a link mailed to
// it, and the attacker loses it.
func TestInvitedElsewhereCannotHoldLoginEmail(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		acme := newTenant(t, n, "owner@acme.example")
		manager := n.AddMember(t, acme.root, "manager@acme.example", models.Grant{Role: models.RoleManager})
		mustInvite(t, manager, map[string]any{"accountIds": []string{acme.root}, "emails": "ceo@victim.example",
			"communicationEmail": "mallory@evil.example"})
		tok := waitLink(t, n, "mallory@evil.example", "/accept-invitation", 1)
		var acc acceptPayload
		accept(t, n.Client(), newPerson(tok)).Decode(t, &acc)
		attacker := n.Client()
		attacker.Token = acc.AcceptInvitation.Token
		if got := me(t, attacker); got.Email != "ceo@victim.example" || got.EmailVerified || got.CommunicationEmail != "mallory@evil.example" {
			t.Fatalf("the accepted identity: %+v", got)
		}

		// The real owner's reset link goes to the address itself.
		anon := n.Client()
		anon.MustDo(t, requestResetMutation, map[string]any{"e": "ceo@victim.example"}, &struct{}{})
		waitLink(t, n, "ceo@victim.example", "/reset-password", 1)
		if toks := mailLinks(t, n, "mallory@evil.example", "/reset-password"); len(toks) != 0 {
			t.Fatal("a reset link for ceo@victim.example went to the attacker")
		}

		// The real owner signs up: not CONFLICT, a claim link to the address.
		signUpIn := map[string]any{"organizationName": "Victim Corp", "email": "CEO@victim.example",
			"password": "the real ceo password", "firstName": "Vera", "lastName": "Owner"}
		r := n.Client().Do(t, signUpMutation, map[string]any{"in": signUpIn})
		wantCode(t, r, "EMAIL_PROOF_SENT")
		claim := waitLink(t, n, "CEO@victim.example", "/verify-email", 1)
		if toks := mailLinks(t, n, "mallory@evil.example", "/verify-email"); len(toks) != 0 {
			t.Fatal("a claim link went to the attacker")
		}
		// Until the link is followed nothing changed.
		if got := me(t, attacker); got.Email != "ceo@victim.example" {
			t.Fatalf("before the claim: %+v", got)
		}
		var v struct {
			V addresses `json:"verifyEmail"`
		}
		n.Client().MustDo(t, verifyEmailMutation, map[string]any{"t": claim}, &v)
		if !v.V.EmailVerified || !strings.EqualFold(v.V.CommunicationEmail, "ceo@victim.example") {
			t.Fatalf("after the claim: %+v", v.V)
		}

		// The attacker holds nothing any more.
		if !refused(t, attacker) {
			t.Fatal("the attacker's session survived the claim")
		}
		if r := n.Client().Do(t, signInMutation, map[string]any{"in": map[string]any{"email": "ceo@victim.example", "password": "a long enough secret"}}); r.Code() == "" {
			t.Fatal("the attacker's password still signs in")
		}
		owner := signInAgain(t, n, "ceo@victim.example", "the real ceo password", safariIOS)
		if got := me(t, owner); !strings.EqualFold(got.Email, "ceo@victim.example") || !got.EmailVerified || got.CommunicationEmail != got.Email {
			t.Fatalf("the owner's identity: %+v", got)
		}
		if names := orgNames(t, owner); !containsString(names, "Victim Corp") {
			t.Fatalf("the claim finishes the sign-up: organizations %q", names)
		}
		// Their resets go to them; a second sign-up now answers CONFLICT.
		anon.MustDo(t, requestResetMutation, map[string]any{"e": "ceo@victim.example"}, &struct{}{})
		waitLink(t, n, "ceo@victim.example", "/reset-password", 2)
		if c := len(mailLinks(t, n, "mallory@evil.example", "/reset-password")); c != 0 {
			t.Fatal("a reset link went to the attacker")
		}
		signUpIn["password"] = "the attacker again"
		wantCode(t, n.Client().Do(t, signUpMutation, map[string]any{"in": signUpIn}), "CONFLICT")
		if r := n.Client().Do(t, verifyEmailMutation, map[string]any{"t": claim}); r.Code() != "TOKEN_INVALID" {
			t.Fatalf("second use of a claim link: %+v", r.Errors)
		}
	})
}

// An invitation mailed to the invited address itself proves it on
// acceptance; a proven holder keeps the address against any sign-up.
func TestInvitationMailedToTheAddressProvesIt(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		acme := newTenant(t, n, "owner@acme.example")
		mustInvite(t, acme.owner, map[string]any{"accountIds": []string{acme.root}, "emails": "grace@acme.example"})
		tok := waitLink(t, n, "grace@acme.example", "/accept-invitation", 1)
		var acc acceptPayload
		accept(t, n.Client(), newPerson(tok)).Decode(t, &acc)
		grace := n.Client()
		grace.Token = acc.AcceptInvitation.Token
		if got := me(t, grace); !got.EmailVerified {
			t.Fatalf("accepting a link mailed to the login email proves it: %+v", got)
		}
		r := n.Client().Do(t, signUpMutation, map[string]any{"in": map[string]any{"organizationName": "X", "email": "grace@acme.example",
			"password": "correct horse battery", "firstName": "X", "lastName": "Y"}})
		wantCode(t, r, "CONFLICT")
	})
}

// An identity that moves its login email away from an address it never
// proved leaves that address free for its owner; a proven one keeps it.
func TestUnprovenFormerAddressIsReleased(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		c, _ := signUp(t, n, "typo@exmaple.com")
		c.MustDo(t, `mutation($in: RequestEmailChangeInput!) { requestEmailChange(input: $in) }`,
			map[string]any{"in": map[string]any{"newEmail": "right@example.com", "currentPassword": "correct horse battery"}}, &struct{}{})
		tok := waitLink(t, n, "right@example.com", "/confirm-email", 1)
		n.Client().MustDo(t, `mutation($t: String!) { confirmEmailChange(token: $t) { email } }`, map[string]any{"t": tok}, &struct{}{})
		if got := me(t, c); got.Email != "right@example.com" || !got.EmailVerified {
			t.Fatalf("a confirmed login email is proven: %+v", got)
		}
		// The owner of the typo address can now sign up with it.
		signUp(t, n, "typo@exmaple.com")
	})
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
