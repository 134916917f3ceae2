package models

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// Kind names the type an opaque global ID refers to.
type Kind string

const (
	KindUser         Kind = "User"
	KindOrganization Kind = "Organization"
	KindAccount      Kind = "Account"
	KindMembership   Kind = "Membership"
	KindInvitation   Kind = "Invitation"
	KindSession      Kind = "Session"
	KindContact      Kind = "Contact"
	KindAuditEvent   Kind = "AuditEvent"
	// KindWebhookEndpoint and KindWebhookDelivery name an organization's
	// webhook endpoints and the deliveries queued for them.
	KindWebhookEndpoint Kind = "WebhookEndpoint"
	KindWebhookDelivery Kind = "WebhookDelivery"
)

// GlobalID encodes a row id and its type as an opaque string: base64url of
// "Kind:id". Clients must not parse it; node(id:) does.
func GlobalID(kind Kind, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(string(kind) + ":" + strconv.FormatInt(id, 10)))
}

// ParseGlobalID decodes an opaque ID. A malformed ID is reported as NOT_FOUND
// (it names nothing), never as a parse error that reveals the format.
func ParseGlobalID(s string) (Kind, int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", 0, NotFound("object")
	}
	kind, num, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", 0, NotFound("object")
	}
	id, err := strconv.ParseInt(num, 10, 64)
	if err != nil || id <= 0 {
		return "", 0, NotFound("object")
	}
	return Kind(kind), id, nil
}

// ParseID decodes an opaque ID that must be of the given kind. The error
// is NOT_FOUND for a malformed ID or one of another kind.
func ParseID(kind Kind, s string) (int64, error) {
	k, id, err := ParseGlobalID(s)
	if err != nil || k != kind {
		return 0, NotFound(strings.ToLower(string(kind)))
	}
	return id, nil
}

// Node is any entity addressable by a global ID (the GraphQL Node interface).
type Node interface{}
