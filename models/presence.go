package models

import (
	"context"
	"time"
)

// PresenceStatus is whether a person is reachable right now, as other
// people see it.
type PresenceStatus string

const (
	// PresenceOnline: at least one device connected and not every device
	// idle.
	PresenceOnline PresenceStatus = "ONLINE"
	// PresenceAway: connected, but every device idle or the person set
	// themselves away.
	PresenceAway PresenceStatus = "AWAY"
	// PresenceOffline: no device connected (after the grace period).
	PresenceOffline PresenceStatus = "OFFLINE"
)

// PresenceActivity is what a client reports: ACTIVE and IDLE for its own
// device, AWAY for the person (kept until ACTIVE clears it).
type PresenceActivity string

const (
	ActivityActive PresenceActivity = "ACTIVE"
	ActivityIdle   PresenceActivity = "IDLE"
	ActivityAway   PresenceActivity = "AWAY"
)

// Presence is a person's live status.
type Presence struct {
	Status           PresenceStatus
	LastActiveAt     *time.Time
	ConnectedDevices int
}

// PresenceEvent is a change of a person's status or device count, seen on
// one account.
type PresenceEvent struct {
	UserID    int64
	AccountID int64
	Presence  Presence
	At        time.Time
}

// PresenceState is the presence of one user as the presence service keeps
// it. Version only goes up: every transition that changes Status or Devices
// sets it to the time in ms, or to one more than before when changes come
// faster, so versions keep going up even when Redis restarts empty and a
// subscriber's last seen version would otherwise hide the new states.
type PresenceState struct {
	UserID       int64
	Status       PresenceStatus
	Devices      int
	LastActiveAt time.Time // zero if never active
	Version      int64
}

// PresenceConn describes one device connection (an acknowledged websocket).
type PresenceConn struct {
	// ConnID identifies the connection; it must be unique across nodes
	// (a random id per websocket).
	ConnID    string
	UserID    int64
	SessionID int64
	// Device is a short label (e.g. "Chrome on macOS").
	Device string
	// Node is filled with presence.Options.Node when empty.
	Node string
	// ManualAway is the person's persisted manual-away flag
	// (User.ManualAway); Connect applies it atomically so the first event
	// already has the right status.
	ManualAway bool
}

// PresenceChange reports a change of Status or Devices of one user, as the
// presence service emits it. Changes for one user carry strictly
// increasing versions; receivers drop any change whose version is not
// newer than the last one they delivered.
type PresenceChange struct {
	UserID int64
	State  PresenceState
	At     time.Time
}

// SessionEventKind is what happened to one of a person's sessions
// (devices).
type SessionEventKind string

const (
	// SessionEventSignedIn: a new session was created (sign-in, reset,
	// accept).
	SessionEventSignedIn SessionEventKind = "SIGNED_IN"
	// SessionEventConnected: the session went from no live websocket to
	// one.
	SessionEventConnected SessionEventKind = "CONNECTED"
	// SessionEventDisconnected: the session's last live websocket closed or
	// expired (a killed node's connections are announced by a sweeper).
	SessionEventDisconnected SessionEventKind = "DISCONNECTED"
	// SessionEventSignedOut: the session was signed out.
	SessionEventSignedOut SessionEventKind = "SIGNED_OUT"
)

// SessionEvent is a change of one of a person's sessions (devices).
type SessionEvent struct {
	Kind      SessionEventKind
	UserID    int64
	SessionID int64
	At        time.Time
}

// SessionRef names a session with its owner: presence keeps a session's
// connections under its owner's keys.
type SessionRef struct {
	UserID    int64
	SessionID int64
}

// PresenceService is the presence service's connections, states and
// commands to every node; presence.Service adds the subscriptions (Watch,
// WatchSessions), whose watchers are the presence package's own types.
//
// Connect, Touch, SetActivity and Disconnect act on connections of this
// node: the node keeps the list of its own connections, heartbeats them
// from Run and removes them in Shutdown.
type PresenceService interface {
	// Connect registers an opened device connection.
	Connect(ctx context.Context, c PresenceConn) error
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
	// OFFLINE is announced only after presence.Options.OfflineGrace, and a
	// reconnect within the grace cancels it silently. Unknown ids are ignored. The
	// connection is never refreshed again; when the backend cannot be
	// reached the removal is retried (before any heartbeat) once it can.
	Disconnect(ctx context.Context, connID string) error
	// States returns the state of every asked user (OFFLINE with version 0
	// for users never seen) in one round trip.
	States(ctx context.Context, userIDs []int64) (map[int64]PresenceState, error)
	// Live returns every user who is not OFFLINE, with their status, in
	// one round trip (the members directory filters on it).
	Live(ctx context.Context) (map[int64]PresenceStatus, error)
	// SessionConnected reports for each session whether it has at least one
	// live connection on any node, in one round trip.
	SessionConnected(ctx context.Context, sessions []SessionRef) (map[int64]bool, error)
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
	// when a user's last-active time moved by
	// presence.Options.LastActiveEvery since the last call, or when the
	// user went OFFLINE. It must not block.
	OnLastActive(func(userID int64, at time.Time))
	// PublishSession announces a SIGNED_IN or SIGNED_OUT session change to
	// the user's session watchers on every node. (CONNECTED and
	// DISCONNECTED are raised by the backend itself.)
	PublishSession(ctx context.Context, sc SessionEvent) error
	// Run runs the background work (heartbeat of local connections,
	// sweeper, event loop) until ctx ends or Shutdown is called.
	Run(ctx context.Context) error
	// Shutdown removes this node's connections at once (OFFLINE events are
	// sent without grace), stops Run and closes every watcher with
	// ErrClosed.
	Shutdown(ctx context.Context) error
}

// PresenceSource is the live side of people: who is connected, their
// status, and the activity their devices report.
type PresenceSource interface {
	// SessionsConnected answers whether sessions have a live websocket now.
	SessionsConnected(ctx context.Context, sessions []SessionRef) (map[int64]bool, error)
	// UserPresence answers people's live status in one round trip.
	UserPresence(ctx context.Context, userIDs []int64) (map[int64]Presence, error)
	// LiveStatuses lists everyone who is not OFFLINE, in one round trip.
	LiveStatuses(ctx context.Context) (map[int64]PresenceStatus, error)
	// SetActivity records a device's ACTIVE (idle false) or IDLE report.
	SetActivity(ctx context.Context, connID string, idle bool) error
	// SetManualAway sets or clears a person's manual AWAY.
	SetManualAway(ctx context.Context, userID int64, away bool) error
}

// LiveSubscriptions serve the live subscriptions (package live): each
// admits its socket and joins the group that renders its events once for
// every socket alike. Called from the group's own operation, they return the
// group's feed.
type LiveSubscriptions interface {
	PresenceChanged(ctx context.Context, accountID int64, admit func(context.Context) (orgID int64, err error)) (<-chan *PresenceEvent, error)
	SessionsChanged(ctx context.Context) (<-chan *SessionEvent, error)
}

// LiveStore is what the live side reads and writes in the database.
type LiveStore interface {
	// WatchableAccount answers the account's organization when the viewer
	// of ctx may see it.
	WatchableAccount(ctx context.Context, accountID int64) (int64, error)
	// EffectiveMemberIDs lists the people with access to an account (the
	// viewer of ctx must see it).
	EffectiveMemberIDs(ctx context.Context, accountID int64) ([]int64, error)
	// RecordLastActiveMany writes people's last-active times behind
	// presence (never moving one back).
	RecordLastActiveMany(ctx context.Context, at map[int64]time.Time) error
}
