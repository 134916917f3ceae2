package e2e

import (
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
	"github.com/rollcall/rollcall/presence"
)

// metricValue reads one sample of /metrics (0 when absent).
func metricValue(t *testing.T, n *testenv.Node, sample string) float64 {
	t.Helper()
	resp, err := http.Get(n.Server.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(sample) + ` (\S+)$`).FindSubmatch(raw)
	if m == nil {
		return 0
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatalf("metric %s: %v", sample, err)
	}
	return v
}

// closeOf reads until the server closes the socket and returns the close
// code and reason.
func closeOf(t *testing.T, ws *wsClient, within time.Duration) (int, string) {
	t.Helper()
	_ = ws.conn.SetReadDeadline(time.Now().Add(within))
	for {
		if _, _, err := ws.conn.ReadMessage(); err != nil {
			var ce *websocket.CloseError
			if !errors.As(err, &ce) {
				t.Fatalf("want a close frame, got %v", err)
			}
			return ce.Code, ce.Text
		}
	}
}

const liveSessionsSub = `subscription { sessionsChanged { kind } }`

// Item 3: one socket cannot hold unbounded work, one session cannot open
// unbounded sockets, and every refusal is counted in /metrics.
func TestSocketLimits(t *testing.T) {
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{Env: map[string]string{
		"WS_MAX_OPERATIONS": "3", "WS_MAX_MESSAGES_PER_SECOND": "5", "WS_MAX_SOCKETS_PER_SESSION": "2",
	}})
	c, _ := signUp(t, n, "ada@example.com")
	refusedBy := func(reason string) float64 {
		return metricValue(t, n, `rollcall_websocket_refusals_total{reason="`+reason+`"}`)
	}

	t.Run("TooManyOperations", func(t *testing.T) {
		ws := initWS(t, n, c)
		for _, id := range []string{"1", "2", "3", "4"} {
			ws.send(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": liveSessionsSub}})
		}
		m := ws.nextEvent("4")
		if m["type"] != "error" || !strings.Contains(mustJSON(m["payload"]), `"code":"RATE_LIMITED"`) {
			t.Fatalf("the fourth operation must be refused with RATE_LIMITED, got %v", m)
		}
		// The socket still serves: one subscription ends, a query runs.
		ws.send(map[string]any{"id": "1", "type": "complete"})
		if got := sendOverWS(t, ws, "q", `{ me { email } }`, nil); !strings.Contains(got, "ada@example.com") {
			t.Fatalf("a query after the refusal: %s", got)
		}
		if v := refusedBy("operations"); v != 1 {
			t.Fatalf("operations refusals in /metrics: %v", v)
		}
	})

	t.Run("MessageFloodCloses4429", func(t *testing.T) {
		ws := initWS(t, n, c)
		for range 30 {
			if err := ws.conn.WriteJSON(map[string]any{"type": "ping"}); err != nil {
				break // closed under us: what we want
			}
		}
		if code, reason := closeOf(t, ws, 5*time.Second); code != 4429 || reason != "Too many requests" {
			t.Fatalf("a flood must close with 4429, got %d %q", code, reason)
		}
		if v := refusedBy("message_rate"); v != 1 {
			t.Fatalf("message_rate refusals in /metrics: %v", v)
		}
	})

	t.Run("TooManySocketsForOneSession", func(t *testing.T) {
		waitFor(t, "the earlier sockets released", func() bool { return metricValue(t, n, "rollcall_websockets_open") == 0 })
		first := initWS(t, n, c)
		initWS(t, n, c)
		third, _, err := dialWS(t, n, "graphql-transport-ws", "")
		if err != nil {
			t.Fatal(err)
		}
		third.send(map[string]any{"type": "connection_init", "payload": map[string]any{"authToken": c.Token}})
		if code, reason := closeOf(t, third, 5*time.Second); code != 4429 || !strings.HasPrefix(reason, "RATE_LIMITED:") {
			t.Fatalf("a third socket of the session must close with 4429, got %d %q", code, reason)
		}
		if v := refusedBy("sockets_per_session"); v != 1 {
			t.Fatalf("sockets_per_session refusals in /metrics: %v", v)
		}
		// Another session of the same person is counted on its own, and a
		// closed socket frees its place.
		initWS(t, n, signInAgain(t, n, "ada@example.com", "correct horse battery", firefoxWindows))
		first.conn.Close()
		waitFor(t, "a place freed", func() bool { return metricValue(t, n, "rollcall_websockets_open") == 2 })
		initWS(t, n, c)
	})
}

