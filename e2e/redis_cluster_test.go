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
	redisFailover(t, map[string]string{"REDIS_URL": c.URL, "REDIS_MODE": "cluster", "REDIS_PREFIX": prefix}, func(uid int64) string {
		// The person's keys and channel carry the hash tag of their shard
		// (16 shards by default).
		return c.KillMasterOf(prefix + "presence:{" + strconv.FormatInt(uid%16, 10) + "}")
	})
}

// A planned switch (CLUSTER FAILOVER): the old master stays up as a
// replica and drops the node's sharded subscriptions of its slots
// (SUNSUBSCRIBE); the node subscribes again where the slots now live.
func TestRedisClusterPlannedFailover(t *testing.T) {
	c := testenv.StartRedisCluster(t, 3, 1)
	prefix := testenv.NewRedisPrefix()
	redisFailover(t, map[string]string{"REDIS_URL": c.URL, "REDIS_MODE": "cluster", "REDIS_PREFIX": prefix}, func(uid int64) string {
		return c.FailoverShardOf(prefix + "presence:{" + strconv.FormatInt(uid%16, 10) + "}")
	})
}

// The same with the master Sentinel names: Sentinel promotes the replica
// and the node follows it.
func TestRedisSentinelFailover(t *testing.T) {
	s := testenv.StartRedisSentinel(t)
	redisFailover(t, map[string]string{"REDIS_URL": s.URL, "REDIS_MODE": "sentinel", "REDIS_PREFIX": testenv.NewRedisPrefix()}, func(int64) string {
		s.KillMaster()
		return "the master " + s.MasterName
	})
}

// redisFailover watches a person's presence on a node, kills the Redis
// master that holds it (kill says which it killed), and expects presence to
// come back by itself.
func redisFailover(t *testing.T, env map[string]string, kill func(uid int64) string) {
	env["PRESENCE_TTL"] = "3s"
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{RedisPrefix: env["REDIS_PREFIX"], Env: env})
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
	killed := kill(uid)
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
			t.Fatalf("setPresence after %s was killed: %s", killed, got)
		}
		time.Sleep(time.Second)
	}
	expectPresence(t, watch, "agent@example.com", "AWAY", 1)
	t.Logf("presence events flow again %v after %s was killed", time.Since(start), killed)
	if p := presenceOf(t, agent); p.Status != "AWAY" || p.ConnectedDevices != 1 {
		t.Fatalf("the agent after the failover: %+v", p)
	}
	// A second device is counted, and leaving is seen.
	phone := initWS(t, n, agent)
	expectPresence(t, watch, "agent@example.com", "AWAY", 2)
	phone.conn.Close()
	expectPresence(t, watch, "agent@example.com", "AWAY", 1)
}
