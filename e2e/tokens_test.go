package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/mailer"
)

// behindProxy makes a node believe X-Forwarded-For from the test client
// (127.0.0.1), so a test can speak from several client addresses.
var behindProxy = map[string]string{"TRUSTED_PROXIES": "127.0.0.1"}

// clientFrom is an anonymous client whose address, for a node started with
// behindProxy, is ip.
func clientFrom(n *testenv.Node, ip string) *testenv.Client {
	c := n.Client()
	c.Header = http.Header{"X-Forwarded-For": {ip}}
	return c
}

const (
	resetMutation        = `mutation($in: ResetPasswordInput!) { resetPassword(input: $in) { token user { email } } }`
	emailChangeMutation  = `mutation($in: RequestEmailChangeInput!) { requestEmailChange(input: $in) }`
	confirmEmailMutation = `mutation($t: String!) { confirmEmailChange(token: $t) { email } }`
	changePwMutation     = `mutation($in: ChangePasswordInput!) { changePassword(input: $in) }`
)

// newLink waits for a message to addr, after the first before messages,
// with a link to path, and returns the link's token.
func newLink(t *testing.T, n *testenv.Node, before int, addr, path string) string {
	t.Helper()
	for min := before + 1; ; min++ {
		msgs := n.Mail(t, min)
		for _, m := range msgs[before:] {
			if strings.EqualFold(m.To, addr) {
				if tok := mailer.LinkToken(m.Text, path); tok != "" {
					return tok
				}
			}
		}
	}
}

// resetLink asks for a reset link for email and returns its token.
func resetLink(t *testing.T, n *testenv.Node, c *testenv.Client, email string) string {
	t.Helper()
	before := len(n.Mail(t, 0))
	c.MustDo(t, requestResetMutation, map[string]any{"e": email}, new(struct{ R bool }))
	return newLink(t, n, before, email, "/reset-password")
}

// emailChangeLink asks, as c, to move the login email to newEmail and
// returns the token of the confirmation link mailed there.
func emailChangeLink(t *testing.T, n *testenv.Node, c *testenv.Client, newEmail string) string {
	t.Helper()
	before := len(n.Mail(t, 0))
	c.MustDo(t, emailChangeMutation, map[string]any{"in": map[string]any{"newEmail": newEmail, "currentPassword": "correct horse battery"}},
		new(struct{ R bool }))
	return newLink(t, n, before, newEmail, "/confirm-email")
}

func loginEmail(t *testing.T, c *testenv.Client) string {
	t.Helper()
	var out struct {
		Me struct{ Email string } `json:"me"`
	}
	c.MustDo(t, `{ me { email } }`, nil, &out)
	return out.Me.Email
}

// Issue 10 item 8: an attacker with a stolen session asks to move the login
// email to their address; the person resets their password; the attacker's
// confirmation link must not work afterwards.
func TestPasswordResetEndsPendingEmailChange(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		stolen, _ := signUp(t, n, "ada@example.com")
		confirm := emailChangeLink(t, n, stolen, "mallory@evil.example")
		reset := resetLink(t, n, n.Client(), "ada@example.com")

		var out struct {
			ResetPassword struct{ Token string } `json:"resetPassword"`
		}
		n.Client().MustDo(t, resetMutation, map[string]any{"in": map[string]any{"token": reset, "newPassword": "brand new password"}}, &out)

		wantCode(t, n.Client().Do(t, confirmEmailMutation, map[string]any{"t": confirm}), "TOKEN_INVALID")
		ada := n.Client()
		ada.Token = out.ResetPassword.Token
		if got := loginEmail(t, ada); got != "ada@example.com" {
			t.Fatalf("login email after the refused confirmation: %q", got)
		}
		r := n.Client().Do(t, signInMutation, map[string]any{"in": map[string]any{"email": "mallory@evil.example", "password": "brand new password"}})
		wantCode(t, r, "UNAUTHENTICATED")
		// The stolen session is gone too.
		wantCode(t, stolen.Do(t, `mutation { signOut }`, nil), "UNAUTHENTICATED")
	})
}

// Issue 10 item 8: changePassword ends every reset link and pending email
// change issued before it, signs out every other device and keeps this one.
func TestChangePasswordEndsLinksAndOtherSessions(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		c, _ := signUp(t, n, "ada@example.com")
		other := signInAgain(t, n, "ada@example.com", "correct horse battery", firefoxWindows)
		reset := resetLink(t, n, n.Client(), "ada@example.com")
		confirm := emailChangeLink(t, n, other, "mallory@evil.example")

		var ok struct {
			OK bool `json:"changePassword"`
		}
		c.MustDo(t, changePwMutation, map[string]any{"in": map[string]any{"currentPassword": "correct horse battery", "newPassword": "brand new password"}}, &ok)

		t.Run("ErrResetLinkIssuedBefore", func(t *testing.T) {
			r := n.Client().Do(t, resetMutation, map[string]any{"in": map[string]any{"token": reset, "newPassword": "attacker password"}})
			wantCode(t, r, "TOKEN_INVALID")
		})
		t.Run("ErrEmailChangeRequestedBefore", func(t *testing.T) {
			wantCode(t, n.Client().Do(t, confirmEmailMutation, map[string]any{"t": confirm}), "TOKEN_INVALID")
			if got := loginEmail(t, c); got != "ada@example.com" {
				t.Fatalf("login email %q", got)
			}
		})
		t.Run("OtherSessionsSignedOut", func(t *testing.T) {
			wantCode(t, other.Do(t, `mutation { signOut }`, nil), "UNAUTHENTICATED")
		})
		t.Run("CurrentSessionKept", func(t *testing.T) {
			if refused(t, c) {
				t.Fatal("the device that changed the password was signed out")
			}
		})
		signInAgain(t, n, "ada@example.com", "brand new password", safariIOS)
	})
}

