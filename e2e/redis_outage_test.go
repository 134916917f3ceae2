package e2e

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

// A Redis outage, seen through a proxy the test cuts: what does not need
// presence keeps working, presence reads degrade as documented (OFFLINE plus
// one UNAVAILABLE error, the rest of the data intact), and when Redis comes
// back — even empty — the node registers its live sockets again and the
// watcher receives the corrected state, with no restart.
func TestRedisOutage(t *testing.T) {
	t.Run("single", func(t *testing.T) {
		redisURL, prefix, proxy, direct := testenv.RedisViaProxy(t)
		if redisURL == "" {
			t.Skip("TEST_REDIS_URL is needed")
		}
		redisOutage(t, outage{env: map[string]string{"REDIS_URL": redisURL}, prefix: prefix, direct: direct,
			cut: proxy.Cut, restore: proxy.Restore})
	})
	// Every node of a Redis Cluster killed, then started again empty on
	// the same ports (they keep their cluster configuration, as servers
	// without persistence do).
	t.Run("cluster", func(t *testing.T) {
		c := testenv.StartRedisCluster(t, 3, 0)
		redisOutage(t, outage{env: map[string]string{"REDIS_URL": c.URL, "REDIS_MODE": "cluster"},
			prefix: testenv.NewRedisPrefix(), direct: c.Client, cut: c.KillAll, restore: c.RestartAll, restoresEmpty: true})
	})
}

// outage is how a test takes Redis away and gives it back.
type outage struct {
	env          map[string]string
	prefix       string
	direct       redis.UniversalClient
	cut, restore func()
	// restoresEmpty: Redis comes back without its data by itself.
	restoresEmpty bool
}

// dropPresence deletes the presence state under the test's prefix, as
// Redis losing its data would.
func (o outage) dropPresence(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := testenv.DeleteMatching(ctx, o.direct, o.prefix+"presence:*"); err != nil {
		t.Fatal(err)
	}
}

func redisOutage(t *testing.T, o outage) {
	env := map[string]string{"PRESENCE_TTL": "3s"}
	for k, v := range o.env {
		env[k] = v
	}
	store := testenv.Stores(t)[0]
	n := testenv.StartNode(t, store, testenv.NodeOptions{RedisPrefix: o.prefix, Env: env})
	f := newOrg(t, n, "owner@example.com")
	stays := n.AddMember(t, f.rootID, "stays@example.com", models.Grant{Role: models.RoleAgent})
	leaves := n.AddMember(t, f.rootID, "leaves@example.com", models.Grant{Role: models.RoleAgent})
	comes := n.AddMember(t, f.rootID, "comes@example.com", models.Grant{Role: models.RoleAgent})
	watch := watchPresence(t, n, f.owner, f.rootID)
	waitWatching(t, watch, f.owner)
	initWS(t, n, stays)
	expectPresence(t, watch, "stays@example.com", "ONLINE", 1)
	gone := initWS(t, n, leaves)
	expectPresence(t, watch, "leaves@example.com", "ONLINE", 1)

	o.cut()

	// Queries and mutations that do not need presence keep working.
	var me struct {
		Me struct{ Email string } `json:"me"`
	}
	f.owner.MustDo(t, `{ me { email } }`, nil, &me)
	if me.Me.Email != "owner@example.com" {
		t.Fatalf("me during the outage: %+v", me)
	}
	if _, id := signInDevice(t, n, "owner@example.com", ""); id == "" {
		t.Fatal("sign-in during the outage gave no session")
	}
	var created map[string]any
	f.owner.MustDo(t, `mutation($p: ID!) { createAccount(input: {parentId: $p, name: "During"}) { id } }`, map[string]any{"p": f.rootID}, &created)
	if r := send(t, n, "GET", "/readyz", "", "", "", nil); r.status != 200 || r.body["status"] != "degraded" {
		t.Fatalf("readyz during the outage: %d %v", r.status, r.body)
	}

	// Presence reads: OFFLINE, the data intact, one UNAVAILABLE error.
	r := f.owner.Do(t, `query($a: ID!) { node(id: $a) { ... on Account { members(first: 10) { totalCount edges { node { user { email lastActiveAt presence { status connectedDevices } } } } } } }
		me { sessions { id connected } } }`, map[string]any{"a": f.rootID})
	if len(r.Errors) != 1 || r.Code() != "UNAVAILABLE" {
		t.Fatalf("want one UNAVAILABLE error, got %+v", r.Errors)
	}
	var page struct {
		Node struct {
			Members struct {
				TotalCount int `json:"totalCount"`
				Edges      []struct {
					Node struct {
						User struct {
							Email        string  `json:"email"`
							LastActiveAt *string `json:"lastActiveAt"`
							Presence     struct {
								Status string `json:"status"`
							} `json:"presence"`
						} `json:"user"`
					} `json:"node"`
				} `json:"edges"`
			} `json:"members"`
		} `json:"node"`
	}
	if err := json.Unmarshal(r.Data, &page); err != nil || page.Node.Members.TotalCount != 4 || len(page.Node.Members.Edges) != 4 {
		t.Fatalf("members during the outage: %s (%v)", r.Data, err)
	}
	for _, e := range page.Node.Members.Edges {
		if e.Node.User.Presence.Status != "OFFLINE" {
			t.Fatalf("%s reads %s during the outage", e.Node.User.Email, e.Node.User.Presence.Status)
		}
	}
	if r := f.owner.Do(t, `query($a: ID!) { node(id: $a) { ... on Account { members(filter: {presence: [ONLINE]}) { totalCount } } } }`, map[string]any{"a": f.rootID}); r.Code() != "UNAVAILABLE" {
		t.Fatalf("presence filter during the outage: %s", r.Code())
	}
	if r := stays.Do(t, `mutation { setPresence(input: {activity: ACTIVE}) { status } }`, nil); r.Code() != "UNAVAILABLE" {
		t.Fatalf("setPresence during the outage: %s %+v", r.Code(), r.Errors)
	}

	// Meanwhile one device leaves and another arrives, and Redis loses
	// everything (a restart without persistence).
	gone.conn.Close()
	initWS(t, n, comes)
	time.Sleep(300 * time.Millisecond)
	if !o.restoresEmpty {
		o.dropPresence(t)
	}

	o.restore()

	// Until the node has registered its sockets again, presence answers
	// UNAVAILABLE, never a wrong OFFLINE for a person whose socket is open.
	onlineOrUnavailable(t, stays)

	// The watcher is told the corrected state: the device that arrived is
	// ONLINE, the one that left OFFLINE; the one that stayed is ONLINE.
	want := map[string]string{"comes@example.com": "ONLINE", "leaves@example.com": "OFFLINE", "stays@example.com": "ONLINE"}
	deadline := time.Now().Add(15 * time.Second)
	for len(want) > 0 && time.Now().Before(deadline) {
		m := watch.nextEvent("p")
		got := mustJSON(m["payload"])
		for email, st := range want {
			if strings.Contains(got, email) && strings.Contains(got, `"status":"`+st+`"`) {
				delete(want, email)
			}
		}
	}
	if len(want) > 0 {
		t.Fatalf("after Redis came back, the watcher never saw %v", want)
	}
	waitFor(t, "readyz back to ready", func() bool {
		r := send(t, n, "GET", "/readyz", "", "", "", nil)
		return r.status == 200 && r.body["status"] == "ready"
	})
	if got := presenceOf(t, comes); got.Status != "ONLINE" || got.ConnectedDevices != 1 {
		t.Fatalf("comes after the outage: %+v", got)
	}

	// Redis loses its data again while the node is connected to it (a
	// failover to an empty replica): no outage for the node to notice, and
	// still no wrong OFFLINE.
	o.dropPresence(t)
	onlineOrUnavailable(t, stays)
}

