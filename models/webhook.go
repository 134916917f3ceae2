package models

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/netip"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file holds the pure rules of outgoing webhooks: the event catalogue,
// who manages endpoints, which URLs are acceptable, how a message is
// signed (Standard Webhooks) and when a failed delivery is tried again.

// WebhookEventType is an event's wire name, the "type" of its payload.
type WebhookEventType string

const (
	WebhookMemberAdded          WebhookEventType = "member.added"
	WebhookMemberUpdated        WebhookEventType = "member.updated"
	WebhookMemberProfileUpdated WebhookEventType = "member.profile_updated"
	WebhookMemberAccessRevoked  WebhookEventType = "member.access_revoked"
	WebhookMemberRemoved        WebhookEventType = "member.removed"
	WebhookMemberSuspended      WebhookEventType = "member.suspended"
	WebhookMemberReactivated    WebhookEventType = "member.reactivated"
	WebhookInvitationSent       WebhookEventType = "invitation.sent"
	WebhookInvitationResent     WebhookEventType = "invitation.resent"
	WebhookInvitationUpdated    WebhookEventType = "invitation.updated"
	WebhookInvitationRevoked    WebhookEventType = "invitation.revoked"
	WebhookInvitationAccepted   WebhookEventType = "invitation.accepted"
	WebhookInvitationExpired    WebhookEventType = "invitation.expired"
	WebhookSessionSignedIn      WebhookEventType = "session.signed_in"
	WebhookSessionSignedOut     WebhookEventType = "session.signed_out"
	WebhookPresenceChanged      WebhookEventType = "presence.changed"
)

// WebhookEventTypes is the catalogue, in the order the docs list it.
var WebhookEventTypes = []WebhookEventType{
	WebhookMemberAdded, WebhookMemberUpdated, WebhookMemberProfileUpdated, WebhookMemberAccessRevoked,
	WebhookMemberRemoved, WebhookMemberSuspended, WebhookMemberReactivated,
	WebhookInvitationSent, WebhookInvitationResent, WebhookInvitationUpdated, WebhookInvitationRevoked,
	WebhookInvitationAccepted, WebhookInvitationExpired,
	WebhookSessionSignedIn, WebhookSessionSignedOut, WebhookPresenceChanged,
}

// Valid reports whether t is in the catalogue.
func (t WebhookEventType) Valid() bool { return slices.Contains(WebhookEventTypes, t) }

// AuditWebhook is an event an audited action raises, and the reason a
// removal gives in data.reason.
type AuditWebhook struct {
	Type   WebhookEventType
	Reason string
}

// auditWebhooks maps the audited actions that are webhook events to theirs.
var auditWebhooks = map[AuditAction]AuditWebhook{
	AuditAccessGranted:        {Type: WebhookMemberAdded},
	AuditMemberUpdated:        {Type: WebhookMemberUpdated},
	AuditMemberProfileUpdated: {Type: WebhookMemberProfileUpdated},
	AuditAccessRevoked:        {Type: WebhookMemberAccessRevoked},
	AuditRemovedFromOrg:       {Type: WebhookMemberRemoved, Reason: "removed"},
	AuditLeftOrganization:     {Type: WebhookMemberRemoved, Reason: "left"},
	AuditAccountDeleted:       {Type: WebhookMemberRemoved, Reason: "account_deleted"},
	AuditMemberSuspended:      {Type: WebhookMemberSuspended},
	AuditMemberReactivated:    {Type: WebhookMemberReactivated},
	AuditInvitationSent:       {Type: WebhookInvitationSent},
	AuditInvitationResent:     {Type: WebhookInvitationResent},
	AuditInvitationUpdated:    {Type: WebhookInvitationUpdated},
	AuditInvitationRevoked:    {Type: WebhookInvitationRevoked},
	AuditInvitationAccepted:   {Type: WebhookInvitationAccepted},
}

