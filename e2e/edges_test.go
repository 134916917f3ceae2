package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

// Once delivered, an outbox row no longer holds the token its mail carried;
// the token itself works as before, once.
func TestOutboxSentRowsHoldNoToken(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		acme := newTenant(t, n, "owner@example.com")
		mustInvite(t, acme.owner, map[string]any{"accountIds": []string{acme.root}, "emails": "grace@example.com"})
		token := inviteToken(t, n.Mail(t, 1), "grace@example.com")

		conn := testenv.OpenSQL(t, store)
		deadline := time.Now().Add(10 * time.Second)
		for {
			var unsent int
			if err := conn.QueryRow("SELECT COUNT(*) FROM outbox_messages WHERE sent_at IS NULL").Scan(&unsent); err != nil {
				t.Fatal(err)
			}
			if unsent == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d messages still unsent", unsent)
			}
			time.Sleep(10 * time.Millisecond) // polling the store: no event to wait on
		}
		rows, err := conn.Query("SELECT to_address, subject, text_body, html_body FROM outbox_messages")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		seen := 0
		for rows.Next() {
			var to, subject, text, html string
			if err := rows.Scan(&to, &subject, &text, &html); err != nil {
				t.Fatal(err)
			}
			seen++
			if text != "" || html != "" {
				t.Errorf("sent row to %s keeps a body (%d + %d bytes)", to, len(text), len(html))
			}
			if strings.Contains(to+subject+text+html, token) {
				t.Errorf("sent row to %s holds the token", to)
			}
			if to == "" || subject == "" {
				t.Errorf("sent row lost its envelope: to %q subject %q", to, subject)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if seen == 0 {
			t.Fatal("no outbox rows")
		}

		var out acceptPayload
		accept(t, n.Client(), newPerson(token)).Decode(t, &out)
		if out.AcceptInvitation.User.Email != "grace@example.com" {
			t.Fatalf("accepted as %q", out.AcceptInvitation.User.Email)
		}
		if r := accept(t, n.Client(), newPerson(token)); r.Code() == "" {
			t.Fatal("the invitation token worked twice")
		}
	})
}

// A malformed custom scalar, in the document or in a variable, is the
// caller's mistake: BAD_USER_INPUT, never INTERNAL.
func TestMalformedScalarIsBadUserInput(t *testing.T) {
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{})
	acme := newTenant(t, n, "owner@example.com")
	org := models.GlobalID(models.KindOrganization, acme.orgID)
	const literal = `query($id: ID!) { node(id: $id) { ... on Organization { auditLog(filter: {since: %s}) { totalCount } } } }`
	for name, tc := range map[string]struct {
		query string
		vars  map[string]any
		field string
	}{
		"Literal":           {fmt.Sprintf(literal, `"not a time"`), map[string]any{"id": org}, "since"},
		"LiteralNumber":     {fmt.Sprintf(literal, `12`), map[string]any{"id": org}, "since"},
		"Variable":          {auQuery, map[string]any{"id": org, "filter": map[string]any{"since": "not a time"}}, "since"},
		"VariableUntil":     {auQuery, map[string]any{"id": org, "filter": map[string]any{"until": "2026-13-45T99:00:00Z"}}, "until"},
		"VariableWrongType": {auQuery, map[string]any{"id": org, "filter": map[string]any{"since": true}}, "since"},
	} {
		t.Run(name, func(t *testing.T) {
			r := acme.owner.Do(t, tc.query, tc.vars)
			wantField(t, r, tc.field)
			if strings.Contains(strings.ToLower(r.Errors[0].Message), "internal") {
				t.Fatalf("message %q", r.Errors[0].Message)
			}
		})
	}
	// A well-formed time still works.
	acme.owner.MustDo(t, auQuery, map[string]any{"id": org, "filter": map[string]any{"since": "2020-01-01T00:00:00Z"}}, &struct{}{})
}

// With introspection off, error messages do not leak the schema through
// "Did you mean" hints; with it on, the hints stay (they help developers).
func TestNoSuggestionsWithoutIntrospection(t *testing.T) {
	store := testenv.Stores(t)[0]
	docs := map[string]string{
		"Field":    `{ me { emial } }`,
		"Argument": `{ node(idd: "x") { id } }`,
		"Type":     `query($f: AuditFiltr) { me { id } }`,
		"Variable": `mutation($r: Role!) { inviteUsers(input: {accountIds: [], emails: "a@example.com", role: $r}) { results { email } } }`,
		"Enum":     `mutation { inviteUsers(input: {accountIds: [], emails: "a@example.com", role: ADMN}) { results { email } } }`,
		"Fragment": `{ me { ... on Sesion { id } } }`,
	}
	for _, introspection := range []string{"false", "true"} {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Env: map[string]string{"GRAPHQL_INTROSPECTION": introspection}})
		c, _ := signUp(t, n, "owner-"+introspection+"@example.com")
		hinted := 0
		for name, doc := range docs {
			r := c.Do(t, doc, map[string]any{"r": "ADMN"})
			if r.Code() != "BAD_USER_INPUT" {
				t.Fatalf("introspection %s, %s: want BAD_USER_INPUT, got %+v", introspection, name, r.Errors)
			}
			for _, e := range r.Errors {
				if strings.Contains(e.Message, "Did you mean") {
					hinted++
					if introspection == "false" {
						t.Errorf("introspection off, %s: %q", name, e.Message)
					}
				}
			}
		}
		if introspection == "true" && hinted < 3 {
			t.Errorf("with introspection on, %d hints: the cases test nothing", hinted)
		}
	}
}

