package presence

import (
	"context"
	"errors"
	"maps"
	"net"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"
)

// How events reach the nodes that watch them.
//
// Every user has a channel, named with the hash tag of the user's shard
// ({<userID mod Shards>}) so that it hashes to the slot of the user's keys.
// A node subscribes to the channels of the users its watchers follow, and
// to nothing else but the command channel (kicks, access changes), which
// every node needs.
//
// With plain pub/sub (one Redis server, or Sentinel) the scripts PUBLISH
// and one connection carries every subscription. On a Redis Cluster a
// PUBLISH is copied to every node of the cluster over its bus, so the cost
// of each event grows with the cluster; there the scripts SPUBLISH, which
// stays on the shard that owns the slot, and the node keeps one sharded
// subscription (SSUBSCRIBE) per presence shard it watches, each on the
// master of that shard's slot — opened with its first channel, closed with
// its last. The command channel stays plain: each of its rare messages is
// for every node.

// redisSubscriber queues SUBSCRIBE/UNSUBSCRIBE requests from the hub.
type redisSubscriber struct{ r *Redis }

func (s redisSubscriber) subscribe(userIDs []int64) <-chan struct{} {
	r := s.r
	p := &pendingSub{n: len(userIDs), ready: make(chan struct{})}
	chans := make([]string, len(userIDs))
	r.subMu.Lock()
	for i, id := range userIDs {
		chans[i] = r.channel(id)
		r.waiters[chans[i]] = append(r.waiters[chans[i]], p)
	}
	r.subOps = append(r.subOps, subOp{sub: true, users: userIDs, chans: chans})
	r.subMu.Unlock()
	r.wakeSubs()
	return p.ready
}

// pendingSub is released when every channel it asked for is confirmed.
type pendingSub struct {
	n     int
	ready chan struct{}
}

func (s redisSubscriber) unsubscribe(userIDs []int64) {
	r := s.r
	chans := make([]string, len(userIDs))
	for i, id := range userIDs {
		chans[i] = r.channel(id)
	}
	r.subMu.Lock()
	r.subOps = append(r.subOps, subOp{sub: false, users: userIDs, chans: chans})
	r.subMu.Unlock()
	r.wakeSubs()
}

func (r *Redis) wakeSubs() {
	select {
	case r.subWake <- struct{}{}:
	default:
	}
}

