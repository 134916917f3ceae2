package presence

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/rollcall/rollcall/models"
)

// Service is the presence service: models.PresenceService plus the
// subscriptions, whose watchers are this package's own types. Both
// backends (NewRedis, NewMemory) implement it with the same semantics;
// presencetest.Run checks that.
type Service interface {
	models.PresenceService
	// Watch subscribes to events of the given users. It returns once the
	// subscription is effective on every backend (so no later event is
	// missed); that requires Run to be running.
	Watch(ctx context.Context, userIDs []int64) (*Watcher, error)
	// WatchSessions streams the session changes of one user; like Watch it
	// returns once the subscription is effective.
	WatchSessions(ctx context.Context, userID int64) (*SessionWatcher, error)
}

var (
	// ErrSlowConsumer closes a watcher whose queue overflowed or whose
	// reader stalled longer than Options.StallTimeout.
	ErrSlowConsumer = errors.New("presence: watcher too slow, closed")
	// ErrClosed is returned after Shutdown and closes the remaining watchers.
	ErrClosed = &models.Error{Code: models.CodeUnavailable, Message: "presence service is shut down"}
)

var (
	errUnknownConn = models.NotFound("connection")
	errBadUser     = models.InvalidInput("userId", "user id must be positive")
	errBadSession  = models.InvalidInput("sessionId", "session id must be positive")
	errBadKind     = models.InvalidInput("kind", "only SIGNED_IN and SIGNED_OUT are published by callers")
)

// Options tune a Service. Zero values take the defaults shown.
type Options struct {
	// Node names this server process (default hostname-pid).
	Node string
	// Prefix of every Redis key and channel (default "rollcall:presence:").
	Prefix string
	// TTL is how long a connection lives without heartbeat (default 30s).
	TTL time.Duration
	// HeartbeatInterval is how often Run refreshes local connections
	// (default TTL/3).
	HeartbeatInterval time.Duration
	// SweepInterval is how often Run sweeps expired connections and due
	// transitions (default 1s).
	SweepInterval time.Duration
	// OfflineGrace is the delay between the last device leaving and OFFLINE
	// (default 5s).
	OfflineGrace time.Duration
	// IdleAfter makes a device idle when it reported no ACTIVE for that
	// long (default 5m).
	IdleAfter time.Duration
	// LastActiveEvery is the movement of last-active that triggers the
	// OnLastActive hook (default 1m).
	LastActiveEvery time.Duration
	// QueueSize bounds each watcher's queue, in distinct users (default 256).
	QueueSize int
	// StallTimeout closes a watcher whose reader took no event for that
	// long while one was pending (default 10s).
	StallTimeout time.Duration
	// Shards is the number of due-set shards in Redis (default 16). It must
	// be the same on every node sharing a prefix.
	Shards int
	// ShardedPubSub sends events over sharded pub/sub (SPUBLISH and
	// SSUBSCRIBE, Redis 7): on a Redis Cluster each event then stays on the
	// shard that owns its user's slot, and a node reads only the shards
	// its watchers follow (see fanout.go). Every node sharing a prefix must
	// agree; the node sets it with REDIS_MODE=cluster.
	ShardedPubSub bool
	// SweepBatch bounds the users swept per shard per round (default 500).
	SweepBatch int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives background errors (default slog.Default()).
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Node == "" {
		h, _ := os.Hostname()
		o.Node = fmt.Sprintf("%s-%d", h, os.Getpid())
	}
	if o.Prefix == "" {
		o.Prefix = "rollcall:presence:"
	}
	if o.TTL <= 0 {
		o.TTL = 30 * time.Second
	}
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = o.TTL / 3
	}
	if o.SweepInterval <= 0 {
		o.SweepInterval = time.Second
	}
	if o.OfflineGrace <= 0 {
		o.OfflineGrace = 5 * time.Second
	}
	if o.IdleAfter <= 0 {
		o.IdleAfter = 5 * time.Minute
	}
	if o.LastActiveEvery <= 0 {
		o.LastActiveEvery = time.Minute
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 256
	}
	if o.StallTimeout <= 0 {
		o.StallTimeout = 10 * time.Second
	}
	if o.Shards <= 0 {
		o.Shards = 16
	}
	if o.SweepBatch <= 0 {
		o.SweepBatch = 500
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

func validateConn(c models.PresenceConn) error {
	if c.ConnID == "" {
		return models.InvalidInput("connId", "connection id is required")
	}
	if c.UserID <= 0 {
		return models.InvalidInput("userId", "user id must be positive")
	}
	return nil
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time {
	if v <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(v)
}

func offline(uid int64) models.PresenceState {
	return models.PresenceState{UserID: uid, Status: models.PresenceOffline}
}
