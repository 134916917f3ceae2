package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite" // raw access to the test's SQLite file
	_ "github.com/go-sql-driver/mysql"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/mailer"
	"github.com/rollcall/rollcall/models"
)

const inviteMutation = `mutation($in: InviteUsersInput!) { inviteUsers(input: $in) {
  results { email outcome message invitation { id } }
  invitations { id email firstName preferredLanguage role status sendCount expiresAt
    accounts { name } products { key } invitedBy { email } } } }`

const acceptMutation = `mutation($in: AcceptInvitationInput!) { acceptInvitation(input: $in) { token user { id email } session { id current } } }`

const previewQuery = `query($t: String!) { invitationPreview(token: $t) { email organizationName accountNames invitedByName expiresAt status existingUser } }`

const invitationFields = `id email firstName lastName preferredLanguage role status sendCount expiresAt lastSentAt`

type inviteResult struct {
	Email      string  `json:"email"`
	Outcome    string  `json:"outcome"`
	Message    *string `json:"message"`
	Invitation *struct {
		ID string `json:"id"`
	} `json:"invitation"`
}

type invitationRow struct {
	ID                string    `json:"id"`
	Email             string    `json:"email"`
	FirstName         *string   `json:"firstName"`
	LastName          *string   `json:"lastName"`
	PreferredLanguage string    `json:"preferredLanguage"`
	Role              string    `json:"role"`
	Status            string    `json:"status"`
	SendCount         int       `json:"sendCount"`
	ExpiresAt         time.Time `json:"expiresAt"`
	Accounts          []struct {
		Name string `json:"name"`
	} `json:"accounts"`
	Products []struct {
		Key string `json:"key"`
	} `json:"products"`
	InvitedBy *struct {
		Email string `json:"email"`
	} `json:"invitedBy"`
}

type invitePayload struct {
	InviteUsers struct {
		Results     []inviteResult  `json:"results"`
		Invitations []invitationRow `json:"invitations"`
	} `json:"inviteUsers"`
}

// tenant is an organization created by sign-up, with its owner signed in.
type tenant struct {
	owner   *testenv.Client
	ownerID int64
	orgID   int64
	orgName string
	root    string // global ID of the root account
	rootID  int64
}

