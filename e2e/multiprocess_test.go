package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/internal/testenv"
)

// Presence timings of the processes, short so the suite stays quick: a
// killed node's devices go OFFLINE within TTL + one sweep (1 s) + grace.
const (
	procTTL   = 3 * time.Second
	procGrace = 500 * time.Millisecond
	procSweep = time.Second
)

// startProcesses starts two server processes, A and B, sharing a fresh
// MariaDB database, the Redis deployment r (under its own key prefix) and a
// mail folder (either node's worker may deliver a queued message). It skips
// without MariaDB (and fails under CI, through testenv).
func startProcesses(t *testing.T, r testenv.RedisTarget) (a, b *testenv.Process) {
	t.Helper()
	dbURL := testenv.MySQL(t)
	if dbURL == "" {
		t.Skip("TEST_MYSQL_DSN is needed for several processes")
	}
	env := r.Env()
	for k, v := range map[string]string{
		"DATABASE_URL":           dbURL,
		"PRESENCE_TTL":           procTTL.String(),
		"PRESENCE_OFFLINE_GRACE": procGrace.String(),
		"MAIL_URL":               "file:" + filepath.Join(t.TempDir(), "mail"),
	} {
		env[k] = v
	}
	return testenv.StartProcess(t, env), testenv.StartProcess(t, env)
}

// inviteMember makes email an AGENT of the owner's root account the way a
// person joins: the owner invites on from, the invitation mail is read, and
// the invitation is accepted on to, whose client is returned.
func inviteMember(t *testing.T, f orgFixture, from, to *testenv.Node, email string) *testenv.Client {
	t.Helper()
	out := mustInvite(t, f.owner, map[string]any{"accountIds": []string{f.rootID}, "emails": email})
	if r := out.InviteUsers.Results; len(r) != 1 || r[0].Outcome != "INVITED" {
		t.Fatalf("invite %s: %+v", email, r)
	}
	token := inviteToken(t, from.Mail(t, 1), email)
	var acc acceptPayload
	accept(t, to.Client(), newPerson(token)).Decode(t, &acc)
	c := to.Client()
	c.Token = acc.AcceptInvitation.Token
	return c
}

// sendOverWS runs a mutation on the socket and returns its result payload.
func sendOverWS(t *testing.T, ws *wsClient, id, query string, vars map[string]any) string {
	t.Helper()
	ws.send(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": query, "variables": vars}})
	return mustJSON(ws.nextEvent(id)["payload"])
}

// awaitClose reads the socket until the server closes it and returns the
// close code.
func awaitClose(t *testing.T, ws *wsClient, within time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if _, code := ws.read(time.Until(deadline)); code != 0 {
			return code
		}
	}
}

// A watcher on process A sees a member's device on process B connect, go
// AWAY and leave.
func TestProcessesWatcherSeesConnectAwayDisconnect(t *testing.T) {
	testenv.EachRedis(t, processesWatcherSeesConnectAwayDisconnect)
}

func processesWatcherSeesConnectAwayDisconnect(t *testing.T, r testenv.RedisTarget) {
	a, b := startProcesses(t, r)
	na, nb := a.Node(), b.Node()
	f := newOrg(t, na, "owner@example.com")
	agent := inviteMember(t, f, na, nb, "agent@example.com")

	watch := watchPresence(t, na, f.owner, f.rootID)
	waitWatching(t, watch, f.owner)

	dev := initWS(t, nb, agent)
	expectPresence(t, watch, "agent@example.com", "ONLINE", 1)

	got := sendOverWS(t, dev, "away", `mutation { setPresence(input: {activity: AWAY}) { status connectedDevices } }`, nil)
	if !strings.Contains(got, `"status":"AWAY"`) {
		t.Fatalf("setPresence AWAY on B: %s", got)
	}
	expectPresence(t, watch, "agent@example.com", "AWAY", 1)

	start := time.Now()
	dev.conn.Close()
	expectPresence(t, watch, "agent@example.com", "OFFLINE", 0)
	t.Logf("OFFLINE on A %v after the socket on B closed (grace %v)", time.Since(start), procGrace)
}

