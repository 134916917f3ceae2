package graph

// SharedFields are the fields of subscription events whose value is the
// same whoever reads them, as "Type.field": a subscription selecting only
// these renders once for every socket of its account (see live.Shared). User.organizations
// (the organizations shared with the viewer) and Session.current (the
// viewer's own session) read the viewer and are not listed; a field added
// to the schema is personal until listed here.
var SharedFields = map[string]bool{
	"Subscription.presenceChanged": true,
	"Subscription.sessionsChanged": true,

	"PresenceEvent.user":      true,
	"PresenceEvent.accountId": true,
	"PresenceEvent.presence":  true,
	"PresenceEvent.at":        true,

	"Presence.status":           true,
	"Presence.lastActiveAt":     true,
	"Presence.connectedDevices": true,

	"User.id":                    true,
	"User.email":                 true,
	"User.communicationEmail":    true,
	"User.emailVerified":         true,
	"User.firstName":             true,
	"User.lastName":              true,
	"User.displayName":           true,
	"User.phone":                 true,
	"User.defaultSendingCountry": true,
	"User.preferredLanguage":     true,
	"User.avatarUrl":             true,
	"User.lastActiveAt":          true,
	"User.createdAt":             true,
	"User.presence":              true,

	"SessionEvent.kind":    true,
	"SessionEvent.session": true,
	"SessionEvent.at":      true,

	"Session.id":         true,
	"Session.deviceName": true,
	"Session.userAgent":  true,
	"Session.ipAddress":  true,
	"Session.createdAt":  true,
	"Session.lastSeenAt": true,
	"Session.expiresAt":  true,
	"Session.connected":  true,
}