// WebhookEventsForAudit are the webhook events an audited action raises:
// none for organization settings, exports and the webhooks' own
// management; two for an accepted invitation, which also adds a member.
func WebhookEventsForAudit(a AuditAction) []AuditWebhook {
	e, ok := auditWebhooks[a]
	switch {
	case !ok:
		return nil
	case a == AuditInvitationAccepted:
		return []AuditWebhook{e, {Type: WebhookMemberAdded, Reason: "invitation_accepted"}}
	}
	return []AuditWebhook{e}
}

// WebhookEndpointInput creates an endpoint (URL and EventTypes required)
// or changes one (nil fields unchanged).
type WebhookEndpointInput struct {
	URL         *string
	Description *string
	EventTypes  *[]WebhookEventType
	Enabled     *bool
}

// Bounds of an endpoint.
const (
	MaxWebhookEndpoints      = 10
	MaxWebhookURLBytes       = 2000
	MaxWebhookDescription    = 200
	DefaultSecretRotation    = 24 * time.Hour
	MaxSecretRotation        = 7 * 24 * time.Hour
	webhookSecretPrefix      = "whsec_"
	webhookSecretBytes       = 32
	webhookMessageIDPrefix   = "msg_"
	webhookMessageRandomSize = 16
)

// CanManageWebhooks decides whether actor may list, create, change, delete
// and replay the organization's webhook endpoints: OWNER and ADMIN on its
// root account. Endpoints see every account's events, so a sub-account's
// admin does not manage them.
func CanManageWebhooks(actor Access) error {
	return atLeast(actor, RoleAdmin, "only owners and admins can manage webhooks")
}

// CheckWebhookEndpoints refuses one endpoint more than the organization may
// have.
func CheckWebhookEndpoints(existing int) error {
	if existing >= MaxWebhookEndpoints {
		return Errorf(CodeConflict, "an organization has at most %d webhook endpoints", MaxWebhookEndpoints)
	}
	return nil
}

// NormalizeWebhookEventTypes checks and de-duplicates the types an endpoint
// subscribes to, in catalogue order; at least one is needed.
func NormalizeWebhookEventTypes(types []WebhookEventType) ([]WebhookEventType, error) {
	if len(types) == 0 {
		return nil, InvalidInput("eventTypes", "choose at least one event type")
	}
	out := make([]WebhookEventType, 0, len(types))
	for _, t := range WebhookEventTypes {
		if slices.Contains(types, t) {
			out = append(out, t)
		}
	}
	for _, t := range types {
		if !t.Valid() {
			return nil, InvalidInput("eventTypes", "unknown event type %q", t)
		}
	}
	return out, nil
}

// NormalizeWebhookDescription trims a description and bounds it.
func NormalizeWebhookDescription(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxWebhookDescription {
		return "", InvalidInput("description", "at most %d characters", MaxWebhookDescription)
	}
	return s, nil
}

// ValidateWebhookURL parses an endpoint URL: absolute https (http too when
// allowPrivate, for receivers on a developer's own network), a host, no
// credentials or fragment, at most MaxWebhookURLBytes. A host written as an
// IP address must not be one RefusedAddr refuses unless allowPrivate. Names
// are resolved and checked again at every delivery (DNS can change).
func ValidateWebhookURL(raw string, allowPrivate bool) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > MaxWebhookURLBytes {
		return nil, InvalidInput("url", "a URL of at most %d bytes is required", MaxWebhookURLBytes)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return nil, InvalidInput("url", "not an absolute URL")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !allowPrivate {
			return nil, InvalidInput("url", "webhooks are sent over https only")
		}
	default:
		return nil, InvalidInput("url", "webhooks are sent over https only")
	}
	if u.User != nil {
		return nil, InvalidInput("url", "a webhook URL cannot carry credentials; verify the signature instead")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return nil, InvalidInput("url", "a webhook URL cannot have a fragment")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, InvalidInput("url", "invalid port %q", p)
		}
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return nil, InvalidInput("url", "not an absolute URL")
	}
	if !allowPrivate {
		if addr, err := netip.ParseAddr(host); err == nil {
			if why, refused := RefusedAddr(addr); refused {
				return nil, InvalidInput("url", "webhooks cannot be sent to a %s address", why)
			}
		} else if host == "localhost" || strings.HasSuffix(host, ".localhost") || !strings.Contains(host, ".") {
			return nil, InvalidInput("url", "webhooks cannot be sent to a local host name")
		}
	}
	return u, nil
}

