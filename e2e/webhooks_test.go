package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

const (
	createEndpointMutation = `mutation($in: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $in) {
  secret endpoint { id url description eventTypes enabled } } }`
	updateEndpointMutation = `mutation($id: ID!, $in: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(id: $id, input: $in) {
  id url eventTypes enabled disabledReason failingSince } }`
	endpointDeliveriesQuery = `query($o: ID!) { organization(id: $o) { webhookEndpoints { id enabled disabledReason failingSince
  deliveries(first: 100) { totalCount edges { node { id messageId eventType status attempts responseCode latencyMs error
    payload deliveredAt nextAttemptAt attemptLog { succeeded responseCode latencyMs error } } } } } } }`
)

// allEvents is every event type but presence (noisy, tested on its own).
var allEvents = []string{"MEMBER_ADDED", "MEMBER_UPDATED", "MEMBER_PROFILE_UPDATED", "MEMBER_ACCESS_REVOKED", "MEMBER_REMOVED",
	"MEMBER_SUSPENDED", "MEMBER_REACTIVATED", "INVITATION_SENT", "INVITATION_RESENT", "INVITATION_UPDATED",
	"INVITATION_REVOKED", "INVITATION_ACCEPTED", "INVITATION_EXPIRED", "SESSION_SIGNED_IN", "SESSION_SIGNED_OUT"}

// hook is a message a receiver got.
type hook struct {
	ID, Timestamp, Signature string
	Header                   http.Header
	Body                     []byte
	Type                     string
	Data                     map[string]any
}

// receiver is a webhook endpoint on loopback: it records what it gets and
// answers status (200 unless set).
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []hook
	status atomic.Int32
	notify chan struct{}
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{notify: make(chan struct{}, 1)}
	r.status.Store(200)
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		status := int(r.status.Load())
		if status >= 200 && status < 300 {
			var env struct {
				Type string         `json:"type"`
				Data map[string]any `json:"data"`
			}
			if err := json.Unmarshal(body, &env); err != nil {
				t.Errorf("webhook body is not JSON: %s", body)
			}
			r.mu.Lock()
			r.got = append(r.got, hook{ID: req.Header.Get("webhook-id"), Timestamp: req.Header.Get("webhook-timestamp"),
				Signature: req.Header.Get("webhook-signature"), Header: req.Header.Clone(), Body: body, Type: env.Type, Data: env.Data})
			r.mu.Unlock()
			select {
			case r.notify <- struct{}{}:
			default:
			}
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) hooks() []hook {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// waitFor waits up to 10 s until the receiver holds a message of each of
// types (in any order, others allowed) and returns everything it holds.
func (r *receiver) waitFor(t *testing.T, types ...string) []hook {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		got := r.hooks()
		missing := slices.Clone(types)
		for _, h := range got {
			if i := slices.Index(missing, h.Type); i >= 0 {
				missing = slices.Delete(missing, i, i+1)
			}
		}
		if len(missing) == 0 {
			return got
		}
		select {
		case <-r.notify:
		case <-deadline:
			var have []string
			for _, h := range got {
				have = append(have, h.Type)
			}
			t.Fatalf("waited for webhooks %v; have %v", missing, have)
		}
	}
}

// waitCount waits up to 15 s until the receiver holds n messages.
func (r *receiver) waitCount(t *testing.T, n int) []hook {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		if got := r.hooks(); len(got) >= n {
			return got
		}
		select {
		case <-r.notify:
		case <-deadline:
			t.Fatalf("waited for %d webhooks, have %d", n, len(r.hooks()))
		}
	}
}

// lastOf is the last message of type typ.
func lastOf(t *testing.T, hooks []hook, typ string) hook {
	t.Helper()
	for i := len(hooks) - 1; i >= 0; i-- {
		if hooks[i].Type == typ {
			return hooks[i]
		}
	}
	t.Fatalf("no %s webhook", typ)
	return hook{}
}

type endpointOut struct {
	ID          string   `json:"id"`
	URL         string   `json:"url"`
	Description string   `json:"description"`
	EventTypes  []string `json:"eventTypes"`
	Enabled     bool     `json:"enabled"`
}

