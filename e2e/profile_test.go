package e2e

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/mailer"
)

const signInMutation = testenv.SignInMutation

// signInAgain opens another session (device) for email.
func signInAgain(t *testing.T, n *testenv.Node, email, password, ua string) *testenv.Client {
	t.Helper()
	c, _ := signInAs(t, n, email, password, ua)
	return c
}

// signInAs signs in and returns the client and its session's id.
func signInAs(t *testing.T, n *testenv.Node, email, password, ua string) (*testenv.Client, string) {
	t.Helper()
	return n.SignIn(t, email, password, ua)
}

func refused(t *testing.T, c *testenv.Client) bool {
	t.Helper()
	r := c.Do(t, `{ me { id } }`, nil)
	return string(r.Data) == `{"me":null}`
}

type sessionRow struct {
	ID         string `json:"id"`
	DeviceName string `json:"deviceName"`
	Current    bool   `json:"current"`
	IPAddress  string `json:"ipAddress"`
	Connected  bool   `json:"connected"`
}

func mySessions(t *testing.T, c *testenv.Client) []sessionRow {
	t.Helper()
	var out struct {
		Me struct {
			Sessions []sessionRow `json:"sessions"`
		} `json:"me"`
	}
	c.MustDo(t, `{ me { sessions { id deviceName current ipAddress connected lastSeenAt createdAt expiresAt userAgent } } }`, nil, &out)
	return out.Me.Sessions
}

const firefoxWindows = testenv.FirefoxWindows
const safariIOS = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"

func TestConnectedDevices(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		mac, _ := signUp(t, n, "ada@example.com")
		win := signInAgain(t, n, "ada@example.com", "correct horse battery", firefoxWindows)
		phone := signInAgain(t, n, "ada@example.com", "correct horse battery", safariIOS)

		sessions := mySessions(t, mac)
		if len(sessions) != 3 {
			t.Fatalf("want 3 devices, got %+v", sessions)
		}
		names := map[string]bool{}
		current := 0
		var winID string
		for _, s := range sessions {
			names[s.DeviceName] = true
			if s.Current {
				current++
				if s.DeviceName != "Chrome on macOS" {
					t.Fatalf("current device is %q", s.DeviceName)
				}
			}
			if s.DeviceName == "Firefox on Windows" {
				winID = s.ID
			}
			if s.IPAddress != "127.0.0.1" {
				t.Fatalf("ip %q", s.IPAddress)
			}
		}
		if current != 1 || !names["Firefox on Windows"] || !names["Safari on iOS"] {
			t.Fatalf("devices %+v", sessions)
		}

		t.Run("SignOutOneDevice", func(t *testing.T) {
			var out struct {
				SignOutSession struct{ ID string } `json:"signOutSession"`
			}
			mac.MustDo(t, `mutation($id: ID!) { signOutSession(id: $id) { id } }`, map[string]any{"id": winID}, &out)
			if !refused(t, win) {
				t.Fatal("the signed-out device's token still works")
			}
			if refused(t, mac) || refused(t, phone) {
				t.Fatal("other devices were signed out too")
			}
		})

		t.Run("ErrAnotherPersonsSession", func(t *testing.T) {
			other, _ := signUp(t, n, "grace@example.com")
			r := other.Do(t, `mutation($id: ID!) { signOutSession(id: $id) { id } }`, map[string]any{"id": sessions[0].ID})
			if r.Code() != "NOT_FOUND" {
				t.Fatalf("want NOT_FOUND, got %+v", r.Errors)
			}
			var me struct {
				Me struct{ ID string } `json:"me"`
			}
			mac.MustDo(t, `{ me { id } }`, nil, &me)
			r = other.Do(t, `query($id: ID!) { node(id: $id) { ... on User { sessions { id } } } }`, map[string]any{"id": me.Me.ID})
			if r.Code() != "NOT_FOUND" && r.Code() != "FORBIDDEN" {
				t.Fatalf("another person's sessions must not be readable: %s %+v", r.Data, r.Errors)
			}
		})

		t.Run("SignOutOthers", func(t *testing.T) {
			extra := signInAgain(t, n, "ada@example.com", "correct horse battery", firefoxWindows)
			var out struct {
				N int `json:"signOutOtherSessions"`
			}
			mac.MustDo(t, `mutation { signOutOtherSessions }`, nil, &out)
			if out.N != 2 {
				t.Fatalf("want 2 devices signed out, got %d", out.N)
			}
			if !refused(t, phone) || !refused(t, extra) || refused(t, mac) {
				t.Fatal("signOutOtherSessions signed out the wrong devices")
			}
			if got := mySessions(t, mac); len(got) != 1 || !got[0].Current {
				t.Fatalf("remaining devices %+v", got)
			}
		})
	})
}

