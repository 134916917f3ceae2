package presence

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rollcall/rollcall/internal/rediscluster"
	"github.com/rollcall/rollcall/models"
)

// countHook counts what reaches the network: single commands and pipelines,
// leaving out the connection handshake (HELLO, CLIENT SETINFO) of a new
// pool connection.

type countHook struct {
	single, pipelines, pipelined atomic.Int64
}

func (h *countHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !handshake(cmd) {
			h.single.Add(1)
		}
		return next(ctx, cmd)
	}
}
func (h *countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) > 0 && handshake(cmds[0]) {
			return next(ctx, cmds)
		}
		h.pipelines.Add(1)
		h.pipelined.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

func handshake(cmd redis.Cmder) bool {
	name := cmd.Name()
	return name == "hello" || name == "client" || name == "auth" || name == "select"
}

type testClock struct{ ns atomic.Int64 }

func newTestClock() *testClock {
	c := &testClock{}
	c.ns.Store(time.Now().UnixNano())
	return c
}
func (c *testClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *testClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

func testOptions(prefix, node string) Options {
	return Options{Prefix: prefix, Node: node, TTL: time.Second, OfflineGrace: 200 * time.Millisecond, SweepInterval: 50 * time.Millisecond}
}

func runNode(t *testing.T, r *Redis) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = r.Run(ctx)
	}()
	t.Cleanup(func() {
		_ = r.Shutdown(context.Background())
		cancel()
		<-done
	})
}