func newTenant(t *testing.T, n *testenv.Node, email string) tenant {
	t.Helper()
	c, auth := signUp(t, n, email)
	uid, err := models.ParseID(models.KindUser, auth.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	orgs, err := n.App.DB.FindOrganizationsOfUser(ctx, uid)
	if err != nil || len(orgs) != 1 {
		t.Fatalf("organizations of %s: %v %v", email, orgs, err)
	}
	roots, err := n.App.DB.FindRootAccounts(ctx, []int64{orgs[0].ID})
	if err != nil || len(roots) != 1 {
		t.Fatalf("root account: %v %v", roots, err)
	}
	return tenant{owner: c, ownerID: uid, orgID: orgs[0].ID, orgName: orgs[0].Name,
		root: models.GlobalID(models.KindAccount, roots[0].ID), rootID: roots[0].ID}
}

// subAccount creates a sub-account of the root as the owner.
func (tn tenant) subAccount(t *testing.T, n *testenv.Node, name string) string {
	t.Helper()
	ctx := models.WithViewer(context.Background(), &models.Viewer{UserID: tn.ownerID})
	a, err := n.App.Store.CreateAccount(ctx, tn.rootID, name)
	if err != nil {
		t.Fatal(err)
	}
	return models.GlobalID(models.KindAccount, a.ID)
}

func invite(t *testing.T, c *testenv.Client, in map[string]any) *testenv.Response {
	t.Helper()
	if _, ok := in["role"]; !ok {
		in["role"] = "AGENT"
	}
	return c.Do(t, inviteMutation, map[string]any{"in": in})
}

func mustInvite(t *testing.T, c *testenv.Client, in map[string]any) invitePayload {
	t.Helper()
	var out invitePayload
	invite(t, c, in).Decode(t, &out)
	return out
}

// mailTo returns the last message sent to addr among msgs.
func mailTo(t *testing.T, msgs []mailer.Received, addr string) mailer.Received {
	t.Helper()
	for i := len(msgs) - 1; i >= 0; i-- {
		if strings.EqualFold(msgs[i].To, addr) {
			return msgs[i]
		}
	}
	t.Fatalf("no mail to %s among %d messages", addr, len(msgs))
	return mailer.Received{}
}

func inviteToken(t *testing.T, msgs []mailer.Received, addr string) string {
	t.Helper()
	tok := mailer.LinkToken(mailTo(t, msgs, addr).Text, "/accept-invitation")
	if tok == "" {
		t.Fatalf("no invitation link in the mail to %s", addr)
	}
	return tok
}

func wantCode(t *testing.T, r *testenv.Response, code string) {
	t.Helper()
	if r.Code() != code {
		t.Fatalf("want %s, got %s: %+v (data %s)", code, r.Code(), r.Errors, r.Data)
	}
}

func wantField(t *testing.T, r *testenv.Response, field string) {
	t.Helper()
	wantCode(t, r, "BAD_USER_INPUT")
	if f, _ := r.Errors[0].Extensions["field"].(string); f != field {
		t.Fatalf("want field %q, got %q: %+v", field, f, r.Errors)
	}
}

func accept(t *testing.T, c *testenv.Client, in map[string]any) *testenv.Response {
	t.Helper()
	return c.Do(t, acceptMutation, map[string]any{"in": in})
}

func newPerson(token string) map[string]any {
	return map[string]any{"token": token, "password": "a long enough secret", "firstName": "Grace", "lastName": "Hopper"}
}

type acceptPayload struct {
	AcceptInvitation struct {
		Token string `json:"token"`
		User  struct {
			ID    string `json:"id"`
			Email string `json:"email"`
		} `json:"user"`
		Session struct {
			Current bool `json:"current"`
		} `json:"session"`
	} `json:"acceptInvitation"`
}

func orgNames(t *testing.T, c *testenv.Client) []string {
	t.Helper()
	var me struct {
		Me struct {
			Organizations []struct {
				Name string `json:"name"`
			} `json:"organizations"`
		} `json:"me"`
	}
	c.MustDo(t, `{ me { organizations { name } } }`, nil, &me)
	var out []string
	for _, o := range me.Me.Organizations {
		out = append(out, o.Name)
	}
	return out
}

// execSQL runs one statement on the node's database, for what no API does
// (moving an invitation past its expiry).
func execSQL(t *testing.T, store testenv.Store, query string, args ...any) {
	t.Helper()
	if _, err := testenv.OpenSQL(t, store).Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func TestInviteUsersPastedList(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		acme := newTenant(t, n, "owner@example.com")
		support := acme.subAccount(t, n, "Support desk")
		n.AddMember(t, acme.root, "member@example.com", models.Grant{Role: models.RoleAgent})

		pasted := "alice@example.com\r\nBob Builder <bob@Example.COM>\tALICE@example.com; not-an-email, member@example.com\r\n\r\ncarol@example.com,"
		out := mustInvite(t, acme.owner, map[string]any{
			"accountIds": []string{acme.root, support}, "emails": pasted, "products": []string{"inbox"},
		})
		got := map[string]string{}
		var order []string
		for _, r := range out.InviteUsers.Results {
			got[r.Email] = r.Outcome
			order = append(order, r.Email)
		}
		want := map[string]string{
			"alice@example.com": "INVITED", "bob@example.com": "INVITED", "not-an-email": "INVALID_EMAIL",
			"member@example.com": "ALREADY_MEMBER", "carol@example.com": "INVITED",
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || len(order) != 5 || order[0] != "alice@example.com" {
			t.Fatalf("outcomes %v (order %v), want %v", got, order, want)
		}
		for _, r := range out.InviteUsers.Results {
			if r.Outcome == "INVALID_EMAIL" && (r.Message == nil || !strings.Contains(*r.Message, "@")) {
				t.Fatalf("an invalid entry says why: %+v", r)
			}
		}
		if len(out.InviteUsers.Invitations) != 3 {
			t.Fatalf("invitations %+v", out.InviteUsers.Invitations)
		}
		for _, inv := range out.InviteUsers.Invitations {
			if inv.Status != "PENDING" || inv.Role != "AGENT" || inv.SendCount != 1 || len(inv.Accounts) != 2 ||
				inv.InvitedBy == nil || inv.InvitedBy.Email != "owner@example.com" || len(inv.Products) != 1 || inv.Products[0].Key != "inbox" {
				t.Fatalf("invitation %+v", inv)
			}
			if d := time.Until(inv.ExpiresAt); d < 335*time.Hour || d > 337*time.Hour {
				t.Fatalf("default lifetime is 14 days, expires in %v", d)
			}
			if inv.Email == "bob@example.com" && (inv.FirstName == nil || *inv.FirstName != "Bob Builder") {
				t.Fatalf("the pasted name is kept: %+v", inv)
			}
		}

		msgs := n.Mail(t, 3)
		time.Sleep(50 * time.Millisecond) // a fourth message would be a bug: give it a chance to show
		msgs = n.Mail(t, 3)
		if len(msgs) != 3 {
			t.Fatalf("only the valid, new addresses are mailed: %d messages", len(msgs))
		}
		var to []string
		for _, m := range msgs {
			to = append(to, m.To)
		}
		slices.Sort(to)
		if fmt.Sprint(to) != "[alice@example.com bob@example.com carol@example.com]" {
			t.Fatalf("mail to %v", to)
		}
		m := mailTo(t, msgs, "bob@example.com")
		for _, s := range []string{acme.orgName, "Support desk", "Ada Lovelace", "Bob Builder", "/accept-invitation?token="} {
			if !strings.Contains(m.Text, s) {
				t.Fatalf("the invitation names %q:\n%s", s, m.Text)
			}
		}

		// Inviting again: pending invitations are not duplicated.
		again := mustInvite(t, acme.owner, map[string]any{"accountIds": []string{acme.root}, "emails": "Alice@example.com"})
		if r := again.InviteUsers.Results[0]; r.Outcome != "ALREADY_INVITED" || r.Invitation == nil {
			t.Fatalf("re-invite %+v", r)
		}

		// A single invite carries name, language and communication email.
		fr := mustInvite(t, acme.owner, map[string]any{
			"accountIds": []string{support}, "emails": "dora@example.com", "firstName": "Dora", "lastName": "Maar",
			"preferredLanguage": "fr-CA", "communicationEmail": "dora.notices@example.org",
		})
		if inv := fr.InviteUsers.Invitations[0]; inv.PreferredLanguage != "fr-CA" || *inv.FirstName != "Dora" {
			t.Fatalf("single invite %+v", inv)
		}
		frMail := mailTo(t, n.Mail(t, 4), "dora.notices@example.org")
		for _, s := range []string{"vous invite", "Vous aurez accès", "Support desk", "Dora Maar", acme.orgName} {
			if !strings.Contains(frMail.Text, s) {
				t.Fatalf("the French invitation holds %q:\n%s", s, frMail.Text)
			}
		}

		t.Run("SingleOnlyFields", func(t *testing.T) {
			r := invite(t, acme.owner, map[string]any{"accountIds": []string{acme.root}, "emails": "x@example.com y@example.com", "firstName": "X"})
			wantField(t, r, "firstName")
			r = invite(t, acme.owner, map[string]any{"accountIds": []string{acme.root}, "emails": "x@example.com, y@example.com", "communicationEmail": "c@example.com"})
			wantField(t, r, "communicationEmail")
		})
		t.Run("TooMany", func(t *testing.T) {
			var b strings.Builder
			for i := range 101 {
				fmt.Fprintf(&b, "user%d@example.com\n", i)
			}
			wantField(t, invite(t, acme.owner, map[string]any{"accountIds": []string{acme.root}, "emails": b.String()}), "emails")
			wantField(t, invite(t, acme.owner, map[string]any{"accountIds": []string{acme.root}, "emails": " ,; "}), "emails")
		})
		t.Run("NoAccounts", func(t *testing.T) {
			wantField(t, invite(t, acme.owner, map[string]any{"accountIds": []string{}, "emails": "x@example.com"}), "accountIds")
		})
	})
}

func TestInviteGrantCeiling(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		acme := newTenant(t, n, "owner@acme.example")
		other := newTenant(t, n, "owner@other.example")
		manager := n.AddMember(t, acme.root, "manager@acme.example", models.Grant{Role: models.RoleManager, Products: []string{"inbox"}})
		agent := n.AddMember(t, acme.root, "agent@acme.example", models.Grant{Role: models.RoleAgent})
		in := func(role string, extra map[string]any) map[string]any {
			m := map[string]any{"accountIds": []string{acme.root}, "emails": "new@acme.example", "role": role}
			for k, v := range extra {
				m[k] = v
			}
			return m
		}

		t.Run("ManagerCannotInviteAdmin", func(t *testing.T) {
			wantCode(t, invite(t, manager, in("ADMIN", nil)), "FORBIDDEN")
			wantCode(t, invite(t, manager, in("MANAGER", nil)), "FORBIDDEN")
		})
		t.Run("ManagerGivesOnlyProductsHeld", func(t *testing.T) {
			wantCode(t, invite(t, manager, in("AGENT", map[string]any{"products": []string{"reports"}})), "FORBIDDEN")
		})
		t.Run("ProductNotEnabled", func(t *testing.T) {
			wantField(t, invite(t, acme.owner, in("AGENT", map[string]any{"products": []string{"teleportation"}})), "products")
		})
		t.Run("PermissionNotHeld", func(t *testing.T) {
			wantCode(t, invite(t, manager, in("AGENT", map[string]any{"permissions": []string{"BILLING_MANAGER"}})), "FORBIDDEN")
		})
		t.Run("AgentCannotInvite", func(t *testing.T) {
			wantCode(t, invite(t, agent, in("AGENT", nil)), "FORBIDDEN")
		})
		t.Run("OtherTenantAccount", func(t *testing.T) {
			r := invite(t, acme.owner, map[string]any{"accountIds": []string{other.root}, "emails": "x@acme.example"})
			wantCode(t, r, "NOT_FOUND")
			r = invite(t, acme.owner, map[string]any{"accountIds": []string{acme.root, other.root}, "emails": "x@acme.example"})
			wantCode(t, r, "NOT_FOUND")
			r = invite(t, acme.owner, map[string]any{"accountIds": []string{models.GlobalID(models.KindAccount, 999999)}, "emails": "x@acme.example"})
			wantCode(t, r, "NOT_FOUND")
		})
		t.Run("ManagerInvitesAgent", func(t *testing.T) {
			out := mustInvite(t, manager, in("AGENT", map[string]any{"products": []string{"inbox"}}))
			if out.InviteUsers.Results[0].Outcome != "INVITED" {
				t.Fatalf("%+v", out.InviteUsers.Results)
			}
			// The manager may not act on an invitation granting more than
			// they manage, nor may the agent act on any.
			wantCode(t, agent.Do(t, `mutation($id: ID!) { revokeInvitation(id: $id) { id } }`,
				map[string]any{"id": out.InviteUsers.Invitations[0].ID}), "FORBIDDEN")
			wantCode(t, manager.Do(t, `mutation($in: UpdateInvitationInput!) { updateInvitation(input: $in) { id } }`,
				map[string]any{"in": map[string]any{"id": out.InviteUsers.Invitations[0].ID, "role": "ADMIN"}}), "FORBIDDEN")
			// Another tenant's owner does not see it at all.
			wantCode(t, other.owner.Do(t, `mutation($id: ID!) { revokeInvitation(id: $id) { id } }`,
				map[string]any{"id": out.InviteUsers.Invitations[0].ID}), "NOT_FOUND")
		})
	})
}