// createEndpoint registers url for types in f's organization and returns
// the endpoint's id and secret.
func createEndpoint(t *testing.T, c *testenv.Client, orgID, url string, types []string) (string, string) {
	t.Helper()
	var out struct {
		C struct {
			Secret   string      `json:"secret"`
			Endpoint endpointOut `json:"endpoint"`
		} `json:"createWebhookEndpoint"`
	}
	c.MustDo(t, createEndpointMutation, map[string]any{"in": map[string]any{"organizationId": orgID, "url": url, "eventTypes": types}}, &out)
	return out.C.Endpoint.ID, out.C.Secret
}

// verify checks h's signature with the Standard Webhooks reference
// implementation, timestamp tolerance included.
func verify(t *testing.T, secret string, h hook) {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(h.Body, h.Header); err != nil {
		t.Errorf("%s %s: signature does not verify: %v", h.Type, h.ID, err)
	}
}

// Endpoints are the organization's OWNERs' and ADMINs': a secret shown
// once, bounded inputs, at most ten, every change in the audit log.
func TestWebhookEndpointsManagement(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		f := newOrg(t, n, "owner@example.com")
		admin := n.AddMember(t, f.rootID, "admin@example.com", models.Grant{Role: models.RoleAdmin})
		manager := n.AddMember(t, f.rootID, "manager@example.com", models.Grant{Role: models.RoleManager})
		sub := f.createAccount(t, f.owner, f.rootID, "Sales")
		subAdmin := n.AddMember(t, sub, "subadmin@example.com", models.Grant{Role: models.RoleAdmin})
		stranger := newOrg(t, n, "stranger@example.com")
		rcv := newReceiver(t)

		id, secret := createEndpoint(t, admin, f.orgID, rcv.srv.URL+"/hooks", []string{"MEMBER_ADDED", "INVITATION_SENT", "MEMBER_ADDED"})
		if !strings.HasPrefix(secret, "whsec_") || len(secret) < 40 {
			t.Fatalf("secret %q", secret)
		}
		in := func(url string, types ...string) map[string]any {
			return map[string]any{"in": map[string]any{"organizationId": f.orgID, "url": url, "eventTypes": types}}
		}
		for _, c := range []struct {
			name string
			by   *testenv.Client
			vars map[string]any
			code string
		}{
			{"a manager", manager, in(rcv.srv.URL, "MEMBER_ADDED"), "FORBIDDEN"},
			{"a sub-account's admin", subAdmin, in(rcv.srv.URL, "MEMBER_ADDED"), "FORBIDDEN"},
			{"another organization's owner", stranger.owner, in(rcv.srv.URL, "MEMBER_ADDED"), "NOT_FOUND"},
			{"without a session", n.Client(), in(rcv.srv.URL, "MEMBER_ADDED"), "UNAUTHENTICATED"},
			{"no event type", f.owner, in(rcv.srv.URL), "BAD_USER_INPUT"},
			{"ftp", f.owner, in("ftp://example.com/x", "MEMBER_ADDED"), "BAD_USER_INPUT"},
			{"credentials in the URL", f.owner, in("https://user:pw@example.com/x", "MEMBER_ADDED"), "BAD_USER_INPUT"},
			{"a relative URL", f.owner, in("/hooks", "MEMBER_ADDED"), "BAD_USER_INPUT"},
			{"a URL too long", f.owner, in("https://example.com/"+strings.Repeat("a", 2000), "MEMBER_ADDED"), "BAD_USER_INPUT"},
		} {
			if r := c.by.Do(t, createEndpointMutation, c.vars); r.Code() != c.code {
				t.Errorf("%s: want %s, got %s %+v", c.name, c.code, r.Code(), r.Errors)
			}
		}
		long := map[string]any{"organizationId": f.orgID, "url": rcv.srv.URL, "eventTypes": []string{"MEMBER_ADDED"}, "description": strings.Repeat("é", 201)}
		wantField(t, f.owner.Do(t, createEndpointMutation, map[string]any{"in": long}), "description")

		// The list never shows a secret; managers and strangers do not see it.
		var list struct {
			O struct {
				W []endpointOut `json:"webhookEndpoints"`
			} `json:"organization"`
		}
		f.owner.MustDo(t, `query($o: ID!) { organization(id: $o) { webhookEndpoints { id url description eventTypes enabled } } }`, map[string]any{"o": f.orgID}, &list)
		if len(list.O.W) != 1 || list.O.W[0].ID != id || !slices.Equal(list.O.W[0].EventTypes, []string{"MEMBER_ADDED", "INVITATION_SENT"}) {
			t.Fatalf("endpoints %+v", list.O.W)
		}
		wantCode(t, manager.Do(t, `query($o: ID!) { organization(id: $o) { webhookEndpoints { id } } }`, map[string]any{"o": f.orgID}), "FORBIDDEN")
		wantCode(t, stranger.owner.Do(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}), "NOT_FOUND")
		wantCode(t, stranger.owner.Do(t, updateEndpointMutation, map[string]any{"id": id, "in": map[string]any{"enabled": false}}), "NOT_FOUND")
		wantCode(t, manager.Do(t, `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`, map[string]any{"id": id}), "FORBIDDEN")
		wantCode(t, f.owner.Do(t, `mutation($id: ID!) { rotateWebhookSecret(id: $id, keepPreviousForSeconds: 604801) { secret } }`, map[string]any{"id": id}), "BAD_USER_INPUT")

		var upd struct {
			U struct {
				EventTypes []string `json:"eventTypes"`
				Enabled    bool     `json:"enabled"`
			} `json:"updateWebhookEndpoint"`
		}
		f.owner.MustDo(t, updateEndpointMutation, map[string]any{"id": id, "in": map[string]any{"eventTypes": []string{"SESSION_SIGNED_IN"}, "enabled": false}}, &upd)
		if upd.U.Enabled || !slices.Equal(upd.U.EventTypes, []string{"SESSION_SIGNED_IN"}) {
			t.Fatalf("update: %+v", upd.U)
		}

		// At most ten per organization.
		for i := 1; i < models.MaxWebhookEndpoints; i++ {
			createEndpoint(t, f.owner, f.orgID, rcv.srv.URL, []string{"MEMBER_ADDED"})
		}
		wantCode(t, f.owner.Do(t, createEndpointMutation, in(rcv.srv.URL, "MEMBER_ADDED")), "CONFLICT")
		var del struct {
			D bool `json:"deleteWebhookEndpoint"`
		}
		f.owner.MustDo(t, `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`, map[string]any{"id": id}, &del)
		wantCode(t, f.owner.Do(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}), "NOT_FOUND")

		var audit struct {
			O struct {
				A struct {
					Edges []struct {
						Node struct {
							Action  string `json:"action"`
							Details string `json:"details"`
						} `json:"node"`
					} `json:"edges"`
				} `json:"auditLog"`
			} `json:"organization"`
		}
		f.owner.MustDo(t, `query($o: ID!) { organization(id: $o) { auditLog(first: 50, filter: {actions: [WEBHOOK_ENDPOINT_CREATED, WEBHOOK_ENDPOINT_UPDATED, WEBHOOK_ENDPOINT_DELETED]}) { edges { node { action details } } } } }`,
			map[string]any{"o": f.orgID}, &audit)
		counts := map[string]int{}
		for _, e := range audit.O.A.Edges {
			counts[e.Node.Action]++
			if strings.Contains(e.Node.Details, "whsec_") {
				t.Errorf("the audit log holds a secret: %s", e.Node.Details)
			}
		}
		if counts["WEBHOOK_ENDPOINT_CREATED"] != models.MaxWebhookEndpoints || counts["WEBHOOK_ENDPOINT_UPDATED"] != 1 || counts["WEBHOOK_ENDPOINT_DELETED"] != 1 {
			t.Errorf("audit counts %v", counts)
		}
	})
}