func TestPasswordReset(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true, Env: behindProxy})
		owner, _ := signUp(t, n, "ada@example.com")
		anon := n.Client()
		req := `mutation($e: String!) { requestPasswordReset(email: $e) }`
		var ok struct {
			R bool `json:"requestPasswordReset"`
		}
		start := time.Now()
		anon.MustDo(t, req, map[string]any{"e": "nobody@example.com"}, &ok)
		unknownTook := time.Since(start)
		if !ok.R {
			t.Fatal("unknown address must answer true")
		}
		start = time.Now()
		anon.MustDo(t, req, map[string]any{"e": "ADA@example.com"}, &ok)
		knownTook := time.Since(start)
		// Both answers wait for the same floor, so timing does not tell
		// a known address from an unknown one.
		if unknownTook < 250*time.Millisecond || knownTook < 250*time.Millisecond {
			t.Fatalf("answers must not come back before the floor: unknown %v, known %v", unknownTook, knownTook)
		}
		anon.MustDo(t, req, map[string]any{"e": "ada@example.com"}, &ok)
		msgs := n.Mail(t, 2)
		var resets []mailer.Received
		for _, m := range msgs {
			if strings.Contains(m.Text, "/reset-password?token=") {
				resets = append(resets, m)
			}
		}
		if len(resets) != 2 || resets[0].To != "ada@example.com" {
			t.Fatalf("want two reset mails to ada, got %+v", msgs)
		}
		older, newer := mailer.LinkToken(resets[0].Text, "/reset-password"), mailer.LinkToken(resets[1].Text, "/reset-password")
		if older == "" || newer == "" || older == newer {
			t.Fatalf("tokens %q %q", older, newer)
		}
		reset := `mutation($in: ResetPasswordInput!) { resetPassword(input: $in) { token user { email } } }`

		t.Run("ErrOlderLinkInvalidated", func(t *testing.T) {
			r := anon.Do(t, reset, map[string]any{"in": map[string]any{"token": older, "newPassword": "brand new password"}})
			if r.Code() != "TOKEN_INVALID" {
				t.Fatalf("want TOKEN_INVALID, got %+v", r.Errors)
			}
		})
		t.Run("ErrWeakPasswordKeepsLink", func(t *testing.T) {
			r := anon.Do(t, reset, map[string]any{"in": map[string]any{"token": newer, "newPassword": "short"}})
			if r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "newPassword" {
				t.Fatalf("want BAD_USER_INPUT newPassword, got %+v", r.Errors)
			}
		})
		t.Run("OK", func(t *testing.T) {
			var out struct {
				ResetPassword struct {
					Token string `json:"token"`
				} `json:"resetPassword"`
			}
			anon.MustDo(t, reset, map[string]any{"in": map[string]any{"token": newer, "newPassword": "brand new password"}}, &out)
			if !refused(t, owner) {
				t.Fatal("resetting the password must sign out every device")
			}
			c := n.Client()
			c.Token = out.ResetPassword.Token
			if refused(t, c) {
				t.Fatal("the device that reset the password is signed in")
			}
			signInAgain(t, n, "ada@example.com", "brand new password", safariIOS)
		})
		t.Run("ErrUsedTwice", func(t *testing.T) {
			r := anon.Do(t, reset, map[string]any{"in": map[string]any{"token": newer, "newPassword": "another new password"}})
			if r.Code() != "TOKEN_INVALID" {
				t.Fatalf("want TOKEN_INVALID, got %+v", r.Errors)
			}
		})
		t.Run("ConcurrentUsesOneWins", func(t *testing.T) {
			anon.MustDo(t, req, map[string]any{"e": "ada@example.com"}, &ok)
			msgs := n.Mail(t, 3)
			token := mailer.LinkToken(msgs[len(msgs)-1].Text, "/reset-password")
			var wg sync.WaitGroup
			var mu sync.Mutex
			wins, invalid := 0, 0
			for i := 0; i < 16; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					// One address per client: the 15 refused uses must not
					// meet the per-IP throttle of token-taking mutations.
					r := clientFrom(n, fmt.Sprintf("198.51.100.%d", i+1)).Do(t, reset, map[string]any{"in": map[string]any{"token": token, "newPassword": "concurrent password"}})
					mu.Lock()
					defer mu.Unlock()
					switch r.Code() {
					case "":
						wins++
					case "TOKEN_INVALID":
						invalid++
					default:
						t.Errorf("unexpected %+v", r.Errors)
					}
				}()
			}
			wg.Wait()
			if wins != 1 || invalid != 15 {
				t.Fatalf("16 concurrent uses: %d succeeded, %d refused", wins, invalid)
			}
		})
	})
}