func TestInvitationLifecycle(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		acme := newTenant(t, n, "owner@acme.example")
		out := mustInvite(t, acme.owner, map[string]any{"accountIds": []string{acme.root}, "emails": "grace@acme.example", "firstName": "Grace"})
		id := out.InviteUsers.Invitations[0].ID
		first := inviteToken(t, n.Mail(t, 1), "grace@acme.example")
		anon := n.Client()

		var pv struct {
			InvitationPreview *struct {
				Email            string    `json:"email"`
				OrganizationName string    `json:"organizationName"`
				AccountNames     []string  `json:"accountNames"`
				InvitedByName    *string   `json:"invitedByName"`
				ExpiresAt        time.Time `json:"expiresAt"`
				Status           string    `json:"status"`
				ExistingUser     bool      `json:"existingUser"`
			} `json:"invitationPreview"`
		}
		anon.MustDo(t, previewQuery, map[string]any{"t": first}, &pv)
		if p := pv.InvitationPreview; p == nil || p.Email != "grace@acme.example" || p.OrganizationName != acme.orgName ||
			len(p.AccountNames) != 1 || p.InvitedByName == nil || *p.InvitedByName != "Ada Lovelace" || p.Status != "PENDING" || p.ExistingUser {
			t.Fatalf("preview %+v", p)
		}
		anon.MustDo(t, previewQuery, map[string]any{"t": "not-a-token"}, &pv)
		if pv.InvitationPreview != nil {
			t.Fatalf("an unknown token previews as null: %+v", pv.InvitationPreview)
		}

		// Resend: a new link, the old one stops working.
		var resent struct {
			ResendInvitation invitationRow `json:"resendInvitation"`
		}
		acme.owner.MustDo(t, `mutation($id: ID!) { resendInvitation(id: $id) { `+invitationFields+` } }`, map[string]any{"id": id}, &resent)
		if resent.ResendInvitation.SendCount != 2 || resent.ResendInvitation.Status != "PENDING" {
			t.Fatalf("resent %+v", resent.ResendInvitation)
		}
		msgs := n.Mail(t, 2)
		second := mailer.LinkToken(msgs[len(msgs)-1].Text, "/accept-invitation")
		if second == "" || second == first {
			t.Fatalf("resend sends a new link: %q", second)
		}
		wantCode(t, accept(t, anon, newPerson(first)), "TOKEN_INVALID")
		anon.MustDo(t, previewQuery, map[string]any{"t": first}, &pv)
		if pv.InvitationPreview != nil {
			t.Fatal("the replaced link previews as null")
		}

		// Edit: the role changes, the email cannot (the input has no email).
		var upd struct {
			UpdateInvitation invitationRow `json:"updateInvitation"`
		}
		acme.owner.MustDo(t, `mutation($in: UpdateInvitationInput!) { updateInvitation(input: $in) { `+invitationFields+` } }`,
			map[string]any{"in": map[string]any{"id": id, "role": "ADMIN", "lastName": "Hopper", "preferredLanguage": "fr"}}, &upd)
		if u := upd.UpdateInvitation; u.Role != "ADMIN" || u.Email != "grace@acme.example" || u.LastName == nil || *u.LastName != "Hopper" || u.PreferredLanguage != "fr" {
			t.Fatalf("updated %+v", u)
		}
		r := acme.owner.Do(t, `mutation($in: UpdateInvitationInput!) { updateInvitation(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"id": id, "email": "other@acme.example"}})
		if len(r.Errors) == 0 {
			t.Fatal("the email of an invitation is not editable")
		}
		wantField(t, acme.owner.Do(t, `mutation($in: UpdateInvitationInput!) { updateInvitation(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"id": id, "products": []string{"teleportation"}}}), "products")

		// Accept as a new person.
		wantField(t, accept(t, anon, map[string]any{"token": second, "firstName": "Grace"}), "password")
		wantField(t, accept(t, anon, map[string]any{"token": second, "password": "a long enough secret"}), "firstName")
		wantField(t, accept(t, anon, map[string]any{"token": second, "password": "short", "firstName": "Grace"}), "password")
		in := newPerson(second)
		in["phone"] = "+33 6 12 34 56 78"
		var acc acceptPayload
		accept(t, anon, in).Decode(t, &acc)
		if acc.AcceptInvitation.Token == "" || acc.AcceptInvitation.User.Email != "grace@acme.example" || !acc.AcceptInvitation.Session.Current {
			t.Fatalf("accepted %+v", acc.AcceptInvitation)
		}
		grace := n.Client()
		grace.Token = acc.AcceptInvitation.Token
		if names := orgNames(t, grace); !slices.Equal(names, []string{acme.orgName}) {
			t.Fatalf("the new member's organizations: %v", names)
		}
		// She holds the access granted: as ADMIN she can invite.
		if o := mustInvite(t, grace, map[string]any{"accountIds": []string{acme.root}, "emails": "next@acme.example"}); o.InviteUsers.Results[0].Outcome != "INVITED" {
			t.Fatalf("the new admin invites: %+v", o.InviteUsers.Results)
		}
		// And can sign in with the password she set.
		signInAgain(t, n, "grace@acme.example", "a long enough secret", firefoxWindows)

		wantCode(t, accept(t, n.Client(), newPerson(second)), "INVITATION_ALREADY_ACCEPTED")
		anon.MustDo(t, previewQuery, map[string]any{"t": second}, &pv)
		if pv.InvitationPreview == nil || pv.InvitationPreview.Status != "ACCEPTED" || !pv.InvitationPreview.ExistingUser {
			t.Fatalf("preview after accept %+v", pv.InvitationPreview)
		}
		wantCode(t, acme.owner.Do(t, `mutation($id: ID!) { revokeInvitation(id: $id) { id } }`, map[string]any{"id": id}), "INVITATION_ALREADY_ACCEPTED")
		wantCode(t, acme.owner.Do(t, `mutation($id: ID!) { resendInvitation(id: $id) { id } }`, map[string]any{"id": id}), "INVITATION_ALREADY_ACCEPTED")
		again := mustInvite(t, acme.owner, map[string]any{"accountIds": []string{acme.root}, "emails": "grace@acme.example"})
		if again.InviteUsers.Results[0].Outcome != "ALREADY_MEMBER" {
			t.Fatalf("after accepting she is a member: %+v", again.InviteUsers.Results)
		}
	})
}