// An invitation over many accounts with long names reaches the database
// bounded: its audit details fit on every store, whatever the names hold.
func TestInviteManyLongNamedAccounts(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		acme := newTenant(t, n, "owner@example.com")
		// 200 characters that JSON and UTF-8 make as long as they can:
		// '<' escapes to six bytes in Go's default JSON, '😀' takes four.
		long := strings.Repeat("<😀&", 66) // 198 characters
		accounts := []string{acme.root}
		for i := range 49 {
			accounts = append(accounts, acme.subAccount(t, n, fmt.Sprintf("%02d", i)+long))
		}
		out := mustInvite(t, acme.owner, map[string]any{"accountIds": accounts, "emails": "grace@example.com"})
		if len(out.InviteUsers.Invitations) != 1 || len(out.InviteUsers.Invitations[0].Accounts) != 50 {
			t.Fatalf("invited %+v", out.InviteUsers.Results)
		}
		id := out.InviteUsers.Invitations[0].ID
		// The update's details hold the grant twice (before and after).
		acme.owner.MustDo(t, `mutation($in: UpdateInvitationInput!) { updateInvitation(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"id": id, "role": "ADMIN"}}, &struct{}{})
		org := models.GlobalID(models.KindOrganization, acme.orgID)
		page := auMustLog(t, acme.owner, org, map[string]any{"actions": []string{"INVITATION_SENT", "INVITATION_UPDATED"}})
		if len(page.Rows) != 2 {
			t.Fatalf("audit rows %+v", page.actions())
		}
		for _, r := range page.Rows {
			var d map[string]any
			if err := json.Unmarshal([]byte(r.Details), &d); err != nil {
				t.Fatalf("%s details are not JSON: %v", r.Action, err)
			}
		}

		// Past the bound on accounts per invitation: refused before any work.
		many := make([]string, models.MaxInviteAccounts+1)
		for i := range many {
			many[i] = models.GlobalID(models.KindAccount, int64(1000000+i))
		}
		wantField(t, invite(t, acme.owner, map[string]any{"accountIds": many, "emails": "x@example.com"}), "accountIds")
	})
}

// A user agent is the client's to choose: however long or malformed, signing
// in stores a bounded, valid value.
func TestSignInOddUserAgent(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		signUp(t, n, "ada@example.com")
		c := n.Client()
		c.UserAgent = "Mozilla/5.0 \xff\xfe" + strings.Repeat("é", 3000)
		var out struct {
			SignIn struct {
				Token   string `json:"token"`
				Session struct {
					DeviceName string `json:"deviceName"`
				} `json:"session"`
			} `json:"signIn"`
		}
		c.MustDo(t, `mutation($in: SignInInput!) { signIn(input: $in) { token session { deviceName } } }`,
			map[string]any{"in": map[string]any{"email": "ada@example.com", "password": "correct horse battery"}}, &out)
		if out.SignIn.Token == "" {
			t.Fatal("no token")
		}
	})
}

// A name made only of invisible or control characters is refused wherever a
// name is typed, with the field named; a real name around them is kept.
func TestInvisibleNamesRefused(t *testing.T) {
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{})
	acme := newTenant(t, n, "owner@example.com")
	agent := n.AddMember(t, acme.root, "agent@example.com", models.Grant{Role: models.RoleAgent})
	agentID := func() string {
		var me struct {
			Me struct{ ID string } `json:"me"`
		}
		agent.MustDo(t, `{ me { id } }`, nil, &me)
		return me.Me.ID
	}()
	for name, invisible := range map[string]string{
		"ZeroWidth": "\u200B\u200C\u200D",
		"WordJoin":  "\u2060\uFEFF",
		"Bidi":      "\u202E\u2066",
		"Filler":    "\u3164",
		"Controls":  "\u0001\u0085",
	} {
		t.Run(name, func(t *testing.T) {
			signUpIn := map[string]any{"organizationName": "Org " + name, "email": "new-" + strings.ToLower(name) + "@example.com",
				"password": "correct horse battery", "firstName": invisible, "lastName": "X"}
			wantField(t, n.Client().Do(t, signUpMutation, map[string]any{"in": signUpIn}), "firstName")
			signUpIn["firstName"], signUpIn["organizationName"] = "Ada", invisible
			wantField(t, n.Client().Do(t, signUpMutation, map[string]any{"in": signUpIn}), "organizationName")

			const upd = `mutation($in: UpdateProfileInput!) { updateProfile(input: $in) { id } }`
			for _, f := range []string{"firstName", "lastName", "displayName"} {
				wantField(t, acme.owner.Do(t, upd, map[string]any{"in": map[string]any{f: invisible}}), f)
			}
			wantField(t, acme.owner.Do(t, `mutation($in: UpdateMemberProfileInput!) { updateMemberProfile(input: $in) { id } }`,
				map[string]any{"in": map[string]any{"userId": agentID, "firstName": invisible}}), "firstName")
			wantField(t, acme.owner.Do(t, `mutation($in: CreateAccountInput!) { createAccount(input: $in) { id } }`,
				map[string]any{"in": map[string]any{"parentId": acme.root, "name": invisible}}), "name")
			wantField(t, acme.owner.Do(t, `mutation($in: CreateContactInput!) { createContact(input: $in) { id } }`,
				map[string]any{"in": map[string]any{"accountId": acme.root, "name": invisible}}), "name")
			wantField(t, invite(t, acme.owner, map[string]any{"accountIds": []string{acme.root}, "emails": "inv@example.com", "firstName": invisible}), "firstName")
		})
	}
	// Invisible characters around a real name are trimmed, not refused.
	var out struct {
		UpdateProfile struct {
			FirstName string `json:"firstName"`
		} `json:"updateProfile"`
	}
	acme.owner.MustDo(t, `mutation($in: UpdateProfileInput!) { updateProfile(input: $in) { firstName } }`,
		map[string]any{"in": map[string]any{"firstName": "\u200BAda\uFEFF"}}, &out)
	if out.UpdateProfile.FirstName != "Ada" {
		t.Fatalf("firstName %q", out.UpdateProfile.FirstName)
	}
}

// With METRICS_ADDR, /metrics answers there and not on the public address;
// without it, on the public address as before.
func TestMetricsAddr(t *testing.T) {
	store := testenv.Stores(t)[0]
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	n := testenv.StartNode(t, store, testenv.NodeOptions{Env: map[string]string{"METRICS_ADDR": "127.0.0.1:0"}})
	addr := n.App.MetricsAddr()
	if addr == "" {
		t.Fatal("no metrics listener")
	}
	if code, body := get("http://" + addr + "/metrics"); code != http.StatusOK || !strings.Contains(body, "rollcall_websockets_open") {
		t.Fatalf("GET /metrics on METRICS_ADDR: %d %.200s", code, body)
	}
	if code, body := get(n.Server.URL + "/metrics"); code != http.StatusNotFound || strings.Contains(body, "rollcall_") {
		t.Fatalf("GET /metrics on the public address: %d %.200s", code, body)
	}
	for _, path := range []string{"/query", "/debug/pprof/"} {
		if code, _ := get("http://" + addr + path); code != http.StatusNotFound {
			t.Fatalf("the metrics address serves more than /metrics: %s %d", path, code)
		}
	}
	if code, _ := get(n.Server.URL + "/healthz"); code != http.StatusOK {
		t.Fatalf("healthz %d", code)
	}

	// Closing the node closes its metrics listener.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n.App.Shutdown(ctx)
	_ = n.App.Close()
	if _, err := http.Get("http://" + addr + "/metrics"); err == nil {
		t.Fatal("the metrics listener outlived the node")
	}

	// PPROF adds Go's profiles on the metrics listener, never on the
	// public one.
	prof := testenv.StartNode(t, store, testenv.NodeOptions{Env: map[string]string{"METRICS_ADDR": "127.0.0.1:0", "PPROF": "true"}})
	if code, body := get("http://" + prof.App.MetricsAddr() + "/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Fatalf("GET /debug/pprof/ on METRICS_ADDR with PPROF: %d %.200s", code, body)
	}
	if code, _ := get(prof.Server.URL + "/debug/pprof/"); code != http.StatusNotFound {
		t.Fatalf("GET /debug/pprof/ on the public address: %d", code)
	}

	plain := testenv.StartNode(t, store, testenv.NodeOptions{})
	if plain.App.MetricsAddr() != "" {
		t.Fatal("a metrics listener without METRICS_ADDR")
	}
	if code, body := get(plain.Server.URL + "/metrics"); code != http.StatusOK || !strings.Contains(body, "rollcall_websockets_open") {
		t.Fatalf("GET /metrics without METRICS_ADDR: %d %.200s", code, body)
	}
}
