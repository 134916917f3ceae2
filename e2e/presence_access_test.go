package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

// expectEnded waits for the server to end subscription id on ws with an
// error of the given code.
func expectEnded(t *testing.T, ws *wsClient, id, code string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		m, closed := ws.read(time.Until(deadline))
		if closed != 0 {
			t.Fatalf("socket closed %d before %s ended", closed, id)
		}
		if m["id"] == id && m["type"] == "complete" {
			t.Fatalf("subscription %s completed, want an error %s", id, code)
		}
		if m["id"] == id && m["type"] == "error" {
			if got := mustJSON(m["payload"]); !strings.Contains(got, `"code":"`+code+`"`) {
				t.Fatalf("subscription %s ended with %s, want %s", id, got, code)
			}
			return
		}
	}
	t.Fatalf("subscription %s did not end", id)
}

// presenceChanged follows the people who gain access to the account after
// the subscription started, and completes when the subscriber loses access.
func TestPresenceChangedFollowsAccess(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		f := newOrg(t, n, "owner@example.com")
		sub := f.createAccount(t, f.owner, f.rootID, "Support")
		other := f.createAccount(t, f.owner, f.rootID, "Sales")
		early := n.AddMember(t, other, "early@example.com", models.Grant{Role: models.RoleAgent})
		late := n.AddMember(t, other, "late@example.com", models.Grant{Role: models.RoleAgent})
		admin := n.AddMember(t, f.rootID, "admin@example.com", models.Grant{Role: models.RoleAdmin})

		watch := watchPresence(t, n, f.owner, sub)
		waitWatching(t, watch, f.owner)
		adminWatch := watchPresence(t, n, admin, sub)
		waitWatchingAs(t, adminWatch, admin, "admin@example.com")

		// early is online before being given access: the grant announces
		// their current state at once.
		initWS(t, n, early)
		grant := `mutation($u: ID!, $a: ID!) { grantAccess(input: {userId: $u, accountIds: [$a], role: AGENT}) { id } }`
		var out map[string]any
		f.owner.MustDo(t, grant, map[string]any{"u": userID(t, early), "a": sub}, &out)
		expectPresence(t, watch, "early@example.com", "ONLINE", 1)

		// late gets access first, then connects.
		f.owner.MustDo(t, grant, map[string]any{"u": userID(t, late), "a": sub}, &out)
		initWS(t, n, late)
		expectPresence(t, watch, "late@example.com", "ONLINE", 1)

		// The admin is removed from the organization: their stream ends;
		// the owner's goes on.
		f.owner.MustDo(t, `mutation($o: ID!, $u: ID!) { removeFromOrganization(input: {organizationId: $o, userId: $u}) }`,
			map[string]any{"o": f.orgID, "u": userID(t, admin)}, &out)
		expectEnded(t, adminWatch, "p", "FORBIDDEN")
		// The socket itself stays: the admin still has a session.
		adminWatch.send(map[string]any{"type": "ping"})
		if m, code := adminWatch.read(5 * time.Second); code != 0 || m["type"] != "pong" {
			t.Fatalf("admin's socket after the stream ended: %v %d", m, code)
		}
		f.owner.MustDo(t, `mutation($a: ID!, $u: ID!) { revokeAccess(input: {accountId: $a, userId: $u}) { reassignedContacts } }`,
			map[string]any{"a": sub, "u": userID(t, late)}, &out)
		time.Sleep(100 * time.Millisecond) // let the stream drop late
		late.Do(t, `mutation { setPresence(input: {activity: AWAY}) { status } }`, nil)
		early.Do(t, `mutation { setPresence(input: {activity: AWAY}) { status } }`, nil)
		// The next event is early's: late's AWAY is no longer streamed.
		if got := mustJSON(watch.nextEvent("p")["payload"]); !strings.Contains(got, "early@example.com") || !strings.Contains(got, `"AWAY"`) {
			t.Fatalf("after late lost access, next event %s", got)
		}
	})
}

