// Package e2e drives real Rollcall nodes over HTTP and websockets, on SQLite
// and (when configured) MariaDB and Redis.
package e2e

import (
	"testing"

	"github.com/rollcall/rollcall/internal/testenv"
)

const signUpMutation = testenv.SignUpMutation

type authPayload = testenv.AuthPayload

// signUp creates an organization with its owner and returns a signed-in client.
func signUp(t *testing.T, n *testenv.Node, email string) (*testenv.Client, authPayload) {
	t.Helper()
	return n.SignUp(t, email)
}

func TestSignUpMeSignOut(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		c, auth := signUp(t, n, "Ada@Example.com")
		if auth.Token == "" || len(auth.Token) < 40 {
			t.Fatalf("token too short: %q", auth.Token)
		}
		if auth.User.Email != "Ada@example.com" {
			t.Fatalf("email kept as typed with the domain lower-cased, got %q", auth.User.Email)
		}
		if auth.Session.DeviceName != "Chrome on macOS" || !auth.Session.Current {
			t.Fatalf("session %+v", auth.Session)
		}

		var me struct {
			Me struct {
				ID            string `json:"id"`
				Email         string `json:"email"`
				DisplayName   string `json:"displayName"`
				Organizations []struct {
					Name        string `json:"name"`
					RootAccount struct {
						ID   string `json:"id"`
						Name string `json:"name"`
					} `json:"rootAccount"`
					EnabledProducts []struct{ Key string } `json:"enabledProducts"`
				} `json:"organizations"`
			} `json:"me"`
		}
		c.MustDo(t, `{ me { id email displayName organizations { name rootAccount { id name } enabledProducts { key } } } }`, nil, &me)
		if me.Me.ID != auth.User.ID || me.Me.DisplayName != "Ada Lovelace" {
			t.Fatalf("me = %+v", me.Me)
		}
		if len(me.Me.Organizations) != 1 || me.Me.Organizations[0].RootAccount.ID == "" || me.Me.Organizations[0].Name != "Acme Ada@Example.com" {
			t.Fatalf("organizations = %+v", me.Me.Organizations)
		}
		if len(me.Me.Organizations[0].EnabledProducts) == 0 {
			t.Fatal("a new organization has the catalogue's products enabled")
		}

		var node struct {
			Node struct {
				ID string `json:"id"`
			} `json:"node"`
		}
		c.MustDo(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": auth.User.ID}, &node)
		if node.Node.ID != auth.User.ID {
			t.Fatalf("node(id:) = %+v", node)
		}

		var out struct {
			SignOut bool `json:"signOut"`
		}
		c.MustDo(t, `mutation { signOut }`, nil, &out)
		if !out.SignOut {
			t.Fatal("signOut answered false")
		}
		r := c.Do(t, `{ me { id } }`, nil)
		if string(r.Data) != `{"me":null}` {
			t.Fatalf("a signed-out token must be refused, got %s %+v", r.Data, r.Errors)
		}
		if r := c.Do(t, `mutation { signOut }`, nil); r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("signOut without a session: want UNAUTHENTICATED, got %+v", r.Errors)
		}

		// Signing in again works and opens a new, different session.
		var in struct {
			SignIn authPayload `json:"signIn"`
		}
		c.Token = ""
		c.MustDo(t, `mutation($in: SignInInput!) { signIn(input: $in) { token session { id } user { id } } }`,
			map[string]any{"in": map[string]any{"email": "ADA@example.COM", "password": "correct horse battery", "deviceName": "Work laptop"}}, &in)
		if in.SignIn.User.ID != auth.User.ID || in.SignIn.Session.ID == auth.Session.ID {
			t.Fatalf("signIn = %+v", in.SignIn)
		}
	})
}

