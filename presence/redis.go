package presence

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rollcall/rollcall/models"
)

// Redis is the Redis backend: state in per-user keys changed by Lua scripts,
// events over pub/sub, a sweeper over sharded due-sets on every node.
type Redis struct {
	rdb  redis.UniversalClient
	opts Options
	hub  *hub
	ps   *redis.PubSub
	// batch shares pipelines among concurrent Connects and Disconnects.
	batch batcher

	mu       sync.Mutex
	local    map[string]models.PresenceConn
	onKick   func([]int64)
	onBack   func()
	onAccess func(int64)
	// gone are connections whose removal failed (Redis unreachable): the
	// heartbeat removes them before it refreshes anything.
	gone     []models.PresenceConn
	onActive func(int64, time.Time)
	closed   bool
	running  bool
	stop     chan struct{}
	runDone  chan struct{}

	// Subscription requests are applied in order by one goroutine, off the
	// hub lock; waiters are released by the matching confirmations.
	subMu    sync.Mutex
	subOps   []subOp
	subWake  chan struct{}
	waiters  map[string][]*pendingSub
	kickSubs int
	// shards are the sharded subscriptions by presence shard, owned by
	// the subscription loop (ShardedPubSub only).
	shards     map[int]*shardSub
	shardWG    sync.WaitGroup
	openShards atomic.Int32
	// readMsgs and readBytes count the pub/sub messages received.
	readMsgs, readBytes atomic.Int64
	// resyncing is set while a resync waits to read.
	resyncing atomic.Bool
	// lua are the state scripts, publishing plain or sharded.
	lua *eventScripts

	// heartbeatOK is when the last heartbeat of every local connection
	// succeeded (unix ns); the sweeper waits for one after an outage.
	heartbeatOK atomic.Int64
	// beat wakes the heartbeat before its tick (a read found Redis empty).
	beat chan struct{}
}

// subOp is a request to the subscription loop: subscribe or unsubscribe
// users' channels, or open again a shard's subscription the server
// dropped (old is the one it dropped).
type subOp struct {
	sub    bool
	users  []int64
	chans  []string
	reopen bool
	shard  int
	old    *shardSub
}

// NewRedis returns the Redis presence service. The client is owned by the
// caller (Shutdown does not close it). Call Run to start the background work.
func NewRedis(rdb redis.UniversalClient, opts Options) *Redis {
	r := &Redis{
		rdb:     rdb,
		opts:    opts.withDefaults(),
		local:   map[string]models.PresenceConn{},
		stop:    make(chan struct{}),
		runDone: make(chan struct{}),
		subWake: make(chan struct{}, 1),
		waiters: map[string][]*pendingSub{},
		beat:    make(chan struct{}, 1),
		shards:  map[int]*shardSub{},
	}
	r.lua = plainScripts
	if r.opts.ShardedPubSub {
		r.lua = shardedScripts
	}
	r.batch.r = r
	r.hub = newHub(redisSubscriber{r}, r.opts)
	r.ps = rdb.Subscribe(context.Background())
	// The epoch must stand before the first read (see settling.go); Run
	// sets it again if Redis could not be reached now.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = r.markEpoch(ctx)
	return r
}

var _ Service = (*Redis)(nil)

// Key layout. One user's keys share the hash tag of its shard
// ({<userID mod Shards>}), so a script touching the user's keys and the
// shard's due-set stays inside one Cluster slot.
func (r *Redis) tag(uid int64) string {
	return r.opts.Prefix + "{" + strconv.FormatInt(uid%int64(r.opts.Shards), 10) + "}"
}

func (r *Redis) dueKey(shard int) string {
	return r.opts.Prefix + "{" + strconv.Itoa(shard) + "}:due"
}

func (r *Redis) userKeys(uid int64) []string {
	t, id := r.tag(uid), strconv.FormatInt(uid, 10)
	return []string{t + ":c:" + id, t + ":m:" + id, t + ":s:" + id, t + ":due", t + ":live"}
}

// channel is a user's event channel; it carries the hash tag of the user's
// shard, so a script can SPUBLISH on it (see fanout.go).
func (r *Redis) channel(uid int64) string {
	return r.tag(uid) + ":ev:" + strconv.FormatInt(uid, 10)
}

func (r *Redis) kickChannel() string { return r.opts.Prefix + "kick" }