// Without WEBHOOKS_ALLOW_PRIVATE, no URL reaching the server's own machine
// or networks is saved, and a name that resolves to one at delivery time
// (here "localhost", as a rebinding name would) is refused when dialled.
func TestWebhookURLsRefusePrivateAddresses(t *testing.T) {
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{Env: map[string]string{"WEBHOOKS_ALLOW_PRIVATE": "false"}})
	f := newOrg(t, n, "owner@example.com")
	for _, url := range []string{
		"http://example.com/hooks", // plain http
		"https://127.0.0.1/hooks", "https://127.1.2.3:8443/", "https://[::1]/", "https://localhost/", "https://app.localhost/",
		"https://intranet/", "https://10.1.2.3/", "https://172.16.0.1/", "https://192.168.1.1/", "https://169.254.169.254/latest/meta-data",
		"https://[fd00:ec2::254]/", "https://[::ffff:127.0.0.1]/", "https://[fe80::1]/", "https://100.64.0.1/", "https://0.0.0.0/",
	} {
		r := f.owner.Do(t, createEndpointMutation, map[string]any{"in": map[string]any{"organizationId": f.orgID, "url": url, "eventTypes": []string{"MEMBER_ADDED"}}})
		if r.Code() != "BAD_USER_INPUT" {
			t.Errorf("%s: want BAD_USER_INPUT, got %s %+v", url, r.Code(), r.Errors)
		}
	}
}

