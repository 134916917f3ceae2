package e2e

import (
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
	"github.com/rollcall/rollcall/webhook"
)

type deliveryOut struct {
	ID           string  `json:"id"`
	MessageID    string  `json:"messageId"`
	EventType    string  `json:"eventType"`
	Status       string  `json:"status"`
	Attempts     int     `json:"attempts"`
	ResponseCode *int    `json:"responseCode"`
	Error        *string `json:"error"`
}

type endpointState struct {
	ID             string  `json:"id"`
	Enabled        bool    `json:"enabled"`
	DisabledReason *string `json:"disabledReason"`
	FailingSince   *string `json:"failingSince"`
	Deliveries     struct {
		Edges []struct {
			Node deliveryOut `json:"node"`
		} `json:"edges"`
	} `json:"deliveries"`
}

// endpoints reads the organization's endpoints with their deliveries,
// newest first.
func endpoints(t *testing.T, c *testenv.Client, orgID string) []endpointState {
	t.Helper()
	var out struct {
		O struct {
			W []endpointState `json:"webhookEndpoints"`
		} `json:"organization"`
	}
	c.MustDo(t, `query($o: ID!) { organization(id: $o) { webhookEndpoints { id enabled disabledReason failingSince
  deliveries(first: 100) { edges { node { id messageId eventType status attempts responseCode error } } } } } }`, map[string]any{"o": orgID}, &out)
	return out.O.W
}

// A change rolled back sends nothing: its delivery was queued in its own
// transaction. A failure injected at the delivery's insert undoes the
// member update and its audit entry too, and the next update's event says
// the role was never changed.
func TestWebhookRolledBackChangeSendsNothing(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		f := newOrg(t, n, "owner@example.com")
		rcv := newReceiver(t)
		createEndpoint(t, f.owner, f.orgID, rcv.srv.URL, []string{"MEMBER_UPDATED"})
		member := userID(t, n.AddMember(t, f.rootID, "agent@example.com", models.Grant{Role: models.RoleAgent}))
		sqlDB := testenv.OpenSQL(t, store)
		trigger := `CREATE TRIGGER webhook_fail BEFORE INSERT ON webhook_deliveries FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'`
		if store.Name == "sqlite" {
			trigger = `CREATE TRIGGER webhook_fail BEFORE INSERT ON webhook_deliveries BEGIN SELECT RAISE(ABORT, 'injected failure'); END`
		}
		if _, err := sqlDB.Exec(trigger); err != nil {
			t.Fatal(err)
		}
		update := `mutation($a: ID!, $u: ID!, $r: Role!) { updateMember(input: {accountId: $a, userId: $u, role: $r}) { role } }`
		if r := f.owner.Do(t, update, map[string]any{"a": f.rootID, "u": member, "r": "MANAGER"}); len(r.Errors) == 0 {
			t.Fatalf("the update succeeded although its delivery could not be queued: %s", r.Data)
		}
		if _, err := sqlDB.Exec(`DROP TRIGGER webhook_fail`); err != nil {
			t.Fatal(err)
		}
		var audit int
		if err := sqlDB.QueryRow(`SELECT COUNT(*) FROM audit_events WHERE action = 'MEMBER_UPDATED'`).Scan(&audit); err != nil || audit != 0 {
			t.Fatalf("audit entries of the rolled-back update: %d (%v)", audit, err)
		}
		f.owner.MustDo(t, update, map[string]any{"a": f.rootID, "u": member, "r": "ADMIN"}, &struct{}{})
		got := rcv.waitCount(t, 1)
		time.Sleep(200 * time.Millisecond) // a stray first event would arrive meanwhile
		got = rcv.hooks()
		before, _ := got[0].Data["before"].(map[string]any)
		after, _ := got[0].Data["after"].(map[string]any)
		if len(got) != 1 || before["role"] != "AGENT" || after["role"] != "ADMIN" {
			t.Fatalf("got %d messages; the first: %+v", len(got), got[0].Data)
		}
	})
}