// refusedPrefixes are the ranges no webhook is sent to (unless allowed):
// they reach the server's own machine, its private networks or a cloud's
// metadata service rather than a customer's public receiver.
var refusedPrefixes = []struct {
	prefix netip.Prefix
	why    string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "reserved"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared (carrier-grade NAT)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local or metadata"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("64:ff9b::/96"), "NAT64"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "NAT64"},
	{netip.MustParsePrefix("100::/64"), "discard"},
	{netip.MustParsePrefix("2001::/32"), "Teredo"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("2002::/16"), "6to4"},
	{netip.MustParsePrefix("fc00::/7"), "private"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

// RefusedAddr reports whether a webhook may not be sent to addr, and what
// kind of address it is. An IPv4 address written as IPv6 (::ffff:a.b.c.d)
// is judged as the IPv4 address it is.
func RefusedAddr(addr netip.Addr) (why string, refused bool) {
	if !addr.IsValid() {
		return "invalid", true
	}
	addr = addr.Unmap().WithZone("")
	for _, p := range refusedPrefixes {
		if p.prefix.Contains(addr) {
			return p.why, true
		}
	}
	return "", false
}

// NewWebhookSecret returns a fresh signing secret in the Standard Webhooks
// form: "whsec_" and the base64 of 32 random bytes.
func NewWebhookSecret() string {
	b := make([]byte, webhookSecretBytes)
	_, _ = rand.Read(b)
	return webhookSecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// NewWebhookMessageID returns a fresh message id: the webhook-id a
// receiver de-duplicates on, the same for every attempt and endpoint of
// one event in one organization.
func NewWebhookMessageID() string {
	b := make([]byte, webhookMessageRandomSize)
	_, _ = rand.Read(b)
	return webhookMessageIDPrefix + hex.EncodeToString(b)
}

// WebhookSignature is the webhook-signature header of a message: for each
// secret, "v1," and the base64 HMAC-SHA256, keyed with the secret's
// decoded bytes, of "id.timestamp.body"; several are separated by spaces,
// so during a rotation a receiver holding either secret verifies it.
func WebhookSignature(secrets []string, id string, timestamp int64, body []byte) string {
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, webhookSecretPrefix))
		if err != nil {
			continue
		}
		m := hmac.New(sha256.New, key)
		m.Write([]byte(id))
		m.Write([]byte{'.'})
		m.Write([]byte(strconv.FormatInt(timestamp, 10)))
		m.Write([]byte{'.'})
		m.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)))
	}
	return strings.Join(sigs, " ")
}

// WebhookBackoff is the delay after the attempts-th failed attempt (1 for
// the first): lo doubled per earlier failure, capped at hi.
func WebhookBackoff(attempts int, lo, hi time.Duration) time.Duration {
	d := lo
	for i := 1; i < attempts && d < hi; i++ {
		d *= 2
	}
	return min(d, hi)
}