// scriptArgs are the arguments shared by every state script, then extra.
func (r *Redis) scriptArgs(uid int64, now int64, extra ...any) []any {
	return append([]any{now, uid, r.opts.IdleAfter.Milliseconds(), r.opts.LastActiveEvery.Milliseconds(), r.channel(uid)}, extra...)
}

type scriptCall struct {
	s    *redis.Script
	keys []string
	args []any
}

// exec runs script calls in one pipeline (one round trip). Scripts go by EVALSHA; those the server does not know (NOSCRIPT,
// e.g. after SCRIPT FLUSH or a failover) are loaded and re-run once. It
// returns the first error; each call's own error is left in its reply.
func (r *Redis) exec(ctx context.Context, calls []scriptCall) ([]*redis.Cmd, error) {
	cmds := make([]*redis.Cmd, len(calls))
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, c := range calls {
			cmds[i] = c.s.EvalSha(ctx, p, c.keys, c.args...)
		}
		return nil
	})
	var retry []int
	for i, c := range cmds {
		if redis.HasErrorPrefix(c.Err(), "NOSCRIPT") {
			retry = append(retry, i)
		}
	}
	if len(retry) > 0 {
		loaded := map[*redis.Script]bool{}
		for _, i := range retry {
			s := calls[i].s
			if !loaded[s] {
				if lerr := s.Load(ctx, r.rdb).Err(); lerr != nil {
					for _, i := range retry {
						cmds[i].SetErr(lerr)
					}
					return cmds, lerr
				}
				loaded[s] = true
			}
		}
		_, err = r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, i := range retry {
				c := calls[i]
				cmds[i] = c.s.EvalSha(ctx, p, c.keys, c.args...)
			}
			return nil
		})
	}
	for _, c := range cmds {
		if c.Err() != nil {
			return cmds, c.Err()
		}
	}
	if err != nil && !errors.Is(err, redis.Nil) {
		// The pipeline failed without a reply to any call.
		for _, c := range cmds {
			c.SetErr(err)
		}
		return cmds, err
	}
	return cmds, nil
}

// finishResult reads the reply of luaPrelude's finish and returns the
// last-active hook to call.
func finishResult(uid int64, c *redis.Cmd) lastActive {
	vals, err := c.Slice()
	if err != nil || len(vals) < 6 {
		return lastActive{}
	}
	if hook, _ := vals[5].(int64); hook == 1 {
		la, _ := vals[4].(int64)
		return lastActive{uid: uid, at: la}
	}
	return lastActive{}
}

func (r *Redis) fire(hooks ...lastActive) {
	r.mu.Lock()
	f := r.onActive
	r.mu.Unlock()
	if f == nil {
		return
	}
	for _, h := range hooks {
		if h.at > 0 {
			f(h.uid, fromMS(h.at))
		}
	}
}

func (r *Redis) connectCall(c models.PresenceConn, now int64, manual string) scriptCall {
	exp := now + r.opts.TTL.Milliseconds()
	meta := fmt.Sprintf("%d|%s|%d|%s", c.SessionID, c.Node, now, c.Device)
	return scriptCall{r.lua.connect, r.userKeys(c.UserID), r.scriptArgs(c.UserID, now, c.ConnID, exp, meta, manual)}
}

// Connect implements Service.
func (r *Redis) Connect(ctx context.Context, c models.PresenceConn) error {
	if err := validateConn(c); err != nil {
		return err
	}
	if c.Node == "" {
		c.Node = r.opts.Node
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return ErrClosed
	}
	r.local[c.ConnID] = c
	r.mu.Unlock()
	manual := "0"
	if c.ManualAway {
		manual = "1"
	}
	cmd, err := r.batch.do(ctx, r.connectCall(c, ms(r.opts.Now()), manual))
	if err != nil {
		return fmt.Errorf("presence: connect: %w", err)
	}
	r.fire(finishResult(c.UserID, cmd))
	return nil
}

