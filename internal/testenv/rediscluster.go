package testenv

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rollcall/rollcall/internal/rediscluster"
)

// RedisCluster is a real Redis Cluster made for one test: redis-server
// processes in cluster mode on loopback ports, joined by
// `redis-cli --cluster create`, stopped and removed when the test ends.
type RedisCluster struct {
	// URL is the cluster in go-redis's cluster URL form (REDIS_MODE=cluster).
	URL string
	// Client is a cluster client for the test's own checks.
	Client *redis.ClusterClient

	t testing.TB
	c *rediscluster.Cluster
}

// The timeout after which a cluster node that does not answer is failed
// over (and the minimum time a failover takes). Short, so the failover
// test stays quick.
const clusterNodeTimeout = 1000 * time.Millisecond

// StartRedisCluster starts masters masters (at least 3), each with
// replicas replicas. It runs when TEST_REDIS_URL is set (the Redis tests
// are on) and redis-server and redis-cli are installed; it skips otherwise,
// and fails under CI.
func StartRedisCluster(t testing.TB, masters, replicas int) *RedisCluster {
	t.Helper()
	if os.Getenv("TEST_REDIS_URL") == "" {
		requireInCI(t, "TEST_REDIS_URL")
		t.Skip("TEST_REDIS_URL not set: the Redis Cluster tests are off")
	}
	for _, bin := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed: under CI the Redis Cluster tests must run", bin)
			}
			t.Skipf("%s is not installed", bin)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c, err := rediscluster.Start(ctx, rediscluster.Options{Masters: masters, Replicas: replicas, Dir: t.TempDir(), NodeTimeout: clusterNodeTimeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	opt, err := redis.ParseClusterURL(c.URL)
	if err != nil {
		t.Fatal(err)
	}
	rc := &RedisCluster{URL: c.URL, Client: redis.NewClusterClient(opt), t: t, c: c}
	t.Cleanup(func() { _ = rc.Client.Close() })
	return rc
}

// KillAll kills every node (SIGKILL): the whole cluster is down.
func (c *RedisCluster) KillAll() { c.c.Stop() }

// RestartAll starts every stopped node again on its ports, empty, and
// waits for the cluster to be whole.
func (c *RedisCluster) RestartAll() {
	c.t.Helper()
	if err := c.c.Restart(context.Background()); err != nil {
		c.t.Fatal(err)
	}
}

// KillMasterOf kills (SIGKILL) the master that serves key's slot and
// returns its address; with a replica, the cluster fails over to it.
func (c *RedisCluster) KillMasterOf(key string) string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	addr, err := rediscluster.MasterOf(ctx, c.Client, key)
	if err != nil {
		c.t.Fatal(err)
	}
	if !c.c.Kill(addr) {
		c.t.Fatalf("master %s of %q is not a node of this cluster", addr, key)
	}
	return addr
}

// FailoverShardOf promotes a replica of the master serving key's slot with
// CLUSTER FAILOVER (a planned switch: the old master becomes its replica)
// and waits until the replica serves the slot; it returns the old
// master's address.
func (c *RedisCluster) FailoverShardOf(key string) string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	slot, err := c.Client.ClusterKeySlot(ctx, key).Result()
	if err != nil {
		c.t.Fatal(err)
	}
	// The replica may not be known to every node yet (gossip).
	var master, replica string
	for replica == "" {
		slots, err := c.Client.ClusterSlots(ctx).Result()
		if err != nil {
			c.t.Fatal(err)
		}
		for _, s := range slots {
			if int64(s.Start) <= slot && slot <= int64(s.End) && len(s.Nodes) > 1 {
				master, replica = s.Nodes[0].Addr, s.Nodes[1].Addr
			}
		}
		if replica == "" {
			if ctx.Err() != nil {
				c.t.Fatalf("slot %d has no replica", slot)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	r := redis.NewClient(&redis.Options{Addr: replica})
	defer r.Close()
	if err := r.ClusterFailover(ctx).Err(); err != nil {
		c.t.Fatalf("CLUSTER FAILOVER on %s: %v", replica, err)
	}
	for {
		if strings.Contains(r.Info(ctx, "replication").Val(), "role:master") {
			return master
		}
		if ctx.Err() != nil {
			c.t.Fatalf("%s not promoted: %v", replica, ctx.Err())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WaitHealthy waits until want live nodes agree the cluster is ok, every
// slot served.
func (c *RedisCluster) WaitHealthy(want int) {
	c.t.Helper()
	if err := c.c.WaitHealthy(context.Background(), want, 30*time.Second); err != nil {
		c.t.Fatalf("%v\nthe nodes' logs:\n%s", err, c.c.Logs(15))
	}
}

// DeleteMatching deletes the keys matching pattern: on each master of a
// cluster (SCAN is per node), or on the one server.
func DeleteMatching(ctx context.Context, rdb redis.UniversalClient, pattern string) error {
	return rediscluster.DeleteMatching(ctx, rdb, pattern)
}