func TestRedisStatesOneRoundTrip(t *testing.T) {
	rdb := RedisForTest(t)
	prefix := PrefixForTest(t, rdb)
	r := NewRedis(rdb, testOptions(prefix, "a"))
	ctx := context.Background()
	ids := make([]int64, 50)
	for i := range ids {
		ids[i] = int64(i + 1)
		if i%2 == 0 {
			if err := r.Connect(ctx, models.PresenceConn{ConnID: fmt.Sprint("c", i), UserID: ids[i], SessionID: ids[i]}); err != nil {
				t.Fatal(err)
			}
		}
	}
	hook := &countHook{}
	counted := redis.NewClient(rdb.Options())
	defer counted.Close()
	if err := counted.Ping(ctx).Err(); err != nil { // dial and handshake first
		t.Fatal(err)
	}
	rc := NewRedis(counted, testOptions(prefix, "b"))
	counted.AddHook(hook) // after NewRedis's one-off epoch write
	states, err := rc.States(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	// 50 reads and the two checks that Redis has not lost its data.
	if p, s, n := hook.pipelines.Load(), hook.single.Load(), hook.pipelined.Load(); p != 1 || s != 0 || n != 52 {
		t.Fatalf("States(50): %d pipelines (%d commands) and %d single commands, want 1 pipeline of 52", p, n, s)
	}
	if states[1].Status != models.PresenceOnline || states[2].Status != models.PresenceOffline || len(states) != 50 {
		t.Fatalf("states: %+v %+v (%d)", states[1], states[2], len(states))
	}
	sessions := make([]models.SessionRef, 50)
	for i, id := range ids {
		sessions[i] = models.SessionRef{UserID: id, SessionID: id * 10}
	}
	if _, err := rc.SessionConnected(ctx, sessions); err != nil {
		t.Fatal(err)
	}
	if p := hook.pipelines.Load(); p != 2 {
		t.Fatalf("SessionConnected(50) took %d pipelines", p-1)
	}
}

// Two nodes sweeping the same due user at the same time publish one event.
func TestRedisConcurrentSweepPublishesOnce(t *testing.T) {
	rdb := RedisForTest(t)
	prefix := PrefixForTest(t, rdb)
	clk := newTestClock()
	opts := testOptions(prefix, "a")
	opts.Now = clk.Now
	a := NewRedis(rdb, opts)
	var sweepers []*Redis
	for i := 0; i < 4; i++ {
		o := opts
		o.Node = fmt.Sprint("s", i)
		sweepers = append(sweepers, NewRedis(rdb, o))
	}
	ctx := context.Background()
	ps := rdb.Subscribe(ctx, a.channel(7))
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil { // subscription confirmed
		t.Fatal(err)
	}
	msgs := ps.Channel()
	if err := a.Connect(ctx, models.PresenceConn{ConnID: "c1", UserID: 7, SessionID: 70}); err != nil {
		t.Fatal(err)
	}
	if m := <-msgs; m.Payload != fmt.Sprintf("s|7|70|CONNECTED|%d", clk.Now().UnixMilli()) {
		t.Fatalf("first message %q, want the session's CONNECTED", m.Payload)
	}
	if m := <-msgs; !strings.Contains(m.Payload, "|ONLINE|1|") {
		t.Fatalf("first event %q", m.Payload)
	}
	clk.Advance(opts.TTL + time.Millisecond) // node a died: no heartbeat
	var wg sync.WaitGroup
	for _, s := range sweepers {
		for j := 0; j < 3; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.sweepOnce(ctx); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	// Exactly one DISCONNECTED of the session, then exactly one OFFLINE.
	if m := <-msgs; !strings.HasPrefix(m.Payload, "s|7|70|DISCONNECTED|") {
		t.Fatalf("message %q, want the session's DISCONNECTED", m.Payload)
	}
	m := <-msgs
	if !strings.Contains(m.Payload, "|OFFLINE|0|") {
		t.Fatalf("event %q, want OFFLINE", m.Payload)
	}
	select {
	case m := <-msgs:
		t.Fatalf("second event %q", m.Payload)
	case <-time.After(200 * time.Millisecond):
	}
	if n, _ := rdb.ZCard(ctx, a.dueKey(int(7%int64(a.opts.Shards)))).Result(); n != 0 {
		t.Fatalf("due-set still holds %d users", n)
	}
}

// Scripts are run by EVALSHA; after SCRIPT FLUSH (or a failover) they are
// loaded again, including inside pipelines.
func TestRedisScriptCacheFlushed(t *testing.T) {
	rdb := RedisForTest(t)
	prefix := PrefixForTest(t, rdb)
	r := NewRedis(rdb, testOptions(prefix, "a"))
	ctx := context.Background()
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := r.Connect(ctx, models.PresenceConn{ConnID: "c1", UserID: 9, SessionID: 90}); err != nil {
		t.Fatal(err)
	}
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := r.Touch(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	st, _ := r.States(ctx, []int64{9})
	if st[9].Status != models.PresenceOnline {
		t.Fatalf("state %+v", st[9])
	}
}

// killPubSub closes the pub/sub connections of clients named name, and only
// those (other suites may share the Redis server): those with plain
// subscriptions (kind "sub") or sharded ones ("ssub").
func killPubSub(t *testing.T, rdb *redis.Client, name, kind string) {
	t.Helper()
	ctx := context.Background()
	list, err := rdb.ClientList(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	killed := 0
	for _, line := range strings.Split(list, "\n") {
		subscribed := strings.Contains(line, " "+kind+"=") && !strings.Contains(line, " "+kind+"=0 ")
		if !strings.Contains(line, " name="+name+" ") || !subscribed {
			continue
		}
		for _, f := range strings.Fields(line) {
			if id, ok := strings.CutPrefix(f, "id="); ok {
				if err := rdb.Do(ctx, "CLIENT", "KILL", "ID", id).Err(); err != nil {
					t.Fatal(err)
				}
				killed++
			}
		}
	}
	if killed == 0 {
		t.Fatalf("no pub/sub connection named %s", name)
	}
}

// After the pub/sub connection drops, the node resubscribes and re-reads its
// watched users, so a change published meanwhile still reaches watchers.
func TestRedisPubSubReconnectResyncs(t *testing.T) {
	for _, sharded := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "sharded"}[sharded], func(t *testing.T) { testPubSubReconnectResyncs(t, sharded) })
	}
}

func testPubSubReconnectResyncs(t *testing.T, sharded bool) {
	base := RedisForTest(t)
	prefix := PrefixForTest(t, base)
	opt := base.Options()
	opt.ClientName = "rctest-b-" + strings.TrimSuffix(strings.TrimPrefix(prefix, "rctest:"), ":")
	rdbB := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdbB.Close() })
	oa, ob := testOptions(prefix, "a"), testOptions(prefix, "b")
	oa.ShardedPubSub, ob.ShardedPubSub = sharded, sharded
	a := NewRedis(base, oa)
	b := NewRedis(rdbB, ob)
	runNode(t, a)
	runNode(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	w, err := b.Watch(ctx, []int64{5})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := a.Connect(ctx, models.PresenceConn{ConnID: "c1", UserID: 5, SessionID: 50}); err != nil {
		t.Fatal(err)
	}
	if e := recv(t, w); e.State.Status != models.PresenceOnline {
		t.Fatalf("%+v", e)
	}
	// A change whose message nobody receives (published to another
	// channel), standing for one lost while the connection was down.
	call := scriptCall{a.lua.manual, a.userKeys(5), a.scriptArgs(5, ms(time.Now()), "1")}
	call.args[4] = prefix + "nowhere"
	if _, err := a.exec(ctx, []scriptCall{call}); err != nil {
		t.Fatal(err)
	}
	// With sharded pub/sub only the shard's connection is lost: its own
	// confirmation on the new connection must start the resync.
	killPubSub(t, rdbB, opt.ClientName, map[bool]string{false: "sub", true: "ssub"}[sharded])
	e := recv(t, w)
	if e.State.Status != models.PresenceAway {
		t.Fatalf("after reconnect: %+v, want AWAY from the resync", e.State)
	}
	// And live events flow again.
	if err := a.SetManualAway(ctx, 5, false); err != nil {
		t.Fatal(err)
	}
	if e := recv(t, w); e.State.Status != models.PresenceOnline {
		t.Fatalf("%+v", e)
	}
}