// Every event an endpoint asked for arrives, signed so that the Standard
// Webhooks reference implementation verifies it, with the ids and the
// before/after of the change; the delivery log shows each.
func TestWebhookEventsDelivered(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		f := newOrg(t, n, "owner@example.com")
		rcv := newReceiver(t)
		_, secret := createEndpoint(t, f.owner, f.orgID, rcv.srv.URL+"/hooks", allEvents)

		// Invitation: sent, resent, updated, accepted (member added, signed in).
		inv := mustInvite(t, f.owner, map[string]any{"accountIds": []string{f.rootID}, "emails": "grace@example.com"})
		invID := inv.InviteUsers.Invitations[0].ID
		f.owner.MustDo(t, `mutation($id: ID!) { resendInvitation(id: $id) { id } }`, map[string]any{"id": invID}, &struct{}{})
		f.owner.MustDo(t, `mutation($id: ID!) { updateInvitation(input: {id: $id, role: MANAGER}) { id } }`, map[string]any{"id": invID}, &struct{}{})
		msgs := n.Mail(t, 2)
		var acc acceptPayload
		accept(t, n.Client(), newPerson(inviteToken(t, msgs, "grace@example.com"))).Decode(t, &acc)
		grace := acc.AcceptInvitation.User.ID
		got := rcv.waitFor(t, "invitation.sent", "invitation.resent", "invitation.updated", "invitation.accepted", "member.added", "session.signed_in")

		// Member: updated (role), access revoked on a sub-account, signed
		// out by the owner, removed.
		f.owner.MustDo(t, `mutation($a: ID!, $u: ID!) { updateMember(input: {accountId: $a, userId: $u, role: ADMIN}) { role } }`,
			map[string]any{"a": f.rootID, "u": grace}, &struct{}{})
		sub := f.createAccount(t, f.owner, f.rootID, "Sales")
		f.owner.MustDo(t, `mutation($a: ID!, $u: ID!) { grantAccess(input: {accountIds: [$a], userId: $u, role: AGENT}) { role } }`,
			map[string]any{"a": sub, "u": grace}, &struct{}{})
		f.owner.MustDo(t, `mutation($a: ID!, $u: ID!) { revokeAccess(input: {accountId: $a, userId: $u}) { reassignedContacts } }`,
			map[string]any{"a": sub, "u": grace}, &struct{}{})
		f.owner.MustDo(t, signOutMemberMutation, map[string]any{"u": grace}, &struct{}{})
		f.owner.MustDo(t, `mutation($o: ID!, $u: ID!) { removeFromOrganization(input: {organizationId: $o, userId: $u}) }`,
			map[string]any{"o": f.orgID, "u": grace}, &struct{}{})
		// An invitation revoked.
		other := mustInvite(t, f.owner, map[string]any{"accountIds": []string{f.rootID}, "emails": "lin@example.com"})
		f.owner.MustDo(t, `mutation($id: ID!) { revokeInvitation(id: $id) { id } }`, map[string]any{"id": other.InviteUsers.Invitations[0].ID}, &struct{}{})
		got = rcv.waitFor(t, "member.updated", "member.access_revoked", "session.signed_out", "member.removed", "invitation.revoked")

		for _, h := range got {
			verify(t, secret, h)
			if !strings.HasPrefix(h.ID, "msg_") || h.Header.Get("Content-Type") != "application/json" {
				t.Errorf("%s: id %q, content type %q", h.Type, h.ID, h.Header.Get("Content-Type"))
			}
			if h.Data["organizationId"] != f.orgID {
				t.Errorf("%s: organizationId %v", h.Type, h.Data["organizationId"])
			}
		}
		// Each message arrived once.
		ids := map[string]int{}
		for _, h := range got {
			ids[h.ID]++
			if ids[h.ID] > 1 {
				t.Errorf("%s %s arrived twice", h.Type, h.ID)
			}
		}

		upd := lastOf(t, got, "member.updated")
		user, _ := upd.Data["user"].(map[string]any)
		before, _ := upd.Data["before"].(map[string]any)
		after, _ := upd.Data["after"].(map[string]any)
		changes, _ := upd.Data["changes"].([]any)
		if user["id"] != grace || user["email"] != "grace@example.com" || before["role"] != "MANAGER" || after["role"] != "ADMIN" ||
			len(changes) == 0 || !slices.Contains(changes, any("role")) || upd.Data["accountId"] != f.rootID {
			t.Errorf("member.updated data %+v", upd.Data)
		}
		if actor, _ := upd.Data["actor"].(map[string]any); actor["id"] != f.userID {
			t.Errorf("member.updated actor %v", upd.Data["actor"])
		}
		if r := lastOf(t, got, "member.removed"); r.Data["reason"] != "removed" {
			t.Errorf("member.removed data %+v", r.Data)
		}
		if s := lastOf(t, got, "session.signed_out"); s.Data["reason"] != "signed_out_by_admin" {
			t.Errorf("session.signed_out data %+v", s.Data)
		}
		if s := lastOf(t, got, "session.signed_in"); s.Data["session"] == nil {
			t.Errorf("session.signed_in data %+v", s.Data)
		}

		// The delivery log: every delivery SUCCEEDED with a 200 and its latency.
		var log struct {
			O struct {
				W []struct {
					Deliveries struct {
						Total int `json:"totalCount"`
						Edges []struct {
							Node struct {
								MessageID    string  `json:"messageId"`
								EventType    string  `json:"eventType"`
								Status       string  `json:"status"`
								Attempts     int     `json:"attempts"`
								ResponseCode *int    `json:"responseCode"`
								LatencyMs    *int    `json:"latencyMs"`
								DeliveredAt  *string `json:"deliveredAt"`
								AttemptLog   []struct {
									Succeeded bool `json:"succeeded"`
								} `json:"attemptLog"`
							} `json:"node"`
						} `json:"edges"`
					} `json:"deliveries"`
				} `json:"webhookEndpoints"`
			} `json:"organization"`
		}
		f.owner.MustDo(t, endpointDeliveriesQuery, map[string]any{"o": f.orgID}, &log)
		ds := log.O.W[0].Deliveries
		if ds.Total < len(got) {
			t.Fatalf("the log holds %d deliveries, the receiver got %d", ds.Total, len(got))
		}
		for _, e := range ds.Edges {
			d := e.Node
			if d.Status == "PENDING" {
				continue // a later event still on its way
			}
			if d.Status != "SUCCEEDED" || d.Attempts != 1 || d.ResponseCode == nil || *d.ResponseCode != 200 || d.LatencyMs == nil ||
				d.DeliveredAt == nil || len(d.AttemptLog) != 1 || !d.AttemptLog[0].Succeeded {
				t.Errorf("delivery %+v", d)
			}
		}
	})
}

