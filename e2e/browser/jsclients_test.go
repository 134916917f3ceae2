package browser

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

// The websocket endpoint driven by the real npm clients (issue 6): the
// scripts in e2e/jsclients run one scenario each and print one JSON line.

const jsClientsDir = "../jsclients"

// jsEvent is a presenceChanged event as the scripts report it.
type jsEvent struct {
	Email            string `json:"email"`
	Status           string `json:"status"`
	ConnectedDevices int    `json:"connectedDevices"`
	AccountID        string `json:"accountId"`
	Errors           []any  `json:"errors"`
}

// jsSocket is one socket a client opened, as recorded by the scripts.
type jsSocket struct {
	Offered  any            `json:"offered"`
	Protocol string         `json:"protocol"`
	Sent     map[string]int `json:"sent"`
	Received map[string]int `json:"received"`
	Close    *jsClose       `json:"close"`
}

// jsClose is a close as a client saw it (a CloseEvent, or what the
// client's sink.error received).
type jsClose struct {
	Code   int    `json:"closeCode"`
	Reason string `json:"closeReason"`
}

func (c *jsClose) UnmarshalJSON(b []byte) error {
	var v struct {
		Code        *int   `json:"code"`
		Reason      string `json:"reason"`
		CloseCode   *int   `json:"closeCode"`
		CloseReason string `json:"closeReason"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch {
	case v.CloseCode != nil:
		c.Code, c.Reason = *v.CloseCode, v.CloseReason
	case v.Code != nil:
		c.Code, c.Reason = *v.Code, v.Reason
	}
	return nil
}

// jsMe is the result of `{ me { email } }`.
type jsMe struct {
	Data struct {
		Me struct {
			Email string `json:"email"`
		} `json:"me"`
	} `json:"data"`
	Errors []any `json:"errors"`
}

// jsSetPresence is the result of setPresence.
type jsSetPresence struct {
	Data struct {
		SetPresence struct {
			Status           string `json:"status"`
			ConnectedDevices int    `json:"connectedDevices"`
		} `json:"setPresence"`
	} `json:"data"`
	Errors []any `json:"errors"`
}

// jsErrors is what a client handed to its error callback for a GraphQL
// error: the array of errors (graphql-ws) or the first one
// (subscriptions-transport-ws).
type jsErrors struct {
	Errors  []testenv.GQLError `json:"errors"`
	Message string             `json:"message"`
	// UnexpectedResult is set when the operation succeeded instead.
	UnexpectedResult any `json:"unexpectedResult"`
}

func (e jsErrors) messages() []string {
	var out []string
	for _, x := range e.Errors {
		out = append(out, x.Message)
	}
	if e.Message != "" {
		out = append(out, e.Message)
	}
	return out
}

// jsReport is the union of what the two scripts print.
type jsReport struct {
	Client            string        `json:"client"`
	Version           string        `json:"version"`
	Sockets           []jsSocket    `json:"sockets"`
	Query             jsMe          `json:"query"`
	MemberQuery       jsMe          `json:"memberQuery"`
	QueryAfterErrors  jsMe          `json:"queryAfterErrors"`
	Mutation          jsSetPresence `json:"mutation"`
	OwnerAwayEvent    jsEvent       `json:"ownerAwayEvent"`
	MemberEvents      []jsEvent     `json:"memberEvents"`
	Events            []jsEvent     `json:"events"`
	MemberClose       *jsClose      `json:"memberClose"`
	OwnerClose        *jsClose      `json:"ownerClose"`
	ValidationError   jsErrors      `json:"validationError"`
	PresenceDoneEarly bool          `json:"presenceCompletedEarly"`
	ClientErrors      []any         `json:"clientErrors"`
	OwnerNonLazy      any           `json:"ownerNonLazyError"`
	MemberNonLazy     any           `json:"memberNonLazyError"`

	ResolverError struct {
		Result *struct {
			Data   any                `json:"data"`
			Errors []testenv.GQLError `json:"errors"`
		} `json:"result"`
		Rejected any `json:"rejected"`
	} `json:"resolverError"`

	// graphql-ws only.
	Pongs int `json:"pongs"`

	// subscriptions-transport-ws only: what connectionCallback received
	// (null for connection_ack).
	OwnerConnection  json.RawMessage `json:"ownerConnection"`
	MemberConnection json.RawMessage `json:"memberConnection"`

	BadToken struct {
		// graphql-ws: what sink.error got, and on('closed').
		Subscribe *jsClose `json:"subscribe"`
		Closed    *jsClose `json:"closed"`
		// subscriptions-transport-ws: the connection_error payload and
		// the socket's close.
		Connection *testenv.GQLError `json:"connection"`
		Close      *jsClose          `json:"close"`
	} `json:"badToken"`
}

// requireJSClients returns the node binary, skipping the test when node or
// the npm packages are missing, or failing it under CI.
func requireJSClients(t *testing.T) string {
	t.Helper()
	missing := func(what string) {
		t.Helper()
		if os.Getenv("CI") != "" {
			t.Fatalf("%s: under CI the npm client tests must run (install Node.js, then `npm ci --prefix e2e/jsclients`)", what)
		}
		t.Skipf("%s: run `npm ci --prefix e2e/jsclients` (Node.js >= 20) to test with the npm websocket clients", what)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not on PATH")
	}
	for _, pkg := range []string{"graphql-ws", "subscriptions-transport-ws", "ws", "graphql"} {
		if _, err := os.Stat(filepath.Join(jsClientsDir, "node_modules", pkg, "package.json")); err != nil {
			missing("e2e/jsclients/node_modules/" + pkg + " is missing")
		}
	}
	return node
}

// runJSClient runs script with the node's websocket URL and the tokens, and
// decodes the JSON line it prints.
func runJSClient(t *testing.T, node, script string, n *testenv.Node, owner, member *testenv.Client, account string) jsReport {
	t.Helper()
	url := "ws" + strings.TrimPrefix(n.Server.URL, "http") + "/query"
	last := runNodeScript(t, node, script, []string{url},
		"ROLLCALL_OWNER_TOKEN="+owner.Token,
		"ROLLCALL_MEMBER_TOKEN="+member.Token,
		"ROLLCALL_ACCOUNT_ID="+account,
	)
	var rep jsReport
	if err := json.Unmarshal(last, &rep); err != nil {
		t.Fatalf("node %s printed no JSON result line (%v): %s", script, err, last)
	}
	t.Logf("%s %s: %s", rep.Client, rep.Version, last)
	return rep
}

// checkCommon asserts what both clients must see.
func checkCommon(t *testing.T, rep jsReport, protocol, owner, member, account string) {
	t.Helper()
	if len(rep.Sockets) == 0 {
		t.Fatal("no socket recorded")
	}
	for i, s := range rep.Sockets {
		if s.Protocol != protocol {
			t.Errorf("socket %d negotiated %q, want %q (offered %v)", i, s.Protocol, protocol, s.Offered)
		}
	}
	if rep.Query.Data.Me.Email != owner || len(rep.Query.Errors) > 0 {
		t.Errorf("me over the socket: %+v, want %s", rep.Query, owner)
	}
	if rep.MemberQuery.Data.Me.Email != member {
		t.Errorf("member's me over the socket: %+v, want %s", rep.MemberQuery, member)
	}
	if rep.QueryAfterErrors.Data.Me.Email != owner {
		t.Errorf("the socket must keep working after operation errors: %+v", rep.QueryAfterErrors)
	}
	if p := rep.Mutation.Data.SetPresence; p.Status != "AWAY" || p.ConnectedDevices != 1 || len(rep.Mutation.Errors) > 0 {
		t.Errorf("setPresence(AWAY) over the socket: %+v", rep.Mutation)
	}
	if e := rep.OwnerAwayEvent; e.Email != owner || e.Status != "AWAY" || e.ConnectedDevices != 1 {
		t.Errorf("the watcher's own AWAY event: %+v", e)
	}

	// The member's device arrives then leaves: ONLINE with 1, OFFLINE with 0.
	if len(rep.MemberEvents) < 2 {
		t.Fatalf("want the member's ONLINE then OFFLINE events, got %+v", rep.MemberEvents)
	}
	if first := rep.MemberEvents[0]; first.Status != "ONLINE" || first.ConnectedDevices != 1 {
		t.Errorf("first member event: %+v, want ONLINE with 1 device", first)
	}
	if last := rep.MemberEvents[len(rep.MemberEvents)-1]; last.Status != "OFFLINE" || last.ConnectedDevices != 0 {
		t.Errorf("last member event: %+v, want OFFLINE with 0 devices", last)
	}
	for _, e := range rep.Events {
		if e.AccountID != account || len(e.Errors) > 0 || (e.Email != owner && e.Email != member) {
			t.Errorf("unexpected presence event %+v (account %s)", e, account)
		}
	}
	if rep.PresenceDoneEarly {
		t.Error("presenceChanged completed while watched")
	}
	if rep.ClientErrors != nil || rep.OwnerNonLazy != nil || rep.MemberNonLazy != nil {
		t.Errorf("client errors: %v %v %v", rep.ClientErrors, rep.OwnerNonLazy, rep.MemberNonLazy)
	}

	if r := rep.ResolverError; r.Rejected != nil || r.Result == nil || len(r.Result.Errors) == 0 || r.Result.Data != nil {
		t.Errorf("a resolver error travels as a result (data null, errors) then complete: %+v", r)
	} else if code := r.Result.Errors[0].Extensions["code"]; code != "NOT_FOUND" && code != "BAD_USER_INPUT" {
		t.Errorf("a bogus account id: %+v", r.Result.Errors)
	}
	if rep.ValidationError.UnexpectedResult != nil {
		t.Errorf("an invalid query succeeded: %v", rep.ValidationError.UnexpectedResult)
	} else if msgs := rep.ValidationError.messages(); len(msgs) == 0 || !strings.Contains(strings.Join(msgs, "\n"), "nope") {
		t.Errorf("an invalid query must fail naming the field: %+v", rep.ValidationError)
	}
}

func TestJSClients(t *testing.T) {
	node := requireJSClients(t)
	setup := func(t *testing.T) (*testenv.Node, testenv.Org, *testenv.Client) {
		// One store is enough: the scripts exercise the transport.
		store := testenv.Store{Name: "sqlite", URL: "sqlite:" + testenv.SQLitePath(t)}
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		f := n.NewOrg(t, "owner@example.com")
		agent := n.AddMember(t, f.RootID, "agent@example.com", models.Grant{Role: models.RoleAgent})
		return n, f, agent
	}

	t.Run("graphql-ws", func(t *testing.T) {
		n, f, agent := setup(t)
		rep := runJSClient(t, node, "graphql-ws.mjs", n, f.Owner, agent, f.RootID)
		if rep.Client != "graphql-ws" {
			t.Fatalf("ran %q", rep.Client)
		}
		checkCommon(t, rep, "graphql-transport-ws", "owner@example.com", "agent@example.com", f.RootID)

		if rep.Pongs < 1 {
			t.Errorf("the client's keep-alive pings got no pong")
		}
		if b := rep.BadToken; b.Closed == nil || b.Closed.Code != 4403 || b.Subscribe == nil || b.Subscribe.Code != 4403 {
			t.Errorf("a bad token must close with 4403 as the client reports it: closed %+v, subscribe %+v", b.Closed, b.Subscribe)
		} else if !strings.HasPrefix(b.Closed.Reason, "TOKEN_INVALID") && !strings.HasPrefix(b.Closed.Reason, "UNAUTHENTICATED") {
			t.Errorf("the 4403 reason names the code: %q", b.Closed.Reason)
		}
		if rep.MemberClose == nil || rep.MemberClose.Code != 1000 {
			t.Errorf("the member's dispose closes normally: %+v", rep.MemberClose)
		}
		if rep.OwnerClose == nil || rep.OwnerClose.Code != 1000 {
			t.Errorf("the owner's dispose closes normally: %+v", rep.OwnerClose)
		}
		for i, s := range rep.Sockets {
			if s.Received["ping"] > 0 || s.Received["<not JSON>"] > 0 {
				t.Errorf("socket %d received %v", i, s.Received)
			}
		}
	})

	t.Run("subscriptions-transport-ws", func(t *testing.T) {
		n, f, agent := setup(t)
		rep := runJSClient(t, node, "subscriptions-transport-ws.mjs", n, f.Owner, agent, f.RootID)
		if rep.Client != "subscriptions-transport-ws" {
			t.Fatalf("ran %q", rep.Client)
		}
		checkCommon(t, rep, "graphql-ws", "owner@example.com", "agent@example.com", f.RootID)

		if string(rep.OwnerConnection) != "null" || string(rep.MemberConnection) != "null" {
			t.Errorf("connectionCallback must report connection_ack: owner %s, member %s", rep.OwnerConnection, rep.MemberConnection)
		}
		if ka := rep.Sockets[0].Received["ka"]; ka < 1 {
			t.Errorf("the legacy protocol sends ka after connection_ack: %v", rep.Sockets[0].Received)
		}
		b := rep.BadToken
		if b.Connection == nil || b.Connection.Message == "" || b.Connection.Extensions["code"] == nil {
			t.Errorf("a bad token answers connection_error with a message and a code: %+v", b.Connection)
		}
		if b.Close == nil || b.Close.Code != 4403 {
			t.Errorf("then closes with 4403: %+v", b.Close)
		}
		// The client sends connection_terminate and closes at once.
		for _, c := range []*jsClose{rep.MemberClose, rep.OwnerClose} {
			if c == nil || (c.Code != 1000 && c.Code != 1005) {
				t.Errorf("connection_terminate closes normally: member %+v, owner %+v", rep.MemberClose, rep.OwnerClose)
			}
		}
	})
}