// Touch implements Service.
func (r *Redis) Touch(ctx context.Context, connIDs ...string) error {
	r.mu.Lock()
	infos := make([]models.PresenceConn, 0, len(connIDs))
	for _, id := range connIDs {
		if c, ok := r.local[id]; ok {
			infos = append(infos, c)
		}
	}
	r.mu.Unlock()
	if len(infos) == 0 {
		return nil
	}
	now := ms(r.opts.Now())
	exp := now + r.opts.TTL.Milliseconds()
	calls := make([]scriptCall, len(infos))
	for i, c := range infos {
		k := r.userKeys(c.UserID)
		calls[i] = scriptCall{luaTouch, []string{k[0], k[2], k[3]}, []any{c.UserID, c.ConnID, exp}}
	}
	cmds, err := r.exec(ctx, calls)
	if err != nil {
		return fmt.Errorf("presence: touch: %w", err)
	}
	// Connections a sweeper removed while this node stalled, or that
	// Redis lost, come back (with the person's manual AWAY as this node
	// last knew it, if Redis lost that too).
	var again []scriptCall
	var uids []int64
	for i, c := range cmds {
		if n, _ := c.Int64(); n == 0 {
			manual := "?0"
			if infos[i].ManualAway {
				manual = "?1"
			}
			again, uids = append(again, r.connectCall(infos[i], now, manual)), append(uids, infos[i].UserID)
		}
	}
	if len(again) == 0 {
		return nil
	}
	cmds, err = r.exec(ctx, again)
	if err != nil {
		return fmt.Errorf("presence: touch: %w", err)
	}
	hooks := make([]lastActive, len(cmds))
	for i, c := range cmds {
		hooks[i] = finishResult(uids[i], c)
	}
	r.fire(hooks...)
	return nil
}

// SetActivity implements Service.
func (r *Redis) SetActivity(ctx context.Context, connID string, idle bool) error {
	r.mu.Lock()
	c, ok := r.local[connID]
	r.mu.Unlock()
	if !ok {
		return errUnknownConn
	}
	flag := "0"
	if idle {
		flag = "1"
	}
	cmds, err := r.exec(ctx, []scriptCall{{r.lua.activity, r.userKeys(c.UserID), r.scriptArgs(c.UserID, ms(r.opts.Now()), connID, flag)}})
	if err != nil {
		return fmt.Errorf("presence: activity: %w", err)
	}
	r.fire(finishResult(c.UserID, cmds[0]))
	return nil
}

// SetManualAway implements Service.
func (r *Redis) SetManualAway(ctx context.Context, userID int64, away bool) error {
	if userID <= 0 {
		return errBadUser
	}
	flag := "0"
	if away {
		flag = "1"
	}
	r.mu.Lock()
	for id, c := range r.local {
		if c.UserID == userID {
			c.ManualAway = away
			r.local[id] = c
		}
	}
	r.mu.Unlock()
	cmds, err := r.exec(ctx, []scriptCall{{r.lua.manual, r.userKeys(userID), r.scriptArgs(userID, ms(r.opts.Now()), flag)}})
	if err != nil {
		return fmt.Errorf("presence: manual away: %w", err)
	}
	r.fire(finishResult(userID, cmds[0]))
	return nil
}

// Disconnect implements Service.
func (r *Redis) Disconnect(ctx context.Context, connID string) error {
	r.mu.Lock()
	c, ok := r.local[connID]
	delete(r.local, connID)
	r.mu.Unlock()
	if !ok {
		return nil
	}
	cmd, err := r.batch.do(ctx, r.disconnectCall(c, ms(r.opts.Now()), r.opts.OfflineGrace))
	if err != nil {
		r.mu.Lock()
		if !r.closed {
			r.gone = append(r.gone, c)
		}
		r.mu.Unlock()
		return fmt.Errorf("presence: disconnect: %w", err)
	}
	r.fire(finishResult(c.UserID, cmd))
	return nil
}

// retryGone removes at once, when Redis is back, the connections whose
// removal failed during the outage (rather than at the next heartbeat).
func (r *Redis) retryGone(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, r.opts.HeartbeatInterval/2)
	defer cancel()
	if err := r.removeGone(ctx); err != nil && ctx.Err() == nil {
		r.opts.Logger.Warn("presence: removing connections closed during the outage", "err", err)
	}
}

// removeGone retries the removals that failed while Redis was unreachable.
func (r *Redis) removeGone(ctx context.Context) error {
	r.mu.Lock()
	gone := r.gone
	r.gone = nil
	r.mu.Unlock()
	for len(gone) > 0 {
		n := min(len(gone), 1000)
		if err := r.disconnect(ctx, gone[:n], r.opts.OfflineGrace); err != nil {
			r.mu.Lock()
			r.gone = append(gone, r.gone...)
			r.mu.Unlock()
			return err
		}
		gone = gone[n:]
	}
	return nil
}