// ChangedKeys lists, sorted, the keys whose values differ between before
// and after (present in one only, or different): what a member.updated
// event says changed.
func ChangedKeys(before, after map[string]any) []string {
	var out []string
	for k, v := range after {
		if w, ok := before[k]; !ok || !reflect.DeepEqual(v, w) {
			out = append(out, k)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// WebhookEndpoint is a URL of an organization's receiving its events.
type WebhookEndpoint struct {
	ID             int64
	OrganizationID int64
	URL            string `gorm:"column:url"`
	Description    string
	EventTypes     StringList
	Enabled        bool
	// Secret signs every message; PreviousSecret too, until
	// PreviousSecretExpiresAt, after a rotation. Neither is ever shown
	// again after the mutation that created it.
	Secret                  string  `json:"-"`
	PreviousSecret          *string `json:"-"`
	PreviousSecretExpiresAt *time.Time
	// FailingSince is the first failed attempt since the last success.
	FailingSince   *time.Time
	DisabledAt     *time.Time
	DisabledReason *string
	CreatedByID    *int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// TableName keeps the GORM table name explicit.
func (WebhookEndpoint) TableName() string { return "webhook_endpoints" }

// Wants reports whether the endpoint subscribes to t.
func (e *WebhookEndpoint) Wants(t WebhookEventType) bool {
	return slices.Contains(e.EventTypes, string(t))
}

// SigningSecrets are the secrets a message sent at now is signed with: the
// current one, and the previous one during its rotation window.
func (e *WebhookEndpoint) SigningSecrets(now time.Time) []string {
	out := []string{e.Secret}
	if e.PreviousSecret != nil && e.PreviousSecretExpiresAt != nil && now.Before(*e.PreviousSecretExpiresAt) {
		out = append(out, *e.PreviousSecret)
	}
	return out
}

// WebhookDeliveryStatus is where a delivery stands.
type WebhookDeliveryStatus string

const (
	// WebhookPending is queued or being retried.
	WebhookPending WebhookDeliveryStatus = "PENDING"
	// WebhookSucceeded got a 2xx answer.
	WebhookSucceeded WebhookDeliveryStatus = "SUCCEEDED"
	// WebhookFailed was given up: every attempt for a day failed.
	WebhookFailed WebhookDeliveryStatus = "FAILED"
)

// WebhookDelivery is one event queued for one endpoint, written in the same
// transaction as the change it reports, and its latest attempt.
type WebhookDelivery struct {
	ID             int64
	OrganizationID int64
	EndpointID     int64
	MessageID      string
	EventType      WebhookEventType
	Payload        string
	Status         WebhookDeliveryStatus
	Attempts       int
	NextAttemptAt  time.Time
	GiveUpAt       time.Time
	LockedBy       *string
	LockedUntil    *time.Time
	LastAttemptAt  *time.Time
	ResponseCode   *int
	LatencyMs      *int
	LastError      *string
	DeliveredAt    *time.Time
	CreatedAt      time.Time
}

// TableName keeps the GORM table name explicit.
func (WebhookDelivery) TableName() string { return "webhook_deliveries" }

// WebhookAttempt is one try at a delivery, kept for the delivery log.
type WebhookAttempt struct {
	ID           int64
	DeliveryID   int64
	EndpointID   int64
	AttemptedAt  time.Time
	Succeeded    bool
	ResponseCode *int
	LatencyMs    int
	Error        *string
}

// TableName keeps the GORM table name explicit.
func (WebhookAttempt) TableName() string { return "webhook_attempts" }

// Webhooks manages an organization's endpoints and reads their delivery
// logs (db.Store). Every method checks CanManageWebhooks.
type Webhooks interface {
	WebhookEndpoints(ctx context.Context, orgID int64) ([]*WebhookEndpoint, error)
	WebhookEndpoint(ctx context.Context, id int64) (*WebhookEndpoint, error)
	CreateWebhookEndpoint(ctx context.Context, orgID int64, in WebhookEndpointInput) (*WebhookEndpoint, string, error)
	UpdateWebhookEndpoint(ctx context.Context, id int64, in WebhookEndpointInput) (*WebhookEndpoint, error)
	DeleteWebhookEndpoint(ctx context.Context, id int64) error
	RotateWebhookSecret(ctx context.Context, id int64, keepPrevious time.Duration) (*WebhookEndpoint, string, error)
	WebhookDeliveries(ctx context.Context, endpointID int64, statuses []WebhookDeliveryStatus, p PageRequest) (Page[*WebhookDelivery], error)
	WebhookDelivery(ctx context.Context, id int64) (*WebhookDelivery, error)
	WebhookAttempts(ctx context.Context, d *WebhookDelivery, limit int) ([]*WebhookAttempt, error)
	ReplayWebhookDelivery(ctx context.Context, id int64) (*WebhookDelivery, error)
}