// sessionIDOf returns the numeric id of the client's current session.
func sessionIDOf(t *testing.T, c *testenv.Client) int64 {
	t.Helper()
	for _, s := range mySessions(t, c) {
		if s.Current {
			id, err := models.ParseID(models.KindSession, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
	}
	t.Fatal("no current session")
	return 0
}

// Item 11: a session that expires in the database (no sign-out, no kick)
// stops serving its open socket within the staleness bound: operations
// after the bound fail, and the socket closes with 4403.
func TestSocketClosesWhenSessionExpires(t *testing.T) {
	const bound = time.Second // WS_SESSION_RECHECK below
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Env: map[string]string{
			"WS_SESSION_RECHECK": bound.String(), "WS_MAX_MESSAGES_PER_SECOND": "1000",
		}})
		signUp(t, n, "ada@example.com")
		dev := signInAgain(t, n, "ada@example.com", "correct horse battery", firefoxWindows)
		ws := initWS(t, n, dev)
		if got := sendOverWS(t, ws, "0", `{ me { email } }`, nil); !strings.Contains(got, "ada@example.com") {
			t.Fatalf("me over the socket: %s", got)
		}
		sid := sessionIDOf(t, dev)
		execSQL(t, store, "UPDATE sessions SET expires_at = ? WHERE id = ?", time.Now().Add(-time.Minute).UTC(), sid)
		expired := time.Now()

		// Operations keep being sent; any that still runs must run within
		// the bound, a refused one answers UNAUTHENTICATED, and the socket
		// closes with 4403 within the bound.
		closed := 0
		for i := 1; closed == 0; i++ {
			id := strconv.Itoa(i)
			if err := ws.conn.WriteJSON(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{
				"query": `mutation { updateProfile(input: {firstName: "Still"}) { firstName } }`}}); err != nil {
				closed, _ = closeOf(t, ws, 5*time.Second)
				break
			}
			m, code := ws.read(5 * time.Second)
			for code == 0 && m["id"] != id {
				m, code = ws.read(5 * time.Second)
			}
			switch {
			case code != 0:
				closed = code
			case m["type"] == "error":
				if !strings.Contains(mustJSON(m["payload"]), `"code":"UNAUTHENTICATED"`) {
					t.Fatalf("refused operation: %v", m)
				}
				closed, _ = closeOf(t, ws, 5*time.Second)
			default:
				if took := time.Since(expired); took > bound {
					t.Fatalf("an operation ran %v after the session expired (bound %v): %v", took, bound, m)
				}
				for code == 0 && m["type"] != "complete" {
					m, code = ws.read(5 * time.Second)
				}
				closed = code
			}
		}
		if closed != 4403 {
			t.Fatalf("want close 4403, got %d", closed)
		}
		took := time.Since(expired)
		t.Logf("the socket of the expired session closed after %v (bound %v)", took, bound)
		if took > bound+500*time.Millisecond {
			t.Fatalf("the socket must close within %v, took %v", bound, took)
		}
	})
}

// twoNodesViaProxy starts two in-process nodes sharing a MariaDB database
// and a Redis key space reached through a proxy the test can cut; reader
// reads that presence state directly.
func twoNodesViaProxy(t *testing.T, env map[string]string) (a, b *testenv.Node, proxy *testenv.Proxy, reader presence.Service) {
	t.Helper()
	dbURL := testenv.MySQL(t)
	redisURL, prefix, proxy, direct := testenv.RedisViaProxy(t)
	if dbURL == "" || redisURL == "" {
		t.Skip("TEST_MYSQL_DSN and TEST_REDIS_URL are needed for several nodes")
	}
	all := map[string]string{"REDIS_URL": redisURL}
	for k, v := range env {
		all[k] = v
	}
	store := testenv.Store{Name: "mysql", URL: dbURL}
	a = testenv.StartNode(t, store, testenv.NodeOptions{RedisPrefix: prefix, Env: all})
	b = testenv.StartNode(t, store, testenv.NodeOptions{RedisPrefix: prefix, Env: all})
	r := presence.NewRedis(direct, presence.Options{Prefix: prefix + "presence:"})
	t.Cleanup(func() { _ = r.Shutdown(context.Background()) })
	return a, b, proxy, r
}