func (r *Redis) disconnectCall(c models.PresenceConn, now int64, grace time.Duration) scriptCall {
	return scriptCall{r.lua.disconnect, r.userKeys(c.UserID), r.scriptArgs(c.UserID, now, c.ConnID, grace.Milliseconds())}
}

func (r *Redis) disconnect(ctx context.Context, conns []models.PresenceConn, grace time.Duration) error {
	if len(conns) == 0 {
		return nil
	}
	now := ms(r.opts.Now())
	calls := make([]scriptCall, len(conns))
	for i, c := range conns {
		calls[i] = r.disconnectCall(c, now, grace)
	}
	cmds, err := r.exec(ctx, calls)
	if err != nil {
		return fmt.Errorf("presence: disconnect: %w", err)
	}
	hooks := make([]lastActive, len(cmds))
	for i, c := range cmds {
		hooks[i] = finishResult(conns[i].UserID, c)
	}
	r.fire(hooks...)
	return nil
}

// States implements Service: one pipelined HMGET per user, one round trip.
func (r *Redis) States(ctx context.Context, userIDs []int64) (map[int64]models.PresenceState, error) {
	out := make(map[int64]models.PresenceState, len(userIDs))
	if len(userIDs) == 0 {
		return out, nil
	}
	cmds := make([]*redis.SliceCmd, len(userIDs))
	var epoch, settling *redis.IntCmd
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		epoch, settling = r.settledCmds(ctx, p)
		for i, id := range userIDs {
			cmds[i] = p.HMGet(ctx, r.userKeys(id)[2], "st", "dv", "v", "la")
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("presence: states: %w", err)
	}
	if err := r.settled(epoch, settling); err != nil {
		return nil, err
	}
	for i, id := range userIDs {
		out[id] = parseState(id, cmds[i].Val())
	}
	return out, nil
}

func parseState(uid int64, v []any) models.PresenceState {
	st := offline(uid)
	if len(v) < 4 {
		return st
	}
	if s, ok := v[0].(string); ok && s != "" {
		st.Status = models.PresenceStatus(s)
	}
	str := func(x any) string { s, _ := x.(string); return s }
	dv, _ := strconv.Atoi(str(v[1]))
	st.Devices = dv
	st.Version, _ = strconv.ParseInt(str(v[2]), 10, 64)
	la, _ := strconv.ParseInt(str(v[3]), 10, 64)
	st.LastActiveAt = fromMS(la)
	return st
}

// Live implements Service: one HGETALL per shard, in one round trip.
func (r *Redis) Live(ctx context.Context) (map[int64]models.PresenceStatus, error) {
	cmds := make([]*redis.MapStringStringCmd, r.opts.Shards)
	var epoch, settling *redis.IntCmd
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		epoch, settling = r.settledCmds(ctx, p)
		for i := range cmds {
			cmds[i] = p.HGetAll(ctx, r.opts.Prefix+"{"+strconv.Itoa(i)+"}:live")
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("presence: live: %w", err)
	}
	if err := r.settled(epoch, settling); err != nil {
		return nil, err
	}
	out := map[int64]models.PresenceStatus{}
	for _, c := range cmds {
		for k, v := range c.Val() {
			if id, err := strconv.ParseInt(k, 10, 64); err == nil {
				out[id] = models.PresenceStatus(v)
			}
		}
	}
	return out, nil
}