// limiterBackends runs fn on a node of its own on every store, with the
// in-process limiter and, when TEST_REDIS_URL is set, with the Redis one.
func limiterBackends(t *testing.T, fn func(t *testing.T, n *testenv.Node)) {
	t.Run("InProcess", func(t *testing.T) {
		testenv.Each(t, func(t *testing.T, store testenv.Store) {
			fn(t, testenv.StartNode(t, store, testenv.NodeOptions{Env: behindProxy}))
		})
	})
	t.Run("Redis", func(t *testing.T) {
		if u, _ := testenv.Redis(t); u == "" {
			t.Skip("TEST_REDIS_URL not set")
		}
		testenv.Each(t, func(t *testing.T, store testenv.Store) {
			fn(t, testenv.StartNode(t, store, testenv.NodeOptions{Env: behindProxy, Redis: true}))
		})
	})
}

func wantRateLimited(t *testing.T, r *testenv.Response) {
	t.Helper()
	wantCode(t, r, "RATE_LIMITED")
	if s, ok := r.Errors[0].Extensions["retryAfterSeconds"].(float64); !ok || s < 1 {
		t.Fatalf("retryAfterSeconds missing: %+v", r.Errors[0].Extensions)
	}
}

// Issue 10 item 9: every token-taking operation is throttled per client IP:
// 10 failed uses at once (limitTokenIP's burst), then RATE_LIMITED. Only
// failures count, and another address is not affected.
func TestTokenOperationsThrottledPerIP(t *testing.T) {
	limiterBackends(t, func(t *testing.T, n *testenv.Node) {
		const burst = 10
		bogus := "bogus-token-0123456789abcdef0123456789abcdef"
		ops := []struct {
			name, ip  string
			do        func(t *testing.T, c *testenv.Client) *testenv.Response
			failedUse func(r *testenv.Response) bool
		}{
			{"resetPassword", "203.0.113.1", func(t *testing.T, c *testenv.Client) *testenv.Response {
				return c.Do(t, resetMutation, map[string]any{"in": map[string]any{"token": bogus, "newPassword": "brand new password"}})
			}, func(r *testenv.Response) bool { return r.Code() == "TOKEN_INVALID" }},
			{"acceptInvitation", "203.0.113.2", func(t *testing.T, c *testenv.Client) *testenv.Response {
				return accept(t, c, newPerson(bogus))
			}, func(r *testenv.Response) bool { return r.Code() == "TOKEN_INVALID" }},
			{"confirmEmailChange", "203.0.113.3", func(t *testing.T, c *testenv.Client) *testenv.Response {
				return c.Do(t, confirmEmailMutation, map[string]any{"t": bogus})
			}, func(r *testenv.Response) bool { return r.Code() == "TOKEN_INVALID" }},
			{"invitationPreview", "203.0.113.4", func(t *testing.T, c *testenv.Client) *testenv.Response {
				return c.Do(t, previewQuery, map[string]any{"t": bogus})
			}, func(r *testenv.Response) bool {
				return len(r.Errors) == 0 && string(r.Data) == `{"invitationPreview":null}`
			}},
		}
		for _, op := range ops {
			t.Run(op.name, func(t *testing.T) {
				c := clientFrom(n, op.ip)
				for i := 0; i < burst; i++ {
					if r := op.do(t, c); !op.failedUse(r) {
						t.Fatalf("bogus use %d: %+v (data %s)", i+1, r.Errors, r.Data)
					}
				}
				wantRateLimited(t, op.do(t, c))
			})
		}
		t.Run("OneBucketForEveryOperation", func(t *testing.T) {
			wantRateLimited(t, clientFrom(n, "203.0.113.1").Do(t, confirmEmailMutation, map[string]any{"t": bogus}))
		})
		t.Run("OtherAddressUnaffected", func(t *testing.T) {
			signUp(t, n, "ada@example.com")
			tok := resetLink(t, n, n.Client(), "ada@example.com")
			clientFrom(n, "203.0.113.9").MustDo(t, resetMutation,
				map[string]any{"in": map[string]any{"token": tok, "newPassword": "brand new password"}}, new(struct{ R any }))
		})
		t.Run("SuccessesDoNotCount", func(t *testing.T) {
			acme := newTenant(t, n, "owner@acme.example")
			before := len(n.Mail(t, 0))
			mustInvite(t, acme.owner, map[string]any{"accountIds": []string{acme.root}, "emails": "grace@acme.example"})
			tok := newLink(t, n, before, "grace@acme.example", "/accept-invitation")
			c := clientFrom(n, "203.0.113.10")
			for i := 0; i < 2*burst; i++ {
				var pv struct {
					InvitationPreview *struct{ Status string } `json:"invitationPreview"`
				}
				c.MustDo(t, previewQuery, map[string]any{"t": tok}, &pv)
				if pv.InvitationPreview == nil || pv.InvitationPreview.Status != "PENDING" {
					t.Fatalf("preview %d: %+v", i+1, pv.InvitationPreview)
				}
			}
			var out acceptPayload
			accept(t, c, newPerson(tok)).Decode(t, &out)
		})
	})
}

