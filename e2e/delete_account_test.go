package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

const deleteAccountMutation = `mutation($p: String!) { deleteMyAccount(password: $p) }`

// memberEmails lists the emails of the people an account's directory holds.
func memberEmails(t *testing.T, c *testenv.Client, account string) []string {
	t.Helper()
	var res struct {
		Node struct {
			Members struct {
				Edges []struct {
					Node struct {
						User struct{ Email string } `json:"user"`
					} `json:"node"`
				} `json:"edges"`
			} `json:"members"`
		} `json:"node"`
	}
	c.MustDo(t, `query($a: ID!) { node(id: $a) { ... on Account { members(first: 100) { edges { node { user { email } } } } } } }`,
		map[string]any{"a": account}, &res)
	var out []string
	for _, e := range res.Node.Members.Edges {
		out = append(out, e.Node.User.Email)
	}
	return out
}

type auditRow struct {
	Action string
	Actor  *struct {
		ID, Email, DisplayName, FirstName, LastName string
		Deleted                                     bool
	}
	TargetUser *struct {
		ID          string
		DisplayName string
		Deleted     bool
	}
	TargetEmail *string
	Details     string
}

// auditLog reads an organization's whole log, every entry rendered with its
// actor and target.
func auditLog(t *testing.T, c *testenv.Client, org string, actions ...string) []auditRow {
	t.Helper()
	var res struct {
		Node struct {
			AuditLog struct {
				Edges []struct{ Node auditRow }
			} `json:"auditLog"`
		} `json:"node"`
	}
	filter := map[string]any{}
	if len(actions) > 0 {
		filter["actions"] = actions
	}
	c.MustDo(t, `query($id: ID!, $f: AuditFilter) { node(id: $id) { ... on Organization { auditLog(first: 100, filter: $f) { edges { node {
		action actor { id email displayName firstName lastName deleted } targetUser { id displayName deleted } targetEmail details } } } } } }`,
		map[string]any{"id": org, "f": filter}, &res)
	out := make([]auditRow, len(res.Node.AuditLog.Edges))
	for i, e := range res.Node.AuditLog.Edges {
		out[i] = e.Node
	}
	return out
}

// signInCode is the error code of signing in as email with password.
func signInCode(t *testing.T, n *testenv.Node, email, password string) string {
	t.Helper()
	return n.Client().Do(t, `mutation($in: SignInInput!) { signIn(input: $in) { token } }`,
		map[string]any{"in": map[string]any{"email": email, "password": password}}).Code()
}