// The members filter on presence keeps exactly the people in the asked
// statuses, with a matching total, in every order.
func TestMembersPresenceFilter(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		f := newOrg(t, n, "owner@example.com")
		online := n.AddMember(t, f.rootID, "online@example.com", models.Grant{Role: models.RoleAgent})
		away := n.AddMember(t, f.rootID, "away@example.com", models.Grant{Role: models.RoleAgent})
		n.SeedMember(t, f.rootID, "offline@example.com", models.Grant{Role: models.RoleAgent})
		other := newOrg(t, n, "stranger@example.com") // online, but not a member
		initWS(t, n, other.owner)
		initWS(t, n, online)
		initWS(t, n, away)
		var out map[string]any
		away.MustDo(t, `mutation { setPresence(input: {activity: AWAY}) { status } }`, nil, &out)

		list := func(statuses []string, order string) (emails []string, total int) {
			t.Helper()
			var res struct {
				Node struct {
					Members struct {
						TotalCount int `json:"totalCount"`
						Edges      []struct {
							Node struct {
								User struct {
									Email    string `json:"email"`
									Presence struct {
										Status string `json:"status"`
									} `json:"presence"`
								} `json:"user"`
							} `json:"node"`
						} `json:"edges"`
					} `json:"members"`
				} `json:"node"`
			}
			f.owner.MustDo(t, `query($a: ID!, $p: [PresenceStatus!], $o: MemberOrderField!) { node(id: $a) { ... on Account {
				members(filter: {presence: $p}, orderBy: {field: $o, direction: ASC}, first: 2) { totalCount edges { node { user { email presence { status } } } } } } } }`,
				map[string]any{"a": f.rootID, "p": statuses, "o": order}, &res)
			for _, e := range res.Node.Members.Edges {
				emails = append(emails, e.Node.User.Email+":"+e.Node.User.Presence.Status)
			}
			return emails, res.Node.Members.TotalCount
		}
		for _, order := range []string{"EMAIL", "NAME", "LAST_ACTIVE"} {
			if got, total := list([]string{"ONLINE"}, order); total != 1 || strings.Join(got, ",") != "online@example.com:ONLINE" {
				t.Fatalf("%s ONLINE: %v (%d)", order, got, total)
			}
			if got, total := list([]string{"AWAY"}, order); total != 1 || strings.Join(got, ",") != "away@example.com:AWAY" {
				t.Fatalf("%s AWAY: %v (%d)", order, got, total)
			}
			// The owner has no socket here: OFFLINE.
			if got, total := list([]string{"OFFLINE"}, "EMAIL"); total != 2 || strings.Join(got, ",") != "offline@example.com:OFFLINE,owner@example.com:OFFLINE" {
				t.Fatalf("OFFLINE: %v (%d)", got, total)
			}
			if _, total := list([]string{"ONLINE", "AWAY"}, order); total != 2 {
				t.Fatalf("%s ONLINE+AWAY total %d", order, total)
			}
			if _, total := list([]string{"ONLINE", "AWAY", "OFFLINE"}, order); total != 4 {
				t.Fatalf("%s every status total %d", order, total)
			}
			if got, total := list([]string{}, order); total != 4 || len(got) != 2 {
				t.Fatalf("%s empty filter: %v (%d)", order, got, total)
			}
		}
	})
}

// Presence reports are throttled per session: a burst passes, a runaway
// loop gets RATE_LIMITED with a retry delay, and other sessions are not
// affected.
func TestSetPresenceRateLimited(t *testing.T) {
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{Redis: true})
	f := newOrg(t, n, "owner@example.com")
	limited := false
	for i := 0; i < 20 && !limited; i++ {
		r := f.owner.Do(t, `mutation { setPresence(input: {activity: ACTIVE}) { status } }`, nil)
		switch r.Code() {
		case "":
			if i >= 15 {
				t.Fatalf("report %d passed: no limit", i+1)
			}
		case "RATE_LIMITED":
			if i < 10 {
				t.Fatalf("limited after %d reports, want a burst of 10", i)
			}
			if retry, _ := r.Errors[0].Extensions["retryAfterSeconds"].(float64); retry < 1 {
				t.Fatalf("retryAfterSeconds = %v", r.Errors[0].Extensions)
			}
			limited = true
		default:
			t.Fatalf("report %d: %s", i+1, r.Code())
		}
	}
	if !limited {
		t.Fatal("20 reports in a row were never limited")
	}
	other, _ := signInDevice(t, n, "owner@example.com", "")
	if r := other.Do(t, `mutation { setPresence(input: {activity: ACTIVE}) { status } }`, nil); r.Code() != "" {
		t.Fatalf("another session of the same person is limited too: %s", r.Code())
	}
}

// Removing someone from the organization on node B ends their
// presenceChanged stream on node A.
func TestRemovalEndsStreamOnOtherNode(t *testing.T) {
	a, b := twoNodes(t)
	f := newOrg(t, a, "owner@example.com")
	admin := a.AddMember(t, f.rootID, "admin@example.com", models.Grant{Role: models.RoleAdmin})
	watch := watchPresence(t, a, admin, f.rootID)
	waitWatchingAs(t, watch, admin, "admin@example.com")
	ownerOnB := b.Client()
	ownerOnB.Token = f.owner.Token
	var out map[string]any
	ownerOnB.MustDo(t, `mutation($o: ID!, $u: ID!) { removeFromOrganization(input: {organizationId: $o, userId: $u}) }`,
		map[string]any{"o": f.orgID, "u": userID(t, admin)}, &out)
	expectEnded(t, watch, "p", "FORBIDDEN")
}

// A person whose access was just revoked cannot subscribe again, even on
// the node that admitted them a moment ago (admissions are remembered
// briefly, and forgotten at once by an access change).
func TestResubscribeRefusedRightAfterRevoke(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		f := newOrg(t, n, "owner@example.com")
		sub := f.createAccount(t, f.owner, f.rootID, "Support")
		agent := n.AddMember(t, sub, "agent@example.com", models.Grant{Role: models.RoleAgent})
		ws := watchPresence(t, n, agent, sub)
		waitWatchingAs(t, ws, agent, "agent@example.com")

		var out map[string]any
		f.owner.MustDo(t, `mutation($a: ID!, $u: ID!) { revokeAccess(input: {accountId: $a, userId: $u}) { reassignedContacts } }`,
			map[string]any{"a": sub, "u": userID(t, agent)}, &out)
		ws.send(map[string]any{"id": "again", "type": "subscribe", "payload": map[string]any{"query": presenceSub, "variables": map[string]any{"a": sub}}})
		m := ws.nextEvent("again")
		got := mustJSON(m["payload"])
		// Refused by the resolver: a result whose data is null, with the
		// error (then complete).
		if !strings.Contains(got, `"data":null`) || !(strings.Contains(got, `"code":"FORBIDDEN"`) || strings.Contains(got, `"code":"NOT_FOUND"`)) {
			t.Fatalf("re-subscribe after revoke: %v %s", m["type"], got)
		}
	})
}