// An endpoint whose deliveries all fail for DisableAfter is disabled, its
// owners are mailed and the log says so; no new event is queued for it
// while disabled, and enabling it sends what waited.
func TestWebhookEndpointDisabledAfterFailing(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Webhooks: webhook.WorkerOptions{DisableAfter: 400 * time.Millisecond}})
		f := newOrg(t, n, "owner@example.com")
		rcv := newReceiver(t)
		rcv.status.Store(500)
		id, _ := createEndpoint(t, f.owner, f.orgID, rcv.srv.URL, []string{"INVITATION_SENT", "INVITATION_REVOKED"})
		inv := mustInvite(t, f.owner, map[string]any{"accountIds": []string{f.rootID}, "emails": "grace@example.com"})
		var e endpointState
		waitUntil(t, 10*time.Second, func() bool {
			e = endpoints(t, f.owner, f.orgID)[0]
			return !e.Enabled
		})
		if e.DisabledReason == nil || !strings.Contains(*e.DisabledReason, "failed since") || e.FailingSince == nil {
			t.Fatalf("disabled endpoint %+v", e)
		}
		d := e.Deliveries.Edges[0].Node
		if d.Status != "PENDING" || d.Attempts < 2 || d.ResponseCode == nil || *d.ResponseCode != 500 || d.Error == nil || *d.Error != "HTTP 500" {
			t.Fatalf("delivery %+v", d)
		}
		mail := mailTo(t, n.Mail(t, 2), "owner@example.com")
		if !strings.Contains(mail.Subject, "webhook endpoint was disabled") || !strings.Contains(mail.Text, "127.0.0.1") {
			t.Fatalf("mail %q:\n%s", mail.Subject, mail.Text)
		}
		var audit struct {
			O struct {
				A struct {
					Total int `json:"totalCount"`
				} `json:"auditLog"`
			} `json:"organization"`
		}
		f.owner.MustDo(t, `query($o: ID!) { organization(id: $o) { auditLog(filter: {actions: [WEBHOOK_ENDPOINT_DISABLED]}) { totalCount } } }`, map[string]any{"o": f.orgID}, &audit)
		if audit.O.A.Total != 1 {
			t.Fatalf("%d WEBHOOK_ENDPOINT_DISABLED entries", audit.O.A.Total)
		}
		// Disabled: a new event is not queued for it.
		f.owner.MustDo(t, `mutation($id: ID!) { revokeInvitation(id: $id) { id } }`, map[string]any{"id": inv.InviteUsers.Invitations[0].ID}, &struct{}{})
		if e = endpoints(t, f.owner, f.orgID)[0]; len(e.Deliveries.Edges) != 1 {
			t.Fatalf("%d deliveries for a disabled endpoint", len(e.Deliveries.Edges))
		}
		// Enabled again with the receiver up: the waiting delivery goes out.
		rcv.status.Store(200)
		var upd struct {
			U endpointState `json:"updateWebhookEndpoint"`
		}
		f.owner.MustDo(t, updateEndpointMutation, map[string]any{"id": id, "in": map[string]any{"enabled": true}}, &upd)
		if !upd.U.Enabled || upd.U.FailingSince != nil || upd.U.DisabledReason != nil {
			t.Fatalf("enabled endpoint %+v", upd.U)
		}
		if got := rcv.waitFor(t, "invitation.sent"); got[0].ID != d.MessageID {
			t.Fatalf("got %s, want %s", got[0].ID, d.MessageID)
		}
	})
}

// A delivery failing for WebhookRetryFor is given up (FAILED); a replay
// sends it again with the same webhook-id. Only the endpoint's managers
// replay, and not while it is disabled.
func TestWebhookGiveUpAndReplay(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{WebhookRetryFor: 300 * time.Millisecond})
		f := newOrg(t, n, "owner@example.com")
		manager := n.AddMember(t, f.rootID, "manager@example.com", models.Grant{Role: models.RoleManager})
		stranger := newOrg(t, n, "stranger@example.com")
		rcv := newReceiver(t)
		rcv.status.Store(502)
		id, _ := createEndpoint(t, f.owner, f.orgID, rcv.srv.URL, []string{"INVITATION_SENT"})
		mustInvite(t, f.owner, map[string]any{"accountIds": []string{f.rootID}, "emails": "grace@example.com"})
		var d deliveryOut
		waitUntil(t, 10*time.Second, func() bool {
			d = endpoints(t, f.owner, f.orgID)[0].Deliveries.Edges[0].Node
			return d.Status == "FAILED"
		})
		replay := `mutation($id: ID!) { replayWebhookDelivery(id: $id) { id status messageId } }`
		wantCode(t, manager.Do(t, replay, map[string]any{"id": d.ID}), "FORBIDDEN")
		wantCode(t, stranger.owner.Do(t, replay, map[string]any{"id": d.ID}), "NOT_FOUND")
		wantCode(t, f.owner.Do(t, replay, map[string]any{"id": id}), "NOT_FOUND") // an endpoint's id
		f.owner.MustDo(t, updateEndpointMutation, map[string]any{"id": id, "in": map[string]any{"enabled": false}}, &struct{}{})
		wantCode(t, f.owner.Do(t, replay, map[string]any{"id": d.ID}), "CONFLICT")
		f.owner.MustDo(t, updateEndpointMutation, map[string]any{"id": id, "in": map[string]any{"enabled": true}}, &struct{}{})

		rcv.status.Store(200)
		var out struct {
			R deliveryOut `json:"replayWebhookDelivery"`
		}
		f.owner.MustDo(t, replay, map[string]any{"id": d.ID}, &out)
		if out.R.Status != "PENDING" || out.R.MessageID != d.MessageID {
			t.Fatalf("replay %+v", out.R)
		}
		if got := rcv.waitCount(t, 1); got[0].ID != d.MessageID {
			t.Fatalf("replayed %s, want %s", got[0].ID, d.MessageID)
		}
		waitUntil(t, 5*time.Second, func() bool {
			return endpoints(t, f.owner, f.orgID)[0].Deliveries.Edges[0].Node.Status == "SUCCEEDED"
		})
	})
}