// Item 11: a signOutSession on node A while Redis is down loses its kick;
// the socket on node B is closed anyway and its device is not counted by
// presence once Redis is back.
func TestSignOutDuringRedisOutageClosesSocketOnOtherNode(t *testing.T) {
	// setUp signs ada in on A and opens her phone's socket on B, counted
	// by presence, then cuts Redis and signs the phone out on A.
	setUp := func(t *testing.T, env map[string]string) outageFixture {
		var f outageFixture
		var a, b *testenv.Node
		a, b, f.proxy, f.reader = twoNodesViaProxy(t, env)
		f.owner, _ = signUp(t, a, "ada@example.com")
		phone := signInAgain(t, b, "ada@example.com", "correct horse battery", safariIOS)
		f.ws = initWS(t, b, phone)
		waitFor(t, "the phone counted", func() bool { return presenceOf(t, f.owner).ConnectedDevices == 1 })
		uid, err := models.ParseID(models.KindUser, userID(t, phone))
		if err != nil {
			t.Fatal(err)
		}
		f.phone = models.SessionRef{UserID: uid, SessionID: sessionIDOf(t, phone)}
		if !f.connected(t) {
			t.Fatal("presence does not see the phone's socket")
		}
		f.proxy.Cut()
		f.owner.MustDo(t, `mutation($id: ID!) { signOutSession(id: $id) { id } }`,
			map[string]any{"id": models.GlobalID(models.KindSession, f.phone.SessionID)}, &struct{}{})
		return f
	}
	// phoneUncounted waits (within) until presence no longer holds a
	// connection of the phone's session.
	phoneUncounted := func(t *testing.T, f outageFixture, within time.Duration) {
		t.Helper()
		start := time.Now()
		for f.connected(t) {
			if time.Since(start) > within {
				t.Fatalf("presence still counts the signed-out phone %v after Redis came back", within)
			}
			time.Sleep(20 * time.Millisecond) // polling Redis: no event to wait on
		}
		t.Logf("presence uncounted the phone %v after Redis came back", time.Since(start))
	}

	// A short outage: the kick is caught up as soon as Redis returns, long
	// before the next periodic sweep (WS_SESSION_RECHECK 60s: every 30s).
	t.Run("CaughtUpWhenRedisReturns", func(t *testing.T) {
		f := setUp(t, map[string]string{"WS_SESSION_RECHECK": "60s"})
		f.proxy.Restore()
		start := time.Now()
		if code, _ := closeOf(t, f.ws, 10*time.Second); code != 4403 {
			t.Fatalf("the socket on B must close with 4403, got %d", code)
		}
		took := time.Since(start)
		t.Logf("the socket on B closed %v after Redis came back", took)
		if took > 5*time.Second {
			t.Fatalf("the lost kick must be caught up when Redis returns, took %v", took)
		}
		phoneUncounted(t, f, 5*time.Second)
		waitFor(t, "ada OFFLINE", func() bool {
			p := presenceOf(t, f.owner)
			return p.Status == "OFFLINE" && p.ConnectedDevices == 0
		})
	})

	// A longer outage: the sweep closes the socket while Redis is still
	// down, and the connection it could not remove then is removed as soon
	// as Redis returns — not left to expire (PRESENCE_TTL 120s: 80 s or
	// more), never refreshed again.
	t.Run("ClosedDuringTheOutage", func(t *testing.T) {
		f := setUp(t, map[string]string{"WS_SESSION_RECHECK": "1s", "PRESENCE_TTL": "120s"})
		if code, _ := closeOf(t, f.ws, 5*time.Second); code != 4403 {
			t.Fatalf("the socket on B must close with 4403 during the outage, got %d", code)
		}
		// The outage outlasts the removal's own attempt (bounded at 2 s).
		time.Sleep(5 * time.Second)
		f.proxy.Restore()
		phoneUncounted(t, f, 5*time.Second)
	})
}

// outageFixture is a socket on node B of a session signed out on node A
// while Redis is cut.
type outageFixture struct {
	proxy  *testenv.Proxy
	reader presence.Service
	owner  *testenv.Client
	ws     *wsClient
	phone  models.SessionRef
}

// connected reports whether presence holds a live connection of the phone.
func (f outageFixture) connected(t *testing.T) bool {
	t.Helper()
	got, err := f.reader.SessionConnected(context.Background(), []models.SessionRef{f.phone})
	if err != nil {
		t.Fatal(err)
	}
	return got[f.phone.SessionID]
}
