package models

import "time"

// PresenceStatus is whether a person is reachable right now.
type PresenceStatus string

const (
	PresenceOnline  PresenceStatus = "ONLINE"
	PresenceAway    PresenceStatus = "AWAY"
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

// SessionEventKind is what happened to one of the viewer's own devices.
type SessionEventKind string

const (
	SessionEventSignedIn     SessionEventKind = "SIGNED_IN"
	SessionEventConnected    SessionEventKind = "CONNECTED"
	SessionEventDisconnected SessionEventKind = "DISCONNECTED"
	SessionEventSignedOut    SessionEventKind = "SIGNED_OUT"
)

// SessionEvent is a change of one of a person's sessions.
type SessionEvent struct {
	Kind      SessionEventKind
	UserID    int64
	SessionID int64
	At        time.Time
}

// SessionRef names a session with its owner (presence keeps a session's
// connections under its owner).
type SessionRef struct {
	UserID    int64
	SessionID int64
}
