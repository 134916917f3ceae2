package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

func dialWS(t *testing.T, n *testenv.Node, protocol, origin string) (*wsClient, *http.Response, error) {
	t.Helper()
	d := websocket.Dialer{Subprotocols: []string{protocol}, HandshakeTimeout: 5 * time.Second}
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	conn, resp, err := d.Dial("ws"+strings.TrimPrefix(n.Server.URL, "http")+"/query", h)
	if err != nil {
		return nil, resp, err
	}
	t.Cleanup(func() { conn.Close() })
	return &wsClient{t: t, conn: conn}, resp, nil
}

func (c *wsClient) send(v any) {
	c.t.Helper()
	if err := c.conn.WriteJSON(v); err != nil {
		c.t.Fatal(err)
	}
}

// read returns the next message, or the close code when the socket closed.
func (c *wsClient) read(timeout time.Duration) (map[string]any, int) {
	c.t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(timeout))
	_, raw, err := c.conn.ReadMessage()
	if err != nil {
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return nil, ce.Code
		}
		c.t.Fatalf("read: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		c.t.Fatalf("not JSON: %s", raw)
	}
	return m, 0
}

func TestWebsocketAuthAndSignOut(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		c, _ := signUp(t, n, "ada@example.com")

		t.Run("ErrBadToken", func(t *testing.T) {
			ws, _, err := dialWS(t, n, "graphql-transport-ws", "")
			if err != nil {
				t.Fatal(err)
			}
			ws.send(map[string]any{"type": "connection_init", "payload": map[string]any{"authToken": "nope"}})
			if _, code := ws.read(5 * time.Second); code != 4403 {
				t.Fatalf("want close 4403, got %d", code)
			}
		})
		t.Run("ErrForeignOrigin", func(t *testing.T) {
			_, resp, err := dialWS(t, n, "graphql-transport-ws", "https://evil.example.com")
			if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Fatalf("a foreign origin must be refused, got %v %v", err, resp)
			}
		})
		for _, proto := range []string{"graphql-transport-ws", "graphql-ws"} {
			t.Run("SignedOutSocketCloses_"+proto, func(t *testing.T) {
				dev := signInAgain(t, n, "ada@example.com", "correct horse battery", firefoxWindows)
				ws, _, err := dialWS(t, n, proto, "http://localhost:8080")
				if err != nil {
					t.Fatal(err)
				}
				ws.send(map[string]any{"type": "connection_init", "payload": map[string]any{"authToken": dev.Token}})
				if m, code := ws.read(5 * time.Second); code != 0 || m["type"] != "connection_ack" {
					t.Fatalf("want connection_ack, got %v %d", m, code)
				}
				start, data := "subscribe", "next"
				if proto == "graphql-ws" {
					start, data = "start", "data"
				}
				ws.send(map[string]any{"id": "1", "type": start, "payload": map[string]any{"query": "{ me { email } }"}})
				for {
					m, code := ws.read(5 * time.Second)
					if code != 0 {
						t.Fatalf("closed %d", code)
					}
					if m["type"] == "ka" {
						continue
					}
					if m["type"] != data || !strings.Contains(mustJSON(m["payload"]), "ada@example.com") {
						t.Fatalf("want %s with me, got %v", data, m)
					}
					break
				}
				var sessions struct {
					Me struct {
						Sessions []sessionRow `json:"sessions"`
					} `json:"me"`
				}
				dev.MustDo(t, `{ me { sessions { id current } } }`, nil, &sessions)
				var id string
				for _, s := range sessions.Me.Sessions {
					if s.Current {
						id = s.ID
					}
				}
				c.MustDo(t, `mutation($id: ID!) { signOutSession(id: $id) { id } }`, map[string]any{"id": id}, &struct{}{})
				deadline := time.Now().Add(5 * time.Second)
				for {
					_, code := ws.read(time.Until(deadline))
					if code == 4403 {
						break
					}
					if code != 0 || time.Now().After(deadline) {
						t.Fatalf("the signed-out socket must close with 4403, got %d", code)
					}
				}
			})
		}
	})
}