func TestChangePassword(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		c, _ := signUp(t, n, "ada@example.com")
		other := signInAgain(t, n, "ada@example.com", "correct horse battery", firefoxWindows)
		q := `mutation($in: ChangePasswordInput!) { changePassword(input: $in) }`
		r := c.Do(t, q, map[string]any{"in": map[string]any{"currentPassword": "wrong password", "newPassword": "brand new password"}})
		if r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "currentPassword" {
			t.Fatalf("wrong current password: %+v", r.Errors)
		}
		if refused(t, other) {
			t.Fatal("a refused change signed devices out")
		}
		var out struct {
			OK bool `json:"changePassword"`
		}
		c.MustDo(t, q, map[string]any{"in": map[string]any{"currentPassword": "correct horse battery", "newPassword": "brand new password"}}, &out)
		if refused(t, c) || !refused(t, other) {
			t.Fatal("changePassword keeps this device and signs out the others")
		}
		signInAgain(t, n, "ada@example.com", "brand new password", safariIOS)
		if r := n.Client().Do(t, q, map[string]any{"in": map[string]any{"currentPassword": "x", "newPassword": "y"}}); r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("anonymous changePassword: %+v", r.Errors)
		}
	})
}

func TestUpdateProfile(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		c, _ := signUp(t, n, "ada@example.com")
		q := `mutation($in: UpdateProfileInput!) { updateProfile(input: $in) {
			firstName lastName displayName phone defaultSendingCountry preferredLanguage communicationEmail avatarUrl email } }`
		type profile struct {
			FirstName, LastName, DisplayName, PreferredLanguage, CommunicationEmail, Email string
			Phone, DefaultSendingCountry, AvatarURL                                        *string
		}
		var out struct {
			P profile `json:"updateProfile"`
		}
		c.MustDo(t, q, map[string]any{"in": map[string]any{
			"firstName": "Augusta", "displayName": "Ada L.", "defaultSendingCountry": "fr", "phone": "06 12 34 56 78",
			"preferredLanguage": "fr-fr", "communicationEmail": "ada.notify@example.org", "avatarUrl": "https://cdn.example.com/a.png",
			"currentPassword": "correct horse battery",
		}}, &out)
		p := out.P
		// A new communication email applies only once the link mailed to
		// it is followed (TestStolenSessionCannotRedirectSecurityMail).
		if p.FirstName != "Augusta" || p.DisplayName != "Ada L." || *p.Phone != "+33612345678" || *p.DefaultSendingCountry != "FR" ||
			p.PreferredLanguage != "fr-FR" || p.CommunicationEmail != "ada@example.com" || *p.AvatarURL != "https://cdn.example.com/a.png" ||
			p.Email != "ada@example.com" {
			t.Fatalf("profile %+v", p)
		}
		bad := []struct{ field, value string }{
			{"phone", "12"}, {"defaultSendingCountry", "XX"}, {"preferredLanguage", "not a language!"},
			{"communicationEmail", "nope"}, {"avatarUrl", "javascript:alert(1)"}, {"firstName", ""},
		}
		for _, b := range bad {
			t.Run("Err_"+b.field, func(t *testing.T) {
				r := c.Do(t, q, map[string]any{"in": map[string]any{b.field: b.value, "lastName": "Changed"}})
				if r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != b.field {
					t.Fatalf("want BAD_USER_INPUT on %s, got %+v", b.field, r.Errors)
				}
			})
		}
		var me struct {
			Me profile `json:"me"`
		}
		c.MustDo(t, `{ me { lastName firstName } }`, nil, &me)
		if me.Me.LastName != "Lovelace" {
			t.Fatalf("a refused update wrote something: %+v", me.Me)
		}
		// Clearing optional fields.
		c.MustDo(t, q, map[string]any{"in": map[string]any{"phone": "", "communicationEmail": "", "displayName": ""}}, &out)
		if out.P.Phone != nil || out.P.CommunicationEmail != "ada@example.com" || out.P.DisplayName != "Augusta Lovelace" {
			t.Fatalf("cleared profile %+v", out.P)
		}

		var prefs struct {
			P struct{ DesktopNotifications, BrowserBadges, Sounds bool } `json:"updateNotificationPreferences"`
		}
		c.MustDo(t, `mutation { updateNotificationPreferences(input: {sounds: false}) { desktopNotifications browserBadges sounds } }`, nil, &prefs)
		if !prefs.P.DesktopNotifications || !prefs.P.BrowserBadges || prefs.P.Sounds {
			t.Fatalf("prefs %+v", prefs.P)
		}
		var again struct {
			Me struct {
				NotificationPreferences struct{ Sounds bool } `json:"notificationPreferences"`
			} `json:"me"`
		}
		c.MustDo(t, `{ me { notificationPreferences { sounds } } }`, nil, &again)
		if again.Me.NotificationPreferences.Sounds {
			t.Fatal("preferences not stored")
		}
	})
}

