package e2e

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/rollcall/rollcall/internal/testenv"
)

const sessionsSub = `subscription { sessionsChanged { kind at session { id deviceName current connected } } }`

type sessionEvent struct {
	Kind    string `json:"kind"`
	At      string `json:"at"`
	Session struct {
		ID         string `json:"id"`
		DeviceName string `json:"deviceName"`
		Current    bool   `json:"current"`
		Connected  bool   `json:"connected"`
	} `json:"session"`
}

// nextSessionEvent returns the next sessionsChanged event on ws whose
// session is not skip.
func nextSessionEvent(t *testing.T, ws *wsClient, skip string) sessionEvent {
	t.Helper()
	for {
		m := ws.nextEvent("s")
		if m["type"] == "error" {
			t.Fatalf("subscription error: %v", m)
		}
		var out struct {
			Data struct {
				E sessionEvent `json:"sessionsChanged"`
			} `json:"data"`
			Errors []any `json:"errors"`
		}
		if err := json.Unmarshal([]byte(mustJSON(m["payload"])), &out); err != nil || len(out.Errors) > 0 {
			t.Fatalf("bad event %v (%v)", m, err)
		}
		if out.Data.E.Session.ID != skip {
			return out.Data.E
		}
	}
}

func expectSessionEvent(t *testing.T, ws *wsClient, skip, kind, sessionID string) sessionEvent {
	t.Helper()
	e := nextSessionEvent(t, ws, skip)
	if e.Kind != kind || e.Session.ID != sessionID || e.At == "" {
		t.Fatalf("got %s of %s, want %s of %s", e.Kind, e.Session.ID, kind, sessionID)
	}
	return e
}

// watchSessions subscribes the owner's socket on n to sessionsChanged and
// returns once events flow: a spare device connects and leaves until its
// CONNECTED arrives (a subscribe is set up asynchronously). It returns the
// spare session's id, whose later events the caller skips.
func watchSessions(t *testing.T, n, other *testenv.Node, owner *testenv.Client, email string) (*wsClient, string) {
	t.Helper()
	ws := initWS(t, n, owner)
	ws.send(map[string]any{"id": "s", "type": "subscribe", "payload": map[string]any{"query": sessionsSub}})
	spare, spareID := signInDevice(t, other, email, "")
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			dev := initWS(t, other, spare)
			time.Sleep(30 * time.Millisecond)
			dev.conn.Close()
			select {
			case <-stop:
				return
			case <-time.After(30 * time.Millisecond):
			}
		}
	}()
	for e := nextSessionEvent(t, ws, ""); e.Session.ID != spareID || e.Kind != "CONNECTED"; e = nextSessionEvent(t, ws, "") {
	}
	close(stop)
	<-done
	return ws, spareID
}

func signInDevice(t *testing.T, n *testenv.Node, email, ua string) (*testenv.Client, string) {
	t.Helper()
	return signInAs(t, n, email, "correct horse battery", ua)
}

// checkSessionsChanged drives a device through its life on node b while the
// owner watches from node a (the same node in the single-node run).
func checkSessionsChanged(t *testing.T, a, b *testenv.Node) {
	f := newOrg(t, a, "owner@example.com")
	other := newOrg(t, b, "stranger@example.com")
	ws, spare := watchSessions(t, a, b, f.owner, "owner@example.com")

	phone, phoneID := signInDevice(t, b, "owner@example.com", safariIOS)
	e := expectSessionEvent(t, ws, spare, "SIGNED_IN", phoneID)
	if e.Session.DeviceName != "Safari on iOS" || e.Session.Current || e.Session.Connected {
		t.Fatalf("SIGNED_IN session = %+v", e.Session)
	}
	dev := initWS(t, b, phone)
	if e := expectSessionEvent(t, ws, spare, "CONNECTED", phoneID); !e.Session.Connected {
		t.Fatalf("CONNECTED but connected=false: %+v", e.Session)
	}
	second := initWS(t, b, phone) // a second tab: the session was already connected
	second.conn.Close()
	initWS(t, b, other.owner) // another person's device is not the owner's business
	dev.conn.Close()
	if e := expectSessionEvent(t, ws, spare, "DISCONNECTED", phoneID); e.Session.Connected {
		t.Fatalf("DISCONNECTED but connected=true: %+v", e.Session)
	}
	var out map[string]any
	f.owner.MustDo(t, `mutation($id: ID!) { signOutSession(id: $id) { id } }`, map[string]any{"id": phoneID}, &out)
	expectSessionEvent(t, ws, spare, "SIGNED_OUT", phoneID)

	// Signing out everywhere else announces the spare device too; the
	// watching socket's own session stays.
	f.owner.MustDo(t, `mutation { signOutOtherSessions }`, nil, &out)
	expectSessionEvent(t, ws, phoneID, "SIGNED_OUT", spare)
}

func TestSessionsChanged(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		checkSessionsChanged(t, n, n)
	})
}

func TestSessionsChangedAcrossNodes(t *testing.T) {
	a, b := twoNodes(t)
	checkSessionsChanged(t, a, b)
}

// sessionsChanged streams only to a signed-in socket: a socket without a
// token is closed at connection_init (4403), and over HTTP a subscription
// is refused whoever asks (it needs a websocket).
func TestSessionsChangedNeedsSignIn(t *testing.T) {
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{})
	if r := n.Client().Do(t, sessionsSub, nil); r.Code() != "BAD_USER_INPUT" || len(r.Data) > 0 && string(r.Data) != "null" {
		t.Fatalf("anonymous sessionsChanged over HTTP: %s %s", r.Code(), r.Data)
	}
	ws, _, err := dialWS(t, n, "graphql-transport-ws", "")
	if err != nil {
		t.Fatal(err)
	}
	ws.send(map[string]any{"type": "connection_init", "payload": map[string]any{}})
	if m, code := ws.read(5 * time.Second); code != 4403 {
		t.Fatalf("anonymous socket: got %v (close %d), want close 4403", m, code)
	}
}