func TestShutdownClosesSocketsGoingAway(t *testing.T) {
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{})
	c, _ := signUp(t, n, "ada@example.com")
	ws, _, err := dialWS(t, n, "graphql-transport-ws", "")
	if err != nil {
		t.Fatal(err)
	}
	ws.send(map[string]any{"type": "connection_init", "payload": map[string]any{"authToken": c.Token}})
	if m, _ := ws.read(5 * time.Second); m["type"] != "connection_ack" {
		t.Fatalf("no ack: %v", m)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n.App.Shutdown(ctx)
	if _, code := ws.read(5 * time.Second); code != websocket.CloseGoingAway {
		t.Fatalf("want 1001 on shutdown, got %d", code)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func connectedOf(t *testing.T, c *testenv.Client) map[bool]int {
	t.Helper()
	got := map[bool]int{}
	for _, s := range mySessions(t, c) {
		got[s.Connected]++
	}
	return got
}

// waitFor polls a condition answered by the API (there is no event to wait
// on from outside) until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSessionConnectedFollowsTheSocket(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		c, _ := signUp(t, n, "ada@example.com")
		signInAgain(t, n, "ada@example.com", "correct horse battery", firefoxWindows)
		if got := connectedOf(t, c); got[true] != 0 {
			t.Fatalf("no socket yet: %v", got)
		}
		ws, _, err := dialWS(t, n, "graphql-transport-ws", "")
		if err != nil {
			t.Fatal(err)
		}
		ws.send(map[string]any{"type": "connection_init", "payload": map[string]any{"authToken": c.Token}})
		if m, _ := ws.read(5 * time.Second); m["type"] != "connection_ack" {
			t.Fatalf("no ack: %v", m)
		}
		var current sessionRow
		for _, s := range mySessions(t, c) {
			if s.Current {
				current = s
			}
		}
		if !current.Connected || connectedOf(t, c)[true] != 1 {
			t.Fatalf("the current device has a live socket: %+v", mySessions(t, c))
		}
		ws.conn.Close()
		waitFor(t, "the closed socket to be reported", func() bool { return connectedOf(t, c)[true] == 0 })
	})
}

// A device signed out on node A has its socket on node B closed: the
// command crosses nodes through Redis.
func TestSignOutClosesSocketsOnEveryNode(t *testing.T) {
	a, b := twoNodes(t)
	owner, _ := signUp(t, a, "ada@example.com")
	phone := signInAgain(t, b, "ada@example.com", "correct horse battery", safariIOS)
	ws, _, err := dialWS(t, b, "graphql-transport-ws", "")
	if err != nil {
		t.Fatal(err)
	}
	ws.send(map[string]any{"type": "connection_init", "payload": map[string]any{"authToken": phone.Token}})
	if m, _ := ws.read(5 * time.Second); m["type"] != "connection_ack" {
		t.Fatalf("no ack: %v", m)
	}
	// Node A sees the socket held by node B.
	waitFor(t, "node A to see B's socket", func() bool { return connectedOf(t, owner)[true] == 1 })
	start := time.Now()
	var out struct {
		N int `json:"signOutOtherSessions"`
	}
	owner.MustDo(t, `mutation { signOutOtherSessions }`, nil, &out)
	if _, code := ws.read(5 * time.Second); code != 4403 {
		t.Fatalf("the socket on node B must close with 4403, got %d", code)
	}
	t.Logf("sign-out on A closed the socket on B after %v", time.Since(start))
}

type presenceView struct {
	Status           string  `json:"status"`
	ConnectedDevices int     `json:"connectedDevices"`
	LastActiveAt     *string `json:"lastActiveAt"`
}

func presenceOf(t *testing.T, c *testenv.Client) presenceView {
	t.Helper()
	var out struct {
		Me struct {
			Presence presenceView `json:"presence"`
		} `json:"me"`
	}
	c.MustDo(t, `{ me { presence { status connectedDevices lastActiveAt } lastActiveAt } }`, nil, &out)
	return out.Me.Presence
}