// SessionConnected implements Service: the connected sessions of each
// owner ("ss", kept by the scripts), one pipelined HGET per owner.
func (r *Redis) SessionConnected(ctx context.Context, sessions []models.SessionRef) (map[int64]bool, error) {
	out := make(map[int64]bool, len(sessions))
	if len(sessions) == 0 {
		return out, nil
	}
	cmds := map[int64]*redis.StringCmd{}
	var epoch, settling *redis.IntCmd
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		epoch, settling = r.settledCmds(ctx, p)
		for _, s := range sessions {
			if _, ok := cmds[s.UserID]; !ok {
				cmds[s.UserID] = p.HGet(ctx, r.userKeys(s.UserID)[2], "ss")
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("presence: sessions: %w", err)
	}
	if err := r.settled(epoch, settling); err != nil {
		return nil, err
	}
	for _, s := range sessions {
		out[s.SessionID] = slices.Contains(strings.Split(cmds[s.UserID].Val(), ","), strconv.FormatInt(s.SessionID, 10))
	}
	return out, nil
}

// Watch implements Service.
func (r *Redis) Watch(ctx context.Context, userIDs []int64) (*Watcher, error) {
	return r.hub.watch(ctx, userIDs)
}

// PublishSession implements Service.
func (r *Redis) PublishSession(ctx context.Context, sc models.SessionEvent) error {
	if err := validSessionChange(sc); err != nil {
		return err
	}
	if sc.At.IsZero() {
		sc.At = r.opts.Now()
	}
	if err := r.publish(ctx, r.channel(sc.UserID), formatSessionMessage(sc)); err != nil {
		return fmt.Errorf("presence: publish session change: %w", err)
	}
	return nil
}

// WatchSessions implements Service.
func (r *Redis) WatchSessions(ctx context.Context, userID int64) (*SessionWatcher, error) {
	return r.hub.watchSessions(ctx, userID)
}

// KickSessions implements Service.
func (r *Redis) KickSessions(ctx context.Context, sessionIDs []int64) error {
	if len(sessionIDs) == 0 {
		return nil
	}
	parts := make([]string, len(sessionIDs))
	for i, id := range sessionIDs {
		parts[i] = strconv.FormatInt(id, 10)
	}
	if err := r.rdb.Publish(ctx, r.kickChannel(), strings.Join(parts, ",")).Err(); err != nil {
		return fmt.Errorf("presence: kick: %w", err)
	}
	return nil
}

// AnnounceAccessChange implements Service. It shares the kick channel
// (every node listens to it already) with an "a:" payload.
func (r *Redis) AnnounceAccessChange(ctx context.Context, orgID int64) error {
	if err := r.rdb.Publish(ctx, r.kickChannel(), "a:"+strconv.FormatInt(orgID, 10)).Err(); err != nil {
		return fmt.Errorf("presence: announce access change: %w", err)
	}
	return nil
}

// OnAccessChange implements Service.
func (r *Redis) OnAccessChange(f func(orgID int64)) {
	r.mu.Lock()
	r.onAccess = f
	r.mu.Unlock()
}

// OnReconnect implements Service: f runs when the subscription to the
// command channel is restored after Redis was unreachable.
func (r *Redis) OnReconnect(f func()) {
	r.mu.Lock()
	r.onBack = f
	r.mu.Unlock()
}

// OnKick implements Service.
func (r *Redis) OnKick(f func(sessionIDs []int64)) {
	r.mu.Lock()
	r.onKick = f
	r.mu.Unlock()
}

// OnLastActive implements Service.
func (r *Redis) OnLastActive(f func(userID int64, at time.Time)) {
	r.mu.Lock()
	r.onActive = f
	r.mu.Unlock()
}

// Run implements Service. It can be called once; after Shutdown it
// returns at once.
func (r *Redis) Run(ctx context.Context) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	if r.running {
		r.mu.Unlock()
		return errors.New("presence: Run called twice")
	}
	r.running = true
	r.mu.Unlock()
	defer close(r.runDone)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := r.ps.Subscribe(ctx, r.kickChannel()); err != nil {
		r.opts.Logger.Warn("presence: subscribe", "err", err)
		// Redis is down at start: its first confirmation will be a
		// return, after which what was missed meanwhile is caught up
		// (resync, retried removals, OnReconnect), as after an outage.
		r.subMu.Lock()
		r.kickSubs = max(r.kickSubs, 1)
		r.subMu.Unlock()
	}
	if err := r.markEpoch(ctx); err != nil {
		r.opts.Logger.Warn("presence: epoch", "err", err)
	}
	var wg sync.WaitGroup
	for _, loop := range []func(context.Context){r.subscriptionLoop, r.receiveLoop, r.heartbeatLoop, r.sweepLoop} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			loop(ctx)
		}()
	}
	select {
	case <-ctx.Done():
	case <-r.stop:
	}
	cancel()
	_ = r.ps.Close() // unblocks the receive loop
	wg.Wait()
	return nil
}