// subscriptionLoop applies the hub's requests in order.
func (r *Redis) subscriptionLoop(ctx context.Context) {
	for {
		r.subMu.Lock()
		ops := r.subOps
		r.subOps = nil
		r.subMu.Unlock()
		for _, op := range ops {
			var err error
			switch {
			case op.reopen:
				err = r.reopenShard(ctx, op.shard, op.old)
			case r.opts.ShardedPubSub:
				err = r.shardRequest(ctx, op)
			case op.sub:
				err = r.ps.Subscribe(ctx, op.chans...)
			default:
				err = r.ps.Unsubscribe(ctx, op.chans...)
			}
			if err != nil && ctx.Err() == nil {
				r.opts.Logger.Warn("presence: pubsub request", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			r.closeShardSubs()
			return
		case <-r.subWake:
		}
	}
}

// shardSub is the sharded subscription of one presence shard.
type shardSub struct {
	ps    *redis.PubSub
	chans map[string]bool
	stop  context.CancelFunc
}

// shardRequest applies a request, shard by shard. A failed SSUBSCRIBE is
// remembered by go-redis and sent again when it reconnects; its
// confirmation releases the waiter then.
func (r *Redis) shardRequest(ctx context.Context, op subOp) error {
	byShard := map[int][]string{}
	for i, id := range op.users {
		sh := int(id % int64(r.opts.Shards))
		byShard[sh] = append(byShard[sh], op.chans[i])
	}
	var first error
	for sh, chans := range byShard {
		var err error
		if op.sub {
			err = r.shardSubscribe(ctx, sh, chans)
		} else {
			err = r.shardUnsubscribe(ctx, sh, chans)
		}
		if err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (r *Redis) shardSubscribe(ctx context.Context, shard int, chans []string) error {
	s := r.shards[shard]
	if s == nil {
		s = r.openShardSub(ctx, shard, nil)
	}
	for _, c := range chans {
		s.chans[c] = true
	}
	return s.ps.SSubscribe(ctx, chans...)
}

func (r *Redis) shardUnsubscribe(ctx context.Context, shard int, chans []string) error {
	s := r.shards[shard]
	if s == nil {
		return nil
	}
	for _, c := range chans {
		delete(s.chans, c)
	}
	if len(s.chans) == 0 {
		// Nobody here watches this shard any more: drop its connection.
		r.closeShardSub(shard)
		return nil
	}
	return s.ps.SUnsubscribe(ctx, chans...)
}

// openShardSub opens the subscription of a shard (with chans already
// subscribed, when it replaces one) and starts its receiver.
func (r *Redis) openShardSub(ctx context.Context, shard int, chans map[string]bool) *shardSub {
	if chans == nil {
		chans = map[string]bool{}
	}
	rctx, stop := context.WithCancel(ctx)
	s := &shardSub{ps: r.rdb.SSubscribe(rctx), chans: chans, stop: stop}
	r.shards[shard] = s
	r.openShards.Add(1)
	r.shardWG.Add(1)
	go func() {
		defer r.shardWG.Done()
		r.receive(rctx, s.ps, func(m *redis.Subscription) { r.shardConfirmed(rctx, shard, s, m) },
			// A refused SSUBSCRIBE (MOVED, CLUSTERDOWN, TRYAGAIN: the slot
			// is moving or the cluster is settling) is an error reply on
			// a good connection: go-redis will not subscribe again by
			// itself, and its waiters would wait for ever.
			// Paced, should the refusals last (CLUSTERDOWN).
			func(error) { time.AfterFunc(200*time.Millisecond, func() { r.queueReopen(shard, s) }) })
	}()
	return s
}

func (r *Redis) closeShardSub(shard int) {
	if s := r.shards[shard]; s != nil {
		s.stop()
		_ = s.ps.Close()
		delete(r.shards, shard)
		r.openShards.Add(-1)
	}
}

// closeShardSubs closes every shard's subscription and waits for their
// receivers; called by the subscription loop as Run ends.
func (r *Redis) closeShardSubs() {
	for sh := range r.shards {
		r.closeShardSub(sh)
	}
	r.shardWG.Wait()
}

// shardConfirmed handles a shard's subscription messages. A confirmation
// nobody waits for is go-redis subscribing again on a new connection
// (after a failover, or Redis was unreachable): events may have been
// missed meanwhile, so the watched users are read again. An SUNSUBSCRIBE
// the node did not ask for is the server dropping the channel because its
// slot moved to another master: the shard's subscription is opened again,
// where the slot now lives.
func (r *Redis) shardConfirmed(ctx context.Context, shard int, s *shardSub, m *redis.Subscription) {
	switch m.Kind {
	case "ssubscribe":
		if !r.release(m.Channel) {
			r.resyncSoon(ctx)
		}
	case "sunsubscribe":
		r.queueReopen(shard, s)
	}
}

// queueReopen asks the subscription loop to open a shard's subscription
// again, where its slot now lives.
func (r *Redis) queueReopen(shard int, s *shardSub) {
	r.subMu.Lock()
	r.subOps = append(r.subOps, subOp{reopen: true, shard: shard, old: s})
	r.subMu.Unlock()
	r.wakeSubs()
}

// reopenShard replaces a shard's subscription that the server dropped,
// unless it was closed or replaced meanwhile.
func (r *Redis) reopenShard(ctx context.Context, shard int, old *shardSub) error {
	if r.shards[shard] != old || len(old.chans) == 0 {
		return nil
	}
	chans := old.chans
	list := slices.Collect(maps.Keys(chans))
	r.closeShardSub(shard)
	r.awaitSlotMaster(ctx, list[0]) // the shard's channels share its slot
	s := r.openShardSub(ctx, shard, chans)
	return s.ps.SSubscribe(ctx, list...)
}

// awaitSlotMaster waits (at most 5 s) until the cluster client's view of the
// topology names, for channel's slot, the master that serves it. The server
// drops sharded subscriptions when its slots move (a planned failover, a
// resharding) before the client has read the new topology: subscribing at
// once would land on the old master, now a replica, which no longer
// receives the shard's messages. Not a cluster: nothing to wait for.
func (r *Redis) awaitSlotMaster(ctx context.Context, channel string) {
	cc, ok := r.rdb.(*redis.ClusterClient)
	if !ok {
		return
	}
	for i := 0; i < 50 && ctx.Err() == nil; i++ {
		// The node the view names must serve the slot itself: a replica
		// or a master of other slots answers MOVED.
		if m, err := cc.MasterForKey(ctx, channel); err == nil && m.Exists(ctx, channel).Err() == nil {
			return
		}
		cc.ReloadState(ctx)
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	r.opts.Logger.Warn("presence: no master found for a shard after 5 s; subscribing where the topology says", "channel", channel)
}

// release counts a subscription's confirmation for its oldest waiter, and
// says whether there was one.
func (r *Redis) release(channel string) bool {
	r.subMu.Lock()
	defer r.subMu.Unlock()
	q := r.waiters[channel]
	if len(q) == 0 {
		return false
	}
	if q[0].n--; q[0].n == 0 {
		close(q[0].ready)
	}
	if len(q) == 1 {
		delete(r.waiters, channel)
	} else {
		r.waiters[channel] = q[1:]
	}
	return true
}

// resyncSoon starts one resync unless one is already waiting to run.
func (r *Redis) resyncSoon(ctx context.Context) {
	if !r.resyncing.CompareAndSwap(false, true) {
		return
	}
	go func() {
		// Cleared before reading: a reconnect during the read asks again.
		r.resync(ctx, func() { r.resyncing.Store(false) })
	}()
}

// receiveLoop reads the plain subscription: the command channel, and with
// plain pub/sub every user channel.
func (r *Redis) receiveLoop(ctx context.Context) {
	confirmed := func(m *redis.Subscription) {
		if m.Kind != "subscribe" {
			return
		}
		r.release(m.Channel)
		if m.Channel != r.kickChannel() {
			return
		}
		r.subMu.Lock()
		r.kickSubs++
		back := r.kickSubs > 1
		r.subMu.Unlock()
		if !back {
			return
		}
		// The command channel is subscribed again: Redis was unreachable.
		r.resyncSoon(ctx)
		go r.retryGone(ctx)
		r.mu.Lock()
		f := r.onBack
		r.mu.Unlock()
		if f != nil {
			f()
		}
	}
	r.receive(ctx, r.ps, confirmed, nil)
}

// receive reads ps until ctx ends or ps is closed, handing confirmations
// to confirmed, messages to handleMessage, and error replies to refused
// (when not nil). While Redis is unreachable it retries every 100 ms and
// logs once per outage.
func (r *Redis) receive(ctx context.Context, ps *redis.PubSub, confirmed func(*redis.Subscription), refused func(error)) {
	failing := false
	for ctx.Err() == nil {
		msg, err := ps.ReceiveTimeout(ctx, 5*time.Second)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, redis.ErrClosed) {
				return
			}
			var reply redis.Error
			if refused != nil && errors.As(err, &reply) {
				r.opts.Logger.Warn("presence: sharded subscription refused; subscribing again", "err", err)
				refused(err)
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				_ = ps.Ping(ctx)
				continue
			}
			if !failing {
				r.opts.Logger.Warn("presence: pubsub receive", "err", err)
				failing = true
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		failing = false
		switch m := msg.(type) {
		case *redis.Subscription:
			confirmed(m)
		case *redis.Message:
			r.handleMessage(m)
		}
	}
}

// publish sends a message on a user's channel, sharded or plain as the
// scripts do.
func (r *Redis) publish(ctx context.Context, channel, payload string) error {
	if r.opts.ShardedPubSub {
		return r.rdb.SPublish(ctx, channel, payload).Err()
	}
	return r.rdb.Publish(ctx, channel, payload).Err()
}

// ShardSubscriptions is how many sharded subscriptions the node holds: at
// most one per presence shard its watchers follow (0 with plain pub/sub).
func (r *Redis) ShardSubscriptions() int { return int(r.openShards.Load()) }
