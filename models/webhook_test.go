package models

import (
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

func TestValidateWebhookURL(t *testing.T) {
	ok := []string{"https://hooks.example.com/rollcall", "https://hooks.example.com:8443/x?y=1", "https://93.184.216.34/hook", "https://[2606:2800:220:1::1]/"}
	for _, u := range ok {
		if _, err := ValidateWebhookURL(u, false); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	refused := []string{
		"", "hooks.example.com", "/relative", "ftp://example.com/", "http://example.com/", "javascript:alert(1)",
		"https://user:pw@example.com/", "https://example.com/#frag", "https://example.com:0/", "https://example.com:99999/",
		"https://localhost/", "https://LOCALHOST./", "https://api.localhost/", "https://intranet/",
		"https://127.0.0.1/", "https://10.0.0.1/", "https://172.31.255.255/", "https://192.168.0.1/", "https://169.254.169.254/",
		"https://100.100.100.200/", "https://0.0.0.0/", "https://224.0.0.1/", "https://[::1]/", "https://[fd00:ec2::254]/",
		"https://[fe80::1%25eth0]/", "https://[::ffff:10.0.0.1]/", "https://[64:ff9b::a00:1]/", "https://[2002:a00:1::]/",
		"https://example.com/" + strings.Repeat("a", MaxWebhookURLBytes),
	}
	for _, u := range refused {
		_, err := ValidateWebhookURL(u, false)
		if e, isErr := AsError(err); !isErr || e.Code != CodeBadUserInput || e.Field != "url" {
			t.Errorf("%q: want BAD_USER_INPUT on url, got %v", u, err)
		}
	}
	// Allowed for development: http and private addresses, never credentials.
	for _, u := range []string{"http://127.0.0.1:8080/hook", "http://localhost/", "https://10.0.0.1/"} {
		if _, err := ValidateWebhookURL(u, true); err != nil {
			t.Errorf("allowPrivate %s: %v", u, err)
		}
	}
	if _, err := ValidateWebhookURL("http://u:p@127.0.0.1/", true); err == nil {
		t.Error("credentials accepted with allowPrivate")
	}
}

func TestRefusedAddr(t *testing.T) {
	for _, a := range []string{"127.0.0.1", "::1", "10.1.1.1", "169.254.169.254", "fd00:ec2::254", "::ffff:192.168.1.1", "100.64.0.1", "fe80::1", "0.0.0.0", "::"} {
		if _, refused := RefusedAddr(netip.MustParseAddr(a)); !refused {
			t.Errorf("%s not refused", a)
		}
	}
	for _, a := range []string{"93.184.216.34", "2606:2800:220:1::1", "8.8.8.8", "1.1.1.1"} {
		if why, refused := RefusedAddr(netip.MustParseAddr(a)); refused {
			t.Errorf("%s refused as %s", a, why)
		}
	}
	if _, refused := RefusedAddr(netip.Addr{}); !refused {
		t.Error("the zero address is not refused")
	}
}

// The signature verifies with the Standard Webhooks reference
// implementation, with each secret of a rotation.
func TestWebhookSignatureMatchesReference(t *testing.T) {
	a, b := NewWebhookSecret(), NewWebhookSecret()
	if a == b || !strings.HasPrefix(a, "whsec_") {
		t.Fatalf("secrets %q %q", a, b)
	}
	id, now, body := NewWebhookMessageID(), time.Now(), []byte(`{"type":"member.added","data":{"x":"é<>&"}}`)
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	h.Set("webhook-signature", WebhookSignature([]string{a, b}, id, now.Unix(), body))
	for _, s := range []string{a, b} {
		wh, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(body, h); err != nil {
			t.Errorf("verify with %s: %v", s[:10], err)
		}
		want, _ := wh.Sign(id, time.Unix(now.Unix(), 0), body)
		if !strings.Contains(h.Get("webhook-signature"), want) {
			t.Errorf("reference signature %s not in %s", want, h.Get("webhook-signature"))
		}
	}
	wh, _ := standardwebhooks.NewWebhook(NewWebhookSecret())
	if err := wh.Verify(body, h); err == nil {
		t.Error("another secret verifies")
	}
	tampered := append([]byte{}, body...)
	tampered[2] = 'X'
	wh, _ = standardwebhooks.NewWebhook(a)
	if err := wh.Verify(tampered, h); err == nil {
		t.Error("a tampered body verifies")
	}
}

func TestSigningSecretsDuringRotation(t *testing.T) {
	now := time.Now()
	prev := "whsec_old"
	e := &WebhookEndpoint{Secret: "whsec_new", PreviousSecret: &prev, PreviousSecretExpiresAt: ptrTime(now.Add(time.Minute))}
	if got := e.SigningSecrets(now); !slices.Equal(got, []string{"whsec_new", "whsec_old"}) {
		t.Errorf("within the window: %v", got)
	}
	if got := e.SigningSecrets(now.Add(2 * time.Minute)); !slices.Equal(got, []string{"whsec_new"}) {
		t.Errorf("after the window: %v", got)
	}
}

func ptrTime(t time.Time) *time.Time { return &t }

func TestWebhookBackoff(t *testing.T) {
	lo, hi := 5*time.Second, time.Hour
	want := []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second}
	for i, w := range want {
		if got := WebhookBackoff(i+1, lo, hi); got != w {
			t.Errorf("attempt %d: %s, want %s", i+1, got, w)
		}
	}
	if got := WebhookBackoff(50, lo, hi); got != hi {
		t.Errorf("attempt 50: %s, want the cap", got)
	}
	// Retried for a day: enough attempts fit, never a busy loop.
	var total time.Duration
	n := 0
	for total < 24*time.Hour {
		n++
		total += WebhookBackoff(n, lo, hi)
	}
	if n < 20 || n > 40 {
		t.Errorf("%d attempts in a day", n)
	}
}

func TestNormalizeWebhookEventTypes(t *testing.T) {
	got, err := NormalizeWebhookEventTypes([]WebhookEventType{WebhookSessionSignedIn, WebhookMemberAdded, WebhookMemberAdded})
	if err != nil || !slices.Equal(got, []WebhookEventType{WebhookMemberAdded, WebhookSessionSignedIn}) {
		t.Errorf("got %v %v", got, err)
	}
	if _, err := NormalizeWebhookEventTypes(nil); ErrorCode(err) != CodeBadUserInput {
		t.Errorf("none: %v", err)
	}
	if _, err := NormalizeWebhookEventTypes([]WebhookEventType{"member.exploded"}); ErrorCode(err) != CodeBadUserInput {
		t.Errorf("unknown: %v", err)
	}
}

// Every audited action is either an event or deliberately none.
func TestEveryAuditActionIsDecided(t *testing.T) {
	none := []AuditAction{AuditOrganizationCreated, AuditOrganizationUpdated, AuditAccountCreated, AuditPasswordResetSent,
		AuditMemberSignedOut, AuditContactsReassigned, AuditMembersExported, AuditWebhookCreated, AuditWebhookUpdated,
		AuditWebhookDeleted, AuditWebhookSecretRotated, AuditWebhookDisabled}
	raised := map[WebhookEventType]bool{}
	for a := range auditWebhooks {
		for _, e := range WebhookEventsForAudit(a) {
			if !e.Type.Valid() {
				t.Errorf("%s raises %q, not in the catalogue", a, e.Type)
			}
			raised[e.Type] = true
		}
	}
	for _, a := range none {
		if _, ok := auditWebhooks[a]; ok || len(WebhookEventsForAudit(a)) != 0 {
			t.Errorf("%s raises an event", a)
		}
	}
	if got := WebhookEventsForAudit(AuditInvitationAccepted); len(got) != 2 || got[1].Type != WebhookMemberAdded {
		t.Errorf("an accepted invitation raises %v", got)
	}
	// Events not raised from the audit log have their own source.
	for _, t2 := range []WebhookEventType{WebhookInvitationExpired, WebhookSessionSignedIn, WebhookSessionSignedOut, WebhookPresenceChanged} {
		raised[t2] = true
	}
	for _, e := range WebhookEventTypes {
		if !raised[e] {
			t.Errorf("nothing raises %s", e)
		}
	}
	if len(auditWebhooks)+len(none) != auditActionCount {
		t.Errorf("%d audit actions decided, %d exist: decide the new one here", len(auditWebhooks)+len(none), auditActionCount)
	}
}

func TestChangedKeys(t *testing.T) {
	before := map[string]any{"role": "AGENT", "permissions": []any{"A"}, "products": []any{}, "gone": 1}
	after := map[string]any{"role": "ADMIN", "permissions": []any{"A"}, "products": []any{"x"}, "new": true}
	if got := ChangedKeys(before, after); !slices.Equal(got, []string{"gone", "new", "products", "role"}) {
		t.Errorf("got %v", got)
	}
}

// auditActionCount is how many AuditAction constants entities.go declares:
// adding one fails TestEveryAuditActionIsDecided until it is decided there.
const auditActionCount = 26