// onlineOrUnavailable reads c's own presence until it is ONLINE with one
// device: meanwhile every answer must carry UNAVAILABLE, never a bare OFFLINE.
func onlineOrUnavailable(t *testing.T, c *testenv.Client) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := c.Do(t, `{ me { presence { status connectedDevices } } }`, nil)
		var out struct {
			Me struct{ Presence presenceView } `json:"me"`
		}
		if err := json.Unmarshal(r.Data, &out); err != nil {
			t.Fatalf("decode %s: %v", r.Data, err)
		}
		if r.Code() == "" {
			if out.Me.Presence.Status != "ONLINE" || out.Me.Presence.ConnectedDevices != 1 {
				t.Fatalf("after Redis lost its data, a live person read %+v with no error", out.Me.Presence)
			}
			return
		}
		if r.Code() != "UNAVAILABLE" || time.Now().After(deadline) {
			t.Fatalf("presence after Redis lost its data: %s %+v", r.Code(), r.Errors)
		}
	}
}

// An outage longer than PRESENCE_TTL, with Redis keeping its data: the
// connections' expiry passed while no node could refresh them, yet no one
// is swept OFFLINE when Redis returns — heartbeats refresh them first.
func TestRedisOutageLongerThanTTL(t *testing.T) {
	redisURL, prefix, proxy, _ := testenv.RedisViaProxy(t)
	if redisURL == "" {
		t.Skip("TEST_REDIS_URL is needed")
	}
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{RedisPrefix: prefix, Env: map[string]string{
		"REDIS_URL": redisURL, "PRESENCE_TTL": "3s",
	}})
	f := newOrg(t, n, "owner@example.com")
	stays := n.AddMember(t, f.rootID, "stays@example.com", models.Grant{Role: models.RoleAgent})
	watch := watchPresence(t, n, f.owner, f.rootID)
	waitWatching(t, watch, f.owner)
	initWS(t, n, stays)
	expectPresence(t, watch, "stays@example.com", "ONLINE", 1)

	proxy.Cut()
	time.Sleep(4 * time.Second) // every connection's expiry passes
	proxy.Restore()

	waitFor(t, "Redis back", func() bool {
		r := send(t, n, "GET", "/readyz", "", "", "", nil)
		return r.body["status"] == "ready"
	})
	// Nothing happened to anyone: no event for 3 s, and both are ONLINE.
	_ = watch.conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	for {
		_, raw, err := watch.conn.ReadMessage()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				break // quiet until the deadline: what we want
			}
			t.Fatalf("watcher: %v", err)
		}
		if strings.Contains(string(raw), `"OFFLINE"`) {
			t.Fatalf("spurious OFFLINE after the outage: %s", raw)
		}
	}
	if got := presenceOf(t, stays); got.Status != "ONLINE" || got.ConnectedDevices != 1 {
		t.Fatalf("stays after the outage: %+v", got)
	}
}