func TestPresenceStatus(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		c, _ := signUp(t, n, "ada@example.com")
		if p := presenceOf(t, c); p.Status != "OFFLINE" || p.ConnectedDevices != 0 {
			t.Fatalf("no socket: %+v", p)
		}
		ws, _, err := dialWS(t, n, "graphql-transport-ws", "")
		if err != nil {
			t.Fatal(err)
		}
		ws.send(map[string]any{"type": "connection_init", "payload": map[string]any{"authToken": c.Token}})
		if m, _ := ws.read(5 * time.Second); m["type"] != "connection_ack" {
			t.Fatalf("no ack: %v", m)
		}
		if p := presenceOf(t, c); p.Status != "ONLINE" || p.ConnectedDevices != 1 || p.LastActiveAt == nil {
			t.Fatalf("one device connected: %+v", p)
		}
		setOverWS := func(id, activity string) string {
			ws.send(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{
				"query": `mutation($a: PresenceActivity!) { setPresence(input: {activity: $a}) { status } }`, "variables": map[string]any{"a": activity}}})
			for {
				m, code := ws.read(5 * time.Second)
				if code != 0 {
					t.Fatalf("closed %d", code)
				}
				if m["type"] == "next" && m["id"] == id {
					return mustJSON(m["payload"])
				}
			}
		}
		if got := setOverWS("1", "IDLE"); !strings.Contains(got, `"AWAY"`) {
			t.Fatalf("the only device idle: %s", got)
		}
		if got := setOverWS("2", "ACTIVE"); !strings.Contains(got, `"ONLINE"`) {
			t.Fatalf("active again: %s", got)
		}
		// A manual AWAY over HTTP wins until ACTIVE clears it, and is stored.
		var out struct {
			P presenceView `json:"setPresence"`
		}
		c.MustDo(t, `mutation { setPresence(input: {activity: AWAY}) { status connectedDevices } }`, nil, &out)
		if out.P.Status != "AWAY" || out.P.ConnectedDevices != 1 {
			t.Fatalf("manual away: %+v", out.P)
		}
		if r := c.Do(t, `mutation { setPresence(input: {activity: IDLE}) { status } }`, nil); r.Code() != "BAD_USER_INPUT" {
			t.Fatalf("IDLE over HTTP names no device: %+v", r.Errors)
		}
		if got := setOverWS("3", "ACTIVE"); !strings.Contains(got, `"ONLINE"`) {
			t.Fatalf("ACTIVE clears the manual away: %s", got)
		}
		ws.conn.Close()
		waitFor(t, "OFFLINE after the last device left", func() bool { return presenceOf(t, c).Status == "OFFLINE" })
		// Last active is written behind to the store when the person leaves.
		uid, _ := models.ParseID(models.KindUser, userID(t, c))
		waitFor(t, "last active stored", func() bool {
			users, err := n.App.Store.FindUsersByIDs(context.Background(), []int64{uid})
			return err == nil && len(users) == 1 && users[0].LastActiveAt != nil
		})
	})
}

// initWS opens an acknowledged graphql-transport-ws socket for c on n.
func initWS(t *testing.T, n *testenv.Node, c *testenv.Client) *wsClient {
	t.Helper()
	ws, _, err := dialWS(t, n, "graphql-transport-ws", "")
	if err != nil {
		t.Fatal(err)
	}
	ws.send(map[string]any{"type": "connection_init", "payload": map[string]any{"authToken": c.Token}})
	if m, _ := ws.read(5 * time.Second); m["type"] != "connection_ack" {
		t.Fatalf("no ack: %v", m)
	}
	return ws
}

// nextEvent waits for the next `next` of subscription id, skipping others.
func (c *wsClient) nextEvent(id string) map[string]any {
	c.t.Helper()
	for {
		m, code := c.read(10 * time.Second)
		if code != 0 {
			c.t.Fatalf("closed %d while waiting for %s", code, id)
		}
		if m["id"] == id && (m["type"] == "next" || m["type"] == "error") {
			return m
		}
	}
}

const presenceSub = `subscription($a: ID!) { presenceChanged(accountId: $a) { accountId at user { email } presence { status connectedDevices } } }`

func watchPresence(t *testing.T, n *testenv.Node, watcher *testenv.Client, account string) *wsClient {
	t.Helper()
	ws := initWS(t, n, watcher)
	ws.send(map[string]any{"id": "p", "type": "subscribe", "payload": map[string]any{"query": presenceSub, "variables": map[string]any{"a": account}}})
	return ws
}