func TestInvitationRevokeAndExpire(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		acme := newTenant(t, n, "owner@acme.example")
		out := mustInvite(t, acme.owner, map[string]any{"accountIds": []string{acme.root}, "emails": "rev@acme.example, exp@acme.example"})
		msgs := n.Mail(t, 2)
		revID := out.InviteUsers.Invitations[0].ID
		revoke := `mutation($id: ID!) { revokeInvitation(id: $id) { ` + invitationFields + ` } }`
		var rv struct {
			RevokeInvitation invitationRow `json:"revokeInvitation"`
		}
		acme.owner.MustDo(t, revoke, map[string]any{"id": revID}, &rv)
		if rv.RevokeInvitation.Status != "REVOKED" {
			t.Fatalf("revoked %+v", rv.RevokeInvitation)
		}
		acme.owner.MustDo(t, revoke, map[string]any{"id": revID}, &rv)
		if rv.RevokeInvitation.Status != "REVOKED" {
			t.Fatalf("revoking twice returns it unchanged: %+v", rv.RevokeInvitation)
		}
		wantCode(t, accept(t, n.Client(), newPerson(inviteToken(t, msgs, "rev@acme.example"))), "INVITATION_REVOKED")
		wantCode(t, acme.owner.Do(t, `mutation($id: ID!) { resendInvitation(id: $id) { id } }`, map[string]any{"id": revID}), "INVITATION_REVOKED")
		if o := mustInvite(t, acme.owner, map[string]any{"accountIds": []string{acme.root}, "emails": "rev@acme.example"}); o.InviteUsers.Results[0].Outcome != "INVITED" {
			t.Fatalf("a revoked address can be invited again: %+v", o.InviteUsers.Results)
		}

		// Expiry: the organization's lifetime is used, and an expired link
		// gives its own error; resending revives it.
		execSQL(t, store, "UPDATE organizations SET invitation_lifetime_hours = 1 WHERE id = ?", acme.orgID)
		short := mustInvite(t, acme.owner, map[string]any{"accountIds": []string{acme.root}, "emails": "short@acme.example"})
		if d := time.Until(short.InviteUsers.Invitations[0].ExpiresAt); d < 50*time.Minute || d > 70*time.Minute {
			t.Fatalf("a 1-hour lifetime, got %v", d)
		}
		execSQL(t, store, "UPDATE invitations SET expires_at = created_at WHERE email_lower = ?", "exp@acme.example")
		expTok := inviteToken(t, msgs, "exp@acme.example")
		wantCode(t, accept(t, n.Client(), newPerson(expTok)), "INVITATION_EXPIRED")
		var pv struct {
			InvitationPreview struct {
				Status string `json:"status"`
			} `json:"invitationPreview"`
		}
		n.Client().MustDo(t, previewQuery, map[string]any{"t": expTok}, &pv)
		if pv.InvitationPreview.Status != "EXPIRED" {
			t.Fatalf("preview of an expired link: %+v", pv)
		}
		expID := out.InviteUsers.Invitations[1].ID
		var rs struct {
			ResendInvitation invitationRow `json:"resendInvitation"`
		}
		acme.owner.MustDo(t, `mutation($id: ID!) { resendInvitation(id: $id) { `+invitationFields+` } }`, map[string]any{"id": expID}, &rs)
		if rs.ResendInvitation.Status != "PENDING" || time.Until(rs.ResendInvitation.ExpiresAt) < 50*time.Minute {
			t.Fatalf("resent expired invitation %+v", rs.ResendInvitation)
		}
		fresh := inviteToken(t, n.Mail(t, 5), "exp@acme.example")
		var acc acceptPayload
		accept(t, n.Client(), newPerson(fresh)).Decode(t, &acc)
		if acc.AcceptInvitation.User.Email != "exp@acme.example" {
			t.Fatalf("accepted %+v", acc)
		}

		// The store's listing (Account.invitations): status filters,
		// newest first, keyset pages.
		ctx := models.WithViewer(context.Background(), &models.Viewer{UserID: acme.ownerID})
		count := func(f models.InvitationFilter) int64 {
			t.Helper()
			page, err := n.App.Store.FindInvitations(ctx, acme.rootID, f, models.PageRequest{First: 50})
			if err != nil {
				t.Fatal(err)
			}
			return page.Total
		}
		for st, want := range map[models.InvitationStatus]int64{
			models.InvitationPending: 2, models.InvitationRevoked: 1, models.InvitationAccepted: 1, models.InvitationExpired: 0,
		} {
			if got := count(models.InvitationFilter{Statuses: []models.InvitationStatus{st}}); got != want {
				t.Fatalf("%s: %d, want %d", st, got, want)
			}
		}
		if got := count(models.InvitationFilter{Search: "SHORT"}); got != 1 {
			t.Fatalf("search: %d", got)
		}
		p1, err := n.App.Store.FindInvitations(ctx, acme.rootID, models.InvitationFilter{}, models.PageRequest{First: 3})
		if err != nil || p1.Total != 4 || len(p1.Rows) != 3 || !p1.HasNext || p1.Rows[0].Email != "short@acme.example" || len(p1.Rows[0].AccountIDs) != 1 {
			t.Fatalf("first page %+v %v", p1, err)
		}
		p2, err := n.App.Store.FindInvitations(ctx, acme.rootID, models.InvitationFilter{}, models.PageRequest{First: 3, After: p1.Rows[2].ID})
		if err != nil || len(p2.Rows) != 1 || p2.HasNext || p2.Rows[0].Email != "rev@acme.example" {
			t.Fatalf("second page %+v %v", p2, err)
		}
		other := newTenant(t, n, "other@other.example")
		octx := models.WithViewer(context.Background(), &models.Viewer{UserID: other.ownerID})
		if _, err := n.App.Store.FindInvitations(octx, acme.rootID, models.InvitationFilter{}, models.PageRequest{First: 3}); models.ErrorCode(err) != models.CodeNotFound {
			t.Fatalf("another tenant lists nothing: %v", err)
		}
	})
}