// heartbeatLoop refreshes local connections every HeartbeatInterval. While
// Redis is unreachable it retries every SweepInterval, so that when Redis
// returns (even empty, after a restart) this node's live connections are
// registered again within about a second.
func (r *Redis) heartbeatLoop(ctx context.Context) {
	t := time.NewTimer(r.opts.HeartbeatInterval)
	defer t.Stop()
	down := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.beat:
			t.Stop()
		}
		// A heartbeat that waits on an unreachable Redis must not land
		// late with an expiry computed before it waited: bound it, and
		// retry with a fresh time.
		tctx, cancel := context.WithTimeout(ctx, r.opts.HeartbeatInterval/2)
		err := r.touchAll(tctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if !down {
				r.opts.Logger.Warn("presence: heartbeat failed, retrying every sweep interval", "err", err)
			}
			down = true
			t.Reset(r.opts.SweepInterval)
			continue
		}
		r.heartbeatOK.Store(time.Now().UnixNano())
		if down {
			r.opts.Logger.Info("presence: Redis is back, local connections registered again")
			down = false
		}
		t.Reset(r.opts.HeartbeatInterval)
	}
}

// touchAll removes the connections whose removal failed, then refreshes
// every local connection, 1000 per pipeline: a socket closed during an
// outage is never counted again when Redis returns.
func (r *Redis) touchAll(ctx context.Context) error {
	if err := r.checkEpoch(ctx); err != nil {
		return err
	}
	if err := r.removeGone(ctx); err != nil {
		return err
	}
	r.mu.Lock()
	ids := make([]string, 0, len(r.local))
	for id := range r.local {
		ids = append(ids, id)
	}
	r.mu.Unlock()
	for len(ids) > 0 {
		n := min(len(ids), 1000)
		if err := r.Touch(ctx, ids[:n]...); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// sweepLoop sweeps every SweepInterval. After Redis was unreachable it
// holds off once Redis answers again, until this node's heartbeat has
// refreshed its connections (at most a heartbeat interval) and for a few
// more intervals: every node's heartbeat is retrying meanwhile, and live
// connections whose expiry passed during the outage must be refreshed
// before anyone sweeps them (no spurious OFFLINE); a node that really died
// is swept right after.
func (r *Redis) sweepLoop(ctx context.Context) {
	t := time.NewTicker(r.opts.SweepInterval)
	defer t.Stop()
	failed := false
	var back, hold time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		if now.Before(hold) {
			continue
		}
		if !back.IsZero() {
			// Redis answered at back: wait for a heartbeat after it.
			if r.heartbeatOK.Load() <= back.UnixNano() && now.Sub(back) < r.opts.HeartbeatInterval {
				continue
			}
			back = time.Time{}
			hold = now.Add(sweepHoldIntervals * r.opts.SweepInterval)
			continue
		}
		if failed {
			pctx, cancel := context.WithTimeout(ctx, r.opts.SweepInterval)
			err := r.rdb.Ping(pctx).Err()
			cancel()
			if err != nil {
				continue
			}
			failed = false
			back = time.Now()
			continue
		}
		sctx, cancel := context.WithTimeout(ctx, r.opts.HeartbeatInterval)
		err := r.sweepOnce(sctx)
		cancel()
		if err != nil && ctx.Err() == nil {
			r.opts.Logger.Warn("presence: sweep failed", "err", err)
			failed = true
		}
	}
}

// sweepHoldIntervals is how many sweep intervals the sweeper waits after
// Redis comes back (heartbeats retry once per interval while it is down).
const sweepHoldIntervals = 3

// sweepOnce reads the due users of every shard (one round trip) and runs the
// sweep script for them (one more), repeating while shards return full
// batches.
func (r *Redis) sweepOnce(ctx context.Context) error {
	for round := 0; round < 20; round++ {
		now := ms(r.opts.Now())
		ranges := make([]*redis.StringSliceCmd, r.opts.Shards)
		_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := range ranges {
				ranges[i] = p.ZRangeByScore(ctx, r.dueKey(i), &redis.ZRangeBy{Min: "-inf", Max: strconv.FormatInt(now, 10), Count: int64(r.opts.SweepBatch)})
			}
			return nil
		})
		if err != nil {
			return err
		}
		var uids []int64
		full := false
		for _, c := range ranges {
			vals := c.Val()
			full = full || len(vals) >= r.opts.SweepBatch
			for _, v := range vals {
				if id, err := strconv.ParseInt(v, 10, 64); err == nil {
					uids = append(uids, id)
				}
			}
		}
		if len(uids) == 0 {
			return nil
		}
		calls := make([]scriptCall, len(uids))
		for i, id := range uids {
			calls[i] = scriptCall{r.lua.sweep, r.userKeys(id), r.scriptArgs(id, now)}
		}
		cmds, err := r.exec(ctx, calls)
		if err != nil {
			return err
		}
		hooks := make([]lastActive, len(cmds))
		for i, c := range cmds {
			hooks[i] = finishResult(uids[i], c)
		}
		r.fire(hooks...)
		if !full {
			return nil
		}
	}
	return nil
}