// Issue 10 item 10: a flood of failed sign-ins for one person from one
// address does not lock the person out from another. The per-IP limit, the
// per-email ceiling and "only failures count" are held by
// TestSignInAttemptLimits in db/, where 200 attempts cost no password hash.
func TestSignInFloodFromOneAddressDoesNotLockOut(t *testing.T) {
	limiterBackends(t, func(t *testing.T, n *testenv.Node) {
		signUp(t, n, "ada@example.com")
		signIn := func(ip, email, password string) *testenv.Response {
			return clientFrom(n, ip).Do(t, signInMutation, map[string]any{"in": map[string]any{"email": email, "password": password}})
		}
		for i := 0; i < 10; i++ {
			wantCode(t, signIn("203.0.113.1", "ada@example.com", "wrong password!"), "UNAUTHENTICATED")
		}
		for i := 0; i < 5; i++ {
			wantRateLimited(t, signIn("203.0.113.1", "ADA@example.com", "wrong password!"))
		}
		// The right password from the flooding address is refused too: the
		// throttle is no oracle.
		wantRateLimited(t, signIn("203.0.113.1", "ada@example.com", "correct horse battery"))
		// From anywhere else the person signs in.
		if r := signIn("203.0.113.2", "ada@example.com", "correct horse battery"); len(r.Errors) != 0 {
			t.Fatalf("locked out from another address: %+v", r.Errors)
		}
	})
}

// openSocket connects a graphql-transport-ws socket as c and waits for the
// acknowledgement.
func openSocket(t *testing.T, n *testenv.Node, c *testenv.Client) *wsClient {
	t.Helper()
	ws, _, err := dialWS(t, n, "graphql-transport-ws", "http://localhost:8080")
	if err != nil {
		t.Fatal(err)
	}
	ws.send(map[string]any{"type": "connection_init", "payload": map[string]any{"authToken": c.Token}})
	if m, code := ws.read(5 * time.Second); code != 0 || m["type"] != "connection_ack" {
		t.Fatalf("want connection_ack, got %v %d", m, code)
	}
	return ws
}

// waitClosed waits up to 5 s for ws to close with code; it goes past
// keep-alives and the end of earlier operations, not new results.
func waitClosed(t *testing.T, ws *wsClient, code int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		m, got := ws.read(time.Until(deadline))
		if got == code {
			return
		}
		if got != 0 || m["type"] == "next" || time.Now().After(deadline) {
			t.Fatalf("want close %d, got %d (%v)", code, got, m)
		}
	}
}

// stillServes runs a query over ws and waits for its result.
func stillServes(t *testing.T, ws *wsClient, id string) {
	t.Helper()
	ws.send(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": "{ me { email } }"}})
	for {
		m, code := ws.read(5 * time.Second)
		if code != 0 {
			t.Fatalf("the socket closed with %d", code)
		}
		if m["type"] == "next" && m["id"] == id {
			if !strings.Contains(mustJSON(m["payload"]), "ada@example.com") {
				t.Fatalf("result %v", m)
			}
			return
		}
	}
}

// Issue 10 item 8: the sessions a password change or reset signs out lose
// their open sockets too (4403), through the same notifier as a sign-out.
func TestPasswordChangeAndResetCloseSockets(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		c, _ := signUp(t, n, "ada@example.com")
		other := signInAgain(t, n, "ada@example.com", "correct horse battery", firefoxWindows)
		mine, theirs := openSocket(t, n, c), openSocket(t, n, other)

		c.MustDo(t, changePwMutation, map[string]any{"in": map[string]any{"currentPassword": "correct horse battery", "newPassword": "brand new password"}},
			new(struct{ OK bool }))
		waitClosed(t, theirs, 4403)
		stillServes(t, mine, "1")

		tok := resetLink(t, n, n.Client(), "ada@example.com")
		n.Client().MustDo(t, resetMutation, map[string]any{"in": map[string]any{"token": tok, "newPassword": "another new password"}}, new(struct{ R any }))
		waitClosed(t, mine, 4403)
	})
}