func TestAcceptInvitationExistingIdentity(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		acme := newTenant(t, n, "owner@acme.example")
		eve := newTenant(t, n, "eve@elsewhere.example")
		stranger := n.AddMember(t, acme.root, "stranger@acme.example", models.Grant{Role: models.RoleAgent})
		mustInvite(t, acme.owner, map[string]any{"accountIds": []string{acme.root}, "emails": "EVE@elsewhere.example", "role": "MANAGER"})
		tok := inviteToken(t, n.Mail(t, 1), "eve@elsewhere.example")

		var pv struct {
			InvitationPreview struct {
				ExistingUser bool `json:"existingUser"`
			} `json:"invitationPreview"`
		}
		n.Client().MustDo(t, previewQuery, map[string]any{"t": tok}, &pv)
		if !pv.InvitationPreview.ExistingUser {
			t.Fatal("the preview says the email already has an identity")
		}
		wantCode(t, accept(t, n.Client(), newPerson(tok)), "UNAUTHENTICATED")
		wantCode(t, accept(t, stranger, map[string]any{"token": tok}), "FORBIDDEN")

		var acc acceptPayload
		accept(t, eve.owner, map[string]any{"token": tok}).Decode(t, &acc)
		if acc.AcceptInvitation.Token == "" || acc.AcceptInvitation.User.Email != "eve@elsewhere.example" {
			t.Fatalf("accepted %+v", acc)
		}
		// The device's session is replaced by the new one.
		if !refused(t, eve.owner) {
			t.Fatal("the session that accepted is replaced by the returned one")
		}
		eve.owner.Token = acc.AcceptInvitation.Token
		names := orgNames(t, eve.owner)
		if !slices.Contains(names, acme.orgName) || !slices.Contains(names, eve.orgName) {
			t.Fatalf("eve is in both organizations: %v", names)
		}
		if o := mustInvite(t, eve.owner, map[string]any{"accountIds": []string{acme.root}, "emails": "agent@acme.example"}); o.InviteUsers.Results[0].Outcome != "INVITED" {
			t.Fatalf("as a manager of acme eve invites agents: %+v", o.InviteUsers.Results)
		}
		wantCode(t, accept(t, eve.owner, map[string]any{"token": tok}), "INVITATION_ALREADY_ACCEPTED")
	})
}