// A session signed out on process A has its socket on process B closed
// (4403) at once, whether another device ends it or it signs itself out.
func TestProcessesSignOutOnAClosesSocketOnB(t *testing.T) {
	testenv.EachRedis(t, processesSignOutOnAClosesSocketOnB)
}

func processesSignOutOnAClosesSocketOnB(t *testing.T, r testenv.RedisTarget) {
	const bound = time.Second
	a, b := startProcesses(t, r)
	na, nb := a.Node(), b.Node()
	owner, _ := signUp(t, na, "owner@example.com")

	// The socket on B belongs to session S; it is live once A sees it.
	openOnB := func(ua string, connected int) (*testenv.Client, *wsClient) {
		t.Helper()
		dev := signInAgain(t, nb, "owner@example.com", "correct horse battery", ua)
		ws := initWS(t, nb, dev)
		waitFor(t, "node A to see B's socket", func() bool { return connectedOf(t, owner)[true] == connected })
		return dev, ws
	}

	t.Run("SignOutSession", func(t *testing.T) {
		phone, ws := openOnB(safariIOS, 1)
		var id string
		for _, s := range mySessions(t, phone) {
			if s.Current {
				id = s.ID
			}
		}
		start := time.Now()
		owner.MustDo(t, `mutation($id: ID!) { signOutSession(id: $id) { id } }`, map[string]any{"id": id}, &struct{}{})
		code := awaitClose(t, ws, 5*time.Second)
		took := time.Since(start)
		t.Logf("signOutSession on A closed the socket on B with %d after %v", code, took)
		if code != 4403 || took >= bound {
			t.Fatalf("the socket on B must close with 4403 within %v, got %d after %v", bound, code, took)
		}
	})

	t.Run("SignOut", func(t *testing.T) {
		laptop, ws := openOnB(firefoxWindows, 1)
		onA := na.Client()
		onA.Token = laptop.Token
		start := time.Now()
		var out struct {
			SignOut bool `json:"signOut"`
		}
		onA.MustDo(t, `mutation { signOut }`, nil, &out)
		code := awaitClose(t, ws, 5*time.Second)
		took := time.Since(start)
		t.Logf("signOut on A closed the socket on B with %d after %v", code, took)
		if !out.SignOut || code != 4403 || took >= bound {
			t.Fatalf("the socket on B must close with 4403 within %v, got signOut=%v, %d after %v", bound, out.SignOut, code, took)
		}
	})
}

// When process B dies without a word (SIGKILL), its devices expire in
// Redis and the watcher on A sees them OFFLINE within TTL + one sweep +
// grace.
func TestProcessesKilledNodeGoesOffline(t *testing.T) {
	testenv.EachRedis(t, processesKilledNodeGoesOffline)
}

func processesKilledNodeGoesOffline(t *testing.T, r testenv.RedisTarget) {
	bound := procTTL + procSweep + procGrace + 2*time.Second
	a, b := startProcesses(t, r)
	na, nb := a.Node(), b.Node()
	f := newOrg(t, na, "owner@example.com")
	agent := inviteMember(t, f, na, nb, "agent@example.com")

	watch := watchPresence(t, na, f.owner, f.rootID)
	waitWatching(t, watch, f.owner)
	initWS(t, nb, agent)
	expectPresence(t, watch, "agent@example.com", "ONLINE", 1)

	b.Kill()
	start := time.Now()
	expectPresence(t, watch, "agent@example.com", "OFFLINE", 0)
	took := time.Since(start)
	t.Logf("OFFLINE on A %v after B was killed (bound %v)", took, bound)
	if took > bound {
		t.Fatalf("a killed node's device must go OFFLINE within %v, took %v", bound, took)
	}
	if p := presenceOf(t, agentOn(na, agent)); p.Status != "OFFLINE" || p.ConnectedDevices != 0 {
		t.Fatalf("A answers the killed node's device as gone: %+v", p)
	}
}

// agentOn is c's session talking to node n.
func agentOn(n *testenv.Node, c *testenv.Client) *testenv.Client {
	on := n.Client()
	on.Token, on.UserAgent = c.Token, c.UserAgent
	return on
}
