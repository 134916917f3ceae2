package testenv

import "testing"

// SignUpMutation creates an organization with its owner.
const SignUpMutation = `mutation($in: SignUpInput!) { signUp(input: $in) { token user { id email displayName } session { id deviceName current } } }`

// SignInMutation opens a session.
const SignInMutation = `mutation($in: SignInInput!) { signIn(input: $in) { token session { id } } }`

// FirefoxWindows is a browser's User-Agent, for a session with a device name.
const FirefoxWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"

// AuthPayload is what SignUpMutation answers.
type AuthPayload struct {
	Token string `json:"token"`
	User  struct {
		ID          string `json:"id"`
		Email       string `json:"email"`
		DisplayName string `json:"displayName"`
	} `json:"user"`
	Session struct {
		ID         string `json:"id"`
		DeviceName string `json:"deviceName"`
		Current    bool   `json:"current"`
	} `json:"session"`
}

// SignUp creates an organization (named after email) with email as its
// owner, Ada Lovelace, and returns the owner's signed-in client.
func (n *Node) SignUp(t testing.TB, email string) (*Client, AuthPayload) {
	t.Helper()
	c := n.Client()
	var out struct {
		SignUp AuthPayload `json:"signUp"`
	}
	c.MustDo(t, SignUpMutation, map[string]any{"in": map[string]any{
		"organizationName": "Acme " + email, "email": email, "password": "correct horse battery",
		"firstName": "Ada", "lastName": "Lovelace",
	}}, &out)
	c.Token = out.SignUp.Token
	return c, out.SignUp
}

// Org is an organization a test signed up: its owner and ids.
type Org struct {
	Owner  *Client
	OrgID  string
	RootID string // the root account's
	UserID string // the owner's
}

// NewOrg signs email up (SignUp) and reads the new organization's ids.
func (n *Node) NewOrg(t testing.TB, email string) Org {
	t.Helper()
	c, auth := n.SignUp(t, email)
	var me struct {
		Me struct {
			Organizations []struct {
				ID          string `json:"id"`
				RootAccount struct {
					ID string `json:"id"`
				} `json:"rootAccount"`
			} `json:"organizations"`
		} `json:"me"`
	}
	c.MustDo(t, `{ me { organizations { id rootAccount { id } } } }`, nil, &me)
	return Org{Owner: c, OrgID: me.Me.Organizations[0].ID, RootID: me.Me.Organizations[0].RootAccount.ID, UserID: auth.User.ID}
}

// SignIn opens another session (device) for email, as ua, and returns its
// client and the session's id.
func (n *Node) SignIn(t testing.TB, email, password, ua string) (*Client, string) {
	t.Helper()
	c := n.Client()
	c.UserAgent = ua
	var out struct {
		SignIn struct {
			Token   string `json:"token"`
			Session struct {
				ID string `json:"id"`
			} `json:"session"`
		} `json:"signIn"`
	}
	c.MustDo(t, SignInMutation, map[string]any{"in": map[string]any{"email": email, "password": password}}, &out)
	c.Token = out.SignIn.Token
	return c, out.SignIn.Session.ID
}
