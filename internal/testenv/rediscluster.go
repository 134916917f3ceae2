package testenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisCluster is a real Redis Cluster made for one test: redis-server
// processes in cluster mode on loopback ports, joined by
// `redis-cli --cluster create`, stopped and removed when the test ends.
type RedisCluster struct {
	// URL is the cluster in go-redis's cluster URL form (REDIS_MODE=cluster).
	URL string
	// Client is a cluster client for the test's own checks.
	Client *redis.ClusterClient

	t     testing.TB
	dir   string
	mu    sync.Mutex
	nodes []*clusterNode
}

type clusterNode struct {
	port, busPort int
	cmd           *exec.Cmd
	done          chan struct{}
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
	c := &RedisCluster{t: t, dir: t.TempDir()}
	t.Cleanup(c.stop)
	addrs := make([]string, masters*(1+replicas))
	for i := range addrs {
		n := &clusterNode{port: loopbackPort(t), busPort: loopbackPort(t)}
		c.nodes = append(c.nodes, n)
		if err := c.start(n); err != nil {
			t.Fatal(err)
		}
		addrs[i] = "127.0.0.1:" + strconv.Itoa(n.port)
	}
	for _, a := range addrs {
		waitRedis(t, a)
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", strconv.Itoa(replicas), "--cluster-yes")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	c.URL = "redis://" + addrs[0] + "?addr=" + strings.Join(addrs[1:], "&addr=")
	opt, err := redis.ParseClusterURL(c.URL)
	if err != nil {
		t.Fatal(err)
	}
	c.Client = redis.NewClusterClient(opt)
	t.Cleanup(func() { _ = c.Client.Close() })
	c.WaitHealthy(masters * (1 + replicas))
	return c
}

// start runs a node's redis-server. Nothing is persisted but the cluster's
// own configuration (nodes-PORT.conf), so a node started again rejoins
// with its identity and slots, and without its data — as a server without
// persistence restarts.
func (c *RedisCluster) start(n *clusterNode) error {
	p := strconv.Itoa(n.port)
	n.cmd = exec.Command("redis-server",
		"--port", p, "--bind", "127.0.0.1", "--protected-mode", "no",
		"--cluster-enabled", "yes", "--cluster-port", strconv.Itoa(n.busPort),
		"--cluster-config-file", "nodes-"+p+".conf",
		"--cluster-node-timeout", strconv.Itoa(int(clusterNodeTimeout.Milliseconds())),
		"--cluster-require-full-coverage", "no",
		"--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0",
		"--dir", c.dir, "--logfile", filepath.Join(c.dir, "redis-"+p+".log"))
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := n.cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server on %s: %w", p, err)
	}
	n.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) {
		_ = cmd.Wait()
		close(done)
	}(n.cmd, n.done)
	return nil
}

func (c *RedisCluster) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.nodes {
		n.kill()
	}
}

func (n *clusterNode) kill() {
	if n.cmd == nil || n.cmd.Process == nil {
		return
	}
	select {
	case <-n.done:
		return
	default:
	}
	_ = n.cmd.Process.Kill()
	select {
	case <-n.done:
	case <-time.After(10 * time.Second):
	}
}

// KillAll kills every node (SIGKILL): the whole cluster is down.
func (c *RedisCluster) KillAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.nodes {
		n.kill()
	}
}

// RestartAll starts every stopped node again on its ports, empty, and
// waits for the cluster to be whole.
func (c *RedisCluster) RestartAll() {
	c.t.Helper()
	c.mu.Lock()
	for _, n := range c.nodes {
		select {
		case <-n.done:
			if err := c.start(n); err != nil {
				c.mu.Unlock()
				c.t.Fatal(err)
			}
		default:
		}
	}
	c.mu.Unlock()
	c.WaitHealthy(len(c.nodes))
}

