package presence

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rollcall/rollcall/models"
)

// When Redis comes back empty (restarted without persistence, failed over to
// an empty replica), every connection it held is gone until each node's
// heartbeat registers its own again: until then a read would answer a wrong
// OFFLINE for people whose sockets are open. Two keys guard against it:
//
//   - the epoch key exists as long as Redis keeps its data: it is created
//     when a node starts and recreated by the heartbeat that finds it
//     missing;
//   - the settling key is set, with an expiry of settleWindow, by the
//     heartbeat that recreates a missing epoch: long enough for every live
//     node's heartbeat (every HeartbeatInterval, retried every SweepInterval
//     after a failure) to register its connections again.
//
// Reads check both in the same round trip and answer ErrSettling (UNAVAILABLE)
// while the epoch is missing or the settling key stands; a read that finds
// the epoch missing also wakes this node's heartbeat at once.

// ErrSettling is the answer of a presence read while the nodes register
// their connections again after Redis lost its data.
var ErrSettling = &models.Error{Code: models.CodeUnavailable,
	Message: "presence is being rebuilt after a Redis restart: try again in a few seconds"}

// luaEpoch recreates a missing epoch and opens the settling window;
// returns 1 when it did.
var luaEpoch = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], '1')
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
return 1
`)

func (r *Redis) epochKey() string    { return r.opts.Prefix + "{meta}:epoch" }
func (r *Redis) settlingKey() string { return r.opts.Prefix + "{meta}:settling" }

// settleWindow is how long reads answer ErrSettling after Redis lost its
// data: one heartbeat interval (a node that did not see the outage
// re-registers at its next heartbeat) plus two sweep intervals (a node whose
// heartbeat was failing retries every sweep interval).
func (r *Redis) settleWindow() time.Duration {
	return r.opts.HeartbeatInterval + 2*r.opts.SweepInterval
}

// markEpoch creates the epoch at start, without a settling window: a
// starting node has nothing to register again.
func (r *Redis) markEpoch(ctx context.Context) error {
	return r.rdb.SetNX(ctx, r.epochKey(), "1", 0).Err()
}

// checkEpoch runs before each heartbeat registers the local connections.
func (r *Redis) checkEpoch(ctx context.Context) error {
	n, err := luaEpoch.Run(ctx, r.rdb, []string{r.epochKey(), r.settlingKey()}, r.settleWindow().Milliseconds()).Int()
	if err != nil {
		return err
	}
	if n == 1 {
		r.opts.Logger.Warn("presence: Redis lost its data; reads answer UNAVAILABLE while nodes register their connections again",
			"window", r.settleWindow())
	}
	return nil
}

// settledCmds queues the epoch and settling checks into a read's pipeline.
func (r *Redis) settledCmds(ctx context.Context, p redis.Pipeliner) (epoch, settling *redis.IntCmd) {
	return p.Exists(ctx, r.epochKey()), p.Exists(ctx, r.settlingKey())
}

// settled interprets the checks of settledCmds: ErrSettling while Redis is
// being refilled (and a heartbeat wake-up when the epoch is gone).
func (r *Redis) settled(epoch, settling *redis.IntCmd) error {
	if epoch.Val() == 0 {
		r.wakeHeartbeat()
		return ErrSettling
	}
	if settling.Val() > 0 {
		return ErrSettling
	}
	return nil
}

// Settled reports ErrSettling while the nodes register their connections
// again after Redis lost its data, and Redis's own error when it cannot be
// reached (readiness: the node is degraded either way).
func (r *Redis) Settled(ctx context.Context) error {
	var epoch, settling *redis.IntCmd
	if _, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		epoch, settling = r.settledCmds(ctx, p)
		return nil
	}); err != nil {
		return err
	}
	return r.settled(epoch, settling)
}

// wakeHeartbeat makes the heartbeat run now rather than at its next tick.
func (r *Redis) wakeHeartbeat() {
	select {
	case r.beat <- struct{}{}:
	default:
	}
}