// A person deletes their account: they leave every organization (each logs
// ACCOUNT_DELETED), every session ends, and nothing personal of theirs is
// left in the store: their row is a tombstone the audit log refers to as
// "Deleted user", and their address signs up again as a new person. A
// wrong password and the last owner are refused, changing nothing.
func TestDeleteMyAccount(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		f := newOrg(t, n, "owner@example.com")
		other := newOrg(t, n, "other-owner@example.com")
		ada := n.AddMember(t, f.rootID, "ada@example.com", models.Grant{Role: models.RoleAgent})
		adaID := userID(t, ada)
		uid, _ := models.ParseID(models.KindUser, adaID)
		pseudonym := models.ErasedEmail(uid)

		// Personal data spread around: an admin's edit of her names and
		// phone, her own display name, a contact assigned to her, an
		// invitation she accepted into a second organization.
		f.owner.MustDo(t, `mutation($in: UpdateMemberProfileInput!) { updateMemberProfile(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"userId": adaID, "firstName": "Augusta", "lastName": "Byron", "phone": "+1 415 555 2671"}}, new(map[string]any))
		ada.MustDo(t, `mutation { updateProfile(input: {displayName: "The Countess", avatarUrl: "https://example.com/countess.png"}) { id } }`, nil, new(map[string]any))
		createContact(t, f.owner, f.rootID, "Client A", &adaID)
		mustInvite(t, other.owner, map[string]any{"accountIds": []string{other.rootID}, "emails": "Ada@Example.com"})
		var acc acceptPayload
		accept(t, ada, map[string]any{"token": inviteToken(t, n.Mail(t, 1), "ada@example.com")}).Decode(t, &acc)
		ada.Token = acc.AcceptInvitation.Token
		phone := signInAgain(t, n, "ada@example.com", "correct horse battery", safariIOS)
		if got := orgIDsOf(t, ada); len(got) != 2 {
			t.Fatalf("setup: ada belongs to %v", got)
		}

		// Refusals change nothing.
		wantField(t, ada.Do(t, deleteAccountMutation, map[string]any{"p": "wrong password"}), "password")
		wantField(t, ada.Do(t, deleteAccountMutation, map[string]any{"p": ""}), "password")
		wantCode(t, n.Client().Do(t, deleteAccountMutation, map[string]any{"p": "correct horse battery"}), "UNAUTHENTICATED")
		r := f.owner.Do(t, deleteAccountMutation, map[string]any{"p": "correct horse battery"})
		wantCode(t, r, "CONFLICT")
		if !strings.Contains(r.Errors[0].Message, `"Acme owner@example.com"`) {
			t.Fatalf("the refusal names the organization: %s", r.Errors[0].Message)
		}
		if !signedIn(t, ada) || !signedIn(t, phone) || !signedIn(t, f.owner) || len(orgIDsOf(t, ada)) != 2 || len(orgIDsOf(t, f.owner)) != 1 {
			t.Fatal("a refused deletion changed something")
		}
		if got := auditLog(t, f.owner, f.orgID, "ACCOUNT_DELETED"); len(got) != 0 {
			t.Fatalf("a refused deletion was logged: %+v", got)
		}

		var out struct {
			OK bool `json:"deleteMyAccount"`
		}
		ada.MustDo(t, deleteAccountMutation, map[string]any{"p": "correct horse battery"}, &out)
		if !out.OK {
			t.Fatal("deleteMyAccount answered false")
		}

		// Every session ended; her address is unknown.
		wantCode(t, ada.Do(t, `mutation { signOutOtherSessions }`, nil), "UNAUTHENTICATED")
		if signedIn(t, ada) || signedIn(t, phone) {
			t.Fatal("a deleted account's token still works")
		}
		unknown := signInCode(t, n, "nobody@example.com", "correct horse battery")
		if got := signInCode(t, n, "ada@example.com", "correct horse battery"); got == "" || got != unknown {
			t.Fatalf("signing in with the old address: %q, an unknown address: %q", got, unknown)
		}
		if got := signInCode(t, n, pseudonym, "correct horse battery"); got != unknown {
			t.Fatalf("signing in with the pseudonym: %q", got)
		}

		// Gone from both directories; her contacts unassigned.
		for _, o := range []orgFixture{f, other} {
			if got := memberEmails(t, o.owner, o.rootID); strings.Contains(strings.Join(got, ","), "ada") || strings.Contains(strings.Join(got, ","), "deleted") {
				t.Fatalf("%s's directory still lists her: %v", o.orgID, got)
			}
		}
		if got := contactAssignees(t, f.owner, f.rootID); got["Client A"] != "" {
			t.Fatalf("her contacts are unassigned: %+v", got)
		}

		// Each organization logs ACCOUNT_DELETED by and about the
		// tombstone, and its whole log still renders, without her data.
		for _, o := range []orgFixture{f, other} {
			del := auditLog(t, o.owner, o.orgID, "ACCOUNT_DELETED")
			if len(del) != 1 || del[0].Actor == nil || del[0].Actor.ID != adaID || !del[0].Actor.Deleted || del[0].Actor.DisplayName != models.DeletedUserName ||
				del[0].TargetUser == nil || del[0].TargetUser.ID != adaID || del[0].TargetEmail == nil || *del[0].TargetEmail != pseudonym {
				t.Fatalf("%s's ACCOUNT_DELETED entries: %s", o.orgID, mustJSON(del))
			}
			all := mustJSON(auditLog(t, o.owner, o.orgID))
			for _, personal := range []string{"ada@", "Ada@", "Augusta", "Byron", "Countess", "5552671", "countess.png"} {
				if strings.Contains(all, personal) {
					t.Fatalf("%s's log still holds %q: %s", o.orgID, personal, all)
				}
			}
		}
		if mp := auditLog(t, f.owner, f.orgID, "MEMBER_PROFILE_UPDATED"); len(mp) != 1 || mp[0].Details != models.RedactedAuditDetails ||
			mp[0].TargetUser == nil || mp[0].TargetUser.ID != adaID {
			t.Fatalf("the admin's edit of her profile: %s", mustJSON(mp))
		}

		// Straight from the store: the tombstone, and nothing of her in the
		// tables that held her data.
		sqlDB := testenv.OpenSQL(t, store)
		var email, emailLower, first, last, display, hash string
		var phoneCol, avatar, comm *string
		var deletedAt any
		if err := sqlDB.QueryRow(`SELECT email, email_lower, first_name, last_name, display_name, password_hash, phone, avatar_url, communication_email, deleted_at
			FROM users WHERE id = ?`, uid).Scan(&email, &emailLower, &first, &last, &display, &hash, &phoneCol, &avatar, &comm, &deletedAt); err != nil {
			t.Fatal(err)
		}
		if email != pseudonym || emailLower != pseudonym || first != "" || last != "" || display != "" || hash != "" || phoneCol != nil || avatar != nil || comm != nil || deletedAt == nil {
			t.Fatalf("the users row is not a tombstone: %q %q %q %q %q hash=%t %v %v %v %v", email, emailLower, first, last, display, hash != "", phoneCol, avatar, comm, deletedAt)
		}
		counts := map[string]string{
			"audit rows naming her": `SELECT COUNT(*) FROM audit_events WHERE LOWER(target_email) LIKE '%ada@example.com%' OR details LIKE '%ada@example.com%'
				OR details LIKE '%Augusta%' OR details LIKE '%Byron%' OR details LIKE '%5552671%'`,
			"her audit rows' IPs":          fmt.Sprintf(`SELECT COUNT(*) FROM audit_events WHERE actor_id = %d AND ip_address IS NOT NULL`, uid),
			"her email claims":             fmt.Sprintf(`SELECT COUNT(*) FROM email_claims WHERE user_id = %d OR email_lower = 'ada@example.com'`, uid),
			"her invitation's address":     fmt.Sprintf(`SELECT COUNT(*) FROM invitations WHERE accepted_user_id = %d AND email <> '%s'`, uid, pseudonym),
			"her live sessions":            fmt.Sprintf(`SELECT COUNT(*) FROM sessions WHERE user_id = %d AND (revoked_at IS NULL OR ip_address IS NOT NULL OR user_agent IS NOT NULL)`, uid),
			"her links and proofs":         fmt.Sprintf(`SELECT (SELECT COUNT(*) FROM password_resets WHERE user_id = %[1]d) + (SELECT COUNT(*) FROM email_proofs WHERE user_id = %[1]d)`, uid),
			"mail to her":                  `SELECT COUNT(*) FROM outbox_messages WHERE LOWER(to_address) = 'ada@example.com'`,
			"her directory search entries": fmt.Sprintf(`SELECT COUNT(*) FROM directory_search WHERE user_id = %d`, uid),
			"her memberships":              fmt.Sprintf(`SELECT (SELECT COUNT(*) FROM memberships WHERE user_id = %[1]d) + (SELECT COUNT(*) FROM organization_members WHERE user_id = %[1]d)`, uid),
		}
		for what, q := range counts {
			var c int
			if err := sqlDB.QueryRow(q).Scan(&c); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if c != 0 {
				t.Errorf("%s: %d left", what, c)
			}
		}

		// The address signs up again, as a new person.
		again, auth := signUp(t, n, "ada@example.com")
		if auth.User.ID == adaID || !signedIn(t, again) || len(orgIDsOf(t, again)) != 1 {
			t.Fatalf("signing up again with the address: %+v", auth.User)
		}
	})
}

// Deleting an account on node A closes its socket on node B at once (4403),
// and a watcher on A of their organization's presence sees them vanish:
// no event of theirs after the deletion but OFFLINE, and presence holds
// them OFFLINE.
func TestDeleteMyAccountEndsLiveConnectionsEverywhere(t *testing.T) {
	a, b, _, reader := twoNodesViaProxy(t, nil)
	f := newOrg(t, a, "owner@example.com")
	ada := a.AddMember(t, f.rootID, "ada@example.com", models.Grant{Role: models.RoleAgent}) // stillServes looks for ada
	uid, _ := models.ParseID(models.KindUser, userID(t, ada))
	watch := watchPresence(t, a, f.owner, f.rootID)
	waitWatching(t, watch, f.owner)
	onB := b.Client()
	onB.Token = ada.Token
	ws := openSocket(t, b, onB)
	defer ws.conn.Close()
	stillServes(t, ws, "before")
	expectPresence(t, watch, "ada@example.com", "ONLINE", 1)

	ada.MustDo(t, deleteAccountMutation, map[string]any{"p": "correct horse battery"}, new(struct{ OK bool }))
	waitClosed(t, ws, 4403)
	waitFor(t, "the deleted person OFFLINE in presence", func() bool {
		st, err := reader.States(context.Background(), []int64{uid})
		return err == nil && st[uid].Status == models.PresenceOffline
	})
	// The stream goes on for the owner; of ada it says at most OFFLINE.
	time.Sleep(300 * time.Millisecond)
	waitWatchingUntil(t, watch, f.owner, func(payload string) {
		if strings.Contains(payload, "ada@example.com") && !strings.Contains(payload, `"OFFLINE"`) {
			t.Fatalf("after the deletion the stream says of ada: %s", payload)
		}
	})
	if got := memberEmails(t, f.owner, f.rootID); len(got) != 1 {
		t.Fatalf("the directory after the deletion: %v", got)
	}
}

// waitWatchingUntil is waitWatching that hands every payload before the
// owner's own to seen.
func waitWatchingUntil(t *testing.T, ws *wsClient, owner *testenv.Client, seen func(payload string)) {
	t.Helper()
	owner.Do(t, `mutation { setPresence(input: {activity: AWAY}) { status } }`, nil)
	defer owner.Do(t, `mutation { setPresence(input: {activity: ACTIVE}) { status } }`, nil)
	for {
		got := mustJSON(ws.nextEvent("p")["payload"])
		if strings.Contains(got, "owner@example.com") {
			return
		}
		seen(got)
	}
}

// Guessing the password through deleteMyAccount is throttled with every
// other check of the current password (one bucket per person): 10 wrong
// guesses, then RATE_LIMITED, even for the right password, and for
// changePassword too; the account stays.
func TestDeleteMyAccountThrottled(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		f := newOrg(t, n, "owner@example.com")
		ada := n.AddMember(t, f.rootID, "ada@example.com", models.Grant{Role: models.RoleAgent})
		for i := 0; i < 10; i++ {
			wantField(t, ada.Do(t, deleteAccountMutation, map[string]any{"p": fmt.Sprintf("guess %d", i)}), "password")
		}
		wantRateLimited(t, ada.Do(t, deleteAccountMutation, map[string]any{"p": "correct horse battery"}))
		wantRateLimited(t, ada.Do(t, changePwMutation, map[string]any{"in": map[string]any{"currentPassword": "correct horse battery", "newPassword": "brand new password"}}))
		if !signedIn(t, ada) || len(memberEmails(t, f.owner, f.rootID)) != 2 {
			t.Fatal("a throttled deletion changed something")
		}
	})
}