// KillMasterOf kills (SIGKILL) the master that serves key's slot and
// returns its address; with a replica, the cluster fails over to it.
func (c *RedisCluster) KillMasterOf(key string) string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	slot, err := c.Client.ClusterKeySlot(ctx, key).Result()
	if err != nil {
		c.t.Fatal(err)
	}
	slots, err := c.Client.ClusterSlots(ctx).Result()
	if err != nil {
		c.t.Fatal(err)
	}
	for _, s := range slots {
		if int64(s.Start) <= slot && slot <= int64(s.End) {
			addr := s.Nodes[0].Addr
			c.mu.Lock()
			defer c.mu.Unlock()
			for _, n := range c.nodes {
				if strings.HasSuffix(addr, ":"+strconv.Itoa(n.port)) {
					n.kill()
					return addr
				}
			}
		}
	}
	c.t.Fatalf("no master found for slot %d", slot)
	return ""
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
	deadline := time.Now().Add(30 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		if last = c.health(want); last == "" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.t.Fatalf("Redis Cluster not healthy after 30 s: %s", last)
}

// health says what is not yet ok, or "".
func (c *RedisCluster) health(want int) string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	live := 0
	c.mu.Lock()
	nodes := append([]*clusterNode(nil), c.nodes...)
	c.mu.Unlock()
	for _, n := range nodes {
		select {
		case <-n.done:
			continue
		default:
		}
		rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(n.port), DialerRetries: 1, MaxRetries: -1})
		info, err := rdb.ClusterInfo(ctx).Result()
		defer rdb.Close()
		if err != nil {
			return fmt.Sprintf("node %d: %v", n.port, err)
		}
		if !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_slots_ok:16384") {
			return fmt.Sprintf("node %d: %s", n.port, firstLines(info, 3))
		}
		// A replica that never synchronized cannot take over its master.
		repl, err := rdb.Info(ctx, "replication").Result()
		if err != nil {
			return fmt.Sprintf("node %d: %v", n.port, err)
		}
		if strings.Contains(repl, "role:slave") && !strings.Contains(repl, "master_link_status:up") {
			return fmt.Sprintf("replica %d not synchronized with its master", n.port)
		}
		live++
	}
	if live < want {
		return fmt.Sprintf("%d of %d nodes live", live, want)
	}
	return ""
}

// ForEachMasterDelete deletes every key matching pattern on every master.
func (c *RedisCluster) ForEachMasterDelete(pattern string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return DeleteMatching(ctx, c.Client, pattern)
}

// DeleteMatching deletes the keys matching pattern: on each master of a
// cluster (SCAN is per node), or on the one server.
func DeleteMatching(ctx context.Context, rdb redis.UniversalClient, pattern string) error {
	del := func(ctx context.Context, rdb redis.Cmdable) error {
		it := rdb.Scan(ctx, 0, pattern, 500).Iterator()
		var keys []string
		flush := func() error {
			// One DEL per key, pipelined: on a cluster the keys of a node
			// are in many slots.
			_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				for _, k := range keys {
					p.Del(ctx, k)
				}
				return nil
			})
			keys = keys[:0]
			return err
		}
		for it.Next(ctx) {
			if keys = append(keys, it.Val()); len(keys) == 500 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := it.Err(); err != nil {
			return err
		}
		return flush()
	}
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error { return del(ctx, m) })
	}
	return del(ctx, rdb)
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], " ")
}

// loopbackPort is a free loopback port (see freePort), as a number.
func loopbackPort(t testing.TB) int {
	t.Helper()
	p, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

// waitRedis waits until a server answers PING on addr.
func waitRedis(t testing.TB, addr string) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialerRetries: 1, MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s did not answer: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Logs returns the last lines of every node's log, for a failing test.
func (c *RedisCluster) Logs() string {
	var b strings.Builder
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.nodes {
		p := strconv.Itoa(n.port)
		data, _ := os.ReadFile(filepath.Join(c.dir, "redis-"+p+".log"))
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		fmt.Fprintf(&b, "--- redis %s\n%s\n", p, strings.Join(lines[max(0, len(lines)-15):], "\n"))
	}
	return b.String()
}