func expectPresence(t *testing.T, ws *wsClient, email, status string, devices int) {
	t.Helper()
	for {
		m := ws.nextEvent("p")
		if m["type"] == "error" {
			t.Fatalf("subscription error: %v", m)
		}
		got := mustJSON(m["payload"])
		if !strings.Contains(got, email) {
			continue
		}
		if !strings.Contains(got, `"status":"`+status+`"`) || !strings.Contains(got, fmt.Sprintf(`"connectedDevices":%d`, devices)) {
			t.Fatalf("want %s %s with %d devices, got %s", email, status, devices, got)
		}
		return
	}
}

// waitWatching returns once the subscription on ws delivers events: the
// owner (connected on that socket) toggles a manual AWAY until one of
// their own events arrives, since a subscribe is set up asynchronously.
func waitWatching(t *testing.T, ws *wsClient, owner *testenv.Client) {
	t.Helper()
	waitWatchingAs(t, ws, owner, "owner@example.com")
}

// waitWatchingAs is waitWatching with the person connected on ws.
func waitWatchingAs(t *testing.T, ws *wsClient, owner *testenv.Client, email string) {
	t.Helper()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			activity := "AWAY"
			if i%2 == 1 {
				activity = "ACTIVE"
			}
			owner.Do(t, `mutation($a: PresenceActivity!) { setPresence(input: {activity: $a}) { status } }`, map[string]any{"a": activity})
			select {
			case <-stop:
				owner.Do(t, `mutation { setPresence(input: {activity: ACTIVE}) { status } }`, nil)
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	for {
		m := ws.nextEvent("p")
		if strings.Contains(mustJSON(m["payload"]), email) {
			break
		}
	}
	close(stop)
	<-done
}

func TestPresenceChangedSubscription(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		f := newOrg(t, n, "owner@example.com")
		agent := n.AddMember(t, f.rootID, "agent@example.com", models.Grant{Role: models.RoleAgent})
		watch := watchPresence(t, n, f.owner, f.rootID)
		waitWatching(t, watch, f.owner)
		dev := initWS(t, n, agent)
		expectPresence(t, watch, "agent@example.com", "ONLINE", 1)
		dev.conn.Close()
		expectPresence(t, watch, "agent@example.com", "OFFLINE", 0)

		t.Run("ErrOtherTenant", func(t *testing.T) {
			other := newOrg(t, n, "other@example.com")
			ws := initWS(t, n, other.owner)
			ws.send(map[string]any{"id": "x", "type": "subscribe", "payload": map[string]any{"query": presenceSub, "variables": map[string]any{"a": f.rootID}}})
			m := ws.nextEvent("x")
			// A resolver error arrives as a result with errors (then complete).
			if !strings.Contains(mustJSON(m["payload"]), `"code":"NOT_FOUND"`) {
				t.Fatalf("another tenant's account: %v", m)
			}
		})
	})
}

// A watcher on node A sees a device connect and leave on node B.
func TestPresenceChangedAcrossNodes(t *testing.T) {
	a, b := twoNodes(t)
	f := newOrg(t, a, "owner@example.com")
	agent := b.AddMember(t, f.rootID, "agent@example.com", models.Grant{Role: models.RoleAgent})
	watch := watchPresence(t, a, f.owner, f.rootID)
	waitWatching(t, watch, f.owner)
	dev := initWS(t, b, agent)
	expectPresence(t, watch, "agent@example.com", "ONLINE", 1)
	dev.conn.Close()
	expectPresence(t, watch, "agent@example.com", "OFFLINE", 0)
}

// twoNodes starts two in-process nodes sharing a MariaDB database and a
// Redis key space (skipped without them outside CI).
func twoNodes(t *testing.T) (a, b *testenv.Node) {
	t.Helper()
	url := testenv.MySQL(t)
	redisURL, prefix := testenv.Redis(t)
	if url == "" || redisURL == "" {
		t.Skip("TEST_MYSQL_DSN and TEST_REDIS_URL are needed for several nodes")
	}
	store := testenv.Store{Name: "mysql", URL: url}
	a = testenv.StartNode(t, store, testenv.NodeOptions{Redis: true, RedisPrefix: prefix})
	b = testenv.StartNode(t, store, testenv.NodeOptions{Redis: true, RedisPrefix: prefix})
	return a, b
}