// Redis restarting empty: the next heartbeat registers the node's live
// connections again, with the manual AWAY the node last knew, and the
// version is newer than any seen before the loss.
func TestRedisRegistersAgainAfterDataLoss(t *testing.T) {
	rdb := RedisForTest(t)
	prefix := PrefixForTest(t, rdb)
	a := NewRedis(rdb, testOptions(prefix, "a"))
	ctx := context.Background()
	c := models.PresenceConn{ConnID: "c1", UserID: 5, SessionID: 50}
	if err := a.Connect(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := a.SetManualAway(ctx, 5, true); err != nil {
		t.Fatal(err)
	}
	before, err := a.States(ctx, []int64{5})
	if err != nil || before[5].Status != models.PresenceAway {
		t.Fatalf("before: %+v %v", before, err)
	}
	keys, _ := rdb.Keys(ctx, prefix+"*").Result()
	if len(keys) == 0 {
		t.Fatal("no keys to lose")
	}
	rdb.Del(ctx, keys...)
	time.Sleep(2 * time.Millisecond) // versions are milliseconds: a real outage lasts longer

	// Until the node has registered its connections again, a read answers
	// UNAVAILABLE, never a wrong OFFLINE; readiness says so too.
	if _, err := a.States(ctx, []int64{5}); !errors.Is(err, ErrSettling) {
		t.Fatalf("a read of an emptied Redis: %v, want ErrSettling", err)
	}
	if _, err := a.Live(ctx); !errors.Is(err, ErrSettling) {
		t.Fatalf("Live of an emptied Redis: %v, want ErrSettling", err)
	}
	if _, err := a.SessionConnected(ctx, []models.SessionRef{{UserID: 5, SessionID: 50}}); !errors.Is(err, ErrSettling) {
		t.Fatalf("SessionConnected of an emptied Redis: %v, want ErrSettling", err)
	}
	if err := a.touchAll(ctx); err != nil { // the heartbeat
		t.Fatal(err)
	}
	if err := a.Settled(ctx); !errors.Is(err, ErrSettling) {
		t.Fatalf("right after the re-registering heartbeat: %v, want ErrSettling for the window", err)
	}
	var after map[int64]models.PresenceState
	deadline := time.Now().Add(5 * time.Second)
	for {
		after, err = a.States(ctx, []int64{5})
		if err == nil {
			break
		}
		if !errors.Is(err, ErrSettling) || time.Now().After(deadline) {
			t.Fatalf("after the window: %v", err)
		}
		time.Sleep(10 * time.Millisecond) // polling the end of the settling window (a key's expiry)
	}
	if st := after[5]; st.Status != models.PresenceAway || st.Devices != 1 || st.Version <= before[5].Version {
		t.Fatalf("after the loss: %+v, before %+v", st, before[5])
	}
	connected, err := a.SessionConnected(ctx, []models.SessionRef{{UserID: 5, SessionID: 50}})
	if err != nil || !connected[50] {
		t.Fatalf("session after the loss: %v %v", connected, err)
	}
}

// With sharded pub/sub a node holds one subscription per presence shard
// its watchers follow, opened with the shard's first watched user and
// closed with its last; events reach the watcher through it, and a user
// nobody watches costs the node nothing.
func TestShardedSubscriptionsFollowWatchers(t *testing.T) {
	rdb := RedisForTest(t)
	prefix := PrefixForTest(t, rdb)
	opts := testOptions(prefix, "a")
	opts.ShardedPubSub, opts.Shards = true, 4
	a := NewRedis(rdb, opts)
	runNode(t, a)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	waitShards := func(want int) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); a.ShardSubscriptions() != want; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d shard subscriptions, want %d", a.ShardSubscriptions(), want)
			}
		}
	}
	waitShards(0)
	// Users 1 and 5 share shard 1; user 2 is in shard 2.
	w1, err := a.Watch(ctx, []int64{1, 5})
	if err != nil {
		t.Fatal(err)
	}
	waitShards(1)
	w2, err := a.Watch(ctx, []int64{2})
	if err != nil {
		t.Fatal(err)
	}
	waitShards(2)
	if err := a.Connect(ctx, models.PresenceConn{ConnID: "c5", UserID: 5, SessionID: 50}); err != nil {
		t.Fatal(err)
	}
	if e := recv(t, w1); e.UserID != 5 || e.State.Status != models.PresenceOnline {
		t.Fatalf("%+v", e)
	}
	n, err := rdb.PubSubShardNumSub(ctx, a.channel(5), a.channel(3)).Result()
	if err != nil {
		t.Fatal(err)
	}
	if n[a.channel(5)] != 1 || n[a.channel(3)] != 0 {
		t.Fatalf("shard channel subscribers: %v", n)
	}
	w1.Close()
	waitShards(1)
	w2.Close()
	waitShards(0)
}