func (r *Redis) handleMessage(m *redis.Message) {
	r.readMsgs.Add(1)
	r.readBytes.Add(int64(len(m.Channel) + len(m.Payload)))
	if m.Channel == r.kickChannel() && strings.HasPrefix(m.Payload, "a:") {
		org, err := strconv.ParseInt(m.Payload[2:], 10, 64)
		r.mu.Lock()
		f := r.onAccess
		r.mu.Unlock()
		if err == nil && f != nil {
			f(org)
		}
		return
	}
	if m.Channel == r.kickChannel() {
		var ids []int64
		for _, p := range strings.Split(m.Payload, ",") {
			if id, err := strconv.ParseInt(p, 10, 64); err == nil {
				ids = append(ids, id)
			}
		}
		r.mu.Lock()
		f := r.onKick
		r.mu.Unlock()
		if f != nil && len(ids) > 0 {
			f(ids)
		}
		return
	}
	if strings.HasPrefix(m.Payload, "s|") {
		if sc, ok := parseSessionMessage(m.Payload); ok {
			r.hub.publishSession(sc)
		}
		return
	}
	if ev, ok := parseEvent(m.Payload); ok {
		r.hub.publish(ev)
	}
}

// parseEvent reads "uid|version|status|devices|lastActive|at".
func parseEvent(s string) (models.PresenceChange, bool) {
	f := strings.Split(s, "|")
	if len(f) != 6 {
		return models.PresenceChange{}, false
	}
	var n [6]int64
	for _, i := range []int{0, 1, 3, 4, 5} {
		v, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return models.PresenceChange{}, false
		}
		n[i] = v
	}
	st := models.PresenceState{UserID: n[0], Status: models.PresenceStatus(f[2]), Devices: int(n[3]), LastActiveAt: fromMS(n[4]), Version: n[1]}
	return models.PresenceChange{UserID: n[0], State: st, At: fromMS(n[5])}, true
}

// resync re-reads the watched users after the pub/sub connection came back
// and emits what changed meanwhile (the hub drops what is not newer). It
// first waits as long as sweepers hold off after an outage, so that every
// node has registered its live connections again (Redis may have come back
// empty), and retries until Redis answers.
func (r *Redis) resync(ctx context.Context, reading func()) {
	wait := sweepHoldIntervals * r.opts.SweepInterval
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if reading != nil {
			reading()
			reading = nil
		}
		if err := r.resyncOnce(ctx); err == nil || ctx.Err() != nil {
			return
		} else {
			r.opts.Logger.Warn("presence: resync failed, retrying", "err", err)
		}
		wait = min(2*wait, 5*time.Second)
	}
}

func (r *Redis) resyncOnce(ctx context.Context) error {
	ids := r.hub.watchedUsers()
	for len(ids) > 0 {
		n := min(len(ids), 1000)
		states, err := r.States(ctx, ids[:n])
		if err != nil {
			return err
		}
		r.hub.resync(states, r.opts.Now())
		ids = ids[n:]
	}
	return nil
}

// Shutdown implements Service.
func (r *Redis) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	running := r.running
	conns := make([]models.PresenceConn, 0, len(r.local))
	for _, c := range r.local {
		conns = append(conns, c)
	}
	conns = append(conns, r.gone...)
	r.local, r.gone = map[string]models.PresenceConn{}, nil
	r.mu.Unlock()
	var err error
	for len(conns) > 0 {
		n := min(len(conns), 1000)
		if e := r.disconnect(ctx, conns[:n], 0); e != nil && err == nil {
			err = e
		}
		conns = conns[n:]
	}
	close(r.stop)
	if running {
		select {
		case <-r.runDone:
		case <-ctx.Done():
			if err == nil {
				err = ctx.Err()
			}
		}
	} else {
		_ = r.ps.Close()
	}
	r.hub.close(ErrClosed)
	return err
}