// A receiver that is down gets every event once it is back, each once;
// the log shows the failed attempts and their response codes.
func TestWebhookReceiverDownThenBack(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		f := newOrg(t, n, "owner@example.com")
		rcv := newReceiver(t)
		rcv.status.Store(503)
		createEndpoint(t, f.owner, f.orgID, rcv.srv.URL, []string{"INVITATION_SENT"})
		var emails []string
		for i := range 12 {
			emails = append(emails, "p"+string(rune('a'+i))+"@example.com")
		}
		mustInvite(t, f.owner, map[string]any{"accountIds": []string{f.rootID}, "emails": strings.Join(emails, ",")})
		// Wait until every delivery failed at least twice.
		waitUntil(t, 10*time.Second, func() bool {
			var log struct {
				O struct {
					W []struct {
						D struct {
							Edges []struct {
								Node struct {
									Attempts     int  `json:"attempts"`
									ResponseCode *int `json:"responseCode"`
								} `json:"node"`
							} `json:"edges"`
						} `json:"deliveries"`
					} `json:"webhookEndpoints"`
				} `json:"organization"`
			}
			f.owner.MustDo(t, `query($o: ID!) { organization(id: $o) { webhookEndpoints { deliveries(first: 50) { edges { node { attempts responseCode } } } } } }`,
				map[string]any{"o": f.orgID}, &log)
			edges := log.O.W[0].D.Edges
			if len(edges) != 12 {
				return false
			}
			for _, e := range edges {
				if e.Node.Attempts < 2 || e.Node.ResponseCode == nil || *e.Node.ResponseCode != 503 {
					return false
				}
			}
			return true
		})
		rcv.status.Store(200)
		got := rcv.waitCount(t, 12)
		time.Sleep(300 * time.Millisecond) // anything sent twice would arrive meanwhile
		got = rcv.hooks()
		seen := map[string]bool{}
		for _, h := range got {
			if seen[h.ID] {
				t.Errorf("%s arrived twice", h.ID)
			}
			seen[h.ID] = true
		}
		if len(seen) != 12 {
			t.Errorf("got %d distinct messages, want 12", len(seen))
		}
	})
}