func TestAcceptInvitationInviterLostAccess(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		acme := newTenant(t, n, "owner@acme.example")
		admin := n.AddMember(t, acme.root, "admin@acme.example", models.Grant{Role: models.RoleAdmin})
		mustInvite(t, admin, map[string]any{"accountIds": []string{acme.root}, "emails": "late@acme.example", "role": "ADMIN"})
		tok := inviteToken(t, n.Mail(t, 1), "late@acme.example")
		execSQL(t, store, "UPDATE memberships SET role = 'AGENT', role_rank = 1 WHERE account_id = ? AND user_id <> ?", acme.rootID, acme.ownerID)
		r := accept(t, n.Client(), newPerson(tok))
		wantCode(t, r, "FORBIDDEN")
		if !strings.Contains(r.Errors[0].Message, "no longer valid") {
			t.Fatalf("message %q", r.Errors[0].Message)
		}
		// Refused, not spent: it is still pending.
		var pv struct {
			InvitationPreview struct {
				Status string `json:"status"`
			} `json:"invitationPreview"`
		}
		n.Client().MustDo(t, previewQuery, map[string]any{"t": tok}, &pv)
		if pv.InvitationPreview.Status != "PENDING" {
			t.Fatalf("status %q", pv.InvitationPreview.Status)
		}
	})
}