// startCluster starts a real 3-master Redis Cluster for the test (with
// TEST_REDIS_URL set; see RedisForTest) and returns a cluster client.
func startCluster(t *testing.T) (*rediscluster.Cluster, *redis.ClusterClient) {
	t.Helper()
	RedisForTest(t)
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server is not installed: under CI the Redis Cluster tests must run")
		}
		t.Skip("redis-server is not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c, err := rediscluster.Start(ctx, rediscluster.Options{Masters: 3, Dir: t.TempDir(), NodeTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	opt, err := redis.ParseClusterURL(c.URL)
	if err != nil {
		t.Fatal(err)
	}
	cc := redis.NewClusterClient(opt)
	t.Cleanup(func() { _ = cc.Close() })
	return c, cc
}

// moveEmptySlot gives the (empty) slot of key to another master, telling
// every node directly: the cluster client is not told.
func moveEmptySlot(t *testing.T, c *rediscluster.Cluster, key string) {
	t.Helper()
	ctx := context.Background()
	var clients []*redis.Client
	ids := map[string]string{}
	for _, n := range c.Nodes() {
		r := redis.NewClient(&redis.Options{Addr: n.Addr})
		t.Cleanup(func() { _ = r.Close() })
		clients = append(clients, r)
		ids[n.Addr] = r.ClusterMyID(ctx).Val()
	}
	slot := clients[0].ClusterKeySlot(ctx, key).Val()
	owner := ""
	for _, s := range clients[0].ClusterSlots(ctx).Val() {
		if int64(s.Start) <= slot && slot <= int64(s.End) {
			owner = s.Nodes[0].Addr
		}
	}
	var target *redis.Client
	for _, r := range clients {
		if addr := r.Options().Addr; addr != owner {
			target = r
		}
	}
	to := ids[target.Options().Addr]
	// The new owner first, then the others (the old owner last).
	order := append([]*redis.Client{target}, clients...)
	for _, r := range order {
		if err := r.Do(ctx, "CLUSTER", "SETSLOT", slot, "NODE", to).Err(); err != nil {
			t.Fatalf("CLUSTER SETSLOT %d NODE on %s: %v", slot, r.Options().Addr, err)
		}
	}
}

// A slot moving to another master behind the cluster client's back: a new
// watch of a person of that slot has its SSUBSCRIBE refused (MOVED) by the
// old owner and subscribes again where the slot lives; and when the slot
// moves again, the server drops the subscription (SUNSUBSCRIBE) and the node
// follows. Events reach the watcher throughout.
func TestShardedSubscriptionFollowsMovedSlots(t *testing.T) {
	c, cc := startCluster(t)
	prefix := PrefixForTest(t, cc)
	opts := testOptions(prefix, "a")
	opts.ShardedPubSub = true
	a := NewRedis(cc, opts)
	runNode(t, a)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The client reads the topology.
	if err := a.Connect(ctx, models.PresenceConn{ConnID: "c1", UserID: 1, SessionID: 10}); err != nil {
		t.Fatal(err)
	}
	// Person 6's shard holds no key yet: its slot can be given away.
	moveEmptySlot(t, c, a.channel(6))
	w, err := a.Watch(ctx, []int64{6})
	if err != nil {
		t.Fatalf("watch after the slot moved: %v", err)
	}
	defer w.Close()
	moveEmptySlot(t, c, a.channel(6))
	if err := a.Connect(ctx, models.PresenceConn{ConnID: "c6", UserID: 6, SessionID: 60}); err != nil {
		t.Fatal(err)
	}
	for {
		e := recv(t, w)
		if e.UserID == 6 && e.State.Status == models.PresenceOnline {
			break
		}
	}
}