func TestSignUpRules(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		owner, _ := signUp(t, n, "owner@example.com")
		// A proven address is taken; an unproven one is claimed instead
		// (TestInvitedElsewhereCannotHoldLoginEmail).
		proveLoginEmail(t, n, owner, "owner@example.com", 1)
		c := n.Client()
		valid := func() map[string]any {
			return map[string]any{"organizationName": "Acme", "email": "new@example.com", "password": "correct horse battery", "firstName": "A", "lastName": "B"}
		}
		cases := []struct {
			name, field, value, code string
		}{
			{"ErrDuplicateEmailCaseInsensitive", "email", "OWNER@Example.COM", "CONFLICT"},
			{"ErrInvalidEmail", "email", "not-an-email", "BAD_USER_INPUT"},
			{"ErrShortPassword", "password", "short", "BAD_USER_INPUT"},
			{"ErrEmptyOrganization", "organizationName", "   ", "BAD_USER_INPUT"},
			{"ErrEmptyFirstName", "firstName", "", "BAD_USER_INPUT"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				in := valid()
				in[tc.field] = tc.value
				r := c.Do(t, signUpMutation, map[string]any{"in": in})
				if r.Code() != tc.code {
					t.Fatalf("want %s, got %+v", tc.code, r.Errors)
				}
				if tc.code == "BAD_USER_INPUT" && r.Errors[0].Extensions["field"] != tc.field {
					t.Fatalf("want extensions.field %q, got %+v", tc.field, r.Errors[0].Extensions)
				}
			})
		}
		// Nothing of the refused sign-ups was written: the address is free.
		var ok struct {
			SignUp authPayload `json:"signUp"`
		}
		c.MustDo(t, signUpMutation, map[string]any{"in": valid()}, &ok)
	})
}

func TestSignUpDisabled(t *testing.T) {
	store := testenv.Stores(t)[0]
	n := testenv.StartNode(t, store, testenv.NodeOptions{Env: map[string]string{"SIGNUP_ENABLED": "false"}})
	r := n.Client().Do(t, signUpMutation, map[string]any{"in": map[string]any{
		"organizationName": "Acme", "email": "a@example.com", "password": "correct horse battery", "firstName": "A", "lastName": "B"}})
	if r.Code() != "FORBIDDEN" {
		t.Fatalf("want FORBIDDEN, got %+v", r.Errors)
	}
}

func TestSignInWrongEmailAndWrongPasswordLookTheSame(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		signUp(t, n, "owner@example.com")
		c := n.Client()
		q := `mutation($in: SignInInput!) { signIn(input: $in) { token } }`
		wrongPw := c.Do(t, q, map[string]any{"in": map[string]any{"email": "owner@example.com", "password": "wrong password!"}})
		unknown := c.Do(t, q, map[string]any{"in": map[string]any{"email": "nobody@example.com", "password": "wrong password!"}})
		if wrongPw.Code() != "UNAUTHENTICATED" || unknown.Code() != "UNAUTHENTICATED" {
			t.Fatalf("codes: %+v / %+v", wrongPw.Errors, unknown.Errors)
		}
		if wrongPw.Errors[0].Message != unknown.Errors[0].Message {
			t.Fatalf("messages differ: %q vs %q", wrongPw.Errors[0].Message, unknown.Errors[0].Message)
		}
	})
}

func TestSignInThrottled(t *testing.T) {
	run := func(t *testing.T, store testenv.Store, redis bool) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: redis})
		signUp(t, n, "owner@example.com")
		c := n.Client()
		q := `mutation($in: SignInInput!) { signIn(input: $in) { token } }`
		var last *testenv.Response
		for i := 0; i < 12; i++ {
			last = c.Do(t, q, map[string]any{"in": map[string]any{"email": "owner@example.com", "password": "wrong password!"}})
			if last.Code() == "RATE_LIMITED" {
				break
			}
		}
		if last.Code() != "RATE_LIMITED" {
			t.Fatalf("12 wrong attempts were not throttled: %+v", last.Errors)
		}
		if s, ok := last.Errors[0].Extensions["retryAfterSeconds"].(float64); !ok || s < 1 {
			t.Fatalf("retryAfterSeconds missing: %+v", last.Errors[0].Extensions)
		}
		// The right password is refused too while throttled (no oracle).
		r := c.Do(t, q, map[string]any{"in": map[string]any{"email": "owner@example.com", "password": "correct horse battery"}})
		if r.Code() != "RATE_LIMITED" {
			t.Fatalf("want RATE_LIMITED, got %+v", r.Errors)
		}
	}
	t.Run("InProcess", func(t *testing.T) { run(t, testenv.Stores(t)[0], false) })
	t.Run("Redis", func(t *testing.T) {
		if u, _ := testenv.Redis(t); u == "" {
			t.Skip("TEST_REDIS_URL not set")
		}
		run(t, testenv.Stores(t)[0], true)
	})
}

func TestProducts(t *testing.T) {
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{Env: map[string]string{"PRODUCTS": "inbox:Inbox,crm:CRM"}})
	var out struct {
		Products []struct{ Key, Name string } `json:"products"`
	}
	n.Client().MustDo(t, `{ products { key name } }`, nil, &out)
	if len(out.Products) != 2 || out.Products[1].Key != "crm" || out.Products[1].Name != "CRM" {
		t.Fatalf("products = %+v", out.Products)
	}
}
