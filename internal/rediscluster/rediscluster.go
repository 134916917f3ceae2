// Package rediscluster runs a real Redis Cluster on loopback ports:
// redis-server processes in cluster mode, joined by
// `redis-cli --cluster create`. The test harness (internal/testenv) and the
// load tool (cmd/loadtest) both start theirs with it.
package rediscluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// Options size a cluster.
type Options struct {
	// Masters is at least 3 (what `redis-cli --cluster create` accepts).
	Masters int
	// Replicas per master.
	Replicas int
	// Dir holds the nodes' cluster configuration and logs.
	Dir string
	// NodeTimeout is cluster-node-timeout: after it a node that does not
	// answer is failed over (and a failover takes at least as long).
	NodeTimeout time.Duration
}

// Cluster is a running cluster. Its processes are in process groups of
// their own, so a Ctrl-C of the parent's terminal does not kill them
// before the parent has stopped them.
type Cluster struct {
	// URL is the cluster in go-redis's cluster URL form (REDIS_MODE=cluster).
	URL string

	opts  Options
	mu    sync.Mutex
	nodes []*node
}

type node struct {
	port, busPort int
	cmd           *exec.Cmd
	done          chan struct{}
}

// Start starts the nodes, joins them and waits until every slot is
// served. On error, whatever was started is stopped.
func Start(ctx context.Context, o Options) (*Cluster, error) {
	if o.Masters < 3 {
		return nil, fmt.Errorf("redis cluster: at least 3 masters, not %d", o.Masters)
	}
	for _, bin := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(bin); err != nil {
			return nil, fmt.Errorf("redis cluster: %s is not installed: %w", bin, err)
		}
	}
	if o.NodeTimeout <= 0 {
		o.NodeTimeout = 5 * time.Second
	}
	c := &Cluster{opts: o}
	ok := false
	defer func() {
		if !ok {
			c.Stop()
		}
	}()
	addrs := make([]string, o.Masters*(1+o.Replicas))
	for i := range addrs {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		bus, err := FreePort()
		if err != nil {
			return nil, err
		}
		n := &node{port: port, busPort: bus}
		c.nodes = append(c.nodes, n)
		if err := c.start(n); err != nil {
			return nil, err
		}
		addrs[i] = "127.0.0.1:" + strconv.Itoa(n.port)
	}
	for _, a := range addrs {
		if err := WaitPing(ctx, a); err != nil {
			return nil, err
		}
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", strconv.Itoa(o.Replicas), "--cluster-yes")
	cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(cctx, "redis-cli", args...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("redis-cli --cluster create: %w\n%s", err, out)
	}
	c.URL = "redis://" + addrs[0] + "?addr=" + strings.Join(addrs[1:], "&addr=")
	if err := c.WaitHealthy(ctx, len(addrs), 30*time.Second); err != nil {
		return nil, err
	}
	ok = true
	return c, nil
}

// start runs a node's redis-server. Nothing is persisted but the cluster's
// own configuration (nodes-PORT.conf), so a node started again rejoins
// with its identity and slots, and without its data — as a server without
// persistence restarts.
func (c *Cluster) start(n *node) error {
	p := strconv.Itoa(n.port)
	n.cmd = exec.Command("redis-server",
		"--port", p, "--bind", "127.0.0.1", "--protected-mode", "no",
		"--cluster-enabled", "yes", "--cluster-port", strconv.Itoa(n.busPort),
		"--cluster-config-file", "nodes-"+p+".conf",
		"--cluster-node-timeout", strconv.Itoa(int(c.opts.NodeTimeout.Milliseconds())),
		"--cluster-require-full-coverage", "no",
		"--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0",
		"--dir", c.opts.Dir, "--logfile", filepath.Join(c.opts.Dir, "redis-"+p+".log"))
	// Killed with the process that started it, and not by a Ctrl-C meant
	// for that process.
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
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

// Stop kills every node (SIGKILL): the whole cluster is down. Restart
// brings it back.
func (c *Cluster) Stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.nodes {
		n.kill()
	}
}