// After a rotation both secrets sign messages until the window ends; with
// no window only the new one does.
func TestWebhookSecretRotation(t *testing.T) {
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{})
	f := newOrg(t, n, "owner@example.com")
	rcv := newReceiver(t)
	id, first := createEndpoint(t, f.owner, f.orgID, rcv.srv.URL, []string{"INVITATION_SENT"})
	rotate := func(keep int) string {
		var out struct {
			R struct {
				Secret   string `json:"secret"`
				Endpoint struct {
					Until *string `json:"previousSecretExpiresAt"`
				} `json:"endpoint"`
			} `json:"rotateWebhookSecret"`
		}
		f.owner.MustDo(t, `mutation($id: ID!, $k: Int) { rotateWebhookSecret(id: $id, keepPreviousForSeconds: $k) { secret endpoint { previousSecretExpiresAt } } }`,
			map[string]any{"id": id, "k": keep}, &out)
		if (out.R.Endpoint.Until != nil) != (keep > 0) {
			t.Fatalf("keep %d: previousSecretExpiresAt %v", keep, out.R.Endpoint.Until)
		}
		return out.R.Secret
	}
	second := rotate(3600)
	if second == first || !strings.HasPrefix(second, "whsec_") {
		t.Fatalf("rotated secret %q", second)
	}
	mustInvite(t, f.owner, map[string]any{"accountIds": []string{f.rootID}, "emails": "a@example.com"})
	h := rcv.waitCount(t, 1)[0]
	verify(t, first, h)
	verify(t, second, h)
	if sigs := strings.Fields(h.Signature); len(sigs) != 2 {
		t.Fatalf("signature header %q", h.Signature)
	}
	third := rotate(0)
	mustInvite(t, f.owner, map[string]any{"accountIds": []string{f.rootID}, "emails": "b@example.com"})
	h = rcv.waitCount(t, 2)[1]
	verify(t, third, h)
	old, err := standardwebhooks.NewWebhook(second)
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Verify(h.Body, h.Header); err == nil {
		t.Fatal("the replaced secret still verifies after a rotation without a window")
	}
}

