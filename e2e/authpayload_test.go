package e2e

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/mailer"
)

// Every field a client may select on a User and a Session, as the new
// session's viewer sees them.
const (
	apUserFields = `id email communicationEmail firstName lastName displayName phone defaultSendingCountry
		preferredLanguage avatarUrl createdAt
		organizations { id name rootAccount { id name } accounts { id name } enabledProducts { key name } invitationLifetimeHours }
		memberships { id role permissions products { key } restrictions { assignedContactsOnly dataExportBlocked } inherited account { id name } user { id } invitedBy { id } createdAt }
		notificationPreferences { desktopNotifications browserBadges sounds }
		sessions { id deviceName userAgent ipAddress createdAt expiresAt current connected }
		presence { status connectedDevices }`
	apSessionFields = `id deviceName userAgent ipAddress createdAt expiresAt current connected`
)

// authPayloadCase is one way to get an AuthPayload: it returns the raw
// payload of the mutation (token, session, user).
type authPayloadCase struct {
	name string
	run  func(t *testing.T, n *testenv.Node) *testenv.Response
}

// TestAuthPayloadResolvesAsTheNewSession holds that a mutation that signs
// someone in answers every field of its payload as the new session's viewer,
// never UNAUTHENTICATED for the nested fields: the client must always get its
// token, or it is left with a session it cannot use and a retry that
// conflicts. The payload must equal what `me` answers with the new token.
func TestAuthPayloadResolvesAsTheNewSession(t *testing.T) {
	payload := `{ token session { ` + apSessionFields + ` } user { ` + apUserFields + ` } }`
	const password = "correct horse battery"
	cases := []authPayloadCase{
		{"signUp", func(t *testing.T, n *testenv.Node) *testenv.Response {
			return n.Client().Do(t, `mutation($in: SignUpInput!) { signUp(input: $in) `+payload+` }`, map[string]any{"in": map[string]any{
				"organizationName": "Acme", "email": "ap-signup@example.com", "password": password, "firstName": "Ada", "lastName": "Lovelace",
			}})
		}},
		{"signIn", func(t *testing.T, n *testenv.Node) *testenv.Response {
			signUp(t, n, "ap-signin@example.com")
			return n.Client().Do(t, `mutation($in: SignInInput!) { signIn(input: $in) `+payload+` }`, map[string]any{"in": map[string]any{
				"email": "ap-signin@example.com", "password": password,
			}})
		}},
		{"resetPassword", func(t *testing.T, n *testenv.Node) *testenv.Response {
			signUp(t, n, "ap-reset@example.com")
			before := len(n.Mail(t, 0))
			if r := n.Client().Do(t, `mutation { requestPasswordReset(email: "ap-reset@example.com") }`, nil); len(r.Errors) > 0 {
				t.Fatalf("requestPasswordReset: %+v", r.Errors)
			}
			token := mailer.LinkToken(mailTo(t, n.Mail(t, before+1), "ap-reset@example.com").Text, "/reset-password")
			if token == "" {
				t.Fatal("no reset link in the mail")
			}
			return n.Client().Do(t, `mutation($in: ResetPasswordInput!) { resetPassword(input: $in) `+payload+` }`, map[string]any{"in": map[string]any{
				"token": token, "newPassword": "another long secret",
			}})
		}},
		{"acceptInvitation", func(t *testing.T, n *testenv.Node) *testenv.Response {
			tn := newTenant(t, n, "ap-owner@example.com")
			before := len(n.Mail(t, 0))
			mustInvite(t, tn.owner, map[string]any{"emails": "ap-new@example.com", "accountIds": []string{tn.root}})
			token := inviteToken(t, n.Mail(t, before+1), "ap-new@example.com")
			return n.Client().Do(t, `mutation($in: AcceptInvitationInput!) { acceptInvitation(input: $in) `+payload+` }`,
				map[string]any{"in": newPerson(token)})
		}},
	}
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := tc.run(t, n)
				if len(r.Errors) > 0 {
					t.Fatalf("%s answered errors: %+v (data %s)", tc.name, r.Errors, r.Data)
				}
				var data map[string]struct {
					Token   string         `json:"token"`
					Session map[string]any `json:"session"`
					User    map[string]any `json:"user"`
				}
				if err := json.Unmarshal(r.Data, &data); err != nil {
					t.Fatal(err)
				}
				got := data[tc.name]
				if got.Token == "" || got.User == nil || got.Session == nil {
					t.Fatalf("%s payload incomplete: %s", tc.name, r.Data)
				}
				if got.Session["current"] != true {
					t.Fatalf("the payload's session is the current one: %v", got.Session)
				}

				// The same fields, asked with the new token.
				c := n.Client()
				c.Token = got.Token
				var me struct {
					Me map[string]any `json:"me"`
				}
				c.MustDo(t, `{ me { `+apUserFields+` } }`, nil, &me)
				var current map[string]any
				for _, s := range me.Me["sessions"].([]any) {
					if s := s.(map[string]any); s["current"] == true {
						current = s
					}
				}
				if current == nil || current["id"] != got.Session["id"] {
					t.Fatalf("me's current session %v, payload's %v", current, got.Session)
				}
				if !reflect.DeepEqual(got.User, me.Me) {
					a, _ := json.Marshal(got.User)
					b, _ := json.Marshal(me.Me)
					t.Fatalf("payload user differs from me:\npayload %s\nme      %s", a, b)
				}
				if !reflect.DeepEqual(got.Session, current) {
					t.Fatalf("payload session %v, me's current session %v", got.Session, current)
				}
			})
		}
	})
}