// Two nodes share the outbox: each event reaches the receiver once.
func TestWebhooksTwoNodesDeliverOnce(t *testing.T) {
	a, b := twoNodes(t)
	f := newOrg(t, a, "owner@example.com")
	rcv := newReceiver(t)
	createEndpoint(t, f.owner, f.orgID, rcv.srv.URL, []string{"INVITATION_SENT", "INVITATION_REVOKED"})
	const people = 60
	var emails []string
	for i := range people {
		emails = append(emails, "person"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+string(rune('a'+i/26))+"@example.com")
	}
	// Half the invitations through each node.
	ownerOnB := &testenv.Client{Node: b, Token: f.owner.Token, UserAgent: f.owner.UserAgent}
	mustInvite(t, f.owner, map[string]any{"accountIds": []string{f.rootID}, "emails": strings.Join(emails[:people/2], ",")})
	mustInvite(t, ownerOnB, map[string]any{"accountIds": []string{f.rootID}, "emails": strings.Join(emails[people/2:], ",")})
	got := rcv.waitCount(t, people)
	time.Sleep(500 * time.Millisecond) // anything sent twice would arrive meanwhile
	got = rcv.hooks()
	seen := map[string]int{}
	for _, h := range got {
		seen[h.ID]++
	}
	if len(got) != people || len(seen) != people {
		t.Fatalf("%d messages, %d distinct; want %d of each", len(got), len(seen), people)
	}
}

func waitUntil(t *testing.T, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", d)
		}
		time.Sleep(20 * time.Millisecond) // polling the API: the state has no event to wait on
	}
}

// One receiver serving two organizations gets a person's sign-in once per
// organization, each with its own webhook-id: de-duplicating on it loses
// neither.
func TestWebhookMessageIDsPerOrganization(t *testing.T) {
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{})
	a := newOrg(t, n, "a@example.com")
	b := newOrg(t, n, "b@example.com")
	rcv := newReceiver(t)
	createEndpoint(t, a.owner, a.orgID, rcv.srv.URL, []string{"SESSION_SIGNED_IN"})
	createEndpoint(t, b.owner, b.orgID, rcv.srv.URL, []string{"SESSION_SIGNED_IN"})
	n.SeedMember(t, a.rootID, "both@example.com", models.Grant{Role: models.RoleAgent})
	n.SeedMember(t, b.rootID, "both@example.com", models.Grant{Role: models.RoleAgent})
	signInAgain(t, n, "both@example.com", "correct horse battery", firefoxWindows)
	got := rcv.waitCount(t, 2)
	orgs := map[any]bool{got[0].Data["organizationId"]: true, got[1].Data["organizationId"]: true}
	if len(got) != 2 || got[0].ID == got[1].ID || !orgs[a.orgID] || !orgs[b.orgID] {
		t.Fatalf("ids %s %s, organizations %v", got[0].ID, got[1].ID, orgs)
	}
}