// An invitation's expiry raises invitation.expired once, whichever node
// sweeps first; a resend gives it a new expiry that can raise it again.
func TestWebhookInvitationExpired(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		f := newOrg(t, n, "owner@example.com")
		rcv := newReceiver(t)
		createEndpoint(t, f.owner, f.orgID, rcv.srv.URL, []string{"INVITATION_EXPIRED"})
		inv := mustInvite(t, f.owner, map[string]any{"accountIds": []string{f.rootID}, "emails": "late@example.com"})
		invID := inv.InviteUsers.Invitations[0].ID
		sqlDB := testenv.OpenSQL(t, store)
		expire := func() {
			t.Helper()
			if _, err := sqlDB.Exec(`UPDATE invitations SET expires_at = ? WHERE email = 'late@example.com'`, time.Now().UTC().Add(-time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		expire()
		h := rcv.waitFor(t, "invitation.expired")[0]
		if h.Data["invitation"] != invID || h.Data["email"] != "late@example.com" {
			t.Fatalf("invitation.expired data %+v", h.Data)
		}
		time.Sleep(300 * time.Millisecond) // three sweeps (100ms apart in tests): none may raise it again
		if got := rcv.hooks(); len(got) != 1 {
			t.Fatalf("%d invitation.expired messages", len(got))
		}
		f.owner.MustDo(t, `mutation($id: ID!) { resendInvitation(id: $id) { id } }`, map[string]any{"id": invID}, &struct{}{})
		expire()
		if got := rcv.waitCount(t, 2); got[1].ID == got[0].ID {
			t.Fatal("the second expiry reused the first message")
		}
	})
}

// presence.changed is opt-in and debounced: a person's changes within the
// window make one event with their status when it ends, and of two nodes
// watching, one sends it.
func TestWebhookPresenceChanged(t *testing.T) {
	a, b := twoNodes(t)
	f := newOrg(t, a, "owner@example.com")
	rcv := newReceiver(t)
	quiet := newReceiver(t)
	createEndpoint(t, f.owner, f.orgID, rcv.srv.URL, []string{"PRESENCE_CHANGED"})
	createEndpoint(t, f.owner, f.orgID, quiet.srv.URL, []string{"MEMBER_UPDATED"})
	member := a.AddMember(t, f.rootID, "agent@example.com", models.Grant{Role: models.RoleAgent})
	memberID := userID(t, member)
	waitUntil(t, 5*time.Second, func() bool { // both relays watch her (each reads whom to watch every 250ms)
		ids, err := b.App.Store.PresenceWebhookUsers(t.Context(), 100)
		return err == nil && len(ids) == 2
	})
	time.Sleep(time.Second) // several refreshes of each relay: they watch her now

	openSocket(t, b, member) // connects on node B, closed when the test ends
	h := rcv.waitCount(t, 1)[0]
	user, _ := h.Data["user"].(map[string]any)
	if h.Type != "presence.changed" || user["id"] != memberID || h.Data["status"] != "ONLINE" || h.Data["devices"] != float64(1) {
		t.Fatalf("first event %+v", h.Data)
	}
	// Away, back, away again within one window: one event, AWAY.
	onB := &testenv.Client{Node: b, Token: member.Token, UserAgent: member.UserAgent}
	for _, act := range []string{"AWAY", "ACTIVE", "AWAY"} {
		onB.MustDo(t, `mutation($a: PresenceActivity!) { setPresence(input: {activity: $a}) { status } }`, map[string]any{"a": act}, &struct{}{})
	}
	got := rcv.waitCount(t, 2)
	time.Sleep(700 * time.Millisecond) // two more windows: nothing else may come
	got = rcv.hooks()
	if len(got) != 2 || got[1].Data["status"] != "AWAY" {
		var st []any
		for _, h := range got {
			st = append(st, h.Data["status"])
		}
		t.Fatalf("after three changes in one window: %d events %v, want one more, AWAY", len(got)-1, st[1:])
	}
	if n := len(quiet.hooks()); n != 0 {
		t.Fatalf("an endpoint without PRESENCE_CHANGED got %d events", n)
	}
}

// Deleting an account raises member.removed (account_deleted) in each of
// the person's organizations, naming their pseudonym, and the delivery log
// forgets the deliveries that named them.
func TestWebhookAccountDeleted(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		f := newOrg(t, n, "owner@example.com")
		rcv := newReceiver(t)
		createEndpoint(t, f.owner, f.orgID, rcv.srv.URL, []string{"MEMBER_ADDED", "MEMBER_REMOVED", "SESSION_SIGNED_IN"})
		member := n.AddMember(t, f.rootID, "leaving@example.com", models.Grant{Role: models.RoleAgent})
		memberID := userID(t, member)
		rcv.waitFor(t, "session.signed_in") // seeded, she was added without an event
		waitUntil(t, 5*time.Second, func() bool {
			for _, e := range endpoints(t, f.owner, f.orgID)[0].Deliveries.Edges {
				if e.Node.Status != "SUCCEEDED" {
					return false
				}
			}
			return true
		})
		member.MustDo(t, `mutation { deleteMyAccount(password: "correct horse battery") }`, nil, &struct{}{})
		h := lastOf(t, rcv.waitFor(t, "member.removed"), "member.removed")
		user, _ := h.Data["user"].(map[string]any)
		if h.Data["reason"] != "account_deleted" || user["id"] != memberID || user["email"] == "leaving@example.com" {
			t.Fatalf("member.removed data %+v", h.Data)
		}
		var payloads []string
		rows, err := testenv.OpenSQL(t, store).Query(`SELECT payload FROM webhook_deliveries`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var p string
			if err := rows.Scan(&p); err != nil {
				t.Fatal(err)
			}
			payloads = append(payloads, p)
		}
		if len(payloads) == 0 {
			t.Fatal("no delivery left: the removal's should be")
		}
		for _, p := range payloads {
			if strings.Contains(p, "leaving@example.com") {
				t.Errorf("a delivery still names the deleted person: %s", p)
			}
		}
	})
}
