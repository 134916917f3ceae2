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

// Status is a person's presence as other people see it.
type Status string

const (
	// Online: at least one device connected and not every device idle.
	Online Status = "ONLINE"
	// Away: connected, but every device idle or the person set themselves away.
	Away Status = "AWAY"
	// Offline: no device connected (after the grace period).
	Offline Status = "OFFLINE"
)

// State is the presence of one user. Version only goes up: every
// transition that changes Status or Devices sets it to the time in ms, or
// to one more than before when changes come faster, so versions keep going
// up even when Redis restarts empty and a subscriber's last seen version
// would otherwise hide the new states.
type State struct {
	UserID       int64
	Status       Status
	Devices      int
	LastActiveAt time.Time // zero if never active
	Version      int64
}

// SessionRef names a session with its owner: a session's connections are
// kept under its owner's keys.
type SessionRef struct {
	UserID    int64
	SessionID int64
}

// ConnInfo describes one device connection (an acknowledged websocket).
type ConnInfo struct {
	// ConnID identifies the connection; it must be unique across nodes
	// (a random id per websocket).
	ConnID    string
	UserID    int64
	SessionID int64
	// Device is a short label (e.g. "Chrome on macOS").
	Device string
	// Node is filled with Options.Node when empty.
	Node string
	// ManualAway is the person's persisted manual-away flag
	// (models.User.ManualAway); Connect applies it atomically so the first
	// event already has the right status.
	ManualAway bool
}

// Event reports a change of Status or Devices of one user. Events for one
// user carry strictly increasing versions; receivers drop any event whose
// version is not newer than the last one they delivered.
type Event struct {
	UserID int64
	State  State
	At     time.Time
}

// Service is the presence service. Both backends (NewRedis, NewMemory)
// implement it with the same semantics; presencetest.Run checks that.
//
// Connect, Touch, SetActivity and Disconnect act on connections of this
// node: the node keeps the list of its own connections, heartbeats them
// from Run and removes them in Shutdown.
type Service interface {
	// Connect registers an opened device connection.
	Connect(ctx context.Context, c ConnInfo) error
	// Touch refreshes the liveness TTL of connections of this node in one
	// pipelined batch (Run does this for every local connection on its own).
	// Unknown ids are ignored. A connection that a sweeper already removed
	// (the node stalled longer than the TTL) is registered again.
	Touch(ctx context.Context, connIDs ...string) error
	// SetActivity records the client's IDLE (idle=true) or ACTIVE report
	// for a connection; ACTIVE also moves the user's last-active time.
	SetActivity(ctx context.Context, connID string, idle bool) error
	// SetManualAway sets or clears a manual AWAY, which wins over activity
	// until cleared. The caller persists the flag in the database too.
	SetManualAway(ctx context.Context, userID int64, away bool) error
	// Disconnect removes a connection. When it was the user's last device,
	// OFFLINE is announced only after Options.OfflineGrace, and a reconnect
	// within the grace cancels it silently. Unknown ids are ignored. The
	// connection is never refreshed again; when the backend cannot be
	// reached the removal is retried (before any heartbeat) once it can.
	Disconnect(ctx context.Context, connID string) error
	// States returns the state of every asked user (OFFLINE with version 0
	// for users never seen) in one round trip.
	States(ctx context.Context, userIDs []int64) (map[int64]State, error)
	// Live returns every user who is not OFFLINE, with their status, in
	// one round trip (the members directory filters on it).
	Live(ctx context.Context) (map[int64]Status, error)
	// SessionConnected reports for each session whether it has at least one
	// live connection on any node, in one round trip.
	SessionConnected(ctx context.Context, sessions []SessionRef) (map[int64]bool, error)
	// Watch subscribes to events of the given users. It returns once the
	// subscription is effective on every backend (so no later event is
	// missed); that requires Run to be running.
	Watch(ctx context.Context, userIDs []int64) (*Watcher, error)
	// KickSessions asks every node to close the sockets of these sessions:
	// each node's OnKick handler is called with the ids.
	KickSessions(ctx context.Context, sessionIDs []int64) error
	// OnKick registers the handler for kick commands (replacing any previous
	// one). It runs on the event loop and must not block.
	OnKick(func(sessionIDs []int64))
	// OnReconnect registers a handler called when the backend's command
	// channel came back after an outage: kicks sent meanwhile were lost,
	// and the node should re-check its sockets' sessions at once. It must
	// not block. (The in-process backend never loses a command.)
	OnReconnect(func())
	// AnnounceAccessChange tells every node that the memberships of an
	// organization changed: each node's OnAccessChange handler is called
	// with its id (live subscriptions re-read who they may see).
	AnnounceAccessChange(ctx context.Context, orgID int64) error
	// OnAccessChange registers the handler for access changes (replacing
	// any previous one). It runs on the event loop and must not block.
	OnAccessChange(func(orgID int64))
	// OnLastActive registers a write-behind hook, called (on one node only)
	// when a user's last-active time moved by Options.LastActiveEvery since
	// the last call, or when the user went OFFLINE. It must not block.
	OnLastActive(func(userID int64, at time.Time))
	// PublishSession announces a SIGNED_IN or SIGNED_OUT session change to
	// the user's session watchers on every node. (CONNECTED and
	// DISCONNECTED are raised by the backend itself.)
	PublishSession(ctx context.Context, sc SessionChange) error
	// WatchSessions streams the session changes of one user; like Watch it
	// returns once the subscription is effective.
	WatchSessions(ctx context.Context, userID int64) (*SessionWatcher, error)
	// Run runs the background work (heartbeat of local connections,
	// sweeper, event loop) until ctx ends or Shutdown is called.
	Run(ctx context.Context) error
	// Shutdown removes this node's connections at once (OFFLINE events are
	// sent without grace), stops Run and closes every watcher with
	// ErrClosed.
	Shutdown(ctx context.Context) error
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

func validateConn(c ConnInfo) error {
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

func offline(uid int64) State { return State{UserID: uid, Status: Offline} }
