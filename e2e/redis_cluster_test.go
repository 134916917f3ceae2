package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

// A master of the Redis Cluster dies (SIGKILL) and its replica takes over.
// Presence recovers with no restart of the node: the watcher goes on seeing
// the changes of a person whose presence shard lived on the dead master,
// and their device is still counted.
func TestRedisClusterFailover(t *testing.T) {
	c := testenv.StartRedisCluster(t, 3, 1)
	prefix := testenv.NewRedisPrefix()
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{RedisPrefix: prefix, Env: map[string]string{
		"REDIS_URL": c.URL, "REDIS_MODE": "cluster", "PRESENCE_TTL": "3s",
	}})
	f := newOrg(t, n, "owner@example.com")
	agent := n.AddMember(t, f.rootID, "agent@example.com", models.Grant{Role: models.RoleAgent})
	watch := watchPresence(t, n, f.owner, f.rootID)
	waitWatching(t, watch, f.owner)
	dev := initWS(t, n, agent)
	expectPresence(t, watch, "agent@example.com", "ONLINE", 1)

	_, uid, err := models.ParseGlobalID(userID(t, agent))
	if err != nil {
		t.Fatal(err)
	}
	// The agent's keys and channel carry the hash tag of their shard (16
	// shards by default).
	killed := c.KillMasterOf(prefix + "presence:{" + strconv.FormatInt(uid%16, 10) + "}")
	start := time.Now()
	// The socket's own setPresence fails (UNAVAILABLE) until the replica
	// is promoted, then works; the watcher sees it.
	for i := 0; ; i++ {
		got := sendOverWS(t, dev, "away-"+strconv.Itoa(i), `mutation { setPresence(input: {activity: AWAY}) { status } }`, nil)
		if strings.Contains(got, `"status":"AWAY"`) {
			break
		}
		// setPresence is rate limited: retry at its pace.
		if !strings.Contains(got, "UNAVAILABLE") && !strings.Contains(got, "RATE_LIMITED") || time.Since(start) > 30*time.Second {
			t.Fatalf("setPresence after the master %s was killed: %s", killed, got)
		}
		time.Sleep(time.Second)
	}
	expectPresence(t, watch, "agent@example.com", "AWAY", 1)
	t.Logf("presence events flow again %v after the master %s was killed", time.Since(start), killed)
	if p := presenceOf(t, agent); p.Status != "AWAY" || p.ConnectedDevices != 1 {
		t.Fatalf("the agent after the failover: %+v", p)
	}
	// A second device is counted, and leaving is seen.
	phone := initWS(t, n, agent)
	expectPresence(t, watch, "agent@example.com", "AWAY", 2)
	phone.conn.Close()
	expectPresence(t, watch, "agent@example.com", "AWAY", 1)
}