func TestEmailChange(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		c, _ := signUp(t, n, "ada@example.com")
		// Ada proves her address, so it stays hers after she moves on
		// (an unproven one is released: TestUnprovenFormerAddressIsReleased).
		proveLoginEmail(t, n, c, "ada@example.com", 1)
		taken, _ := signUp(t, n, "taken@example.com")
		proveLoginEmail(t, n, taken, "taken@example.com", 1)
		q := `mutation($in: RequestEmailChangeInput!) { requestEmailChange(input: $in) }`
		if r := c.Do(t, q, map[string]any{"in": map[string]any{"newEmail": "new@example.com", "currentPassword": "wrong"}}); r.Code() != "BAD_USER_INPUT" {
			t.Fatalf("wrong password: %+v", r.Errors)
		}
		if r := c.Do(t, q, map[string]any{"in": map[string]any{"newEmail": "TAKEN@example.com", "currentPassword": "correct horse battery"}}); r.Code() != "CONFLICT" {
			t.Fatalf("taken address: %+v", r.Errors)
		}
		var ok struct {
			OK bool `json:"requestEmailChange"`
		}
		if got := directorySearch(t, c, "new@example"); len(got) != 0 {
			t.Fatalf("found by an address not yet hers: %v", got)
		}
		c.MustDo(t, q, map[string]any{"in": map[string]any{"newEmail": "new@example.com", "currentPassword": "correct horse battery"}}, &ok)
		waitLink(t, n, "new@example.com", "/confirm-email", 1)
		waitMailTo(t, n, "ada@example.com", "new@example.com")
		msgs := n.Mail(t, 4)
		var token string
		notice := false
		for _, m := range msgs {
			if m.To == "new@example.com" {
				token = mailer.LinkToken(m.Text, "/confirm-email")
			}
			if m.To == "ada@example.com" && strings.Contains(m.Text, "new@example.com") {
				notice = true
			}
		}
		if token == "" || !notice {
			t.Fatalf("want a confirmation to the new address and a notice to the old: %+v", msgs)
		}
		confirm := `mutation($t: String!) { confirmEmailChange(token: $t) { email } }`
		var out struct {
			C struct{ Email string } `json:"confirmEmailChange"`
		}
		n.Client().MustDo(t, confirm, map[string]any{"t": token}, &out)
		if out.C.Email != "new@example.com" {
			t.Fatalf("email %q", out.C.Email)
		}
		if got := directorySearch(t, c, "new@example"); !slices.Equal(got, []string{"new@example.com"}) {
			t.Fatalf("the directory search follows the new login email: %v", got)
		}
		if r := n.Client().Do(t, confirm, map[string]any{"t": token}); r.Code() != "TOKEN_INVALID" {
			t.Fatalf("second use: %+v", r.Errors)
		}
		signInAgain(t, n, "new@example.com", "correct horse battery", safariIOS)
		// The old address stays with its identity: nobody else can take it.
		r := n.Client().Do(t, signUpMutation, map[string]any{"in": map[string]any{
			"organizationName": "Other", "email": "ada@example.com", "password": "correct horse battery", "firstName": "X", "lastName": "Y"}})
		if r.Code() != "CONFLICT" {
			t.Fatalf("a login email once taken must never be reused: %+v", r.Errors)
		}
	})
}

// Two nodes share MariaDB and Redis: a device signed out on one is refused
// on the other at its very next request.
func TestSignOutReachesEveryNode(t *testing.T) {
	a, b := twoNodes(t)
	owner, _ := signUp(t, a, "ada@example.com")
	phone := signInAgain(t, b, "ada@example.com", "correct horse battery", safariIOS)
	onA := &testenv.Client{Node: a, Token: phone.Token}
	if refused(t, onA) || refused(t, phone) {
		t.Fatal("a session works on every node")
	}
	var out struct {
		N int `json:"signOutOtherSessions"`
	}
	owner.MustDo(t, `mutation { signOutOtherSessions }`, nil, &out)
	if out.N != 1 || !refused(t, phone) || !refused(t, onA) {
		t.Fatalf("signed out on node A, the token must be refused on both nodes (ended %d)", out.N)
	}
}