func TestAcceptInvitationExactlyOnce(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		// Each client comes from its own address: the losers' failed
		// uses count against their address (token-taking mutations are
		// throttled per IP), and this test is about the race, not that.
		n := testenv.StartNode(t, store, testenv.NodeOptions{Env: behindProxy})
		acme := newTenant(t, n, "owner@acme.example")
		mustInvite(t, acme.owner, map[string]any{"accountIds": []string{acme.root}, "emails": "race@acme.example"})
		tok := inviteToken(t, n.Mail(t, 1), "race@acme.example")

		const clients = 16
		codes := make([]string, clients)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r := accept(t, clientFrom(n, fmt.Sprintf("198.51.100.%d", i+1)), newPerson(tok))
				if len(r.Errors) == 0 {
					codes[i] = "OK"
					return
				}
				codes[i] = r.Code()
			}()
		}
		close(start)
		wg.Wait()
		count := map[string]int{}
		for _, c := range codes {
			count[c]++
		}
		if count["OK"] != 1 || count["INVITATION_ALREADY_ACCEPTED"] != clients-1 {
			t.Fatalf("exactly one accept wins: %v", count)
		}
	})
}

func TestInvitationsRateLimitedPerInvitation(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		acme := newTenant(t, n, "owner@acme.example")
		batch := func(from int) string {
			var b strings.Builder
			for i := from; i < from+100; i++ {
				fmt.Fprintf(&b, "u%d@acme.example\n", i)
			}
			return b.String()
		}
		// Two requests of 100 use the burst; a third is refused although
		// only three requests were made.
		for _, from := range []int{0, 100} {
			out := mustInvite(t, acme.owner, map[string]any{"accountIds": []string{acme.root}, "emails": batch(from)})
			if len(out.InviteUsers.Invitations) != 100 {
				t.Fatalf("batch %d: %d invited", from, len(out.InviteUsers.Invitations))
			}
		}
		r := invite(t, acme.owner, map[string]any{"accountIds": []string{acme.root}, "emails": batch(200)})
		wantCode(t, r, "RATE_LIMITED")
		if s, _ := r.Errors[0].Extensions["retryAfterSeconds"].(float64); s < 1 {
			t.Fatalf("retryAfterSeconds %v", r.Errors[0].Extensions)
		}
		// Nothing of the refused batch was written, and a request that
		// invites nobody new is not counted.
		ctx := models.WithViewer(context.Background(), &models.Viewer{UserID: acme.ownerID})
		page, err := n.App.Store.FindInvitations(ctx, acme.rootID, models.InvitationFilter{Search: "u2"}, models.PageRequest{First: 10})
		if err != nil || page.Total != 11 { // u2, u20…u29
			t.Fatalf("invitations matching u2: %d, %v", page.Total, err)
		}
		out := mustInvite(t, acme.owner, map[string]any{"accountIds": []string{acme.root}, "emails": "u0@acme.example u1@acme.example"})
		for _, res := range out.InviteUsers.Results {
			if res.Outcome != "ALREADY_INVITED" {
				t.Fatalf("outcomes %+v", out.InviteUsers.Results)
			}
		}
	})
}