func (n *node) kill() {
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

// Restart starts every stopped node again on its ports, empty, and waits
// for the cluster to be whole.
func (c *Cluster) Restart(ctx context.Context) error {
	c.mu.Lock()
	for _, n := range c.nodes {
		select {
		case <-n.done:
			if err := c.start(n); err != nil {
				c.mu.Unlock()
				return err
			}
		default:
		}
	}
	c.mu.Unlock()
	return c.WaitHealthy(ctx, len(c.nodes), 30*time.Second)
}

// Kill kills (SIGKILL) the node listening on addr (host:port) and says
// whether there was one.
func (c *Cluster) Kill(addr string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.nodes {
		if strings.HasSuffix(addr, ":"+strconv.Itoa(n.port)) {
			n.kill()
			return true
		}
	}
	return false
}

// Node is one live node: its address and process id.
type Node struct {
	Addr string
	PID  int
}

// Nodes lists the live nodes.
func (c *Cluster) Nodes() []Node {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Node
	for _, n := range c.nodes {
		select {
		case <-n.done:
			continue
		default:
		}
		out = append(out, Node{Addr: "127.0.0.1:" + strconv.Itoa(n.port), PID: n.cmd.Process.Pid})
	}
	return out
}

// WaitHealthy waits up to timeout until want live nodes agree the cluster
// is ok, every slot served.
func (c *Cluster) WaitHealthy(ctx context.Context, want int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		if last = c.health(ctx, want); last == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("Redis Cluster not healthy after %s: %s", timeout, last)
}

// health says what is not yet ok, or "".
func (c *Cluster) health(ctx context.Context, want int) string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	live := 0
	for _, n := range c.Nodes() {
		if msg := nodeHealth(ctx, n.Addr); msg != "" {
			return msg
		}
		live++
	}
	if live < want {
		return fmt.Sprintf("%d of %d nodes live", live, want)
	}
	return ""
}

// nodeHealth says what is not yet ok on one node, or "".
func nodeHealth(ctx context.Context, addr string) string {
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialerRetries: 1, MaxRetries: -1})
	defer rdb.Close()
	info, err := rdb.ClusterInfo(ctx).Result()
	if err != nil {
		return fmt.Sprintf("node %s: %v", addr, err)
	}
	if !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_slots_ok:16384") {
		return fmt.Sprintf("node %s: %s", addr, firstLines(info, 3))
	}
	// A replica that never synchronized cannot take over its master.
	repl, err := rdb.Info(ctx, "replication").Result()
	if err != nil {
		return fmt.Sprintf("node %s: %v", addr, err)
	}
	if strings.Contains(repl, "role:slave") && !strings.Contains(repl, "master_link_status:up") {
		return fmt.Sprintf("replica %s not synchronized with its master", addr)
	}
	return ""
}

// Logs returns the last lines lines of every node's log.
func (c *Cluster) Logs(lines int) string {
	var b strings.Builder
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.nodes {
		p := strconv.Itoa(n.port)
		data, _ := os.ReadFile(filepath.Join(c.opts.Dir, "redis-"+p+".log"))
		ls := strings.Split(strings.TrimSpace(string(data)), "\n")
		fmt.Fprintf(&b, "--- redis %s\n%s\n", p, strings.Join(ls[max(0, len(ls)-lines):], "\n"))
	}
	return b.String()
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], " ")
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

// FreePort is a free loopback port.
func FreePort() (int, error) {
	var lc net.ListenConfig
	l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// WaitPing waits up to 15 s until a server answers PING on addr. It waits
// for the port to accept before asking, so that go-redis does not log a
// refused dial for each try while the server starts.
func WaitPing(ctx context.Context, addr string) error {
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialerRetries: 1, MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(15 * time.Second)
	var d net.Dialer
	for {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		conn, err := d.DialContext(pctx, "tcp", addr)
		if err == nil {
			_ = conn.Close()
			err = rdb.Ping(pctx).Err()
		}
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server on %s did not answer: %w", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ErrNoMaster is returned by MasterOf when no master serves the slot.
var ErrNoMaster = errors.New("no master serves the slot")

// MasterOf is the address of the master that serves key's slot.
func MasterOf(ctx context.Context, rdb *redis.ClusterClient, key string) (string, error) {
	slot, err := rdb.ClusterKeySlot(ctx, key).Result()
	if err != nil {
		return "", err
	}
	slots, err := rdb.ClusterSlots(ctx).Result()
	if err != nil {
		return "", err
	}
	for _, s := range slots {
		if int64(s.Start) <= slot && slot <= int64(s.End) {
			return s.Nodes[0].Addr, nil
		}
	}
	return "", fmt.Errorf("slot %d: %w", slot, ErrNoMaster)
}
